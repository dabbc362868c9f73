package registry

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteRecordFile atomically writes the encoding of r to path with mode
// RecordFileMode, replacing any existing file: it writes a temporary file
// in the same directory, syncs it and renames it over path.
func WriteRecordFile(path string, r *Record) (err error) {
	if r == nil || r.raw == nil {
		return fmt.Errorf("%w: no parsed or signed record to write", ErrInvalid)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if f != nil {
			f.Close()
		}
		if rmErr := os.Remove(tmp); err == nil && rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			err = fmt.Errorf("registry: %w", rmErr)
		}
	}()
	if err := f.Chmod(RecordFileMode); err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	if _, err := f.Write(r.raw); err != nil {
		return fmt.Errorf("registry: writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("registry: syncing %s: %w", path, err)
	}
	err = f.Close()
	f = nil
	if err != nil {
		return fmt.Errorf("registry: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // some systems cannot sync directories; the file is synced
		d.Close()
	}
	return nil
}

// LoadRecordFile reads and parses the record file at path, refusing files
// larger than MaxRecordSize (ErrTooLarge) before reading them. It checks
// the structure only; see Verifier.
func LoadRecordFile(path string) (*Record, error) {
	data, err := ReadFileLimit(path, int64(MaxRecordSize))
	if err != nil {
		return nil, err
	}
	r, err := parseRecord(data)
	if err != nil {
		return nil, fmt.Errorf("registry: %s: %w", path, err)
	}
	return r, nil
}

// ReadFileLimit reads the regular file at path, refusing, with ErrTooLarge,
// one larger than limit bytes; memory use is bounded by limit whatever the
// file does while it is read.
func ReadFileLimit(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file (mode %v)", ErrInvalid, path, fi.Mode())
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%w: %s is %d bytes, the limit is %d", ErrTooLarge, path, fi.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("registry: reading %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: %s grew beyond %d bytes while it was read", ErrTooLarge, path, limit)
	}
	return data, nil
}
