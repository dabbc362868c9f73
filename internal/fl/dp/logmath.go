package dp

import "math"

// logAdd returns log(exp(x) + exp(y)).
func logAdd(x, y float64) float64 {
	a, b := min(x, y), max(x, y)
	if math.IsInf(a, -1) || math.IsInf(b, 1) {
		return b
	}
	return b + math.Log1p(math.Exp(a-b))
}

// logSub returns log(exp(x) - exp(y)) for x >= y, and ok = false when
// x < y, where the difference would be negative.
func logSub(x, y float64) (r float64, ok bool) {
	switch {
	case x < y:
		return 0, false
	case math.IsInf(y, -1):
		return x, true
	case x == y:
		return math.Inf(-1), true
	}
	// log(e^x - e^y) = x + log(1 - e^-(x-y)), evaluated as in Mächler,
	// "Accurately Computing log(1 - exp(-|a|))".
	d := x - y
	if d < math.Ln2 {
		return x + math.Log(-math.Expm1(-d)), true
	}
	return x + math.Log1p(-math.Exp(-d)), true
}

// logErfc returns log(erfc(x)), accurate also where erfc(x) underflows.
func logErfc(x float64) float64 {
	if x < erfcAsymptoticThreshold {
		return math.Log(math.Erfc(x))
	}
	// erfc(x) = exp(-x^2) / (x sqrt(pi)) * sum_k (-1)^k (2k-1)!! / (2x^2)^k.
	x2 := x * x
	sum, term := 1.0, 1.0
	for k := 1; k <= erfcAsymptoticTerms; k++ {
		term *= -float64(2*k-1) / (2 * x2)
		sum += term
	}
	return -x2 - math.Log(x) - 0.5*math.Log(math.Pi) + math.Log(sum)
}

// logBinomial returns log(C(n, k)) for integers 0 <= k <= n.
func logBinomial(n, k int) float64 {
	a, _ := math.Lgamma(float64(n) + 1)
	b, _ := math.Lgamma(float64(k) + 1)
	c, _ := math.Lgamma(float64(n-k) + 1)
	return a - b - c
}
