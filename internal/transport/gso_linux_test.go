//go:build linux

package transport

import (
	"bytes"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

func TestUDPSegmentationOffload(t *testing.T) {
	a, b, c := listen(t, loopback), listen(t, loopback), listen(t, loopback)
	if !a.gso.Load() {
		t.Skip("kernel without UDP_SEGMENT")
	}
	// Runs for b: four of 1,000 bytes and a shorter last one; then c; then b again, too long to
	// offload; then three more of 10 bytes.
	var ms []Message
	add := func(to *UDPConn, n int) {
		ms = append(ms, Message{Buf: bytes.Repeat([]byte{byte(len(ms))}, n), Addr: to.LocalAddr()})
	}
	for range 4 {
		add(b, 1000)
	}
	add(b, 300)
	add(c, 1000)
	add(b, gsoMaxSegment+1)
	add(b, gsoMaxSegment+1)
	for range 3 {
		add(b, 10)
	}
	if n, err := a.WriteBatch(ms); n != len(ms) || err != nil {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	var wantB []Message
	for _, m := range ms {
		if m.Addr == b.LocalAddr() {
			wantB = append(wantB, m)
		}
	}
	// Every datagram arrives on its own, in order: the kernel cut the offloaded buffers.
	for i, m := range readAll(t, b, len(wantB), MaxBatchSize, MaxDatagramSize) {
		if !bytes.Equal(m.Buf[:m.N], wantB[i].Buf) {
			t.Fatalf("datagram %d to b: %d bytes starting %d, want %d starting %d", i, m.N, m.Buf[0], len(wantB[i].Buf), wantB[i].Buf[0])
		}
	}
	if m := readAll(t, c, 1, 4, 2000)[0]; m.N != 1000 || m.Buf[0] != 5 {
		t.Fatalf("datagram to c: %d bytes starting %d", m.N, m.Buf[0])
	}
	if !a.gso.Load() {
		t.Fatal("offload switched off after a successful batch")
	}
}

// TestUDPSegmentationOffloadRefused makes the kernel refuse offloaded buffers (it does for sockets
// without UDP checksums, SO_NO_CHECK): WriteBatch sends the run one datagram at a time and stops
// offloading.
func TestUDPSegmentationOffloadRefused(t *testing.T) {
	a, b := listen(t, loopback), listen(t, loopback)
	if !a.gso.Load() {
		t.Skip("kernel without UDP_SEGMENT")
	}
	rc, err := a.c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_NO_CHECK, 1) }); err != nil || serr != nil {
		t.Skipf("SO_NO_CHECK: %v %v", err, serr)
	}
	ms := make([]Message, 6)
	for i := range ms {
		ms[i] = Message{Buf: []byte(fmt.Sprintf("datagram %d", i)), Addr: b.LocalAddr()}
	}
	if n, err := a.WriteBatch(ms); n != len(ms) || err != nil {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	if a.gso.Load() {
		t.Fatal("offload still on after the kernel refused it")
	}
	for i, m := range readAll(t, b, len(ms), MaxBatchSize, 100) {
		if string(m.Buf[:m.N]) != fmt.Sprintf("datagram %d", i) {
			t.Fatalf("datagram %d is %q", i, m.Buf[:m.N])
		}
	}
}
