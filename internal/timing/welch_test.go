package timing

import (
	"math"
	"testing"

	"pgregory.net/rapid"
)

func welchOf(a, b []float64) *Welch {
	var w Welch
	for _, x := range a {
		w.Push(0, x)
	}
	for _, x := range b {
		w.Push(1, x)
	}
	return &w
}

func TestWelchKnownAnswers(t *testing.T) {
	tests := []struct {
		name string
		a, b []float64
		want float64
	}{
		// means 3 and 6, variances 2.5 and 10: t = -3 / sqrt(2.5/5 + 10/5) = -3/sqrt(2.5).
		{"hand", []float64{1, 2, 3, 4, 5}, []float64{2, 4, 6, 8, 10}, -3 / math.Sqrt(2.5)},
		// The first example of Wikipedia's "Welch's t-test" article (t = -2.46), to full precision
		// by the textbook two-pass formula.
		{"wikipedia 1",
			[]float64{27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4},
			[]float64{27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4},
			-2.45535639828601},
		// Unequal sizes: means 2 and 0, variances 1 and 2/3: t = 2 / sqrt(1/3 + (2/3)/4).
		{"unequal sizes", []float64{1, 2, 3}, []float64{-1, 0, 1, 0}, 2 / math.Sqrt(1.0/3+(2.0/3)/4)},
		{"equal constants", []float64{7, 7, 7}, []float64{7, 7}, 0},
		{"different constants", []float64{8, 8}, []float64{7, 7}, math.Inf(1)},
		{"different constants, negative", []float64{6, 6}, []float64{7, 7}, math.Inf(-1)},
		{"one sample", []float64{1}, []float64{1, 2, 3}, 0},
		{"empty", nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := welchOf(tt.a, tt.b).T()
			if got != tt.want && math.Abs(got-tt.want) > 1e-12*math.Abs(tt.want) {
				t.Fatalf("T = %.15g, want %.15g", got, tt.want)
			}
		})
	}
}

func TestWelchCounts(t *testing.T) {
	w := welchOf([]float64{1, 3}, []float64{10, 20, 30})
	w.Push(5, 40) // any non-zero class is class 1
	if w.N(0) != 2 || w.N(1) != 4 || w.Mean(0) != 2 || w.Mean(1) != 25 {
		t.Fatalf("N %d %d, Mean %v %v", w.N(0), w.N(1), w.Mean(0), w.Mean(1))
	}
}

// TestWelchMatchesTwoPass compares the online (Welford) statistic with the two-pass textbook
// formula on random samples.
func TestWelchMatchesTwoPass(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		gen := rapid.SliceOfN(rapid.Float64Range(-1e6, 1e6), 2, 200)
		a, b := gen.Draw(t, "a"), gen.Draw(t, "b")
		mv := func(x []float64) (m, v float64) {
			for _, y := range x {
				m += y
			}
			m /= float64(len(x))
			for _, y := range x {
				v += (y - m) * (y - m)
			}
			return m, v / float64(len(x)-1)
		}
		ma, va := mv(a)
		mb, vb := mv(b)
		den := math.Sqrt(va/float64(len(a)) + vb/float64(len(b)))
		if den < 1e-3 {
			t.Skip("degenerate samples")
		}
		want := (ma - mb) / den
		got := welchOf(a, b).T()
		if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Fatalf("online %v, two-pass %v", got, want)
		}
	})
}

func TestVerdict(t *testing.T) {
	tests := []struct {
		t    float64
		want Outcome
	}{
		{0, NoLeakDetected},
		{-4.5, NoLeakDetected},
		{4.5, NoLeakDetected},
		{4.51, Inconclusive},
		{-10, Inconclusive},
		{10.01, LeakLikely},
		{-250, LeakLikely},
		{math.Inf(1), LeakLikely},
		{math.NaN(), Inconclusive},
	}
	for _, tt := range tests {
		if got := Verdict(tt.t); got != tt.want {
			t.Errorf("Verdict(%v) = %v, want %v", tt.t, got, tt.want)
		}
	}
	for o, s := range map[Outcome]string{NoLeakDetected: "no leak detected", Inconclusive: "inconclusive",
		LeakLikely: "leak likely", Outcome(7): "Outcome(7)"} {
		if o.String() != s {
			t.Errorf("%d.String() = %q", int(o), o.String())
		}
	}
	if (Result{MaxT: 11}).Outcome() != LeakLikely {
		t.Error("Result.Outcome")
	}
}
