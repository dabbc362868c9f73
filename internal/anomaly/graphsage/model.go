package graphsage

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// layerShape describes one layer: its widths and the offsets of its parameters in the flat vector.
// Parameters of a layer are stored in this order, matrices row-major (input index major):
//
//	mean: W (in × 2·out: the columns [0, out) are W_self, [out, 2·out) W_neigh), b (out)
//	gcn:  W (in × out), b (out)
//	pool: W_self (in × out), W_neigh (pool × out), W_pool (in × pool), b_pool (pool), b (out)
type layerShape struct {
	agg              Aggregator
	in, out, pool    int
	w, wn, wp, bp, b int // offsets
	end              int
}

func (s layerShape) size() int64 {
	in, out, pool := int64(s.in), int64(s.out), int64(s.pool)
	switch s.agg {
	case AggregatorMean:
		return in*2*out + out
	case AggregatorGCN:
		return in*out + out
	default:
		return in*out + pool*out + in*pool + pool + out
	}
}

// layerShapes returns the shapes of the layers of a; its fields must already be in range.
func (a Architecture) layerShapes() []layerShape {
	shapes := make([]layerShape, a.Layers)
	off := 0
	for k := range shapes {
		s := layerShape{agg: a.Aggregator, in: a.Hidden, out: a.Hidden}
		if k == 0 {
			s.in = a.InDim
		}
		if k == a.Layers-1 {
			s.out = a.outDim()
		}
		if s.agg == AggregatorPool {
			s.pool = a.Hidden
		}
		size := s.size()
		if size > math.MaxInt32 {
			size = math.MaxInt32 // numParams reports too many; the offsets are never used
		}
		s.w = off
		switch s.agg {
		case AggregatorMean:
			s.b = s.w + s.in*2*s.out
		case AggregatorGCN:
			s.b = s.w + s.in*s.out
		case AggregatorPool:
			s.wn = s.w + s.in*s.out
			s.wp = s.wn + s.pool*s.out
			s.bp = s.wp + s.in*s.pool
			s.b = s.bp + s.pool
		}
		s.end = off + int(size)
		off = s.end
		shapes[k] = s
	}
	return shapes
}

// layerView holds the parameter (or gradient) slices of one layer; unused ones are nil.
type layerView struct {
	w, wn, wp, bp, b []float64
}

func (s layerShape) view(vec []float64) layerView {
	v := layerView{b: vec[s.b:s.end]}
	switch s.agg {
	case AggregatorMean, AggregatorGCN:
		v.w = vec[s.w:s.b]
	case AggregatorPool:
		v.w, v.wn, v.wp, v.bp = vec[s.w:s.wn], vec[s.wn:s.wp], vec[s.wp:s.bp], vec[s.bp:s.b]
	}
	return v
}

// Model is a trained or freshly initialised GraphSAGE network. Its parameters live in one flat
// vector (see Params). A Model is safe for concurrent use by Predict and Accuracy; SetParams must not
// run concurrently with them.
type Model struct {
	arch   Architecture
	shapes []layerShape
	params []float64
}

// New returns a model with Glorot-uniform weights drawn from rng and zero biases.
func New(arch Architecture, rng *rand.Rand) (*Model, error) {
	if err := arch.Validate(); err != nil {
		return nil, err
	}
	if rng == nil {
		return nil, ErrNilRand
	}
	m := newZero(arch)
	for _, s := range m.shapes {
		v := s.view(m.params)
		switch s.agg {
		case AggregatorMean:
			glorot(v.w, s.in, s.out, rng) // both halves are in × out matrices
		case AggregatorGCN:
			glorot(v.w, s.in, s.out, rng)
		case AggregatorPool:
			glorot(v.w, s.in, s.out, rng)
			glorot(v.wn, s.pool, s.out, rng)
			glorot(v.wp, s.in, s.pool, rng)
		}
	}
	return m, nil
}

// newZero returns a model of a valid architecture with all parameters zero.
func newZero(arch Architecture) *Model {
	shapes := arch.layerShapes()
	return &Model{arch: arch, shapes: shapes, params: make([]float64, shapes[len(shapes)-1].end)}
}

// glorot fills w with values uniform in ±√(6/(fanIn+fanOut)) (Glorot and Bengio 2010).
func glorot(w []float64, fanIn, fanOut int, rng *rand.Rand) {
	limit := math.Sqrt(6 / float64(fanIn+fanOut))
	for i := range w {
		w[i] = (2*rng.Float64() - 1) * limit
	}
}

// Architecture returns the model's architecture.
func (m *Model) Architecture() Architecture { return m.arch }

// NumParams returns the length of the parameter vector.
func (m *Model) NumParams() int { return len(m.params) }

