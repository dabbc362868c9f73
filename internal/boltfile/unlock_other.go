//go:build !unix

package boltfile

import "os"

// release closes f after bbolt panicked while opening.
func release(f *os.File) { _ = f.Close() }
