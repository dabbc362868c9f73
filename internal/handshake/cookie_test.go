package handshake

import (
	"bytes"
	"crypto/rand"
	"errors"
	"net/netip"
	"testing"
	"time"
)

func TestCookieUnderLoad(t *testing.T) {
	a, b := pair(t)
	b.m.SetUnderLoad(true)
	dgs, err := a.m.Initiate(t0, b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	n := newNet(t, a, b)
	n.run(t0, packets(a.addr, dgs))
	want := []byte{TypeInitiation, TypeCookieReply, TypeInitiation, TypeResponse}
	if !bytes.Equal(n.types, want) {
		t.Errorf("messages %v, want %v", n.types, want)
	}
	if len(n.errs) != 1 || !errors.Is(n.errs[0], ErrCookieRequired) {
		t.Errorf("errors %v, want one ErrCookieRequired", n.errs)
	}
	if len(n.est[a.name]) != 1 || len(n.est[b.name]) != 1 {
		t.Fatal("not established")
	}
	checkMatch(t, n.est[a.name][0], n.est[b.name][0], a, b)
	if s := b.m.Stats(); !s.UnderLoad || s.CookieRepliesSent != 1 || s.RateLimitEntries != 1 {
		t.Errorf("responder stats %+v", s)
	}

	// The cookie is reused by the next Initiation while it is valid, and not after.
	n = newNet(t, a, b)
	dgs, _ = a.m.Initiate(t0.Add(time.Second), b.addr, b.cert)
	n.run(t0.Add(time.Second), packets(a.addr, dgs))
	if !bytes.Equal(n.types, []byte{TypeInitiation, TypeResponse}) {
		t.Errorf("with a cookie: messages %v", n.types)
	}
	later := t0.Add(CookieValidity + time.Second)
	n = newNet(t, a, b)
	dgs, _ = a.m.Initiate(later, b.addr, b.cert)
	n.run(later, packets(a.addr, dgs))
	if !bytes.Equal(n.types, want) {
		t.Errorf("with an old cookie: messages %v, want %v", n.types, want)
	}

	b.m.SetUnderLoad(false)
	n = newNet(t, a, b)
	dgs, _ = a.m.Initiate(later.Add(time.Second), b.addr, b.cert)
	n.run(later.Add(time.Second), packets(a.addr, dgs))
	if !bytes.Equal(n.types, []byte{TypeInitiation, TypeResponse}) {
		t.Errorf("load off: messages %v", n.types)
	}
}

func TestAutomaticLoad(t *testing.T) {
	v := newTestVerifier()
	b := newParty(t, "beta", v, Limits{MaxInitiationsPerSecond: 2})
	var initiators []*party
	for _, name := range []string{"a", "c", "d"} {
		initiators = append(initiators, newParty(t, name, v, Limits{}))
	}
	for i, p := range initiators {
		dgs, err := p.m.Initiate(t0, b.addr, b.cert)
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.m.Receive(t0, p.addr, oneMessage(t, dgs))
		if loaded := errors.Is(err, ErrCookieRequired); loaded != (i == 2) {
			t.Errorf("initiation %d: err = %v", i, err)
		}
	}
	// The Initiation answered with a cookie got no key exchange.
	if s := b.m.Stats(); s.InitiationsProcessed != 2 || s.CookieRepliesSent != 1 {
		t.Errorf("under load: processed %d, cookie replies %d; want 2 and 1", s.InitiationsProcessed, s.CookieRepliesSent)
	}
	// A second later the bucket has refilled.
	p := initiators[2]
	dgs, _ := p.m.Initiate(t0.Add(time.Second), b.addr, b.cert)
	if _, err := b.m.Receive(t0.Add(time.Second), p.addr, oneMessage(t, dgs)); err != nil {
		t.Errorf("after a second: %v", err)
	}
	if s := b.m.Stats(); s.InitiationsProcessed != 3 {
		t.Errorf("processed %d, want 3", s.InitiationsProcessed)
	}
}

// forgedInitiation returns random bytes shaped as an Initiation to target with a valid mac1, as
// anyone who knows target's certificate can make.
func forgedInitiation(t testing.TB, target *party) []byte {
	b := make([]byte, InitiationCachedSize)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	copy(b, []byte{TypeInitiation, 0, 0, 0})
	key := labeledHash(labelMAC1, target.cert.Hash[:])
	m1 := mac(key[:], b[:len(b)-2*MACSize])
	copy(b[len(b)-2*MACSize:], m1[:])
	clear(b[len(b)-MACSize:])
	return b
}

func TestHalfOpenFlood(t *testing.T) {
	v := newTestVerifier()
	const rate = 10
	b := newParty(t, "beta", v, Limits{MaxInitiationsPerSecond: rate})
	a := newParty(t, "alpha", v, Limits{})
	var processed, cookies int
	for i := range 300 {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 4000)
		res, err := b.m.Receive(t0, src, forgedInitiation(t, b))
		if err == nil || res.Established != nil {
			t.Fatal("a forged Initiation was accepted")
		}
		if errors.Is(err, ErrCookieRequired) {
			cookies++
			if len(res.Send) != 1 || len(res.Send[0].Data) != CookieReplySize || res.Send[0].To != src {
				t.Fatalf("under load, the answer is not one CookieReply to the source: %+v", res.Send)
			}
			continue
		}
		processed++
		if len(res.Send) != 0 {
			t.Fatal("a forged Initiation got an answer")
		}
	}
	if processed != rate || cookies != 300-rate {
		t.Errorf("processed %d, cookie replies %d; want %d and %d", processed, cookies, rate, 300-rate)
	}
	s := b.m.Stats()
	if s.PendingHandshakes != 0 || s.PendingCertFetches != 0 || s.ReplayEntries != 0 || s.RateLimitEntries != 0 ||
		s.Reassemblies != 0 || s.CachedCerts != 0 || s.Remotes != 0 {
		t.Errorf("responder holds state after a half-open flood: %+v", s)
	}
	// A real initiator still gets through, with a cookie.
	dgs, err := a.m.Initiate(t0, b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	n := newNet(t, a, b)
	n.run(t0, packets(a.addr, dgs))
	if len(n.est[a.name]) != 1 {
		t.Fatalf("legitimate initiator refused under flood: %v", n.errs)
	}
}

func TestRateLimitUnderLoad(t *testing.T) {
	a, b := pair(t)
	b.m.SetUnderLoad(true)
	handshake(t, t0, a, b, b.cert) // alpha gets a cookie
	var limited int
	for i := range RateLimitBurst + 2 {
		dgs, err := a.m.Initiate(t0, b.addr, b.cert)
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.m.Receive(t0, a.addr, oneMessage(t, dgs))
		switch {
		case errors.Is(err, ErrRateLimited):
			limited++
		case err != nil:
			t.Fatalf("initiation %d: %v", i, err)
		}
	}
	// The handshake that fetched the cookie used one token.
	if limited != 3 {
		t.Errorf("%d rate-limited, want 3", limited)
	}
}

func TestRateLimitTableFull(t *testing.T) {
	m := &Machine{lim: Limits{MaxRateLimitEntries: 2, RateLimitPerSecond: 1, RateLimitBurst: 1}}
	m.limiter = newLRU[netip.Addr, *tokenBucket](2)
	src := func(i byte) netip.AddrPort { return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, i}), 1) }
	for i := range byte(2) {
		if err := m.rateLimit(t0, src(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.rateLimit(t0, src(3)); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("full table: err = %v, want ErrRateLimited", err)
	}
	// Once the buckets have refilled, their entries can go.
	if err := m.rateLimit(t0.Add(2*time.Second), src(3)); err != nil {
		t.Fatalf("after refill: %v", err)
	}
	if m.limiter.len() > 2 {
		t.Errorf("table has %d entries, limit 2", m.limiter.len())
	}
}

func TestCookieRotation(t *testing.T) {
	a, _ := pair(t)
	m := a.m
	addr := netip.MustParseAddrPort("192.0.2.1:5")
	c, err := m.cookieFor(t0, cookieDomainMAC2, addr)
	if err != nil {
		t.Fatal(err)
	}
	valid := func(now time.Time, domain byte, at netip.AddrPort) bool {
		ok, err := m.checkCookie(now, domain, at, func(x []byte) bool { return bytes.Equal(x, c[:]) })
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	tests := []struct {
		name   string
		now    time.Time
		domain byte
		addr   netip.AddrPort
		want   bool
	}{
		{"fresh", t0, cookieDomainMAC2, addr, true},
		{"other domain", t0, cookieDomainRetry, addr, false},
		{"other port", t0, cookieDomainMAC2, addrPortWith(addr, 6), false},
		{"after one rotation", t0.Add(CookieRefreshTime), cookieDomainMAC2, addr, true},
		{"after two rotations", t0.Add(2 * CookieRefreshTime), cookieDomainMAC2, addr, false},
	}
	for _, tt := range tests {
		if got := valid(tt.now, tt.domain, tt.addr); got != tt.want {
			t.Errorf("%s: valid = %v, want %v", tt.name, got, tt.want)
		}
	}
	// A secret unused for two periods leaves no previous secret behind.
	m2, _ := pair(t)
	c2, _ := m2.m.cookieFor(t0, cookieDomainMAC2, addr)
	ok, _ := m2.m.checkCookie(t0.Add(3*CookieRefreshTime), cookieDomainMAC2, addr, func(x []byte) bool { return bytes.Equal(x, c2[:]) })
	if ok {
		t.Error("a cookie two periods old is valid")
	}
}

func TestCookieReplyHandling(t *testing.T) {
	a, b := pair(t)
	b.m.SetUnderLoad(true)
	dgs, err := a.m.Initiate(t0, b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.m.Receive(t0, a.addr, oneMessage(t, dgs))
	if !errors.Is(err, ErrCookieRequired) {
		t.Fatal(err)
	}
	reply := res.Send[0].Data
	r, _ := parseCookieReply(reply)
	wrongIndex := *r
	wrongIndex.receiver++
	badAD := bytes.Clone(reply)
	badAD[len(badAD)-1] ^= 1
	tests := []struct {
		name string
		msg  []byte
		want error
		send bool
	}{
		{"wrong index", wrongIndex.marshal(), ErrNoPending, false},
		{"tampered", badAD, ErrDecrypt, false},
		{"short", reply[:CookieReplySize-1], ErrMalformed, false},
		{"genuine", reply, nil, true},
		{"replayed", reply, ErrNoPending, false}, // the resend has a new index
	}
	for _, tt := range tests {
		res, err := a.m.Receive(t0, b.addr, tt.msg)
		if !errors.Is(err, tt.want) || (len(res.Send) > 0) != tt.send {
			t.Errorf("%s: err = %v, sent %d", tt.name, err, len(res.Send))
		}
		if tt.send {
			// Another CookieReply for the resend is stored but does not trigger a resend.
			res2, err := b.m.Receive(t0, a.addr, bytes.Clone(oneMessage(t, res.Send)))
			if err != nil {
				t.Fatalf("resend with mac2: %v", err)
			}
			_ = res2
			again, err := b.m.cookieReply(t0, a.addr, parseOrFatal(t, oneMessage(t, res.Send)).sender, &parseOrFatal(t, oneMessage(t, res.Send)).mac1)
			if err != nil {
				t.Fatal(err)
			}
			if res3, err := a.m.Receive(t0, b.addr, again); err != nil || len(res3.Send) != 0 {
				t.Errorf("second CookieReply in one period: err = %v, sent %d", err, len(res3.Send))
			}
		}
	}
}

func TestMAC2UnderLoad(t *testing.T) {
	a, b := pair(t)
	b.m.SetUnderLoad(true)
	handshake(t, t0, a, b, b.cert) // alpha holds a cookie
	dgs, _ := a.m.Initiate(t0.Add(time.Second), b.addr, b.cert)
	msg := oneMessage(t, dgs)
	flipped := bytes.Clone(msg)
	flipped[len(flipped)-1] ^= 0x80
	if _, err := b.m.Receive(t0.Add(time.Second), a.addr, flipped); !errors.Is(err, ErrCookieRequired) {
		t.Errorf("bad mac2 under load: err = %v, want ErrCookieRequired", err)
	}
	if _, err := b.m.Receive(t0.Add(time.Second), addrPortWith(a.addr, 1), msg); !errors.Is(err, ErrCookieRequired) {
		t.Errorf("mac2 from another address: err = %v, want ErrCookieRequired", err)
	}
	if _, err := b.m.Receive(t0.Add(time.Second), a.addr, msg); err != nil {
		t.Errorf("valid mac2: %v", err)
	}
}
