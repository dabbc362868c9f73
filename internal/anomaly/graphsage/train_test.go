package graphsage

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
)

func smallConfig() Config {
	cfg := DefaultConfig()
	cfg.Hidden = 16
	cfg.Epochs = 60
	cfg.Patience = 30
	cfg.Dropout = 0.5
	return cfg
}

// TestTrainLearnsPlantedGraph trains every aggregator in both modes on a graph whose labels are
// predictable, and requires test accuracy far above chance (0.25).
func TestTrainLearnsPlantedGraph(t *testing.T) {
	g := plantedGraph(t, newRNG(11), 240, 4, 10, 60)
	for _, agg := range []Aggregator{AggregatorMean, AggregatorGCN, AggregatorPool} {
		for _, full := range []bool{true, false} {
			cfg := smallConfig()
			cfg.Aggregator, cfg.FullBatch = agg, full
			cfg.BatchSize, cfg.Fanouts = 16, []int{5, 5}
			m, rep, err := Train(context.Background(), g, cfg, newRNG(1))
			if err != nil {
				t.Fatal(err)
			}
			acc, err := m.Accuracy(g, g.Split().Test)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%v full=%v: test %.3f val %.3f epochs %d best %d", agg, full, acc, rep.ValAcc, rep.Epochs, rep.BestEpoch)
			if acc < 0.8 {
				t.Errorf("%v full=%v: test accuracy %.3f, want >= 0.8", agg, full, acc)
			}
			first, last := rep.History[0].TrainLoss, rep.History[rep.BestEpoch-1].TrainLoss
			if !(last < first) {
				t.Errorf("%v full=%v: training loss did not fall: %v -> %v", agg, full, first, last)
			}
		}
	}
}

