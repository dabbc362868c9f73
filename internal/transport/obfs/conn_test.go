package obfs

import (
	"bytes"
	"crypto/rand"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/censor"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

func TestRoundTrip(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	for _, n := range []int{0, 1, 32, 1232, 1452, 60000, MaxPayloadSize} {
		msg := make([]byte, n)
		rand.Read(msg)
		if err := p.a.WriteTo(msg, p.b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		got, from := read(t, p.b)
		if !bytes.Equal(got, msg) || from != p.a.LocalAddr() {
			t.Fatalf("%d bytes: got %d from %v", n, len(got), from)
		}
		wire := p.wire.take()
		if len(wire) != 1 {
			t.Fatalf("%d datagrams on the wire", len(wire))
		}
		w := len(wire[0])
		maxPad := max(0, min(DefaultMaxPadding, PaddedSizeLimit-Overhead-n))
		if w < Overhead+n || w > Overhead+n+maxPad {
			t.Fatalf("%d-byte payload sent as %d bytes", n, w)
		}
		if n >= 16 && bytes.Contains(wire[0], msg[:16]) {
			t.Fatal("payload visible on the wire")
		}
	}
	// And back, on the same pair.
	if err := p.b.WriteTo([]byte("pong"), p.a.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if got, _ := read(t, p.a); string(got) != "pong" {
		t.Fatalf("got %q", got)
	}
	s := p.b.Stats()
	if s.Received != 7 || s.Sent != 1 || s.Dropped() != 0 || s.Senders != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestReadTruncates(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	if err := p.a.WriteTo([]byte("0123456789"), p.b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	n, _, err := p.b.ReadFrom(b)
	if err != nil || n != 4 || string(b) != "0123" {
		t.Fatalf("%d %q %v", n, b[:n], err)
	}
}

func TestPadding(t *testing.T) {
	tests := []struct {
		name         string
		maxPadding   int
		payload      int
		minLen, maxL int
	}{
		{"default", 0, 100, Overhead + 100, Overhead + 100 + DefaultMaxPadding},
		{"off", -1, 100, Overhead + 100, Overhead + 100},
		{"large", MaxPaddingLimit, 100, Overhead + 100, Overhead + 100 + MaxPaddingLimit},
		{"capped at the size limit", MaxPaddingLimit, 1232, Overhead + 1232, PaddedSizeLimit},
		{"already over the limit", 0, 1400, Overhead + 1400, Overhead + 1400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPair(t, Config{MaxPadding: tt.maxPadding}, Config{})
			seen := map[int]bool{}
			for range 400 {
				if err := p.a.WriteTo(make([]byte, tt.payload), p.b.LocalAddr()); err != nil {
					t.Fatal(err)
				}
				read(t, p.b)
				w := p.wire.take()
				if n := len(w[0]); n < tt.minLen || n > tt.maxL {
					t.Fatalf("datagram of %d bytes, want %d..%d", n, tt.minLen, tt.maxL)
				}
				seen[len(w[0])] = true
			}
			// 400 uniform draws from k lengths leave none unseen for k up to about 60, and reach
			// both ends of wider ranges often; ask only for a spread.
			if span := tt.maxL - tt.minLen + 1; len(seen) < min(span, 60) {
				t.Fatalf("%d distinct lengths out of %d possible", len(seen), span)
			}
		})
	}
}

func TestShapePassesTheGFWRule(t *testing.T) {
	for _, shape := range []bool{false, true} {
		p := newPair(t, Config{Shape: shape}, Config{})
		const n = 500
		flagged := 0
		for range n {
			if err := p.a.WriteTo(make([]byte, 1232), p.b.LocalAddr()); err != nil {
				t.Fatal(err)
			}
			read(t, p.b)
			w := p.wire.take()[0]
			v := censor.FullyEncrypted(w)
			if v.Flagged {
				flagged++
			}
			if shape && v.Exemption != censor.Ex2 {
				t.Fatalf("shaped datagram %q… exempt by %v", w[:8], v.Exemption)
			}
		}
		if shape && flagged != 0 || !shape && flagged < n*98/100 {
			t.Fatalf("shape %v: %d of %d flagged", shape, flagged, n)
		}
	}
}

func TestJunk(t *testing.T) {
	p := newPair(t, Config{JunkCount: 3, JunkMinSize: Overhead, JunkMaxSize: 200, FlowIdle: time.Minute}, Config{})
	send := func() [][]byte {
		t.Helper()
		if err := p.a.WriteTo([]byte("data"), p.b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		if got, _ := read(t, p.b); string(got) != "data" {
			t.Fatalf("got %q", got)
		}
		return p.wire.take()
	}
	if w := send(); len(w) != 4 {
		t.Fatalf("first datagram of a flow: %d on the wire, want 3 junk and the data", len(w))
	} else {
		for _, j := range w[:3] {
			if len(j) < Overhead || len(j) > 200 {
				t.Fatalf("junk of %d bytes", len(j))
			}
		}
	}
	p.clock.Advance(59 * time.Second)
	if w := send(); len(w) != 1 {
		t.Fatalf("within the flow: %d datagrams", len(w))
	}
	p.clock.Advance(time.Minute)
	if w := send(); len(w) != 4 {
		t.Fatalf("after the flow timeout: %d datagrams", len(w))
	}
	sa, sb := p.a.Stats(), p.b.Stats()
	if sa.JunkSent != 6 || sa.Sent != 3 || sb.JunkReceived != 6 || sb.Received != 3 || sb.Dropped() != 0 {
		t.Fatalf("stats %+v, %+v", sa, sb)
	}
}

func TestWrongKeyIsDropped(t *testing.T) {
	other := testKey()
	other[0] ^= 1
	p := newPair(t, Config{Key: other}, Config{})
	if err := p.a.WriteTo([]byte("hello"), p.b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	// A datagram under the right key, sent after, is the first one delivered.
	good, err := New(p.evil, Config{Key: testKey(), Rand: rand.Reader, Clock: p.clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := good.WriteTo([]byte("right key"), p.b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if got, _ := read(t, p.b); string(got) != "right key" {
		t.Fatalf("got %q", got)
	}
	if s := p.b.Stats(); s.DroppedAuth != 1 || s.Received != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// TestProbesGetNoAnswer sends what an active prober would: random bytes of every length, a
// captured datagram truncated at every length, with every single bit flipped, and replayed from
// another address. None is delivered, so nothing above the layer could answer; each is counted
// under its reason.
func TestProbesGetNoAnswer(t *testing.T) {
	p := newPair(t, Config{MaxPadding: -1}, Config{})
	if err := p.a.WriteTo([]byte("captured"), p.b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	read(t, p.b)
	captured := p.wire.take()[0]
	// A datagram that was never delivered, for the truncation and bit flips (so that they test
	// authentication, not the replay filter).
	if err := p.a.WriteTo([]byte("fresh"), p.evil.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	fresh := p.wire.take()[0]

	var probes [][]byte
	var short, auth uint64
	for n := range 300 {
		b := make([]byte, n)
		rand.Read(b)
		probes = append(probes, b)
		if n < Overhead {
			short++
		} else {
			auth++
		}
	}
	for n := range len(fresh) {
		probes = append(probes, bytes.Clone(fresh[:n]))
		if n < Overhead {
			short++
		} else {
			auth++
		}
	}
	for bit := range 8 * len(fresh) {
		b := bytes.Clone(fresh)
		b[bit/8] ^= 1 << (bit % 8)
		probes = append(probes, b)
		auth++
	}
	probes = append(probes, append(bytes.Clone(fresh), 0), captured, captured)
	auth++
	for _, b := range probes {
		if err := p.evil.WriteTo(b, p.b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	// The first datagram delivered is the one sent after every probe.
	if err := p.a.WriteTo([]byte("after"), p.b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if got, _ := read(t, p.b); string(got) != "after" {
		t.Fatalf("delivered %q", got)
	}
	s := p.b.Stats()
	if s.DroppedShort != short || s.DroppedAuth != auth || s.DroppedReplay != 2 || s.Received != 2 {
		t.Fatalf("stats %+v, want %d short, %d unauthenticated, 2 replays", s, short, auth)
	}
}

func TestStaleTimestamps(t *testing.T) {
	for _, tt := range []struct {
		name  string
		delta time.Duration // receiver clock minus sender clock
		ok    bool
	}{
		{"in sync", 0, true},
		{"receiver ahead by the skew", DefaultMaxClockSkew, true},
		{"receiver behind by the skew", -DefaultMaxClockSkew, true},
		{"receiver ahead by more", DefaultMaxClockSkew + time.Millisecond, false},
		{"receiver behind by more", -DefaultMaxClockSkew - time.Millisecond, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newPair(t, Config{}, Config{})
			// b keeps its clock; a sends with its own.
			a, err := New(p.evil, Config{Key: testKey(), Rand: rand.Reader, Clock: newFixedClock(epoch.Add(-tt.delta))})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.WriteTo([]byte("then"), p.b.LocalAddr()); err != nil {
				t.Fatal(err)
			}
			if err := p.a.WriteTo([]byte("now"), p.b.LocalAddr()); err != nil {
				t.Fatal(err)
			}
			want := "now"
			if tt.ok {
				want = "then"
			}
			if got, _ := read(t, p.b); string(got) != want {
				t.Fatalf("first delivered %q, want %q", got, want)
			}
			if s := p.b.Stats(); (s.DroppedStale == 0) != tt.ok {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

func TestMalformedAuthenticated(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	c, err := newCodec(testKey())
	if err != nil {
		t.Fatal(err)
	}
	ms := p.clock.Now().UnixMilli()
	// Kind 2, and a length field past the end: both sealed correctly under the key.
	bad := make([]byte, Overhead+10)
	rand.Read(bad[:NonceSize])
	c.seal(bad, header{kind: 2, sender: 9, counter: 1, millis: ms}, nil)
	long := make([]byte, Overhead+10)
	rand.Read(long[:NonceSize])
	pt := long[NonceSize : len(long)-TagSize]
	c.seal(long, header{kind: kindData, sender: 9, counter: 2, millis: ms}, make([]byte, 10))
	// Re-seal with the length field raised to 11.
	c.aead.Open(pt[:0], long[:NonceSize], long[NonceSize:], nil)
	pt[1] = 11
	c.aead.Seal(pt[:0], long[:NonceSize], pt, nil)
	for _, b := range [][]byte{bad, long} {
		if err := p.evil.WriteTo(b, p.b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.a.WriteTo([]byte("ok"), p.b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if got, _ := read(t, p.b); string(got) != "ok" {
		t.Fatalf("got %q", got)
	}
	if s := p.b.Stats(); s.DroppedMalformed != 2 {
		t.Fatalf("stats %+v", s)
	}
}

func TestJitter(t *testing.T) {
	p := newPair(t, Config{Jitter: MaxJitter, MaxPadding: -1}, Config{})
	done := make(chan error, 1)
	go func() { done <- p.a.WriteTo([]byte("late"), p.b.LocalAddr()) }()
	// The write waits on a virtual timer of up to MaxJitter (zero only once in a billion).
	deadline := time.Now().Add(5 * time.Second)
	for p.clock.Pending() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no jitter timer")
		}
		time.Sleep(time.Millisecond)
	}
	if len(p.wire.take()) != 0 {
		t.Fatal("sent before the jitter elapsed")
	}
	p.clock.Advance(MaxJitter)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, _ := read(t, p.b); string(got) != "late" {
		t.Fatalf("got %q", got)
	}
	// Close interrupts a write waiting for its jitter.
	go func() { done <- p.a.WriteTo([]byte("never"), p.b.LocalAddr()) }()
	for p.clock.Pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	p.a.Close()
	if err := <-done; !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("write interrupted by Close: %v", err)
	}
}

func TestWriteErrors(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	tests := []struct {
		name string
		b    []byte
		to   netip.AddrPort
		want error
	}{
		{"too large", make([]byte, MaxPayloadSize+1), p.b.LocalAddr(), transport.ErrTooLarge},
		{"invalid address", nil, netip.AddrPort{}, transport.ErrInvalidAddr},
		{"port zero", nil, netip.MustParseAddrPort("10.0.0.2:0"), transport.ErrInvalidAddr},
	}
	for _, tt := range tests {
		if err := p.a.WriteTo(tt.b, tt.to); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	if len(p.wire.take()) != 0 {
		t.Fatal("a refused write reached the wire")
	}
	if err := p.a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.a.Close(); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if err := p.a.WriteTo(nil, p.b.LocalAddr()); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("write after Close: %v", err)
	}
	if _, _, err := p.a.ReadFrom(make([]byte, 10)); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("read after Close: %v", err)
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	done := make(chan error, 1)
	go func() {
		_, _, err := p.b.ReadFrom(make([]byte, 100))
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	p.b.Close()
	select {
	case err := <-done:
		if !errors.Is(err, transport.ErrClosed) {
			t.Fatalf("read: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock ReadFrom")
	}
}

func TestNewRefuses(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	good := Config{Key: testKey(), Rand: rand.Reader}
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"no key", func(c *Config) { c.Key = Key{} }},
		{"no rand", func(c *Config) { c.Rand = nil }},
		{"padding too large", func(c *Config) { c.MaxPadding = MaxPaddingLimit + 1 }},
		{"negative junk", func(c *Config) { c.JunkCount = -1 }},
		{"too much junk", func(c *Config) { c.JunkCount = MaxJunkCount + 1 }},
		{"junk smaller than the overhead", func(c *Config) { c.JunkMinSize = Overhead - 1 }},
		{"junk min over max", func(c *Config) { c.JunkMinSize, c.JunkMaxSize = 500, 400 }},
		{"junk over the size limit", func(c *Config) { c.JunkMaxSize = PaddedSizeLimit + 1 }},
		{"negative flow idle", func(c *Config) { c.FlowIdle = -time.Second }},
		{"negative jitter", func(c *Config) { c.Jitter = -1 }},
		{"jitter too long", func(c *Config) { c.Jitter = MaxJitter + 1 }},
		{"negative skew", func(c *Config) { c.MaxClockSkew = -1 }},
		{"skew too long", func(c *Config) { c.MaxClockSkew = MaxClockSkewLimit + 1 }},
	}
	for _, tt := range tests {
		cfg := good
		tt.edit(&cfg)
		if _, err := New(p.evil, cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if _, err := New(nil, good); !errors.Is(err, ErrConfig) {
		t.Errorf("nil inner: %v", err)
	}
	if _, err := New(p.evil, Config{Key: testKey(), Rand: &errReader{}}); !errors.Is(err, errRandom) {
		t.Errorf("failing rand: %v", err)
	}
	c, err := New(p.evil, Config{Key: testKey(), Rand: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	if c.set.clock == nil || c.set.maxPadding != DefaultMaxPadding || c.set.maxSkewMillis != DefaultMaxClockSkew.Milliseconds() {
		t.Fatalf("defaults not applied: %+v", c.set)
	}
}

func TestWriteRandomnessFails(t *testing.T) {
	p := newPair(t, Config{}, Config{})
	for _, tt := range []struct {
		name string
		cfg  Config
	}{
		{"nonce", Config{}},
		{"junk size", Config{JunkCount: 1}},
		{"jitter", Config{Jitter: time.Millisecond}},
	} {
		r := &errReader{ok: 8} // enough for the sender ID only
		cfg := tt.cfg
		cfg.Key, cfg.Rand, cfg.Clock = testKey(), r, p.clock
		c, err := New(p.evil, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WriteTo([]byte("x"), p.b.LocalAddr()); !errors.Is(err, errRandom) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestRandSource(t *testing.T) {
	var s randSource
	s.reset(&errReader{ok: randBufferSize})
	if _, err := s.take(randBufferSize); err != nil {
		t.Fatal(err)
	}
	if err := s.printable(make([]byte, 1)); !errors.Is(err, errRandom) {
		t.Fatalf("printable without randomness: %v", err)
	}
	if _, err := s.intn(5); !errors.Is(err, errRandom) {
		t.Fatalf("intn without randomness: %v", err)
	}
	if n, err := s.intn(0); n != 0 || err != nil {
		t.Fatal("intn(0)")
	}
	// printable is uniform over the 95 printable bytes.
	s.reset(rand.Reader)
	counts := map[byte]int{}
	b := make([]byte, 95*200)
	if err := s.printable(b); err != nil {
		t.Fatal(err)
	}
	for _, c := range b {
		if !censor.IsPrintable(c) {
			t.Fatalf("byte %#x", c)
		}
		counts[c]++
	}
	if len(counts) != 95 {
		t.Fatalf("%d distinct printable bytes", len(counts))
	}
	for c, k := range counts {
		if k < 120 || k > 290 { // mean 200, standard deviation 14
			t.Fatalf("byte %q drawn %d times of a mean 200", c, k)
		}
	}
}
