package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/meshdetect"
)

func TestBenchAnomalyFlags(t *testing.T) {
	base := benchAnomalyOptions{nodes: 12, trainSeeds: 1, testSeeds: 1, workers: 1}
	tests := []struct {
		name string
		edit func(*benchAnomalyOptions)
	}{
		{"train seeds", func(o *benchAnomalyOptions) { o.trainSeeds = 0 }},
		{"test seeds", func(o *benchAnomalyOptions) { o.testSeeds = anomalyMaxSeeds + 1 }},
		{"workers", func(o *benchAnomalyOptions) { o.workers = 0 }},
		{"min f1", func(o *benchAnomalyOptions) { o.minMacroF1 = 2 }},
		{"nodes", func(o *benchAnomalyOptions) { o.nodes = 3 }},
	}
	for _, tc := range tests {
		o := base
		tc.edit(&o)
		if err := runBenchAnomaly(context.Background(), &bytes.Buffer{}, o, time.Now); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

// TestBenchAnomalySmall runs the whole benchmark on 12-node networks, one seed each, and checks
// the JSON report, the model file and --min-macro-f1.
func TestBenchAnomalySmall(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.model")
	o := benchAnomalyOptions{nodes: 12, trainSeeds: 1, testSeeds: 1, workers: 2, seed: 1, jsonOut: true, out: out, minMacroF1: 1}
	var b bytes.Buffer
	err := runBenchAnomaly(context.Background(), &b, o, time.Now)
	if !errors.Is(err, errBelowMinMacroF1) {
		t.Fatalf("err = %v, want the --min-macro-f1 failure (a perfect score is not expected)", err)
	}
	var rep benchAnomalyReport
	if err := json.Unmarshal(b.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Frames["test"] == 0 || rep.Evaluation.Mesh.Model.N == 0 || rep.Inference.GraphNodes != anomalyGraphNodes || len(rep.ModelSHA256) != 64 {
		t.Fatalf("report %+v", rep)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := meshdetect.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := d.Hash(); h != rep.ModelSHA256 {
		t.Fatal("the model file is not the reported model")
	}
	var text bytes.Buffer
	if err := writeAnomalyText(&text, &rep, meshdetect.DefaultTrainOptions().Config); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Mesh-wide", "Local view", "macro-F1", "per node", "written to"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q", want)
		}
	}
	if err := writeDetector(filepath.Join(t.TempDir(), "no", "dir"), d); err == nil {
		t.Fatal("writing into a missing directory succeeded")
	}
}
