package graphsage

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// EpochStats records one training epoch.
type EpochStats struct {
	// Epoch counts from 1.
	Epoch int
	// TrainLoss is the mean training loss of the epoch's minibatches, with dropout.
	TrainLoss float64
	// ValLoss and ValAcc are measured after the epoch without dropout or sampling; both are 0
	// when the graph has no validation nodes.
	ValLoss, ValAcc float64
}

// TrainReport summarises a training run.
type TrainReport struct {
	// Epochs is the number of epochs run.
	Epochs int
	// BestEpoch is the epoch whose parameters the returned model holds: the one with the highest
	// validation accuracy, ties going to the lower validation loss; the last epoch when there are
	// no validation nodes.
	BestEpoch int
	// TrainLoss, ValLoss and ValAcc are the statistics of BestEpoch.
	TrainLoss, ValLoss, ValAcc float64
	// Stopped reports whether early stopping ended training before cfg.Epochs.
	Stopped bool
	// History holds the statistics of every epoch.
	History []EpochStats
}

// Train fits a new model to the training nodes of g, drawing the initial weights, minibatch order,
// neighbour samples and dropout masks from rng, so a run is reproducible for a given seed. After
// every epoch it measures the validation nodes and keeps the best parameters; it stops early after
// cfg.Patience epochs without improvement. It returns ctx's error if ctx ends first.
func Train(ctx context.Context, g *Graph, cfg Config, rng *rand.Rand) (*Model, TrainReport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, TrainReport{}, err
	}
	if rng == nil {
		return nil, TrainReport{}, ErrNilRand
	}
	if g == nil || g.NumClasses() == 0 || len(g.split.Train) == 0 {
		return nil, TrainReport{}, fmt.Errorf("%w: training needs a labelled graph with training nodes", ErrGraph)
	}
	arch := cfg.Architecture(g.NumFeatures(), g.NumClasses())
	m, err := New(arch, rng)
	if err != nil {
		return nil, TrainReport{}, err
	}
	t := newTrainer(m, g, cfg)
	var rep TrainReport
	best := m.Params()
	bestAcc, bestLoss := math.Inf(-1), math.Inf(1)
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return nil, TrainReport{}, fmt.Errorf("graphsage: training stopped at epoch %d: %w", epoch, err)
		}
		st := EpochStats{Epoch: epoch, TrainLoss: t.epoch(rng)}
		if math.IsNaN(st.TrainLoss) || math.IsInf(st.TrainLoss, 0) || firstNonFinite(m.params) >= 0 {
			return nil, TrainReport{}, fmt.Errorf("%w: training loss %v at epoch %d", ErrNonFinite, st.TrainLoss, epoch)
		}
		if len(g.split.Val) > 0 {
			st.ValAcc, st.ValLoss = scoreNodes(arch, t.eval.logits(m), g, g.split.Val)
		}
		rep.History = append(rep.History, st)
		rep.Epochs = epoch
		if len(g.split.Val) == 0 || st.ValAcc > bestAcc || (st.ValAcc == bestAcc && st.ValLoss < bestLoss) {
			bestAcc, bestLoss = st.ValAcc, st.ValLoss
			copy(best, m.params)
			rep.BestEpoch, rep.TrainLoss, rep.ValLoss, rep.ValAcc = epoch, st.TrainLoss, st.ValLoss, st.ValAcc
		}
		if cfg.Patience > 0 && epoch-rep.BestEpoch >= cfg.Patience && epoch < cfg.Epochs {
			rep.Stopped = true
			break
		}
	}
	copy(m.params, best)
	return m, rep, nil
}

// trainer holds what one training run reuses between epochs.
type trainer struct {
	m       *Model
	g       *Graph
	cfg     Config
	opt     *adam
	grad    []float64
	sampler *sampler
	fixed   *batch // the full-batch computation graph, built once
	b       batch  // the current minibatch when sampling
	ws      workspace
	dz      []float64
	order   []int
	eval    *evaluator
}

func newTrainer(m *Model, g *Graph, cfg Config) *trainer {
	t := &trainer{
		m:       m,
		g:       g,
		cfg:     cfg,
		opt:     newAdam(m, cfg.LearningRate, cfg.WeightDecay),
		grad:    make([]float64, len(m.params)),
		sampler: newSampler(g, cfg.Aggregator),
		order:   append([]int(nil), g.split.Train...),
		eval:    newEvaluator(m, g),
	}
	if cfg.FullBatch {
		t.fixed = &batch{}
		t.sampler.build(g.split.Train, make([]int, cfg.Layers), nil, t.fixed)
	}
	return t
}

// epoch runs one epoch of gradient steps and returns its mean training loss.
func (t *trainer) epoch(rng *rand.Rand) float64 {
	if t.fixed != nil {
		return t.step(t.fixed, rng)
	}
	rng.Shuffle(len(t.order), func(i, j int) { t.order[i], t.order[j] = t.order[j], t.order[i] })
	total := 0.0
	for lo := 0; lo < len(t.order); lo += t.cfg.BatchSize {
		targets := t.order[lo:min(lo+t.cfg.BatchSize, len(t.order))]
		t.sampler.build(targets, t.cfg.Fanouts, rng, &t.b)
		total += t.step(&t.b, rng) * float64(len(targets))
	}
	return total / float64(len(t.order))
}

// step runs forward and backward passes on b and one Adam update, and returns the batch loss.
func (t *trainer) step(b *batch, rng *rand.Rand) float64 {
	logits := t.m.forward(t.g, b, &t.ws, t.cfg.Dropout, rng)
	targets := b.targets()
	t.dz = grow(t.dz, len(logits))
	loss := lossGrad(t.m.arch, t.g, targets, logits, t.dz)
	clear(t.grad)
	t.m.backward(b, &t.ws, t.dz, t.grad)
	t.opt.step(t.m.params, t.grad)
	return loss
}

// adam is the Adam optimiser (Kingma and Ba 2015) with L2 weight decay added to the gradients of the
// weight matrices, as torch.optim.Adam's weight_decay does.
type adam struct {
	lr, wd float64
	m, v   []float64
	t      int
	decay  [][2]int // ranges of the parameter vector that get weight decay
}

func newAdam(model *Model, lr, wd float64) *adam {
	a := &adam{lr: lr, wd: wd, m: make([]float64, len(model.params)), v: make([]float64, len(model.params))}
	for _, s := range model.shapes {
		end := s.b
		if s.agg == AggregatorPool {
			end = s.bp
		}
		a.decay = append(a.decay, [2]int{s.w, end})
	}
	return a
}

func (a *adam) step(params, grad []float64) {
	if a.wd > 0 {
		for _, r := range a.decay {
			for i := r[0]; i < r[1]; i++ {
				grad[i] += a.wd * params[i]
			}
		}
	}
	a.t++
	c1 := 1 - math.Pow(adamBeta1, float64(a.t))
	c2 := math.Sqrt(1 - math.Pow(adamBeta2, float64(a.t)))
	stepSize := a.lr / c1
	for i, g := range grad {
		a.m[i] = adamBeta1*a.m[i] + (1-adamBeta1)*g
		a.v[i] = adamBeta2*a.v[i] + (1-adamBeta2)*g*g
		params[i] -= stepSize * a.m[i] / (math.Sqrt(a.v[i])/c2 + adamEpsilon)
	}
}
