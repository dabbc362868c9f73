package graphsage

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func testArch(agg Aggregator, head Head, g *Graph) Architecture {
	return Architecture{Aggregator: agg, Head: head, Layers: 2, InDim: g.NumFeatures(), Hidden: 6,
		Classes: g.NumClasses(), RowNormalize: true}
}

func TestParamsAndSetParams(t *testing.T) {
	g := randomGraph(t, newRNG(1), 20, 5, 3, 3, false)
	m, err := New(testArch(AggregatorMean, HeadSoftmax, g), newRNG(2))
	if err != nil {
		t.Fatal(err)
	}
	p := m.Params()
	p[0] += 1
	if m.Params()[0] == p[0] {
		t.Fatal("Params returns the model's own slice")
	}
	if err := m.SetParams(p); err != nil {
		t.Fatal(err)
	}
	p[1] += 1
	if got := m.Params(); got[0] != p[0] || got[1] == p[1] {
		t.Fatal("SetParams does not copy")
	}
	if err := m.SetParams(p[:len(p)-1]); !errors.Is(err, ErrParamCount) {
		t.Errorf("short vector: %v", err)
	}
	if err := m.SetParams(append(slices.Clone(p), 0)); !errors.Is(err, ErrParamCount) {
		t.Errorf("long vector: %v", err)
	}
	before := m.Params()
	p[3] = math.NaN()
	if err := m.SetParams(p); !errors.Is(err, ErrNonFinite) {
		t.Errorf("NaN: %v", err)
	}
	if !slices.Equal(m.Params(), before) {
		t.Error("a refused SetParams changed the model")
	}
}

func TestNewDeterministicForSeed(t *testing.T) {
	g := randomGraph(t, newRNG(1), 20, 5, 3, 3, false)
	arch := testArch(AggregatorPool, HeadSoftmax, g)
	a, _ := New(arch, newRNG(4))
	b, _ := New(arch, newRNG(4))
	c, _ := New(arch, newRNG(5))
	if !slices.Equal(a.Params(), b.Params()) {
		t.Error("equal seeds give different initial parameters")
	}
	if slices.Equal(a.Params(), c.Params()) {
		t.Error("different seeds give equal initial parameters")
	}
	if a.Architecture() != arch {
		t.Error("Architecture() differs from the one given to New")
	}
}

func TestPredictProbabilities(t *testing.T) {
	for _, head := range []Head{HeadSoftmax, HeadBinary} {
		classes := 4
		if head == HeadBinary {
			classes = 2
		}
		g := randomGraph(t, newRNG(1), 25, 6, classes, 4, false)
		for _, agg := range []Aggregator{AggregatorMean, AggregatorGCN, AggregatorPool} {
			m, err := New(testArch(agg, head, g), newRNG(2))
			if err != nil {
				t.Fatal(err)
			}
			probs, err := m.Predict(g)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := m.Predict(g)
			if len(probs) != g.N() {
				t.Fatalf("%d rows for %d nodes", len(probs), g.N())
			}
			for v, row := range probs {
				sum := 0.0
				for _, p := range row {
					if p < 0 || p > 1 {
						t.Errorf("%v/%v node %d: probability %v", agg, head, v, p)
					}
					sum += p
				}
				if len(row) != classes || math.Abs(sum-1) > 1e-12 {
					t.Errorf("%v/%v node %d: %d classes summing to %v", agg, head, v, len(row), sum)
				}
				if !slices.Equal(row, again[v]) {
					t.Errorf("%v/%v: Predict is not deterministic", agg, head)
				}
			}
		}
	}
}

// TestSparseDenseAgree checks the sparse first-layer kernels against gonum's dense BLAS path: the
// same features stored both ways must give the same predictions.
func TestSparseDenseAgree(t *testing.T) {
	rng := newRNG(8)
	n, f := 30, 7
	var dense []float64
	rowPtr := []int{0}
	var cols []int
	var vals []float64
	for i := 0; i < n; i++ {
		for j := 0; j < f; j++ {
			x := 0.0
			if rng.Float64() < 0.3 {
				x = rng.NormFloat64()
				cols = append(cols, j)
				vals = append(vals, x)
			}
			dense = append(dense, x)
		}
		rowPtr = append(rowPtr, len(cols))
	}
	xs, err := NewSparseFeatures(n, f, rowPtr, cols, vals)
	if err != nil {
		t.Fatal(err)
	}
	xd, err := NewDenseFeatures(n, f, dense)
	if err != nil {
		t.Fatal(err)
	}
	edges := [][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 0}, {5, 9}, {9, 11}, {20, 21}}
	gs, _ := NewGraph(xs, edges, nil, 0, Split{})
	gd, _ := NewGraph(xd, edges, nil, 0, Split{})
	for _, agg := range []Aggregator{AggregatorMean, AggregatorGCN, AggregatorPool} {
		for _, rowNorm := range []bool{false, true} {
			arch := Architecture{Aggregator: agg, Head: HeadSoftmax, Layers: 2, InDim: f, Hidden: 5, Classes: 3,
				Normalize: true, RowNormalize: rowNorm}
			m, _ := New(arch, newRNG(1))
			ps, err := m.Predict(gs)
			if err != nil {
				t.Fatal(err)
			}
			pd, _ := m.Predict(gd)
			for v := range ps {
				for c := range ps[v] {
					if math.Abs(ps[v][c]-pd[v][c]) > 1e-12 {
						t.Fatalf("%v rownorm=%v node %d: sparse %v, dense %v", agg, rowNorm, v, ps[v], pd[v])
					}
				}
			}
		}
	}
}

