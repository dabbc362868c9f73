package discovery

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// nodeID returns a distinct non-zero node ID for i.
func nodeID(i int) identity.NodeID {
	var id identity.NodeID
	id[0], id[1], id[31] = byte(i>>8), byte(i), 1
	return id
}

func newTestTable() (*Table, Beacon) {
	b := sample(1)
	return NewTable(b.Network, nodeID(0xfff), time.Minute), b
}

func TestTableObserveFilters(t *testing.T) {
	tab, b := newTestTable()
	own := b
	own.NodeID = nodeID(0xfff)
	foreign := b
	foreign.Network[0] ^= 1
	src := netip.MustParseAddrPort("192.0.2.7:7199")
	tests := []struct {
		name string
		src  netip.AddrPort
		b    Beacon
		want error
	}{
		{"own beacon", src, own, ErrOwnBeacon},
		{"foreign network", src, foreign, ErrForeignNetwork},
		{"invalid source", netip.AddrPort{}, b, ErrBadSource},
		{"unspecified v4", netip.MustParseAddrPort("0.0.0.0:1"), b, ErrBadSource},
		{"unspecified v6", netip.MustParseAddrPort("[::]:1"), b, ErrBadSource},
		{"multicast", netip.MustParseAddrPort("239.255.116.52:7199"), b, ErrBadSource},
		{"broadcast", netip.MustParseAddrPort("255.255.255.255:7199"), b, ErrBadSource},
		{"mapped multicast", netip.MustParseAddrPort("[::ffff:224.0.0.1]:1"), b, ErrBadSource},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := tab.Observe(t0, tt.src, tt.b); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tab.Len() != 0 {
				t.Fatalf("table holds %d candidates", tab.Len())
			}
		})
	}
}

func TestTableCandidateAddress(t *testing.T) {
	tab, b := newTestTable()
	// The source port is the group port; the candidate takes the advertised port.
	c, changed, err := tab.Observe(t0, netip.MustParseAddrPort("[::ffff:192.0.2.7]:7199"), b)
	if err != nil || !changed {
		t.Fatalf("first beacon: changed=%v err=%v", changed, err)
	}
	want := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.7"), b.Port)
	if c.Addr != want || c.ID != b.NodeID || !c.FirstSeen.Equal(t0) || !c.LastSeen.Equal(t0) {
		t.Fatalf("candidate %+v, want addr %v", c, want)
	}
	// The same beacon again only refreshes it.
	c, changed, err = tab.Observe(t0.Add(5*time.Second), netip.MustParseAddrPort("192.0.2.7:7199"), b)
	if err != nil || changed || !c.FirstSeen.Equal(t0) || !c.LastSeen.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("refresh: %+v changed=%v err=%v", c, changed, err)
	}
	// A new address or port moves it.
	b.Port++
	c, changed, err = tab.Observe(t0.Add(10*time.Second), netip.MustParseAddrPort("192.0.2.8:7199"), b)
	if err != nil || !changed || c.Addr != netip.AddrPortFrom(netip.MustParseAddr("192.0.2.8"), b.Port) {
		t.Fatalf("move: %+v changed=%v err=%v", c, changed, err)
	}
	if got := tab.Candidates(t0.Add(10 * time.Second)); len(got) != 1 || got[0] != c {
		t.Fatalf("candidates %+v", got)
	}
}

func TestTableExpiry(t *testing.T) {
	tab, b := newTestTable()
	src := netip.MustParseAddrPort("192.0.2.7:7199")
	if _, _, err := tab.Observe(t0, src, b); err != nil {
		t.Fatal(err)
	}
	if got := tab.Candidates(t0.Add(time.Minute)); len(got) != 1 {
		t.Fatalf("expired at exactly the ttl: %v", got)
	}
	later := t0.Add(time.Minute + time.Nanosecond)
	if got := tab.Candidates(later); len(got) != 0 {
		t.Fatalf("not expired after the ttl: %v", got)
	}
	// A beacon after expiry makes it new again, with a fresh FirstSeen.
	c, changed, err := tab.Observe(later, src, b)
	if err != nil || !changed || !c.FirstSeen.Equal(later) {
		t.Fatalf("after expiry: %+v changed=%v err=%v", c, changed, err)
	}
	tab.Expire(later.Add(2 * time.Minute))
	if tab.Len() != 0 {
		t.Fatalf("Expire left %d candidates", tab.Len())
	}
}

