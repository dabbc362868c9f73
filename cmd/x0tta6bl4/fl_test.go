package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/planetoid"
)

// writeFLPlanetoid writes a 240-node, 3-class dataset named "flt" whose
// labels follow features and edges, with 36 training labels (9 per client
// for 4 clients).
func writeFLPlanetoid(t *testing.T) string {
	t.Helper()
	const n, classes, perClass = 240, 3, 6
	rng := rand.New(rand.NewPCG(3, 4))
	d := &planetoid.Dataset{Name: "flt", NumClasses: classes, Labels: make([]int, n)}
	feat := &planetoid.Features{N: n, F: classes*perClass + 4, RowPtr: []int{0}}
	for v := range n {
		c := v % classes
		d.Labels[v] = c
		a, b := c*perClass+rng.IntN(perClass/2), c*perClass+perClass/2+rng.IntN(perClass/2)
		feat.Indices = append(feat.Indices, a, b)
		feat.RowPtr = append(feat.RowPtr, len(feat.Indices))
		if u := v + classes; u < n {
			d.Edges = append(d.Edges, [2]int{v, u})
		}
		switch {
		case v < 36:
			d.Split.Train = append(d.Split.Train, v)
		case v < 60:
			d.Split.Val = append(d.Split.Val, v)
		default:
			d.Split.Test = append(d.Split.Test, v)
		}
	}
	d.Features = feat
	dir := t.TempDir()
	if err := planetoid.Save(dir, d); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runFL runs `fl args...` and returns its output and error.
func runFL(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newFLCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// flQuick are the flags of a small, fast run on the "flt" dataset.
var flQuick = []string{"--name", "flt", "--clients", "4", "--rounds", "4", "--local-epochs", "3", "--hidden", "16"}

func TestFLSimText(t *testing.T) {
	dir := writeFLPlanetoid(t)
	out, err := runFL(t, append([]string{"sim", "--data", dir}, flQuick...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"fl sim on flt: 240 nodes, 36 training labels over 4 clients (9.0 each, IID",
		"strategy fedavg (f=0), 4 rounds x 3 local epochs, q=1, byzantine 0 (none)",
		"federated:   test accuracy", "(4 rounds completed, 0 aborted",
		"MB per round", "centralised: test accuracy", "(12 epochs", "gap (federated - centralised)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestFLSimJSON(t *testing.T) {
	dir := writeFLPlanetoid(t)
	for _, extra := range [][]string{
		{"--strategy", "median", "--byzantine", "1", "--attack", "scale", "--robust-f", "1"},
		{"--dp-sigma", "0.5", "--dp-clip", "0.5", "--delta", "1e-5", "--secagg", "--dropout", "0.2", "--stragglers", "0.2",
			"--max-misses", "10", "--min-clients", "2",
			"--coordinators", "2", "--crash-coordinator-at", "1500ms", "--centralised=false"},
	} {
		out, err := runFL(t, append(append([]string{"sim", "--data", dir, "--json"}, flQuick...), extra...)...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", extra, err, out)
		}
		var rep flSimReport
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rep); err != nil {
			t.Fatalf("%v: not the JSON report: %v\n%s", extra, err, out)
		}
		if rep.Dataset != "flt" || rep.Clients != 4 || rep.Completed != 4 || rep.BytesTotal == 0 || rep.TestAccuracy <= 0 {
			t.Fatalf("%v: report %+v", extra, rep)
		}
		switch extra[0] {
		case "--strategy":
			if rep.Strategy != "median" || rep.Byzantine != 1 || rep.Attack != "scale" || rep.CentralAccuracy == nil {
				t.Fatalf("report %+v", rep)
			}
		default:
			if !rep.SecAgg || rep.Epsilon <= 0 || rep.Failovers != 1 || rep.CentralAccuracy != nil || rep.DPSigma != 0.5 {
				t.Fatalf("report %+v", rep)
			}
		}
	}
}

// TestFLSimTextPrivate covers the text lines of DP and of an early stop.
func TestFLSimTextPrivate(t *testing.T) {
	dir := writeFLPlanetoid(t)
	out, err := runFL(t, append([]string{"sim", "--data", dir, "--dp-sigma", "1", "--dp-client-epsilon", "8",
		"--centralised=false", "--labels", "train+val"}, flQuick...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"60 training labels over 4 clients", ", DP z=1 C=0.1", "epsilon ",
		"coordinator stopped early: fl round: not enough eligible clients"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestFLSimErrors(t *testing.T) {
	dir := writeFLPlanetoid(t)
	base := append([]string{"sim", "--data", dir}, flQuick...)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sim"}, "--data is required"},
		{append(base, "--strategy", "mean"), "unknown strategy"},
		{append(base, "--byzantine", "1", "--attack", "flip"), "unknown attack"},
		{append(base, "--aggregator", "sum"), "aggregator"},
		{append(base, "--max-gap", "-1"), "--max-gap"},
		{append(base, "--clients", "0"), "clients"},
		{[]string{"sim", "--data", t.TempDir(), "--name", "flt"}, "flt"},
		{append(base, "--strategy", "median", "--dp-sigma", "1"), "fedavg"},
		{append(base, "--labels", "all"), "--labels"},
	} {
		out, err := runFL(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q\n%s", tc.args, err, tc.want, out)
		}
	}
	// Sign-flipped updates from half the clients wreck FedAvg: the gap
	// check fails.
	out, err := runFL(t, append(base, "--byzantine", "2", "--attack", "sign-flip", "--max-gap", "1")...)
	if !errors.Is(err, errFLGap) {
		t.Fatalf("gap check: %v\n%s", err, out)
	}
}
