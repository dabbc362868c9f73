package roundsim

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/round"
)

// nodeID returns a test node ID: kind in the first byte, i in the next two.
func nodeID(kind byte, i int) round.NodeID {
	var id round.NodeID
	id[0], id[1], id[2] = kind, byte(i>>8), byte(i)
	return id
}

// quadTrainer descends the loss |w - target|^2/2 for each local epoch with
// step lr, plus Gaussian gradient noise of the given size: a real,
// deterministic-for-a-seed local optimiser whose federated optimum is the
// mean of the clients' targets.
func quadTrainer(target []float64, lr, noise float64) Trainer {
	return func(ctx context.Context, params []float64, epochs int, rng *rand.Rand) ([]float64, error) {
		w := append([]float64(nil), params...)
		for range epochs {
			for j := range w {
				w[j] -= lr * (w[j] - target[j] + noise*rng.NormFloat64())
			}
		}
		return w, ctx.Err()
	}
}

// federation builds nc coordinators and n clients whose targets are drawn
// around center; byz marks the first clients Byzantine.
type federation struct {
	coords  []round.Config
	clients []ClientSpec
	targets [][]float64
}

func newFederation(t testing.TB, nc, n, dim, byz int, cfg round.Config, seed uint64) *federation {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	f := &federation{}
	var coords, clients []round.NodeID
	for i := range nc {
		coords = append(coords, nodeID(0xc0, i))
	}
	for i := range n {
		clients = append(clients, nodeID(0x01, i))
	}
	cfg.Coordinators, cfg.Clients = coords, clients
	if cfg.Initial == nil {
		cfg.Initial = make([]float64, dim)
	}
	for _, id := range coords {
		c := cfg
		c.Self = id
		f.coords = append(f.coords, c)
	}
	for i, id := range clients {
		target := make([]float64, dim)
		for j := range target {
			target[j] = 1 + 0.1*rng.NormFloat64()
		}
		f.targets = append(f.targets, target)
		f.clients = append(f.clients, ClientSpec{
			Config:    round.ClientConfig{Self: id, Coordinators: coords, NumSamples: 10},
			Train:     quadTrainer(target, 0.5, 0.01),
			Byzantine: i < byz,
		})
	}
	return f
}

// baseConfig is a plain FedAvg federation config.
func baseConfig() round.Config {
	return round.Config{Rounds: 10, SampleRate: 1, MinClients: 3, RoundTimeout: 5 * time.Second, LocalEpochs: 2,
		Strategy: round.StrategySpec{Name: round.StrategyFedAvg}}
}

// meanTarget returns the mean of the honest clients' targets.
func (f *federation) meanTarget(skip int) []float64 {
	out := make([]float64, len(f.targets[0]))
	for _, tg := range f.targets[skip:] {
		for j, x := range tg {
			out[j] += x / float64(len(f.targets)-skip)
		}
	}
	return out
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = max(m, abs(a[i]-b[i]))
	}
	return m
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
