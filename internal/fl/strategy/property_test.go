package strategy

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// drawRound draws a global model and n updates of dimension d with values
// from vals.
func drawRound(t *rapid.T, n, d int, vals *rapid.Generator[float64]) ([]float64, []Update) {
	global := rapid.SliceOfN(rapid.Float64Range(-100, 100), d, d).Draw(t, "global")
	ups := make([]Update, n)
	for i := range ups {
		ups[i] = Update{
			ClientID:   fmt.Sprintf("client-%03d", i),
			NumSamples: rapid.IntRange(1, 1000).Draw(t, "samples"),
			Vector:     rapid.SliceOfN(vals, d, d).Draw(t, "vector"),
		}
	}
	return global, ups
}

// TestPermutationInvariance checks that every strategy returns bit-for-bit
// the same model for any order of the same updates.
func TestPermutationInvariance(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(7, 12).Draw(t, "n")
		d := rapid.IntRange(1, 6).Draw(t, "d")
		global, ups := drawRound(t, n, d, rapid.Float64Range(-1e3, 1e3))
		perm := rapid.Permutation(ups).Draw(t, "perm")
		first, second := allStrategies(t), allStrategies(t)
		for k := range first {
			a, err := first[k].Aggregate(global, ups)
			if err != nil {
				t.Fatalf("%s: %v", first[k].Name(), err)
			}
			b, err := second[k].Aggregate(global, perm)
			if err != nil {
				t.Fatalf("%s: %v", first[k].Name(), err)
			}
			if !slices.Equal(a, b) {
				t.Fatalf("%s: %v for one order, %v for another", first[k].Name(), a, b)
			}
		}
	})
}

// TestIdenticalUpdates checks that when every client sends the same delta
// v, the averaging and robust rules all return global + v.
func TestIdenticalUpdates(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(7, 20).Draw(t, "n")
		d := rapid.IntRange(1, 8).Draw(t, "d")
		global := rapid.SliceOfN(rapid.Float64Range(-100, 100), d, d).Draw(t, "global")
		v := rapid.SliceOfN(rapid.Float64Range(-1e6, 1e6), d, d).Draw(t, "v")
		ups := make([]Update, n)
		for i := range ups {
			ups[i] = Update{ClientID: fmt.Sprint(i), NumSamples: rapid.IntRange(1, 1e6).Draw(t, "samples"), Vector: v}
		}
		want := make([]float64, d)
		for j := range want {
			want[j] = global[j] + v[j]
		}
		for _, s := range []Strategy{FedAvg{}, FedProx{Mu: 1}, Median{}, TrimmedMean{Beta: 0.2},
			Krum{F: 2}, MultiKrum{F: 2}, Bulyan{F: 1}, GeometricMedian{}} {
			got, err := s.Aggregate(global, ups)
			if err != nil {
				t.Fatalf("%s: %v", s.Name(), err)
			}
			for j := range got {
				if math.Abs(got[j]-want[j]) > 1e-9*math.Max(1, math.Abs(want[j])) {
					t.Fatalf("%s: got %v, want %v", s.Name(), got, want)
				}
			}
		}
	})
}

// byzantineRound draws n-f honest deltas near a centre and f arbitrary
// ones. The honest ones are the first n-f of the returned updates, which
// are then shuffled.
func byzantineRound(t *rapid.T, n, f, d int) (honest [][]float64, all []Update) {
	centre := rapid.SliceOfN(rapid.Float64Range(-10, 10), d, d).Draw(t, "centre")
	byz := rapid.OneOf(
		rapid.Float64Range(-MaxAbsValue, MaxAbsValue),
		rapid.Float64Range(-1e3, 1e3),
		rapid.Just(MaxAbsValue),
		rapid.Just(-MaxAbsValue),
	)
	for i := range n {
		v := make([]float64, d)
		if i < n-f {
			for j := range v {
				v[j] = centre[j] + rapid.Float64Range(-1, 1).Draw(t, "honest")
			}
			honest = append(honest, v)
		} else {
			for j := range v {
				v[j] = byz.Draw(t, "byzantine")
			}
		}
		all = append(all, Update{ClientID: fmt.Sprintf("c%02d", i), NumSamples: 1, Vector: v})
	}
	return honest, rapid.Permutation(all).Draw(t, "order")
}

// honestBox returns the coordinate-wise minimum and maximum of vs.
func honestBox(vs [][]float64) (lo, hi []float64) {
	lo, hi = slices.Clone(vs[0]), slices.Clone(vs[0])
	for _, v := range vs[1:] {
		for j, x := range v {
			lo[j], hi[j] = min(lo[j], x), max(hi[j], x)
		}
	}
	return lo, hi
}

// slack is the rounding allowance of the bounds below.
const slack = 1e-9

