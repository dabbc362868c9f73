package handshake

import (
	"errors"
	"testing"
	"time"
)

func TestRetransmitAndGiveUp(t *testing.T) {
	tests := []struct {
		name   string
		fetch  bool
		typ    byte
		stat   func(Stats) int
		answer bool
	}{
		{"handshake", false, TypeInitiation, func(s Stats) int { return s.PendingHandshakes }, true},
		{"certificate fetch", true, TypeCertRequest, func(s Stats) int { return s.PendingCertFetches }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := pair(t)
			peer := b.cert
			if tt.fetch {
				peer = nil
			}
			first, err := a.m.Initiate(t0, b.addr, peer)
			if err != nil {
				t.Fatal(err)
			}
			if out := a.m.Tick(t0.Add(RekeyTimeout - time.Millisecond)); len(out) != 0 {
				t.Fatal("retransmitted before RekeyTimeout")
			}
			d := a.m.NextDeadline()
			if d.Before(t0.Add(RekeyTimeout)) || d.After(t0.Add(RekeyTimeout+RekeyTimeoutJitter)) {
				t.Fatalf("NextDeadline %v outside [RekeyTimeout, +jitter]", d.Sub(t0))
			}
			now := d
			var retransmissions int
			var last []Datagram
			for now.Sub(t0) < RekeyAttemptTime {
				out := a.m.Tick(now)
				if len(out) == 0 {
					t.Fatalf("no retransmission at the deadline %v", now.Sub(t0))
				}
				if msg := oneMessage(t, out); msg[0] != tt.typ {
					t.Fatalf("retransmitted type %#x", msg[0])
				}
				retransmissions++
				last = out
				now = a.m.NextDeadline()
			}
			if want := int(RekeyAttemptTime / (RekeyTimeout + RekeyTimeoutJitter)); retransmissions < want {
				t.Errorf("%d retransmissions, want at least %d", retransmissions, want)
			}
			if tt.stat(a.m.Stats()) != 1 {
				t.Fatalf("stats %+v", a.m.Stats())
			}
			if !now.Equal(t0.Add(RekeyAttemptTime)) {
				t.Errorf("give-up deadline at %v, want RekeyAttemptTime", now.Sub(t0))
			}
			if out := a.m.Tick(now); len(out) != 0 {
				t.Error("retransmitted after RekeyAttemptTime")
			}
			s := a.m.Stats()
			if tt.stat(s) != 0 || s.GaveUp != 1 || s.Retransmissions != uint64(retransmissions) {
				t.Errorf("after giving up: %+v", s)
			}
			if !a.m.NextDeadline().IsZero() {
				t.Error("NextDeadline is set with nothing pending")
			}
			if tt.answer {
				// Answers to the first and the last attempt find nothing pending.
				for _, dgs := range [][]Datagram{first, last} {
					res, err := b.m.Receive(now, a.addr, oneMessage(t, dgs))
					if err != nil {
						t.Fatal(err)
					}
					if _, err := a.m.Receive(now, b.addr, oneMessage(t, res.Send)); !errors.Is(err, ErrNoPending) {
						t.Errorf("answer after giving up: err = %v, want ErrNoPending", err)
					}
				}
			}
		})
	}
}

func TestRetransmissionCompletes(t *testing.T) {
	// The first Initiation is lost; the retransmission completes the handshake, and a late
	// Response to the first attempt is refused.
	a, b := pair(t)
	first, err := a.m.Initiate(t0, b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	now := a.m.NextDeadline()
	retry := a.m.Tick(now)
	n := newNet(t, a, b)
	n.run(now, packets(a.addr, retry))
	if len(n.est[a.name]) != 1 || len(n.est[b.name]) != 1 {
		t.Fatalf("retransmission did not complete: %v", n.errs)
	}
	res, err := b.m.Receive(now, a.addr, oneMessage(t, first))
	if !errors.Is(err, ErrReplay) || res.Established != nil {
		t.Errorf("first attempt after the second: err = %v, want ErrReplay", err)
	}
}

func TestRandomnessFailure(t *testing.T) {
	a, b := pair(t)
	handshake(t, t0, a, b, b.cert)
	b.m.SetUnderLoad(true)
	init, err := a.m.Initiate(t0.Add(time.Second), b.addr, b.cert)
	if err != nil {
		t.Fatal(err)
	}
	fetch, err := a.m.Initiate(t0.Add(time.Second), addrPortWith(b.addr, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	pendingBefore := a.m.Stats().PendingHandshakes
	a.m.rand, b.m.rand = errReader{}, errReader{}
	if _, err := a.m.Initiate(t0, addrPortWith(b.addr, 2), b.cert); err == nil {
		t.Error("Initiate without randomness succeeded")
	}
	if _, err := a.m.Initiate(t0, addrPortWith(b.addr, 3), nil); err == nil {
		t.Error("certificate fetch without randomness succeeded")
	}
	if out := a.m.Tick(t0.Add(time.Minute)); len(out) != 0 {
		t.Error("retransmitted without randomness")
	}
	if got := a.m.Stats().PendingHandshakes; got != pendingBefore {
		t.Errorf("PendingHandshakes = %d, want %d", got, pendingBefore)
	}
	// The responder needs randomness for the cookie secret, a CookieReply and a Response.
	if _, err := b.m.Receive(t0.Add(3*CookieRefreshTime), a.addr, oneMessage(t, init)); err == nil || errors.Is(err, ErrCookieRequired) {
		t.Errorf("responder without randomness: err = %v", err)
	}
	if _, err := b.m.Receive(t0.Add(3*CookieRefreshTime), a.addr, fetch[0].Data); err == nil || errors.Is(err, ErrCookieRequired) {
		t.Errorf("certificate request without randomness: err = %v", err)
	}
}
