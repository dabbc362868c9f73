package graphsage

import (
	"fmt"
	"math"
	"slices"
)

// Features is a node-feature matrix, one row per node, stored dense (row-major) or sparse
// (compressed sparse rows). Sparse storage keeps the first layer fast on bag-of-words features such
// as Cora's: its cost is proportional to the non-zeros, not to rows×columns.
type Features struct {
	rows, cols int
	dense      []float64 // rows×cols, row-major; nil when sparse
	rowPtr     []int     // rows+1 entries when sparse
	colIdx     []int
	val        []float64 // nil means every stored entry is 1
}

// NewDenseFeatures returns a rows×cols matrix holding a copy of data, which is row-major and has
// rows·cols finite values.
func NewDenseFeatures(rows, cols int, data []float64) (*Features, error) {
	if err := checkShape(rows, cols); err != nil {
		return nil, err
	}
	if len(data) != rows*cols {
		return nil, fmt.Errorf("%w: %d values for a %d×%d feature matrix", ErrGraph, len(data), rows, cols)
	}
	if i := firstNonFinite(data); i >= 0 {
		return nil, fmt.Errorf("%w: feature value %d is %v", ErrNonFinite, i, data[i])
	}
	return &Features{rows: rows, cols: cols, dense: slices.Clone(data)}, nil
}

// NewSparseFeatures returns a rows×cols matrix in compressed sparse row form, copying its arguments:
// row i has the value val[k] at column colIdx[k] for k in [rowPtr[i], rowPtr[i+1]). A nil val means
// every stored value is 1 (binary features); otherwise val has the length of colIdx. Columns within a
// row may come in any order; repeated columns add up.
func NewSparseFeatures(rows, cols int, rowPtr, colIdx []int, val []float64) (*Features, error) {
	if err := checkShape(rows, cols); err != nil {
		return nil, err
	}
	if len(rowPtr) != rows+1 || rowPtr[0] != 0 || rowPtr[rows] != len(colIdx) {
		return nil, fmt.Errorf("%w: row pointers must have %d entries from 0 to %d", ErrGraph, rows+1, len(colIdx))
	}
	for i := 0; i < rows; i++ {
		if rowPtr[i+1] < rowPtr[i] {
			return nil, fmt.Errorf("%w: row pointers decrease at row %d", ErrGraph, i)
		}
	}
	for k, j := range colIdx {
		if j < 0 || j >= cols {
			return nil, fmt.Errorf("%w: column %d of entry %d not in [0, %d)", ErrGraph, j, k, cols)
		}
	}
	if val != nil {
		if len(val) != len(colIdx) {
			return nil, fmt.Errorf("%w: %d values for %d column indices", ErrGraph, len(val), len(colIdx))
		}
		if i := firstNonFinite(val); i >= 0 {
			return nil, fmt.Errorf("%w: feature value %d is %v", ErrNonFinite, i, val[i])
		}
		val = slices.Clone(val)
	}
	return &Features{rows: rows, cols: cols, rowPtr: slices.Clone(rowPtr), colIdx: slices.Clone(colIdx), val: val}, nil
}

func checkShape(rows, cols int) error {
	if rows < 1 || rows > MaxNodes || cols < 1 || cols > MaxInDim {
		return fmt.Errorf("%w: %d×%d feature matrix outside [1, %d]×[1, %d]", ErrGraph, rows, cols, MaxNodes, MaxInDim)
	}
	return nil
}

func firstNonFinite(v []float64) int {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return i
		}
	}
	return -1
}

// Rows returns the number of rows (nodes).
func (f *Features) Rows() int { return f.rows }

// Cols returns the number of columns (the feature dimension).
func (f *Features) Cols() int { return f.cols }

// Sparse reports whether the matrix is stored in compressed sparse row form.
func (f *Features) Sparse() bool { return f.dense == nil }

// rowL1 returns the L1 norm of row i.
func (f *Features) rowL1(i int) float64 {
	s := 0.0
	if f.dense != nil {
		for _, x := range f.dense[i*f.cols : (i+1)*f.cols] {
			s += math.Abs(x)
		}
		return s
	}
	if f.val == nil {
		return float64(f.rowPtr[i+1] - f.rowPtr[i])
	}
	for _, x := range f.val[f.rowPtr[i]:f.rowPtr[i+1]] {
		s += math.Abs(x)
	}
	return s
}

// Split lists node ids for training, validation (early stopping) and testing. The sets must be
// disjoint and their nodes labelled.
type Split struct {
	// Train lists the nodes whose loss training minimises.
	Train []int
	// Val lists the nodes that choose the best epoch and trigger early stopping.
	Val []int
	// Test lists the held-out nodes that only the caller evaluates.
	Test []int
}

// Graph is an undirected graph with node features, optional class labels and a split. Build it with
// NewGraph; it is immutable afterwards and safe for concurrent use.
type Graph struct {
	x          *Features
	rowPtr     []int // adjacency in CSR form: neighbours of v are col[rowPtr[v]:rowPtr[v+1]], sorted
	col        []int
	labels     []int
	numClasses int
	split      Split
}

