package dp

import (
	"errors"
	"math"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

func relErr(got, want float64) float64 { return math.Abs(got-want) / math.Abs(want) }

// TestOpacusReference reproduces the reference value of Opacus'
// tests/accountants_test.py (test_rdp_accountant): sigma 1.5, q 0.04,
// int(90/0.04) = 2250 steps, delta 1e-5, default orders.
func TestOpacusReference(t *testing.T) {
	g, err := ComputeEpsilon(Mechanism{SamplingRate: 0.04, NoiseMultiplier: 1.5, Steps: 2250}, 1e-5, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := relErr(g.Epsilon, 7.32911117143); e > 1e-6 {
		t.Fatalf("epsilon = %.12g, want 7.32911117143 (relative error %.2g)", g.Epsilon, e)
	}
	if g.Order != 3.9 || g.Delta != 1e-5 || g.OrderAtEdge {
		t.Fatalf("got %+v, want order 3.9 inside the range", g)
	}
}

// TestOpacusAlgorithmValues compares with values computed by the algorithm
// of Opacus' opacus/accountants/analysis/rdp.py (compute_rdp and
// get_privacy_spent, default orders), run in Python with SciPy 1.10.1.
func TestOpacusAlgorithmValues(t *testing.T) {
	tests := []struct {
		q, sigma float64
		steps    int
		delta    float64
		eps      float64
		order    float64
	}{
		{0.01, 1.1, 10000, 1e-5, 5.63199236854841, 4.7},
		{0.001, 0.8, 100000, 1e-6, 3.18780445899463, 7.4},
		{0.5, 2.0, 100, 1e-5, 15.392464192991, 2.6},
		{0.9, 5.0, 50, 1e-3, 4.78210748309859, 3.6},
		{0.1, 0.5, 10, 1e-5, 14.4183270098293, 2},
		{1.0, 3.0, 100, 1e-5, 20.3925202094695, 2.4},
		{1e-5, 1.0, 1000000, 1e-5, 0.356423177561294, 22},
		{0.3, 10.0, 1000, 1e-8, 5.78982911015919, 7},
		{0.02, 0.7, 500, 0.5, 0.368307869796583, 1.6},
	}
	for _, tc := range tests {
		g, err := ComputeEpsilon(Mechanism{SamplingRate: tc.q, NoiseMultiplier: tc.sigma, Steps: tc.steps}, tc.delta, nil)
		if err != nil {
			t.Fatal(err)
		}
		if relErr(g.Epsilon, tc.eps) > 1e-8 || g.Order != tc.order {
			t.Errorf("q=%v sigma=%v steps=%d delta=%v: got %.15g at order %v, want %.15g at %v",
				tc.q, tc.sigma, tc.steps, tc.delta, g.Epsilon, g.Order, tc.eps, tc.order)
		}
	}
}

// TestFullBatch checks q = 1, the plain Gaussian mechanism, against
// alpha/(2 sigma^2), and that the subsampled series approaches it as
// q -> 1.
func TestFullBatch(t *testing.T) {
	orders := []float64{1.5, 2, 3, 7.25, 32, 256}
	for _, sigma := range []float64{0.5, 1, 4} {
		got, err := RDP(Mechanism{SamplingRate: 1, NoiseMultiplier: sigma, Steps: 3}, orders)
		if err != nil {
			t.Fatal(err)
		}
		near, err := RDP(Mechanism{SamplingRate: 1 - 1e-9, NoiseMultiplier: sigma, Steps: 3}, orders)
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range orders {
			want := 3 * a / (2 * sigma * sigma)
			if got[i] != want {
				t.Errorf("sigma %v order %v: RDP %v, want %v", sigma, a, got[i], want)
			}
			if relErr(near[i], want) > 1e-6 {
				t.Errorf("sigma %v order %v: RDP at q = 1-1e-9 is %v, want about %v", sigma, a, near[i], want)
			}
		}
	}
}

// bruteForceLogA integrates A_alpha = E_{z~N(0,sigma^2)} [((1-q) + q
// exp((2z-1)/(2 sigma^2)))^alpha] numerically with Simpson's rule. It
// integrates A_alpha - 1 (the integrand minus the density), split at
// z = 1/2 into a negative part, integrated directly, and a positive part,
// integrated in log space; so it stays accurate for tiny RDP values and
// cannot overflow for large ones.
func bruteForceLogA(q, sigma, alpha float64) float64 {
	s2 := sigma * sigma
	logPhi := func(z float64) float64 { return -z*z/(2*s2) - math.Log(sigma*math.Sqrt(2*math.Pi)) }
	// log(1 + q*(exp(u) - 1)), the log of the likelihood ratio.
	logRatio := func(z float64) float64 {
		u := (2*z - 1) / (2 * s2)
		if u < 700 {
			return math.Log1p(q * math.Expm1(u))
		}
		return logAdd(math.Log1p(-q), math.Log(q)+u)
	}
	h := sigma / 400
	simpson := func(lo, hi float64, f func(float64) float64) (sum float64, n int) {
		n = int(math.Ceil((hi-lo)/h)) &^ 1
		step := (hi - lo) / float64(n)
		for k := 0; k <= n; k++ {
			w := 2.0
			switch {
			case k == 0 || k == n:
				w = 1
			case k%2 == 1:
				w = 4
			}
			sum += w * f(lo+float64(k)*step)
		}
		return sum * step / 3, n
	}
	// Negative part: z in [-40 sigma, 1/2], integrand in (-phi, 0].
	neg, _ := simpson(-40*sigma, 0.5, func(z float64) float64 {
		return math.Exp(logPhi(z)) * math.Expm1(alpha*logRatio(z))
	})
	// Positive part: z in [1/2, alpha + 40 sigma], in log space around the
	// largest value.
	hi := alpha + 40*sigma + 1
	logF := func(z float64) float64 {
		y := alpha * logRatio(z)
		if y <= 0 {
			return math.Inf(-1)
		}
		// log(expm1(y)) = y + log(-expm1(-y)).
		return logPhi(z) + y + math.Log(-math.Expm1(-y))
	}
	peak := math.Inf(-1)
	for z := 0.5; z <= hi; z += h {
		peak = max(peak, logF(z))
	}
	pos, _ := simpson(0.5, hi, func(z float64) float64 { return math.Exp(logF(z) - peak) })
	logPos := math.Log(pos) + peak
	if logPos < 700 {
		return math.Log1p(math.Exp(logPos) + neg)
	}
	return logPos + math.Log1p(math.Exp(-logPos)*(1+neg))
}

// TestBruteForce checks the series for integer and fractional orders
// against numerical integration of the definition of A_alpha. The largest
// differences, a few parts in 1e9, are at orders near 1, where the
// series' cut-off at exp(-30) is divided by alpha-1.
func TestBruteForce(t *testing.T) {
	tests := []struct{ q, sigma float64 }{{0.04, 1.5}, {0.5, 0.7}, {0.001, 2}, {0.9, 1}, {0.2, 4}}
	orders := []float64{1.1, 1.5, 2, 2.5, 3.9, 7.3, 16, 32.5}
	for _, tc := range tests {
		got, err := RDP(Mechanism{SamplingRate: tc.q, NoiseMultiplier: tc.sigma, Steps: 1}, orders)
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range orders {
			want := bruteForceLogA(tc.q, tc.sigma, a) / (a - 1)
			if e := relErr(got[i], want); e > 1e-8 {
				t.Errorf("q=%v sigma=%v order %v: series %.12g, integral %.12g (relative error %.2g)",
					tc.q, tc.sigma, a, got[i], want, e)
			}
		}
	}
}

// TestIntegerOrdersBothWays evaluates the fractional series at integer
// orders, where its coefficients vanish past alpha, and compares it with
// the binomial expansion.
func TestIntegerOrdersBothWays(t *testing.T) {
	for _, tc := range []struct{ q, sigma float64 }{{0.04, 1.5}, {0.3, 0.8}, {0.001, 3}} {
		for _, a := range []int{2, 3, 5, 10, 40} {
			frac, ok := logAFractional(tc.q, tc.sigma, float64(a))
			if !ok {
				t.Fatalf("q=%v sigma=%v alpha=%d: series failed", tc.q, tc.sigma, a)
			}
			if integer := logAInteger(tc.q, tc.sigma, a); relErr(frac, integer) > 1e-9 {
				t.Errorf("q=%v sigma=%v alpha=%d: fractional series %.15g, binomial %.15g", tc.q, tc.sigma, a, frac, integer)
			}
		}
	}
}

// TestLargeFractionalOrders covers fractional orders whose binomial terms
// peak late. Opacus' code stops the series at the first small term and so
// returns a negative RDP for q 0.5, sigma 100, order 63.5; here every case
// must match the integral.
func TestLargeFractionalOrders(t *testing.T) {
	for _, tc := range []struct{ q, sigma, alpha float64 }{
		{0.5, 100, 63.5}, {0.5, 30, 63.5}, {0.3, 100, 255.5}, {0.1, 20, 100.5}, {0.9, 100, 40.5}, {0.01, 10, 1000.5},
	} {
		got, err := RDP(Mechanism{SamplingRate: tc.q, NoiseMultiplier: tc.sigma, Steps: 1}, []float64{tc.alpha})
		if err != nil {
			t.Fatal(err)
		}
		if want := bruteForceLogA(tc.q, tc.sigma, tc.alpha) / (tc.alpha - 1); relErr(got[0], want) > 1e-8 {
			t.Errorf("q=%v sigma=%v order %v: RDP %v, integral %v", tc.q, tc.sigma, tc.alpha, got[0], want)
		}
		// The fallback bound is above the true value.
		if up := rdpNextInteger(tc.q, tc.sigma, tc.alpha); up < got[0] {
			t.Errorf("q=%v sigma=%v order %v: next-integer bound %v below %v", tc.q, tc.sigma, tc.alpha, up, got[0])
		}
	}
}

// TestRDPIncreasesWithOrder checks that RDP, a Rényi divergence, does not
// decrease with the order, across integer and fractional orders.
func TestRDPIncreasesWithOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := Mechanism{
			SamplingRate:    rapid.Float64Range(1e-6, 1).Draw(t, "q"),
			NoiseMultiplier: rapid.Float64Range(0.1, 1000).Draw(t, "sigma"),
			Steps:           1,
		}
		// Orders on a 0.01 grid: RDP at orders a few ulps apart is equal up to rounding.
		hundredths := rapid.SliceOfNDistinct(rapid.IntRange(101, 30000), 2, 8, rapid.ID[int]).Draw(t, "orders")
		orders := make([]float64, len(hundredths))
		for i, h := range hundredths {
			orders[i] = float64(h) / 100
		}
		orders = append(orders, math.Ceil(orders[0]), math.Floor(orders[1])+1)
		slices.Sort(orders)
		rdp, err := RDP(m, orders)
		if err != nil {
			t.Fatal(err)
		}
		// The fractional-order series is accurate to about 1e-9 relative, and to about 1e-16
		// absolute for RDP values near zero (cancellation in log space at orders close to 1),
		// so allow 1e-7 relative plus 1e-14 absolute: far below anything that moves epsilon.
		for i := 1; i < len(orders); i++ {
			if rdp[i] < rdp[i-1]*(1-1e-7)-1e-14 || rdp[i-1] < 0 {
				t.Fatalf("%+v: RDP %v at order %v but %v at %v", m, rdp[i-1], orders[i-1], rdp[i], orders[i])
			}
		}
	})
}

