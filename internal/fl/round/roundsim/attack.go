package roundsim

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Attack is the behaviour of the Byzantine clients of a run. Every
// Byzantine client first trains honestly, then replaces its delta.
type Attack uint8

// Attacks.
const (
	// AttackNone sends the honest delta.
	AttackNone Attack = iota
	// AttackSignFlip sends SignFlipScale times the honest delta.
	AttackSignFlip
	// AttackGaussian sends a delta of independent N(0, GaussianStd^2)
	// coordinates.
	AttackGaussian
	// AttackScale sends ScaleFactor times the honest delta.
	AttackScale
	// AttackALIE is "A Little Is Enough" (Baruch, Baruch and Goldberg,
	// NeurIPS 2019): the Byzantine clients of a round pool their honest
	// deltas and all send mean - z*std per coordinate, with z chosen so
	// that the result stays within the spread of honest updates: with n
	// clients and f of them Byzantine, s = floor(n/2+1) - f and
	// z = Phi^-1((n-s)/n).
	AttackALIE
)

// AttackNames lists the names ParseAttack accepts, by Attack value.
func AttackNames() []string { return []string{"none", "sign-flip", "gaussian", "scale", "alie"} }

// String returns the attack's name.
func (a Attack) String() string {
	if n := AttackNames(); int(a) < len(n) {
		return n[a]
	}
	return fmt.Sprintf("attack %d", uint8(a))
}

// ParseAttack returns the attack named s.
func ParseAttack(s string) (Attack, error) {
	for i, n := range AttackNames() {
		if n == s {
			return Attack(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown attack %q (want one of %v)", ErrOptions, s, AttackNames())
}

// alieZ returns the z of the ALIE attack for n clients of which f are
// Byzantine, at least 0.
func alieZ(n, f int) float64 {
	s := n/2 + 1 - f
	p := float64(n-s) / float64(n)
	p = min(max(p, 0.5), 1-1e-12)
	return math.Sqrt2 * math.Erfinv(2*p-1)
}

// alie returns mean - z*std of the vectors, coordinate by coordinate
// (population standard deviation).
func alie(vs [][]float64, z float64) []float64 {
	n := float64(len(vs))
	out := make([]float64, len(vs[0]))
	for j := range out {
		var sum, sq float64
		for _, v := range vs {
			sum += v[j]
		}
		mu := sum / n
		for _, v := range vs {
			d := v[j] - mu
			sq += d * d
		}
		out[j] = mu - z*math.Sqrt(sq/n)
	}
	return out
}

// corrupt applies a per-client attack (not ALIE, which needs the pool) to
// delta in place.
func corrupt(a Attack, delta []float64, rng *rand.Rand) {
	switch a {
	case AttackSignFlip:
		for j := range delta {
			delta[j] *= SignFlipScale
		}
	case AttackScale:
		for j := range delta {
			delta[j] *= ScaleFactor
		}
	case AttackGaussian:
		for j := range delta {
			delta[j] = GaussianStd * rng.NormFloat64()
		}
	}
}
