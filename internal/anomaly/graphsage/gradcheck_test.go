package graphsage

import (
	"fmt"
	"math"
	"testing"
)

// lossAndGrad runs one forward and backward pass on b with dropout masks drawn from a fresh PCG
// seeded with seed, so repeated calls see the same masks.
func lossAndGrad(m *Model, g *Graph, b *batch, dropout float64, seed uint64) (float64, []float64) {
	var ws workspace
	logits := m.forward(g, b, &ws, dropout, newRNG(seed))
	dz := make([]float64, len(logits))
	loss := lossGrad(m.arch, g, b.targets(), logits, dz)
	grad := make([]float64, len(m.params))
	m.backward(b, &ws, dz, grad)
	return loss, grad
}

// TestGradientFiniteDifferences compares the hand-written backward pass with central finite
// differences of the loss for every parameter, over all aggregators, heads, normalisation, sparse and
// dense features, full and sampled neighbourhoods and dropout.
func TestGradientFiniteDifferences(t *testing.T) {
	const (
		h      = 1e-6
		maxRel = 1e-4
	)
	worst := 0.0
	for _, agg := range []Aggregator{AggregatorMean, AggregatorGCN, AggregatorPool} {
		for _, head := range []Head{HeadSoftmax, HeadBinary} {
			for _, normalize := range []bool{false, true} {
				for _, dense := range []bool{false, true} {
					for _, sampled := range []bool{false, true} {
						for _, dropout := range []float64{0, 0.3} {
							layers := 2
							if dense && sampled {
								layers = 3 // also cover a deeper stack
							}
							if !dense && normalize && !sampled {
								layers = 1
							}
							name := fmt.Sprintf("%v/%v/norm=%v/dense=%v/sampled=%v/drop=%v/K=%d", agg, head, normalize, dense, sampled, dropout, layers)
							t.Run(name, func(t *testing.T) {
								rel := checkGradient(t, agg, head, normalize, dense, sampled, dropout, layers, h)
								worst = max(worst, rel)
								if rel > maxRel {
									t.Errorf("relative error %.3g exceeds %g", rel, maxRel)
								}
							})
						}
					}
				}
			}
		}
	}
	t.Logf("largest relative error over all cases: %.3g", worst)
}

func checkGradient(t *testing.T, agg Aggregator, head Head, normalize, dense, sampled bool, dropout float64, layers int, h float64) float64 {
	rng := newRNG(7)
	classes := 3
	if head == HeadBinary {
		classes = 2
	}
	g := randomGraph(t, rng, 14, 6, classes, 3, dense)
	arch := Architecture{Aggregator: agg, Head: head, Layers: layers, InDim: 6, Hidden: 4, Classes: classes,
		Normalize: normalize, RowNormalize: !dense}
	m, err := New(arch, rng)
	if err != nil {
		t.Fatal(err)
	}
	// Random biases too, so no ReLU input sits exactly on its kink at 0.
	p := m.Params()
	for i := range p {
		p[i] = rng.Float64() - 0.5
	}
	if err := m.SetParams(p); err != nil {
		t.Fatal(err)
	}
	fanouts := make([]int, layers)
	targets := []int{0, 1, 2, 3, 5, 8, 13}
	if sampled {
		for i := range fanouts {
			fanouts[i] = 2
		}
	}
	var b batch
	newSampler(g, agg).build(targets, fanouts, rng, &b)
	_, analytic := lossAndGrad(m, g, &b, dropout, 99)
	numeric := make([]float64, len(p))
	for i := range p {
		orig := m.params[i]
		m.params[i] = orig + h
		lp, _ := lossAndGrad(m, g, &b, dropout, 99)
		m.params[i] = orig - h
		lm, _ := lossAndGrad(m, g, &b, dropout, 99)
		m.params[i] = orig
		numeric[i] = (lp - lm) / (2 * h)
	}
	var diff, sum float64
	for i := range p {
		diff += (analytic[i] - numeric[i]) * (analytic[i] - numeric[i])
		sum += analytic[i]*analytic[i] + numeric[i]*numeric[i]
		if d := math.Abs(analytic[i] - numeric[i]); d > 1e-6+1e-4*math.Abs(numeric[i]) {
			t.Errorf("parameter %d: analytic %.9g, numeric %.9g", i, analytic[i], numeric[i])
		}
	}
	if sum == 0 {
		t.Fatal("all gradients are zero; the check would be vacuous")
	}
	return math.Sqrt(diff) / math.Sqrt(sum)
}
