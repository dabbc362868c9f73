package graphsage

import (
	"math"
	"math/rand/v2"
)

// block is the bipartite graph one layer aggregates over. Its destination nodes are the first nDst
// of its nSrc source nodes (local indices), so a node's own previous representation is at the same
// local index as the node itself. Source neighbours of destination v are col[rowPtr[v]:rowPtr[v+1]]
// with aggregation weights w (mean, gcn); selfW[v] is the GCN self-loop weight.
type block struct {
	nDst, nSrc int
	rowPtr     []int
	col        []int
	w          []float64
	selfW      []float64
}

// batch is the computation graph of one forward pass: nodes[k] holds the global ids of the inputs of
// layer k (k = 0 is the feature layer) and nodes[K] the target nodes whose outputs are wanted;
// blocks[k] maps nodes[k] to nodes[k+1], and nodes[k+1] is a prefix of nodes[k].
type batch struct {
	nodes  [][]int
	blocks []block
}

// targets returns the nodes whose outputs the batch computes.
func (b *batch) targets() []int { return b.nodes[len(b.nodes)-1] }

// sampler builds batches, reusing its scratch memory between calls. It is not safe for concurrent
// use.
type sampler struct {
	g       *Graph
	agg     Aggregator
	local   []int // global id → local index in the source set being built, or -1
	scratch []int
}

func newSampler(g *Graph, agg Aggregator) *sampler {
	local := make([]int, g.N())
	for i := range local {
		local[i] = -1
	}
	return &sampler{g: g, agg: agg, local: local}
}

// build fills b with the computation graph for the distinct nodes targets. fanouts[k] is the number
// of neighbours sampled without replacement for each destination node of layer k; 0 takes them all.
// rng may be nil when no fan-out samples.
func (s *sampler) build(targets, fanouts []int, rng *rand.Rand, b *batch) {
	layers := len(fanouts)
	if len(b.nodes) != layers+1 {
		b.nodes = make([][]int, layers+1)
		b.blocks = make([]block, layers)
	}
	b.nodes[layers] = append(b.nodes[layers][:0], targets...)
	for k := layers - 1; k >= 0; k-- {
		dst := b.nodes[k+1]
		src := append(b.nodes[k][:0], dst...)
		for i, v := range src {
			s.local[v] = i
		}
		blk := &b.blocks[k]
		blk.nDst = len(dst)
		blk.rowPtr = append(blk.rowPtr[:0], 0)
		blk.col, blk.w, blk.selfW = blk.col[:0], blk.w[:0], blk.selfW[:0]
		for _, v := range dst {
			nb := s.g.Neighbors(v)
			d := len(nb)
			chosen := nb
			if f := fanouts[k]; f > 0 && f < d {
				s.scratch = append(s.scratch[:0], nb...)
				for j := 0; j < f; j++ {
					r := j + rng.IntN(d-j)
					s.scratch[j], s.scratch[r] = s.scratch[r], s.scratch[j]
				}
				chosen = s.scratch[:f]
			}
			for _, u := range chosen {
				li := s.local[u]
				if li < 0 {
					li = len(src)
					src = append(src, u)
					s.local[u] = li
				}
				blk.col = append(blk.col, li)
				switch s.agg {
				case AggregatorMean:
					blk.w = append(blk.w, 1/float64(len(chosen)))
				case AggregatorGCN:
					du := float64(s.g.Degree(u))
					scale := float64(d) / float64(len(chosen))
					blk.w = append(blk.w, scale/math.Sqrt((float64(d)+1)*(du+1)))
				}
			}
			if s.agg == AggregatorGCN {
				blk.selfW = append(blk.selfW, 1/(float64(d)+1))
			}
			blk.rowPtr = append(blk.rowPtr, len(blk.col))
		}
		for _, v := range src {
			s.local[v] = -1
		}
		blk.nSrc = len(src)
		b.nodes[k] = src
	}
}
