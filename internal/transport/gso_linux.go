//go:build linux

package transport

import (
	"encoding/binary"
	"net"
	"unsafe"

	"golang.org/x/sys/unix"
)

// gsoSupported reports whether the kernel offers UDP generic segmentation offload on c's socket
// (UDP_SEGMENT, Linux 4.18), as quic-go checks it.
func gsoSupported(c *net.UDPConn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		_, serr = unix.GetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_SEGMENT)
	}); err != nil {
		return false
	}
	return serr == nil
}

// gsoSpace is the size of the control message gsoControl writes.
var gsoSpace = unix.CmsgSpace(2)

// gsoControl writes into b (gsoSpace bytes) the UDP_SEGMENT control message that makes the kernel
// cut a datagram into segments of seg bytes, and returns it.
func gsoControl(b []byte, seg int) []byte {
	b = b[:gsoSpace]
	clear(b)
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level = unix.SOL_UDP
	h.Type = unix.UDP_SEGMENT
	h.SetLen(unix.CmsgLen(2))
	binary.NativeEndian.PutUint16(b[unix.CmsgLen(0):], uint16(seg))
	return b
}
