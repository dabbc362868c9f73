package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/graphsage"
	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/planetoid"
)

// writeTinyPlanetoid writes a 90-node, 3-class dataset named "tiny" whose labels follow its features
// and edges, except for the last test nodes: they have no features and no edges, and alternate
// labels, so no model can classify all of them and the test accuracy stays below 1.
func writeTinyPlanetoid(t *testing.T) string {
	t.Helper()
	const n, classes, perClass = 90, 3, 6
	rng := rand.New(rand.NewPCG(1, 2))
	d := &planetoid.Dataset{Name: "tiny", NumClasses: classes, Labels: make([]int, n)}
	feat := &planetoid.Features{N: n, F: classes*perClass + 4, RowPtr: []int{0}}
	const blind = 6 // featureless, isolated test nodes at the end
	for v := 0; v < n; v++ {
		c := v % classes
		d.Labels[v] = c
		if v < n-blind {
			a, b := c*perClass+rng.IntN(perClass/2), c*perClass+perClass/2+rng.IntN(perClass/2)
			feat.Indices = append(feat.Indices, a, b)
			if u := v + classes; u < n-blind {
				d.Edges = append(d.Edges, [2]int{v, u})
			}
		} else {
			d.Labels[v] = (v / 2) % 2
		}
		feat.RowPtr = append(feat.RowPtr, len(feat.Indices))
	}
	d.Features = feat
	for v := 0; v < n; v++ {
		switch {
		case v < 15:
			d.Split.Train = append(d.Split.Train, v)
		case v < 45:
			d.Split.Val = append(d.Split.Val, v)
		default:
			d.Split.Test = append(d.Split.Test, v)
		}
	}
	dir := t.TempDir()
	if err := planetoid.Save(dir, d); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runGraphSAGECmd runs `bench graphsage` with args and returns its output and error.
func runGraphSAGECmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newBenchGraphSAGECmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

var quickFlags = []string{"--name", "tiny", "--seeds", "3", "--hidden", "16", "--epochs", "40", "--patience", "20", "--dropout", "0.5"}

func TestBenchGraphSAGEText(t *testing.T) {
	dir := writeTinyPlanetoid(t)
	out, err := runGraphSAGECmd(t, append([]string{"--data", dir}, quickFlags...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"graphsage on tiny: 90 nodes, ", "3 classes; train/val/test 15/30/45",
		"config: aggregator=gcn layers=2 hidden=16 dropout=0.5", "full-batch row-normalize",
		"test acc", "(mean ± sample std over 3 seeds)", "GOMAXPROCS",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if lines := strings.Count(out, "\n"); lines != 3+3+2 {
		t.Errorf("%d lines, want 8:\n%s", lines, out)
	}
}

func TestBenchGraphSAGEJSON(t *testing.T) {
	dir := writeTinyPlanetoid(t)
	for _, extra := range [][]string{
		{"--aggregator", "mean"},
		{"--aggregator", "pool", "--fanouts", "4,3", "--batch-size", "8"},
		{"--aggregator", "gcn", "--fanouts", "5,5", "--full-batch", "--normalize"},
	} {
		args := append(append([]string{"--data", dir, "--json", "--seed", "7"}, quickFlags...), extra...)
		out, err := runGraphSAGECmd(t, args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", extra, err, out)
		}
		var rep graphSAGEReport
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rep); err != nil {
			t.Fatalf("%v: output is not the JSON report: %v\n%s", extra, err, out)
		}
		if rep.Dataset != "tiny" || rep.Nodes != 90 || rep.Classes != 3 || rep.Test != 45 || len(rep.Runs) != 3 {
			t.Fatalf("%v: report %+v", extra, rep)
		}
		if rep.Config.Aggregator != extra[1] {
			t.Errorf("config aggregator %q, want %q", rep.Config.Aggregator, extra[1])
		}
		sampled := extra[1] == "pool" // --fanouts without --full-batch switches to sampling
		if rep.Config.FullBatch == sampled || (sampled && (rep.Config.BatchSize != 8 || len(rep.Config.Fanouts) != 2)) {
			t.Errorf("%v: config %+v", extra, rep.Config)
		}
		sum := 0.0
		for i, r := range rep.Runs {
			if r.Seed != 7+uint64(i) || r.TestAccuracy <= 0 || r.TestAccuracy >= 1 || r.Epochs < r.BestEpoch || r.BestEpoch < 1 {
				t.Errorf("%v: run %+v", extra, r)
			}
			sum += r.TestAccuracy
		}
		if mean := sum / 3; rep.TestAccuracyMean < mean-1e-12 || rep.TestAccuracyMean > mean+1e-12 {
			t.Errorf("mean %v, runs say %v", rep.TestAccuracyMean, mean)
		}
		if rep.TestAccuracyMean < 0.6 {
			t.Errorf("%v: mean test accuracy %.3f; the tiny dataset is learnable", extra, rep.TestAccuracyMean)
		}
	}
}

// TestBenchGraphSAGEReproducible runs the same seed twice: equal accuracies and epochs.
func TestBenchGraphSAGEReproducible(t *testing.T) {
	dir := writeTinyPlanetoid(t)
	var reps [2]graphSAGEReport
	for i := range reps {
		out, err := runGraphSAGECmd(t, append([]string{"--data", dir, "--json", "--seeds", "1"}, quickFlags[:2]...)...)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(out), &reps[i]); err != nil {
			t.Fatal(err)
		}
	}
	a, b := reps[0].Runs[0], reps[1].Runs[0]
	if a.TestAccuracy != b.TestAccuracy || a.ValAccuracy != b.ValAccuracy || a.Epochs != b.Epochs {
		t.Errorf("seed 1 twice: %+v and %+v", a, b)
	}
}

func TestBenchGraphSAGEMinAccuracy(t *testing.T) {
	dir := writeTinyPlanetoid(t)
	args := append([]string{"--data", dir, "--json"}, quickFlags...)
	out, err := runGraphSAGECmd(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	var rep graphSAGEReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if _, err := runGraphSAGECmd(t, append(args, "--min-accuracy", "0.5")...); err != nil {
		t.Errorf("mean %.3f failed --min-accuracy 0.5: %v", rep.TestAccuracyMean, err)
	}
	_, err = runGraphSAGECmd(t, append(args, "--min-accuracy", "1")...)
	if !errors.Is(err, errBelowMinAccuracy) {
		t.Errorf("mean %.3f passed --min-accuracy 1: %v", rep.TestAccuracyMean, err)
	}
}

func TestBenchGraphSAGEErrors(t *testing.T) {
	dir := writeTinyPlanetoid(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no data", []string{"--name", "tiny"}, "--data is required"},
		{"seeds", []string{"--data", dir, "--name", "tiny", "--seeds", "0"}, "--seeds"},
		{"min accuracy", []string{"--data", dir, "--name", "tiny", "--min-accuracy", "1.5"}, "--min-accuracy"},
		{"aggregator", []string{"--data", dir, "--name", "tiny", "--aggregator", "lstm"}, "unknown aggregator"},
		{"fanouts", []string{"--data", dir, "--name", "tiny", "--fanouts", "25"}, "Fanouts"},
		{"dropout", []string{"--data", dir, "--name", "tiny", "--dropout", "1"}, "Dropout"},
		{"missing dataset", []string{"--data", dir, "--name", "citeseer"}, "no such file"},
		{"bad name", []string{"--data", dir, "--name", "../x"}, "bad dataset name"},
		{"args", []string{"--data", dir, "extra"}, "unknown command"},
	}
	for _, tt := range tests {
		out, err := runGraphSAGECmd(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q\n%s", tt.name, err, tt.want, out)
		}
	}
}

// TestBenchGraphSAGEDatasetProblems covers datasets that load but cannot be benchmarked.
func TestBenchGraphSAGEDatasetProblems(t *testing.T) {
	dir := writeTinyPlanetoid(t)
	opts := benchGraphSAGEOptions{data: dir, name: "tiny", seeds: 1, aggregator: "gcn", fullBatch: true,
		layers: 2, hidden: 8, epochs: 5, patience: 0, lr: 0.01, dropout: 0.5, rowNormalize: true, batchSize: 4}
	// No test nodes.
	split := "# split\ntrain\t0 1 2\nval\t3 4 5\ntest\t\n"
	if err := os.WriteFile(filepath.Join(dir, "tiny.split.txt"), []byte(split), 0o644); err != nil {
		t.Fatal(err)
	}
	err := runBenchGraphSAGE(context.Background(), &bytes.Buffer{}, opts, time.Now)
	if err == nil || !strings.Contains(err.Error(), "no test nodes") {
		t.Errorf("no test nodes: %v", err)
	}
	// A single class cannot make a graph.
	if err := os.WriteFile(filepath.Join(dir, "tiny.labels.txt"), []byte(singleClassLabels(90)), 0o644); err != nil {
		t.Fatal(err)
	}
	err = runBenchGraphSAGE(context.Background(), &bytes.Buffer{}, opts, time.Now)
	if !errors.Is(err, graphsage.ErrGraph) {
		t.Errorf("one class: %v", err)
	}
	// A cancelled context stops training.
	dir = writeTinyPlanetoid(t)
	opts.data = dir
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := runBenchGraphSAGE(ctx, &bytes.Buffer{}, opts, time.Now); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// Wall time comes from the injected clock.
	tick := time.Unix(0, 0)
	clock := func() time.Time { tick = tick.Add(1500 * time.Millisecond); return tick }
	opts.jsonOut = true
	var out bytes.Buffer
	if err := runBenchGraphSAGE(context.Background(), &out, opts, clock); err != nil {
		t.Fatal(err)
	}
	var rep graphSAGEReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Runs[0].WallSeconds != 1.5 || rep.WallSecondsTotal != 1.5 || rep.TestAccuracyStd != 0 {
		t.Errorf("clocked report %+v", rep)
	}
}

func singleClassLabels(n int) string {
	var b strings.Builder
	b.WriteString("# node\tclass\n")
	for v := 0; v < n; v++ {
		fmt.Fprintf(&b, "%d\t0\n", v)
	}
	return b.String()
}
