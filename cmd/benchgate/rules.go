package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Rule kinds, the first field of a rule line.
const (
	// KindValue bounds the median of one benchmark's metric.
	KindValue = "value"
	// KindRatio bounds the ratio of two benchmarks' metrics (see Evaluate).
	KindRatio = "ratio"
	// ratioSeparator separates the numerator from the denominator of a ratio rule.
	ratioSeparator = "/"
	// commentPrefix starts a comment, on its own line or after a rule.
	commentPrefix = "#"
	// pkgSeparator separates an optional package suffix from a benchmark name in a reference.
	pkgSeparator = ":"
	// valueFields is the number of fields of a value rule: kind, benchmark, metric, op, bound.
	valueFields = 5
	// ratioFields is the number of fields of a ratio rule: kind, benchmark, metric, "/",
	// benchmark, metric, op, bound.
	ratioFields = 8
)

// Rule-file and evaluation errors.
var (
	// ErrRuleSyntax is wrapped by every error about the rules file.
	ErrRuleSyntax = errors.New("bad rule")
	// ErrMissing is wrapped when a rule's benchmark or metric is not in the results.
	ErrMissing = errors.New("missing from the results")
	// ErrAmbiguous is wrapped when a rule's benchmark matches results of several packages or
	// GOMAXPROCS values.
	ErrAmbiguous = errors.New("ambiguous benchmark")
	// ErrZeroDenominator is wrapped when a ratio's denominator is zero.
	ErrZeroDenominator = errors.New("ratio with a zero denominator")
)

// Op is a comparison between a measured value and a bound.
type Op string

// Comparisons a rule may use.
const (
	OpLE Op = "<="
	OpGE Op = ">="
	OpLT Op = "<"
	OpGT Op = ">"
	OpEQ Op = "=="
)

// holds reports whether measured op bound is true.
func (o Op) holds(measured, bound float64) bool {
	switch o {
	case OpLE:
		return measured <= bound
	case OpGE:
		return measured >= bound
	case OpLT:
		return measured < bound
	case OpGT:
		return measured > bound
	default: // OpEQ; ParseRules admits no other
		return measured == bound
	}
}

// parseOp returns the Op spelled s.
func parseOp(s string) (Op, bool) {
	switch o := Op(s); o {
	case OpLE, OpGE, OpLT, OpGT, OpEQ:
		return o, true
	}
	return "", false
}

// Ref names the benchmark a rule reads: an optional package suffix ("internal/session" matches
// github.com/x0tta6bl4/x0tta6bl4/internal/session) and the full benchmark name without the
// GOMAXPROCS suffix.
type Ref struct {
	// Package is a suffix of the package path, at a "/" boundary; empty matches any package.
	Package string
	// Name is the benchmark name, for example BenchmarkSeal/64.
	Name string
}

// String returns the reference as written in a rules file.
func (r Ref) String() string {
	if r.Package == "" {
		return r.Name
	}
	return r.Package + pkgSeparator + r.Name
}

// matches reports whether result res is the benchmark r names.
func (r Ref) matches(res Result) bool {
	if res.Name != r.Name {
		return false
	}
	return r.Package == "" || res.Package == r.Package || strings.HasSuffix(res.Package, "/"+r.Package)
}

// parseRef parses [package:]BenchmarkName.
func parseRef(s string) (Ref, error) {
	var r Ref
	if !strings.HasPrefix(s, benchPrefix) {
		pkg, name, ok := strings.Cut(s, pkgSeparator)
		if !ok || pkg == "" {
			return r, fmt.Errorf("benchmark %q: want [package:]BenchmarkName", s)
		}
		r.Package, s = pkg, name
	}
	if !isBenchmarkLine(s) {
		return r, fmt.Errorf("benchmark %q: the name must start with %q", s, benchPrefix)
	}
	r.Name = s
	return r, nil
}

// Term is one side of a rule: a benchmark and one of its metrics.
type Term struct {
	// Bench is the benchmark.
	Bench Ref
	// Metric is the unit, for example allocs/op or wire-B/handshake.
	Metric string
}