// TestMonotonicity checks that epsilon grows with the number of steps and
// the sampling rate and falls as the noise grows.
func TestMonotonicity(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := Mechanism{
			SamplingRate:    rapid.Float64Range(1e-4, 1).Draw(t, "q"),
			NoiseMultiplier: rapid.Float64Range(0.3, 20).Draw(t, "sigma"),
			Steps:           rapid.IntRange(1, 100000).Draw(t, "steps"),
		}
		delta := rapid.Float64Range(1e-10, 0.1).Draw(t, "delta")
		eps := func(m Mechanism) float64 {
			g, err := ComputeEpsilon(m, delta, nil)
			if err != nil {
				t.Fatalf("%+v: %v", m, err)
			}
			return g.Epsilon
		}
		base := eps(m)
		more := m
		more.Steps += rapid.IntRange(1, 100000).Draw(t, "extra steps")
		if e := eps(more); e < base {
			t.Fatalf("%d steps give epsilon %v, fewer (%d) give %v", more.Steps, e, m.Steps, base)
		}
		noisier := m
		noisier.NoiseMultiplier *= rapid.Float64Range(1.001, 10).Draw(t, "noise factor")
		if e := eps(noisier); e > base*(1+1e-12) {
			t.Fatalf("sigma %v gives epsilon %v, less noise (%v) gives %v", noisier.NoiseMultiplier, e, m.NoiseMultiplier, base)
		}
		denser := m
		denser.SamplingRate = min(1, m.SamplingRate*rapid.Float64Range(1.001, 10).Draw(t, "rate factor"))
		if e := eps(denser); e < base*(1-1e-12) {
			t.Fatalf("q %v gives epsilon %v, lower q (%v) gives %v", denser.SamplingRate, e, m.SamplingRate, base)
		}
	})
}

