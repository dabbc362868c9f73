package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/graphsage"
	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/planetoid"
)

// Limits and constants of `bench graphsage`.
const (
	// graphSAGEMaxSeeds bounds --seeds.
	graphSAGEMaxSeeds = 1000
	// graphSAGESeedStream is the second seed word of every run's PCG generator; the first is the
	// run's seed, so run s is reproducible on its own.
	graphSAGESeedStream = 0x9e3779b97f4a7c15
)

// errBelowMinAccuracy reports a mean test accuracy under --min-accuracy.
var errBelowMinAccuracy = errors.New("mean test accuracy below --min-accuracy")

// benchGraphSAGEOptions holds the flags of `bench graphsage`.
type benchGraphSAGEOptions struct {
	data, name   string
	seeds        int
	firstSeed    uint64
	jsonOut      bool
	aggregator   string
	fanouts      []int
	fullBatch    bool
	sampleSet    bool // --fanouts given without --full-batch: switch to sampling
	batchSize    int
	layers       int
	hidden       int
	epochs       int
	patience     int
	lr           float64
	weightDecay  float64
	dropout      float64
	normalize    bool
	rowNormalize bool
	minAccuracy  float64
}

func newBenchGraphSAGECmd() *cobra.Command {
	def := graphsage.DefaultConfig()
	o := benchGraphSAGEOptions{}
	cmd := &cobra.Command{
		Use:   "graphsage",
		Short: "Train GraphSAGE on a Planetoid dataset over several seeds and report test accuracy",
		Long: `Trains one GraphSAGE model per seed on a Planetoid dataset in text form (see
internal/anomaly/planetoid), choosing each model's epoch by validation accuracy, and prints the test
accuracy of every run and its mean ± sample standard deviation, the epochs and the wall time per seed.
Hyperparameters default to those chosen on Cora's validation split.`,
		Example: "  x0tta6bl4 bench graphsage --data ../shared/data/planetoid --name cora --seeds 10",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.sampleSet = cmd.Flags().Changed("fanouts") && !cmd.Flags().Changed("full-batch")
			return runBenchGraphSAGE(cmd.Context(), cmd.OutOrStdout(), o, time.Now)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.data, "data", "", "directory holding <name>.features.txt, .labels.txt, .edges.txt and .split.txt (required)")
	f.StringVar(&o.name, "name", "cora", "dataset name")
	f.IntVar(&o.seeds, "seeds", 10, "number of runs, with seeds --seed, --seed+1, …")
	f.Uint64Var(&o.firstSeed, "seed", 1, "seed of the first run")
	f.BoolVar(&o.jsonOut, "json", false, "print one JSON object instead of text")
	f.StringVar(&o.aggregator, "aggregator", def.Aggregator.String(), "neighbourhood aggregator: mean, gcn or pool")
	f.IntSliceVar(&o.fanouts, "fanouts", def.Fanouts, "neighbours sampled per layer, first layer first (0 = all); implies --full-batch=false unless that is given")
	f.BoolVar(&o.fullBatch, "full-batch", def.FullBatch, "train on all training nodes with full neighbourhoods each epoch")
	f.IntVar(&o.batchSize, "batch-size", def.BatchSize, "training nodes per minibatch when sampling")
	f.IntVar(&o.layers, "layers", def.Layers, "number of GraphSAGE layers")
	f.IntVar(&o.hidden, "hidden", def.Hidden, "hidden layer width")
	f.IntVar(&o.epochs, "epochs", def.Epochs, "maximum number of epochs")
	f.IntVar(&o.patience, "patience", def.Patience, "stop after this many epochs without better validation accuracy (0 = never)")
	f.Float64Var(&o.lr, "lr", def.LearningRate, "Adam learning rate")
	f.Float64Var(&o.weightDecay, "weight-decay", def.WeightDecay, "L2 weight decay of the weight matrices")
	f.Float64Var(&o.dropout, "dropout", def.Dropout, "dropout probability of layer inputs")
	f.BoolVar(&o.normalize, "normalize", def.Normalize, "L2-normalise hidden layer outputs")
	f.BoolVar(&o.rowNormalize, "row-normalize", def.RowNormalize, "scale feature rows to unit L1 norm")
	f.Float64Var(&o.minAccuracy, "min-accuracy", 0, "fail unless the mean test accuracy reaches this fraction (0 = no check)")
	return cmd
}

// graphSAGEConfigJSON is the configuration as the JSON report shows it.
type graphSAGEConfigJSON struct {
	Aggregator   string  `json:"aggregator"`
	Layers       int     `json:"layers"`
	Hidden       int     `json:"hidden"`
	Dropout      float64 `json:"dropout"`
	LearningRate float64 `json:"lr"`
	WeightDecay  float64 `json:"weight_decay"`
	Epochs       int     `json:"epochs"`
	Patience     int     `json:"patience"`
	FullBatch    bool    `json:"full_batch"`
	BatchSize    int     `json:"batch_size,omitempty"`
	Fanouts      []int   `json:"fanouts,omitempty"`
	Normalize    bool    `json:"normalize"`
	RowNormalize bool    `json:"row_normalize"`
}

