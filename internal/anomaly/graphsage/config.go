package graphsage

import (
	"fmt"
	"math"
)

// Aggregator selects how a layer combines a node's neighbourhood.
type Aggregator uint8

// Aggregators.
const (
	// AggregatorMean is GraphSAGE-mean: h'_v = W_self·h_v + W_neigh·mean_{u∈N(v)} h_u + b.
	AggregatorMean Aggregator = iota + 1
	// AggregatorGCN is the GCN aggregator (Kipf and Welling 2017) with self-loops and symmetric
	// normalisation: h'_v = W·Σ_{u∈N(v)∪{v}} h_u/√((d_v+1)(d_u+1)) + b. With sampled neighbours the
	// neighbour sum is scaled by d_v/s_v, which keeps it an unbiased estimate.
	AggregatorGCN
	// AggregatorPool is GraphSAGE-pool: h'_v = W_self·h_v + W_neigh·max_{u∈N(v)} ReLU(W_pool·h_u +
	// b_pool) + b, the maximum taken per coordinate.
	AggregatorPool
)

// String returns "mean", "gcn" or "pool".
func (a Aggregator) String() string {
	switch a {
	case AggregatorMean:
		return "mean"
	case AggregatorGCN:
		return "gcn"
	case AggregatorPool:
		return "pool"
	}
	return fmt.Sprintf("Aggregator(%d)", uint8(a))
}

func (a Aggregator) valid() bool { return a >= AggregatorMean && a <= AggregatorPool }

// ParseAggregator returns the aggregator called s ("mean", "gcn" or "pool").
func ParseAggregator(s string) (Aggregator, error) {
	for a := AggregatorMean; a <= AggregatorPool; a++ {
		if a.String() == s {
			return a, nil
		}
	}
	return 0, configErr("Aggregator", "unknown aggregator %q (want mean, gcn or pool)", s)
}

// Head selects the output layer and its loss.
type Head uint8

// Heads.
const (
	// HeadSoftmax outputs one logit per class, trained with softmax cross-entropy.
	HeadSoftmax Head = iota + 1
	// HeadBinary outputs one logit for class 1 of a two-class problem, trained with sigmoid binary
	// cross-entropy. It is meant for anomaly scores.
	HeadBinary
)

// String returns "softmax" or "binary".
func (h Head) String() string {
	switch h {
	case HeadSoftmax:
		return "softmax"
	case HeadBinary:
		return "binary"
	}
	return fmt.Sprintf("Head(%d)", uint8(h))
}

func (h Head) valid() bool { return h == HeadSoftmax || h == HeadBinary }

// Config holds the architecture and training hyperparameters. Start from DefaultConfig; the zero
// Config is not valid.
type Config struct {
	// Aggregator is the neighbourhood aggregator of every layer. Default AggregatorGCN.
	Aggregator Aggregator
	// Head is the output layer. Default HeadSoftmax.
	Head Head
	// Layers is K, the number of GraphSAGE layers, in [1, MaxLayers]. Default 2.
	Layers int
	// Hidden is the width of every hidden layer, in [1, MaxHidden]. Default 128.
	Hidden int
	// Normalize L2-normalises the output of every hidden layer, as in Hamilton et al. Default false:
	// it lowers validation accuracy on Cora.
	Normalize bool
	// RowNormalize scales every feature row to unit L1 norm before the first layer. Default true.
	RowNormalize bool

	// LearningRate is Adam's step size, in (0, 1]. Default 0.01.
	LearningRate float64
	// WeightDecay is the L2 penalty λ added as λ·w to the gradient of every weight matrix (not of the
	// biases), as torch.optim.Adam's weight_decay does, in [0, 1). Default 5e-4.
	WeightDecay float64
	// Dropout is the probability of zeroing each input of each layer during training, in [0, 1).
	// Default 0.8.
	Dropout float64
	// Epochs is the largest number of training epochs, in [1, MaxEpochs]. Default 300.
	Epochs int
	// Patience ends training after this many epochs without a better validation score; the model
	// of the best epoch is returned. Zero disables early stopping. Default 100.
	Patience int

	// FullBatch makes every epoch one gradient step on all training nodes with their complete
	// neighbourhoods; BatchSize and Fanouts are then unused. Default true: Cora is small.
	FullBatch bool
	// BatchSize is the number of training nodes per minibatch when sampling. Default 512.
	BatchSize int
	// Fanouts holds, for each layer from the first (input) layer to the last, how many neighbours
	// are sampled per node without replacement (S_1, S_2 of Hamilton et al.); 0 takes all
	// neighbours. Its length must equal Layers unless FullBatch is set. Default {25, 10}.
	Fanouts []int
}

// DefaultConfig returns the defaults, chosen by mean validation accuracy over 10 seeds on Planetoid
// Cora (the test split was not looked at): the GCN aggregator, 2 layers of width 128, row-normalised
// features, no L2 normalisation of layer outputs, dropout 0.8, Adam with lr 0.01 and weight decay
// 5e-4, full-batch training for at most 300 epochs with patience 100. The sampled mode keeps
// Hamilton et al.'s fan-outs 25 and 10.
func DefaultConfig() Config {
	return Config{
		Aggregator:   AggregatorGCN,
		Head:         HeadSoftmax,
		Layers:       DefaultLayers,
		Hidden:       DefaultHidden,
		Normalize:    false,
		RowNormalize: true,
		LearningRate: DefaultLearningRate,
		WeightDecay:  DefaultWeightDecay,
		Dropout:      DefaultDropout,
		Epochs:       DefaultEpochs,
		Patience:     DefaultPatience,
		FullBatch:    true,
		BatchSize:    DefaultBatchSize,
		Fanouts:      []int{DefaultFanout1, DefaultFanout2},
	}
}

