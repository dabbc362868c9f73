package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/graphsage"
	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/planetoid"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/round"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/round/fedsage"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/round/roundsim"
)

// errFLGap reports a federated accuracy more than --max-gap points below the centralised one.
var errFLGap = errors.New("federated accuracy too far below the centralised baseline")

// flSimOptions holds the flags of `fl sim`.
type flSimOptions struct {
	data, name               string
	e                        fedsage.Experiment
	strategy, attack         string
	robustF                  int
	dpSigma, dpClip, dpDelta float64
	dpClientEps              float64
	secure                   bool
	secureClip               float64
	secureNeighbours         int
	jsonOut                  bool
	maxGap                   float64
	aggregator               string
	labels                   string
	robustSet, dpSet         bool
}

// newFLCmd returns the "fl" command group: federated learning.
func newFLCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fl",
		Short: "Federated learning: simulated federated training rounds",
	}
	cmd.AddCommand(newFLSimCmd())
	return cmd
}

func newFLSimCmd() *cobra.Command {
	o := flSimOptions{e: fedsage.DefaultExperiment()}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Train GraphSAGE by federated rounds on a simulated network and compare with centralised training",
		Long: `Splits the training labels of a Planetoid dataset across --clients simulated clients (every
client holds the whole graph and its share of the training labels, dealt round robin after a seeded
shuffle), runs --rounds federated rounds of --local-epochs local epochs each with the coordinator and
client state machines of internal/fl/round on a virtual network, and reports the final model's test
accuracy next to a centralised model trained on every label for rounds × local epochs epochs from the
same initial model. Byzantine clients, DP-FedAvg, secure aggregation, dropouts, stragglers and a
coordinator crash are options. Wall times are real; round deadlines run on virtual time.`,
		Example: `  x0tta6bl4 fl sim --data ../shared/data/planetoid --name cora --clients 20 --rounds 40 --local-epochs 5 --seed 1
  x0tta6bl4 fl sim --data ../shared/data/planetoid --strategy median --byzantine 6 --attack sign-flip
  x0tta6bl4 fl sim --data ../shared/data/planetoid --dp-sigma 0.5 --dp-clip 0.1 --delta 1e-5 --secagg`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.robustSet = cmd.Flags().Changed("robust-f")
			o.dpSet = cmd.Flags().Changed("dp-sigma")
			return runFLSim(cmd.Context(), cmd.OutOrStdout(), o, time.Now)
		},
	}
	f := cmd.Flags()
	e := &o.e
	f.StringVar(&o.data, "data", "", "directory holding <name>.features.txt, .labels.txt, .edges.txt and .split.txt (required)")
	f.StringVar(&o.name, "name", "cora", "dataset name")
	f.IntVar(&e.Clients, "clients", e.Clients, "number of clients")
	f.IntVar(&e.Rounds, "rounds", e.Rounds, "number of rounds that must produce a model")
	f.IntVar(&e.LocalEpochs, "local-epochs", e.LocalEpochs, "local training epochs per round")
	f.Float64Var(&e.SampleRate, "sample-rate", e.SampleRate, "probability q that a client is selected into a round")
	f.IntVar(&e.MinClients, "min-clients", 0, "least updates per round (0 = the larger of the strategy's minimum and half the clients)")
	f.IntVar(&e.MaxMisses, "max-misses", round.DefaultMaxMisses, "rounds in a row a client may miss before it is excluded")
	f.StringVar(&o.strategy, "strategy", round.StrategyFedAvg, "aggregation: "+strings.Join(round.StrategyNames(), "|"))
	f.IntVar(&e.Byzantine, "byzantine", 0, "number of Byzantine clients")
	f.StringVar(&o.attack, "attack", "sign-flip", "Byzantine behaviour: "+strings.Join(roundsim.AttackNames()[1:], "|"))
	f.IntVar(&o.robustF, "robust-f", 0, "Byzantine clients the robust rules are built for (default --byzantine)")
	f.Float64Var(&o.dpSigma, "dp-sigma", 0, "DP-FedAvg noise multiplier z (0 = no DP)")
	f.Float64Var(&o.dpClip, "dp-clip", 0.1, "DP-FedAvg L2 clip norm C of each delta")
	f.Float64Var(&o.dpDelta, "delta", 1e-5, "delta of the reported epsilon")
	f.Float64Var(&o.dpClientEps, "dp-client-epsilon", 0, "each client's own epsilon budget (0 = unlimited)")
	f.BoolVar(&o.secure, "secagg", false, "aggregate the deltas by secure aggregation (fedavg only)")
	f.Float64Var(&o.secureClip, "secagg-clip", fedsage.DefaultSecAggClip, "secure aggregation: clip every delta coordinate to [-c, c]")
	f.IntVar(&o.secureNeighbours, "secagg-neighbours", 0, "secure aggregation: SecAgg+ neighbours per client (0 = complete graph)")
	f.Float64Var(&e.Dropout, "dropout", 0, "probability that a client drops out of a round after training")
	f.Float64Var(&e.Stragglers, "stragglers", 0, "probability that a client trains ten times slower in a round (misses the deadline)")
	f.IntVar(&e.Coordinators, "coordinators", 1, "coordinators in the succession list")
	f.DurationVar(&e.CrashAt, "crash-coordinator-at", 0, "crash the first coordinator at this virtual time (needs --coordinators >= 2)")
	f.DurationVar(&e.RoundTimeout, "round-timeout", e.RoundTimeout, "virtual round deadline (local training takes 1 s)")
	f.Uint64Var(&e.Seed, "seed", 1, "seed of the partition, initial model, selection, faults and training")
	f.BoolVar(&e.Centralised, "centralised", true, "also train the centralised baseline")
	f.BoolVar(&o.jsonOut, "json", false, "print one JSON object instead of text")
	f.Float64Var(&o.maxGap, "max-gap", 0, "fail if the federated accuracy is more than this many points below the centralised one (0 = no check)")
	f.StringVar(&o.labels, "labels", "train", "labels shared out: train (the standard split) or train+val (validation labels too)")
	f.StringVar(&o.aggregator, "aggregator", e.Model.Aggregator.String(), "GraphSAGE aggregator: mean, gcn or pool")
	f.IntVar(&e.Model.Hidden, "hidden", e.Model.Hidden, "hidden layer width")
	f.Float64Var(&e.Model.LearningRate, "lr", e.Model.LearningRate, "local Adam learning rate")
	f.Float64Var(&e.Model.Dropout, "model-dropout", e.Model.Dropout, "dropout of local training")
	f.Float64Var(&e.Model.WeightDecay, "weight-decay", e.Model.WeightDecay, "L2 weight decay of local training")
	return cmd
}

