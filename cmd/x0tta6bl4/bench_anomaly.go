package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/graphsage"
	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/meshdetect"
)

// Limits of `bench anomaly`.
const (
	// anomalyMaxSeeds bounds --train-seeds and --test-seeds.
	anomalyMaxSeeds = 40
	// anomalyMaxWorkers bounds --workers.
	anomalyMaxWorkers = 64
	// anomalyGraphNodes is the size of the mesh-wide graph whose inference is timed.
	anomalyGraphNodes = 1000
	// anomalyGraphReps is how many times that graph is classified for the timing.
	anomalyGraphReps = 5
)

// errBelowMinMacroF1 reports a model macro-F1 (mesh-wide) under --min-macro-f1.
var errBelowMinMacroF1 = errors.New("mesh-wide macro-F1 below --min-macro-f1")

// benchAnomalyOptions holds the flags of `bench anomaly`.
type benchAnomalyOptions struct {
	nodes, trainSeeds, testSeeds, workers int
	seed                                  uint64
	jsonOut                               bool
	out                                   string
	minMacroF1                            float64
}

// benchAnomalyReport is the JSON output of `bench anomaly`.
type benchAnomalyReport struct {
	Plan        meshdetect.Plan            `json:"plan"`
	Frames      map[string]int             `json:"frames"`
	Train       benchAnomalyTrain          `json:"train"`
	Evaluation  meshdetect.Evaluation      `json:"evaluation"`
	Inference   meshdetect.InferenceTiming `json:"inference"`
	ModelSHA256 string                     `json:"model_sha256"`
	ModelFile   string                     `json:"model_file,omitempty"`
	GenerateS   float64                    `json:"generate_s"`
	TrainS      float64                    `json:"train_s"`
}

type benchAnomalyTrain struct {
	Epochs    int     `json:"epochs"`
	BestEpoch int     `json:"best_epoch"`
	ValAcc    float64 `json:"val_acc"`
	Stopped   bool    `json:"stopped"`
}

func newBenchAnomalyCmd() *cobra.Command {
	o := benchAnomalyOptions{}
	cmd := &cobra.Command{
		Use:   "anomaly",
		Short: "Train the GraphSAGE mesh anomaly detector on simulated faults and compare it with the MAPE-K rules",
		Long: `Simulates networks with one node of every fault class (blackhole, grayhole, overloaded,
flapping, identity churn, handshake-flood source), trains a GraphSAGE classifier on grid, scale-free
and ring networks, stops early on held-out seeds, and evaluates it on random-geometric networks (a
family it never saw) and unseen grid and scale-free seeds. Prints per-class precision, recall and F1
with macro-F1 for the model and for the rule-based MAPE-K detector on the same samples, mesh-wide and
from each node's local view, and the inference time per node and for a 1000-node graph. See
docs/anomaly.md.`,
		Example: "  x0tta6bl4 bench anomaly --out meshdetect.model",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchAnomaly(cmd.Context(), cmd.OutOrStdout(), o, time.Now)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.nodes, "nodes", meshdetect.DefaultNodes, "nodes per simulated network")
	f.IntVar(&o.trainSeeds, "train-seeds", 4, "training seeds 1..N per training topology (grid, scale-free, ring)")
	f.IntVar(&o.testSeeds, "test-seeds", 4, "random-geometric test seeds 101..100+N")
	f.IntVar(&o.workers, "workers", 2, "scenarios simulated at once")
	f.Uint64Var(&o.seed, "seed", 1, "training seed (initial weights, dropout, normal-row subsampling)")
	f.BoolVar(&o.jsonOut, "json", false, "print one JSON object instead of text")
	f.StringVar(&o.out, "out", "", "write the trained detector to this file")
	f.Float64Var(&o.minMacroF1, "min-macro-f1", 0, "fail if the model's mesh-wide macro-F1 is below this")
	return cmd
}