// NewGraph builds a graph over the rows of x. Every edge {u, v} connects u and v in both directions;
// self-loops and repeated edges are dropped (the GCN aggregator adds its own self-loops). labels
// holds a class in [0, numClasses) or -1 (unlabelled) per node, or is nil for a graph that is only
// used for prediction, in which case numClasses must be 0 and the split empty. The split's nodes
// must be labelled and the three sets disjoint. NewGraph copies what it keeps.
func NewGraph(x *Features, edges [][2]int, labels []int, numClasses int, split Split) (*Graph, error) {
	if x == nil {
		return nil, fmt.Errorf("%w: no features", ErrGraph)
	}
	n := x.rows
	deg := make([]int, n+1)
	for i, e := range edges {
		if e[0] < 0 || e[0] >= n || e[1] < 0 || e[1] >= n {
			return nil, fmt.Errorf("%w: edge %d (%d-%d) has a node outside [0, %d)", ErrGraph, i, e[0], e[1], n)
		}
		if e[0] != e[1] {
			deg[e[0]+1]++
			deg[e[1]+1]++
		}
	}
	for v := 0; v < n; v++ {
		deg[v+1] += deg[v]
	}
	col := make([]int, deg[n])
	fill := slices.Clone(deg[:n])
	for _, e := range edges {
		if e[0] != e[1] {
			col[fill[e[0]]] = e[1]
			fill[e[0]]++
			col[fill[e[1]]] = e[0]
			fill[e[1]]++
		}
	}
	// Sort and deduplicate every neighbour list, compacting in place.
	rowPtr := make([]int, n+1)
	w := 0
	for v := 0; v < n; v++ {
		nb := col[deg[v]:deg[v+1]]
		slices.Sort(nb)
		nb = slices.Compact(nb)
		w += copy(col[w:], nb)
		rowPtr[v+1] = w
	}
	g := &Graph{x: x, rowPtr: rowPtr, col: slices.Clip(col[:w])}
	if err := g.setLabels(labels, numClasses, split); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *Graph) setLabels(labels []int, numClasses int, split Split) error {
	n := g.x.rows
	if labels == nil {
		if numClasses != 0 || len(split.Train)+len(split.Val)+len(split.Test) != 0 {
			return fmt.Errorf("%w: a graph without labels needs numClasses 0 and an empty split", ErrGraph)
		}
		return nil
	}
	if len(labels) != n {
		return fmt.Errorf("%w: %d labels for %d nodes", ErrGraph, len(labels), n)
	}
	if numClasses < 2 || numClasses > MaxClasses {
		return fmt.Errorf("%w: %d classes not in [2, %d]", ErrGraph, numClasses, MaxClasses)
	}
	for v, c := range labels {
		if c < -1 || c >= numClasses {
			return fmt.Errorf("%w: label %d of node %d not in [-1, %d)", ErrGraph, c, v, numClasses)
		}
	}
	seen := make([]bool, n)
	for _, part := range []struct {
		name string
		ids  []int
	}{{"train", split.Train}, {"val", split.Val}, {"test", split.Test}} {
		for _, v := range part.ids {
			if v < 0 || v >= n {
				return fmt.Errorf("%w: %s node %d not in [0, %d)", ErrGraph, part.name, v, n)
			}
			if seen[v] {
				return fmt.Errorf("%w: %s node %d listed twice in the split", ErrGraph, part.name, v)
			}
			seen[v] = true
			if labels[v] < 0 {
				return fmt.Errorf("%w: %s node %d has no label", ErrGraph, part.name, v)
			}
		}
	}
	g.labels = slices.Clone(labels)
	g.numClasses = numClasses
	g.split = Split{Train: slices.Clone(split.Train), Val: slices.Clone(split.Val), Test: slices.Clone(split.Test)}
	return nil
}

// N returns the number of nodes.
func (g *Graph) N() int { return g.x.rows }

// NumFeatures returns the feature dimension.
func (g *Graph) NumFeatures() int { return g.x.cols }

// NumClasses returns the number of classes, 0 for an unlabelled graph.
func (g *Graph) NumClasses() int { return g.numClasses }

// NumEdges returns the number of undirected edges after dropping self-loops and repeats.
func (g *Graph) NumEdges() int { return len(g.col) / 2 }

// Degree returns the number of neighbours of v.
func (g *Graph) Degree(v int) int { return g.rowPtr[v+1] - g.rowPtr[v] }

// Neighbors returns the sorted neighbours of v. The slice must not be modified.
func (g *Graph) Neighbors(v int) []int { return g.col[g.rowPtr[v]:g.rowPtr[v+1]] }

// Label returns the class of v, or -1 if v is unlabelled.
func (g *Graph) Label(v int) int {
	if g.labels == nil {
		return -1
	}
	return g.labels[v]
}

// Split returns a copy of the split.
func (g *Graph) Split() Split {
	return Split{Train: slices.Clone(g.split.Train), Val: slices.Clone(g.split.Val), Test: slices.Clone(g.split.Test)}
}