// experiment turns the flags into an experiment.
func (o flSimOptions) experiment() (fedsage.Experiment, error) {
	e := o.e
	agg, err := graphsage.ParseAggregator(o.aggregator)
	if err != nil {
		return e, err
	}
	e.Model.Aggregator = agg
	e.Strategy = round.StrategySpec{Name: o.strategy, F: e.Byzantine}
	if o.robustSet {
		e.Strategy.F = o.robustF
	}
	if e.Byzantine > 0 {
		if e.Attack, err = roundsim.ParseAttack(o.attack); err != nil {
			return e, err
		}
	}
	if o.dpSet {
		e.DP = &round.DPConfig{ClipNorm: o.dpClip, NoiseMultiplier: o.dpSigma, Delta: o.dpDelta, ClientEpsilon: o.dpClientEps}
	}
	if o.secure {
		e.SecAgg = &round.SecAggConfig{Clip: o.secureClip, Neighbours: o.secureNeighbours}
	}
	return e, nil
}

// flSimReport is the JSON output of `fl sim --json`.
type flSimReport struct {
	Dataset            string   `json:"dataset"`
	Nodes              int      `json:"nodes"`
	TrainLabels        int      `json:"train_labels"`
	Clients            int      `json:"clients"`
	Params             int      `json:"params"`
	Strategy           string   `json:"strategy"`
	RobustF            int      `json:"robust_f"`
	Byzantine          int      `json:"byzantine"`
	Attack             string   `json:"attack"`
	Rounds             int      `json:"rounds"`
	LocalEpochs        int      `json:"local_epochs"`
	SampleRate         float64  `json:"sample_rate"`
	DPSigma            float64  `json:"dp_sigma,omitempty"`
	DPClip             float64  `json:"dp_clip,omitempty"`
	SecAgg             bool     `json:"secagg"`
	Dropout            float64  `json:"dropout"`
	Stragglers         float64  `json:"stragglers"`
	Seed               uint64   `json:"seed"`
	TestAccuracy       float64  `json:"test_accuracy"`
	CentralAccuracy    *float64 `json:"centralised_accuracy,omitempty"`
	CentralEpochs      int      `json:"centralised_epochs,omitempty"`
	CentralWallSeconds float64  `json:"centralised_wall_seconds,omitempty"`
	Completed          int      `json:"rounds_completed"`
	Aborted            int      `json:"rounds_aborted"`
	LateUpdates        int      `json:"late_updates"`
	Excluded           int      `json:"clients_excluded"`
	Failovers          int      `json:"failovers"`
	FinishError        string   `json:"finish_error,omitempty"`
	Epsilon            float64  `json:"epsilon"`
	Delta              float64  `json:"delta"`
	BytesTotal         int64    `json:"bytes_total"`
	BytesPerRound      float64  `json:"bytes_per_round"`
	UplinkPerRound     float64  `json:"uplink_bytes_per_round"`
	Messages           int      `json:"messages"`
	VirtualSeconds     float64  `json:"virtual_seconds"`
	WallSeconds        float64  `json:"wall_seconds"`
	GOMAXPROCS         int      `json:"gomaxprocs"`
}