func TestInvalidMechanisms(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	good := Mechanism{SamplingRate: 0.1, NoiseMultiplier: 1, Steps: 1}
	tests := []struct {
		name string
		m    Mechanism
	}{
		{"sigma 0", Mechanism{0.1, 0, 1}},
		{"sigma negative", Mechanism{0.1, -1, 1}},
		{"sigma NaN", Mechanism{0.1, nan, 1}},
		{"sigma inf", Mechanism{0.1, inf, 1}},
		{"sigma tiny", Mechanism{0.1, MinNoiseMultiplier / 2, 1}},
		{"q 0", Mechanism{0, 1, 1}},
		{"q negative", Mechanism{-0.1, 1, 1}},
		{"q above 1", Mechanism{1.01, 1, 1}},
		{"q NaN", Mechanism{nan, 1, 1}},
		{"steps 0", Mechanism{0.1, 1, 0}},
		{"steps negative", Mechanism{0.1, 1, -5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ComputeEpsilon(tc.m, 1e-5, nil); !errors.Is(err, ErrInvalidParameter) {
				t.Fatalf("got %v, want ErrInvalidParameter", err)
			}
		})
	}
	for _, delta := range []float64{0, 1, -1e-5, 2, nan, inf} {
		if _, err := ComputeEpsilon(good, delta, nil); !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("delta %v: got %v, want ErrInvalidParameter", delta, err)
		}
	}
	for _, orders := range [][]float64{{}, {1}, {0.5}, {2, nan}, {inf}, {MaxOrder + 1}, make([]float64, MaxOrders+1)} {
		if _, err := RDP(good, orders); !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("orders %v: got %v, want ErrInvalidParameter", orders, err)
		}
	}
	if _, err := Epsilon([]float64{2, 3}, []float64{1}, 1e-5); !errors.Is(err, ErrInvalidParameter) {
		t.Errorf("length mismatch: got %v", err)
	}
	for _, r := range []float64{nan, -1} {
		if _, err := Epsilon([]float64{2}, []float64{r}, 1e-5); !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("RDP %v: got %v", r, err)
		}
	}
}