// Validate checks every field and returns a *ConfigError naming the first bad one.
func (c Config) Validate() error {
	switch {
	case !c.Aggregator.valid():
		return configErr("Aggregator", "unknown aggregator %d", uint8(c.Aggregator))
	case !c.Head.valid():
		return configErr("Head", "unknown head %d", uint8(c.Head))
	case c.Layers < 1 || c.Layers > MaxLayers:
		return configErr("Layers", "%d not in [1, %d]", c.Layers, MaxLayers)
	case c.Hidden < 1 || c.Hidden > MaxHidden:
		return configErr("Hidden", "%d not in [1, %d]", c.Hidden, MaxHidden)
	case !(c.LearningRate > 0 && c.LearningRate <= 1):
		return configErr("LearningRate", "%v not in (0, 1]", c.LearningRate)
	case !(c.WeightDecay >= 0 && c.WeightDecay < 1):
		return configErr("WeightDecay", "%v not in [0, 1)", c.WeightDecay)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return configErr("Dropout", "%v not in [0, 1)", c.Dropout)
	case c.Epochs < 1 || c.Epochs > MaxEpochs:
		return configErr("Epochs", "%d not in [1, %d]", c.Epochs, MaxEpochs)
	case c.Patience < 0 || c.Patience > MaxEpochs:
		return configErr("Patience", "%d not in [0, %d]", c.Patience, MaxEpochs)
	}
	if c.FullBatch {
		return nil
	}
	if c.BatchSize < 1 || c.BatchSize > MaxNodes {
		return configErr("BatchSize", "%d not in [1, %d]", c.BatchSize, MaxNodes)
	}
	if len(c.Fanouts) != c.Layers {
		return configErr("Fanouts", "%d fan-outs for %d layers", len(c.Fanouts), c.Layers)
	}
	for i, f := range c.Fanouts {
		if f < 0 || f > MaxFanout {
			return configErr("Fanouts", "fan-out %d of layer %d not in [0, %d]", f, i+1, MaxFanout)
		}
	}
	return nil
}

// Architecture is what determines a model's parameter layout and its forward pass: everything a
// model file records.
type Architecture struct {
	// Aggregator is the neighbourhood aggregator of every layer.
	Aggregator Aggregator
	// Head is the output layer.
	Head Head
	// Layers is the number of GraphSAGE layers.
	Layers int
	// InDim is the input feature dimension.
	InDim int
	// Hidden is the width of the hidden layers (and of the pooling layers of AggregatorPool).
	Hidden int
	// Classes is the number of classes; HeadBinary needs exactly 2.
	Classes int
	// Normalize L2-normalises the output of every hidden layer.
	Normalize bool
	// RowNormalize scales every feature row to unit L1 norm before the first layer.
	RowNormalize bool
}

// Architecture returns the architecture cfg describes for inDim input features and the given
// number of classes.
func (c Config) Architecture(inDim, classes int) Architecture {
	return Architecture{
		Aggregator:   c.Aggregator,
		Head:         c.Head,
		Layers:       c.Layers,
		InDim:        inDim,
		Hidden:       c.Hidden,
		Classes:      classes,
		Normalize:    c.Normalize,
		RowNormalize: c.RowNormalize,
	}
}

// Validate checks the fields and the parameter count against MaxParams. Errors wrap ErrArchitecture.
func (a Architecture) Validate() error {
	if err := a.validateFields(); err != nil {
		return err
	}
	if n := a.numParams(); n > MaxParams {
		return fmt.Errorf("%w: %d parameters exceed %d", ErrArchitecture, n, MaxParams)
	}
	return nil
}

// validateFields checks every field on its own, but not the resulting parameter count.
func (a Architecture) validateFields() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrArchitecture, fmt.Sprintf(format, args...))
	}
	switch {
	case !a.Aggregator.valid():
		return bad("unknown aggregator %d", uint8(a.Aggregator))
	case !a.Head.valid():
		return bad("unknown head %d", uint8(a.Head))
	case a.Layers < 1 || a.Layers > MaxLayers:
		return bad("%d layers not in [1, %d]", a.Layers, MaxLayers)
	case a.InDim < 1 || a.InDim > MaxInDim:
		return bad("input dimension %d not in [1, %d]", a.InDim, MaxInDim)
	case a.Hidden < 1 || a.Hidden > MaxHidden:
		return bad("hidden width %d not in [1, %d]", a.Hidden, MaxHidden)
	case a.Classes < 2 || a.Classes > MaxClasses:
		return bad("%d classes not in [2, %d]", a.Classes, MaxClasses)
	case a.Head == HeadBinary && a.Classes != 2:
		return bad("binary head with %d classes", a.Classes)
	}
	return nil
}

// NumParams returns the number of parameters of a model with this architecture, or -1 if the
// architecture is invalid.
func (a Architecture) NumParams() int {
	if a.Validate() != nil {
		return -1
	}
	return a.numParams()
}

// numParams counts parameters in int64 arithmetic capped at math.MaxInt32 per layer, so that huge
// dimensions from a hostile file cannot overflow.
func (a Architecture) numParams() int {
	total := int64(0)
	for _, s := range a.layerShapes() {
		total += s.size()
		if total > math.MaxInt32 {
			return math.MaxInt32
		}
	}
	return int(total)
}

// outDim is the width of the last layer: one logit per class, or one for the binary head.
func (a Architecture) outDim() int {
	if a.Head == HeadBinary {
		return 1
	}
	return a.Classes
}
