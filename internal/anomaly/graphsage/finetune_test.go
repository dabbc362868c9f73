package graphsage

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// TestTrainEpochsContinuesFromParams trains a model in two calls of TrainEpochs and requires the
// loss to fall, the accuracy to rise far above chance, and the second call to start from the
// parameters the first left (not from a fresh initialisation).
func TestTrainEpochsContinuesFromParams(t *testing.T) {
	g := plantedGraph(t, newRNG(21), 240, 4, 10, 60)
	cfg := smallConfig()
	m, err := New(cfg.Architecture(g.NumFeatures(), g.NumClasses()), newRNG(2))
	if err != nil {
		t.Fatal(err)
	}
	before, err := m.Accuracy(g, g.Split().Test)
	if err != nil {
		t.Fatal(err)
	}
	first, err := m.TrainEpochs(context.Background(), g, cfg, 20, newRNG(3))
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 20 || !(first[19] < first[0]) {
		t.Fatalf("losses %v: want 20 epochs and a falling loss", first)
	}
	second, err := m.TrainEpochs(context.Background(), g, cfg, 20, newRNG(4))
	if err != nil {
		t.Fatal(err)
	}
	if !(second[0] < first[0]) {
		t.Errorf("second call starts at loss %v, first call started at %v: not warm-started", second[0], first[0])
	}
	after, err := m.Accuracy(g, g.Split().Test)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("test accuracy %.3f -> %.3f", before, after)
	if after < 0.8 {
		t.Errorf("test accuracy %.3f after 40 epochs, want >= 0.8", after)
	}
}

// TestTrainEpochsDeterministic requires the same parameters for the same start and seed.
func TestTrainEpochsDeterministic(t *testing.T) {
	g := plantedGraph(t, newRNG(22), 120, 3, 8, 30)
	cfg := smallConfig()
	var runs [2][]float64
	for i := range runs {
		m, err := New(cfg.Architecture(g.NumFeatures(), g.NumClasses()), newRNG(5))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.TrainEpochs(context.Background(), g, cfg, 3, newRNG(6)); err != nil {
			t.Fatal(err)
		}
		runs[i] = m.Params()
	}
	if !slices.Equal(runs[0], runs[1]) {
		t.Error("two runs with the same seed differ")
	}
}

// TestTrainEpochsErrors checks every refusal and that a refused call leaves the parameters alone.
func TestTrainEpochsErrors(t *testing.T) {
	g := plantedGraph(t, newRNG(23), 80, 2, 5, 20)
	cfg := smallConfig()
	m, err := New(cfg.Architecture(g.NumFeatures(), g.NumClasses()), newRNG(7))
	if err != nil {
		t.Fatal(err)
	}
	orig := m.Params()
	other := plantedGraph(t, newRNG(24), 80, 3, 5, 20) // 3 classes: different architecture
	unlabelled, err := NewGraph(g.x, nil, nil, 0, Split{})
	if err != nil {
		t.Fatal(err)
	}
	badCfg := cfg
	badCfg.LearningRate = 0
	wider := cfg
	wider.Hidden++
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		g      *Graph
		cfg    Config
		epochs int
		nilRNG bool
		want   error
	}{
		{"bad config", context.Background(), g, badCfg, 1, false, ErrConfig},
		{"nil rng", context.Background(), g, cfg, 1, true, ErrNilRand},
		{"zero epochs", context.Background(), g, cfg, 0, false, ErrConfig},
		{"too many epochs", context.Background(), g, cfg, MaxEpochs + 1, false, ErrConfig},
		{"nil graph", context.Background(), nil, cfg, 1, false, ErrGraph},
		{"unlabelled", context.Background(), unlabelled, cfg, 1, false, ErrGraph},
		{"classes differ", context.Background(), other, cfg, 1, false, ErrArchitecture},
		{"config differs", context.Background(), g, wider, 1, false, ErrArchitecture},
		{"cancelled", cancelled, g, cfg, 1, false, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := newRNG(8)
			if tc.nilRNG {
				rng = nil
			}
			_, err := m.TrainEpochs(tc.ctx, tc.g, tc.cfg, tc.epochs, rng)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !slices.Equal(m.Params(), orig) {
				t.Fatal("a refused call changed the parameters")
			}
		})
	}
}
