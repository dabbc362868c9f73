package main

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// sample is real output of the suite (trimmed), two packages, -count 2, -benchmem.
const sample = `goos: linux
goarch: amd64
pkg: github.com/x0tta6bl4/x0tta6bl4/internal/session
cpu: Intel(R) Xeon(R) Processor
BenchmarkSeal/64-2         	 1290286	       185.5 ns/op	 345.06 MB/s	      16 B/op	       1 allocs/op
BenchmarkSeal/64-2         	 1296888	       184.5 ns/op	 346.92 MB/s	      16 B/op	       1 allocs/op
BenchmarkGateFrameOverhead-2   	  144925	      1655 ns/op	        32.00 overhead-B/frame	      32 B/op	       2 allocs/op
PASS
ok  	github.com/x0tta6bl4/x0tta6bl4/internal/session	2.923s
goos: linux
goarch: amd64
pkg: github.com/x0tta6bl4/x0tta6bl4/internal/route
cpu: Intel(R) Xeon(R) Processor
BenchmarkConvergence100-2   	       1	 466946515 ns/op	     80551 msgs/op	  17730930 netbytes/op	         0.05000 virtual-s-reach/op	         9.250 virtual-s/op	76299888 B/op	  606850 allocs/op
PASS
`

func TestParse(t *testing.T) {
	const session = "github.com/x0tta6bl4/x0tta6bl4/internal/session"
	tests := []struct {
		name     string
		in       string
		want     []Result // Line and Package compared too
		config   map[string]string
		failures []int // line numbers
		errs     []string
	}{
		{
			name: "go test output, two packages, repeats and custom units",
			in:   sample,
			want: []Result{
				{Name: "BenchmarkSeal/64", Package: session, Procs: 2, Iterations: 1290286, Line: 5, Values: []Value{
					{185.5, "ns/op"}, {345.06, "MB/s"}, {16, "B/op"}, {1, "allocs/op"}}},
				{Name: "BenchmarkSeal/64", Package: session, Procs: 2, Iterations: 1296888, Line: 6, Values: []Value{
					{184.5, "ns/op"}, {346.92, "MB/s"}, {16, "B/op"}, {1, "allocs/op"}}},
				{Name: "BenchmarkGateFrameOverhead", Package: session, Procs: 2, Iterations: 144925, Line: 7, Values: []Value{
					{1655, "ns/op"}, {32, "overhead-B/frame"}, {32, "B/op"}, {2, "allocs/op"}}},
				{Name: "BenchmarkConvergence100", Package: "github.com/x0tta6bl4/x0tta6bl4/internal/route", Procs: 2,
					Iterations: 1, Line: 14, Values: []Value{{466946515, "ns/op"}, {80551, "msgs/op"},
						{17730930, "netbytes/op"}, {0.05, "virtual-s-reach/op"}, {9.25, "virtual-s/op"},
						{76299888, "B/op"}, {606850, "allocs/op"}}},
			},
			config: map[string]string{"goos": "linux", "goarch": "amd64", "cpu": "Intel(R) Xeon(R) Processor"},
		},
		{
			name: "sub-benchmarks keep their names; only the last -N is GOMAXPROCS",
			in: "BenchmarkAggregate/n=100/d=10000/trimmed-mean-2 3 46842913 ns/op\n" +
				"BenchmarkUDPWrite/batch=64-16 6684 17711 ns/op\n" +
				"BenchmarkX#01-2 5 1 ns/op\n",
			want: []Result{
				{Name: "BenchmarkAggregate/n=100/d=10000/trimmed-mean", Procs: 2, Iterations: 3, Line: 1, Values: []Value{{46842913, "ns/op"}}},
				{Name: "BenchmarkUDPWrite/batch=64", Procs: 16, Iterations: 6684, Line: 2, Values: []Value{{17711, "ns/op"}}},
				{Name: "BenchmarkX#01", Procs: 2, Iterations: 5, Line: 3, Values: []Value{{1, "ns/op"}}},
			},
		},
		{
			name: "GOMAXPROCS 1: no suffix",
			in:   "BenchmarkDecode 80102 1265 ns/op 934.21 MB/s\n",
			want: []Result{{Name: "BenchmarkDecode", Procs: 1, Iterations: 80102, Line: 1, Values: []Value{{1265, "ns/op"}, {934.21, "MB/s"}}}},
		},
		{
			name: "-v prints names alone and log lines; CRLF and no final newline",
			in: "=== RUN   BenchmarkSeal\r\nBenchmarkSeal\r\nBenchmarkSeal/64\r\n" +
				"BenchmarkSeal/64-2 \t 10 \t 185 ns/op\r\n    bench_test.go:12: a log line\r\n--- BENCH: BenchmarkSeal/64-2\r\n" +
				"Benchmark-2 7 3 ns/op",
			want: []Result{
				{Name: "BenchmarkSeal/64", Procs: 2, Iterations: 10, Line: 4, Values: []Value{{185, "ns/op"}}},
				{Name: "Benchmark", Procs: 2, Iterations: 7, Line: 7, Values: []Value{{3, "ns/op"}}},
			},
		},
		{
			name: "prose that starts with Benchmark is not a result",
			in:   "Benchmarks below\nBenchmarking is hard: yes\n",
			want: nil,
		},
		{
			name:     "failures are recorded, not parsed",
			in:       "BenchmarkHandshake/cached-2   \t--- FAIL: BenchmarkHandshake/cached\n    bench_test.go:29: cookie required\n--- FAIL: BenchmarkHandshake\nFAIL\nexit status 1\nFAIL\tgithub.com/x/y\t0.960s\nFAIL github.com/x/z [build failed]\n",
			failures: []int{1, 3, 4, 6, 7},
		},
		{
			name: "configuration: first value wins; keys must be lower-case without spaces",
			in: "goos: linux\ngoos: plan9\nGoos: x\nmy key: v\nnote:   spaced value  \nk:\n:v\n" +
				"pkg: a/b\nBenchmarkA 1 1 ns/op\npkg: c/d\nBenchmarkB 1 2 ns/op\n",
			want: []Result{
				{Name: "BenchmarkA", Package: "a/b", Procs: 1, Iterations: 1, Line: 9, Values: []Value{{1, "ns/op"}}},
				{Name: "BenchmarkB", Package: "c/d", Procs: 1, Iterations: 1, Line: 11, Values: []Value{{2, "ns/op"}}},
			},
			config: map[string]string{"goos": "linux", "note": "spaced value", "k": ""},
		},
		{
			name: "malformed lines: each a SyntaxError, good lines still read",
			in: "BenchmarkA-2 abc 1 ns/op\n" +
				"BenchmarkB-2 0 1 ns/op\n" +
				"BenchmarkC-2 -5 1 ns/op\n" +
				"BenchmarkD-2 10\n" +
				"BenchmarkE-2 10 1 ns/op 3\n" +
				"BenchmarkF-2 10 x ns/op\n" +
				"BenchmarkG-2 10 NaN ns/op\n" +
				"BenchmarkH-2 10 +Inf ns/op\n" +
				"BenchmarkI-2 10 1 ns/op 2 ns/op\n" +
				"BenchmarkJ-2 10 1 ns/op\n" +
				"BenchmarkK-2 99999999999999999999 1 ns/op\n",
			want: []Result{{Name: "BenchmarkJ", Procs: 2, Iterations: 10, Line: 10, Values: []Value{{1, "ns/op"}}}},
			errs: []string{
				`line 1: malformed benchmark line: BenchmarkA-2: iteration count "abc" is not a positive integer`,
				`line 2: malformed benchmark line: BenchmarkB-2: iteration count "0"`,
				`line 3: malformed benchmark line: BenchmarkC-2: iteration count "-5"`,
				`line 4: malformed benchmark line: BenchmarkD-2: no measurements`,
				`line 5: malformed benchmark line: BenchmarkE-2: "3" has no unit`,
				`line 6: malformed benchmark line: BenchmarkF-2: value "x" is not a finite number`,
				`line 7: malformed benchmark line: BenchmarkG-2: value "NaN"`,
				`line 8: malformed benchmark line: BenchmarkH-2: value "+Inf"`,
				`line 9: malformed benchmark line: BenchmarkI-2: unit "ns/op" given twice`,
				`line 11: malformed benchmark line: BenchmarkK-2: iteration count "99999999999999999999"`,
			},
		},
		{
			name: "a line longer than MaxLineSize stops the parse",
			in:   "BenchmarkA 1 1 ns/op\n" + strings.Repeat("x", MaxLineSize+1) + "\nBenchmarkB 1 1 ns/op\n",
			want: []Result{{Name: "BenchmarkA", Procs: 1, Iterations: 1, Line: 1, Values: []Value{{1, "ns/op"}}}},
			errs: []string{"line 2: line longer than"},
		},
		{
			name: "empty input",
			in:   "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.in))
			if !reflect.DeepEqual(got.Results, tt.want) {
				t.Errorf("results:\n got %+v\nwant %+v", got.Results, tt.want)
			}
			if tt.config != nil && !reflect.DeepEqual(got.Config, tt.config) {
				t.Errorf("config = %q, want %q", got.Config, tt.config)
			}
			var lines []int
			for _, f := range got.Failures {
				lines = append(lines, f.Line)
			}
			if !reflect.DeepEqual(lines, tt.failures) {
				t.Errorf("failure lines = %v, want %v", lines, tt.failures)
			}
			if len(tt.errs) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.errs)
			}
			msgs := strings.Split(err.Error(), "\n")
			if len(msgs) != len(tt.errs) {
				t.Fatalf("%d errors, want %d:\n%v", len(msgs), len(tt.errs), err)
			}
			for i, want := range tt.errs {
				if !strings.HasPrefix(msgs[i], want) {
					t.Errorf("error %d = %q, want prefix %q", i, msgs[i], want)
				}
			}
		})
	}
}