// graphSAGERun is one seed's result.
type graphSAGERun struct {
	Seed         uint64  `json:"seed"`
	TestAccuracy float64 `json:"test_accuracy"`
	ValAccuracy  float64 `json:"val_accuracy"`
	Epochs       int     `json:"epochs"`
	BestEpoch    int     `json:"best_epoch"`
	WallSeconds  float64 `json:"wall_seconds"`
}

// graphSAGEReport is the JSON output of `bench graphsage --json`.
type graphSAGEReport struct {
	Dataset          string              `json:"dataset"`
	Nodes            int                 `json:"nodes"`
	Edges            int                 `json:"edges"`
	Features         int                 `json:"features"`
	Classes          int                 `json:"classes"`
	Train            int                 `json:"train"`
	Val              int                 `json:"val"`
	Test             int                 `json:"test"`
	Config           graphSAGEConfigJSON `json:"config"`
	Runs             []graphSAGERun      `json:"runs"`
	TestAccuracyMean float64             `json:"test_accuracy_mean"`
	TestAccuracyStd  float64             `json:"test_accuracy_std"`
	ValAccuracyMean  float64             `json:"val_accuracy_mean"`
	EpochsMean       float64             `json:"epochs_mean"`
	WallSecondsMean  float64             `json:"wall_seconds_mean"`
	WallSecondsTotal float64             `json:"wall_seconds_total"`
	GOMAXPROCS       int                 `json:"gomaxprocs"`
}

// config turns the flags into a validated training configuration.
func (o benchGraphSAGEOptions) config() (graphsage.Config, error) {
	agg, err := graphsage.ParseAggregator(o.aggregator)
	if err != nil {
		return graphsage.Config{}, err
	}
	cfg := graphsage.DefaultConfig()
	cfg.Aggregator = agg
	cfg.Layers, cfg.Hidden = o.layers, o.hidden
	cfg.Normalize, cfg.RowNormalize = o.normalize, o.rowNormalize
	cfg.LearningRate, cfg.WeightDecay, cfg.Dropout = o.lr, o.weightDecay, o.dropout
	cfg.Epochs, cfg.Patience = o.epochs, o.patience
	cfg.FullBatch = o.fullBatch && !o.sampleSet
	cfg.BatchSize, cfg.Fanouts = o.batchSize, o.fanouts
	return cfg, cfg.Validate()
}

// graphFromPlanetoid converts a loaded dataset into a graph with sparse binary features.
func graphFromPlanetoid(ds *planetoid.Dataset) (*graphsage.Graph, error) {
	x, err := graphsage.NewSparseFeatures(ds.N(), ds.Features.F, ds.Features.RowPtr, ds.Features.Indices, nil)
	if err != nil {
		return nil, err
	}
	return graphsage.NewGraph(x, ds.Edges, ds.Labels, ds.NumClasses,
		graphsage.Split{Train: ds.Split.Train, Val: ds.Split.Val, Test: ds.Split.Test})
}

