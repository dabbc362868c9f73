package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/store"
)

// TestKnowledgeBackupRefusesBadCopies: a download that is not a store, or fails, leaves nothing at
// --out (not even a temporary file), and an existing file there is kept.
func TestKnowledgeBackupRefusesBadCopies(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"not a store", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("not a bbolt file")) }, "does not verify"},
		{"api error", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"not found: no knowledge file"}`))
		}, "no knowledge file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			dir := t.TempDir()
			out := filepath.Join(dir, "k.db")
			if err := os.WriteFile(out, []byte("previous backup"), 0o600); err != nil {
				t.Fatal(err)
			}
			err := backupKnowledge(context.Background(), &api.Client{Base: srv.URL}, out, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if b, _ := os.ReadFile(out); string(b) != "previous backup" {
				t.Fatalf("the previous file was replaced: %q", b)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp*")); len(left) != 0 {
				t.Fatalf("temporary files left: %v", left)
			}
		})
	}
	if err := backupKnowledge(context.Background(), &api.Client{Base: "http://127.0.0.1:1"}, filepath.Join(t.TempDir(), "no", "k.db"), io.Discard); err == nil {
		t.Fatal("backup into a missing directory succeeded")
	}
}

func TestKnowledgeCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	s, err := store.Open(good, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, make([]byte, 8192), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := checkKnowledge(good); err != nil || got != "0 incidents, 0 actions, audit log up to record 0" {
		t.Fatalf("empty store: %q, %v", got, err)
	}
	if _, err := checkKnowledge(garbage); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("garbage: %v", err)
	}
	if _, err := checkKnowledge(filepath.Join(dir, "none.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("check created the missing file")
	}
	var out strings.Builder
	cmd := newRootCmd()
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"knowledge", "check", good})
	if err := cmd.Execute(); err != nil || !strings.Contains(out.String(), "0 incidents") {
		t.Fatalf("knowledge check: %q, %v", out.String(), err)
	}
}
