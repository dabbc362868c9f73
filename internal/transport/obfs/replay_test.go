package obfs

import (
	"net/netip"
	"testing"
	"time"
)

func TestSenderWindow(t *testing.T) {
	type step struct {
		counter uint64
		ok      bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"in order", []step{{0, true}, {1, true}, {2, true}}},
		{"duplicate", []step{{5, true}, {5, false}}},
		{"reordered within the window", []step{{10, true}, {7, true}, {9, true}, {7, false}, {8, true}}},
		{"at the edge of the window", []step{{ReplayWindow + 100, true}, {100, true}, {99, false}, {100, false}}},
		{"jump past the ring clears it", []step{{3, true}, {3 + 10*ReplayWindow, true}, {3, false}, {3 + 10*ReplayWindow - 1, true}}},
		{"advance by blocks", []step{{0, true}, {64, true}, {128, true}, {0, false}, {63, true}, {64, false}}},
		{"huge counters", []step{{1<<64 - 1, true}, {1<<64 - 2, true}, {1<<64 - 1, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &senderWindow{top: tt.steps[0].counter}
			for i, s := range tt.steps {
				if got := w.check(s.counter); got != s.ok {
					t.Fatalf("step %d: counter %d accepted %v, want %v", i, s.counter, got, s.ok)
				}
			}
		})
	}
}

func TestReplayFilterForgetsSafely(t *testing.T) {
	f := newReplayFilter()
	const ms = 1_000_000
	// Sender 0 is heard first and at the latest time of all, then MaxSenders others push it out.
	if !f.accept(0, 0, ms+500) {
		t.Fatal("first datagram refused")
	}
	for id := uint64(1); id <= MaxSenders; id++ {
		if !f.accept(id, 0, ms+int64(id%100)) {
			t.Fatalf("sender %d refused", id)
		}
	}
	if f.len() != MaxSenders {
		t.Fatalf("%d senders kept", f.len())
	}
	// Sender 0 is forgotten: its old datagrams are refused although its window is gone ...
	if f.accept(0, 0, ms+500) || f.accept(0, 1, ms+400) {
		t.Fatal("a forgotten sender's old datagram was accepted")
	}
	// ... and so is a new sender that is not newer than it; a newer one is accepted.
	if f.accept(1<<40, 0, ms+500) {
		t.Fatal("a new sender as old as the horizon was accepted")
	}
	if !f.accept(1<<40, 0, ms+501) {
		t.Fatal("a newer sender was refused")
	}
	// A sender still remembered is unaffected by the horizon.
	if !f.accept(MaxSenders, 1, ms) {
		t.Fatal("a remembered sender's next datagram was refused")
	}
}

func TestReplayFilterLRU(t *testing.T) {
	f := newReplayFilter()
	for id := range uint64(MaxSenders) {
		f.accept(id, 0, 1)
	}
	// Hearing sender 0 again makes sender 1 the least recently heard.
	if !f.accept(0, 1, 1) {
		t.Fatal("refused")
	}
	f.accept(MaxSenders, 0, 2)
	if _, ok := f.senders[0]; !ok {
		t.Fatal("the most recently heard sender was forgotten")
	}
	if _, ok := f.senders[1]; ok {
		t.Fatal("the least recently heard sender was kept")
	}
}

func TestFlowTable(t *testing.T) {
	f := newFlowTable(time.Minute)
	a := netip.MustParseAddrPort("192.0.2.1:1")
	if !f.start(a, epoch) || f.start(a, epoch.Add(time.Second)) {
		t.Fatal("first datagram and the next")
	}
	if !f.start(a, epoch.Add(time.Second+time.Minute)) {
		t.Fatal("after idle")
	}
	// Filling the table prunes idle entries first ...
	f = newFlowTable(time.Minute)
	addr := func(i int) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 1)
	}
	for i := range MaxFlows - 1 {
		f.start(addr(i), epoch)
	}
	f.start(a, epoch.Add(2*time.Minute))
	f.start(addr(MaxFlows), epoch.Add(2*time.Minute))
	if len(f.last) != 2 {
		t.Fatalf("%d entries after pruning", len(f.last))
	}
	// ... and clears it when none is idle.
	for i := range MaxFlows {
		f.start(addr(i), epoch.Add(2*time.Minute))
	}
	if len(f.last) > MaxFlows {
		t.Fatalf("%d entries, bound %d", len(f.last), MaxFlows)
	}
	if !f.start(netip.MustParseAddrPort("192.0.2.99:9"), epoch.Add(2*time.Minute)) || len(f.last) > MaxFlows {
		t.Fatalf("full table: %d entries", len(f.last))
	}
}
