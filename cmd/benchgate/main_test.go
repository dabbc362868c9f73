package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	goodResults = `goos: linux
pkg: example.com/m/internal/session
BenchmarkSeal/1400-2 10 900 ns/op 16 B/op 1 allocs/op
BenchmarkSeal/1400-2 10 800 ns/op 16 B/op 1 allocs/op
BenchmarkRaw/1400-2 10 700 ns/op 0 B/op 0 allocs/op
BenchmarkRaw/1400-2 10 720 ns/op 0 B/op 0 allocs/op
PASS
`
	goodRules = `# Seal allocates at most its nonce.
value internal/session:BenchmarkSeal/1400 allocs/op <= 1

# The session costs little more than the cipher.
ratio internal/session:BenchmarkRaw/1400 ns/op / internal/session:BenchmarkSeal/1400 ns/op >= 0.7
`
	failingRules = `# Seal must not allocate.
value BenchmarkSeal/1400 allocs/op == 0
`
	renamedRules = `# A rule on a benchmark that was renamed.
value BenchmarkSealOld/1400 allocs/op <= 1
`
)

// write creates a file in dir and returns its path.
func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	good := write(t, dir, "results.txt", goodResults)
	failed := write(t, dir, "failed.txt", goodResults+"--- FAIL: BenchmarkX\nFAIL\n")
	malformed := write(t, dir, "malformed.txt", goodResults+"BenchmarkBad-2 x 1 ns/op\n")
	empty := write(t, dir, "empty.txt", "PASS\n")
	rules := write(t, dir, "rules", goodRules)
	failing := write(t, dir, "failing", failingRules)
	renamed := write(t, dir, "renamed", renamedRules)
	badRules := write(t, dir, "bad", "value BenchmarkA x <= 1\n")
	missing := filepath.Join(dir, "nope")
	outJSON := filepath.Join(dir, "out.json")

	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout []string // substrings
		stderr []string
	}{
		{name: "no arguments", args: nil, code: exitUsage, stderr: []string{"usage:"}},
		{name: "help", args: []string{"help"}, code: exitOK, stdout: []string{"benchgate check -rules"}},
		{name: "unknown command", args: []string{"compare"}, code: exitUsage, stderr: []string{`unknown command "compare"`}},

		{name: "json to stdout", args: []string{"json", good}, code: exitOK, stdout: []string{`"name": "BenchmarkSeal/1400"`, `"ns_per_op": 900`, `"runs": 2`}},
		{name: "json from stdin", args: []string{"json", "-"}, stdin: goodResults, code: exitOK, stdout: []string{`"package": "example.com/m/internal/session"`}},
		{name: "json two files", args: []string{"json", good, good}, code: exitOK, stdout: []string{`"runs": 4`}},
		{name: "json to a file", args: []string{"json", "-o", outJSON, good}, code: exitOK},
		{name: "json to an unwritable file", args: []string{"json", "-o", filepath.Join(missing, "x.json"), good}, code: exitUsage, stderr: []string{"creating output"}},
		{name: "json bad flag", args: []string{"json", "-x", good}, code: exitUsage, stderr: []string{"flag provided but not defined"}},
		{name: "json without files", args: []string{"json"}, code: exitUsage, stderr: []string{"no results file given"}},
		{name: "json missing file", args: []string{"json", missing}, code: exitUsage, stderr: []string{"results: open"}},
		{name: "json malformed line", args: []string{"json", malformed}, code: exitUsage, stderr: []string{"line 8: malformed benchmark line"}},
		{name: "json no results", args: []string{"json", empty}, code: exitUsage, stderr: []string{"no benchmark results"}},
		{name: "json of a failed run", args: []string{"json", failed}, code: exitFailed, stderr: []string{"reports failures, first: line 8: --- FAIL: BenchmarkX"}},

		{name: "check passes", args: []string{"check", "-rules", rules, good}, code: exitOK,
			stdout: []string{"pass", "2 rules, 0 failed; 4 results read"}},
		{name: "check fails on a regression", args: []string{"check", "-rules", failing, good}, code: exitFailed,
			stdout: []string{"FAIL", "1 rules, 1 failed"}},
		{name: "check fails on a renamed benchmark", args: []string{"check", "-rules", renamed, good}, code: exitFailed,
			stdout: []string{"FAIL: benchmark BenchmarkSealOld/1400: missing from the results"}},
		{name: "check fails on a failed run", args: []string{"check", "-rules", rules, failed}, code: exitFailed,
			stdout: []string{"2 rules, 0 failed", "benchmark run failure at line 8: --- FAIL: BenchmarkX"}},
		{name: "check of malformed results", args: []string{"check", "-rules", rules, malformed}, code: exitUsage, stderr: []string{"malformed benchmark line"}},
		{name: "check without -rules", args: []string{"check", good}, code: exitUsage, stderr: []string{"-rules is required"}},
		{name: "check with missing rules file", args: []string{"check", "-rules", missing, good}, code: exitUsage, stderr: []string{"rules: open"}},
		{name: "check with a bad rules file", args: []string{"check", "-rules", badRules, good}, code: exitUsage, stderr: []string{"no comment in its paragraph"}},
		{name: "check bad flag", args: []string{"check", "-v"}, code: exitUsage, stderr: []string{"flag provided but not defined"}},
		{name: "check without results", args: []string{"check", "-rules", rules}, code: exitUsage, stderr: []string{"no results file given"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
		})
	}

	// The file written by json -o is the same document as on stdout.
	data, err := os.ReadFile(outJSON)
	if err != nil {
		t.Fatal(err)
	}
	var f JSONFile
	if err := json.Unmarshal(data, &f); err != nil || len(f.Results) != 4 || len(f.Summary) != 2 {
		t.Fatalf("json -o wrote %d results, %d summaries (%v):\n%s", len(f.Results), len(f.Summary), err, data)
	}
}

func TestRunOutputErrors(t *testing.T) {
	dir := t.TempDir()
	good := write(t, dir, "results.txt", goodResults)
	rules := write(t, dir, "rules", goodRules)
	for _, args := range [][]string{{"json", good}, {"check", "-rules", rules, good}} {
		var stderr bytes.Buffer
		if code := run(args, nil, errWriter{}, &stderr); code != exitUsage || !strings.Contains(stderr.String(), errWrite.Error()) {
			t.Errorf("%v to a failing stdout: exit %d, stderr %q; want %d and the write error", args, code, stderr.String(), exitUsage)
		}
	}
}

// TestThresholdsFile checks that the repository's thresholds file parses, so that a bad edit
// fails make test and not only make bench-check.
func TestThresholdsFile(t *testing.T) {
	rules, err := readRules(filepath.Join("..", "..", ".ci", "bench-thresholds"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Why == "" {
			t.Errorf("line %d: rule without a reason", r.Line)
		}
	}
}