// TestCoordinateRulesStayInHonestRange checks that with f arbitrary
// Byzantine updates the median (2f < n) and the trimmed mean (f <= k)
// keep every coordinate within the range of the honest values, and that
// Bulyan (n >= 4f+3) keeps it within that range widened by its width.
func TestCoordinateRulesStayInHonestRange(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(3, 25).Draw(t, "n")
		d := rapid.IntRange(1, 5).Draw(t, "d")
		f := rapid.IntRange(0, (n-1)/2).Draw(t, "f")
		honest, ups := byzantineRound(t, n, f, d)
		global := make([]float64, d)
		lo, hi := honestBox(honest)

		check := func(s Strategy, widen bool) {
			got, err := s.Aggregate(global, ups)
			if err != nil {
				t.Fatalf("%s: %v", s.Name(), err)
			}
			for j, x := range got {
				w := 0.0
				if widen {
					w = hi[j] - lo[j]
				}
				if x < lo[j]-w-slack || x > hi[j]+w+slack {
					t.Fatalf("%s: coordinate %d = %v outside honest range [%v, %v] (+/- %v)", s.Name(), j, x, lo[j], hi[j], w)
				}
			}
		}
		check(Median{}, false)
		// The smallest Beta with floor(Beta*n) >= f.
		check(TrimmedMean{Beta: float64(f) / float64(n)}, false)
		if n >= 4*f+3 {
			check(Bulyan{F: f}, true)
		}
	})
}

// TestKrumBound checks the deterministic guarantee behind Krum: when n >=
// 2f+3, every update Krum or Multi-Krum selects has a score at most
// k*D^2, where k = n-f-2 and D is the honest diameter, and at least one
// honest update among its k nearest; so the aggregate lies within
// (sqrt(k)+1)*D of the honest mean.
func TestKrumBound(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := rapid.IntRange(0, 5).Draw(t, "f")
		n := rapid.IntRange(2*f+3, 2*f+10).Draw(t, "n")
		d := rapid.IntRange(1, 5).Draw(t, "d")
		honest, ups := byzantineRound(t, n, f, d)
		global := make([]float64, d)

		var diam float64
		for a := range honest {
			for b := range honest {
				diam = max(diam, math.Sqrt(sqDist(honest[a], honest[b])))
			}
		}
		hMean := make([]float64, d)
		for _, h := range honest {
			axpy(hMean, 1/float64(len(honest)), h)
		}
		bound := (math.Sqrt(float64(n-f-2))+1)*diam + slack
		m := rapid.IntRange(0, n-f).Draw(t, "m")
		for _, s := range []Strategy{Krum{F: f}, MultiKrum{F: f, M: m}} {
			got, err := s.Aggregate(global, ups)
			if err != nil {
				t.Fatalf("%s: %v", s.Name(), err)
			}
			if dist := math.Sqrt(sqDist(got, hMean)); dist > bound {
				t.Fatalf("%s: %v from the honest mean, bound %v", s.Name(), dist, bound)
			}
		}
	})
}

// TestGeometricMedianInHull checks that the geometric median, a convex
// combination of the deltas, stays within their bounding box, and that it
// is translation equivariant.
func TestGeometricMedianInHull(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 12).Draw(t, "n")
		d := rapid.IntRange(1, 5).Draw(t, "d")
		_, ups := drawRound(t, n, d, rapid.Float64Range(-1e3, 1e3))
		vs := make([][]float64, n)
		for i, u := range ups {
			vs[i] = u.Vector
		}
		lo, hi := honestBox(vs)
		zero := make([]float64, d)
		gm := GeometricMedian{WeightBySamples: rapid.Bool().Draw(t, "weighted")}
		got, err := gm.Aggregate(zero, ups)
		if err != nil {
			t.Fatal(err)
		}
		for j, x := range got {
			if x < lo[j]-1e-9*math.Abs(lo[j])-slack || x > hi[j]+1e-9*math.Abs(hi[j])+slack {
				t.Fatalf("coordinate %d = %v outside [%v, %v]", j, x, lo[j], hi[j])
			}
		}
		// Shifting every delta by c shifts the result by c.
		c := rapid.SliceOfN(rapid.Float64Range(-100, 100), d, d).Draw(t, "shift")
		shifted := make([]Update, n)
		for i, u := range ups {
			v := slices.Clone(u.Vector)
			for j := range v {
				v[j] += c[j]
			}
			shifted[i] = Update{ClientID: u.ClientID, NumSamples: u.NumSamples, Vector: v}
		}
		got2, err := gm.Aggregate(zero, shifted)
		if err != nil {
			t.Fatal(err)
		}
		for j := range got {
			if math.Abs(got2[j]-got[j]-c[j]) > 1e-6*(1+math.Abs(hi[j]-lo[j])) {
				t.Fatalf("not translation equivariant: %v vs %v + %v", got2, got, c)
			}
		}
	})
}
