package meshdetect

import "slices"

// Ref names the subject of one row of a built graph.
type Ref struct {
	// Frame is the index of the frame in the list the graph was built from.
	Frame int
	// Node is the simulated node the row describes.
	Node int
	// Observer is the node whose local view the row comes from; -1 for a mesh-wide row.
	Observer int
	// Entry is the index in the observer's Out of a leaf row; -1 for a centre or mesh-wide row.
	Entry int
}

// rows is a graph under construction: feature rows, labels, edges and what each row describes.
type rows struct {
	x      [][NumFeatures]float64
	labels []int
	edges  [][2]int
	refs   []Ref
}

func (r *rows) add(f [NumFeatures]float64, label Class, ref Ref) int {
	r.x = append(r.x, f)
	r.labels = append(r.labels, int(label))
	r.refs = append(r.refs, ref)
	return len(r.x) - 1
}

// addMesh adds the mesh-wide graph of frame fi: one row per running node, with its own telemetry
// and every running neighbour's current view of it (NodeFeatures), linked where either end has
// the other's current identity among its neighbour entries.
func (r *rows) addMesh(frames []Frame, fi int) {
	f := &frames[fi]
	row := make([]int, len(f.Nodes))
	inbound := make([][]LinkView, len(f.Nodes))
	outbound := make([][]LinkView, len(f.Nodes))
	for u := range f.Nodes {
		row[u] = -1
		outbound[u] = []LinkView{}
		inbound[u] = []LinkView{}
	}
	for u := range f.Nodes {
		for _, e := range f.Nodes[u].Out {
			outbound[u] = append(outbound[u], e.View)
			if e.Current && f.Nodes[e.Peer].Up && e.Peer != u {
				inbound[e.Peer] = append(inbound[e.Peer], e.View)
			}
		}
	}
	for v := range f.Nodes {
		if o := &f.Nodes[v]; o.Up {
			row[v] = r.add(NodeFeatures(&o.Self, inbound[v], outbound[v]), o.Label, Ref{Frame: fi, Node: v, Observer: -1, Entry: -1})
		}
	}
	for u := range f.Nodes {
		for _, e := range f.Nodes[u].Out {
			if e.Current && row[u] >= 0 && row[e.Peer] >= 0 && e.Peer != u {
				r.edges = append(r.edges, [2]int{row[u], row[e.Peer]})
			}
		}
	}
}

// addLocal adds the local graph of every running node of frame fi (LocalGraph).
func (r *rows) addLocal(frames []Frame, fi int) {
	f := &frames[fi]
	for i := range f.Nodes {
		o := &f.Nodes[i]
		if !o.Up {
			continue
		}
		views := make([]LinkView, len(o.Out))
		for k := range o.Out {
			views[k] = o.Out[k].View
		}
		x := LocalGraph(&o.Self, views)
		c := r.add(x[0], o.Label, Ref{Frame: fi, Node: i, Observer: i, Entry: -1})
		for k, e := range o.Out {
			l := r.add(x[k+1], f.Nodes[e.Peer].Label, Ref{Frame: fi, Node: e.Peer, Observer: i, Entry: k})
			r.edges = append(r.edges, [2]int{c, l})
		}
	}
}

// LocalGraph returns the feature rows of a node's local graph: a star whose centre (row 0) is the
// node with its own telemetry and its measurements of all its neighbour entries (outbound; how
// they measure it is unknown), and whose leaves (rows 1..) are its neighbour entries, each with
// only the node's one measurement of it (inbound; their own telemetry and measurements are
// unknown). The Scorer and the training data both use this function.
func LocalGraph(self *SelfView, views []LinkView) [][NumFeatures]float64 {
	out := make([][NumFeatures]float64, 0, 1+len(views))
	if views == nil {
		views = []LinkView{}
	}
	out = append(out, NodeFeatures(self, nil, views))
	for k := range views {
		out = append(out, NodeFeatures(nil, views[k:k+1], nil))
	}
	return out
}

// all returns the indices of every row.
func (r *rows) all() []int {
	out := make([]int, len(r.x))
	for i := range out {
		out[i] = i
	}
	return out
}

// byLabel returns the rows of each class, in order.
func (r *rows) byLabel(ids []int) [NumClasses][]int {
	var out [NumClasses][]int
	for _, i := range ids {
		out[r.labels[i]] = append(out[r.labels[i]], i)
	}
	for c := range out {
		out[c] = slices.Clip(out[c])
	}
	return out
}