func TestSyntaxErrorWraps(t *testing.T) {
	_, err := Parse(strings.NewReader("BenchmarkA-2 x 1 ns/op\n"))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 1 || !errors.Is(err, ErrSyntax) {
		t.Fatalf("err = %v, want a *SyntaxError at line 1 wrapping ErrSyntax", err)
	}
}

func TestSplitProcs(t *testing.T) {
	tests := []struct {
		in    string
		name  string
		procs int
	}{
		{"BenchmarkSeal/64-2", "BenchmarkSeal/64", 2},
		{"BenchmarkSeal/64", "BenchmarkSeal/64", 1},
		{"BenchmarkX-128", "BenchmarkX", 128},
		{"BenchmarkX-1", "BenchmarkX", 1},
		{"BenchmarkX-01", "BenchmarkX", 1},
		{"BenchmarkX-0", "BenchmarkX-0", 1},
		{"BenchmarkX-", "BenchmarkX-", 1},
		{"BenchmarkX-+5", "BenchmarkX-+5", 1},
		{"BenchmarkX-2a", "BenchmarkX-2a", 1},
		{"BenchmarkX-99999999", "BenchmarkX-99999999", 1},
		{"BenchmarkX-99999999999999999999999", "BenchmarkX-99999999999999999999999", 1},
		{"Benchmark-4", "Benchmark", 4},
		{"Bench-4", "Bench-4", 1},
		{"BenchmarkA/full-cert-2", "BenchmarkA/full-cert", 2},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			name, procs := splitProcs(tt.in)
			if name != tt.name || procs != tt.procs {
				t.Errorf("splitProcs(%q) = %q, %d; want %q, %d", tt.in, name, procs, tt.name, tt.procs)
			}
		})
	}
}

