package handshake

import (
	"crypto/rand"
	"errors"
	"net/netip"
	"testing"
	"time"
)

func TestNewConfig(t *testing.T) {
	a, _ := pair(t)
	good := Config{Static: a.key, Cert: a.raw, CertHash: a.cert.Hash, NetworkID: testNetworkID, Verifier: a.v, Rand: rand.Reader}
	tests := []struct {
		name   string
		modify func(*Config)
	}{
		{"no static key", func(c *Config) { c.Static = nil }},
		{"no certificate", func(c *Config) { c.Cert = nil }},
		{"no verifier", func(c *Config) { c.Verifier = nil }},
		{"no randomness", func(c *Config) { c.Rand = nil }},
		{"negative limit", func(c *Config) { c.Limits.MaxReassemblies = -1 }},
		{"negative timer", func(c *Config) { c.Limits.RekeyTimeout = -time.Second }},
		{"datagram too small", func(c *Config) { c.Limits.MaxDatagramSize = CertRequestSize - 1 }},
		{"datagram too large", func(c *Config) { c.Limits.MaxDatagramSize = 65536 }},
		{"one fragment", func(c *Config) { c.Limits.MaxFragments = 1 }},
		{"too many fragments", func(c *Config) { c.Limits.MaxFragments = 256 }},
		{"message too small", func(c *Config) { c.Limits.MaxMessageSize = InitiationCachedSize - 1 }},
		{"message does not fit in fragments", func(c *Config) { c.Limits.MaxFragments = 2 }},
		{"per-source above total", func(c *Config) { c.Limits.MaxReassembliesPerSource = MaxReassemblies + 1 }},
		{"cookie validity above refresh", func(c *Config) { c.Limits.CookieValidity = CookieRefreshTime + 1 }},
		{"certificate too large", func(c *Config) { c.Cert = make([]byte, MaxMessageSize) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.modify(&c)
			if _, err := New(c); !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
		})
	}
	m, err := New(good)
	if err != nil {
		t.Fatal(err)
	}
	if m.lim.MaxDatagramSize != MaxDatagramSize || m.lim.RekeyAttemptTime != RekeyAttemptTime || m.lim.MaxClockSkew != MaxClockSkew {
		t.Errorf("defaults not applied: %+v", m.lim)
	}
	good.Limits = Limits{MaxDatagramSize: 1400, RekeyTimeout: time.Second}
	if m, err = New(good); err != nil || m.lim.MaxDatagramSize != 1400 || m.lim.RekeyTimeout != time.Second {
		t.Errorf("overrides not applied: %v %+v", err, m.lim)
	}
	if _, err := m.Initiate(t0, netip.AddrPort{}, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("Initiate to an invalid address: err = %v", err)
	}
	if _, err := m.Initiate(t0, a.addr, &PeerCert{}); !errors.Is(err, ErrCert) {
		t.Errorf("Initiate with a certificate without a key: err = %v", err)
	}
}

func TestSmallDatagrams(t *testing.T) {
	// Nodes that send datagrams of at most 1200 bytes still complete handshakes with nodes that
	// use the default.
	v := newTestVerifier()
	a := newParty(t, "alpha", v, Limits{MaxDatagramSize: minDatagramSize})
	b := newParty(t, "beta", v, Limits{})
	ei, er := handshake(t, t0, a, b, b.cert)
	checkMatch(t, ei, er, a, b)
	dgs, _ := a.m.Initiate(t0.Add(time.Second), b.addr, b.cert)
	for _, d := range dgs {
		if len(d.Data) > minDatagramSize {
			t.Fatalf("%d-byte datagram with MaxDatagramSize %d", len(d.Data), minDatagramSize)
		}
	}
}

func TestMessageType(t *testing.T) {
	tests := []struct {
		in   []byte
		typ  byte
		want bool
	}{
		{nil, 0, false},
		{[]byte{0}, 0, false},
		{[]byte{TypeInitiation}, TypeInitiation, true},
		{[]byte{TypeTransportData, 1, 2}, TypeTransportData, true},
		{[]byte{TypeRetry}, TypeRetry, true},
		{[]byte{0x09}, 0x09, false},
		{[]byte{0xff}, 0xff, false},
	}
	for _, tt := range tests {
		typ, ok := MessageType(tt.in)
		if typ != tt.typ || ok != tt.want {
			t.Errorf("MessageType(%x) = %#x, %v; want %#x, %v", tt.in, typ, ok, tt.typ, tt.want)
		}
	}
}

