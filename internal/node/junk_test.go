package node

import (
	"context"
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/session"
)

// TestJunkIsDropped sends malformed and forged datagrams to a connected node: each is dropped and
// the node keeps working.
func TestJunkIsDropped(t *testing.T) {
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	b := h.member("beta", "127.0.0.1:1002", h.ca)
	rb := h.start(b, nil)
	ra := h.start(a, nil, b)
	eventually(t, "up", 10*time.Second, func() bool { return peerState(ra.n, "beta") == "up" })
	if ra.n.ID() != a.id.ID() {
		t.Fatal("ID() is not the identity's node ID")
	}
	evil, err := h.net.Listen(netip.MustParseAddrPort("127.0.0.1:1666"))
	if err != nil {
		t.Fatal(err)
	}
	defer evil.Close()
	frame := make([]byte, session.HeaderSize+session.TagSize+8)
	frame[0] = session.TypeData
	binary.LittleEndian.PutUint32(frame[4:], 12345)
	junk := [][]byte{
		{},
		{session.TypeData},
		frame,
		{0x01, 0, 0, 0, 1, 2, 3},
		{0x05, 0, 9, 0},
		{0x7f},
		[]byte(strings.Repeat("\x06", 1200)),
	}
	for _, j := range junk {
		if err := evil.WriteTo(j, a.addr); err != nil {
			t.Fatal(err)
		}
	}
	res, err := ra.n.Ping(context.Background(), api.PingRequest{Peer: "beta", Count: 20, Window: 4, Timeout: 5})
	if err != nil || res.Received != 20 {
		t.Fatalf("ping after junk: %+v %v", res, err)
	}
	if !strings.Contains(a.log.String(), "dropped handshake message") {
		t.Fatalf("junk not logged as dropped:\n%s", a.log)
	}
	rb.stop(t)
	ra.stop(t)
	// After Run returns, the node refuses to send.
	if err := ra.n.Send(b.id.ID(), []byte("x")); err == nil {
		t.Fatal("Send after stop succeeded")
	}
}

func TestPingReplyChecks(t *testing.T) {
	var pt pingTable
	peer := identity.NodeID{1}
	id, st := pt.start(peer, 3, 4)
	now := time.Now()
	st.sentAt[0], st.sentAt[1] = now, now
	reply := func(seq uint32, size int, corrupt bool) []byte {
		b := echoBody(id, seq, size)[1:]
		if corrupt {
			b[len(b)-1] ^= 1
		}
		return b
	}
	pt.deliver(peer, reply(0, 4, false), now.Add(time.Millisecond))
	pt.deliver(peer, reply(0, 4, false), now.Add(time.Millisecond))              // duplicate
	pt.deliver(peer, reply(1, 4, true), now.Add(time.Millisecond))               // corrupted
	pt.deliver(peer, reply(1, 3, false), now.Add(time.Millisecond))              // wrong size
	pt.deliver(identity.NodeID{2}, reply(1, 4, false), now)                      // another peer
	pt.deliver(peer, reply(2, 4, false), now)                                    // never sent
	pt.deliver(peer, reply(7, 4, false), now)                                    // out of range
	pt.deliver(peer, []byte{1, 2, 3}, now)                                       // short
	pt.deliver(peer, append([]byte{9, 9, 9, 9}, reply(1, 4, false)[4:]...), now) // unknown ping
	if st.res.Received != 1 || st.res.Duplicated != 1 || st.res.Corrupted != 2 {
		t.Fatalf("result %+v", st.res)
	}
	if st.res.RTTMin <= 0 || st.res.RTTMax < st.res.RTTMin {
		t.Fatalf("rtt %+v", st.res)
	}
	pt.finish(id)
	pt.closeAll()
}
