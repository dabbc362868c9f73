package handshake

import (
	"bytes"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// initiationDatagrams returns the Fragments of a full-certificate Initiation from a to b.
func initiationDatagrams(t *testing.T, a, b *party, now time.Time) []Datagram {
	t.Helper()
	dgs, err := a.m.Initiate(now, b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	if len(dgs) < 3 {
		t.Fatalf("Initiation sent as %d datagrams; the test needs fragments", len(dgs))
	}
	return dgs
}

func TestFragmentDelivery(t *testing.T) {
	tests := []struct {
		name      string
		reorder   func([]Datagram) []Datagram
		establish bool
	}{
		{"in order", func(d []Datagram) []Datagram { return d }, true},
		{"reversed", func(d []Datagram) []Datagram { slices.Reverse(d); return d }, true},
		{"every one twice", func(d []Datagram) []Datagram {
			var out []Datagram
			for _, x := range d {
				out = append(out, x, x)
			}
			return out
		}, true},
		{"interleaved duplicates", func(d []Datagram) []Datagram { return append(d[1:], d...) }, true},
		{"one missing", func(d []Datagram) []Datagram { return d[1:] }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := pair(t)
			dgs := tt.reorder(initiationDatagrams(t, a, b, t0))
			var established int
			for _, d := range dgs {
				res, err := b.m.Receive(t0, a.addr, d.Data)
				if err != nil {
					t.Fatalf("fragment refused: %v", err)
				}
				if res.Established != nil {
					established++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tt.establish]; established != want {
				t.Errorf("established %d times, want %d", established, want)
			}
			s := b.m.Stats()
			if tt.establish && s.Reassemblies > 1 {
				// A duplicate that arrives after its message completed starts a new
				// reassembly, which expires.
				t.Errorf("%d reassemblies left over", s.Reassemblies)
			}
			if s.Reassemblies > 0 {
				if s.Reassemblies != 1 {
					t.Fatalf("Reassemblies = %d, want 1", s.Reassemblies)
				}
				deadline := b.m.NextDeadline()
				if !deadline.Equal(t0.Add(ReassemblyTimeout)) {
					t.Errorf("NextDeadline = %v, want the reassembly timeout", deadline)
				}
				b.m.Tick(deadline)
				if s := b.m.Stats(); s.Reassemblies != 0 || s.ReassemblyBytes != 0 {
					t.Errorf("reassembly not expired: %+v", s)
				}
			}
		})
	}
}

func TestFragmentRefused(t *testing.T) {
	src := netip.MustParseAddrPort("192.0.2.1:1")
	frag := func(index, count uint8, id uint32, n int) []byte {
		f := fragment{index: index, count: count, id: id, payload: bytes.Repeat([]byte{byte(TypeInitiation)}, n)}
		return f.marshal()
	}
	full := MaxDatagramSize - FragmentHeaderSize
	tests := []struct {
		name string
		seq  [][]byte
		want error // of the last fragment
	}{
		{"count 1", [][]byte{frag(0, 1, 1, 10)}, ErrFragment},
		{"count 0", [][]byte{frag(0, 0, 1, 10)}, ErrFragment},
		{"count above MaxFragments", [][]byte{frag(0, MaxFragments+1, 1, 10)}, ErrFragment},
		{"index not below count", [][]byte{frag(3, 3, 1, 10)}, ErrFragment},
		{"empty payload", [][]byte{frag(0, 2, 1, 0)}, ErrMalformed},
		{"reserved byte", [][]byte{append(frag(0, 2, 1, 10)[:3], append([]byte{1}, frag(0, 2, 1, 10)[4:]...)...)}, ErrMalformed},
		{"inconsistent count", [][]byte{frag(0, 2, 1, 10), frag(1, 3, 1, 10)}, ErrFragment},
		{"oversize message", func() [][]byte {
			var s [][]byte
			for i := range MaxFragments {
				s = append(s, frag(uint8(i), MaxFragments, 1, full))
			}
			return s
		}(), ErrFragment},
		{"fragment inside a fragment", [][]byte{
			append([]byte{TypeFragment, 0, 2, 0, 9, 0, 0, 0}, frag(0, 2, 1, 10)...),
			append([]byte{TypeFragment, 1, 2, 0, 9, 0, 0, 0}, 1, 2, 3),
		}, ErrFragment},
		{"transport data inside a fragment", [][]byte{
			frag(0, 2, 5, 10),
			append([]byte{TypeFragment, 0, 2, 0, 6, 0, 0, 0}, TypeTransportData, 0, 0, 0),
			append([]byte{TypeFragment, 1, 2, 0, 6, 0, 0, 0}, make([]byte, 30)...),
		}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := pair(t)
			var refused bool
			for i, d := range tt.seq {
				res, err := a.m.Receive(t0, src, d)
				switch {
				case errors.Is(err, tt.want):
					refused = true
				case err != nil:
					t.Fatalf("fragment %d: %v, want %v", i, err, tt.want)
				}
				if res.Established != nil || len(res.Send) != 0 {
					t.Fatal("a bad fragment got an answer")
				}
			}
			if !refused {
				t.Fatalf("no fragment refused with %v", tt.want)
			}
			if s := a.m.Stats(); s.ReassemblyBytes > MaxMessageSize {
				t.Errorf("ReassemblyBytes = %d", s.ReassemblyBytes)
			}
		})
	}
}

func TestFragmentFlood(t *testing.T) {
	a, _ := pair(t)
	payload := make([]byte, MaxDatagramSize-FragmentHeaderSize)
	now := t0
	for src := range 40 {
		addr := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, 0, byte(src)}), 7)
		for id := range 20 {
			for idx := range MaxFragments - 3 { // never complete
				f := fragment{index: uint8(idx), count: MaxFragments, id: uint32(id), payload: payload}
				if _, err := a.m.Receive(now, addr, f.marshal()); err != nil && !errors.Is(err, ErrFragment) {
					t.Fatal(err)
				}
				s := a.m.Stats()
				if s.Reassemblies > MaxReassemblies || s.ReassemblyBytes > MaxReassemblies*MaxMessageSize {
					t.Fatalf("reassembly state unbounded: %+v", s)
				}
			}
			now = now.Add(time.Millisecond)
		}
		per := 0
		for k := range a.m.reasm.entries {
			if k.src == addr {
				per++
			}
		}
		if per > MaxReassembliesPerSource {
			t.Fatalf("%d reassemblies from one source, limit %d", per, MaxReassembliesPerSource)
		}
	}
	if s := a.m.Stats(); s.Reassemblies != MaxReassemblies {
		t.Errorf("Reassemblies = %d, want the limit %d", s.Reassemblies, MaxReassemblies)
	}
	a.m.Tick(now.Add(ReassemblyTimeout))
	if s := a.m.Stats(); s.Reassemblies != 0 || s.ReassemblyBytes != 0 || len(a.m.reasm.perSource) != 0 {
		t.Errorf("state left after expiry: %+v", s)
	}
}

