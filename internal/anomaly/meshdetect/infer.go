package meshdetect

import (
	"fmt"
	"time"
)

// InferenceTiming is what one inference costs, measured by TimeInference.
type InferenceTiming struct {
	// PerNode is the time a Scorer takes to classify one node's neighbours from its local graph
	// (one LocalGraph and Predict), averaged over every running node of the frames.
	PerNode time.Duration `json:"per_node_ns"`
	// NeighboursPerNode is the mean number of neighbour entries in those local graphs.
	NeighboursPerNode float64 `json:"neighbours_per_node"`
	// Graph is the time to classify every node of a mesh-wide graph of GraphNodes nodes.
	Graph      time.Duration `json:"graph_ns"`
	GraphNodes int           `json:"graph_nodes"`
}

// MeshGraph returns the mesh-wide feature rows and edges of frames (their disjoint union), cut or
// repeated to exactly n rows (edges leaving the cut are dropped): a graph of the size wanted for
// timing, with realistic features and degrees.
func MeshGraph(frames []Frame, n int) ([][NumFeatures]float64, [][2]int, error) {
	if len(frames) == 0 || n < 1 {
		return nil, nil, fmt.Errorf("%w: need frames and a positive size", ErrEmptyDataset)
	}
	var r rows
	for fi := range frames {
		r.addMesh(frames, fi)
	}
	if len(r.x) == 0 {
		return nil, nil, ErrEmptyDataset
	}
	x := make([][NumFeatures]float64, 0, n)
	var edges [][2]int
	for off := 0; len(x) < n; off += len(r.x) {
		take := min(len(r.x), n-len(x))
		x = append(x, r.x[:take]...)
		for _, e := range r.edges {
			if e[0] < take && e[1] < take {
				edges = append(edges, [2]int{e[0] + off, e[1] + off})
			}
		}
	}
	return x, edges, nil
}

// TimeInference measures d on frames with the clock now: every running node's local
// classification once, and a graphNodes-node mesh-wide graph reps times.
func (d *Detector) TimeInference(frames []Frame, graphNodes, reps int, now func() time.Time) (InferenceTiming, error) {
	var t InferenceTiming
	x, edges, err := MeshGraph(frames, graphNodes)
	if err != nil {
		return t, err
	}
	t.GraphNodes = graphNodes
	start := now()
	for range max(reps, 1) {
		if _, err := d.Predict(x, edges); err != nil {
			return t, err
		}
	}
	t.Graph = now().Sub(start) / time.Duration(max(reps, 1))
	nodes, neigh := 0, 0
	start = now()
	for fi := range frames {
		for i := range frames[fi].Nodes {
			o := &frames[fi].Nodes[i]
			if !o.Up {
				continue
			}
			if err := d.classifyLocal(o); err != nil {
				return t, err
			}
			nodes++
			neigh += len(o.Out)
		}
	}
	if nodes > 0 {
		t.PerNode = now().Sub(start) / time.Duration(nodes)
		t.NeighboursPerNode = float64(neigh) / float64(nodes)
	}
	return t, nil
}

// classifyLocal runs what a Scorer runs after a snapshot, on a recorded node.
func (d *Detector) classifyLocal(o *NodeObs) error {
	views := make([]LinkView, len(o.Out))
	edges := make([][2]int, len(o.Out))
	for k := range o.Out {
		views[k] = o.Out[k].View
		edges[k] = [2]int{0, k + 1}
	}
	_, err := d.Predict(LocalGraph(&o.Self, views), edges)
	return err
}