func TestPredictAndAccuracyErrors(t *testing.T) {
	g := randomGraph(t, newRNG(1), 20, 5, 3, 3, false)
	m, _ := New(testArch(AggregatorGCN, HeadSoftmax, g), newRNG(2))
	other := randomGraph(t, newRNG(1), 20, 6, 3, 3, false)
	if _, err := m.Predict(other); !errors.Is(err, ErrArchitecture) {
		t.Errorf("Predict with 6 features: %v", err)
	}
	if _, err := m.Predict(nil); !errors.Is(err, ErrGraph) {
		t.Errorf("Predict(nil): %v", err)
	}
	if _, err := m.Accuracy(other, nil); !errors.Is(err, ErrArchitecture) {
		t.Errorf("Accuracy with 6 features: %v", err)
	}
	if _, err := m.Accuracy(g, []int{20}); !errors.Is(err, ErrGraph) {
		t.Errorf("Accuracy of node 20: %v", err)
	}
	four := randomGraph(t, newRNG(1), 20, 5, 4, 3, false)
	if _, err := m.Accuracy(four, []int{0}); !errors.Is(err, ErrArchitecture) {
		t.Errorf("Accuracy with 4 classes: %v", err)
	}
	if acc, err := m.Accuracy(g, nil); err != nil || acc != 0 {
		t.Errorf("Accuracy of no nodes: %v, %v", acc, err)
	}
	unlabelled, _ := NewGraph(g.x, nil, nil, 0, Split{})
	if _, err := m.Accuracy(unlabelled, []int{0}); !errors.Is(err, ErrGraph) {
		t.Errorf("Accuracy on an unlabelled graph: %v", err)
	}
}

// TestAccuracyMatchesPredict recomputes accuracy from Predict's probabilities.
func TestAccuracyMatchesPredict(t *testing.T) {
	g := randomGraph(t, newRNG(1), 30, 5, 3, 3, false)
	m, _ := New(testArch(AggregatorMean, HeadSoftmax, g), newRNG(3))
	probs, _ := m.Predict(g)
	nodes := []int{0, 4, 5, 9, 17, 29}
	correct := 0
	for _, v := range nodes {
		if argmax(probs[v]) == g.Label(v) {
			correct++
		}
	}
	acc, err := m.Accuracy(g, nodes)
	if err != nil {
		t.Fatal(err)
	}
	if want := float64(correct) / float64(len(nodes)); acc != want {
		t.Errorf("Accuracy %v, Predict says %v", acc, want)
	}
}

func argmax(p []float64) int {
	best := 0
	for i, x := range p {
		if x > p[best] {
			best = i
		}
	}
	return best
}

func TestNodeLoss(t *testing.T) {
	// Softmax cross-entropy of uniform logits is log(classes).
	dz := make([]float64, 4)
	loss, _ := nodeLoss(HeadSoftmax, []float64{2, 2, 2, 2}, 1, dz, 1)
	if math.Abs(loss-math.Log(4)) > 1e-15 || math.Abs(dz[1]+0.75) > 1e-15 || math.Abs(dz[0]-0.25) > 1e-15 {
		t.Errorf("softmax: loss %v dz %v", loss, dz)
	}
	// Binary cross-entropy of logit 0 is log 2; huge logits stay finite.
	loss, pred := nodeLoss(HeadBinary, []float64{0}, 1, dz, 1)
	if math.Abs(loss-math.Ln2) > 1e-15 || pred != 0 || dz[0] != -0.5 {
		t.Errorf("binary: loss %v pred %d dz %v", loss, pred, dz[0])
	}
	for _, z := range []float64{-800, 800} {
		for y := 0; y < 2; y++ {
			loss, _ := nodeLoss(HeadBinary, []float64{z}, y, dz, 1)
			if math.IsNaN(loss) || math.IsInf(loss, 0) || math.IsNaN(dz[0]) {
				t.Errorf("binary z=%v y=%d: loss %v dz %v", z, y, loss, dz[0])
			}
		}
	}
	if sigmoid(-800) != 0 || sigmoid(800) != 1 || sigmoid(0) != 0.5 {
		t.Error("sigmoid saturation")
	}
}