func TestTimestamp(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"short", make([]byte, timestampSize-1), ErrMalformed},
		{"nanoseconds out of range", timestamp{1, 1e9}.encodeSlice(), ErrTimestamp},
		{"after the year 9999", timestamp{maxTimestampSec + 1, 0}.encodeSlice(), ErrTimestamp},
		{"valid", timestamp{1700000000, 999999999}.encodeSlice(), nil},
	}
	for _, tt := range tests {
		if _, err := decodeTimestamp(tt.b); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if ts := timestampOf(time.Unix(-5, 0)); ts != (timestamp{}) {
		t.Errorf("time before 1970 encodes as %+v", ts)
	}
	if next := (timestamp{5, 999999999}).next(); next != (timestamp{6, 0}) {
		t.Errorf("next = %+v", next)
	}
	ts := timestampOf(t0)
	if !ts.time().Equal(t0) || !ts.next().after(ts) || ts.after(ts) {
		t.Error("timestamp order")
	}
}

func (a timestamp) encodeSlice() []byte { b := a.encode(); return b[:] }

func TestLRU(t *testing.T) {
	c := newLRU[int, string](2)
	c.put(1, "a")
	c.put(2, "b")
	c.get(1) // 2 is now the least recently used
	c.put(3, "c")
	if _, ok := c.get(2); ok || c.len() != 2 {
		t.Fatal("least recently used entry not evicted")
	}
	c.put(1, "x")
	if v, _ := c.get(1); v != "x" {
		t.Errorf("update lost: %q", v)
	}
	c.removeOldestWhile(func(k int, _ string) bool { return k == 3 })
	if _, ok := c.get(3); ok || c.len() != 1 {
		t.Error("removeOldestWhile")
	}
	c.removeOldestWhile(func(int, string) bool { return true })
	if c.len() != 0 {
		t.Error("not emptied")
	}
	c.remove(42) // absent: no effect
}

// nilVerifier returns neither a certificate nor an error.
type nilVerifier struct{}

func (nilVerifier) VerifyCert([]byte, time.Time) (*PeerCert, error) { return nil, nil }

func TestResolveCert(t *testing.T) {
	a, b := pair(t)
	hashRef := func(h [32]byte) []byte { return append([]byte{certRefHash}, h[:]...) }
	// beta's certificate cached under alpha's hash: the reference and the certificate disagree.
	a.m.certCache.put([32]byte{9}, b.raw)
	tests := []struct {
		name string
		ref  []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"kind only", []byte{certRefFull}, ErrMalformed},
		{"short hash", hashRef(b.cert.Hash)[:HashSize], ErrMalformed},
		{"unknown kind", []byte{2, 1, 2}, ErrMalformed},
		{"unknown hash", hashRef([32]byte{1}), ErrUnknownPeer},
		{"hash mismatch", hashRef([32]byte{9}), ErrCert},
		{"untrusted", append([]byte{certRefFull}, 1, 2, 3), ErrCert},
		{"own certificate", append([]byte{certRefFull}, a.raw...), ErrCert},
	}
	for _, tt := range tests {
		if _, _, err := a.m.resolveCert(t0, tt.ref); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if p, full, err := a.m.resolveCert(t0, append([]byte{certRefFull}, b.raw...)); err != nil || !full || p.Hash != b.cert.Hash {
		t.Errorf("full reference: %v", err)
	}
	a.m.verifier = nilVerifier{}
	if _, _, err := a.m.resolveCert(t0, append([]byte{certRefFull}, b.raw...)); !errors.Is(err, ErrCert) {
		t.Errorf("verifier without a certificate: err = %v", err)
	}
}

func TestLowOrderEphemeral(t *testing.T) {
	a, b := pair(t)
	dgs, err := a.m.Initiate(t0, b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	msg := oneMessage(t, dgs)
	clear(msg[8:40]) // the all-zero X25519 point has low order
	if _, err := b.m.Receive(t0, a.addr, withMAC1(msg, b.cert.Hash)); !errors.Is(err, ErrDecrypt) {
		t.Errorf("low-order ephemeral key: err = %v, want ErrDecrypt", err)
	}
	res, err := b.m.Receive(t0, a.addr, oneMessage(t, dgs))
	if err != nil {
		t.Fatal(err)
	}
	resp := oneMessage(t, res.Send)
	clear(resp[12:44])
	if _, err := a.m.Receive(t0, b.addr, withMAC1(resp, a.cert.Hash)); !errors.Is(err, ErrDecrypt) {
		t.Errorf("low-order ephemeral key in a Response: err = %v, want ErrDecrypt", err)
	}
}
