package roundsim

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/round"
)

// TestByzantineQuadratic runs 20 quadratic clients, 6 of them Byzantine
// (30%), under every attack: FedAvg is pulled far from the honest optimum
// by sign flip, Gaussian noise and scaling, while the robust rules stay
// close; Bulyan is run with 4 Byzantine clients, its limit for n = 20.
func TestByzantineQuadratic(t *testing.T) {
	const n, dim = 20, 8
	errs := map[string]float64{}
	for _, attack := range []Attack{AttackSignFlip, AttackGaussian, AttackScale, AttackALIE} {
		for _, rule := range []string{round.StrategyFedAvg, round.StrategyMedian, round.StrategyTrimmedMean,
			round.StrategyKrum, round.StrategyBulyan} {
			byz := 6
			if rule == round.StrategyBulyan {
				byz = 4
			}
			cfg := baseConfig()
			cfg.Rounds = 15
			cfg.Strategy = round.StrategySpec{Name: rule, F: byz}
			cfg.MinClients = max(cfg.Strategy.MinUpdates(), 3)
			f := newFederation(t, 1, n, dim, byz, cfg, 11)
			rep, err := Run(context.Background(), f.coords, f.clients, Options{Seed: 11, Attack: attack})
			if err != nil || rep.Err != nil || rep.Completed != 15 {
				t.Fatalf("%v %s: %v %v completed %d", attack, rule, err, rep.Err, rep.Completed)
			}
			if rep.Rounds[0].Byzantine != byz {
				t.Fatalf("%d Byzantine selected, want %d", rep.Rounds[0].Byzantine, byz)
			}
			d := maxAbsDiff(rep.Final.Params, f.meanTarget(byz))
			errs[fmt.Sprintf("%v/%s", attack, rule)] = d
			t.Logf("%-9v %-12s distance from the honest optimum %.4f", attack, rule, d)
		}
	}
	for _, attack := range []Attack{AttackSignFlip, AttackGaussian, AttackScale} {
		avg := errs[fmt.Sprintf("%v/fedavg", attack)]
		if avg < 0.2 {
			t.Errorf("%v: FedAvg only %.3f from the optimum", attack, avg)
		}
		for _, rule := range []string{"median", "trimmed-mean", "krum", "bulyan"} {
			if e := errs[fmt.Sprintf("%v/%s", attack, rule)]; !(e < 0.15 && 5*e < avg) {
				t.Errorf("%v: %s %.3f from the optimum, FedAvg %.3f", attack, rule, e, avg)
			}
		}
	}
	// ALIE stays within the spread of the honest updates, so it moves
	// every rule only a little here: bounded, not catastrophic.
	for k, e := range errs {
		if k[:4] == "alie" && !(e < 0.5) {
			t.Errorf("%s: %.3f from the optimum", k, e)
		}
	}
}

// TestALIE checks z against Baruch et al.'s example values and the vector
// against its definition.
func TestALIE(t *testing.T) {
	if z := alieZ(20, 6); math.Abs(z-0.6745) > 1e-3 {
		t.Fatalf("z(20, 6) = %v, want Phi^-1(0.75) = 0.6745", z)
	}
	if z := alieZ(50, 12); math.Abs(z-0.5828) > 1e-3 { // s = 14, Phi^-1(36/50)
		t.Fatalf("z(50, 12) = %v", z)
	}
	if z := alieZ(4, 4); z < 0 || math.IsInf(z, 0) || math.IsNaN(z) {
		t.Fatalf("z(4, 4) = %v", z)
	}
	v := alie([][]float64{{1, 0}, {3, 0}}, 2)
	if v[0] != 0 || v[1] != 0 { // mean 2, std 1
		t.Fatalf("alie %v", v)
	}
}
