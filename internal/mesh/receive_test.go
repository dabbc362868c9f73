package mesh

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/link"
	"github.com/x0tta6bl4/x0tta6bl4/internal/route"
	"github.com/x0tta6bl4/x0tta6bl4/internal/session"
)

func TestReceiveMalformed(t *testing.T) {
	tn := newTestNet(t, 3, nil).line()
	tn.converge()
	a, b, c := tn.nodes[0], tn.nodes[1], tn.nodes[2]
	// An e2e session between a and c, to tamper with real frames.
	if err := a.core.Send(tn.now, c.id, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	var frame []byte
	tn.intercept = func(i, j int, p []byte) []byte {
		if h, inner, err := DecodeHeader(p); err == nil && i == 0 && h.Dst == c.id && inner[0] == session.TypeData && len(inner) > session.Overhead {
			frame = bytes.Clone(inner)
		}
		return p
	}
	if !tn.runUntil(time.Second, func() bool { return len(c.delivered) == 1 }) {
		t.Fatal("no session")
	}
	tn.intercept = nil
	pkt := func(src, dst identity.NodeID, inner ...byte) []byte {
		return append(Header{HopLimit: 9, Src: src, Dst: dst}.Append(nil), inner...)
	}
	badAuth := bytes.Clone(frame)
	badAuth[len(badAuth)-1] ^= 1
	unknownIndex := bytes.Clone(frame)
	unknownIndex[4] ^= 0xff
	ack, _ := link.HelloAck{Seq: 77, Timestamp: 5}.Encode()
	hello, _ := link.Hello{Seq: 1}.Encode()
	var stranger identity.NodeID
	stranger[0] = 9
	for _, tc := range []struct {
		name    string
		to      *testNode
		from    identity.NodeID
		payload []byte
		want    error
		also    error // a lower layer's error, also wrapped
	}{
		{"empty", b, a.id, nil, ErrMalformed, nil},
		{"unknown kind", b, a.id, []byte{0x13, 1, 2}, ErrMalformed, nil},
		{"node kind", b, a.id, []byte{0x01, 1, 2}, ErrMalformed, nil},
		{"oversize", b, a.id, append([]byte{KindPacket}, make([]byte, MaxPayloadSize)...), ErrMalformed, nil},
		{"unknown neighbour", b, stranger, append([]byte{KindLink}, hello...), ErrUnknownNeighbour, nil},
		{"link truncated", b, a.id, append([]byte{KindLink}, hello[:5]...), ErrMalformed, link.ErrMalformed},
		{"link version", b, a.id, append([]byte{KindLink, 0x21}, hello[1:]...), ErrMalformed, link.ErrVersion},
		{"link stale ack", b, a.id, append([]byte{KindLink}, ack...), ErrLink, link.ErrBadAck},
		{"route garbage", b, a.id, []byte{KindRoute, 1, 9, 9}, ErrMalformed, route.ErrMalformed},
		{"route version", b, a.id, []byte{KindRoute, 7}, ErrMalformed, route.ErrUnsupportedVersion},
		{"route empty", b, a.id, []byte{KindRoute}, ErrMalformed, nil},
		{"packet short", b, a.id, []byte{KindPacket, 3, 0, 0, 1}, ErrMalformed, nil},
		{"packet no message", b, a.id, pkt(a.id, c.id), ErrMalformed, nil},
		{"packet hop 0", b, a.id, append([]byte{KindPacket, 0}, pkt(a.id, c.id, 1)[2:]...), ErrMalformed, nil},
		{"packet reserved", b, a.id, append([]byte{KindPacket, 3, 0, 1}, pkt(a.id, c.id, 1)[4:]...), ErrMalformed, nil},
		{"packet zero source", b, a.id, pkt(identity.NodeID{}, c.id, 1), ErrMalformed, nil},
		{"packet zero destination", b, a.id, pkt(a.id, identity.NodeID{}, 1), ErrMalformed, nil},
		{"packet to its source", b, a.id, pkt(a.id, a.id, 1), ErrMalformed, nil},
		{"own packet back", b, a.id, pkt(b.id, c.id, 1), ErrMalformed, nil},
		{"handshake garbage", c, b.id, pkt(a.id, c.id, 0x01, 2, 3), ErrHandshake, nil},
		{"handshake unknown type", c, b.id, pkt(a.id, c.id, 0x7f), ErrHandshake, nil},
		{"frame truncated", c, b.id, pkt(a.id, c.id, session.TypeData, 0, 0), ErrMalformed, session.ErrMalformed},
		{"frame unknown index", c, b.id, pkt(a.id, c.id, unknownIndex...), ErrDecrypt, nil},
		{"frame bad tag", c, b.id, pkt(a.id, c.id, badAuth...), ErrDecrypt, session.ErrAuth},
		{"frame replayed", c, b.id, pkt(a.id, c.id, frame...), ErrDecrypt, session.ErrReplay},
		{"frame from another source", c, b.id, pkt(b.id, c.id, frame...), ErrDecrypt, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.to.core.Stats()
			err := tc.to.core.Receive(tn.now, tc.from, tc.payload)
			wantErr(t, err, tc.want)
			if tc.also != nil {
				wantErr(t, err, tc.also)
			}
			after := tc.to.core.Stats()
			if after.Delivered != before.Delivered || after.Forwarded != before.Forwarded {
				t.Fatalf("bad payload delivered or forwarded: %+v", after)
			}
			if errors.Is(err, ErrMalformed) && after.Dropped.Malformed != before.Dropped.Malformed+1 {
				t.Fatalf("malformed drop not counted: %+v", after.Dropped)
			}
		})
	}
	// An inner kind other than a datagram, in an authentic frame.
	if ref := c.core.sessions[frameIndex(t, frame)]; ref == nil || ref.peer.id != a.id {
		t.Fatal("no session at the destination")
	}
	odd, err := a.core.peers[c.id].sessions.Current.Seal(nil, []byte{0x7e, 1})
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, c.core.Receive(tn.now, b.id, pkt(a.id, c.id, odd...)), ErrMalformed)
}

func frameIndex(t *testing.T, frame []byte) uint32 {
	t.Helper()
	idx, _, err := session.ParseHeader(frame)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func TestRouteBeforeLink(t *testing.T) {
	tn := newTestNet(t, 2, nil)
	tn.connect(0, 1)
	// The link is not up yet: route messages are refused.
	err := tn.nodes[0].core.Receive(tn.now, tn.nodes[1].id, []byte{KindRoute, 1})
	wantErr(t, err, ErrUnknownNeighbour)
}
