package mesh

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/link"
)

func FuzzDecodeHeader(f *testing.F) {
	a, b := identity.NodeID{1}, identity.NodeID{2}
	f.Add(append(Header{HopLimit: DefaultHopLimit, Src: a, Dst: b}.Append(nil), 4, 0, 0, 0))
	f.Add(append(Header{HopLimit: 1, Src: b, Dst: a}.Append(nil), 1))
	f.Add(Header{HopLimit: 1, Src: b, Dst: a}.Append(nil))
	f.Add([]byte{KindPacket})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		h, inner, err := DecodeHeader(pkt)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if len(inner) == 0 || len(inner) > MaxInnerSize || h.HopLimit == 0 || h.Src.IsZero() || h.Dst.IsZero() || h.Src == h.Dst {
			t.Fatalf("accepted an invalid packet: %+v, %d-byte message", h, len(inner))
		}
		if re := append(h.Append(nil), inner...); !bytes.Equal(re, pkt) {
			t.Fatalf("round trip changed the packet:\n%x\n%x", pkt, re)
		}
	})
}

// FuzzReceive feeds arbitrary payloads to a relay with two neighbours and
// routes to both: nothing panics, every error wraps a sentinel, the outputs
// stay bounded, and a forwarded packet differs from its input only in the
// hop limit.
func FuzzReceive(f *testing.F) {
	tn := newTestNet(f, 3, nil).line()
	tn.converge()
	a, relay, c := tn.nodes[0], tn.nodes[1], tn.nodes[2]
	hello, _ := link.Hello{Seq: 3, RxCount: 1, RxWindow: 2}.Encode()
	f.Add(append([]byte{KindLink}, hello...))
	f.Add([]byte{KindRoute, 1, 1, 0, 0})
	f.Add(append(Header{HopLimit: 3, Src: a.id, Dst: c.id}.Append(nil), 4, 0, 0, 0, 1, 2, 3, 4))
	f.Add(append(Header{HopLimit: 3, Src: a.id, Dst: relay.id}.Append(nil), 1, 0, 0, 0))
	f.Add(append(Header{HopLimit: 3, Src: a.id, Dst: relay.id}.Append(nil), 4, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32))
	f.Add([]byte{})
	sentinels := []error{ErrMalformed, ErrLink, ErrRoute, ErrUnknownNeighbour, ErrNoRoute, ErrHopLimit, ErrQueueFull, ErrDecrypt, ErrHandshake}
	now := tn.now
	f.Fuzz(func(t *testing.T, payload []byte) {
		now = now.Add(time.Millisecond)
		in := bytes.Clone(payload)
		err := relay.core.Receive(now, a.id, payload)
		if !bytes.Equal(in, payload) {
			t.Fatal("Receive modified its input")
		}
		if err != nil {
			ok := false
			for _, s := range sentinels {
				ok = ok || errors.Is(err, s)
			}
			if !ok {
				t.Fatalf("error %v wraps no sentinel", err)
			}
		}
		out := relay.core.Outbox()
		// A payload may bring a link up, and a new neighbour gets a full table dump: the output is
		// bounded by the state (every route once per neighbour), never by the payload alone.
		if limit := 16 + len(relay.core.Routes())*len(relay.core.Neighbours()); len(out) > limit {
			t.Fatalf("one payload produced %d outgoing payloads (limit %d)", len(out), limit)
		}
		for _, o := range out {
			if len(o.Payload) > MaxPayloadSize || !IsKind(o.Payload[0]) {
				t.Fatalf("bad outgoing payload of %d bytes", len(o.Payload))
			}
			if o.Payload[0] == KindPacket && err == nil && len(payload) > 0 && payload[0] == KindPacket {
				h, _, _ := DecodeHeader(payload)
				g, _, derr := DecodeHeader(o.Payload)
				if h.Dst != relay.id && (derr != nil || g.HopLimit != h.HopLimit-1 || !bytes.Equal(o.Payload[2:], payload[2:])) {
					t.Fatalf("forwarded packet altered beyond its hop limit")
				}
			}
		}
		if len(relay.core.Delivered()) > 1 {
			t.Fatal("one payload delivered several datagrams")
		}
		relay.core.Events()
	})
}