func TestEpsilonEdges(t *testing.T) {
	// Infinite RDP gives no guarantee.
	g, err := Epsilon([]float64{2, 3}, []float64{math.Inf(1), math.Inf(1)}, 1e-5)
	if err != nil || !math.IsInf(g.Epsilon, 1) {
		t.Fatalf("got %+v, %v; want +Inf", g, err)
	}
	// Zero RDP with a large delta converts to a negative number, reported
	// as 0: at order 2, -(log 0.9 + log 2) + log(1/2) < 0.
	g, err = Epsilon([]float64{2}, []float64{0}, 0.9)
	if err != nil || g.Epsilon != 0 || g.Order != 2 || g.OrderAtEdge {
		t.Fatalf("got %+v, %v; want epsilon 0 at order 2", g, err)
	}
	// Very little privacy loss is best bounded at the largest order.
	g, err = Epsilon(DefaultOrders(), make([]float64, len(DefaultOrders())), 1e-5)
	if err != nil || g.Order != 63 || !g.OrderAtEdge {
		t.Fatalf("got %+v, %v; want order 63 at the edge", g, err)
	}
	// The hand-computed conversion at one order: rdp 1 at alpha 2,
	// delta e^-10: 1 - (-10 + log 2)/1 + log(1/2) = 11 - 2 log 2.
	g, err = Epsilon([]float64{2}, []float64{1}, math.Exp(-10))
	if err != nil || relErr(g.Epsilon, 11-2*math.Ln2) > 1e-14 {
		t.Fatalf("got %+v, %v; want %v", g, err, 11-2*math.Ln2)
	}
}

