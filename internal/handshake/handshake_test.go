package handshake

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
	"time"
)

func TestHandshake(t *testing.T) {
	a, b := pair(t)
	tests := []struct {
		name string
		i, r *party
	}{
		{"alpha to beta", a, b},
		{"beta to alpha", b, a},
		{"alpha to beta again", a, b},
	}
	now := t0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = now.Add(time.Second)
			ei, er := handshake(t, now, tt.i, tt.r, tt.r.cert)
			checkMatch(t, ei, er, tt.i, tt.r)
			if !ei.At.Equal(now) || !er.At.Equal(now) {
				t.Error("wrong At")
			}
			for _, p := range []*party{tt.i, tt.r} {
				if s := p.m.Stats(); s.PendingHandshakes != 0 || s.PendingCertFetches != 0 || s.Reassemblies != 0 {
					t.Errorf("%s keeps state after the handshake: %+v", p.name, s)
				}
			}
		})
	}
	// Every handshake has fresh keys.
	e1, _ := handshake(t, now.Add(time.Second), a, b, b.cert)
	e2, _ := handshake(t, now.Add(2*time.Second), a, b, b.cert)
	if e1.SendKey == e2.SendKey || e1.LocalIndex == e2.LocalIndex && e1.RemoteIndex == e2.RemoteIndex {
		t.Error("two handshakes gave the same keys or indices")
	}
	if s := a.m.Stats(); s.InitiatorEstablished != 4 || s.ResponderEstablished != 1 {
		t.Errorf("alpha stats %+v", s)
	}
}

