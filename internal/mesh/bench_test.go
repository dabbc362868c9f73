package mesh

import (
	"testing"
	"time"
)

// BenchmarkForward measures the cost of relaying one packet carrying a
// 1200-byte end-to-end message: header check, route lookup, copy.
func BenchmarkForward(b *testing.B) {
	tn := newTestNet(b, 3, nil).line()
	tn.converge()
	a, relay, c := tn.nodes[0], tn.nodes[1], tn.nodes[2]
	pkt := append(Header{HopLimit: DefaultHopLimit, Src: a.id, Dst: c.id}.Append(nil), make([]byte, 1200)...)
	pkt[HeaderSize] = 0x04
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for i := 0; b.Loop(); i++ {
		if err := relay.core.Receive(tn.now, a.id, pkt); err != nil {
			b.Fatal(err)
		}
		if i%1024 == 0 {
			relay.core.Outbox()
		}
	}
}

// BenchmarkDatagram3Hops measures one 1200-byte datagram from Send at the
// source to Delivered at the destination, three hops away, over an
// established end-to-end session: sealing, two relays, opening.
func BenchmarkDatagram3Hops(b *testing.B) {
	tn := newTestNet(b, 4, nil).line()
	tn.converge()
	src, dst := tn.nodes[0], tn.nodes[3]
	if err := src.core.Send(tn.now, dst.id, []byte("warm up")); err != nil {
		b.Fatal(err)
	}
	if !tn.runUntil(time.Second, func() bool { return len(dst.delivered) == 1 }) {
		b.Fatal("no session")
	}
	data := make([]byte, 1200)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		dst.delivered = dst.delivered[:0]
		if err := src.core.Send(tn.now, dst.id, data); err != nil {
			b.Fatal(err)
		}
		tn.pump()
		if len(dst.delivered) != 1 {
			b.Fatal("not delivered")
		}
	}
}