func TestDefaultOrders(t *testing.T) {
	o := DefaultOrders()
	if len(o) != 151 || o[0] != 1.1 || o[98] != 10.9 || o[99] != 12 || o[150] != 63 {
		t.Fatalf("unexpected default orders %v", o)
	}
	o[0] = 99
	if DefaultOrders()[0] != 1.1 {
		t.Fatal("DefaultOrders returned shared state")
	}
}

func TestLogErfc(t *testing.T) {
	// Across the switch, the series agrees with math.Erfc where that is
	// still a normal number.
	for x := 15.0; x <= 26; x += 0.25 {
		want := math.Log(math.Erfc(x))
		x2 := x * x
		sum, term := 1.0, 1.0
		for k := 1; k <= erfcAsymptoticTerms; k++ {
			term *= -float64(2*k-1) / (2 * x2)
			sum += term
		}
		series := -x2 - math.Log(x) - 0.5*math.Log(math.Pi) + math.Log(sum)
		if relErr(series, want) > 1e-14 || relErr(logErfc(x), want) > 1e-14 {
			t.Errorf("x=%v: series %v, logErfc %v, log(Erfc) %v", x, series, logErfc(x), want)
		}
	}
	// Far beyond underflow:
	// log erfc(x) = -x^2 - log(x sqrt(pi)) - 1/(2x^2) + 5/(8x^4) + O(x^-6).
	for _, x := range []float64{50, 1e3, 1e6} {
		want := -x*x - math.Log(x*math.Sqrt(math.Pi)) - 1/(2*x*x) + 5/(8*x*x*x*x)
		if relErr(logErfc(x), want) > 1e-13 {
			t.Errorf("x=%v: %v, want %v", x, logErfc(x), want)
		}
	}
	if logErfc(-3) != math.Log(math.Erfc(-3)) {
		t.Error("negative argument")
	}
}

func TestLogSpace(t *testing.T) {
	ninf := math.Inf(-1)
	if got := logAdd(ninf, 2); got != 2 {
		t.Errorf("logAdd(-inf, 2) = %v", got)
	}
	if got := logAdd(math.Inf(1), math.Inf(1)); !math.IsInf(got, 1) {
		t.Errorf("logAdd(inf, inf) = %v", got)
	}
	if got := logAdd(math.Log(2), math.Log(3)); relErr(got, math.Log(5)) > 1e-15 {
		t.Errorf("logAdd = %v, want log 5", got)
	}
	for _, tc := range []struct{ x, y, want float64 }{
		{math.Log(5), math.Log(3), math.Log(2)},           // close: expm1 branch
		{math.Log(100), math.Log(1), math.Log(99)},        // far: log1p branch
		{1e-10, 0, 1e-10 + math.Log(-math.Expm1(-1e-10))}, // nearly equal
		{7, ninf, 7},
		{3, 3, ninf},
	} {
		got, ok := logSub(tc.x, tc.y)
		if !ok || !(got == tc.want || relErr(got, tc.want) < 1e-14) {
			t.Errorf("logSub(%v, %v) = %v, %v; want %v", tc.x, tc.y, got, ok, tc.want)
		}
	}
	if _, ok := logSub(1, 2); ok {
		t.Error("logSub(1, 2) succeeded")
	}
}
