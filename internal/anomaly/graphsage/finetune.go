package graphsage

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// TrainEpochs continues training m on the training nodes of g for exactly epochs epochs, starting
// from m's current parameters with a fresh Adam state, without validation or early stopping. It is
// the local step of federated learning: a client sets the global model with SetParams, trains it on
// its own labels and sends back the difference. cfg supplies the optimiser, dropout and batching
// settings and must describe m's architecture for g. Dropout masks, minibatch order and neighbour
// samples come from rng. It returns the mean training loss of every epoch; on error the parameters
// are left as they were.
func (m *Model) TrainEpochs(ctx context.Context, g *Graph, cfg Config, epochs int, rng *rand.Rand) ([]float64, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if rng == nil {
		return nil, ErrNilRand
	}
	if epochs < 1 || epochs > MaxEpochs {
		return nil, configErr("Epochs", "%d local epochs not in [1, %d]", epochs, MaxEpochs)
	}
	if err := m.checkGraph(g); err != nil {
		return nil, err
	}
	if g.NumClasses() == 0 || len(g.split.Train) == 0 {
		return nil, fmt.Errorf("%w: training needs a labelled graph with training nodes", ErrGraph)
	}
	if a := cfg.Architecture(g.NumFeatures(), g.NumClasses()); a != m.arch {
		return nil, fmt.Errorf("%w: config describes %+v, model is %+v", ErrArchitecture, a, m.arch)
	}
	saved := m.Params()
	t := newTrainer(m, g, cfg)
	losses := make([]float64, 0, epochs)
	for epoch := 1; epoch <= epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			copy(m.params, saved)
			return nil, fmt.Errorf("graphsage: training stopped at epoch %d: %w", epoch, err)
		}
		loss := t.epoch(rng)
		if math.IsNaN(loss) || math.IsInf(loss, 0) || firstNonFinite(m.params) >= 0 {
			copy(m.params, saved)
			return nil, fmt.Errorf("%w: training loss %v at epoch %d", ErrNonFinite, loss, epoch)
		}
		losses = append(losses, loss)
	}
	return losses, nil
}
