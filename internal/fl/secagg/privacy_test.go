package secagg

import (
	"math"
	"slices"
	"testing"
)

// chiSquareUniform returns the chi-square statistic of the top bytes of
// the words of v against the uniform distribution on 256 values.
func chiSquareUniform(v []uint32) float64 {
	var c [256]float64
	for _, w := range v {
		c[w>>24]++
	}
	e := float64(len(v)) / 256
	var x float64
	for _, o := range c {
		x += (o - e) * (o - e) / e
	}
	return x
}

// chiSquareTwoSample returns the chi-square homogeneity statistic of the
// top-byte histograms of a and b (equal lengths).
func chiSquareTwoSample(a, b []uint32) float64 {
	var ca, cb [256]float64
	for i := range a {
		ca[a[i]>>24]++
		cb[b[i]>>24]++
	}
	var x float64
	for i := range ca {
		if s := ca[i] + cb[i]; s > 0 {
			x += (ca[i] - cb[i]) * (ca[i] - cb[i]) / s
		}
	}
	return x
}

// chiBound is a generous bound for a chi-square statistic with 255
// degrees of freedom (mean 255, standard deviation 22.6): it is exceeded
// by chance with probability below 1e-9.
const chiBound = 420

// TestMaskedInputLooksUniform gives two clients extreme, different inputs
// (all -Clip and all +Clip) and checks that what the server receives from
// each is indistinguishable from uniform words and from each other, while
// the same check flags the unmasked inputs (so the test can fail).
func TestMaskedInputLooksUniform(t *testing.T) {
	const d = 20000
	p := testParams(5, d, 0)
	r := newRound(t, p, 5, nil, 11)
	a, b := r.ids[0], r.ids[1]
	for i := range d {
		r.inputs[a][i] = -1
		r.inputs[b][i] = 1
	}
	if _, err := r.run(t); err != nil {
		t.Fatal(err)
	}
	ya, yb := r.trans.masked[a], r.trans.masked[b]
	for _, y := range [][]uint32{ya, yb} {
		if x := chiSquareUniform(y); x > chiBound {
			t.Errorf("masked input is not uniform: chi-square %.1f > %d", x, chiBound)
		}
	}
	if x := chiSquareTwoSample(ya, yb); x > chiBound {
		t.Errorf("masked inputs of different inputs differ: chi-square %.1f > %d", x, chiBound)
	}
	q, _ := NewQuantizer(p.Clip, p.Scale)
	xa, xb := make([]uint32, d), make([]uint32, d)
	_ = q.Encode(xa, r.inputs[a])
	_ = q.Encode(xb, r.inputs[b])
	for _, x := range [][]uint32{xa, xb} {
		if c := chiSquareUniform(x); c < chiBound {
			t.Errorf("the test has no power: a plain input passes with chi-square %.1f", c)
		}
	}
}

// TestTranscriptHidesSingleInputs checks, on the server's transcript of a
// round with dropouts, that no client's input can be recomputed:
//   - no client ever revealed both kinds of share of the same peer;
//   - removing a surviving client's self mask (which the server
//     legitimately reconstructs) leaves uniform-looking words, not its
//     input, because the pairwise masks remain;
//   - t-1 self-mask shares do not give the self mask, and t-1 recovery
//     shares do not open the escrows of a dropped client's seeds;
//
// and, as a control, that with t shares of both kinds (taken from the
// clients, which the server never gets) the input does come out.
func TestTranscriptHidesSingleInputs(t *testing.T) {
	const n, d = 9, 5000
	p := testParams(n, d, 0)
	dropped := ClientID(10)
	r := newRound(t, p, n, map[ClientID]int{dropped: dropBeforeMask}, 21)
	if _, err := r.run(t); err != nil {
		t.Fatal(err)
	}
	kinds := map[ClientID]map[ShareKind]int{}
	shares := map[ClientID][]point{}
	for _, resp := range r.trans.responses {
		for _, s := range resp.Shares {
			if kinds[s.Owner] == nil {
				kinds[s.Owner] = map[ShareKind]int{}
			}
			kinds[s.Owner][s.Kind]++
			shares[s.Owner] = append(shares[s.Owner], point{x: resp.From, y: elt(s.Share)})
		}
	}
	for owner, k := range kinds {
		if k[SelfMaskShare] > 0 && k[RecoveryShare] > 0 {
			t.Fatalf("the server got both kinds of shares of client %d: %v", owner, k)
		}
	}
	if kinds[dropped][SelfMaskShare] != 0 || kinds[dropped][RecoveryShare] < p.Threshold {
		t.Fatalf("dropped client's shares: %v", kinds[dropped])
	}

	q, _ := NewQuantizer(p.Clip, p.Scale)
	u := r.ids[0]
	x := make([]uint32, d)
	_ = q.Encode(x, r.inputs[u])
	rec := newReconstructor(p.Threshold)
	b, err := rec.secret(u, SelfMaskShare, shares[u])
	if err != nil {
		t.Fatal(err)
	}
	y := slices.Clone(r.trans.masked[u])
	bk := [SecretSize]byte(b)
	addMask(y, &bk, true)
	if same := countEqual(y, x); same > d/100 {
		t.Fatalf("without pairwise masks removed, %d of %d words equal the input", same, d)
	}
	if c := chiSquareUniform(y); c > chiBound {
		t.Fatalf("input minus self mask is not uniform: chi-square %.1f", c)
	}

	// t-1 shares interpolate to something else.
	short := newReconstructor(p.Threshold - 1)
	if b2, _ := short.secret(u, SelfMaskShare, shares[u]); b2 == b {
		t.Fatal("t-1 self-mask shares gave the self mask")
	}
	r2, _ := short.secret(dropped, RecoveryShare, shares[dropped])
	rk := [SecretSize]byte(r2)
	esc := r.trans.shareKeys[dropped].Shares[0]
	if _, err := open(&rk, esc.To, adFor(labelEscrowAD, p.Round, dropped, esc.To), esc.Escrow); err == nil {
		t.Fatal("t-1 recovery shares opened an escrow")
	}

	// Control: with t recovery shares of u as well (held by the clients,
	// never sent), u's escrows open and its input is recovered exactly.
	var pts []point
	for _, v := range r.ids[1:] {
		if v != dropped && len(pts) < p.Threshold {
			pts = append(pts, point{x: v, y: r.clients[v].held[u].recovery})
		}
	}
	ru, err := rec.secret(u, RecoveryShare, pts)
	if err != nil {
		t.Fatal(err)
	}
	ruk := [SecretSize]byte(ru)
	for _, e := range r.trans.shareKeys[u].Shares {
		seed, err := open(&ruk, e.To, adFor(labelEscrowAD, p.Round, u, e.To), e.Escrow)
		if err != nil {
			t.Fatal(err)
		}
		addMask(y, (*[SecretSize]byte)(seed), e.To > u)
	}
	if !slices.Equal(y, x) {
		t.Fatal("control failed: both kinds of shares did not unmask the input")
	}
}

