package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"text/tabwriter"
)

// JSONFile is the document `benchgate json` writes.
type JSONFile struct {
	// Config holds the configuration lines (goos, goarch, cpu) other than pkg.
	Config map[string]string `json:"config"`
	// Results has one entry per result line, in input order.
	Results []JSONResult `json:"results"`
	// Summary has one entry per benchmark (package, name and GOMAXPROCS), in order of first
	// appearance, with the median of every metric over its runs.
	Summary []JSONSummary `json:"summary"`
}

// JSONResult is one result line.
type JSONResult struct {
	// Name is the benchmark name without the GOMAXPROCS suffix.
	Name string `json:"name"`
	// Package is the package import path.
	Package string `json:"package"`
	// Procs is GOMAXPROCS.
	Procs int `json:"procs"`
	// Iterations is the number of operations measured.
	Iterations int64 `json:"iterations"`
	// NsPerOp is the time per operation in nanoseconds, if reported.
	NsPerOp *float64 `json:"ns_per_op,omitempty"`
	// BytesPerOp is the memory allocated per operation, if reported (-benchmem).
	BytesPerOp *float64 `json:"bytes_per_op,omitempty"`
	// AllocsPerOp is the number of allocations per operation, if reported (-benchmem).
	AllocsPerOp *float64 `json:"allocs_per_op,omitempty"`
	// Metrics are the other units: MB/s from b.SetBytes and every b.ReportMetric.
	Metrics map[string]float64 `json:"metrics,omitempty"`
}

// JSONSummary is the median of every metric of one benchmark over its runs.
type JSONSummary struct {
	// Name is the benchmark name without the GOMAXPROCS suffix.
	Name string `json:"name"`
	// Package is the package import path.
	Package string `json:"package"`
	// Procs is GOMAXPROCS.
	Procs int `json:"procs"`
	// Runs is the number of result lines.
	Runs int `json:"runs"`
	// Median maps each unit to the median of its values (over the runs that report it).
	Median map[string]float64 `json:"median"`
}

// NewJSONFile converts parsed results to the JSON document.
func NewJSONFile(rs *Results) JSONFile {
	f := JSONFile{Config: rs.Config, Results: make([]JSONResult, 0, len(rs.Results)), Summary: []JSONSummary{}}
	type key struct {
		pkg, name string
		procs     int
	}
	index := map[key]int{}
	values := []map[string][]float64{}
	for _, r := range rs.Results {
		jr := JSONResult{Name: r.Name, Package: r.Package, Procs: r.Procs, Iterations: r.Iterations}
		for _, v := range r.Values {
			val := v.Value
			switch v.Unit {
			case UnitNsPerOp:
				jr.NsPerOp = &val
			case UnitBytesPerOp:
				jr.BytesPerOp = &val
			case UnitAllocsPerOp:
				jr.AllocsPerOp = &val
			default:
				if jr.Metrics == nil {
					jr.Metrics = map[string]float64{}
				}
				jr.Metrics[v.Unit] = val
			}
		}
		f.Results = append(f.Results, jr)
		k := key{r.Package, r.Name, r.Procs}
		i, ok := index[k]
		if !ok {
			i = len(f.Summary)
			index[k] = i
			f.Summary = append(f.Summary, JSONSummary{Name: r.Name, Package: r.Package, Procs: r.Procs, Median: map[string]float64{}})
			values = append(values, map[string][]float64{})
		}
		f.Summary[i].Runs++
		for _, v := range r.Values {
			values[i][v.Unit] = append(values[i][v.Unit], v.Value)
		}
	}
	for i, m := range values {
		for unit, vs := range m {
			f.Summary[i].Median[unit] = medianOf(vs)
		}
	}
	return f
}

// medianOf returns the median of a non-empty slice, which it sorts.
func medianOf(vs []float64) float64 {
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

// WriteJSON writes the results as indented JSON.
func WriteJSON(w io.Writer, rs *Results) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(NewJSONFile(rs)); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

// Table column padding.
const (
	tableMinWidth = 0
	tableTabWidth = 8
	tablePadding  = 2
	tablePadChar  = ' '
)

// WriteTable prints one row per outcome: rule line, what is measured, number of runs (for a
// ratio "7:7" when taken run by run, "7/6" as a ratio of medians), the measured value, the bound
// and pass or FAIL (with the reason when the rule could not be evaluated). It returns the number
// of failed rules.
func WriteTable(w io.Writer, outcomes []Outcome) (failed int, err error) {
	tw := tabwriter.NewWriter(w, tableMinWidth, tableTabWidth, tablePadding, tablePadChar, 0)
	fmt.Fprintln(tw, "LINE\tRULE\tRUNS\tMEASURED\tBOUND\tRESULT")
	for _, o := range outcomes {
		runs := strconv.Itoa(o.Runs)
		if o.Rule.Kind == KindRatio {
			sep := "/" // ratio of medians
			if o.Paired {
				sep = ":" // median of paired ratios
			}
			runs += sep + strconv.Itoa(o.DenRuns)
		}
		measured, result := formatNumber(o.Measured), "pass"
		switch {
		case o.Err != nil:
			measured, result = "-", "FAIL: "+o.Err.Error()
			failed++
		case !o.Pass:
			result = "FAIL"
			failed++
		}
		fmt.Fprintf(tw, "%d\t%s %s\t%s\t%s\t%s %s\t%s\n", o.Rule.Line, o.Rule.Kind, o.Rule, runs, measured,
			o.Rule.Op, formatNumber(o.Rule.Bound), result)
	}
	if err := tw.Flush(); err != nil {
		return failed, fmt.Errorf("writing table: %w", err)
	}
	return failed, nil
}

// Number formatting of the table.
const (
	// plainAbove is the magnitude from which numbers are printed with one decimal, not with
	// significantDigits significant digits.
	plainAbove = 100
	// significantDigits is the precision of smaller numbers (ratios).
	significantDigits = 4
)

// formatNumber prints v for a human: integers as integers, large numbers with one decimal,
// small ones with four significant digits.
func formatNumber(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case math.Abs(v) >= plainAbove:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'g', significantDigits, 64)
	}
}
