package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/obfs"
)

// TestObfsNodes: two nodes sharing an obfuscation key form a session and ping each other; a node
// without the key gets no session with them, and a datagram that does not authenticate (a plain
// handshake-sized probe) gets no answer at all.
func TestObfsNodes(t *testing.T) {
	h := newHealNet(t, "alpha", "beta", "gamma")
	cli(t, h.bin, h.dir, "obfs", "genkey", "--out", "obfs.key")
	b, err := os.ReadFile(filepath.Join(h.dir, "obfs.key"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := obfs.ParseKey(strings.TrimSpace(string(b))); err != nil {
		t.Fatalf("genkey wrote %q: %v", b, err)
	}
	if code, out, _ := runCLI(context.Background(), "obfs", "genkey", "--out", filepath.Join(h.dir, "obfs.key")); code == 0 {
		t.Fatalf("genkey overwrote an existing key: %s", out)
	}
	hide := "obfs: {key_file: obfs.key, junk: 2}\n"
	pa, pb, pg := freePort(t, "udp"), freePort(t, "udp"), freePort(t, "udp")
	alpha := h.start(t, "alpha", pa, nil, hide)
	beta := h.start(t, "beta", pb, []int{pa}, hide)
	gamma := h.start(t, "gamma", pg, []int{pa})
	waitFor(t, "alpha and beta up", 20*time.Second, func() bool { return upPeers(t, alpha) == 1 && upPeers(t, beta) == 1 })
	res, err := client(beta).Ping(ctx5(t), api.PingRequest{Peer: nodeID(t, alpha), Count: 5})
	if err != nil || res.Received != 5 {
		t.Fatalf("ping over obfuscated UDP: %+v, %v", res, err)
	}
	time.Sleep(3 * time.Second) // gamma has been trying for as long
	if n := upPeers(t, gamma); n != 0 {
		t.Fatalf("gamma, without the key, has %d sessions", n)
	}
	if n := upPeers(t, alpha); n != 1 {
		t.Fatalf("alpha has %d sessions, want only beta's", n)
	}

	// Active probing: a plain datagram to alpha's port gets silence.
	c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", pa))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	probe := make([]byte, 1200)
	probe[0] = 1 // the first byte of a plain handshake initiation
	for range 5 {
		if _, err := c.Write(probe); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.SetReadDeadline(time.Now().Add(1500 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(make([]byte, 2048)); err == nil {
		t.Fatalf("alpha answered a probe with %d bytes", n)
	}
}
