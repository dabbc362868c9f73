package registry

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestRecordFile(t *testing.T) {
	n := newNet(t, 60)
	r := n.sign(t, params(2, ID{}))
	dir := t.TempDir()
	path := filepath.Join(dir, "round2.model")
	if err := WriteRecordFile(path, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteRecordFile(path, r); err != nil { // replaces
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != RecordFileMode {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	got, err := LoadRecordFile(path)
	if err != nil || !bytes.Equal(got.Raw(), r.Raw()) {
		t.Fatalf("LoadRecordFile: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %d entries", len(entries))
	}

	if err := WriteRecordFile(path, &Record{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("unparsed record: %v", err)
	}
	if err := WriteRecordFile(filepath.Join(dir, "missing", "x"), r); err == nil {
		t.Error("write into a missing directory")
	}
	bad := filepath.Join(dir, "bad.model")
	if err := os.WriteFile(bad, r.Raw()[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadRecordFile(bad); !errors.Is(err, ErrMalformed) {
		t.Errorf("truncated file: %v", err)
	}
	big := filepath.Join(dir, "big.model")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(int64(MaxRecordSize) + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := LoadRecordFile(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversize file: %v", err)
	}
	if _, err := LoadRecordFile(dir); !errors.Is(err, ErrInvalid) {
		t.Errorf("directory: %v", err)
	}
	if _, err := LoadRecordFile(filepath.Join(dir, "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
