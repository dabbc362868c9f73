package handshake

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// sentinels are the errors Receive may return; every drop wraps one of them.
var sentinels = []error{ErrMalformed, ErrMAC, ErrCookieRequired, ErrRateLimited, ErrReplay, ErrTimestamp,
	ErrUnknownPeer, ErrCert, ErrNoPending, ErrDecrypt, ErrFragment}

func isSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// fuzzWorld is a responder, an initiator with a pending handshake and a pending certificate
// fetch, and the genuine messages between them.
type fuzzWorld struct {
	a, b       *party
	init, resp []byte
	initFrags  []Datagram
	want       *Established // the initiator's session from the genuine Response
}

func newFuzzWorld(t testing.TB) *fuzzWorld {
	w := &fuzzWorld{}
	w.a, w.b = pair(t)
	dgs, err := w.a.m.Initiate(t0, w.b.addr, w.b.cert)
	if err != nil {
		t.Fatal(err)
	}
	w.initFrags = dgs
	w.init = oneMessage(t, dgs)
	if _, err := w.a.m.Initiate(t0, addrPortWith(w.b.addr, 1), nil); err != nil {
		t.Fatal(err)
	}
	// A twin of the responder answers, so that the fuzzed responder has not seen the Initiation.
	twin := w.b.newMachine(t, testNetworkID, Limits{})
	res, err := twin.Receive(t0, w.a.addr, w.init)
	if err != nil {
		t.Fatal(err)
	}
	w.resp = oneMessage(t, res.Send)
	w.want = res.Established
	return w
}

// seeds returns datagrams of every kind, genuine and not.
func (w *fuzzWorld) seeds(t testing.TB) [][]byte {
	out := [][]byte{w.init, w.resp, {}, {TypeTransportData, 0, 0, 0}, {TypeFragment}}
	for _, d := range w.initFrags {
		out = append(out, d.Data)
	}
	index := parseOrFatal(t, w.init).sender
	var cookie [CookieSize]byte
	out = append(out,
		marshalCertRequest(1, &cookie),
		marshalRetry(index, &cookie),
		marshalCertReply(index, w.b.raw),
		(&cookieReply{receiver: index}).marshal(),
		forgedInitiation(t, w.b),
	)
	return out
}

// FuzzReceive feeds arbitrary datagrams to a responder and to an initiator with pending state.
// Nothing panics, every drop wraps a sentinel error, state stays within its limits, a session
// is only ever established with the genuine peer and the genuine keys, and the responder never
// answers a datagram that is not a CertRequest or a Fragment with more bytes than it received.
func FuzzReceive(f *testing.F) {
	w := newFuzzWorld(f)
	for _, s := range w.seeds(f) {
		f.Add(s)
	}
	now := t0
	f.Fuzz(func(t *testing.T, d []byte) {
		now = now.Add(time.Millisecond)
		for _, side := range []struct {
			to, from *party
			peer     *PeerCert
		}{{w.b, w.a, w.a.cert}, {w.a, w.b, w.b.cert}} {
			res, err := side.to.m.Receive(now, side.from.addr, d)
			if err != nil && !isSentinel(err) {
				t.Fatalf("%s: error wraps no sentinel: %v", side.to.name, err)
			}
			if e := res.Established; e != nil {
				if e.Peer.Hash != side.peer.Hash {
					t.Fatalf("%s: session with an unexpected peer", side.to.name)
				}
				if side.to == w.a && (e.SendKey != w.want.RecvKey || e.RecvKey != w.want.SendKey) {
					t.Fatal("initiator session with keys the responder did not make")
				}
			}
			var sent int
			for _, s := range res.Send {
				if len(s.Data) > MaxDatagramSize || s.To != side.from.addr {
					t.Fatalf("%s: bad datagram to %v of %d bytes", side.to.name, s.To, len(s.Data))
				}
				sent += len(s.Data)
			}
			if side.to == w.b && len(d) > 0 && d[0] != TypeCertRequest && d[0] != TypeFragment && sent > len(d) {
				t.Fatalf("responder amplified %d bytes to %d", len(d), sent)
			}
			s := side.to.m.Stats()
			if s.Reassemblies > MaxReassemblies || s.ReassemblyBytes > MaxReassemblies*MaxMessageSize ||
				s.PendingHandshakes+s.PendingCertFetches > 2 || s.RateLimitEntries > MaxRateLimitEntries ||
				s.ReplayEntries > 1 || s.CachedCerts > 1 {
				t.Fatalf("%s: state out of bounds: %+v", side.to.name, s)
			}
		}
	})
}

