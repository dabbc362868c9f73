package boltfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	errLocked  = errors.New("test: locked")
	errCorrupt = errors.New("test: corrupt")
)

func opts(schema uint32) Options {
	return Options{Name: "test", Mode: 0o600, LockTimeout: 100 * time.Millisecond, Locked: errLocked, Corrupt: errCorrupt,
		Schema: schema, Buckets: []string{"a", "b"}}
}

// TestOpen: a new file gets the schema and buckets and reopens; a file of another schema, a foreign
// or truncated file, a held lock and a missing directory each give the caller's error, and a
// refused file is left byte for byte as it was.
func TestOpen(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	db, err := Open(good, opts(3))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("a")) == nil || tx.Bucket([]byte("b")) == nil {
			t.Error("buckets not created")
		}
		if v := tx.Bucket([]byte(MetaBucket)).Get([]byte(SchemaKey)); string(v) != "\x00\x00\x00\x03" {
			t.Errorf("schema %x", v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(good, opts(3)); !errors.Is(err, errLocked) {
		t.Errorf("second open of a held file: %v, want the caller's Locked", err)
	}
	db.Close()
	db, err = Open(good, opts(3))
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	db.Close()
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
	pageSize := os.Getpagesize()
	scribbled := func(page int, b byte) []byte {
		c := append([]byte(nil), raw...)
		for i := page * pageSize; i < (page+1)*pageSize && i < len(c); i++ {
			c[i] = b
		}
		return c
	}
	tests := []struct {
		name, path string
		schema     uint32
		want       error
		text       string
	}{
		{"other schema", good, 4, errCorrupt, "schema version"},
		{"foreign file", write("foreign.db", []byte(strings.Repeat("not a bbolt file ", 512))), 3, errCorrupt, ""},
		{"truncated", write("short.db", raw[:len(raw)/3]), 3, errCorrupt, "truncated"},
		{"scribbled freelist page", write("page2.db", scribbled(2, 0xff)), 3, errCorrupt, ""},
		{"missing directory", filepath.Join(dir, "no", "x.db"), 3, os.ErrNotExist, "test: open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := os.ReadFile(tt.path)
			db, err := Open(tt.path, opts(tt.schema))
			if err == nil {
				db.Close()
				t.Fatal("opened")
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v, want %v containing %q", err, tt.want, tt.text)
			}
			if after, _ := os.ReadFile(tt.path); string(after) != string(before) {
				t.Fatal("a refused file was modified")
			}
		})
	}
}

func TestGuard(t *testing.T) {
	if err := Guard(errCorrupt, func() error { panic("bad page") }); !errors.Is(err, errCorrupt) || !strings.Contains(err.Error(), "bad page") {
		t.Fatalf("panic: %v", err)
	}
	plain := errors.New("plain")
	if err := Guard(errCorrupt, func() error { return plain }); err != plain {
		t.Fatalf("error: %v", err)
	}
}
