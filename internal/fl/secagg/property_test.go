package secagg

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestRoundAllSizes checks the exact sum for every n from 3 to 20 at
// d = 10^4 with the largest tolerated number of dropouts, floor(n/3),
// all of them after the shares are distributed and before masking.
func TestRoundAllSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	for n := 3; n <= 20; n++ {
		p := testParams(n, 10000, 0)
		checkRound(t, p, n, dropSome(n, n/3, dropBeforeMask, 5), uint64(n))
	}
}

// TestRoundProperty draws n, d, the graph and up to floor(n/3) dropouts
// after masking (each before sending its masked input or before replying)
// and checks that the sum is exact.
func TestRoundProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(3, 20).Draw(rt, "n")
		d := rapid.IntRange(1, 2000).Draw(rt, "d")
		k := 0
		if n >= 9 && rapid.Bool().Draw(rt, "sparse") {
			k = 2 * rapid.IntRange(3, (n-2)/2).Draw(rt, "k/2")
		}
		p := testParams(n, d, k)
		p.Round = rapid.Uint64().Draw(rt, "round")
		ids := make([]ClientID, n)
		for i := range ids {
			ids[i] = ClientID((i+1)*3 + 1)
		}
		f := rapid.IntRange(0, n/3).Draw(rt, "dropouts")
		if k > 0 {
			// A sparse neighbourhood of k+1 tolerates floor((k+1)/3).
			f = min(f, (k+1)/3)
		}
		perm := rapid.Permutation(ids).Draw(rt, "order")
		drop := map[ClientID]int{}
		for _, id := range perm[:f] {
			drop[id] = rapid.SampledFrom([]int{dropBeforeMask, dropBeforeReply}).Draw(rt, "stage")
		}
		seed := rapid.Uint64().Draw(rt, "seed")
		r := newRound(rt, p, n, drop, seed)
		res, err := r.run(rt)
		if err != nil {
			rt.Fatalf("round: %v", err)
		}
		want, contributors := r.plainSum(rt)
		if !slices.Equal(res.Contributors, contributors) || !slices.Equal(res.Sum, want) {
			rt.Fatalf("sum of %v differs from the plain sum", contributors)
		}
	})
}

// TestShamirProperty checks that any t of the shares reconstruct the
// secret and that t-1 shares plus a wrong one do not.
func TestShamirProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		tt := rapid.IntRange(1, 12).Draw(rt, "t")
		n := rapid.IntRange(tt, 20).Draw(rt, "n")
		r := testRand(rapid.Uint64().Draw(rt, "seed"))
		secret, err := randomElt(r)
		if err != nil {
			rt.Fatal(err)
		}
		f, err := newPolynomial(r, secret, tt)
		if err != nil {
			rt.Fatal(err)
		}
		xs := rapid.SliceOfNDistinct(rapid.Uint32Min(1), n, n, rapid.ID).Draw(rt, "xs")
		pick := rapid.Permutation(xs).Draw(rt, "pick")[:tt]
		slices.Sort(pick)
		ids := make([]ClientID, tt)
		ys := make([]elt, tt)
		for i, x := range pick {
			ids[i] = ClientID(x)
			ys[i] = f.eval(ids[i])
		}
		if got := interpolate(lagrangeAtZero(ids), ys); got != secret {
			rt.Fatalf("t=%d shares give %v, want %v", tt, got, secret)
		}
		if tt > 1 {
			ys[0][0] ^= 1
			if got := interpolate(lagrangeAtZero(ids), ys); got == secret {
				rt.Fatal("a corrupted share still gives the secret")
			}
		}
	})
}
