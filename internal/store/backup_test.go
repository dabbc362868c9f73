package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestBackupWhileWriting: a backup taken while another goroutine keeps writing Steps is a
// complete, verifiable store holding a prefix of what was written, and the live store is intact.
func TestBackupWhileWriting(t *testing.T) {
	s, _ := openTemp(t, Options{})
	for i := 1; i <= 20; i++ {
		if _, err := s.WriteStep(stepResult(i, 3)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 21; i <= 120; i++ {
			if _, err := s.WriteStep(stepResult(i, 3)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	dir := t.TempDir()
	var copies []string
	for i := range 3 {
		p := filepath.Join(dir, "backup"+string(rune('a'+i))+".db")
		if err := s.BackupFile(p); err != nil {
			t.Fatal(err)
		}
		copies = append(copies, p)
	}
	wg.Wait()
	live, err := s.Incidents()
	if err != nil || len(live) != 120 {
		t.Fatalf("live store: %d incidents, err %v", len(live), err)
	}
	prev := 20
	for _, p := range copies {
		b, err := Open(p, Options{})
		if err != nil {
			t.Fatalf("backup %s: %v", p, err)
		}
		inc, err := b.Incidents()
		b.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(inc) < prev || len(inc) > 120 {
			t.Fatalf("backup %s holds %d incidents, want %d..120", p, len(inc), prev)
		}
		for i, x := range inc {
			if x.ID != uint64(i+1) {
				t.Fatalf("backup %s: incident %d has ID %d: not a prefix", p, i, x.ID)
			}
		}
		prev = len(inc)
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != FileMode {
			t.Fatalf("backup %s mode %v, err %v", p, fi.Mode(), err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp*")); len(left) != 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
}

// errWriter fails after n bytes.
type errWriter struct{ n int }

var errShort = errors.New("disk full")

func (w *errWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errShort
	}
	w.n -= len(p)
	return len(p), nil
}

func TestBackupErrors(t *testing.T) {
	s, path := openTemp(t, Options{})
	if _, err := s.WriteStep(stepResult(1, 2)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := s.Backup(&buf)
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Backup: n %d, len %d, err %v", n, buf.Len(), err)
	}
	if _, err := s.Backup(&errWriter{n: 100}); err == nil || !strings.Contains(err.Error(), errShort.Error()) {
		t.Fatalf("short writer: err %v", err)
	}
	if err := s.BackupFile(filepath.Join(t.TempDir(), "missing", "b.db")); err == nil {
		t.Fatal("backup into a missing directory succeeded")
	}
	// A backup onto the live file's own path would need its lock: refused, and the live file
	// keeps its content.
	if err := s.BackupFile(path); !errors.Is(err, ErrInvalid) {
		t.Fatal("backup over the live store succeeded")
	}
	if inc, err := s.Incidents(); err != nil || len(inc) != 1 {
		t.Fatalf("live store after the refused backup: %d incidents, err %v", len(inc), err)
	}
	s.Close()
	if _, err := s.Backup(&buf); !errors.Is(err, ErrClosed) {
		t.Fatalf("backup of a closed store: %v", err)
	}
	if err := s.BackupFile(filepath.Join(t.TempDir(), "b.db")); !errors.Is(err, ErrClosed) {
		t.Fatalf("backup file of a closed store: %v", err)
	}
}
