package graphsage

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestFeaturesConstructors(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		make func() (*Features, error)
		want error
	}{
		{"dense ok", func() (*Features, error) { return NewDenseFeatures(2, 2, []float64{1, 2, 3, 4}) }, nil},
		{"dense short", func() (*Features, error) { return NewDenseFeatures(2, 2, []float64{1, 2, 3}) }, ErrGraph},
		{"dense nan", func() (*Features, error) { return NewDenseFeatures(1, 2, []float64{1, nan}) }, ErrNonFinite},
		{"dense no rows", func() (*Features, error) { return NewDenseFeatures(0, 2, nil) }, ErrGraph},
		{"dense no cols", func() (*Features, error) { return NewDenseFeatures(2, 0, nil) }, ErrGraph},
		{"dense too wide", func() (*Features, error) { return NewDenseFeatures(1, MaxInDim+1, nil) }, ErrGraph},
		{"sparse ok", func() (*Features, error) { return NewSparseFeatures(2, 3, []int{0, 1, 3}, []int{2, 0, 1}, nil) }, nil},
		{"sparse values", func() (*Features, error) {
			return NewSparseFeatures(2, 3, []int{0, 1, 3}, []int{2, 0, 1}, []float64{1, 2, 3})
		}, nil},
		{"sparse rowptr length", func() (*Features, error) { return NewSparseFeatures(2, 3, []int{0, 1}, []int{2}, nil) }, ErrGraph},
		{"sparse rowptr start", func() (*Features, error) { return NewSparseFeatures(1, 3, []int{1, 1}, []int{2}, nil) }, ErrGraph},
		{"sparse rowptr end", func() (*Features, error) { return NewSparseFeatures(1, 3, []int{0, 2}, []int{2}, nil) }, ErrGraph},
		{"sparse rowptr decreasing", func() (*Features, error) { return NewSparseFeatures(2, 3, []int{0, 2, 1}, []int{2}, nil) }, ErrGraph},
		{"sparse column", func() (*Features, error) { return NewSparseFeatures(1, 3, []int{0, 1}, []int{3}, nil) }, ErrGraph},
		{"sparse negative column", func() (*Features, error) { return NewSparseFeatures(1, 3, []int{0, 1}, []int{-1}, nil) }, ErrGraph},
		{"sparse value count", func() (*Features, error) { return NewSparseFeatures(1, 3, []int{0, 1}, []int{1}, []float64{1, 2}) }, ErrGraph},
		{"sparse inf", func() (*Features, error) {
			return NewSparseFeatures(1, 3, []int{0, 1}, []int{1}, []float64{math.Inf(-1)})
		}, ErrNonFinite},
	}
	for _, tt := range tests {
		f, err := tt.make()
		if tt.want == nil {
			if err != nil || f == nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestFeaturesAccessorsAndCopy(t *testing.T) {
	data := []float64{1, -2, 0, 3}
	d, err := NewDenseFeatures(2, 2, data)
	if err != nil {
		t.Fatal(err)
	}
	data[0] = 100 // the matrix holds a copy
	if d.Rows() != 2 || d.Cols() != 2 || d.Sparse() || d.rowL1(0) != 3 || d.rowL1(1) != 3 {
		t.Errorf("dense accessors: rows %d cols %d sparse %v l1 %v %v", d.Rows(), d.Cols(), d.Sparse(), d.rowL1(0), d.rowL1(1))
	}
	s, err := NewSparseFeatures(2, 3, []int{0, 2, 3}, []int{0, 2, 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Sparse() || s.rowL1(0) != 2 || s.rowL1(1) != 1 {
		t.Errorf("sparse binary l1 %v %v", s.rowL1(0), s.rowL1(1))
	}
	v, err := NewSparseFeatures(1, 3, []int{0, 2}, []int{0, 2}, []float64{-1.5, 2})
	if err != nil {
		t.Fatal(err)
	}
	if v.rowL1(0) != 3.5 {
		t.Errorf("sparse valued l1 %v", v.rowL1(0))
	}
}

func TestNewGraphAdjacency(t *testing.T) {
	x, err := NewDenseFeatures(5, 1, []float64{1, 2, 3, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	// A self-loop, a repeated edge in both directions, node 4 isolated.
	edges := [][2]int{{0, 1}, {1, 0}, {2, 2}, {1, 2}, {3, 0}, {0, 1}}
	g, err := NewGraph(x, edges, nil, 0, Split{})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{1, 3}, {0, 2}, {1}, {0}, {}}
	for v, nb := range want {
		if got := g.Neighbors(v); !slices.Equal(got, nb) || g.Degree(v) != len(nb) {
			t.Errorf("neighbours of %d: %v, want %v", v, got, nb)
		}
	}
	if g.N() != 5 || g.NumEdges() != 3 || g.NumFeatures() != 1 || g.NumClasses() != 0 || g.Label(2) != -1 {
		t.Errorf("N %d edges %d features %d classes %d", g.N(), g.NumEdges(), g.NumFeatures(), g.NumClasses())
	}
}

func TestNewGraphLabelsAndSplit(t *testing.T) {
	x, err := NewDenseFeatures(4, 1, []float64{1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	labels := []int{0, 1, -1, 1}
	split := Split{Train: []int{0}, Val: []int{1}, Test: []int{3}}
	g, err := NewGraph(x, nil, labels, 2, split)
	if err != nil {
		t.Fatal(err)
	}
	labels[0] = 1
	split.Train[0] = 2
	s := g.Split()
	if g.Label(0) != 0 || g.Label(2) != -1 || s.Train[0] != 0 {
		t.Error("graph does not hold copies of labels and split")
	}
	s.Val[0] = 3
	if g.Split().Val[0] != 1 {
		t.Error("Split returns the graph's own slices")
	}

	tests := []struct {
		name    string
		x       *Features
		edges   [][2]int
		labels  []int
		classes int
		split   Split
	}{
		{"nil features", nil, nil, nil, 0, Split{}},
		{"edge out of range", x, [][2]int{{0, 4}}, nil, 0, Split{}},
		{"negative edge", x, [][2]int{{-1, 2}}, nil, 0, Split{}},
		{"classes without labels", x, nil, nil, 2, Split{}},
		{"split without labels", x, nil, nil, 0, Split{Train: []int{0}}},
		{"label count", x, nil, []int{0, 1}, 2, Split{}},
		{"one class", x, nil, []int{0, 0, 0, 0}, 1, Split{}},
		{"label too big", x, nil, []int{0, 2, 0, 0}, 2, Split{}},
		{"label below -1", x, nil, []int{0, -2, 0, 0}, 2, Split{}},
		{"split out of range", x, nil, []int{0, 1, 0, 1}, 2, Split{Test: []int{4}}},
		{"split duplicate", x, nil, []int{0, 1, 0, 1}, 2, Split{Train: []int{1, 1}}},
		{"split overlap", x, nil, []int{0, 1, 0, 1}, 2, Split{Train: []int{1}, Val: []int{1}}},
		{"split unlabelled", x, nil, []int{0, 1, -1, 1}, 2, Split{Val: []int{2}}},
	}
	for _, tt := range tests {
		if _, err := NewGraph(tt.x, tt.edges, tt.labels, tt.classes, tt.split); !errors.Is(err, ErrGraph) {
			t.Errorf("%s: got %v, want ErrGraph", tt.name, err)
		}
	}
}

func TestSamplerBlocks(t *testing.T) {
	g := randomGraph(t, newRNG(3), 40, 5, 3, 8, false)
	targets := []int{3, 7, 11, 39}
	for _, agg := range []Aggregator{AggregatorMean, AggregatorGCN, AggregatorPool} {
		for _, fan := range [][]int{{0, 0}, {3, 2}, {1, 1}, {100, 100}} {
			var b batch
			newSampler(g, agg).build(targets, fan, newRNG(5), &b)
			if !slices.Equal(b.targets(), targets) {
				t.Fatalf("targets %v", b.targets())
			}
			for k := 1; k >= 0; k-- {
				blk := b.blocks[k]
				dst, src := b.nodes[k+1], b.nodes[k]
				if blk.nDst != len(dst) || blk.nSrc != len(src) || !slices.Equal(src[:len(dst)], dst) {
					t.Fatalf("layer %d: destinations are not a prefix of the sources", k)
				}
				for i, v := range dst {
					cols := blk.col[blk.rowPtr[i]:blk.rowPtr[i+1]]
					want := g.Degree(v)
					if fan[k] > 0 {
						want = min(want, fan[k])
					}
					if len(cols) != want {
						t.Errorf("%v fan %v: node %d has %d sampled neighbours, want %d", agg, fan, v, len(cols), want)
					}
					seen := map[int]bool{}
					wsum := 0.0
					for e, c := range cols {
						u := src[c]
						if seen[u] || !slices.Contains(g.Neighbors(v), u) {
							t.Errorf("node %d: sampled %d twice or not a neighbour", v, u)
						}
						seen[u] = true
						if agg != AggregatorPool {
							wsum += blk.w[blk.rowPtr[i]+e]
						}
					}
					if agg == AggregatorMean && len(cols) > 0 && math.Abs(wsum-1) > 1e-12 {
						t.Errorf("mean weights of node %d sum to %v", v, wsum)
					}
					if agg == AggregatorGCN && blk.selfW[i] != 1/float64(g.Degree(v)+1) {
						t.Errorf("gcn self weight of node %d is %v", v, blk.selfW[i])
					}
				}
			}
		}
	}
}

// TestSamplerDeterministic checks that equal seeds give equal samples.
func TestSamplerDeterministic(t *testing.T) {
	g := randomGraph(t, newRNG(3), 60, 5, 3, 12, false)
	var a, b batch
	s := newSampler(g, AggregatorMean)
	s.build([]int{1, 2, 3}, []int{4, 2}, newRNG(9), &a)
	s.build([]int{1, 2, 3}, []int{4, 2}, newRNG(9), &b)
	for k := range a.nodes {
		if !slices.Equal(a.nodes[k], b.nodes[k]) {
			t.Fatalf("layer %d nodes differ for equal seeds", k)
		}
	}
	for k := range a.blocks {
		if !slices.Equal(a.blocks[k].col, b.blocks[k].col) {
			t.Fatalf("layer %d samples differ for equal seeds", k)
		}
	}
}
