package dp_test

import (
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/dp"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/strategy"
)

// The privacy guarantee of DP-SGD-style training as Opacus computes it.
func ExampleComputeEpsilon() {
	g, err := dp.ComputeEpsilon(dp.Mechanism{SamplingRate: 0.04, NoiseMultiplier: 1.5, Steps: 2250}, 1e-5, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("epsilon %.4f at delta %g, best order %g\n", g.Epsilon, g.Delta, g.Order)
	// Output: epsilon 7.3291 at delta 1e-05, best order 3.9
}

// A server runs DP-FedAvg rounds while the budget allows: 100 of 10000
// clients take part in each round (q = 0.01).
func ExampleBudget() {
	const population, perRound = 10000, 100
	agg, err := dp.NewFedAvg(dp.Config{ClipNorm: 1, NoiseMultiplier: 1.1, ExpectedClients: perRound}, rand.Reader)
	if err != nil {
		panic(err)
	}
	budget, err := dp.NewBudget(2, 1e-6, nil)
	if err != nil {
		panic(err)
	}
	model := make([]float64, 4)
	for {
		charge, err := budget.Spend(agg.Mechanism(perRound / float64(population)))
		if errors.Is(err, dp.ErrBudgetExhausted) {
			break
		}
		if err != nil {
			panic(err)
		}
		updates := []strategy.Update{{ClientID: "a", Vector: []float64{0.1, 0, 0, 0}}} // the sampled clients' deltas
		if model, err = agg.Aggregate(model, updates); err != nil {
			panic(err)
		}
		_ = charge // charge.PerRound and charge.Total can be logged
	}
	fmt.Printf("%d rounds, epsilon %.3f\n", budget.Rounds(), budget.Spent().Epsilon)
	// Output: 1030 rounds, epsilon 2.000
}
