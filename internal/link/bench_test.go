package link

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkReceiveTick measures one hello exchange on one link: the hello
// sent by Tick, received (and acked) by the neighbour, and the ack received.
func BenchmarkReceiveTick(b *testing.B) {
	a, z := newTable(b, DefaultConfig(), 1), newTable(b, DefaultConfig(), 2)
	if err := a.Add(t0, nodeID(2)); err != nil {
		b.Fatal(err)
	}
	if err := z.Add(t0, nodeID(1)); err != nil {
		b.Fatal(err)
	}
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(DefaultHelloInterval)
		for _, o := range a.Tick(now) {
			acks, err := z.Receive(now, nodeID(1), o.Msg)
			if err != nil {
				b.Fatal(err)
			}
			for _, ack := range acks {
				if _, err := a.Receive(now.Add(time.Millisecond), nodeID(2), ack.Msg); err != nil {
					b.Fatal(err)
				}
			}
		}
		z.Tick(now)
		a.Events()
		z.Events()
	}
}

// BenchmarkTick measures a Tick over many neighbours that sends each one
// hello; divide by the count for the cost per neighbour.
func BenchmarkTick(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			tab := newTable(b, DefaultConfig(), 1)
			for i := range n {
				id := nodeID(byte(i))
				id[1], id[2] = byte(i>>8), 1
				if err := tab.Add(t0, id); err != nil {
					b.Fatal(err)
				}
			}
			now := t0
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(DefaultHelloInterval)
				if out := tab.Tick(now); len(out) != n {
					b.Fatalf("%d hellos for %d neighbours", len(out), n)
				}
			}
		})
	}
}
