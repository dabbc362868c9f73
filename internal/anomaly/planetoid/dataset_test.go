package planetoid

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// tinyDataset is a 6-node, 3-class dataset with one unlabelled node outside the split.
func tinyDataset() *Dataset {
	return &Dataset{
		Name:       "tiny",
		Features:   &Features{N: 6, F: 4, RowPtr: []int{0, 2, 3, 3, 5, 6, 8}, Indices: []int{0, 3, 1, 0, 2, 3, 1, 2}},
		Labels:     []int{0, 1, 2, 0, -1, 1},
		NumClasses: 3,
		Edges:      [][2]int{{0, 1}, {1, 2}, {2, 3}, {0, 5}},
		Split:      Split{Train: []int{0, 1, 2}, Val: []int{3}, Test: []int{5}},
	}
}

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	want := tinyDataset()
	if err := Save(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("loaded %+v\nwant %+v", got, want)
	}
	if got.N() != 6 {
		t.Errorf("N() = %d", got.N())
	}
	for _, suffix := range []string{FeaturesSuffix, LabelsSuffix, EdgesSuffix, SplitSuffix} {
		data, err := os.ReadFile(filepath.Join(dir, "tiny"+suffix))
		if err != nil || !bytes.HasPrefix(data, []byte("# ")) {
			t.Errorf("%s does not start with a # line: %v", suffix, err)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if err := Save(dir, tinyDataset()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", ".hidden", "../tiny", "a/b", "tiny?"} {
		if _, err := Load(dir, name); !errors.Is(err, ErrName) {
			t.Errorf("name %q: %v", name, err)
		}
	}
	if _, err := Load(dir, "absent"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("absent dataset: %v", err)
	}
	if _, err := load(dir, "tiny", limits{fileSize: 20, nodes: 10, features: 10, edges: 10}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("file over the size limit: %v", err)
	}
	if _, err := load(dir, "tiny", limits{fileSize: 1 << 20, nodes: 5, features: 10, edges: 10}); !errors.Is(err, ErrLimit) {
		t.Errorf("too many nodes: %v", err)
	}

	// Each broken file is named in the error.
	broken := map[string]string{
		LabelsSuffix: "# l\n0\t0\n",
		EdgesSuffix:  "# e\n0\t9\n",
		SplitSuffix:  "# s\ntrain\t0\nval\t4\ntest\t5\n", // node 4 is unlabelled
	}
	for suffix, content := range broken {
		d := t.TempDir()
		if err := Save(d, tinyDataset()); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "tiny"+suffix), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(d, "tiny")
		var pe *ParseError
		if !errors.As(err, &pe) || pe.File != "tiny"+suffix {
			t.Errorf("%s: error %v does not name the file", suffix, err)
		}
		if suffix == SplitSuffix && !errors.Is(err, ErrUnlabelled) {
			t.Errorf("unlabelled split node: %v", err)
		}
	}
	d := t.TempDir()
	if err := Save(d, tinyDataset()); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(d, "tiny"+SplitSuffix))
	if _, err := Load(d, "tiny"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing split file: %v", err)
	}
	os.Remove(filepath.Join(d, "tiny"+EdgesSuffix))
	if _, err := Load(d, "tiny"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing edges file: %v", err)
	}
	os.Remove(filepath.Join(d, "tiny"+LabelsSuffix))
	if _, err := Load(d, "tiny"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing labels file: %v", err)
	}
	if err := os.Mkdir(filepath.Join(d, "dir"+FeaturesSuffix), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(d, "dir"); err == nil {
		t.Error("a directory named like a features file loaded")
	}
}

