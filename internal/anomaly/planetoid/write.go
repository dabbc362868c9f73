package planetoid

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// WriteFeatures writes f in the features file format that ParseFeatures reads.
func WriteFeatures(w io.Writer, f *Features) error {
	if err := f.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# node\tnonzero feature indices; N=%d F=%d\n", f.N, f.F)
	var buf []byte
	for v := 0; v < f.N; v++ {
		buf = strconv.AppendInt(buf[:0], int64(v), 10)
		buf = append(buf, '\t')
		for k, j := range f.Row(v) {
			if k > 0 {
				buf = append(buf, ' ')
			}
			buf = strconv.AppendInt(buf, int64(j), 10)
		}
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	return bw.Flush()
}

// WriteLabels writes one class per node (-1 for none) in the format ParseLabels reads.
func WriteLabels(w io.Writer, labels []int) error {
	if len(labels) > MaxNodes {
		return fmt.Errorf("planetoid: %d labels: %w", len(labels), ErrLimit)
	}
	maxClass := -1
	for v, c := range labels {
		if c < -1 || c >= MaxClasses {
			return fmt.Errorf("planetoid: class %d of node %d: %w", c, v, ErrRange)
		}
		maxClass = max(maxClass, c)
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# node\tclass 0..%d; -1 no label\n", maxClass)
	for v, c := range labels {
		fmt.Fprintf(bw, "%d\t%d\n", v, c)
	}
	return bw.Flush()
}

// WriteEdges writes undirected edges of a graph of n nodes in the format ParseEdges reads. Each edge
// must have u < v < n and appear once; the order is kept.
func WriteEdges(w io.Writer, n int, edges [][2]int) error {
	if len(edges) > MaxEdges {
		return fmt.Errorf("planetoid: %d edges: %w", len(edges), ErrLimit)
	}
	for _, e := range edges {
		if e[0] < 0 || e[0] >= e[1] || e[1] >= n {
			return fmt.Errorf("planetoid: edge %d-%d for %d nodes: %w", e[0], e[1], n, ErrRange)
		}
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# undirected edges u\tv (u<v)")
	for _, e := range edges {
		fmt.Fprintf(bw, "%d\t%d\n", e[0], e[1])
	}
	return bw.Flush()
}

// WriteSplit writes s for a graph of n nodes in the format ParseSplit reads.
func WriteSplit(w io.Writer, n int, s Split) error {
	seen := newBitmap(max(n, 0))
	for _, ids := range [][]int{s.Train, s.Val, s.Test} {
		for _, v := range ids {
			if v < 0 || v >= n {
				return fmt.Errorf("planetoid: split node %d for %d nodes: %w", v, n, ErrRange)
			}
			if seen.add(v) {
				return fmt.Errorf("planetoid: split node %d twice: %w", v, ErrDuplicate)
			}
		}
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# split\tnode ids")
	var buf []byte
	for _, part := range []struct {
		name string
		ids  []int
	}{{SplitTrain, s.Train}, {SplitVal, s.Val}, {SplitTest, s.Test}} {
		buf = append(buf[:0], part.name...)
		buf = append(buf, '\t')
		for k, v := range part.ids {
			if k > 0 {
				buf = append(buf, ' ')
			}
			buf = strconv.AppendInt(buf, int64(v), 10)
		}
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	return bw.Flush()
}
