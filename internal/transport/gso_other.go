//go:build !linux

package transport

import "net"

// gsoSupported reports false: UDP segmentation offload is used on Linux only.
func gsoSupported(*net.UDPConn) bool { return false }

// gsoSpace is zero: no control message is ever written.
const gsoSpace = 0

// gsoControl is never called when gsoSupported is false.
func gsoControl(b []byte, _ int) []byte { return b[:0] }
