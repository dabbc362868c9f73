package strategy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Byzantine scenario: n clients, f of them Byzantine, deltas of dimension
// byzD. Honest deltas are mu + N(0, byzNoise^2) per coordinate, with mu
// drawn once from N(0, 1); ||mu|| is about sqrt(byzD) = 10 and the spread
// of one honest delta around mu about byzNoise*sqrt(byzD) = 1.
const (
	byzN     = 20
	byzF     = 4
	byzD     = 100
	byzNoise = 0.1
)

// attack returns the f Byzantine deltas, given the honest ones.
type attack func(rng *rand.Rand, honest [][]float64, f int) [][]float64

// signFlip sends the negation of honest deltas.
func signFlip(_ *rand.Rand, honest [][]float64, f int) [][]float64 {
	return mapHonest(honest, f, func(x float64) float64 { return -x })
}

// scale10 sends honest deltas scaled by 10.
func scale10(_ *rand.Rand, honest [][]float64, f int) [][]float64 {
	return mapHonest(honest, f, func(x float64) float64 { return 10 * x })
}

// gaussianNoise sends N(0, 10^2) noise.
func gaussianNoise(rng *rand.Rand, honest [][]float64, f int) [][]float64 {
	out := make([][]float64, f)
	for i := range out {
		out[i] = make([]float64, len(honest[0]))
		for j := range out[i] {
			out[i][j] = 10 * rng.NormFloat64()
		}
	}
	return out
}

func mapHonest(honest [][]float64, f int, fn func(float64) float64) [][]float64 {
	out := make([][]float64, f)
	for i := range out {
		out[i] = make([]float64, len(honest[0]))
		for j, x := range honest[i%len(honest)] {
			out[i][j] = fn(x)
		}
	}
	return out
}

// alieZ is z_max of "A Little Is Enough" (Baruch, Baruch and Goldberg
// 2019): with s = floor(n/2+1) - f supporters needed, z = Phi^-1((n-s)/n).
func alieZ(n, f int) float64 {
	s := n/2 + 1 - f
	p := float64(n-s) / float64(n)
	return math.Sqrt2 * math.Erfinv(2*p-1)
}

// alie sends mu - z*sigma, where mu and sigma are the coordinate-wise mean
// and standard deviation of the honest deltas.
func alie(_ *rand.Rand, honest [][]float64, f int) [][]float64 {
	mu, sigma := meanStd(honest)
	z := alieZ(len(honest)+f, f)
	v := make([]float64, len(mu))
	for j := range v {
		v[j] = mu[j] - z*sigma[j]
	}
	out := make([][]float64, f)
	for i := range out {
		out[i] = v
	}
	return out
}

func meanStd(vs [][]float64) (mu, sigma []float64) {
	d := len(vs[0])
	mu, sigma = make([]float64, d), make([]float64, d)
	for _, v := range vs {
		axpy(mu, 1/float64(len(vs)), v)
	}
	for _, v := range vs {
		for j, x := range v {
			sigma[j] += (x - mu[j]) * (x - mu[j]) / float64(len(vs)-1)
		}
	}
	for j := range sigma {
		sigma[j] = math.Sqrt(sigma[j])
	}
	return mu, sigma
}

func norm(v []float64) float64 { return math.Sqrt(sqDist(v, make([]float64, len(v)))) }

// byzantineSetup returns the honest deltas, their mean, and the round's
// updates with the Byzantine ones mixed in by ClientID.
func byzantineSetup(seed uint64, a attack) (honestMean []float64, ups []Update) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	mu := make([]float64, byzD)
	for j := range mu {
		mu[j] = rng.NormFloat64()
	}
	honest := make([][]float64, byzN-byzF)
	for i := range honest {
		honest[i] = make([]float64, byzD)
		for j := range honest[i] {
			honest[i][j] = mu[j] + byzNoise*rng.NormFloat64()
		}
	}
	byz := a(rng, honest, byzF)
	honestMean, _ = meanStd(honest)
	for i, v := range append(honest, byz...) {
		// Random IDs so that Byzantine clients are not all last.
		ups = append(ups, Update{ClientID: fmt.Sprintf("%016x-%d", rng.Uint64(), i), NumSamples: 100, Vector: v})
	}
	return honestMean, ups
}

