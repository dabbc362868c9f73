package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/meshdetect"
	"github.com/x0tta6bl4/x0tta6bl4/internal/config"
)

// TestHealingModel: healing.model loads a detector written by `bench anomaly --out` into the
// node's self-healing options, and a missing, foreign, truncated or altered file is an error naming
// the file, never a silent fallback to the rules.
func TestHealingModel(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a small detector")
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.model")
	o := benchAnomalyOptions{nodes: 12, trainSeeds: 1, testSeeds: 1, workers: 2, seed: 1, out: good}
	if err := runBenchAnomaly(context.Background(), io.Discard, o, time.Now); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	altered := bytes.Clone(raw)
	altered[len(altered)/2] ^= 1
	tests := []struct {
		name, path string
		want       error // nil: loads
	}{
		{"valid", good, nil},
		{"missing", filepath.Join(dir, "none.model"), os.ErrNotExist},
		{"foreign", write("foreign.model", []byte("not a model at all")), meshdetect.ErrMagic},
		{"truncated", write("short.model", raw[:len(raw)/3]), meshdetect.ErrTruncated},
		{"altered", write("altered.model", altered), meshdetect.ErrHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			cfg := &config.Config{Healing: config.Healing{Model: tt.path}}
			opt, closeStore, err := healingOptions(cfg, slog.New(slog.NewTextHandler(&logs, nil)))
			defer closeStore()
			if tt.want == nil {
				if err != nil || opt.Scorer == nil {
					t.Fatalf("scorer %v, err %v", opt.Scorer, err)
				}
				if !strings.Contains(logs.String(), "sha256=") {
					t.Errorf("the log does not name the model: %s", logs.String())
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.path) && tt.want != os.ErrNotExist {
				t.Fatalf("err = %v, want %v naming %s", err, tt.want, tt.path)
			}
			if opt.Scorer != nil {
				t.Fatal("a scorer came back with the error")
			}
		})
	}
}