// runFLSim runs `fl sim` and writes its report to w; now measures wall time.
func runFLSim(ctx context.Context, w io.Writer, o flSimOptions, now func() time.Time) error {
	if o.data == "" {
		return errors.New("fl sim: --data is required")
	}
	if !(o.maxGap >= 0) {
		return fmt.Errorf("fl sim: --max-gap %v must be >= 0", o.maxGap)
	}
	e, err := o.experiment()
	if err != nil {
		return fmt.Errorf("fl sim: %w", err)
	}
	ds, err := planetoid.Load(o.data, o.name)
	if err != nil {
		return fmt.Errorf("fl sim: %w", err)
	}
	x, err := graphsage.NewSparseFeatures(ds.N(), ds.Features.F, ds.Features.RowPtr, ds.Features.Indices, nil)
	if err != nil {
		return fmt.Errorf("fl sim: %w", err)
	}
	d := &fedsage.Data{X: x, Edges: ds.Edges, Labels: ds.Labels, Classes: ds.NumClasses,
		Split: graphsage.Split{Train: ds.Split.Train, Val: ds.Split.Val, Test: ds.Split.Test}}
	switch o.labels {
	case "train":
	case "train+val":
		d.Split.Train = append(slices.Clone(ds.Split.Train), ds.Split.Val...)
		d.Split.Val = nil
	default:
		return fmt.Errorf("fl sim: --labels %q, want train or train+val", o.labels)
	}
	res, err := fedsage.Run(ctx, d, e, now)
	if err != nil {
		return fmt.Errorf("fl sim: %w", err)
	}
	rep := flReport(o, e, ds, res)
	rep.TrainLabels = len(d.Split.Train)
	if o.jsonOut {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("fl sim: %w", err)
		}
	} else if err := writeFLText(w, rep); err != nil {
		return fmt.Errorf("fl sim: %w", err)
	}
	if o.maxGap > 0 && rep.CentralAccuracy != nil && 100*(*rep.CentralAccuracy-rep.TestAccuracy) > o.maxGap {
		return fmt.Errorf("fl sim: %w: %.2f%% vs %.2f%%, more than %.2f points", errFLGap,
			100*rep.TestAccuracy, 100**rep.CentralAccuracy, o.maxGap)
	}
	return nil
}