// String returns "benchmark metric".
func (t Term) String() string { return t.Bench.String() + " " + t.Metric }

// Rule is one line of the thresholds file.
type Rule struct {
	// Line is the line number in the rules file.
	Line int
	// Kind is KindValue or KindRatio.
	Kind string
	// Num is the measured term (the numerator of a ratio).
	Num Term
	// Den is the denominator of a ratio rule.
	Den Term
	// Op compares the measured value with Bound.
	Op Op
	// Bound is the threshold.
	Bound float64
	// Why is the comment block that explains the rule.
	Why string
}

// String describes what the rule measures. A ratio's denominator in the numerator's package is
// printed without the package.
func (r Rule) String() string {
	if r.Kind != KindRatio {
		return r.Num.String()
	}
	den := r.Den
	if den.Bench.Package == r.Num.Bench.Package {
		den.Bench.Package = ""
	}
	return r.Num.String() + " " + ratioSeparator + " " + den.String()
}

// ParseRules reads a thresholds file. Each non-blank line is a comment ("# …") or a rule:
//
//	value [pkg:]BenchmarkName metric op bound
//	ratio [pkg:]BenchmarkName metric / [pkg:]BenchmarkName metric op bound
//
// where op is <=, >=, <, > or ==. A rule may end in a comment. Every rule must be explained by
// a comment in its paragraph (the lines between two blank lines): a rule without one is an
// error, so that no bound goes unexplained.
func ParseRules(r io.Reader) ([]Rule, error) {
	var rules []Rule
	var errs []error
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxLineSize)
	var why []string // comment lines of the current paragraph
	first := 0       // index in rules of the first rule of the current paragraph
	closeParagraph := func() {
		text := strings.Join(why, " ")
		for i := first; i < len(rules); i++ {
			if text == "" {
				errs = append(errs, fmt.Errorf("line %d: %w: no comment in its paragraph says why the bound", rules[i].Line, ErrRuleSyntax))
			}
			rules[i].Why = text
		}
		why, first = nil, len(rules)
	}
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		switch {
		case text == "":
			closeParagraph()
		case strings.HasPrefix(text, commentPrefix):
			if c := strings.TrimSpace(strings.TrimPrefix(text, commentPrefix)); c != "" {
				why = append(why, c)
			}
		default:
			rule, err := parseRule(text, line)
			if err != nil {
				errs = append(errs, fmt.Errorf("line %d: %w: %w", line, ErrRuleSyntax, err))
				continue
			}
			rules = append(rules, rule)
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("line %d: %w: %w", line+1, ErrRuleSyntax, err))
	}
	closeParagraph()
	if len(rules) == 0 && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%w: the file holds no rule", ErrRuleSyntax))
	}
	return rules, errors.Join(errs...)
}

// parseRule parses one rule line, which is not blank and does not start with a comment.
func parseRule(text string, line int) (Rule, error) {
	f := strings.Fields(text)
	// A field that starts with # begins a trailing comment; a # inside a name (go test's #01
	// for repeated sub-benchmark names) does not.
	for i, field := range f {
		if strings.HasPrefix(field, commentPrefix) {
			f = f[:i]
			break
		}
	}
	r := Rule{Line: line, Kind: f[0]}
	var tail []string
	switch r.Kind {
	case KindValue:
		if len(f) != valueFields {
			return r, fmt.Errorf("a value rule has %d fields (value benchmark metric op bound), not %d", valueFields, len(f))
		}
		tail = f[3:]
	case KindRatio:
		if len(f) != ratioFields {
			return r, fmt.Errorf("a ratio rule has %d fields (ratio benchmark metric / benchmark metric op bound), not %d", ratioFields, len(f))
		}
		if f[3] != ratioSeparator {
			return r, fmt.Errorf("ratio: want %q between the two terms, not %q", ratioSeparator, f[3])
		}
		b, err := parseRef(f[4])
		if err != nil {
			return r, err
		}
		r.Den = Term{Bench: b, Metric: f[5]}
		tail = f[6:]
	default:
		return r, fmt.Errorf("unknown kind %q, want %s or %s", r.Kind, KindValue, KindRatio)
	}
	b, err := parseRef(f[1])
	if err != nil {
		return r, err
	}
	r.Num = Term{Bench: b, Metric: f[2]}
	op, ok := parseOp(tail[0])
	if !ok {
		return r, fmt.Errorf("unknown comparison %q, want <=, >=, <, > or ==", tail[0])
	}
	r.Op = op
	r.Bound, err = strconv.ParseFloat(tail[1], 64)
	if err != nil || math.IsNaN(r.Bound) || math.IsInf(r.Bound, 0) {
		return r, fmt.Errorf("bound %q is not a finite number", tail[1])
	}
	return r, nil
}