func robustStrategies() []Strategy {
	return []Strategy{
		Median{}, TrimmedMean{Beta: float64(byzF) / byzN}, Krum{F: byzF}, MultiKrum{F: byzF},
		Bulyan{F: byzF}, GeometricMedian{},
	}
}

// TestByzantineAttacks checks that under sign flipping, Gaussian noise and
// scaling by 10, every robust rule stays within 1.25 times the spread of one
// honest delta around mu (byzNoise*sqrt(byzD) = 1) of the honest mean,
// while FedAvg is pulled at least 2.5 times as far as that bound.
func TestByzantineAttacks(t *testing.T) {
	const robustBound = 1.25 * byzNoise * 10 // byzNoise * sqrt(byzD) = 1
	for _, tc := range []struct {
		name string
		a    attack
	}{{"sign flip", signFlip}, {"gaussian noise", gaussianNoise}, {"scaling x10", scale10}} {
		for seed := range uint64(3) {
			honestMean, ups := byzantineSetup(seed, tc.a)
			global := make([]float64, byzD)
			avg, err := FedAvg{}.Aggregate(global, ups)
			if err != nil {
				t.Fatal(err)
			}
			avgErr := math.Sqrt(sqDist(avg, honestMean))
			if avgErr < 2.5*robustBound {
				t.Errorf("%s seed %d: FedAvg only %.3f from the honest mean; the attack is too weak to test", tc.name, seed, avgErr)
			}
			for _, s := range robustStrategies() {
				got, err := s.Aggregate(global, ups)
				if err != nil {
					t.Fatal(err)
				}
				if e := math.Sqrt(sqDist(got, honestMean)); e > robustBound {
					t.Errorf("%s seed %d: %s is %.3f from the honest mean (bound %.3f, FedAvg %.3f)",
						tc.name, seed, s.Name(), e, robustBound, avgErr)
				}
			}
		}
	}
}

// TestALIE runs "A Little Is Enough": every Byzantine client sends
// mu - z*sigma, which lies inside the honest spread in every coordinate, so
// robust rules cannot reject it and may follow it further than FedAvg
// does (that is the paper's point: Krum selects the attacker's vector). What
// must hold is that the damage stays bounded by the attack's own shift:
// no rule is further than z*||sigma|| from the honest mean, Krum is exactly
// that far, and FedAvg exactly f/n of that.
func TestALIE(t *testing.T) {
	for seed := range uint64(3) {
		honestMean, ups := byzantineSetup(seed, alie)
		honest := make([][]float64, 0, byzN)
		for _, u := range ups[:byzN-byzF] {
			honest = append(honest, u.Vector)
		}
		_, sigma := meanStd(honest)
		shift := alieZ(byzN, byzF) * norm(sigma)
		global := make([]float64, byzD)

		avg, err := FedAvg{}.Aggregate(global, ups)
		if err != nil {
			t.Fatal(err)
		}
		if e := math.Sqrt(sqDist(avg, honestMean)); math.Abs(e-float64(byzF)/byzN*shift) > 1e-9 {
			t.Errorf("seed %d: FedAvg is %.6f from the honest mean, want f/n*z*||sigma|| = %.6f", seed, e, float64(byzF)/byzN*shift)
		}
		for _, s := range robustStrategies() {
			got, err := s.Aggregate(global, ups)
			if err != nil {
				t.Fatal(err)
			}
			e := math.Sqrt(sqDist(got, honestMean))
			if e > shift*(1+1e-9) {
				t.Errorf("seed %d: %s is %.3f from the honest mean, more than z*||sigma|| = %.3f", seed, s.Name(), e, shift)
			}
			if _, ok := s.(Krum); ok && math.Abs(e-shift) > 1e-9*shift {
				t.Errorf("seed %d: Krum is %.6f from the honest mean; selecting the attack vector puts it at %.6f", seed, e, shift)
			}
		}
	}
}