// TestTrainBinaryHead trains the sigmoid head on a two-class planted graph.
func TestTrainBinaryHead(t *testing.T) {
	g := plantedGraph(t, newRNG(12), 200, 2, 15, 50)
	cfg := smallConfig()
	cfg.Head = HeadBinary
	cfg.Normalize = true
	m, _, err := Train(context.Background(), g, cfg, newRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	acc, err := m.Accuracy(g, g.Split().Test)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.8 {
		t.Errorf("binary head: test accuracy %.3f, want >= 0.8", acc)
	}
	probs, _ := m.Predict(g)
	if len(probs[0]) != 2 {
		t.Fatalf("binary head predicts %d columns", len(probs[0]))
	}
}

func TestTrainDeterministicForSeed(t *testing.T) {
	g := plantedGraph(t, newRNG(11), 120, 3, 8, 30)
	for _, full := range []bool{true, false} {
		cfg := smallConfig()
		cfg.Epochs, cfg.FullBatch, cfg.BatchSize, cfg.Fanouts = 15, full, 8, []int{3, 3}
		a, ra, err := Train(context.Background(), g, cfg, newRNG(5))
		if err != nil {
			t.Fatal(err)
		}
		b, rb, _ := Train(context.Background(), g, cfg, newRNG(5))
		c, _, _ := Train(context.Background(), g, cfg, newRNG(6))
		if !slices.Equal(a.Params(), b.Params()) || !slices.Equal(ra.History, rb.History) {
			t.Errorf("full=%v: equal seeds train different models", full)
		}
		if slices.Equal(a.Params(), c.Params()) {
			t.Errorf("full=%v: different seeds train equal models", full)
		}
	}
}

// TestTrainEarlyStopping checks patience, the report and that the best epoch's parameters are kept.
func TestTrainEarlyStopping(t *testing.T) {
	g := plantedGraph(t, newRNG(11), 160, 4, 8, 40)
	cfg := smallConfig()
	cfg.Epochs, cfg.Patience, cfg.LearningRate = 400, 5, 0.05
	m, rep, err := Train(context.Background(), g, cfg, newRNG(3))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Stopped || rep.Epochs >= cfg.Epochs || rep.Epochs != rep.BestEpoch+cfg.Patience {
		t.Fatalf("stopped %v after %d epochs, best %d, patience %d", rep.Stopped, rep.Epochs, rep.BestEpoch, cfg.Patience)
	}
	if len(rep.History) != rep.Epochs {
		t.Fatalf("%d history entries for %d epochs", len(rep.History), rep.Epochs)
	}
	best := rep.History[rep.BestEpoch-1]
	for _, st := range rep.History {
		if st.ValAcc > best.ValAcc || (st.ValAcc == best.ValAcc && st.ValLoss < best.ValLoss) {
			t.Errorf("epoch %d (val %.4f, loss %.4f) beats best epoch %d (val %.4f, loss %.4f)",
				st.Epoch, st.ValAcc, st.ValLoss, rep.BestEpoch, best.ValAcc, best.ValLoss)
		}
	}
	if rep.ValAcc != best.ValAcc || rep.ValLoss != best.ValLoss || rep.TrainLoss != best.TrainLoss {
		t.Error("report does not hold the best epoch's statistics")
	}
	acc, err := m.Accuracy(g, g.Split().Val)
	if err != nil {
		t.Fatal(err)
	}
	if acc != rep.ValAcc {
		t.Errorf("returned model has val accuracy %v, best epoch had %v", acc, rep.ValAcc)
	}
}

func TestTrainWithoutValidation(t *testing.T) {
	g0 := plantedGraph(t, newRNG(11), 60, 3, 5, 0)
	s := g0.Split()
	g, err := NewGraph(g0.x, nil, g0.labels, 3, Split{Train: s.Train})
	if err != nil {
		t.Fatal(err)
	}
	cfg := smallConfig()
	cfg.Epochs, cfg.Patience = 12, 2
	_, rep, err := Train(context.Background(), g, cfg, newRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Epochs != 12 || rep.BestEpoch != 12 || rep.Stopped {
		t.Errorf("without validation: %d epochs, best %d, stopped %v", rep.Epochs, rep.BestEpoch, rep.Stopped)
	}
}

func TestTrainErrors(t *testing.T) {
	g := plantedGraph(t, newRNG(11), 60, 3, 5, 10)
	ctx := context.Background()
	bad := smallConfig()
	bad.Hidden = 0
	if _, _, err := Train(ctx, g, bad, newRNG(1)); !errors.Is(err, ErrConfig) {
		t.Errorf("bad config: %v", err)
	}
	unlabelled, _ := NewGraph(g.x, nil, nil, 0, Split{})
	if _, _, err := Train(ctx, unlabelled, smallConfig(), newRNG(1)); !errors.Is(err, ErrGraph) {
		t.Errorf("unlabelled graph: %v", err)
	}
	if _, _, err := Train(ctx, nil, smallConfig(), newRNG(1)); !errors.Is(err, ErrGraph) {
		t.Errorf("nil graph: %v", err)
	}
	noTrain, _ := NewGraph(g.x, nil, g.labels, 3, Split{Val: []int{0}})
	if _, _, err := Train(ctx, noTrain, smallConfig(), newRNG(1)); !errors.Is(err, ErrGraph) {
		t.Errorf("no training nodes: %v", err)
	}
	binary := smallConfig()
	binary.Head = HeadBinary
	if _, _, err := Train(ctx, g, binary, newRNG(1)); !errors.Is(err, ErrArchitecture) {
		t.Errorf("binary head on 3 classes: %v", err)
	}
	if _, _, err := Train(ctx, g, smallConfig(), nil); !errors.Is(err, ErrNilRand) {
		t.Errorf("nil rng: %v", err)
	}
	if _, err := New(smallConfig().Architecture(g.NumFeatures(), 3), nil); !errors.Is(err, ErrNilRand) {
		t.Errorf("New with nil rng: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := Train(cancelled, g, smallConfig(), newRNG(1)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

// TestTrainNonFinite makes the loss overflow with huge unnormalised features.
func TestTrainNonFinite(t *testing.T) {
	data := make([]float64, 8*2)
	for i := range data {
		data[i] = 1e308
	}
	x, _ := NewDenseFeatures(8, 2, data)
	g, err := NewGraph(x, [][2]int{{0, 1}}, []int{0, 1, 0, 1, 0, 1, 0, 1}, 2, Split{Train: []int{0, 1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := smallConfig()
	cfg.RowNormalize = false
	if _, _, err := Train(context.Background(), g, cfg, newRNG(1)); !errors.Is(err, ErrNonFinite) {
		t.Errorf("overflowing features: %v", err)
	}
}

// TestAdamStep checks one Adam update by hand: the first step moves every parameter by lr against
// the sign of its (decayed) gradient, and biases get no weight decay.
func TestAdamStep(t *testing.T) {
	g := randomGraph(t, newRNG(1), 10, 3, 3, 2, false)
	m, _ := New(testArch(AggregatorGCN, HeadSoftmax, g), newRNG(1))
	opt := newAdam(m, 0.1, 0.5)
	params := m.Params()
	before := slices.Clone(params)
	grad := make([]float64, len(params))
	opt.step(params, grad)
	s := m.shapes[0]
	for i := range params {
		decayed := i >= s.w && i < s.b || i >= m.shapes[1].w && i < m.shapes[1].b
		want := before[i]
		if decayed && before[i] != 0 {
			want -= 0.1 * math.Copysign(1, before[i]) * math.Abs(0.5*before[i]) / (math.Abs(0.5*before[i]) + adamEpsilon)
		}
		if math.Abs(params[i]-want) > 1e-12 {
			t.Fatalf("parameter %d (decayed %v): %v, want %v", i, decayed, params[i], want)
		}
	}
}
