package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestModels(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, yaml string
		field      string // expected validation error field, or "" for a valid file
		check      func(*testing.T, *Config)
	}{
		{"off by default", "", "", func(t *testing.T, c *Config) {
			if c.Models.On() || c.Models.Interval() != DefaultModelSyncInterval {
				t.Errorf("models %+v", c.Models)
			}
		}},
		{"paths resolved, default interval", "models: {registry: m.db, inbox: in, coordinator_group: fl-coord}\n", "", func(t *testing.T, c *Config) {
			m := c.Models
			if !m.On() || m.Registry != filepath.Join(dir, "m.db") || m.Inbox != filepath.Join(dir, "in") ||
				m.CoordinatorGroup != "fl-coord" || m.Interval() != DefaultModelSyncInterval {
				t.Errorf("models %+v", m)
			}
		}},
		{"absolute path and interval", "models: {registry: /var/lib/m.db, sync_interval: 2s}\n", "", func(t *testing.T, c *Config) {
			if c.Models.Registry != "/var/lib/m.db" || c.Models.Interval() != 2*time.Second {
				t.Errorf("models %+v", c.Models)
			}
		}},
		{"settings without a registry", "models: {sync_interval: 2s}\n", "models.registry", nil},
		{"inbox without a registry", "models: {inbox: in}\n", "models.registry", nil},
		{"interval too short", "models: {registry: m.db, sync_interval: 10ms}\n", "models.sync_interval", nil},
		{"interval too long", "models: {registry: m.db, sync_interval: 2h}\n", "models.sync_interval", nil},
		{"bad group", "models: {registry: m.db, coordinator_group: \"fl coord\"}\n", "models.coordinator_group", nil},
		{"group too long", "models: {registry: m.db, coordinator_group: " + strings.Repeat("g", 65) + "}\n", "models.coordinator_group", nil},
		{"nul in registry", "models: {registry: \"a\\0b\"}\n", "models.registry", nil},
		{"nul in inbox", "models: {registry: m.db, inbox: \"a\\0b\"}\n", "models.inbox", nil},
		{"unknown field", "models: {registy: m.db}\n", "registy", nil},
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
