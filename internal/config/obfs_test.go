package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/obfs"
)

func TestObfs(t *testing.T) {
	dir := t.TempDir()
	keyText := "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" // bytes 0..31
	if err := os.WriteFile(filepath.Join(dir, "obfs.key"), []byte(keyText+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.key"), []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, yaml string
		field      string // expected validation error field, or "" for a valid file
		check      func(*testing.T, *Config)
	}{
		{"off by default", "", "", func(t *testing.T, c *Config) {
			if c.Obfs.On() {
				t.Error("obfs on without a key file")
			}
		}},
		{"defaults", "obfs: {key_file: obfs.key}\n", "", func(t *testing.T, c *Config) {
			oc, err := c.Obfs.Transport()
			if err != nil {
				t.Fatal(err)
			}
			if !oc.Shape || oc.JunkCount != 0 || oc.MaxPadding != 0 || oc.Jitter != 0 || oc.Key[31] != 31 {
				t.Errorf("obfs config %+v", oc)
			}
		}},
		{"all set", "obfs: {key_file: obfs.key, shape: false, junk: 3, max_padding: -1, jitter: 20ms}\n", "", func(t *testing.T, c *Config) {
			oc, err := c.Obfs.Transport()
			if err != nil || oc.Shape || oc.JunkCount != 3 || oc.MaxPadding != -1 || oc.Jitter != 20*time.Millisecond {
				t.Errorf("obfs config %+v, %v", oc, err)
			}
		}},
		{"bad key file content", "obfs: {key_file: bad.key}\n", "", func(t *testing.T, c *Config) {
			if _, err := c.Obfs.Transport(); !errors.Is(err, obfs.ErrInvalidKey) || !strings.Contains(err.Error(), "bad.key") {
				t.Errorf("err %v", err)
			}
		}},
		{"missing key file", "obfs: {key_file: none.key}\n", "", func(t *testing.T, c *Config) {
			if _, err := c.Obfs.Transport(); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("err %v", err)
			}
		}},
		{"settings without a key", "obfs: {junk: 2}\n", "obfs.key_file", nil},
		{"junk too high", "obfs: {key_file: obfs.key, junk: 99}\n", "obfs.junk", nil},
		{"padding out of range", "obfs: {key_file: obfs.key, max_padding: 5000}\n", "obfs.max_padding", nil},
		{"jitter too long", "obfs: {key_file: obfs.key, jitter: 5s}\n", "obfs.jitter", nil},
		{"nul in path", "obfs: {key_file: \"a\\0b\"}\n", "obfs.key_file", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "node.yaml")
			if err := os.WriteFile(path, []byte(healingBase+tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load(path)
			if tt.field != "" {
				if err == nil || !strings.Contains(err.Error(), tt.field) {
					t.Fatalf("err = %v, want one naming %s", err, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}
