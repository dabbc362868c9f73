package planetoid

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

const tinyFeatures = "# node\tnonzero feature indices; N=4 F=5\n" +
	"2\t4 0\n" + // rows in any order, indices in any order
	"0\t1 3\r\n" + // CRLF is tolerated
	"3\t\n" + // no features
	"1\t2  4" // no final newline, double space

func TestParseFeatures(t *testing.T) {
	f, err := ParseFeatures(strings.NewReader(tinyFeatures))
	if err != nil {
		t.Fatal(err)
	}
	if f.N != 4 || f.F != 5 {
		t.Fatalf("N=%d F=%d", f.N, f.F)
	}
	want := [][]int{{1, 3}, {2, 4}, {0, 4}, {}}
	for v, row := range want {
		if got := f.Row(v); !slices.Equal(got, row) {
			t.Errorf("row %d: %v, want %v", v, got, row)
		}
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
}

// errCase is a parser input that must fail with sentinel want at line line.
type errCase struct {
	name  string
	input string
	want  error
	line  int
}

func checkErrors(t *testing.T, parse func(string) error, cases []errCase) {
	t.Helper()
	for _, tc := range cases {
		err := parse(tc.input)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: %v is not a *ParseError", tc.name, err)
			continue
		}
		if pe.Line != tc.line {
			t.Errorf("%s: error at line %d, want %d (%v)", tc.name, pe.Line, tc.line, err)
		}
	}
}

func TestParseFeaturesErrors(t *testing.T) {
	hdr := "# x; N=3 F=4\n"
	lim := limits{fileSize: 200, nodes: 10, features: 20, edges: 5}
	checkErrors(t, func(s string) error { _, err := parseFeatures(strings.NewReader(s), lim); return err }, []errCase{
		{"empty", "", ErrHeader, 0},
		{"no hash", "N=3 F=4\n", ErrHeader, 1},
		{"no N", "# F=4\n", ErrHeader, 1},
		{"no F", "# N=4\n", ErrHeader, 1},
		{"bad N", "# N=x F=4\n", ErrHeader, 1},
		{"negative F", "# N=3 F=-4\n", ErrHeader, 1},
		{"N twice", "# N=3 N=3 F=4\n", ErrHeader, 1},
		{"F twice", "# N=3 F=4 F=4\n", ErrHeader, 1},
		{"N over limit", "# N=11 F=4\n", ErrLimit, 1},
		{"F over limit", "# N=3 F=21\n", ErrLimit, 1},
		{"no tab", hdr + "0 1 2\n", ErrSyntax, 2},
		{"bad node", hdr + "x\t1\n", ErrSyntax, 2},
		{"negative node", hdr + "-1\t1\n", ErrSyntax, 2},
		{"long number", hdr + "0000000001\t1\n", ErrSyntax, 2},
		{"node out of range", hdr + "3\t1\n", ErrRange, 2},
		{"duplicate node", hdr + "0\t1\n0\t2\n", ErrDuplicate, 3},
		{"bad index", hdr + "0\t1 b\n", ErrSyntax, 2},
		{"index out of range", hdr + "0\t4\n", ErrRange, 2},
		{"duplicate index", hdr + "0\t1 2 1\n", ErrDuplicate, 2},
		{"missing row", hdr + "0\t1\n2\t1\n", ErrHeader, 0},
		{"empty line", hdr + "0\t1\n\n1\t1\n", ErrSyntax, 3},
		{"blank line", hdr + "0\t1\n \t\n", ErrSyntax, 3},
		{"second comment", hdr + "# more\n", ErrSyntax, 2},
		{"too large", hdr + strings.Repeat("0\t1 2 3\n", 40), ErrTooLarge, 0},
		{"huge line", hdr + "0\t" + strings.Repeat("1", 300), ErrTooLarge, 0},
	})
}

