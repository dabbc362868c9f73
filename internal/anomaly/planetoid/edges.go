package planetoid

import (
	"cmp"
	"io"
	"slices"
	"strings"
)

// ParseEdges reads an edges file for n nodes: a "#" header and then one line "u<TAB>v" per undirected
// edge with u < v < n, each edge once. Self-loops are not allowed.
func ParseEdges(r io.Reader, n int) ([][2]int, error) { return parseEdges(r, n, defaultLimits()) }

func parseEdges(r io.Reader, n int, lim limits) ([][2]int, error) {
	if err := checkNodeCount(n, lim); err != nil {
		return nil, err
	}
	lr := newLineReader(r, lim.fileSize)
	if _, err := lr.header(); err != nil {
		return nil, err
	}
	var edges [][2]int
	var lines []int
	for {
		line, ok, err := lr.body()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		key, rest, err := splitKey(line, lr.line, "u<TAB>v")
		if err != nil {
			return nil, err
		}
		u, err := parseNode(key, n, lr.line)
		if err != nil {
			return nil, err
		}
		v, err := parseNode(strings.TrimSpace(rest), n, lr.line)
		if err != nil {
			return nil, err
		}
		if u >= v {
			return nil, errorAt(lr.line, ErrSyntax, "edge %d-%d must be written with u < v (no self-loops)", u, v)
		}
		if len(edges) == lim.edges {
			return nil, errorAt(lr.line, ErrLimit, "more than %d edges", lim.edges)
		}
		edges = append(edges, [2]int{u, v})
		lines = append(lines, lr.line)
	}
	// Find duplicates by sorting line indices by edge; report the later line of the first pair found.
	order := make([]int, len(edges))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(edges[a][0], edges[b][0]), cmp.Compare(edges[a][1], edges[b][1]), cmp.Compare(a, b))
	})
	dup := -1
	for k := 1; k < len(order); k++ {
		if edges[order[k]] == edges[order[k-1]] && (dup < 0 || order[k] < dup) {
			dup = order[k]
		}
	}
	if dup >= 0 {
		e := edges[dup]
		return nil, errorAt(lines[dup], ErrDuplicate, "edge %d-%d listed twice", e[0], e[1])
	}
	return edges, nil
}

// Split lists the node ids of the training, validation and test sets, in file order. The sets are
// disjoint.
type Split struct {
	// Train lists the training nodes (the "train" line).
	Train []int
	// Val lists the validation nodes (the "val" line).
	Val []int
	// Test lists the test nodes (the "test" line).
	Test []int
}

// ParseSplit reads a split file for n nodes: a "#" header and then exactly three lines
// "train<TAB>ids…", "val<TAB>ids…" and "test<TAB>ids…" in any order, ids space-separated. No node may
// appear twice, in one set or across sets.
func ParseSplit(r io.Reader, n int) (Split, error) { return parseSplit(r, n, defaultLimits()) }

func parseSplit(r io.Reader, n int, lim limits) (Split, error) {
	if err := checkNodeCount(n, lim); err != nil {
		return Split{}, err
	}
	lr := newLineReader(r, lim.fileSize)
	if _, err := lr.header(); err != nil {
		return Split{}, err
	}
	var s Split
	seenNode := newBitmap(n)
	seenSplit := map[string]bool{}
	for {
		line, ok, err := lr.body()
		if err != nil {
			return Split{}, err
		}
		if !ok {
			break
		}
		name, rest, err := splitKey(line, lr.line, "name<TAB>node ids")
		if err != nil {
			return Split{}, err
		}
		var dst *[]int
		switch name {
		case SplitTrain:
			dst = &s.Train
		case SplitVal:
			dst = &s.Val
		case SplitTest:
			dst = &s.Test
		default:
			return Split{}, errorAt(lr.line, ErrUnknownSplit, "%q (want %s, %s or %s)", clip(name), SplitTrain, SplitVal, SplitTest)
		}
		if seenSplit[name] {
			return Split{}, errorAt(lr.line, ErrDuplicate, "split %s listed twice", name)
		}
		seenSplit[name] = true
		ids := []int{} // an empty split is empty, not absent
		for _, tok := range strings.Fields(rest) {
			v, err := parseNode(tok, n, lr.line)
			if err != nil {
				return Split{}, err
			}
			if seenNode.add(v) {
				return Split{}, errorAt(lr.line, ErrDuplicate, "node %d appears twice in the split", v)
			}
			ids = append(ids, v)
		}
		*dst = ids
	}
	for _, name := range []string{SplitTrain, SplitVal, SplitTest} {
		if !seenSplit[name] {
			return Split{}, errorAt(0, ErrMissing, "no %s line", name)
		}
	}
	return s, nil
}
