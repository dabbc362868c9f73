package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// errWriter fails every write.
type errWriter struct{}

var errWrite = errors.New("disk full")

func (errWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestNewJSONFile(t *testing.T) {
	rs, err := Parse(strings.NewReader(`goos: linux
pkg: p/session
BenchmarkSeal/64-2 100 185.5 ns/op 345.06 MB/s 16 B/op 1 allocs/op
BenchmarkSeal/64-2 200 184.5 ns/op 346.92 MB/s 16 B/op 1 allocs/op
BenchmarkSeal/64-2 300 190 ns/op 340 MB/s 16 B/op 1 allocs/op
BenchmarkWire-2 5 4721 wire-B/handshake
pkg: p/route
BenchmarkWire-2 7 10 ns/op 1 x
BenchmarkWire-2 9 20 ns/op 3 x
`))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, rs); err != nil {
		t.Fatal(err)
	}
	var got JSONFile
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, buf.String())
	}
	f := func(v float64) *float64 { return &v }
	want := JSONFile{
		Config: map[string]string{"goos": "linux"},
		Results: []JSONResult{
			{Name: "BenchmarkSeal/64", Package: "p/session", Procs: 2, Iterations: 100, NsPerOp: f(185.5), BytesPerOp: f(16), AllocsPerOp: f(1), Metrics: map[string]float64{"MB/s": 345.06}},
			{Name: "BenchmarkSeal/64", Package: "p/session", Procs: 2, Iterations: 200, NsPerOp: f(184.5), BytesPerOp: f(16), AllocsPerOp: f(1), Metrics: map[string]float64{"MB/s": 346.92}},
			{Name: "BenchmarkSeal/64", Package: "p/session", Procs: 2, Iterations: 300, NsPerOp: f(190), BytesPerOp: f(16), AllocsPerOp: f(1), Metrics: map[string]float64{"MB/s": 340}},
			{Name: "BenchmarkWire", Package: "p/session", Procs: 2, Iterations: 5, Metrics: map[string]float64{"wire-B/handshake": 4721}},
			{Name: "BenchmarkWire", Package: "p/route", Procs: 2, Iterations: 7, NsPerOp: f(10), Metrics: map[string]float64{"x": 1}},
			{Name: "BenchmarkWire", Package: "p/route", Procs: 2, Iterations: 9, NsPerOp: f(20), Metrics: map[string]float64{"x": 3}},
		},
		Summary: []JSONSummary{
			{Name: "BenchmarkSeal/64", Package: "p/session", Procs: 2, Runs: 3,
				Median: map[string]float64{"ns/op": 185.5, "MB/s": 345.06, "B/op": 16, "allocs/op": 1}},
			{Name: "BenchmarkWire", Package: "p/session", Procs: 2, Runs: 1, Median: map[string]float64{"wire-B/handshake": 4721}},
			{Name: "BenchmarkWire", Package: "p/route", Procs: 2, Runs: 2, Median: map[string]float64{"ns/op": 15, "x": 2}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSON:\n got %+v\nwant %+v", got, want)
	}
	// Absent standard units are omitted, not written as zero.
	if strings.Contains(buf.String(), `"bytes_per_op": 0`) {
		t.Errorf("absent B/op written as 0:\n%s", buf.String())
	}
}

func TestWriteJSONError(t *testing.T) {
	err := WriteJSON(errWriter{}, &Results{})
	if !errors.Is(err, errWrite) {
		t.Fatalf("err = %v, want %v", err, errWrite)
	}
}

func TestWriteTable(t *testing.T) {
	res := results(t, "BenchmarkA-2 1 5 ns/op 1 allocs/op\nBenchmarkB-2 1 10 ns/op\n")
	rules, err := ParseRules(strings.NewReader(`# why
value BenchmarkA allocs/op <= 1
value BenchmarkA allocs/op == 0
ratio BenchmarkA ns/op / BenchmarkB ns/op >= 0.25
value BenchmarkGone allocs/op <= 1
`))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	failed, err := WriteTable(&buf, Evaluate(rules, res))
	if err != nil {
		t.Fatal(err)
	}
	if failed != 2 {
		t.Errorf("failed = %d, want 2", failed)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	wantRows := [][]string{
		{"LINE", "RULE", "RUNS", "MEASURED", "BOUND", "RESULT"},
		{"2", "value", "BenchmarkA", "allocs/op", "1", "1", "<=", "1", "pass"},
		{"3", "value", "BenchmarkA", "allocs/op", "1", "1", "==", "0", "FAIL"},
		{"4", "ratio", "BenchmarkA", "ns/op", "/", "BenchmarkB", "ns/op", "1:1", "0.5", ">=", "0.25", "pass"},
		{"5", "value", "BenchmarkGone", "allocs/op", "0", "-", "<=", "1", "FAIL:", "benchmark", "BenchmarkGone:", "missing", "from", "the", "results"},
	}
	if len(lines) != len(wantRows) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(wantRows), buf.String())
	}
	for i, want := range wantRows {
		if got := strings.Fields(lines[i]); !reflect.DeepEqual(got, want) {
			t.Errorf("row %d = %q, want %q", i, got, want)
		}
	}
	if _, err := WriteTable(errWriter{}, Evaluate(rules, res)); !errors.Is(err, errWrite) {
		t.Errorf("err = %v, want %v", err, errWrite)
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{1, "1"},
		{-3, "-3"},
		{19234644, "19234644"},
		{4721, "4721"},
		{0.5029, "0.5029"},
		{0.016378, "0.01638"},
		{1.02187, "1.022"},
		{862509.6, "862509.6"},
		{123.456, "123.5"},
		{1e20, "100000000000000000000.0"},
		{1e-9, "1e-09"},
	}
	for _, tt := range tests {
		if got := formatNumber(tt.v); got != tt.want {
			t.Errorf("formatNumber(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
