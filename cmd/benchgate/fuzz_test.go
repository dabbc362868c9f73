package main

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode"
)

// FuzzParse feeds arbitrary text to Parse. Whatever the input: no panic; every result is well
// formed (name starting with Benchmark, positive iterations and GOMAXPROCS, finite values,
// distinct units without white space, a line number inside the input); every error is a
// SyntaxError or the overlong-line error; and each result, formatted back with String, parses
// to itself.
func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Add("BenchmarkA/b=1/c-2 10 1.5 ns/op 3 custom-unit/op\nBenchmarkA/b=1/c-2 11 1.6 ns/op 3 custom-unit/op\n")
	f.Add("BenchmarkA-2 \t--- FAIL: BenchmarkA-2\nFAIL\n")
	f.Add("BenchmarkA-2 x 1 ns/op\nBenchmarkB 1 NaN ns/op\nBenchmarkC 1 1\n")
	f.Add("goos: linux\r\npkg: a/b\r\nBenchmarkX#01-8 1 0x1p-2 ns/op")
	f.Fuzz(func(t *testing.T, in string) {
		rs, err := Parse(strings.NewReader(in))
		if rs == nil {
			t.Fatal("nil Results")
		}
		lines := strings.Count(in, "\n") + 1
		if len(rs.Results)+len(rs.Failures) > lines {
			t.Fatalf("%d results and %d failures from %d lines", len(rs.Results), len(rs.Failures), lines)
		}
		if err != nil {
			for _, e := range unwrapAll(err) {
				if !errors.Is(e, ErrSyntax) && !errors.Is(e, errLineTooLong) {
					t.Fatalf("unexpected error kind: %v", e)
				}
			}
		}
		for _, r := range rs.Results {
			checkResult(t, r, lines)
			again, err := Parse(strings.NewReader(r.String()))
			if err != nil || len(again.Results) != 1 {
				t.Fatalf("String() = %q parses to %+v, %v", r.String(), again.Results, err)
			}
			got := again.Results[0]
			got.Line, got.Package = r.Line, r.Package
			if !reflect.DeepEqual(got, r) {
				t.Fatalf("round trip of %q:\n got %+v\nwant %+v", r.String(), got, r)
			}
		}
		// The JSON conversion takes any parsed input.
		if err := WriteJSON(discard{}, rs); err != nil {
			t.Fatal(err)
		}
	})
}

// discard is io.Discard without the import.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// unwrapAll flattens a tree of joined errors into its leaves' parents: the errors Parse joined.
func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// checkResult fails unless r is a well-formed result from an input of the given line count.
func checkResult(t *testing.T, r Result, lines int) {
	t.Helper()
	switch {
	case !strings.HasPrefix(r.Name, benchPrefix) || strings.ContainsFunc(r.Name, unicode.IsSpace):
		t.Fatalf("bad name %q", r.Name)
	case r.Iterations <= 0 || r.Procs < 1 || r.Procs > maxProcs:
		t.Fatalf("%s: iterations %d, procs %d", r.Name, r.Iterations, r.Procs)
	case r.Line < 1 || r.Line > lines:
		t.Fatalf("%s: line %d of %d", r.Name, r.Line, lines)
	case len(r.Values) == 0:
		t.Fatalf("%s: no values", r.Name)
	}
	seen := map[string]bool{}
	for _, v := range r.Values {
		if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
			t.Fatalf("%s: value %v", r.Name, v.Value)
		}
		if v.Unit == "" || strings.ContainsFunc(v.Unit, unicode.IsSpace) || seen[v.Unit] {
			t.Fatalf("%s: unit %q (seen %v)", r.Name, v.Unit, seen[v.Unit])
		}
		seen[v.Unit] = true
	}
}

// FuzzParseRules feeds arbitrary text to ParseRules and evaluates what it accepts against a
// small result set. Whatever the input: no panic; an accepted file has only rules of a known
// kind and comparison with a finite bound, a benchmark name starting with Benchmark and a
// reason; and evaluation gives every rule a pass, a failure or an error, never a pass with an
// error.
func FuzzParseRules(f *testing.F) {
	f.Add(goodRules)
	f.Add(failingRules)
	f.Add("# why\nratio a:BenchmarkA x / b:BenchmarkB y == 0 # c\n")
	f.Add("value BenchmarkA x <= 1\n")
	f.Add("# w\nvalue BenchmarkA x ~ NaN\nratio BenchmarkA x * BenchmarkB\n")
	res := []Result{
		{Name: "BenchmarkA", Package: "a", Procs: 2, Iterations: 1, Values: []Value{{1, "x"}, {0, "y"}}},
		{Name: "BenchmarkB", Package: "b", Procs: 2, Iterations: 1, Values: []Value{{0, "x"}, {2, "y"}}},
	}
	f.Fuzz(func(t *testing.T, in string) {
		rules, err := ParseRules(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrRuleSyntax) {
				t.Fatalf("error does not wrap ErrRuleSyntax: %v", err)
			}
			return
		}
		if len(rules) == 0 {
			t.Fatal("no rules and no error")
		}
		for _, r := range rules {
			if _, ok := parseOp(string(r.Op)); !ok || math.IsNaN(r.Bound) || math.IsInf(r.Bound, 0) || r.Why == "" ||
				!strings.HasPrefix(r.Num.Bench.Name, benchPrefix) ||
				(r.Kind != KindValue && r.Kind != KindRatio) ||
				(r.Kind == KindRatio) != strings.HasPrefix(r.Den.Bench.Name, benchPrefix) {
				t.Fatalf("accepted bad rule %+v", r)
			}
		}
		for _, o := range Evaluate(rules, res) {
			if o.Pass && o.Err != nil {
				t.Fatalf("rule %d passes with error %v", o.Rule.Line, o.Err)
			}
		}
	})
}