// countEqual counts the positions where a and b agree.
func countEqual(a, b []uint32) int {
	n := 0
	for i := range a {
		if a[i] == b[i] {
			n++
		}
	}
	return n
}

// TestClientRefusesDoubleReveal checks the core privacy rule, within one
// request and across requests, and that a malicious server that splits the
// clients (telling some that u is alive and others that it dropped)
// cannot reach t shares of both kinds, because t is more than half.
func TestClientRefusesDoubleReveal(t *testing.T) {
	const n = 7
	p := testParams(n, 10, 0)
	r := newRound(t, p, n, map[ClientID]int{22: dropBeforeReply}, 4)
	if _, err := r.run(t); err != nil {
		t.Fatal(err)
	}
	c := r.clients[4]
	others := r.ids[1:]
	t.Run("same request", func(t *testing.T) {
		req := &UnmaskRequest{Round: p.Round, To: 4, Alive: r.ids, Dropped: []ClientID{others[2]}}
		_, err := c.HandleUnmaskRequest(req)
		mustErr(t, err, ErrDoubleReveal)
	})
	t.Run("later request", func(t *testing.T) {
		// Client 4 already revealed self-mask shares of everyone (the
		// honest request). Now the server claims 7 dropped.
		alive := slices.DeleteFunc(slices.Clone(r.ids), func(id ClientID) bool { return id == 7 })
		req := &UnmaskRequest{Round: p.Round, To: 4, Alive: alive, Dropped: []ClientID{7}}
		_, err := c.HandleUnmaskRequest(req)
		mustErr(t, err, ErrDoubleReveal)
	})
	t.Run("split attack", func(t *testing.T) {
		// A fresh round in which the server lies about client u = 4 to
		// every other client; each answers, and the kinds are counted.
		r := newRound(t, p, n, nil, 5)
		r.drop = map[ClientID]int{}
		for _, id := range r.ids {
			r.drop[id] = dropBeforeReply // stop before the honest round 4
		}
		_, _ = r.run(t)
		u := ClientID(4)
		got := map[ShareKind]int{}
		for i, v := range r.ids[1:] {
			alive := slices.Clone(r.ids)
			var dropped []ClientID
			if i%2 == 1 {
				alive = slices.DeleteFunc(alive, func(id ClientID) bool { return id == u })
				dropped = []ClientID{u}
			}
			resp, err := r.clients[v].HandleUnmaskRequest(&UnmaskRequest{Round: p.Round, To: v, Alive: alive, Dropped: dropped})
			if err != nil {
				continue
			}
			for _, s := range resp.Shares {
				if s.Owner == u {
					got[s.Kind]++
				}
			}
		}
		if got[SelfMaskShare] >= p.Threshold && got[RecoveryShare] >= p.Threshold {
			t.Fatalf("split attack collected %v shares of client %d with t = %d", got, u, p.Threshold)
		}
		if math.Max(float64(got[SelfMaskShare]), float64(got[RecoveryShare])) == 0 {
			t.Fatal("no shares collected at all: the attack was not run")
		}
	})
}