// Params returns a copy of all parameters as one vector, layer after layer in the order documented
// on the layer layout (weights row-major, then biases). Models of equal Architecture use the same
// layout, so vectors can be averaged across models, as federated learning does.
func (m *Model) Params() []float64 { return slices.Clone(m.params) }

// SetParams replaces all parameters with a copy of p, which must have NumParams finite values.
func (m *Model) SetParams(p []float64) error {
	if len(p) != len(m.params) {
		return fmt.Errorf("%w: got %d, model has %d", ErrParamCount, len(p), len(m.params))
	}
	if i := firstNonFinite(p); i >= 0 {
		return fmt.Errorf("%w: parameter %d is %v", ErrNonFinite, i, p[i])
	}
	copy(m.params, p)
	return nil
}

// checkGraph reports whether g has the feature dimension the model expects.
func (m *Model) checkGraph(g *Graph) error {
	if g == nil {
		return fmt.Errorf("%w: nil graph", ErrGraph)
	}
	if g.NumFeatures() != m.arch.InDim {
		return fmt.Errorf("%w: graph has %d features, model expects %d", ErrArchitecture, g.NumFeatures(), m.arch.InDim)
	}
	return nil
}

// Predict returns, for every node of g, the class probabilities the model assigns: a softmax over
// Classes for HeadSoftmax, and {1-p, p} with p the sigmoid score of class 1 for HeadBinary. It uses
// every neighbour of every node (no sampling) and no dropout, so it is deterministic.
func (m *Model) Predict(g *Graph) ([][]float64, error) {
	if err := m.checkGraph(g); err != nil {
		return nil, err
	}
	ev := newEvaluator(m, g)
	logits := ev.logits(m)
	return probabilities(m.arch, logits, g.N()), nil
}

// probabilities converts rows of logits into rows of class probabilities.
func probabilities(arch Architecture, logits []float64, n int) [][]float64 {
	c := arch.Classes
	out := make([][]float64, n)
	flat := make([]float64, n*c)
	od := arch.outDim()
	for v := range out {
		row := flat[v*c : (v+1)*c]
		z := logits[v*od : (v+1)*od]
		if arch.Head == HeadBinary {
			p := sigmoid(z[0])
			row[0], row[1] = 1-p, p
		} else {
			softmax(z, row)
		}
		out[v] = row
	}
	return out
}

// Accuracy returns the fraction of nodes whose most probable class is their label. Every node must
// be labelled; an empty list gives 0.
func (m *Model) Accuracy(g *Graph, nodes []int) (float64, error) {
	if err := m.checkGraph(g); err != nil {
		return 0, err
	}
	for _, v := range nodes {
		if v < 0 || v >= g.N() || g.Label(v) < 0 {
			return 0, fmt.Errorf("%w: node %d is not a labelled node of the graph", ErrGraph, v)
		}
	}
	if g.NumClasses() != m.arch.Classes {
		return 0, fmt.Errorf("%w: graph has %d classes, model %d", ErrArchitecture, g.NumClasses(), m.arch.Classes)
	}
	if len(nodes) == 0 {
		return 0, nil
	}
	ev := newEvaluator(m, g)
	logits := ev.logits(m)
	acc, _ := scoreNodes(m.arch, logits, g, nodes)
	return acc, nil
}

// evaluator runs full-neighbourhood forward passes over all nodes of a graph; it keeps its batch
// and buffers between calls, as training evaluates once per epoch.
type evaluator struct {
	g  *Graph
	b  batch
	ws workspace
}

func newEvaluator(m *Model, g *Graph) *evaluator {
	ev := &evaluator{g: g}
	all := make([]int, g.N())
	for i := range all {
		all[i] = i
	}
	newSampler(g, m.arch.Aggregator).build(all, make([]int, m.arch.Layers), nil, &ev.b)
	return ev
}

// logits returns the output of the last layer for every node, row v for node v.
func (ev *evaluator) logits(m *Model) []float64 {
	return m.forward(ev.g, &ev.b, &ev.ws, 0, nil)
}

// scoreNodes returns the accuracy and the mean loss of logits (rows indexed by node id) on nodes.
func scoreNodes(arch Architecture, logits []float64, g *Graph, nodes []int) (acc, loss float64) {
	od := arch.outDim()
	correct := 0
	for _, v := range nodes {
		z := logits[v*od : (v+1)*od]
		y := g.Label(v)
		l, pred := nodeLoss(arch.Head, z, y, nil, 0)
		loss += l
		if pred == y {
			correct++
		}
	}
	n := float64(len(nodes))
	return float64(correct) / n, loss / n
}
