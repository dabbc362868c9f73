//go:build !unix

package node

import "time"

// processCPUTime is not available on this system: CPU usage is reported as 0.
func processCPUTime() (time.Duration, bool) { return 0, false }
