//go:build !unix

package store

import "os"

// release closes f after bbolt panicked while opening.
func release(f *os.File) { _ = f.Close() }