// flReport collects the report of a run.
func flReport(o flSimOptions, e fedsage.Experiment, ds *planetoid.Dataset, res *fedsage.Result) flSimReport {
	r := res.Report
	rep := flSimReport{
		Dataset: ds.Name, Nodes: ds.N(), TrainLabels: len(ds.Split.Train), Clients: e.Clients, Params: res.Params,
		Strategy: e.Strategy.Name, RobustF: e.Strategy.F, Byzantine: e.Byzantine, Attack: e.Attack.String(),
		Rounds: e.Rounds, LocalEpochs: e.LocalEpochs, SampleRate: e.SampleRate, SecAgg: e.SecAgg != nil,
		Dropout: e.Dropout, Stragglers: e.Stragglers, Seed: e.Seed, TestAccuracy: res.TestAccuracy,
		Completed: r.Completed, Excluded: len(r.Excluded), Failovers: r.Failovers,
		Epsilon: r.Final.Epsilon, Delta: r.Final.Delta, BytesTotal: r.BytesSent, BytesPerRound: r.BytesPerRound(),
		UplinkPerRound: r.UplinkPerRound(),
		Messages:       r.Messages, VirtualSeconds: r.VirtualTime.Seconds(), WallSeconds: res.Wall.Seconds(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
	}
	if e.DP != nil {
		rep.DPSigma, rep.DPClip = e.DP.NoiseMultiplier, e.DP.ClipNorm
	}
	for _, st := range r.Rounds {
		if st.Aborted {
			rep.Aborted++
		}
		rep.LateUpdates += st.Late
	}
	if r.Err != nil {
		rep.FinishError = r.Err.Error()
	}
	if c := res.Centralised; c != nil {
		acc := c.TestAccuracy
		rep.CentralAccuracy, rep.CentralEpochs, rep.CentralWallSeconds = &acc, c.Epochs, c.Wall.Seconds()
	}
	return rep
}

// writeFLText prints the report as text.
func writeFLText(w io.Writer, r flSimReport) error {
	var b strings.Builder
	per := float64(r.TrainLabels) / float64(r.Clients)
	fmt.Fprintf(&b, "fl sim on %s: %d nodes, %d training labels over %d clients (%.1f each, IID; every client holds the whole graph), %d parameters\n",
		r.Dataset, r.Nodes, r.TrainLabels, r.Clients, per, r.Params)
	fmt.Fprintf(&b, "strategy %s (f=%d), %d rounds x %d local epochs, q=%g, byzantine %d (%s)", r.Strategy, r.RobustF,
		r.Rounds, r.LocalEpochs, r.SampleRate, r.Byzantine, r.Attack)
	if r.DPSigma > 0 {
		fmt.Fprintf(&b, ", DP z=%g C=%g", r.DPSigma, r.DPClip)
	}
	if r.SecAgg {
		b.WriteString(", secagg")
	}
	fmt.Fprintf(&b, ", dropout %g, stragglers %g, seed %d\n", r.Dropout, r.Stragglers, r.Seed)
	fmt.Fprintf(&b, "federated:   test accuracy %6.2f%%  (%d rounds completed, %d aborted, %d late updates, %d clients excluded, %d failovers)\n",
		100*r.TestAccuracy, r.Completed, r.Aborted, r.LateUpdates, r.Excluded, r.Failovers)
	fmt.Fprintf(&b, "             %.2f MB per round (%.2f MB from the clients), %.1f MB total in %d messages; virtual %.1f s, wall %.1f s (GOMAXPROCS %d)\n",
		r.BytesPerRound/1e6, r.UplinkPerRound/1e6, float64(r.BytesTotal)/1e6, r.Messages, r.VirtualSeconds, r.WallSeconds, r.GOMAXPROCS)
	if r.DPSigma > 0 {
		fmt.Fprintf(&b, "             epsilon %.4g at delta %g\n", r.Epsilon, r.Delta)
	}
	if r.FinishError != "" {
		fmt.Fprintf(&b, "             coordinator stopped early: %s\n", r.FinishError)
	}
	if r.CentralAccuracy != nil {
		fmt.Fprintf(&b, "centralised: test accuracy %6.2f%%  (%d epochs, wall %.1f s)\n", 100**r.CentralAccuracy, r.CentralEpochs, r.CentralWallSeconds)
		fmt.Fprintf(&b, "gap (federated - centralised): %+.2f points\n", 100*(r.TestAccuracy-*r.CentralAccuracy))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
