package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Standard units of `go test -bench -benchmem` output.
const (
	// UnitNsPerOp is the time of one operation.
	UnitNsPerOp = "ns/op"
	// UnitBytesPerOp is the heap memory allocated per operation (-benchmem).
	UnitBytesPerOp = "B/op"
	// UnitAllocsPerOp is the number of heap allocations per operation (-benchmem).
	UnitAllocsPerOp = "allocs/op"
)

// Parser limits.
const (
	// benchPrefix starts every benchmark result line.
	benchPrefix = "Benchmark"
	// pkgKey is the configuration key whose value names the package of the results that follow.
	pkgKey = "pkg"
	// MaxLineSize is the longest input line Parse accepts; go test never writes a result line
	// anywhere near it, so a longer line is corrupt input, not a benchmark.
	MaxLineSize = 1 << 20
	// maxProcs is the largest GOMAXPROCS suffix taken as one (larger digit runs stay in the name).
	maxProcs = 1 << 20
)

// Value is one measurement of a result line: a number and its unit, such as 185.5 ns/op or
// 4721 wire-B/handshake.
type Value struct {
	// Value is the number as printed.
	Value float64
	// Unit is the unit as printed; it contains no white space.
	Unit string
}

// Result is one benchmark result line of the standard Go benchmark format
// (https://go.googlesource.com/proposal/+/master/design/14313-benchmark-format.md).
type Result struct {
	// Name is the benchmark's full name, sub-benchmarks included, without the -N suffix that
	// go test adds when GOMAXPROCS is not 1; for example BenchmarkSeal/64.
	Name string
	// Package is the value of the last "pkg:" line before the result, or empty.
	Package string
	// Procs is GOMAXPROCS as given by the name's -N suffix, 1 when there is none.
	Procs int
	// Iterations is the number of operations the figures are averaged over.
	Iterations int64
	// Values are the measurements in the order printed.
	Values []Value
	// Line is the 1-based line number of the result in its input.
	Line int
}

// Get returns the value measured in unit and whether the result has one.
func (r Result) Get(unit string) (float64, bool) {
	for _, v := range r.Values {
		if v.Unit == unit {
			return v.Value, true
		}
	}
	return 0, false
}

// String formats r as a result line of the standard format; Parse reads it back as r (except
// Package and Line).
func (r Result) String() string {
	var b strings.Builder
	b.WriteString(r.Name)
	if r.Procs != 1 {
		fmt.Fprintf(&b, "-%d", r.Procs)
	}
	fmt.Fprintf(&b, "\t%d", r.Iterations)
	for _, v := range r.Values {
		fmt.Fprintf(&b, "\t%s %s", strconv.FormatFloat(v.Value, 'g', -1, 64), v.Unit)
	}
	return b.String()
}

// Results is everything Parse read from one benchmark output.
type Results struct {
	// Config holds the first value of every configuration line ("goos: linux", "cpu: …")
	// other than pkg, which is recorded per result.
	Config map[string]string
	// Results are the result lines in input order.
	Results []Result
	// Failures are the lines that report a failed test or benchmark ("--- FAIL: …", "FAIL …").
	Failures []Failure
}

// Failure is one line of the input that reports a failure.
type Failure struct {
	// Line is the 1-based line number.
	Line int
	// Text is the line.
	Text string
}

// ErrSyntax is wrapped by every SyntaxError.
var ErrSyntax = errors.New("malformed benchmark line")

// SyntaxError is a line that starts like a benchmark result but is not one.
type SyntaxError struct {
	// Line is the 1-based line number.
	Line int
	// Reason says what is wrong.
	Reason string
}

// Error implements error.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d: %s: %s", e.Line, ErrSyntax, e.Reason)
}

// Unwrap makes errors.Is(err, ErrSyntax) hold.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// Parse reads `go test -bench` output. Lines that are neither results nor configuration (PASS,
// ok, log output, names printed alone by -v) are skipped; a line that starts like a result
// ("Benchmark" then an upper-case letter, digit, punctuation or nothing, then more fields) but
// is not one yields a SyntaxError. Parse returns what it could read together with every error
// (joined); callers that gate on the results must treat any error as fatal.
func Parse(r io.Reader) (*Results, error) {
	out := &Results{Config: map[string]string{}}
	br := bufio.NewReader(r)
	pkg := ""
	var errs []error
	for line := 1; ; line++ {
		text, err := readLine(br)
		if err == io.EOF {
			break
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", line, err))
			break
		}
		switch {
		case isFailure(text):
			out.Failures = append(out.Failures, Failure{Line: line, Text: text})
		case isBenchmarkLine(text):
			res, ok, err := parseResult(text, line)
			if err != nil {
				errs = append(errs, err)
			} else if ok {
				res.Package = pkg
				out.Results = append(out.Results, res)
			}
		default:
			if key, value, ok := parseConfig(text); ok {
				if key == pkgKey {
					pkg = value
				} else if _, seen := out.Config[key]; !seen {
					out.Config[key] = value
				}
			}
		}
	}
	return out, errors.Join(errs...)
}

