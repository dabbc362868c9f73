//go:build unix

package boltfile

import (
	"os"
	"syscall"
)

// release drops the lock bbolt took on f and closes f, after bbolt panicked
// while opening. The mapping bbolt made keeps the open file description
// alive, so closing f alone would not release the lock.
func release(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	_ = f.Close()
}
