// Package boltfile opens bbolt files for the node's crash-safe stores (internal/store, the
// self-healing knowledge, and internal/fl/registry, the model versions) the same careful way:
// a bounded wait for the file lock, bbolt's panics on corrupt pages turned into errors, the lock
// released when opening fails that way, every page checked, and the schema version verified. A
// file that fails is never modified or deleted.
package boltfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// MetaBucket is the bucket that holds the schema version, a big-endian u32 under SchemaKey;
// callers may keep their own keys there too.
const (
	MetaBucket = "meta"
	SchemaKey  = "schema"
)

// Options says how to open a file and which of the caller's errors to report.
type Options struct {
	// Name prefixes errors about the file itself, such as "store" or "registry".
	Name string
	// Mode is the permission of a new file; LockTimeout the longest wait for the file lock.
	Mode        os.FileMode
	LockTimeout time.Duration
	// Locked and Corrupt are the caller's sentinel errors, wrapped by the errors Open returns
	// for a file another process holds and for a file that is not a consistent store.
	Locked, Corrupt error
	// Schema is the schema version stored in, and required of, the file.
	Schema uint32
	// Buckets are created when missing.
	Buckets []string
}

// Guard runs f, turning a panic of bbolt on a corrupt page into an error wrapping corrupt.
func Guard(corrupt error, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", corrupt, p)
		}
	}()
	return f()
}

// Open opens or creates the bbolt file at path: it waits at most o.LockTimeout for the lock
// (o.Locked), checks every page, the schema version (o.Corrupt for a truncated, overwritten or
// inconsistent file, or one of another schema) and creates the missing buckets.
func Open(path string, o Options) (*bolt.DB, error) {
	if err := checkLength(path); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", o.Corrupt, path, err)
	}
	// bbolt panics on some corrupt pages while opening, after it has taken the file lock; keep
	// the file so that the lock can be released then.
	var file *os.File
	openFile := func(name string, flag int, perm os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, perm)
		file = f
		return f, err
	}
	var db *bolt.DB
	err := Guard(o.Corrupt, func() error {
		var err error
		db, err = bolt.Open(path, o.Mode, &bolt.Options{Timeout: o.LockTimeout, OpenFile: openFile})
		return err
	})
	if errors.Is(err, o.Corrupt) && file != nil {
		release(file)
	}
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%w: %s: %w", o.Locked, path, err)
	case errors.Is(err, o.Corrupt):
		return nil, fmt.Errorf("%s: %w", path, err)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, fmt.Errorf("%w: %s: %w", o.Corrupt, path, err)
	case err != nil:
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s: open %s: %w", o.Name, path, err)
		}
		return nil, fmt.Errorf("%w: %s: %w", o.Corrupt, path, err)
	}
	if err := Guard(o.Corrupt, func() error { return prepare(db, o) }); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return db, nil
}

// prepare checks the pages and the schema and creates the buckets.
func prepare(db *bolt.DB, o Options) error {
	if err := db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return fmt.Errorf("%w: %w", o.Corrupt, err)
		}
		return nil
	}); err != nil {
		return err
	}
	return db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists([]byte(MetaBucket))
		if err != nil {
			return fmt.Errorf("%w: %w", o.Corrupt, err)
		}
		switch v := meta.Get([]byte(SchemaKey)); {
		case v == nil:
			if err := meta.Put([]byte(SchemaKey), binary.BigEndian.AppendUint32(nil, o.Schema)); err != nil {
				return err
			}
		case len(v) != 4 || binary.BigEndian.Uint32(v) != o.Schema:
			return fmt.Errorf("%w: schema version %x, want %d", o.Corrupt, v, o.Schema)
		}
		for _, b := range o.Buckets {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return fmt.Errorf("%w: %w", o.Corrupt, err)
			}
		}
		return nil
	})
}

// Layout of a bbolt meta page (go.etcd.io/bbolt/internal/common: a 16-byte page header, then
// magic, version, page size, flags, root bucket, freelist, high-water page ID, transaction ID).
const (
	metaMagic      = 0xED0CDAED
	metaOffset     = 16
	metaPageSize   = metaOffset + 8
	metaHighWater  = metaOffset + 40
	metaTxID       = metaOffset + 48
	metaHeaderSize = metaOffset + 56
)

// checkLength refuses an existing file shorter than its newest meta page says (a truncated
// copy, a disk that filled up): bbolt maps the file and would fault reading past its end, a
// SIGBUS that no recover catches. A missing or empty file, or one whose meta pages do not
// parse, is left to bbolt.
func checkLength(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil // missing: bbolt creates it, or reports the error
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return nil
	}
	var need, newest uint64
	var first [metaHeaderSize]byte
	if _, err := f.ReadAt(first[:], 0); err != nil {
		return nil
	}
	pageSize := uint64(binary.LittleEndian.Uint32(first[metaPageSize:]))
	for i, off := range []uint64{0, pageSize} {
		var m [metaHeaderSize]byte
		if i == 0 {
			m = first
		} else if pageSize == 0 || pageSize > 1<<20 {
			break
		} else if _, err := f.ReadAt(m[:], int64(off)); err != nil {
			break
		}
		if binary.LittleEndian.Uint32(m[metaOffset:]) != metaMagic {
			continue
		}
		ps := uint64(binary.LittleEndian.Uint32(m[metaPageSize:]))
		hw := binary.LittleEndian.Uint64(m[metaHighWater:])
		if tx := binary.LittleEndian.Uint64(m[metaTxID:]); need == 0 || tx > newest {
			newest, need = tx, hw*ps
		}
	}
	if need > uint64(fi.Size()) {
		return fmt.Errorf("truncated: %d bytes, the file's meta page needs %d", fi.Size(), need)
	}
	return nil
}