func TestResultStringRoundTrip(t *testing.T) {
	tests := []Result{
		{Name: "BenchmarkSeal/64", Procs: 2, Iterations: 1290286, Values: []Value{{185.5, "ns/op"}, {16, "B/op"}}},
		{Name: "BenchmarkDecode", Procs: 1, Iterations: 1, Values: []Value{{1e-9, "x"}, {-3, "delta/op"}}},
		{Name: "BenchmarkX-0", Procs: 1, Iterations: 7, Values: []Value{{1.0000000000000002, "ns/op"}}},
	}
	for _, want := range tests {
		t.Run(want.Name, func(t *testing.T) {
			line := want.String()
			rs, err := Parse(strings.NewReader(line))
			if err != nil || len(rs.Results) != 1 {
				t.Fatalf("Parse(%q) = %+v, %v", line, rs.Results, err)
			}
			got := rs.Results[0]
			got.Line = 0
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip of %q:\n got %+v\nwant %+v", line, got, want)
			}
		})
	}
}

func TestResultGet(t *testing.T) {
	r := Result{Values: []Value{{1, "ns/op"}, {0, "allocs/op"}}}
	tests := []struct {
		unit string
		v    float64
		ok   bool
	}{{"ns/op", 1, true}, {"allocs/op", 0, true}, {"B/op", 0, false}}
	for _, tt := range tests {
		if v, ok := r.Get(tt.unit); v != tt.v || ok != tt.ok {
			t.Errorf("Get(%q) = %v, %v; want %v, %v", tt.unit, v, ok, tt.v, tt.ok)
		}
	}
}
