package planetoid

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Features is a sparse binary node-feature matrix in compressed sparse row form: row v (node v) has
// ones at the columns Indices[RowPtr[v]:RowPtr[v+1]], in ascending order, and zeros elsewhere.
type Features struct {
	// N is the number of nodes (rows).
	N int
	// F is the feature dimension (columns).
	F int
	// RowPtr has N+1 entries; RowPtr[0] is 0 and RowPtr[N] is len(Indices).
	RowPtr []int
	// Indices holds the column indices of the ones, row after row.
	Indices []int
}

// Row returns the feature indices of node v.
func (f *Features) Row(v int) []int { return f.Indices[f.RowPtr[v]:f.RowPtr[v+1]] }

// Validate checks the CSR invariants and the limits.
func (f *Features) Validate() error {
	if f.N < 0 || f.N > MaxNodes || f.F < 0 || f.F > MaxFeatures {
		return fmt.Errorf("planetoid: features %d×%d outside %d×%d: %w", f.N, f.F, MaxNodes, MaxFeatures, ErrLimit)
	}
	if len(f.RowPtr) != f.N+1 || f.RowPtr[0] != 0 || f.RowPtr[f.N] != len(f.Indices) {
		return fmt.Errorf("planetoid: features row pointers inconsistent: %w", ErrRange)
	}
	for v := 0; v < f.N; v++ {
		if f.RowPtr[v+1] < f.RowPtr[v] {
			return fmt.Errorf("planetoid: features row pointers of node %d decrease: %w", v, ErrRange)
		}
	}
	for v := 0; v < f.N; v++ {
		prev := -1
		for _, j := range f.Row(v) {
			if j <= prev || j >= f.F {
				return fmt.Errorf("planetoid: features of node %d not ascending in [0, %d): %w", v, f.F, ErrRange)
			}
			prev = j
		}
	}
	return nil
}

// ParseFeatures reads a features file: a header "# …; N=<nodes> F=<features>" and then one line
// "node<TAB>space-separated feature indices" per node, every node 0..N-1 exactly once, in any order.
// Indices may appear in any order within a line but not twice.
func ParseFeatures(r io.Reader) (*Features, error) { return parseFeatures(r, defaultLimits()) }

func parseFeatures(r io.Reader, lim limits) (*Features, error) {
	lr := newLineReader(r, lim.fileSize)
	hdr, err := lr.header()
	if err != nil {
		return nil, err
	}
	n, nf, err := parseFeaturesHeader(hdr, lim)
	if err != nil {
		return nil, err
	}
	seen := newBitmap(n)
	type row struct{ node, start, end int }
	var rows []row
	var idx []int
	for {
		line, ok, err := lr.body()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		key, rest, err := splitKey(line, lr.line, "node<TAB>feature indices")
		if err != nil {
			return nil, err
		}
		v, err := parseNode(key, n, lr.line)
		if err != nil {
			return nil, err
		}
		if seen.add(v) {
			return nil, errorAt(lr.line, ErrDuplicate, "node %d listed twice", v)
		}
		start := len(idx)
		for _, tok := range strings.Fields(rest) {
			j, ok := parseCount(tok)
			if !ok {
				return nil, errorAt(lr.line, ErrSyntax, "bad feature index %q", clip(tok))
			}
			if j >= nf {
				return nil, errorAt(lr.line, ErrRange, "feature index %d not below F=%d of the header", j, nf)
			}
			idx = append(idx, j)
		}
		cur := idx[start:]
		slices.Sort(cur)
		for k := 1; k < len(cur); k++ {
			if cur[k] == cur[k-1] {
				return nil, errorAt(lr.line, ErrDuplicate, "feature index %d listed twice for node %d", cur[k], v)
			}
		}
		rows = append(rows, row{node: v, start: start, end: len(idx)})
	}
	if len(rows) != n {
		return nil, errorAt(0, ErrHeader, "header says N=%d but the file has %d rows; node %d has none",
			n, len(rows), seen.firstMissing(n))
	}
	f := &Features{N: n, F: nf, RowPtr: make([]int, n+1), Indices: make([]int, 0, len(idx))}
	order := make([]int, n) // order[v] is the index in rows of node v
	for i, rw := range rows {
		order[rw.node] = i
	}
	for v := 0; v < n; v++ {
		rw := rows[order[v]]
		f.Indices = append(f.Indices, idx[rw.start:rw.end]...)
		f.RowPtr[v+1] = len(f.Indices)
	}
	return f, nil
}

