package fedsage

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/graphsage"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/round"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/round/roundsim"
)

// TestPartition deals every training node to exactly one client, evenly.
func TestPartition(t *testing.T) {
	train := make([]int, 23)
	for i := range train {
		train[i] = 100 + i
	}
	parts, err := Partition(train, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	var all []int
	for _, p := range parts {
		if len(p) < 4 || len(p) > 5 || !slices.IsSorted(p) {
			t.Fatalf("part %v", p)
		}
		all = append(all, p...)
	}
	slices.Sort(all)
	if !slices.Equal(all, train) {
		t.Fatal("parts do not cover the training nodes exactly once")
	}
	again, _ := Partition(train, 5, 1)
	other, _ := Partition(train, 5, 2)
	if !slices.EqualFunc(parts, again, slices.Equal) || slices.EqualFunc(parts, other, slices.Equal) {
		t.Fatal("partition is not a function of the seed")
	}
	for _, c := range []int{0, 24} {
		if _, err := Partition(train, c, 1); !errors.Is(err, ErrExperiment) {
			t.Fatalf("%d clients: %v", c, err)
		}
	}
}

// TestFedAvgMatchesCentralised trains on a planted graph whose 200
// training labels are split IID over 20 clients: FedAvg ends within 3
// points of the centralised model trained for the same epochs from the
// same start, and both learn.
func TestFedAvgMatchesCentralised(t *testing.T) {
	d := plantedData(t, 1, 800, 4, 50)
	res, err := Run(context.Background(), d, smallExperiment(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Centralised
	t.Logf("federated %.3f, centralised %.3f (%d epochs)", res.TestAccuracy, c.TestAccuracy, c.Epochs)
	if c.Epochs != 36 || c.TestAccuracy < 0.7 || res.TestAccuracy < 0.7 {
		t.Fatalf("accuracies %.3f and %.3f, want both >= 0.7", res.TestAccuracy, c.TestAccuracy)
	}
	if res.TestAccuracy < c.TestAccuracy-0.03 {
		t.Fatalf("federated %.3f more than 3 points below centralised %.3f", res.TestAccuracy, c.TestAccuracy)
	}
	if r := res.Report; r.Completed != 12 || r.Err != nil || r.BytesSent == 0 || res.Params == 0 {
		t.Fatalf("report: completed %d err %v bytes %d", r.Completed, r.Err, r.BytesSent)
	}
}

// TestByzantineOnGraph makes 6 of 20 clients (30%) send -4 times their
// honest update (Bulyan: 4 of 20, its limit): FedAvg collapses while the
// median, the trimmed mean, Krum and Bulyan stay within 5 points of clean
// FedAvg. Each client holds 30 labels; with few labels per client the
// honest updates are too noisy for the robust rules (see
// docs/federated-learning.md).
func TestByzantineOnGraph(t *testing.T) {
	d := plantedData(t, 2, 1200, 4, 150)
	run := func(rule string, f, byz int) float64 {
		e := smallExperiment()
		e.Centralised = false
		e.Strategy = round.StrategySpec{Name: rule, F: f}
		e.Byzantine, e.Attack = byz, roundsim.AttackSignFlip
		res, err := Run(context.Background(), d, e, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Byzantine) != byz {
			t.Fatalf("Byzantine clients %v", res.Byzantine)
		}
		t.Logf("%-12s f=%d byzantine %d: %.3f", rule, f, byz, res.TestAccuracy)
		return res.TestAccuracy
	}
	clean := run(round.StrategyFedAvg, 0, 0)
	if a := run(round.StrategyFedAvg, 0, 6); a > clean-0.2 {
		t.Errorf("FedAvg under attack %.3f, clean %.3f: not degraded", a, clean)
	}
	for _, tc := range []struct {
		rule   string
		f, byz int
	}{{round.StrategyMedian, 6, 6}, {round.StrategyTrimmedMean, 6, 6}, {round.StrategyKrum, 6, 6}, {round.StrategyBulyan, 4, 4}} {
		if a := run(tc.rule, tc.f, tc.byz); a < clean-0.05 {
			t.Errorf("%s under attack %.3f, clean FedAvg %.3f", tc.rule, a, clean)
		}
	}
}

// TestDeterministicExperiment runs one experiment twice.
func TestDeterministicExperiment(t *testing.T) {
	d := plantedData(t, 3, 200, 2, 10)
	e := smallExperiment()
	e.Clients, e.Rounds, e.Dropout, e.Stragglers = 5, 4, 0.2, 0.2
	e.Centralised = false
	var runs [2]*Result
	for i := range runs {
		res, err := Run(context.Background(), d, e, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		runs[i] = res
	}
	if runs[0].TestAccuracy != runs[1].TestAccuracy || !slices.Equal(runs[0].Report.Final.Params, runs[1].Report.Final.Params) ||
		!slices.Equal(runs[0].Report.Log, runs[1].Report.Log) {
		t.Fatal("same seed, different runs")
	}
}

// TestPrivateSecureFailover runs DP-FedAvg through secure aggregation with
// a coordinator crash: the run finishes, reports epsilon, and sends more
// bytes than the plain run.
func TestPrivateSecureFailover(t *testing.T) {
	d := plantedData(t, 4, 200, 2, 10)
	plain := smallExperiment()
	plain.Clients, plain.Rounds, plain.Centralised = 5, 3, false
	e := plain
	e.DP = &round.DPConfig{ClipNorm: 0.5, NoiseMultiplier: 0.3, Delta: 1e-5}
	e.SecAgg = &round.SecAggConfig{Clip: 1}
	e.Coordinators, e.CrashAt = 2, 1500*time.Millisecond
	var reps [2]*roundsim.Report
	for i, x := range []Experiment{plain, e} {
		res, err := Run(context.Background(), d, x, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		reps[i] = res.Report
	}
	r := reps[1]
	if r.Completed != 3 || r.Failovers != 1 || r.Final.Epsilon <= 0 || r.Final.Strategy != "dp-fedavg+secagg" {
		t.Fatalf("completed %d failovers %d epsilon %v strategy %s", r.Completed, r.Failovers, r.Final.Epsilon, r.Final.Strategy)
	}
	if r.BytesPerRound() <= reps[0].BytesPerRound() {
		t.Fatalf("secure %v bytes per round, plain %v", r.BytesPerRound(), reps[0].BytesPerRound())
	}
}

// TestExperimentErrors checks the refused experiments.
func TestExperimentErrors(t *testing.T) {
	d := plantedData(t, 5, 100, 2, 5)
	ctx := context.Background()
	for i, f := range []func(*Experiment){
		func(e *Experiment) { e.Clients = 0 },
		func(e *Experiment) { e.Clients = 11 }, // more than the 10 training nodes
		func(e *Experiment) { e.Rounds = 0 },
		func(e *Experiment) { e.Byzantine = -1 },
		func(e *Experiment) { e.Coordinators = 0 },
		func(e *Experiment) { e.CrashAt = time.Second },
		func(e *Experiment) { e.Model.Hidden = 0 },
	} {
		e := smallExperiment()
		e.Clients = 5
		f(&e)
		if _, err := Run(ctx, d, e, time.Now); !errors.Is(err, ErrExperiment) {
			t.Errorf("case %d: %v", i, err)
		}
	}
	if _, err := Run(ctx, &Data{}, smallExperiment(), time.Now); !errors.Is(err, ErrExperiment) {
		t.Fatalf("empty data: %v", err)
	}
	e := smallExperiment()
	e.Clients, e.SampleRate = 5, 0
	if _, err := Run(ctx, d, e, time.Now); !errors.Is(err, round.ErrConfig) {
		t.Fatalf("bad round config: %v", err)
	}
}

// TestAllRoundsAborted keeps the initial model when every client drops
// out of every round (they are all excluded as unresponsive).
func TestAllRoundsAborted(t *testing.T) {
	d := plantedData(t, 6, 100, 2, 5)
	e := smallExperiment()
	e.Clients, e.Dropout, e.Centralised = 5, 1, false
	res, err := Run(context.Background(), d, e, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Report; r.Completed != 0 || !errors.Is(r.Err, round.ErrNotEnoughClients) || res.TestAccuracy <= 0 {
		t.Fatalf("completed %d err %v accuracy %v", r.Completed, r.Err, res.TestAccuracy)
	}
}

// TestLocalTrainerErrors checks the trainer's refusals: a vector of the
// wrong length, and a cancelled context.
func TestLocalTrainerErrors(t *testing.T) {
	d := plantedData(t, 7, 100, 2, 5)
	g, err := d.graph(d.Split.Train)
	if err != nil {
		t.Fatal(err)
	}
	e := smallExperiment()
	m, err := graphsage.New(e.Model.Architecture(d.X.Cols(), d.Classes), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	train := localTrainer(m, g, e.Model)
	if _, err := train(context.Background(), []float64{1}, 1, rand.New(rand.NewPCG(1, 1))); !errors.Is(err, graphsage.ErrParamCount) {
		t.Fatalf("short params: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := train(ctx, m.Params(), 1, rand.New(rand.NewPCG(1, 1))); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if _, err := accuracy(m, g, nil); !errors.Is(err, ErrExperiment) {
		t.Fatalf("accuracy of nothing: %v", err)
	}
	bad := *d
	bad.Labels = bad.Labels[:3]
	if _, err := Run(context.Background(), &bad, e, time.Now); !errors.Is(err, ErrExperiment) {
		t.Fatalf("bad labels: %v", err)
	}
}
