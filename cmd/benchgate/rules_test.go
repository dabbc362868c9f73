package main

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseRules(t *testing.T) {
	seal := Ref{Package: "internal/session", Name: "BenchmarkSeal/1400"}
	raw := Ref{Package: "internal/session", Name: "BenchmarkGateRawSeal/1400"}
	tests := []struct {
		name string
		in   string
		want []Rule
		errs []string // substrings, one per error line
	}{
		{
			name: "value and ratio rules, shared and trailing comments",
			in: "# Seal allocates the nonce only.\n# Second line of why.\n" +
				"value internal/session:BenchmarkSeal/1400 allocs/op <= 1   # trailing\n" +
				"value BenchmarkX#01 B/op == 0\n" +
				"\n\n" +
				"  # The session costs little more than its cipher.\n" +
				"ratio internal/session:BenchmarkGateRawSeal/1400 ns/op / internal/session:BenchmarkSeal/1400 ns/op >= 0.7\n" +
				"# a comment after the rule counts for its paragraph\n" +
				"value BenchmarkY x > -1e3\nvalue BenchmarkZ x < 5\n#\n",
			want: []Rule{
				{Line: 3, Kind: KindValue, Num: Term{seal, "allocs/op"}, Op: OpLE, Bound: 1,
					Why: "Seal allocates the nonce only. Second line of why."},
				{Line: 4, Kind: KindValue, Num: Term{Ref{Name: "BenchmarkX#01"}, "B/op"}, Op: OpEQ, Bound: 0,
					Why: "Seal allocates the nonce only. Second line of why."},
				{Line: 8, Kind: KindRatio, Num: Term{raw, "ns/op"}, Den: Term{seal, "ns/op"}, Op: OpGE, Bound: 0.7,
					Why: "The session costs little more than its cipher. a comment after the rule counts for its paragraph"},
				{Line: 10, Kind: KindValue, Num: Term{Ref{Name: "BenchmarkY"}, "x"}, Op: OpGT, Bound: -1000,
					Why: "The session costs little more than its cipher. a comment after the rule counts for its paragraph"},
				{Line: 11, Kind: KindValue, Num: Term{Ref{Name: "BenchmarkZ"}, "x"}, Op: OpLT, Bound: 5,
					Why: "The session costs little more than its cipher. a comment after the rule counts for its paragraph"},
			},
		},
		{name: "empty file", in: "", errs: []string{"the file holds no rule"}},
		{name: "comments only", in: "# nothing\n", errs: []string{"the file holds no rule"}},
		{
			name: "a comment below the rule in its paragraph explains it",
			in:   "# why\nvalue BenchmarkA x <= 1\n\nvalue BenchmarkB x <= 1\n# trailing hash-only comment\n#\n",
		},
		{
			name: "rule without a comment in its paragraph",
			in:   "# why\nvalue BenchmarkA x <= 1\n\nvalue BenchmarkB x <= 1\n",
			errs: []string{"line 4: bad rule: no comment in its paragraph says why the bound"},
		},
		{
			name: "syntax errors, each reported with its line",
			in: "# why\n" +
				"bound BenchmarkA x <= 1\n" +
				"value BenchmarkA x <=\n" +
				"value BenchmarkA x <= 1 2\n" +
				"value BenchmarkA x ~ 1\n" +
				"value BenchmarkA x <= one\n" +
				"value BenchmarkA x <= NaN\n" +
				"value BenchmarkA x <= Inf\n" +
				"value foo x <= 1\n" +
				"value :BenchmarkA x <= 1\n" +
				"value pkg:Benchmarks x <= 1\n" +
				"ratio BenchmarkA x BenchmarkB x <= 1\n" +
				"ratio BenchmarkA x | BenchmarkB x <= 1 2\n" +
				"ratio BenchmarkA x * BenchmarkB x <= 1\n" +
				"ratio BenchmarkA x / nope x <= 1\n" +
				"ratio nope x / BenchmarkB x <= 1\n",
			errs: []string{
				`line 2: bad rule: unknown kind "bound"`,
				"line 3: bad rule: a value rule has 5 fields",
				"line 4: bad rule: a value rule has 5 fields",
				`line 5: bad rule: unknown comparison "~"`,
				`line 6: bad rule: bound "one" is not a finite number`,
				`line 7: bad rule: bound "NaN"`,
				`line 8: bad rule: bound "Inf"`,
				`line 9: bad rule: benchmark "foo": want [package:]BenchmarkName`,
				`line 10: bad rule: benchmark ":BenchmarkA": want`,
				`line 11: bad rule: benchmark "Benchmarks": the name must start with "Benchmark"`,
				"line 12: bad rule: a ratio rule has 8 fields",
				"line 13: bad rule: a ratio rule has 8 fields",
				`line 14: bad rule: ratio: want "/" between the two terms, not "*"`,
				`line 15: bad rule: benchmark "nope"`,
				`line 16: bad rule: benchmark "nope"`,
			},
		},
		{
			name: "overlong line",
			in:   "# why\nvalue BenchmarkA x <= 1\n" + strings.Repeat("#", MaxLineSize+1) + "\n",
			errs: []string{"line 3: bad rule: bufio.Scanner: token too long"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRules(strings.NewReader(tt.in))
			if tt.want != nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rules:\n got %+v\nwant %+v", got, tt.want)
			}
			if len(tt.errs) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrRuleSyntax) {
				t.Fatalf("err = %v, want ErrRuleSyntax", err)
			}
			msgs := strings.Split(err.Error(), "\n")
			if len(msgs) != len(tt.errs) {
				t.Fatalf("%d errors, want %d:\n%v", len(msgs), len(tt.errs), err)
			}
			for i, want := range tt.errs {
				if !strings.Contains(msgs[i], want) {
					t.Errorf("error %d = %q, want it to contain %q", i, msgs[i], want)
				}
			}
		})
	}
}