// parseFeaturesHeader finds the "N=" and "F=" fields of the features header.
func parseFeaturesHeader(hdr string, lim limits) (n, nf int, err error) {
	n, nf = -1, -1
	fields := strings.FieldsFunc(hdr, func(r rune) bool { return r == ' ' || r == '\t' || r == ';' || r == ',' })
	for _, fld := range fields {
		name, val, ok := strings.Cut(fld, "=")
		if !ok || (name != "N" && name != "F") {
			continue
		}
		v, ok := parseCount(val)
		if !ok {
			return 0, 0, errorAt(1, ErrHeader, "bad %s=%q", name, clip(val))
		}
		if name == "N" {
			if n >= 0 {
				return 0, 0, errorAt(1, ErrHeader, "N= given twice")
			}
			n = v
		} else {
			if nf >= 0 {
				return 0, 0, errorAt(1, ErrHeader, "F= given twice")
			}
			nf = v
		}
	}
	if n < 0 || nf < 0 {
		return 0, 0, errorAt(1, ErrHeader, "want N=<nodes> and F=<features> in the first line")
	}
	if n > lim.nodes {
		return 0, 0, errorAt(1, ErrLimit, "N=%d exceeds the limit of %d nodes", n, lim.nodes)
	}
	if nf > lim.features {
		return 0, 0, errorAt(1, ErrLimit, "F=%d exceeds the limit of %d features", nf, lim.features)
	}
	return n, nf, nil
}

// ParseLabels reads a labels file for n nodes: a "#" header and then one line "node<TAB>class" per
// node, every node 0..n-1 exactly once. A class is -1 (no label) or in [0, MaxClasses).
func ParseLabels(r io.Reader, n int) ([]int, error) { return parseLabels(r, n, defaultLimits()) }

func parseLabels(r io.Reader, n int, lim limits) ([]int, error) {
	if err := checkNodeCount(n, lim); err != nil {
		return nil, err
	}
	lr := newLineReader(r, lim.fileSize)
	if _, err := lr.header(); err != nil {
		return nil, err
	}
	seen := newBitmap(n)
	type entry struct{ node, class int }
	var entries []entry
	for {
		line, ok, err := lr.body()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		key, rest, err := splitKey(line, lr.line, "node<TAB>class")
		if err != nil {
			return nil, err
		}
		v, err := parseNode(key, n, lr.line)
		if err != nil {
			return nil, err
		}
		if seen.add(v) {
			return nil, errorAt(lr.line, ErrDuplicate, "node %d labelled twice", v)
		}
		c, err := parseClass(strings.TrimSpace(rest), lr.line)
		if err != nil {
			return nil, err
		}
		entries = append(entries, entry{v, c})
	}
	if len(entries) != n {
		return nil, errorAt(0, ErrMissing, "%d of %d nodes labelled; node %d has no line (write -1 for no label)",
			len(entries), n, seen.firstMissing(n))
	}
	labels := make([]int, n)
	for _, e := range entries {
		labels[e.node] = e.class
	}
	return labels, nil
}

func parseClass(s string, lineNo int) (int, error) {
	if s == "-1" {
		return -1, nil
	}
	c, ok := parseCount(s)
	if !ok {
		return 0, errorAt(lineNo, ErrSyntax, "bad class %q", clip(s))
	}
	if c >= MaxClasses {
		return 0, errorAt(lineNo, ErrLimit, "class %d not below %d", c, MaxClasses)
	}
	return c, nil
}
