package identity

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// encodePEM wraps body in a PEM block of type typ.
func encodePEM(typ string, body []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: body})
}

// decodePEM returns the body of the single PEM block of type typ in data.
// Only white space may surround the block, and the block may carry no
// headers.
func decodePEM(data []byte, typ string) ([]byte, error) {
	if !bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("-----BEGIN ")) {
		return nil, fmt.Errorf("%w: want a PEM block of type %q", ErrMalformed, typ)
	}
	block, rest := pem.Decode(data)
	switch {
	case block == nil:
		return nil, fmt.Errorf("%w: invalid PEM block, want type %q", ErrMalformed, typ)
	case block.Type != typ:
		return nil, fmt.Errorf("%w: PEM block type %q, want %q", ErrMalformed, block.Type, typ)
	case len(block.Headers) != 0:
		return nil, fmt.Errorf("%w: PEM block %q has headers", ErrMalformed, typ)
	case len(bytes.TrimSpace(rest)) != 0:
		return nil, fmt.Errorf("%w: %d bytes of trailing data after PEM block %q", ErrMalformed, len(bytes.TrimSpace(rest)), typ)
	}
	return block.Bytes, nil
}

// readFile reads the regular file at path, refusing files larger than
// limit. If check is not nil it is called with the open file's metadata
// before anything is read.
func readFile(path string, limit int64, check func(os.FileInfo) error) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file (mode %v)", ErrInvalid, path, fi.Mode())
	}
	if check != nil {
		if err := check(fi); err != nil {
			return nil, err
		}
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%w: %s is %d bytes, the limit is %d", ErrFileTooLarge, path, fi.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("identity: reading %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: %s is more than %d bytes", ErrFileTooLarge, path, limit)
	}
	return data, nil
}

// writeFile atomically writes data to path with the given mode: it writes
// a temporary file in the same directory, syncs it and renames it over path
// (or, without overwrite, links it to path, which fails if path exists), so
// that a reader sees either the old file or the complete new one.
func writeFile(path string, data []byte, mode os.FileMode, overwrite bool) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if f != nil {
			f.Close()
		}
		if rmErr := os.Remove(tmp); err == nil && rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			err = fmt.Errorf("identity: %w", rmErr)
		}
	}()
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("identity: writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("identity: syncing %s: %w", path, err)
	}
	err = f.Close()
	f = nil
	if err != nil {
		return fmt.Errorf("identity: writing %s: %w", path, err)
	}
	if overwrite {
		err = os.Rename(tmp, path)
	} else {
		err = os.Link(tmp, path)
	}
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("identity: %s already exists; refusing to overwrite it: %w", path, err)
	}
	if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable. Errors are ignored: some systems
// cannot sync directories, and the file itself is already synced.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}
