package secagg

import (
	"math"
	"slices"
	"testing"
)

// checkRound runs a round and checks that the unmasked sum equals the
// plain sum of the quantised inputs of the contributors exactly.
func checkRound(t *testing.T, p Params, n int, drop map[ClientID]int, seed uint64) {
	t.Helper()
	r := newRound(t, p, n, drop, seed)
	res, err := r.run(t)
	if err != nil {
		t.Fatalf("round: %v", err)
	}
	want, ids := r.plainSum(t)
	if !slices.Equal(res.Contributors, ids) {
		t.Fatalf("contributors %v, want %v", res.Contributors, ids)
	}
	if !slices.Equal(res.Sum, want) {
		i := slices.IndexFunc(want, func(w uint32) bool { return true })
		for j := range want {
			if want[j] != res.Sum[j] {
				i = j
				break
			}
		}
		t.Fatalf("sum differs from the plain sum at index %d: %d != %d", i, res.Sum[i], want[i])
	}
	// The decoded sum is within n/(2*Scale) of the sum of clipped inputs.
	tol := float64(len(ids))/(2*p.Scale) + 1e-9
	for i := range p.Dim {
		var exact float64
		for _, id := range ids {
			exact += min(max(r.inputs[id][i], -p.Clip), p.Clip)
		}
		if d := math.Abs(res.Values[i] - exact); d > tol {
			t.Fatalf("decoded coordinate %d: %v, exact %v, error %v > %v", i, res.Values[i], exact, d, tol)
		}
	}
}

// dropFirst returns a drop map in which every step-th client of ids
// 3i+1 drops at stage s, f clients in all.
func dropSome(n, f, stage, step int) map[ClientID]int {
	m := map[ClientID]int{}
	for i := 0; i < f; i++ {
		m[ClientID(((i*step)%n+1)*3+1)] = stage
	}
	return m
}

func TestRoundExactSum(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n, d  int
		k     int
		drops int
		stage int
	}{
		{"n3", 3, 100, 0, 0, 0},
		{"n3-drop1-mask", 3, 100, 0, 1, dropBeforeMask},
		{"n4-drop1-reply", 4, 50, 0, 1, dropBeforeReply},
		{"n5-d10000", 5, 10000, 0, 0, 0},
		{"n7-drop2-mask", 7, 1000, 0, 2, dropBeforeMask},
		{"n10-d10000-drop3", 10, 10000, 0, 3, dropBeforeMask},
		{"n12-drop4-reply", 12, 300, 0, 4, dropBeforeReply},
		{"n15-drop5-mask", 15, 2000, 0, 5, dropBeforeMask},
		{"n20-d10000-drop6", 20, 10000, 0, 6, dropBeforeMask},
		{"n20-drop6-reply", 20, 500, 0, 6, dropBeforeReply},
		{"n9-drop2-keys", 9, 100, 0, 2, dropBeforeKeys},
		{"n9-drop2-share", 9, 100, 0, 2, dropBeforeShare},
		{"sparse-n20-k8", 20, 1000, 8, 0, 0},
		{"sparse-n20-k8-drop2", 20, 1000, 8, 2, dropBeforeMask},
		{"sparse-n16-k6-drop1-reply", 16, 200, 6, 1, dropBeforeReply},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testParams(tc.n, tc.d, tc.k)
			checkRound(t, p, tc.n, dropSome(tc.n, tc.drops, tc.stage, 3), uint64(tc.n*100+tc.drops))
		})
	}
}

func TestRoundMixedDrops(t *testing.T) {
	// Two clients drop before masking and two more before replying: the
	// server recovers pairwise masks of the first two and self masks of
	// the other two, with 8 of 12 answering (t = 8).
	p := testParams(12, 500, 0)
	drop := map[ClientID]int{4: dropBeforeMask, 13: dropBeforeMask, 22: dropBeforeReply, 37: dropBeforeReply}
	checkRound(t, p, 12, drop, 5)
}

func TestRoundBelowThreshold(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     int
		drops int
		stage int
	}{
		{"advertise", 6, 3, dropBeforeKeys},
		{"shares", 6, 3, dropBeforeShare},
		{"masked", 6, 3, dropBeforeMask},
		{"replies", 6, 3, dropBeforeReply},
		{"replies-n20", 20, 7, dropBeforeReply},
		{"masked-n20", 20, 7, dropBeforeMask},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testParams(tc.n, 10, 0)
			r := newRound(t, p, tc.n, dropSome(tc.n, tc.drops, tc.stage, 1), 3)
			_, err := r.run(t)
			mustErr(t, err, ErrBelowThreshold)
		})
	}
	t.Run("roster", func(t *testing.T) {
		p := testParams(5, 10, 0)
		r := newRound(t, p, 3, nil, 3)
		_, err := r.run(t)
		mustErr(t, err, ErrBelowThreshold)
	})
}
