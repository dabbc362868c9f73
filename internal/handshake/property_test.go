package handshake

import (
	mrand "math/rand/v2"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestPropertyUnreliableNetwork runs a handshake over a network that loses, duplicates, delays
// and reorders datagrams at random. Whatever happens, the initiator either completes with keys
// that match one of the responder's sessions, or gives up cleanly after RekeyAttemptTime; neither
// side's state grows beyond its limits.
func TestPropertyUnreliableNetwork(t *testing.T) {
	a, b := pair(t)
	var completed, gaveUp int
	defer func() { t.Logf("%d runs completed, %d gave up", completed, gaveUp) }()
	rapid.Check(t, func(rt *rapid.T) {
		a.m, b.m = a.newMachine(t, testNetworkID, Limits{}), b.newMachine(t, testNetworkID, Limits{})
		// Seeded randomness makes indices and jitter, and so the run, reproducible.
		seed := rapid.Uint64().Draw(rt, "seed")
		a.m.rand = mrand.NewChaCha8([32]byte{0: 1, 8: byte(seed), 9: byte(seed >> 8), 10: byte(seed >> 16)})
		b.m.rand = mrand.NewChaCha8([32]byte{0: 2, 8: byte(seed), 9: byte(seed >> 8), 10: byte(seed >> 16)})
		if rapid.Bool().Draw(rt, "responder under load") {
			b.m.SetUnderLoad(true)
		}
		var peer *PeerCert
		if !rapid.Bool().Draw(rt, "fetch certificate") {
			peer = b.cert
		}
		lossPercent := rapid.IntRange(0, 40).Draw(rt, "loss %")
		dupPercent := rapid.IntRange(0, 20).Draw(rt, "duplication %")
		maxDelay := rapid.IntRange(10, 2000).Draw(rt, "max delay ms")
		// The network's choices come from a generator seeded by rapid, uniformly distributed.
		rng := mrand.New(mrand.NewPCG(seed, 7))
		now := t0
		dgs, err := a.m.Initiate(now, b.addr, peer)
		if err != nil {
			rt.Fatal(err)
		}
		inflight := packets(a.addr, dgs)
		var ea *Established
		var ebs []*Established
		for step := 0; ea == nil; step++ {
			if step > 100000 {
				rt.Fatal("no progress")
			}
			now = now.Add(time.Duration(rng.IntN(maxDelay)) * time.Millisecond)
			if d := a.m.NextDeadline(); len(inflight) == 0 && d.After(now) {
				now = d // nothing in flight: skip to the next retransmission
			}
			if len(inflight) == 0 && a.m.NextDeadline().IsZero() {
				break // the initiator gave up
			}
			if now.Sub(t0) > 2*RekeyAttemptTime+time.Minute {
				rt.Fatal("the initiator neither completed nor gave up") // fetch and handshake each get RekeyAttemptTime
			}
			for _, p := range []*party{a, b} {
				if d := p.m.NextDeadline(); !d.IsZero() && !now.Before(d) {
					inflight = append(inflight, packets(p.addr, p.m.Tick(now))...)
				}
			}
			if len(inflight) == 0 {
				continue
			}
			i := rng.IntN(len(inflight)) // any datagram in flight may overtake the others
			pk := inflight[i]
			inflight = append(inflight[:i], inflight[i+1:]...)
			if rng.IntN(100) < lossPercent {
				continue
			}
			if rng.IntN(100) < dupPercent {
				inflight = append(inflight, pk)
			}
			dst, src := b, a
			if pk.To == a.addr {
				dst, src = a, b
			}
			res, _ := dst.m.Receive(now, src.addr, pk.Data)
			if res.Established != nil {
				if dst == a {
					ea = res.Established
				} else {
					ebs = append(ebs, res.Established)
				}
			}
			inflight = append(inflight, packets(dst.addr, res.Send)...)
			for _, p := range []*party{a, b} {
				s := p.m.Stats()
				if s.Reassemblies > MaxReassemblies || s.PendingHandshakes+s.PendingCertFetches > 1 {
					rt.Fatalf("%s state: %+v", p.name, s)
				}
			}
		}
		if sb := b.m.Stats(); sb.PendingHandshakes+sb.PendingCertFetches != 0 {
			rt.Fatalf("responder holds handshake state: %+v", sb)
		}
		if ea == nil {
			// A clean timeout: nothing pending, and the give-up was counted.
			if s := a.m.Stats(); s.PendingHandshakes+s.PendingCertFetches != 0 || s.GaveUp != 1 {
				rt.Fatalf("initiator did not give up cleanly: %+v", s)
			}
			gaveUp++
			return
		}
		if s := a.m.Stats(); s.PendingHandshakes+s.PendingCertFetches != 0 {
			rt.Fatalf("initiator keeps state after completing: %+v", s)
		}
		for _, eb := range ebs {
			if eb.LocalIndex == ea.RemoteIndex {
				if eb.SendKey != ea.RecvKey || eb.RecvKey != ea.SendKey || eb.RemoteIndex != ea.LocalIndex {
					rt.Fatal("keys do not match")
				}
				completed++
				return
			}
		}
		rt.Fatal("the initiator completed a handshake the responder never answered")
	})
}