// errLineTooLong reports a line over MaxLineSize.
var errLineTooLong = fmt.Errorf("line longer than %d bytes", MaxLineSize)

// readLine returns the next line without its line ending, or io.EOF after the last one.
func readLine(br *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		if err != nil {
			if err == io.EOF && len(b) > 0 {
				return string(b), nil
			}
			return "", err
		}
		if len(b)+len(chunk) > MaxLineSize {
			return "", errLineTooLong
		}
		b = append(b, chunk...)
		if !isPrefix {
			return string(b), nil
		}
	}
}

// isFailure reports whether text is go test's report of a failure.
func isFailure(text string) bool {
	return strings.Contains(text, "--- FAIL:") || text == "FAIL" || strings.HasPrefix(text, "FAIL\t") ||
		strings.HasPrefix(text, "FAIL ")
}

// isBenchmarkLine reports whether text starts like a result line: "Benchmark" followed by the
// end of the line or a rune that is not a lower-case letter (so "Benchmarks are…" is prose).
func isBenchmarkLine(text string) bool {
	rest, ok := strings.CutPrefix(text, benchPrefix)
	if !ok {
		return false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return rest == "" || !unicode.IsLower(r)
}

// parseResult parses a benchmark line. A name alone (as go test -v prints before running a
// benchmark) is not a result: ok is false and err nil.
func parseResult(text string, line int) (res Result, ok bool, err error) {
	fields := strings.Fields(text)
	if len(fields) == 1 {
		return Result{}, false, nil
	}
	bad := func(format string, args ...any) (Result, bool, error) {
		return Result{}, false, &SyntaxError{Line: line, Reason: fmt.Sprintf(format, args...)}
	}
	res.Name, res.Procs = splitProcs(fields[0])
	res.Line = line
	res.Iterations, err = strconv.ParseInt(fields[1], 10, 64)
	if err != nil || res.Iterations <= 0 {
		return bad("%s: iteration count %q is not a positive integer", fields[0], fields[1])
	}
	pairs := fields[2:]
	if len(pairs) == 0 {
		return bad("%s: no measurements after the iteration count", fields[0])
	}
	if len(pairs)%2 != 0 {
		return bad("%s: %q has no unit", fields[0], pairs[len(pairs)-1])
	}
	res.Values = make([]Value, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		v, err := strconv.ParseFloat(pairs[i], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return bad("%s: value %q is not a finite number", fields[0], pairs[i])
		}
		unit := pairs[i+1]
		if _, dup := res.Get(unit); dup {
			return bad("%s: unit %q given twice", fields[0], unit)
		}
		res.Values = append(res.Values, Value{Value: v, Unit: unit})
	}
	return res, true, nil
}

// splitProcs splits the -N GOMAXPROCS suffix off a benchmark name. Without one (GOMAXPROCS
// 1), procs is 1. A name whose last element itself ends in -digits is ambiguous when
// GOMAXPROCS is 1; make bench runs with -cpu 2 so that the suffix is always there.
func splitProcs(name string) (base string, procs int) {
	i := strings.LastIndexByte(name, '-')
	if i < len(benchPrefix) || i == len(name)-1 {
		return name, 1
	}
	digits := name[i+1:]
	for _, c := range digits {
		if c < '0' || c > '9' {
			return name, 1
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || n > maxProcs {
		return name, 1
	}
	return name[:i], n
}

// parseConfig parses a configuration line "key: value": the key starts with a lower-case
// letter and holds no white space and no upper-case letter.
func parseConfig(text string) (key, value string, ok bool) {
	key, value, found := strings.Cut(text, ":")
	if !found || key == "" {
		return "", "", false
	}
	first, _ := utf8.DecodeRuneInString(key)
	if !unicode.IsLower(first) {
		return "", "", false
	}
	for _, r := range key {
		if unicode.IsSpace(r) || unicode.IsUpper(r) {
			return "", "", false
		}
	}
	return key, strings.TrimSpace(value), true
}