// Outcome is the evaluation of one rule.
type Outcome struct {
	// Rule is the rule evaluated.
	Rule Rule
	// Measured is the median of the metric (value rule) or of the per-run ratios (ratio rule;
	// see Evaluate).
	Measured float64
	// Runs and DenRuns are the number of results of the numerator's and the denominator's
	// benchmark.
	Runs, DenRuns int
	// Paired reports whether a ratio was taken run by run (equal run counts) rather than as the
	// ratio of the two medians.
	Paired bool
	// Err is set when the rule could not be evaluated (a missing or ambiguous benchmark, a zero
	// denominator); the rule then fails.
	Err error
	// Pass reports whether the rule holds.
	Pass bool
}

// Evaluate checks every rule against the results. A value rule takes the median of the metric
// over all results of its benchmark. A ratio rule pairs the i-th result of the numerator with
// the i-th result of the denominator (with make bench's interleaved passes, the two results of
// one pass, seconds apart) and takes the median of those ratios, so that load that slows both
// alike cancels out; when the two benchmarks have different numbers of results it takes the
// ratio of their medians.
func Evaluate(rules []Rule, results []Result) []Outcome {
	out := make([]Outcome, len(rules))
	for i, r := range rules {
		o := Outcome{Rule: r}
		o.Measured, o.Err = o.evaluate(results)
		o.Pass = o.Err == nil && r.Op.holds(o.Measured, r.Bound)
		out[i] = o
	}
	return out
}

// evaluate computes the measured value of o.Rule and fills the run counts.
func (o *Outcome) evaluate(results []Result) (float64, error) {
	r := o.Rule
	num, err := values(r.Num, results)
	o.Runs = len(num)
	if err != nil {
		return 0, err
	}
	if r.Kind != KindRatio {
		return medianOf(num), nil
	}
	den, err := values(r.Den, results)
	o.DenRuns = len(den)
	if err != nil {
		return 0, err
	}
	if slices.Contains(den, 0) {
		return 0, fmt.Errorf("%s: %w", r.Den, ErrZeroDenominator)
	}
	if len(num) != len(den) {
		return medianOf(num) / medianOf(den), nil
	}
	o.Paired = true
	ratios := make([]float64, len(num))
	for i := range num {
		ratios[i] = num[i] / den[i]
	}
	return medianOf(ratios), nil
}

// values returns term's metric from every result of its benchmark, in input order.
func values(t Term, results []Result) ([]float64, error) {
	type group struct {
		pkg   string
		procs int
	}
	var groups []group
	var vs []float64
	matched := false
	for _, r := range results {
		if !t.Bench.matches(r) {
			continue
		}
		matched = true
		if g := (group{r.Package, r.Procs}); !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
		if v, ok := r.Get(t.Metric); ok {
			vs = append(vs, v)
		}
	}
	switch {
	case !matched:
		return nil, fmt.Errorf("benchmark %s: %w", t.Bench, ErrMissing)
	case len(groups) > 1:
		var where []string
		for _, g := range groups {
			where = append(where, fmt.Sprintf("%s (GOMAXPROCS %d)", g.pkg, g.procs))
		}
		return nil, fmt.Errorf("%s: %w: found in %s; qualify it with a package suffix", t.Bench, ErrAmbiguous, strings.Join(where, ", "))
	case len(vs) == 0:
		return nil, fmt.Errorf("metric %s of %s: %w", t.Metric, t.Bench, ErrMissing)
	}
	return vs, nil
}