func TestTableRateLimit(t *testing.T) {
	tab, b := newTestTable()
	src := netip.MustParseAddrPort("192.0.2.7:7199")
	for i := range SourceBurst {
		b.NodeID = nodeID(i)
		if _, _, err := tab.Observe(t0, src, b); err != nil {
			t.Fatalf("beacon %d of the burst: %v", i, err)
		}
	}
	b.NodeID = nodeID(100)
	if _, _, err := tab.Observe(t0, src, b); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("beacon beyond the burst: %v", err)
	}
	// Another source is not affected.
	if _, _, err := tab.Observe(t0, netip.MustParseAddrPort("192.0.2.8:7199"), b); err != nil {
		t.Fatalf("other source: %v", err)
	}
	// One refill period earns exactly one more beacon.
	if _, _, err := tab.Observe(t0.Add(SourceRefill-time.Millisecond), src, b); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("before the refill: %v", err)
	}
	if _, _, err := tab.Observe(t0.Add(SourceRefill), src, b); err != nil {
		t.Fatalf("after the refill: %v", err)
	}
	if _, _, err := tab.Observe(t0.Add(SourceRefill), src, b); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("second beacon after one refill: %v", err)
	}
}

func TestTableBounds(t *testing.T) {
	tab, b := newTestTable()
	addr := func(i int) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 7199)
	}
	for i := range MaxCandidates {
		b.NodeID = nodeID(i)
		if _, _, err := tab.Observe(t0, addr(i), b); err != nil {
			t.Fatalf("candidate %d: %v", i, err)
		}
	}
	b.NodeID = nodeID(MaxCandidates)
	if _, _, err := tab.Observe(t0, addr(MaxCandidates), b); !errors.Is(err, ErrTableFull) {
		t.Fatalf("candidate beyond the bound: %v", err)
	}
	// Known candidates still refresh when the table is full.
	b.NodeID = nodeID(0)
	if _, _, err := tab.Observe(t0.Add(30*time.Second), addr(0), b); err != nil {
		t.Fatalf("refresh in a full table: %v", err)
	}
	// Once the others expire, a new candidate takes a slot.
	b.NodeID = nodeID(MaxCandidates)
	if _, _, err := tab.Observe(t0.Add(61*time.Second), addr(MaxCandidates), b); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if got := tab.Candidates(t0.Add(61 * time.Second)); len(got) != 2 {
		t.Fatalf("%d live candidates, want 2", len(got))
	}
	// Source state is bounded too: MaxSources addresses, then new ones are refused until the
	// buckets refill.
	tab, b = newTestTable()
	for i := range MaxSources {
		b.NodeID = nodeID(i % MaxCandidates)
		if _, _, err := tab.Observe(t0, addr(i), b); err != nil {
			t.Fatalf("source %d: %v", i, err)
		}
	}
	if _, _, err := tab.Observe(t0, addr(MaxSources), b); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("source beyond the bound: %v", err)
	}
	if _, _, err := tab.Observe(t0.Add(SourceBurst*SourceRefill), addr(MaxSources), b); err != nil {
		t.Fatalf("source after the buckets refilled: %v", err)
	}
	if len(tab.sources) > MaxSources {
		t.Fatalf("%d sources tracked", len(tab.sources))
	}
}

func TestTableCandidatesSorted(t *testing.T) {
	tab, b := newTestTable()
	for _, i := range []int{5, 1, 9, 3} {
		b.NodeID = nodeID(i)
		src := netip.MustParseAddrPort(fmt.Sprintf("192.0.2.%d:7199", i))
		if _, _, err := tab.Observe(t0, src, b); err != nil {
			t.Fatal(err)
		}
	}
	got := tab.Candidates(t0)
	for i, want := range []int{1, 3, 5, 9} {
		if got[i].ID != nodeID(want) {
			t.Fatalf("candidate %d is %s, want %s", i, got[i].ID.Short(), nodeID(want).Short())
		}
	}
}

func BenchmarkTableObserve(b *testing.B) {
	tab, bc := newTestTable()
	now := t0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		bc.NodeID = nodeID(i % MaxCandidates)
		now = now.Add(SourceRefill)
		if _, _, err := tab.Observe(now, netip.MustParseAddrPort("192.0.2.7:7199"), bc); err != nil {
			b.Fatal(err)
		}
	}
}
