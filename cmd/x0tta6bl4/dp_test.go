package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/dp"
)

// runDP runs "dp args..." and returns its standard output.
func runDP(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newDPCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

var opacusFlags = []string{"epsilon", "--sigma", "1.5", "--q", "0.04", "--steps", "2250", "--delta", "1e-5"}

func TestDPEpsilonText(t *testing.T) {
	out, err := runDP(t, opacusFlags...)
	if err != nil {
		t.Fatal(err)
	}
	want := "epsilon: 7.329111171\ndelta: 1e-05\nbest order: 3.9\n"
	if out != want {
		t.Fatalf("output %q, want %q", out, want)
	}
}

func TestDPEpsilonJSON(t *testing.T) {
	out, err := runDP(t, append(opacusFlags, "--json")...)
	if err != nil {
		t.Fatal(err)
	}
	var r dpEpsilonReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	if math.Abs(r.Epsilon-7.32911117143)/7.32911117143 > 1e-6 || r.Order != 3.9 || r.OrderAtEdge ||
		r.Delta != 1e-5 || r.Sigma != 1.5 || r.Q != 0.04 || r.Steps != 2250 {
		t.Fatalf("report %+v", r)
	}
}

func TestDPEpsilonEdgeNote(t *testing.T) {
	// Heavy noise and a single step: the best order is the largest.
	out, err := runDP(t, "epsilon", "--sigma", "100", "--q", "0.001", "--steps", "1", "--delta", "1e-5")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "best order: 63\n") || !strings.Contains(out, "note: the best order is at the end") {
		t.Fatalf("output %q", out)
	}
}

func TestDPEpsilonErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		is   error  // if set, errors.Is must hold
		msg  string // the error must contain this
	}{
		{"missing delta", []string{"epsilon", "--sigma", "1", "--q", "0.1", "--steps", "10"}, nil, `"delta" not set`},
		{"missing all", []string{"epsilon"}, nil, "required flag"},
		{"sigma zero", flags("--sigma", "0"), dp.ErrInvalidParameter, "noise multiplier 0"},
		{"sigma negative", flags("--sigma", "-1"), dp.ErrInvalidParameter, "noise multiplier"},
		{"sigma NaN", flags("--sigma", "NaN"), dp.ErrInvalidParameter, "noise multiplier NaN"},
		{"q zero", flags("--q", "0"), dp.ErrInvalidParameter, "sampling rate 0"},
		{"q above one", flags("--q", "1.5"), dp.ErrInvalidParameter, "sampling rate 1.5"},
		{"delta one", flags("--delta", "1"), dp.ErrInvalidParameter, "delta 1"},
		{"delta zero", flags("--delta", "0"), dp.ErrInvalidParameter, "delta 0"},
		{"steps zero", flags("--steps", "0"), dp.ErrInvalidParameter, "steps 0"},
		{"sigma not a number", flags("--sigma", "abc"), nil, `invalid argument "abc"`},
		{"steps not an integer", flags("--steps", "2.5"), nil, `invalid argument "2.5"`},
		{"extra argument", append(flags(), "extra"), nil, "unknown command"},
		{"unknown flag", append(flags(), "--epsilon", "3"), nil, "unknown flag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runDP(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.msg) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Fatalf("got %v, want an error containing %q", err, tc.msg)
			}
			if strings.Contains(out, "epsilon:") {
				t.Fatalf("printed a result: %q", out)
			}
		})
	}
}

// flags returns valid "epsilon" arguments with name set to value.
func flags(nameValue ...string) []string {
	args := []string{"epsilon", "--sigma", "1", "--q", "0.1", "--steps", "10", "--delta", "1e-5"}
	for i := 0; i+1 < len(nameValue); i += 2 {
		for j := range args {
			if args[j] == nameValue[i] {
				args[j+1] = nameValue[i+1]
			}
		}
	}
	return args
}

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errors.New("pipe closed") }

// TestDPEpsilonWriteError checks that a failed write is reported.
func TestDPEpsilonWriteError(t *testing.T) {
	for _, args := range [][]string{
		opacusFlags,
		append(opacusFlags, "--json"),
		{"epsilon", "--sigma", "100", "--q", "0.001", "--steps", "1", "--delta", "1e-5"},
	} {
		cmd := newDPCmd()
		cmd.SetOut(brokenWriter{})
		cmd.SetErr(io.Discard)
		cmd.SetArgs(args)
		if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "pipe closed") {
			t.Errorf("%v: got %v, want the write error", args, err)
		}
	}
}