func TestReassemblerEviction(t *testing.T) {
	r := newReassembler(&Limits{MaxMessageSize: 100, MaxFragments: 4, MaxReassemblies: 3,
		MaxReassembliesPerSource: 2, ReassemblyTimeout: time.Second})
	s1 := netip.MustParseAddrPort("192.0.2.1:1")
	s2 := netip.MustParseAddrPort("192.0.2.2:1")
	add := func(src netip.AddrPort, id uint32) {
		if _, err := r.add(t0, src, &fragment{index: 0, count: 2, id: id, payload: []byte{1}}); err != nil {
			t.Fatal(err)
		}
	}
	add(s1, 1)
	add(s1, 2)
	add(s1, 3) // evicts s1's oldest (1)
	if _, ok := r.entries[reassemblyKey{s1, 1}]; ok || len(r.entries) != 2 {
		t.Fatalf("per-source eviction failed: %v", r.entries)
	}
	add(s2, 1)
	add(s2, 2) // evicts the global oldest (s1, 2)
	if _, ok := r.entries[reassemblyKey{s1, 2}]; ok || len(r.entries) != 3 {
		t.Fatalf("global eviction failed: %v", r.entries)
	}
	// Completing a message returns it whole.
	msg, err := r.add(t0, s2, &fragment{index: 1, count: 2, id: 2, payload: []byte{2, 3}})
	if err != nil || !bytes.Equal(msg, []byte{1, 2, 3}) {
		t.Fatalf("msg = %v, err = %v", msg, err)
	}
	if r.bytes != 2 {
		t.Errorf("bytes = %d, want 2", r.bytes)
	}
}

func TestSplitMessage(t *testing.T) {
	msg := bytes.Repeat([]byte{1, 2, 3}, 1000)
	to := netip.MustParseAddrPort("192.0.2.1:1")
	for _, chunk := range []int{100, 1000, 2999} {
		dgs := splitMessage(to, msg, 42, chunk)
		r := newReassembler(&Limits{MaxMessageSize: MaxMessageSize, MaxFragments: 255, MaxReassemblies: 1,
			MaxReassembliesPerSource: 1, ReassemblyTimeout: time.Second})
		var got []byte
		for _, d := range dgs {
			f, err := parseFragment(d.Data)
			if err != nil || len(f.payload) > chunk {
				t.Fatalf("chunk %d: bad fragment (%v)", chunk, err)
			}
			if got, err = r.add(t0, to, f); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, msg) {
			t.Errorf("chunk %d: round trip failed", chunk)
		}
	}
}