func TestMessageSizes(t *testing.T) {
	a, b := pair(t)
	dgs, err := a.m.Initiate(t0, b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	init := oneMessage(t, dgs)
	if want := InitiationOverhead + testCertSize; len(init) != want {
		t.Errorf("full Initiation is %d bytes, want %d", len(init), want)
	}
	if want := (len(init) + MaxDatagramSize - FragmentHeaderSize - 1) / (MaxDatagramSize - FragmentHeaderSize); len(dgs) != want {
		t.Errorf("full Initiation sent as %d datagrams, want %d", len(dgs), want)
	}
	res, err := b.m.Receive(t0, a.addr, init)
	if err != nil {
		t.Fatal(err)
	}
	if resp := oneMessage(t, res.Send); len(resp) != ResponseSize {
		t.Errorf("Response is %d bytes, want %d", len(resp), ResponseSize)
	}
	if _, err := a.m.Receive(t0, b.addr, oneMessage(t, res.Send)); err != nil {
		t.Fatal(err)
	}
	// Now beta holds alpha's certificate: the next Initiation names it by hash.
	dgs, err = a.m.Initiate(t0.Add(time.Second), b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(oneMessage(t, dgs)); got != InitiationCachedSize {
		t.Errorf("cached Initiation is %d bytes, want %d", got, InitiationCachedSize)
	}
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"InitiationOverhead", InitiationOverhead, 2389},
		{"InitiationCachedSize", InitiationCachedSize, 2421},
		{"ResponseSize", ResponseSize, 2268},
		{"CookieReplySize", CookieReplySize, 64},
		{"RetrySize", RetrySize, 24},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

func TestCachedCertificate(t *testing.T) {
	a, b := pair(t)
	handshake(t, t0, a, b, b.cert) // beta learns alpha's certificate
	calls := b.v.calls
	now := t0.Add(time.Second)
	ei, er := handshake(t, now, a, b, b.cert)
	checkMatch(t, ei, er, a, b)
	if b.v.calls != calls+1 {
		t.Errorf("a cached certificate was verified %d times, want once (revocation must still apply)", b.v.calls-calls)
	}

	// A restarted responder has forgotten the certificate: it drops the Initiation and the
	// initiator's retransmission carries the full certificate.
	b.m = b.newMachine(t, testNetworkID, Limits{})
	now = now.Add(time.Second)
	dgs, err := a.m.Initiate(now, b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	init := oneMessage(t, dgs)
	if len(init) != InitiationCachedSize {
		t.Fatalf("Initiation is %d bytes, want the cached form", len(init))
	}
	if _, err := b.m.Receive(now, a.addr, init); !errors.Is(err, ErrUnknownPeer) {
		t.Fatalf("unknown hash: err = %v, want ErrUnknownPeer", err)
	}
	now = a.m.NextDeadline()
	dgs = a.m.Tick(now)
	if got := len(oneMessage(t, dgs)); got != InitiationOverhead+testCertSize {
		t.Fatalf("retransmission is %d bytes, want the full certificate", got)
	}
	n := newNet(t, a, b)
	n.run(now, packets(a.addr, dgs))
	if len(n.est[a.name]) != 1 || len(n.est[b.name]) != 1 {
		t.Fatalf("fallback did not complete: %v", n.errs)
	}
	checkMatch(t, n.est[a.name][0], n.est[b.name][0], a, b)
}

func TestCachedCertificateEvicted(t *testing.T) {
	// A responder whose cache holds one certificate forgets alpha when gamma connects; alpha's
	// first Initiation that timed out clears its "cached" mark so that the next one is full.
	v := newTestVerifier()
	a, c := newParty(t, "alpha", v, Limits{}), newParty(t, "gamma", v, Limits{})
	b := newParty(t, "beta", v, Limits{MaxCachedCerts: 1})
	handshake(t, t0, a, b, b.cert)
	handshake(t, t0, c, b, b.cert)
	if s := b.m.Stats(); s.CachedCerts != 1 {
		t.Fatalf("CachedCerts = %d, want 1", s.CachedCerts)
	}
	dgs, err := a.m.Initiate(t0.Add(time.Second), b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.m.Receive(t0.Add(time.Second), a.addr, oneMessage(t, dgs)); !errors.Is(err, ErrUnknownPeer) {
		t.Fatalf("err = %v, want ErrUnknownPeer", err)
	}
	a.m.Tick(a.m.NextDeadline())
	dgs, err = a.m.Initiate(t0.Add(10*time.Second), b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(oneMessage(t, dgs)); got != InitiationOverhead+testCertSize {
		t.Fatalf("Initiation after a fallback is %d bytes, want the full certificate", got)
	}
}

func TestWrongNetwork(t *testing.T) {
	a, b := pair(t)
	var other [32]byte
	other[0] = 1
	b.m = b.newMachine(t, other, Limits{})
	dgs, err := a.m.Initiate(t0, b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.m.Receive(t0, a.addr, oneMessage(t, dgs))
	if !errors.Is(err, ErrDecrypt) {
		t.Fatalf("err = %v, want ErrDecrypt", err)
	}
}

func TestUntrustedCertificate(t *testing.T) {
	a, b := pair(t)
	b.v.known = map[[32]byte]bool{b.cert.Hash: true} // beta no longer trusts alpha
	dgs, err := a.m.Initiate(t0, b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.m.Receive(t0, a.addr, oneMessage(t, dgs))
	if !errors.Is(err, ErrCert) || !errors.Is(err, errUntrusted) {
		t.Fatalf("err = %v, want ErrCert wrapping the verifier's error", err)
	}
	if res.Established != nil || len(res.Send) != 0 {
		t.Error("an untrusted initiator got an answer")
	}
}

func TestWrongResponderKey(t *testing.T) {
	// The initiator uses a certificate whose key the node at the address does not hold.
	v := newTestVerifier()
	a, b, c := newParty(t, "alpha", v, Limits{}), newParty(t, "beta", v, Limits{}), newParty(t, "gamma", v, Limits{})
	dgs, err := a.m.Initiate(t0, b.addr, c.cert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.m.Receive(t0, a.addr, oneMessage(t, dgs)); !errors.Is(err, ErrMAC) {
		t.Fatalf("err = %v, want ErrMAC (mac1 is keyed to gamma)", err)
	}
}

func TestSelf(t *testing.T) {
	a, b := pair(t)
	if _, err := a.m.Initiate(t0, b.addr, a.cert); !errors.Is(err, ErrCert) {
		t.Fatalf("Initiate with our own certificate: err = %v, want ErrCert", err)
	}
	// A responder refuses an initiator that presents the responder's own certificate (a node
	// that holds beta's key but claims another certificate hash in its configuration).
	evil, err := New(Config{Static: b.key, Cert: b.raw, CertHash: [32]byte{2}, NetworkID: testNetworkID,
		Verifier: b.v, Rand: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	dgs, err := evil.Initiate(t0, b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.m.Receive(t0, a.addr, oneMessage(t, dgs)); !errors.Is(err, ErrCert) {
		t.Fatalf("own certificate: err = %v, want ErrCert", err)
	}
}

func TestReplay(t *testing.T) {
	a, b := pair(t)
	first, err := a.m.Initiate(t0, b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	older := oneMessage(t, first)
	second, err := a.m.Initiate(t0.Add(time.Second), b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	newer := oneMessage(t, second)
	now := t0.Add(2 * time.Second)
	if _, err := b.m.Receive(now, a.addr, newer); err != nil {
		t.Fatal(err)
	}
	for name, msg := range map[string][]byte{"same": newer, "older": older} {
		res, err := b.m.Receive(now, a.addr, msg)
		if !errors.Is(err, ErrReplay) {
			t.Errorf("%s Initiation replayed: err = %v, want ErrReplay", name, err)
		}
		if res.Established != nil || len(res.Send) != 0 {
			t.Errorf("%s replay got an answer", name)
		}
	}
	// The same node's initiations sent at one instant still have increasing timestamps.
	x, _ := a.m.Initiate(now, b.addr, b.cert)
	y, _ := a.m.Initiate(now, b.addr, b.cert)
	for i, dgs := range [][]Datagram{x, y} {
		if _, err := b.m.Receive(now, a.addr, oneMessage(t, dgs)); err != nil {
			t.Errorf("initiation %d at the same instant: %v", i, err)
		}
	}
}

func TestTimestampAhead(t *testing.T) {
	a, b := pair(t)
	dgs, err := a.m.Initiate(t0.Add(MaxClockSkew+time.Second), b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.m.Receive(t0, a.addr, oneMessage(t, dgs)); !errors.Is(err, ErrTimestamp) {
		t.Fatalf("err = %v, want ErrTimestamp", err)
	}
	// It did not poison the replay table: an Initiation with the right time works.
	handshake(t, t0.Add(time.Second), a, b, b.cert)
}

func TestResponseReplayAndWrongIndex(t *testing.T) {
	v := newTestVerifier()
	a, b, c := newParty(t, "alpha", v, Limits{}), newParty(t, "beta", v, Limits{}), newParty(t, "gamma", v, Limits{})
	toB, err := a.m.Initiate(t0, b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	toC, err := a.m.Initiate(t0, c.addr, c.cert)
	if err != nil {
		t.Fatal(err)
	}
	resB, err := b.m.Receive(t0, a.addr, oneMessage(t, toB))
	if err != nil {
		t.Fatal(err)
	}
	resp := oneMessage(t, resB.Send)
	indexC := parseOrFatal(t, oneMessage(t, toC)).sender

	// beta's Response readdressed to alpha's handshake with gamma, mac1 recomputed.
	forged, _ := parseResponse(bytes.Clone(resp))
	forged.receiver = indexC
	fb := forged.marshal()
	key := labeledHash(labelMAC1, a.cert.Hash[:])
	m1 := mac(key[:], fb[:len(fb)-2*MACSize])
	copy(fb[len(fb)-2*MACSize:], m1[:])
	if _, err := a.m.Receive(t0, b.addr, fb); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Response to the wrong handshake: err = %v, want ErrDecrypt", err)
	}
	if _, err := a.m.Receive(t0, b.addr, resp); err != nil {
		t.Fatalf("genuine Response refused after a forged one: %v", err)
	}
	if _, err := a.m.Receive(t0, b.addr, resp); !errors.Is(err, ErrNoPending) {
		t.Errorf("replayed Response: err = %v, want ErrNoPending", err)
	}
	if s := a.m.Stats(); s.PendingHandshakes != 1 {
		t.Errorf("PendingHandshakes = %d, want 1 (gamma)", s.PendingHandshakes)
	}
}

func parseOrFatal(t testing.TB, b []byte) *initiation {
	t.Helper()
	m, err := parseInitiation(b, MaxMessageSize)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestInitiateReplacesPending(t *testing.T) {
	a, b := pair(t)
	first, err := a.m.Initiate(t0, b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.m.Initiate(t0, b.addr, b.cert); err != nil {
		t.Fatal(err)
	}
	if s := a.m.Stats(); s.PendingHandshakes != 1 {
		t.Fatalf("PendingHandshakes = %d, want 1", s.PendingHandshakes)
	}
	res, err := b.m.Receive(t0, a.addr, oneMessage(t, first))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.m.Receive(t0, b.addr, oneMessage(t, res.Send)); !errors.Is(err, ErrNoPending) {
		t.Fatalf("Response to a replaced Initiation: err = %v, want ErrNoPending", err)
	}
}

func TestTooManyPending(t *testing.T) {
	v := newTestVerifier()
	a := newParty(t, "alpha", v, Limits{MaxPendingHandshakes: 2})
	b := newParty(t, "beta", v, Limits{})
	for i := range 3 {
		addr := b.addr
		addr = addrPortWith(addr, uint16(i+1))
		_, err := a.m.Initiate(t0, addr, nil)
		if (err != nil) != (i == 2) {
			t.Fatalf("Initiate %d: err = %v", i, err)
		}
		if i == 2 && !errors.Is(err, ErrTooManyPending) {
			t.Fatalf("err = %v, want ErrTooManyPending", err)
		}
	}
}
