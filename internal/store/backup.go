package store

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the store to w and returns the number of bytes written. It
// runs in one read transaction, so the node keeps writing meanwhile and the copy is the store as
// of one instant. The copy is a complete store file: restore it by putting it in place of the
// store's file while no node holds it (Open verifies it).
func (s *Store) Backup(w io.Writer) (n int64, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("store: backup: %w", err)
	}
	return n, nil
}

// BackupFile writes a consistent copy of the store to path: into a temporary file in the same
// directory, synced to disk, then renamed over path, so that path is either the previous file
// or a complete copy. It then opens the copy to verify it, and removes it if it does not verify.
func (s *Store) BackupFile(path string) error {
	if live, err := s.path(); err != nil {
		return err
	} else if same(live, path) {
		// Renaming over the live file would leave the store writing to an unlinked file.
		return fmt.Errorf("%w: backup target %s is the store's own file", ErrInvalid, path)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := s.Backup(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(FileMode); err != nil {
		tmp.Close()
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	c, err := Open(path, Options{})
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("store: backup does not verify: %w", err)
	}
	return c.Close()
}

// path returns the store's file name.
func (s *Store) path() (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return "", ErrClosed
	}
	return s.db.Path(), nil
}

// same reports whether a and b name the same existing file.
func same(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}
