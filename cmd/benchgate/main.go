// Command benchgate reads `go test -bench` output in the standard Go benchmark format, converts
// it to JSON and checks it against regression thresholds that stay meaningful on a noisy,
// shared machine: allocation counts, sizes reported as custom metrics and ratios between two
// benchmarks of the same run, each taken as the median of repeated runs.
//
// Usage:
//
//	benchgate json [-o results.json] results.txt...
//	benchgate check -rules .ci/bench-thresholds results.txt...
//
// "-" reads standard input. json writes one entry per result line and the median of every
// metric per benchmark. check prints a table of every rule (measured value, bound, pass or
// FAIL) and exits with status 1 if any rule fails, including a rule whose benchmark or metric
// is missing from the results, so that renaming a benchmark cannot silently disable a rule; it
// also fails on malformed result lines and on any failure reported in the output. Status 2
// means bad usage or unreadable input. The rules file format is described by ParseRules and in
// .ci/bench-thresholds; make bench and make bench-check run both steps (docs/benchmarks.md).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// stdinName is the file argument that reads standard input.
const stdinName = "-"

// usage is printed on bad usage.
const usage = `usage:
  benchgate json [-o results.json] results.txt...
  benchgate check -rules thresholds-file results.txt...
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "json":
		return runJSON(args[1:], stdin, stdout, stderr)
	case "check":
		return runCheck(args[1:], stdin, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "benchgate: unknown command %q\n%s", args[0], usage)
	return exitUsage
}

// newFlags returns a flag set that reports errors to stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("benchgate "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// runJSON implements `benchgate json`.
func runJSON(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("json", stderr)
	out := fs.String("o", "", "write the JSON to this file instead of standard output")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	rs, err := readResults(fs.Args(), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "benchgate json: %v\n", err)
		return exitUsage
	}
	if len(rs.Failures) > 0 {
		fmt.Fprintf(stderr, "benchgate json: the benchmark run reports failures, first: line %d: %s\n",
			rs.Failures[0].Line, rs.Failures[0].Text)
		return exitFailed
	}
	if *out == "" {
		if err := WriteJSON(stdout, rs); err != nil {
			fmt.Fprintf(stderr, "benchgate json: %v\n", err)
			return exitUsage
		}
		return exitOK
	}
	if err := writeFile(*out, rs); err != nil {
		fmt.Fprintf(stderr, "benchgate json: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// writeFile writes the JSON to path.
func writeFile(path string, rs *Results) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating output: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing %s: %w", path, cerr)
		}
	}()
	return WriteJSON(f, rs)
}

// runCheck implements `benchgate check`.
func runCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("check", stderr)
	rulesPath := fs.String("rules", "", "thresholds file (required)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *rulesPath == "" {
		fmt.Fprintf(stderr, "benchgate check: -rules is required\n%s", usage)
		return exitUsage
	}
	rules, err := readRules(*rulesPath)
	if err != nil {
		fmt.Fprintf(stderr, "benchgate check: %v\n", err)
		return exitUsage
	}
	rs, err := readResults(fs.Args(), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "benchgate check: %v\n", err)
		return exitUsage
	}
	outcomes := Evaluate(rules, rs.Results)
	failed, err := WriteTable(stdout, outcomes)
	if err != nil {
		fmt.Fprintf(stderr, "benchgate check: %v\n", err)
		return exitUsage
	}
	for _, f := range rs.Failures {
		fmt.Fprintf(stdout, "benchmark run failure at line %d: %s\n", f.Line, f.Text)
	}
	fmt.Fprintf(stdout, "%d rules, %d failed; %d results read\n", len(rules), failed, len(rs.Results))
	if failed > 0 || len(rs.Failures) > 0 {
		return exitFailed
	}
	return exitOK
}

// readRules parses the rules file at path.
func readRules(path string) (rules []Rule, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	defer f.Close()
	rules, err = ParseRules(f)
	if err != nil {
		return nil, fmt.Errorf("rules %s: %w", path, err)
	}
	return rules, nil
}

// errNoResults is returned when the input holds no result line at all.
var errNoResults = errors.New("no benchmark results in the input")

// readResults parses every named file ("-" is stdin) and merges the results. Any malformed line
// is an error: a gate must not pass on input it could only partly read.
func readResults(paths []string, stdin io.Reader) (*Results, error) {
	if len(paths) == 0 {
		return nil, errors.New("no results file given (use - for standard input)")
	}
	all := &Results{Config: map[string]string{}}
	for _, p := range paths {
		rs, err := parseFile(p, stdin)
		if err != nil {
			return nil, err
		}
		for k, v := range rs.Config {
			if _, seen := all.Config[k]; !seen {
				all.Config[k] = v
			}
		}
		all.Results = append(all.Results, rs.Results...)
		all.Failures = append(all.Failures, rs.Failures...)
	}
	if len(all.Results) == 0 {
		return nil, errNoResults
	}
	return all, nil
}

// parseFile parses one results file.
func parseFile(path string, stdin io.Reader) (*Results, error) {
	r := stdin
	if path != stdinName {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("results: %w", err)
		}
		defer f.Close()
		r = f
	}
	rs, err := Parse(r)
	if err != nil {
		return nil, fmt.Errorf("results %s: %w", path, err)
	}
	return rs, nil
}