// runBenchGraphSAGE trains o.seeds models and writes the report to w; now times each run.
func runBenchGraphSAGE(ctx context.Context, w io.Writer, o benchGraphSAGEOptions, now func() time.Time) error {
	if o.data == "" {
		return errors.New("bench graphsage: --data is required")
	}
	if o.seeds < 1 || o.seeds > graphSAGEMaxSeeds {
		return fmt.Errorf("bench graphsage: --seeds %d not in [1, %d]", o.seeds, graphSAGEMaxSeeds)
	}
	if !(o.minAccuracy >= 0 && o.minAccuracy <= 1) {
		return fmt.Errorf("bench graphsage: --min-accuracy %v not in [0, 1]", o.minAccuracy)
	}
	cfg, err := o.config()
	if err != nil {
		return fmt.Errorf("bench graphsage: %w", err)
	}
	ds, err := planetoid.Load(o.data, o.name)
	if err != nil {
		return fmt.Errorf("bench graphsage: %w", err)
	}
	g, err := graphFromPlanetoid(ds)
	if err != nil {
		return fmt.Errorf("bench graphsage: %w", err)
	}
	split := g.Split()
	if len(split.Test) == 0 {
		return fmt.Errorf("bench graphsage: dataset %s has no test nodes", o.name)
	}
	rep := graphSAGEReport{
		Dataset: o.name, Nodes: g.N(), Edges: g.NumEdges(), Features: g.NumFeatures(), Classes: g.NumClasses(),
		Train: len(split.Train), Val: len(split.Val), Test: len(split.Test),
		Config:     configJSON(cfg),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
	}
	if !o.jsonOut {
		fmt.Fprintf(w, "graphsage on %s: %d nodes, %d edges, %d features, %d classes; train/val/test %d/%d/%d\n",
			rep.Dataset, rep.Nodes, rep.Edges, rep.Features, rep.Classes, rep.Train, rep.Val, rep.Test)
		fmt.Fprintf(w, "config: %s\n", describeConfig(cfg))
		fmt.Fprintf(w, "%6s %9s %9s %7s %6s %9s\n", "seed", "test acc", "val acc", "epochs", "best", "wall")
	}
	for i := 0; i < o.seeds; i++ {
		seed := o.firstSeed + uint64(i)
		start := now()
		m, tr, err := graphsage.Train(ctx, g, cfg, rand.New(rand.NewPCG(seed, graphSAGESeedStream)))
		if err != nil {
			return fmt.Errorf("bench graphsage: seed %d: %w", seed, err)
		}
		acc, err := m.Accuracy(g, split.Test)
		if err != nil {
			return fmt.Errorf("bench graphsage: seed %d: %w", seed, err)
		}
		run := graphSAGERun{Seed: seed, TestAccuracy: acc, ValAccuracy: tr.ValAcc, Epochs: tr.Epochs,
			BestEpoch: tr.BestEpoch, WallSeconds: now().Sub(start).Seconds()}
		rep.Runs = append(rep.Runs, run)
		if !o.jsonOut {
			fmt.Fprintf(w, "%6d %8.2f%% %8.2f%% %7d %6d %8.2fs\n", run.Seed, 100*run.TestAccuracy, 100*run.ValAccuracy,
				run.Epochs, run.BestEpoch, run.WallSeconds)
		}
	}
	summarise(&rep)
	if o.jsonOut {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("bench graphsage: %w", err)
		}
	} else {
		fmt.Fprintf(w, "test accuracy %.2f%% ± %.2f%% (mean ± sample std over %d seeds)\n",
			100*rep.TestAccuracyMean, 100*rep.TestAccuracyStd, len(rep.Runs))
		fmt.Fprintf(w, "val accuracy %.2f%%, epochs %.1f, wall %.2f s per seed (%.1f s total, GOMAXPROCS %d)\n",
			100*rep.ValAccuracyMean, rep.EpochsMean, rep.WallSecondsMean, rep.WallSecondsTotal, rep.GOMAXPROCS)
	}
	if o.minAccuracy > 0 && rep.TestAccuracyMean < o.minAccuracy {
		return fmt.Errorf("bench graphsage: %w: %.4f < %.4f", errBelowMinAccuracy, rep.TestAccuracyMean, o.minAccuracy)
	}
	return nil
}

// summarise fills the means, the sample standard deviation of the test accuracy and the total time.
func summarise(rep *graphSAGEReport) {
	n := float64(len(rep.Runs))
	for _, r := range rep.Runs {
		rep.TestAccuracyMean += r.TestAccuracy / n
		rep.ValAccuracyMean += r.ValAccuracy / n
		rep.EpochsMean += float64(r.Epochs) / n
		rep.WallSecondsTotal += r.WallSeconds
	}
	rep.WallSecondsMean = rep.WallSecondsTotal / n
	if len(rep.Runs) > 1 {
		ss := 0.0
		for _, r := range rep.Runs {
			d := r.TestAccuracy - rep.TestAccuracyMean
			ss += d * d
		}
		rep.TestAccuracyStd = math.Sqrt(ss / (n - 1))
	}
}

func configJSON(cfg graphsage.Config) graphSAGEConfigJSON {
	c := graphSAGEConfigJSON{
		Aggregator: cfg.Aggregator.String(), Layers: cfg.Layers, Hidden: cfg.Hidden, Dropout: cfg.Dropout,
		LearningRate: cfg.LearningRate, WeightDecay: cfg.WeightDecay, Epochs: cfg.Epochs, Patience: cfg.Patience,
		FullBatch: cfg.FullBatch, Normalize: cfg.Normalize, RowNormalize: cfg.RowNormalize,
	}
	if !cfg.FullBatch {
		c.BatchSize, c.Fanouts = cfg.BatchSize, cfg.Fanouts
	}
	return c
}

func describeConfig(cfg graphsage.Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "aggregator=%v layers=%d hidden=%d dropout=%g lr=%g weight-decay=%g epochs<=%d patience=%d",
		cfg.Aggregator, cfg.Layers, cfg.Hidden, cfg.Dropout, cfg.LearningRate, cfg.WeightDecay, cfg.Epochs, cfg.Patience)
	if cfg.FullBatch {
		b.WriteString(" full-batch")
	} else {
		fmt.Fprintf(&b, " sampled batch-size=%d fanouts=%v", cfg.BatchSize, cfg.Fanouts)
	}
	if cfg.Normalize {
		b.WriteString(" l2-normalize")
	}
	if cfg.RowNormalize {
		b.WriteString(" row-normalize")
	}
	return b.String()
}
