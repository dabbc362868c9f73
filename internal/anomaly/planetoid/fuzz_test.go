package planetoid

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// fuzzNodes bounds the node count the fuzz targets pass to the parsers that take one.
const fuzzNodes = 64

var sentinels = []error{ErrSyntax, ErrHeader, ErrRange, ErrDuplicate, ErrMissing, ErrUnknownSplit, ErrTooLarge, ErrLimit}

// checkClassified fails unless err wraps one of the parser sentinels in a *ParseError.
func checkClassified(t *testing.T, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *ParseError", err)
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("unclassified error %v", err)
}

// FuzzParseFeatures: no panic; a parsed matrix is valid, no larger than its input allows, and writes
// and parses back to itself.
func FuzzParseFeatures(f *testing.F) {
	f.Add([]byte(tinyFeatures))
	f.Add([]byte("# N=2 F=3\n1\t2 0\n0\t\n"))
	f.Add([]byte("# N=1 F=1\n0\t0 0\n"))
	f.Add([]byte("# N=0 F=0\n"))
	f.Add([]byte("# N=2 F=3\n0\t1\n"))
	f.Add([]byte("# N=1048577 F=3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		feat, err := ParseFeatures(bytes.NewReader(data))
		if err != nil {
			checkClassified(t, err)
			return
		}
		if err := feat.Validate(); err != nil {
			t.Fatal(err)
		}
		if feat.N > len(data) || len(feat.Indices) > len(data) {
			t.Fatalf("%d rows and %d indices from %d bytes", feat.N, len(feat.Indices), len(data))
		}
		var buf bytes.Buffer
		if err := WriteFeatures(&buf, feat); err != nil {
			t.Fatal(err)
		}
		again, err := ParseFeatures(&buf)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if !reflect.DeepEqual(again, feat) {
			t.Fatalf("round trip changed the matrix: %+v -> %+v", feat, again)
		}
	})
}

// FuzzParseLabels: no panic; parsed labels are in range and round-trip.
func FuzzParseLabels(f *testing.F) {
	f.Add([]byte("# node\tclass\n1\t2\n0\t-1\n2\t0\n"), uint8(3))
	f.Add([]byte("# l\n0\t1023\n"), uint8(1))
	f.Add([]byte("# l\n0\t1\n0\t1\n"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, n uint8) {
		nodes := int(n) % fuzzNodes
		labels, err := ParseLabels(bytes.NewReader(data), nodes)
		if err != nil {
			checkClassified(t, err)
			return
		}
		if len(labels) != nodes {
			t.Fatalf("%d labels for %d nodes", len(labels), nodes)
		}
		for _, c := range labels {
			if c < -1 || c >= MaxClasses {
				t.Fatalf("label %d", c)
			}
		}
		var buf bytes.Buffer
		if err := WriteLabels(&buf, labels); err != nil {
			t.Fatal(err)
		}
		again, err := ParseLabels(&buf, nodes)
		if err != nil || !reflect.DeepEqual(again, labels) {
			t.Fatalf("round trip: %v, %v -> %v", err, labels, again)
		}
	})
}

// FuzzParseEdges: no panic; parsed edges are ordered, in range, distinct, bounded by the input
// size, and round-trip.
func FuzzParseEdges(f *testing.F) {
	f.Add([]byte("# edges\n0\t3\n1\t2\n0\t1\n"), uint8(4))
	f.Add([]byte("# e\n0\t1\n0\t1\n"), uint8(2))
	f.Add([]byte("# e\n2\t1\n"), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, n uint8) {
		nodes := int(n) % fuzzNodes
		edges, err := ParseEdges(bytes.NewReader(data), nodes)
		if err != nil {
			checkClassified(t, err)
			return
		}
		if 4*len(edges) > len(data) {
			t.Fatalf("%d edges from %d bytes", len(edges), len(data))
		}
		seen := map[[2]int]bool{}
		for _, e := range edges {
			if e[0] < 0 || e[0] >= e[1] || e[1] >= nodes || seen[e] {
				t.Fatalf("edge %v for %d nodes", e, nodes)
			}
			seen[e] = true
		}
		var buf bytes.Buffer
		if err := WriteEdges(&buf, nodes, edges); err != nil {
			t.Fatal(err)
		}
		again, err := ParseEdges(&buf, nodes)
		if err != nil || !reflect.DeepEqual(again, edges) {
			t.Fatalf("round trip: %v, %v -> %v", err, edges, again)
		}
	})
}

// FuzzParseSplit: no panic; a parsed split is disjoint, in range, and round-trips.
func FuzzParseSplit(f *testing.F) {
	f.Add([]byte("# split\ntest\t4 2\ntrain\t0 1\nval\t\n"), uint8(5))
	f.Add([]byte("# s\ntrain\t1\nval\t1\ntest\t\n"), uint8(2))
	f.Add([]byte("# s\ndev\t1\n"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, n uint8) {
		nodes := int(n) % fuzzNodes
		s, err := ParseSplit(bytes.NewReader(data), nodes)
		if err != nil {
			checkClassified(t, err)
			return
		}
		seen := map[int]bool{}
		for _, ids := range [][]int{s.Train, s.Val, s.Test} {
			if ids == nil {
				t.Fatal("a parsed split set is nil")
			}
			for _, v := range ids {
				if v < 0 || v >= nodes || seen[v] {
					t.Fatalf("split node %d for %d nodes", v, nodes)
				}
				seen[v] = true
			}
		}
		var buf bytes.Buffer
		if err := WriteSplit(&buf, nodes, s); err != nil {
			t.Fatal(err)
		}
		again, err := ParseSplit(&buf, nodes)
		if err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("round trip: %v, %+v -> %+v", err, s, again)
		}
	})
}