func runBenchAnomaly(ctx context.Context, w io.Writer, o benchAnomalyOptions, now func() time.Time) error {
	switch {
	case o.trainSeeds < 1 || o.trainSeeds > anomalyMaxSeeds || o.testSeeds < 1 || o.testSeeds > anomalyMaxSeeds:
		return fmt.Errorf("--train-seeds and --test-seeds must be in [1, %d]", anomalyMaxSeeds)
	case o.workers < 1 || o.workers > anomalyMaxWorkers:
		return fmt.Errorf("--workers must be in [1, %d]", anomalyMaxWorkers)
	case !(o.minMacroF1 >= 0 && o.minMacroF1 <= 1):
		return fmt.Errorf("--min-macro-f1 must be in [0, 1]")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	plan := meshdetect.DefaultPlan(o.nodes, o.trainSeeds, o.testSeeds)
	if err := plan.Validate(); err != nil {
		return err
	}
	rep := benchAnomalyReport{Plan: plan, Frames: map[string]int{}}
	start := now()
	sets := make([][]meshdetect.Frame, 3)
	for k, specs := range [][]meshdetect.Spec{plan.Train, plan.Val, plan.Test} {
		frames, err := meshdetect.Generate(ctx, specs, o.workers)
		if err != nil {
			return err
		}
		sets[k] = frames
	}
	rep.Frames["train"], rep.Frames["val"], rep.Frames["test"] = len(sets[0]), len(sets[1]), len(sets[2])
	rep.GenerateS = now().Sub(start).Seconds()
	start = now()
	opt := meshdetect.DefaultTrainOptions()
	opt.Seed = o.seed
	d, tr, err := meshdetect.Train(ctx, sets[0], sets[1], opt)
	if err != nil {
		return err
	}
	rep.TrainS = now().Sub(start).Seconds()
	rep.Train = benchAnomalyTrain{Epochs: tr.Epochs, BestEpoch: tr.BestEpoch, ValAcc: tr.ValAcc, Stopped: tr.Stopped}
	if rep.Evaluation, err = d.Evaluate(sets[2]); err != nil {
		return err
	}
	if rep.Inference, err = d.TimeInference(sets[2], anomalyGraphNodes, anomalyGraphReps, now); err != nil {
		return err
	}
	if rep.ModelSHA256, err = d.Hash(); err != nil {
		return err
	}
	if o.out != "" {
		if err := writeDetector(o.out, d); err != nil {
			return err
		}
		rep.ModelFile = o.out
	}
	if o.jsonOut {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := writeAnomalyText(w, &rep, opt.Config); err != nil {
		return err
	}
	if got := rep.Evaluation.Mesh.Model.MacroF1; got < o.minMacroF1 {
		return fmt.Errorf("%w: %.3f < %.3f", errBelowMinMacroF1, got, o.minMacroF1)
	}
	return nil
}

// writeDetector saves d to path through a temporary file renamed into place.
func writeDetector(path string, d *meshdetect.Detector) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := d.Save(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func writeAnomalyText(w io.Writer, r *benchAnomalyReport, cfg graphsage.Config) error {
	var err error
	p := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	p("mesh anomaly detection: %d train, %d validation, %d test scenarios of %d nodes (%d/%d/%d frames), generated in %.1f s\n",
		len(r.Plan.Train), len(r.Plan.Val), len(r.Plan.Test), r.Plan.Train[0].Nodes, r.Frames["train"], r.Frames["val"], r.Frames["test"], r.GenerateS)
	p("GraphSAGE-%s, %d layers of %d, dropout %.2g: %d epochs (best %d, validation accuracy %.3f) in %.1f s\n\n",
		cfg.Aggregator, cfg.Layers, cfg.Hidden, cfg.Dropout, r.Train.Epochs, r.Train.BestEpoch, r.Train.ValAcc, r.TrainS)
	p("Mesh-wide (every node: own telemetry + all neighbours' measurements of it), test scenarios:\n\n")
	if err == nil {
		err = meshdetect.WriteTable(w, r.Evaluation.Mesh.Model, r.Evaluation.Mesh.Rules)
	}
	p("\nLocal view (every neighbour entry of every node, from that node's telemetry only: what MAPE-K's Scorer sees):\n\n")
	if err == nil {
		err = meshdetect.WriteTable(w, r.Evaluation.Local.Model, r.Evaluation.Local.Rules)
	}
	in := r.Inference
	p("\ninference: %v per node (local graph, %.1f neighbour entries on average), %v for a %d-node mesh-wide graph\n",
		in.PerNode.Round(time.Microsecond), in.NeighboursPerNode, in.Graph.Round(time.Microsecond), in.GraphNodes)
	p("model sha256 %s", r.ModelSHA256)
	if r.ModelFile != "" {
		p(", written to %s", r.ModelFile)
	}
	p("\n")
	return err
}