func TestParseLabels(t *testing.T) {
	labels, err := ParseLabels(strings.NewReader("# node\tclass\n1\t2\n0\t-1\n2\t0\n"), 3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(labels, []int{-1, 2, 0}) {
		t.Errorf("labels %v", labels)
	}
	hdr := "# labels\n"
	checkErrors(t, func(s string) error { _, err := ParseLabels(strings.NewReader(s), 2); return err }, []errCase{
		{"no header", "0\t1\n", ErrHeader, 1},
		{"missing node", hdr + "0\t1\n", ErrMissing, 0},
		{"duplicate", hdr + "0\t1\n0\t1\n", ErrDuplicate, 3},
		{"no tab", hdr + "0 1\n", ErrSyntax, 2},
		{"bad class", hdr + "0\tx\n", ErrSyntax, 2},
		{"class -2", hdr + "0\t-2\n", ErrSyntax, 2},
		{"empty class", hdr + "0\t\n", ErrSyntax, 2},
		{"class too big", hdr + "0\t1024\n", ErrLimit, 2},
		{"node out of range", hdr + "2\t0\n", ErrRange, 2},
	})
	for _, n := range []int{-1, MaxNodes + 1} {
		if _, err := ParseLabels(strings.NewReader(hdr), n); !errors.Is(err, ErrLimit) {
			t.Errorf("n=%d: %v", n, err)
		}
	}
}

func TestParseEdges(t *testing.T) {
	edges, err := ParseEdges(strings.NewReader("# edges\n0\t3\n1\t2\n0\t1\n"), 4)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(edges, [][2]int{{0, 3}, {1, 2}, {0, 1}}) {
		t.Errorf("edges %v", edges)
	}
	hdr := "# edges\n"
	lim := limits{fileSize: 1 << 10, nodes: 10, features: 10, edges: 3}
	checkErrors(t, func(s string) error { _, err := parseEdges(strings.NewReader(s), 4, lim); return err }, []errCase{
		{"no header", "", ErrHeader, 0},
		{"reversed", hdr + "2\t1\n", ErrSyntax, 2},
		{"self-loop", hdr + "2\t2\n", ErrSyntax, 2},
		{"u out of range", hdr + "4\t5\n", ErrRange, 2},
		{"v out of range", hdr + "1\t4\n", ErrRange, 2},
		{"bad v", hdr + "1\t2 3\n", ErrSyntax, 2},
		{"no tab", hdr + "1 2\n", ErrSyntax, 2},
		{"duplicate", hdr + "0\t1\n1\t2\n0\t2\n1\t2\n", ErrLimit, 5},
		{"too many", hdr + "0\t1\n0\t2\n0\t3\n1\t2\n", ErrLimit, 5},
	})
	lim.edges = 10
	checkErrors(t, func(s string) error { _, err := parseEdges(strings.NewReader(s), 4, lim); return err }, []errCase{
		{"duplicate", hdr + "0\t1\n1\t2\n0\t2\n1\t2\n0\t1\n", ErrDuplicate, 5},
	})
	if _, err := ParseEdges(strings.NewReader(hdr), -3); !errors.Is(err, ErrLimit) {
		t.Errorf("negative n: %v", err)
	}
}

func TestParseSplit(t *testing.T) {
	s, err := ParseSplit(strings.NewReader("# split\ntest\t4 2\ntrain\t0 1\nval\t\n"), 5)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Train, []int{0, 1}) || len(s.Val) != 0 || s.Val == nil || !slices.Equal(s.Test, []int{4, 2}) {
		t.Errorf("split %+v", s)
	}
	hdr := "# split\n"
	checkErrors(t, func(s string) error { _, err := ParseSplit(strings.NewReader(s), 5); return err }, []errCase{
		{"no header", "train\t1\n", ErrHeader, 1},
		{"unknown", hdr + "dev\t1\n", ErrUnknownSplit, 2},
		{"no tab", hdr + "train 1\n", ErrSyntax, 2},
		{"twice", hdr + "train\t1\ntrain\t2\n", ErrDuplicate, 3},
		{"node twice", hdr + "train\t1 1\n", ErrDuplicate, 2},
		{"node in two", hdr + "train\t1\nval\t2\ntest\t1\n", ErrDuplicate, 4},
		{"out of range", hdr + "train\t5\n", ErrRange, 2},
		{"bad id", hdr + "train\t1,2\n", ErrSyntax, 2},
		{"missing val", hdr + "train\t1\ntest\t2\n", ErrMissing, 0},
	})
	if _, err := ParseSplit(strings.NewReader(hdr), MaxNodes+1); !errors.Is(err, ErrLimit) {
		t.Errorf("n over limit: %v", err)
	}
}

func TestReadErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	// Two good lines, then the reader fails: the error points at line 3.
	r := func(s string) *strings.Reader { return strings.NewReader(s) }
	parsers := map[string]func() error{
		"features": func() error { _, err := ParseFeatures(iotest.TimeoutReader(r("# N=2 F=2\n0\t1\n"))); return err },
		"labels":   func() error { _, err := ParseLabels(errAfter(r("# l\n0\t1\n"), boom), 2); return err },
		"edges":    func() error { _, err := ParseEdges(errAfter(r("# e\n0\t1\n"), boom), 2); return err },
		"split":    func() error { _, err := ParseSplit(errAfter(r("# s\ntrain\t0\n"), boom), 2); return err },
	}
	for name, parse := range parsers {
		err := parse()
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != 3 || (!errors.Is(err, boom) && !errors.Is(err, iotest.ErrTimeout)) {
			t.Errorf("%s: read error reported as %v", name, err)
		}
	}
}

func errAfter(r *strings.Reader, err error) *errReader { return &errReader{r: r, err: err} }

type errReader struct {
	r   *strings.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	if e.r.Len() == 0 {
		return 0, e.err
	}
	return e.r.Read(p)
}

func TestParseErrorFormat(t *testing.T) {
	_, err := ParseEdges(strings.NewReader("# e\n0\t9\n"), 3)
	if got, want := err.Error(), "planetoid: input:2: value out of range: node id 9 not below N=3"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	err = withFile(err, "cora.edges.txt")
	if !strings.HasPrefix(err.Error(), "planetoid: cora.edges.txt:2: ") {
		t.Errorf("with file: %q", err)
	}
	_, err = ParseSplit(strings.NewReader("# s\n"), 3)
	if got := err.Error(); got != "planetoid: input: missing entry: no train line" {
		t.Errorf("whole-file error: %q", got)
	}
	if err := withFile(errors.New("plain"), "f.txt"); err.Error() != "planetoid: f.txt: plain" {
		t.Errorf("plain error: %q", err)
	}
	if got := clip(strings.Repeat("a", 40)); len(got) != clipLength+len("…") {
		t.Errorf("clip: %q", got)
	}
}

func TestFeaturesValidate(t *testing.T) {
	bad := []*Features{
		{N: -1, F: 1, RowPtr: []int{0}},
		{N: 1, F: MaxFeatures + 1, RowPtr: []int{0, 0}},
		{N: 1, F: 2, RowPtr: []int{0}},
		{N: 1, F: 2, RowPtr: []int{1, 1}, Indices: []int{0}},
		{N: 2, F: 2, RowPtr: []int{0, 2, 1}, Indices: []int{0}},
		{N: 1, F: 2, RowPtr: []int{0, 2}, Indices: []int{1, 0}},
		{N: 1, F: 2, RowPtr: []int{0, 2}, Indices: []int{1, 1}},
		{N: 1, F: 2, RowPtr: []int{0, 1}, Indices: []int{2}},
	}
	for i, f := range bad {
		if err := f.Validate(); err == nil {
			t.Errorf("case %d: %+v accepted", i, f)
		}
	}
}