func TestRuleString(t *testing.T) {
	rules, err := ParseRules(strings.NewReader("# why\nvalue a/b:BenchmarkA allocs/op <= 1\nratio BenchmarkA ns/op / c:BenchmarkB MB/s >= 2\n" +
		"ratio c:BenchmarkA ns/op / c:BenchmarkB MB/s >= 2\nratio c:BenchmarkA ns/op / BenchmarkB MB/s >= 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a/b:BenchmarkA allocs/op", "BenchmarkA ns/op / c:BenchmarkB MB/s",
		"c:BenchmarkA ns/op / BenchmarkB MB/s", "c:BenchmarkA ns/op / BenchmarkB MB/s"}
	for i, r := range rules {
		if r.String() != want[i] {
			t.Errorf("rule %d = %q, want %q", i, r.String(), want[i])
		}
	}
}

func TestOpHolds(t *testing.T) {
	tests := []struct {
		op          Op
		m, b        float64
		want, want2 bool // at (m, b) and at (b, b)
	}{
		{OpLE, 1, 2, true, true},
		{OpLE, 3, 2, false, true},
		{OpGE, 3, 2, true, true},
		{OpGE, 1, 2, false, true},
		{OpLT, 1, 2, true, false},
		{OpGT, 3, 2, true, false},
		{OpEQ, 2, 2, true, true},
		{OpEQ, 2.5, 2, false, true},
	}
	for _, tt := range tests {
		if got := tt.op.holds(tt.m, tt.b); got != tt.want {
			t.Errorf("%v %s %v = %v, want %v", tt.m, tt.op, tt.b, got, tt.want)
		}
		if got := tt.op.holds(tt.b, tt.b); got != tt.want2 {
			t.Errorf("%v %s %v = %v, want %v", tt.b, tt.op, tt.b, got, tt.want2)
		}
	}
}

// results returns parsed results of in, or fails.
func results(t *testing.T, in string) []Result {
	t.Helper()
	rs, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	return rs.Results
}

func TestEvaluate(t *testing.T) {
	res := results(t, `pkg: example.com/m/internal/session
BenchmarkSeal/1400-2 10 900 ns/op 16 B/op 1 allocs/op
BenchmarkSeal/1400-2 10 800 ns/op 16 B/op 1 allocs/op
BenchmarkSeal/1400-2 10 5000 ns/op 16 B/op 1 allocs/op
BenchmarkRaw/1400-2 10 700 ns/op
BenchmarkRaw/1400-2 10 720 ns/op
BenchmarkRaw/1400-2 10 9000 ns/op
BenchmarkRaw/1400-2 10 710 ns/op
BenchmarkZero-2 10 0 ns/op 32 overhead-B/frame
BenchmarkPA-2 1 100 ns/op
BenchmarkPB-2 1 50 ns/op
BenchmarkPA-2 1 200 ns/op
BenchmarkPB-2 1 400 ns/op
BenchmarkPA-2 1 300 ns/op
BenchmarkPB-2 1 150 ns/op
BenchmarkStep-2 10 5 ns/op 3 allocs/op
pkg: example.com/m/internal/mapek
BenchmarkStep-2 10 5 ns/op 9 allocs/op
BenchmarkProcs-2 10 5 ns/op
BenchmarkProcs-4 10 5 ns/op
`)
	tests := []struct {
		name     string
		rule     string
		pass     bool
		measured float64
		runs     [2]int
		paired   bool
		err      error
	}{
		{name: "value median of three, pass", rule: "value BenchmarkSeal/1400 allocs/op <= 1", pass: true, measured: 1, runs: [2]int{3, 0}},
		{name: "value median ignores an outlier", rule: "value internal/session:BenchmarkSeal/1400 ns/op <= 900", pass: true, measured: 900, runs: [2]int{3, 0}},
		{name: "value fails", rule: "value BenchmarkSeal/1400 allocs/op == 0", measured: 1, runs: [2]int{3, 0}},
		{name: "custom unit", rule: "value BenchmarkZero overhead-B/frame <= 32", pass: true, measured: 32, runs: [2]int{1, 0}},
		{name: "ratio of medians, even count", rule: "ratio BenchmarkRaw/1400 ns/op / BenchmarkSeal/1400 ns/op >= 0.75",
			pass: true, measured: 715.0 / 900, runs: [2]int{4, 3}},
		{name: "ratio run by run: median of 100/50, 200/400, 300/150, not 200/150", rule: "ratio BenchmarkPA ns/op / BenchmarkPB ns/op == 2",
			pass: true, measured: 2, runs: [2]int{3, 3}, paired: true},
		{name: "ratio fails", rule: "ratio BenchmarkRaw/1400 ns/op / BenchmarkSeal/1400 ns/op >= 0.9", measured: 715.0 / 900, runs: [2]int{4, 3}},
		{name: "missing benchmark fails", rule: "value BenchmarkRenamed allocs/op <= 1", err: ErrMissing},
		{name: "missing package fails", rule: "value internal/other:BenchmarkSeal/1400 allocs/op <= 1", err: ErrMissing},
		{name: "package suffix only at a / boundary", rule: "value session:BenchmarkSeal/1400 allocs/op <= 1", pass: true, measured: 1, runs: [2]int{3, 0}},
		{name: "partial package name does not match", rule: "value ession:BenchmarkSeal/1400 allocs/op <= 1", err: ErrMissing},
		{name: "full package path", rule: "value example.com/m/internal/session:BenchmarkSeal/1400 B/op <= 16", pass: true, measured: 16, runs: [2]int{3, 0}},
		{name: "missing metric fails", rule: "value BenchmarkRaw/1400 allocs/op <= 1", err: ErrMissing},
		{name: "missing denominator fails", rule: "ratio BenchmarkRaw/1400 ns/op / BenchmarkGone ns/op >= 1", err: ErrMissing, runs: [2]int{4, 0}},
		{name: "zero denominator fails", rule: "ratio BenchmarkRaw/1400 ns/op / BenchmarkZero ns/op >= 1", err: ErrZeroDenominator, runs: [2]int{4, 1}},
		{name: "same name in two packages is ambiguous", rule: "value BenchmarkStep allocs/op <= 9", err: ErrAmbiguous},
		{name: "qualified, not ambiguous", rule: "value internal/mapek:BenchmarkStep allocs/op <= 9", pass: true, measured: 9, runs: [2]int{1, 0}},
		{name: "two GOMAXPROCS values are ambiguous", rule: "value BenchmarkProcs ns/op <= 9", err: ErrAmbiguous},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, err := ParseRules(strings.NewReader("# why\n" + tt.rule + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			o := Evaluate(rules, res)[0]
			if !errors.Is(o.Err, tt.err) || (tt.err == nil) != (o.Err == nil) {
				t.Fatalf("err = %v, want %v", o.Err, tt.err)
			}
			if o.Pass != tt.pass {
				t.Errorf("pass = %v, want %v", o.Pass, tt.pass)
			}
			if tt.err == nil && o.Measured != tt.measured {
				t.Errorf("measured = %v, want %v", o.Measured, tt.measured)
			}
			if o.Paired != tt.paired {
				t.Errorf("paired = %v, want %v", o.Paired, tt.paired)
			}
			if tt.runs != [2]int{} && [2]int{o.Runs, o.DenRuns} != tt.runs {
				t.Errorf("runs = %d/%d, want %v", o.Runs, o.DenRuns, tt.runs)
			}
		})
	}
}

func TestEvaluateNoResults(t *testing.T) {
	rules, err := ParseRules(strings.NewReader("# why\nvalue BenchmarkA x <= 1\nratio BenchmarkA x / BenchmarkB x <= 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range Evaluate(rules, nil) {
		if o.Pass || !errors.Is(o.Err, ErrMissing) {
			t.Errorf("rule %d: pass %v, err %v; want a failure with ErrMissing", i, o.Pass, o.Err)
		}
	}
}
