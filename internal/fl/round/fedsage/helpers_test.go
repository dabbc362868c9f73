package fedsage

import (
	"math/rand/v2"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/graphsage"
)

// plantedData builds a dataset whose labels are learnable from features
// and structure: nodes of class c mostly link to class c and mostly have
// features of block c. trainPer nodes per class train; the rest test.
func plantedData(t testing.TB, seed uint64, n, classes, trainPer int) *Data {
	t.Helper()
	const perClass = 8
	rng := rand.New(rand.NewPCG(seed, 2))
	f := classes*perClass + 16
	labels := make([]int, n)
	for v := range labels {
		labels[v] = v % classes
	}
	var edges [][2]int
	for u := range n {
		for range 3 {
			v := rng.IntN(n)
			if rng.Float64() < 0.8 {
				v = rng.IntN(n/classes)*classes + labels[u]
			}
			if v != u {
				edges = append(edges, [2]int{u, v})
			}
		}
	}
	rowPtr := []int{0}
	var cols []int
	for v := range n {
		seen := map[int]bool{}
		for range 4 {
			j := rng.IntN(f)
			if rng.Float64() < 0.5 {
				j = labels[v]*perClass + rng.IntN(perClass)
			}
			if !seen[j] {
				seen[j] = true
				cols = append(cols, j)
			}
		}
		rowPtr = append(rowPtr, len(cols))
	}
	x, err := graphsage.NewSparseFeatures(n, f, rowPtr, cols, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &Data{X: x, Edges: edges, Labels: labels, Classes: classes}
	count := make([]int, classes)
	for v := range n {
		if count[labels[v]] < trainPer {
			count[labels[v]]++
			d.Split.Train = append(d.Split.Train, v)
		} else {
			d.Split.Test = append(d.Split.Test, v)
		}
	}
	return d
}

// smallExperiment is DefaultExperiment with a small model and few rounds.
func smallExperiment() Experiment {
	e := DefaultExperiment()
	e.Rounds, e.LocalEpochs = 12, 3
	e.Model.Hidden = 64
	return e
}