func TestSaveErrors(t *testing.T) {
	dir := t.TempDir()
	mutations := map[string]func(*Dataset){
		"bad name":        func(d *Dataset) { d.Name = "a/b" },
		"no features":     func(d *Dataset) { d.Features = nil },
		"label count":     func(d *Dataset) { d.Labels = d.Labels[:5] },
		"bad features":    func(d *Dataset) { d.Features.Indices[0] = 9 },
		"bad label":       func(d *Dataset) { d.Labels[0] = -5 },
		"huge label":      func(d *Dataset) { d.Labels[0] = MaxClasses },
		"reversed edge":   func(d *Dataset) { d.Edges[0] = [2]int{1, 0} },
		"edge range":      func(d *Dataset) { d.Edges[0] = [2]int{1, 6} },
		"split range":     func(d *Dataset) { d.Split.Test = []int{6} },
		"split duplicate": func(d *Dataset) { d.Split.Test = []int{0} },
		"missing dir":     func(d *Dataset) { d.Name = "x" },
		"negative nodes":  func(d *Dataset) { d.Features.N = -1 },
	}
	for name, mutate := range mutations {
		d := tinyDataset()
		mutate(d)
		target := dir
		if name == "missing dir" {
			target = filepath.Join(dir, "absent")
		}
		if err := Save(target, d); err == nil {
			t.Errorf("%s: saved", name)
		}
	}
	if err := WriteLabels(&bytes.Buffer{}, make([]int, MaxNodes+1)); !errors.Is(err, ErrLimit) {
		t.Errorf("too many labels: %v", err)
	}
	if err := WriteEdges(&bytes.Buffer{}, 2, make([][2]int, MaxEdges+1)); !errors.Is(err, ErrLimit) {
		t.Errorf("too many edges: %v", err)
	}
}

// genDataset draws a random valid dataset.
func genDataset(t *rapid.T) *Dataset {
	n := rapid.IntRange(1, 30).Draw(t, "n")
	nf := rapid.IntRange(1, 20).Draw(t, "f")
	f := &Features{N: n, F: nf, RowPtr: []int{0}, Indices: []int{}}
	for v := 0; v < n; v++ {
		for j := 0; j < nf; j++ {
			if rapid.Bool().Draw(t, "bit") {
				f.Indices = append(f.Indices, j)
			}
		}
		f.RowPtr = append(f.RowPtr, len(f.Indices))
	}
	classes := rapid.IntRange(1, 5).Draw(t, "classes")
	labels := rapid.SliceOfN(rapid.IntRange(-1, classes-1), n, n).Draw(t, "labels")
	var edges [][2]int
	for u := 0; u < n; u++ {
		for v := u + 1; v < n; v++ {
			if rapid.IntRange(0, 4).Draw(t, "edge") == 0 {
				edges = append(edges, [2]int{u, v})
			}
		}
	}
	split := Split{Train: []int{}, Val: []int{}, Test: []int{}}
	for _, v := range rapid.Permutation(seq(n)).Draw(t, "order") {
		if labels[v] < 0 {
			continue
		}
		switch rapid.IntRange(0, 3).Draw(t, "part") {
		case 0:
			split.Train = append(split.Train, v)
		case 1:
			split.Val = append(split.Val, v)
		case 2:
			split.Test = append(split.Test, v)
		}
	}
	maxLabel := -1
	for _, c := range labels {
		maxLabel = max(maxLabel, c)
	}
	return &Dataset{Name: "gen", Features: f, Labels: labels, NumClasses: maxLabel + 1, Edges: edges, Split: split}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestRoundTripProperty: any valid dataset saves and loads back unchanged.
func TestRoundTripProperty(t *testing.T) {
	dir := t.TempDir()
	rapid.Check(t, func(t *rapid.T) {
		want := genDataset(t)
		if err := Save(dir, want); err != nil {
			t.Fatal(err)
		}
		got, err := Load(dir, want.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("loaded %+v\nwant %+v", got, want)
		}
	})
}

func TestWriteFormat(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteEdges(&buf, 3, [][2]int{{0, 2}}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "# undirected edges u\tv (u<v)\n0\t2\n" {
		t.Errorf("edges file %q", got)
	}
	buf.Reset()
	if err := WriteFeatures(&buf, &Features{N: 2, F: 3, RowPtr: []int{0, 2, 2}, Indices: []int{0, 2}}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); !strings.HasSuffix(got, "N=2 F=3\n0\t0 2\n1\t\n") {
		t.Errorf("features file %q", got)
	}
}