// FuzzReassemble splits a message into Fragments, delivers them in a fuzzed order with
// duplicates and then all in order, and checks that every message reassembled is the original.
// The order bytes are also fed to the reassembler as a raw Fragment.
func FuzzReassemble(f *testing.F) {
	f.Add(bytes.Repeat([]byte("x0tta6bl4"), 1000), uint16(1224), []byte{3, 1, 0, 2})
	f.Add([]byte{1, 2, 3}, uint16(1), []byte{2, 2, 2})
	f.Add(make([]byte, MaxMessageSize), uint16(0), []byte{})
	f.Add([]byte{TypeFragment}, uint16(5), []byte{TypeFragment, 0, 2, 0, 1, 0, 0, 0, 9})
	f.Fuzz(func(t *testing.T, msg []byte, chunk uint16, order []byte) {
		r := newReassembler(&Limits{MaxMessageSize: MaxMessageSize, MaxFragments: MaxFragments,
			MaxReassemblies: 2, MaxReassembliesPerSource: 2, ReassemblyTimeout: time.Second})
		src := t0AddrPort
		check := func() {
			if len(r.entries) > 2 || r.bytes > 2*MaxMessageSize || r.bytes < 0 {
				t.Fatalf("reassembler out of bounds: %d entries, %d bytes", len(r.entries), r.bytes)
			}
		}
		if raw, err := parseFragment(order); err == nil {
			if got, err := r.add(t0, src, raw); err == nil && got != nil && len(got) > MaxMessageSize {
				t.Fatalf("%d-byte message", len(got))
			}
			check()
		}
		if len(msg) < 2 || len(msg) > MaxMessageSize {
			return
		}
		c := int(chunk)%(MaxDatagramSize-FragmentHeaderSize) + 1
		c = max(c, (len(msg)+MaxFragments-1)/MaxFragments)
		if c >= len(msg) {
			c = len(msg) - 1
		}
		dgs := splitMessage(src, msg, 77, c)
		if len(dgs) < 2 || len(dgs) > MaxFragments {
			t.Fatalf("%d fragments", len(dgs))
		}
		var got int
		deliver := func(d Datagram) {
			fr, err := parseFragment(d.Data)
			if err != nil {
				t.Fatal(err)
			}
			m, err := r.add(t0, src, fr)
			if err != nil {
				t.Fatalf("genuine fragment refused: %v", err)
			}
			if m != nil {
				if !bytes.Equal(m, msg) {
					t.Fatal("reassembled message differs")
				}
				got++
			}
			check()
		}
		for _, o := range order {
			deliver(dgs[int(o)%len(dgs)])
		}
		for _, d := range dgs {
			deliver(d)
		}
		if got == 0 {
			t.Fatal("message never completed")
		}
	})
}

var t0AddrPort = addrPortWith(netipMust("192.0.2.7"), 9)

// FuzzParseInitiation checks that parseInitiation accepts exactly the well-formed lengths and
// that what it accepts re-encodes to its input.
func FuzzParseInitiation(f *testing.F) {
	w := newFuzzWorld(f)
	f.Add(w.init)
	f.Add(w.init[:InitiationOverhead])
	f.Add(w.init[:InitiationOverhead-1])
	f.Add(w.resp)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseInitiation(b, MaxMessageSize)
		ok := len(b) >= InitiationOverhead && len(b) <= MaxMessageSize && b[0] == TypeInitiation && b[1]|b[2]|b[3] == 0
		if (err == nil) != ok {
			t.Fatalf("%d bytes: err = %v", len(b), err)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			return
		}
		if !bytes.Equal(m.marshal(), b) {
			t.Fatal("round trip changed the message")
		}
	})
}

// FuzzParseResponse is FuzzParseInitiation for Responses.
func FuzzParseResponse(f *testing.F) {
	w := newFuzzWorld(f)
	f.Add(w.resp)
	f.Add(w.init[:ResponseSize])
	f.Add(w.resp[:ResponseSize-1])
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseResponse(b)
		ok := len(b) == ResponseSize && b[0] == TypeResponse && b[1]|b[2]|b[3] == 0
		if (err == nil) != ok {
			t.Fatalf("%d bytes: err = %v", len(b), err)
		}
		if err == nil && !bytes.Equal(m.marshal(), b) {
			t.Fatal("round trip changed the message")
		}
	})
}

// FuzzParseSmall checks the parsers of CookieReply, CertRequest, Retry, CertReply and Fragment:
// accepted messages re-encode to their input, refused ones wrap ErrMalformed.
func FuzzParseSmall(f *testing.F) {
	var cookie [CookieSize]byte
	f.Add((&cookieReply{receiver: 5}).marshal())
	f.Add(marshalCertRequest(5, &cookie))
	f.Add(marshalRetry(5, &cookie))
	f.Add(marshalCertReply(5, []byte("certificate")))
	f.Add((&fragment{index: 1, count: 3, id: 9, payload: []byte{1, 2}}).marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		roundTrip := func(name string, err error, enc func() []byte) {
			if err != nil {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("%s: err = %v", name, err)
				}
				return
			}
			if !bytes.Equal(enc(), b) {
				t.Fatalf("%s: round trip changed the message", name)
			}
		}
		cr, err := parseCookieReply(b)
		roundTrip("CookieReply", err, func() []byte { return cr.marshal() })
		s, c, err := parseCertRequest(b)
		roundTrip("CertRequest", err, func() []byte { return marshalCertRequest(s, &c) })
		r, c2, err := parseRetry(b)
		roundTrip("Retry", err, func() []byte { return marshalRetry(r, &c2) })
		r2, cert, err := parseCertReply(b, MaxMessageSize)
		roundTrip("CertReply", err, func() []byte { return marshalCertReply(r2, cert) })
		fr, err := parseFragment(b)
		roundTrip("Fragment", err, func() []byte { return fr.marshal() })
	})
}
