// Package planetoid loads the Planetoid citation benchmarks (Cora, CiteSeer, PubMed; Yang, Cohen and
// Salakhutdinov 2016) from their plain-text form: four tab-separated files <name>.features.txt,
// <name>.labels.txt, <name>.edges.txt and <name>.split.txt in one directory, each starting with one
// "#" line. Parsing is strict: every problem is reported with its file, line number and a sentinel
// error, and memory stays bounded by MaxFileSize and the other limits in constants.go.
package planetoid

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Dataset is a node-classification benchmark: a graph with binary node features, class labels and a
// train/validation/test split.
type Dataset struct {
	// Name is the dataset name, the common prefix of its files.
	Name string
	// Features is the N×F binary feature matrix.
	Features *Features
	// Labels holds the class of every node, -1 for unlabelled nodes.
	Labels []int
	// NumClasses is one more than the largest label.
	NumClasses int
	// Edges lists every undirected edge once as {u, v} with u < v.
	Edges [][2]int
	// Split is the standard split; all its nodes are labelled.
	Split Split
}

// N returns the number of nodes.
func (d *Dataset) N() int { return d.Features.N }

// Load reads the dataset called name from dir. The name must be a plain file name prefix such as
// "cora".
func Load(dir, name string) (*Dataset, error) { return load(dir, name, defaultLimits()) }

func load(dir, name string, lim limits) (*Dataset, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	d := &Dataset{Name: name}
	var err error
	err = parseFile(dir, name+FeaturesSuffix, lim, func(r io.Reader) error {
		d.Features, err = parseFeatures(r, lim)
		return err
	})
	if err != nil {
		return nil, err
	}
	n := d.Features.N
	if err := parseFile(dir, name+LabelsSuffix, lim, func(r io.Reader) error {
		d.Labels, err = parseLabels(r, n, lim)
		return err
	}); err != nil {
		return nil, err
	}
	if err := parseFile(dir, name+EdgesSuffix, lim, func(r io.Reader) error {
		d.Edges, err = parseEdges(r, n, lim)
		return err
	}); err != nil {
		return nil, err
	}
	if err := parseFile(dir, name+SplitSuffix, lim, func(r io.Reader) error {
		d.Split, err = parseSplit(r, n, lim)
		return err
	}); err != nil {
		return nil, err
	}
	for _, c := range d.Labels {
		d.NumClasses = max(d.NumClasses, c+1)
	}
	for _, ids := range [][]int{d.Split.Train, d.Split.Val, d.Split.Test} {
		for _, v := range ids {
			if d.Labels[v] < 0 {
				return nil, withFile(errorAt(0, ErrUnlabelled, "node %d is in the split but has label -1", v), name+SplitSuffix)
			}
		}
	}
	return d, nil
}

// parseFile opens dir/file, refuses it if larger than the limit, and hands it to parse.
func parseFile(dir, file string, lim limits, parse func(io.Reader) error) error {
	fh, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		return fmt.Errorf("planetoid: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return fmt.Errorf("planetoid: %w", err)
	}
	if st.Size() > lim.fileSize {
		return withFile(errorAt(0, ErrTooLarge, "%d bytes, limit %d", st.Size(), lim.fileSize), file)
	}
	if err := parse(fh); err != nil {
		return withFile(err, file)
	}
	return nil
}

// checkName accepts names made of letters, digits, '-', '_' and '.', not starting with '.'.
func checkName(name string) error {
	if name == "" || strings.HasPrefix(name, ".") {
		return fmt.Errorf("planetoid: %q: %w", name, ErrName)
	}
	for _, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return fmt.Errorf("planetoid: %q: %w", name, ErrName)
		}
	}
	return nil
}

// Save writes d as the four files of its format into dir, replacing existing files of the same
// name. Load(dir, d.Name) reads it back.
func Save(dir string, d *Dataset) error {
	if err := checkName(d.Name); err != nil {
		return err
	}
	if d.Features == nil {
		return fmt.Errorf("planetoid: dataset without features: %w", ErrMissing)
	}
	n := d.Features.N
	if len(d.Labels) != n {
		return fmt.Errorf("planetoid: %d labels for %d nodes: %w", len(d.Labels), n, ErrMissing)
	}
	files := []struct {
		suffix string
		write  func(io.Writer) error
	}{
		{FeaturesSuffix, func(w io.Writer) error { return WriteFeatures(w, d.Features) }},
		{LabelsSuffix, func(w io.Writer) error { return WriteLabels(w, d.Labels) }},
		{EdgesSuffix, func(w io.Writer) error { return WriteEdges(w, n, d.Edges) }},
		{SplitSuffix, func(w io.Writer) error { return WriteSplit(w, n, d.Split) }},
	}
	for _, f := range files {
		var buf bytes.Buffer
		if err := f.write(&buf); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, d.Name+f.suffix), buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("planetoid: %w", err)
		}
	}
	return nil
}
