// Package timing is a dudect-style check for timing leaks (Reparaz, Balasch and Verbauwhede,
// "Dude, is my code constant time?", DATE 2017).
//
// Measure runs a function many times over two classes of inputs, class 0 a fixed input and class
// 1 a fresh random input each time, interleaved in random order. It times each call, crops the
// slowest measurements at a range of percentiles (outliers are mostly interrupts and scheduling),
// and computes Welch's t statistic between the classes for every crop, plus dudect's
// second-order test. A large |t| means the running time depends on the class: |t| > 10 is a
// likely leak, 4.5 to 10 inconclusive.
//
// Timings come from time.Now, so the result measures the machine as much as the code: run it on
// a quiet machine, with enough measurements, and treat "no leak detected" as absence of evidence
// only. Unit tests of this package never depend on timings.
package timing

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// ErrInvalidArgs reports arguments Measure refuses.
var ErrInvalidArgs = errors.New("timing: invalid arguments")

// Outcome is the interpretation of a t statistic.
type Outcome int

// Outcomes, from least to most worrying.
const (
	// NoLeakDetected means |t| <= ThresholdInconclusive.
	NoLeakDetected Outcome = iota
	// Inconclusive means ThresholdInconclusive < |t| <= ThresholdLeak, or t is NaN.
	Inconclusive
	// LeakLikely means |t| > ThresholdLeak.
	LeakLikely
)

// String returns the dudect wording of the outcome.
func (o Outcome) String() string {
	switch o {
	case NoLeakDetected:
		return "no leak detected"
	case Inconclusive:
		return "inconclusive"
	case LeakLikely:
		return "leak likely"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Verdict interprets a t statistic with dudect's thresholds.
func Verdict(t float64) Outcome {
	switch a := math.Abs(t); {
	case math.IsNaN(t):
		return Inconclusive
	case a > ThresholdLeak:
		return LeakLikely
	case a > ThresholdInconclusive:
		return Inconclusive
	}
	return NoLeakDetected
}

// Result is the outcome of one Measure run.
type Result struct {
	// T is Welch's t over all measurements, uncropped. Positive means class 0 was slower.
	T float64
	// MaxT is the t of largest magnitude among the uncropped test, the cropped tests and the
	// second-order test that have EnoughMeasurements (the uncropped test always qualifies).
	MaxT float64
	// MaxTest names the test MaxT comes from: 0 uncropped, 1..NumCrops the crops from the
	// tightest to the loosest, NumCrops+1 the second-order test.
	MaxTest int
	// N is the number of measurements of each class in the statistics (after DiscardFirst).
	N [2]int
}

// Outcome returns Verdict(r.MaxT).
func (r Result) Outcome() Outcome { return Verdict(r.MaxT) }

// Measure times n calls split evenly between class 0 and class 1 (class 0 gets the extra call
// when n is odd), in an order shuffled with rng. Before each call it asks classes for the
// function to time, so preparing a random input is not timed: classes(0) should return a
// function working on the fixed input, classes(1) one working on a fresh random input. Each
// returned function is called exactly once.
//
// n must be within [MinMeasurements, MaxMeasurements]; classes and rng must not be nil.
func Measure(n int, classes func(class int) func(), rng *rand.Rand) (Result, error) {
	switch {
	case n < MinMeasurements || n > MaxMeasurements:
		return Result{}, fmt.Errorf("%w: n = %d outside [%d, %d]", ErrInvalidArgs, n, MinMeasurements, MaxMeasurements)
	case classes == nil || rng == nil:
		return Result{}, fmt.Errorf("%w: nil classes or rng", ErrInvalidArgs)
	}
	class := make([]uint8, n)
	for i := n / 2; i < n; i++ {
		class[i] = 1
	}
	if n%2 == 1 {
		class[n/2] = 0
	}
	rng.Shuffle(n, func(i, j int) { class[i], class[j] = class[j], class[i] })
	times := make([]int64, n)
	for i, c := range class {
		f := classes(int(c))
		if f == nil {
			return Result{}, fmt.Errorf("%w: classes(%d) returned nil", ErrInvalidArgs, c)
		}
		start := time.Now()
		f()
		times[i] = int64(time.Since(start))
	}
	return analyze(times[DiscardFirst:], class[DiscardFirst:]), nil
}

// Indices of the tests runTests computes.
const (
	testUncropped   = 0
	testSecondOrder = NumCrops + 1
)

// analyze computes the statistics of measured durations (any unit) and their classes.
func analyze(times []int64, class []uint8) Result {
	tests := runTests(times, class)
	t := tests[testUncropped].T()
	r := Result{T: t, MaxT: t, N: [2]int{tests[0].N(0), tests[0].N(1)}}
	for k := 1; k < len(tests); k++ {
		if tests[k].N(0)+tests[k].N(1) < EnoughMeasurements {
			continue
		}
		if t := tests[k].T(); math.Abs(t) > math.Abs(r.MaxT) {
			r.MaxT, r.MaxTest = t, k
		}
	}
	return r
}

// runTests returns the uncropped test, the NumCrops cropped tests and the second-order test.
// The second-order test takes the squared distance of each measurement to its class mean
// (dudect's centered product); dudect uses the running mean, this uses the final one.
func runTests(times []int64, class []uint8) *[NumCrops + 2]Welch {
	thresholds := cropThresholds(times)
	var tests [NumCrops + 2]Welch
	for i, d := range times {
		c, x := int(class[i]), float64(d)
		tests[testUncropped].Push(c, x)
		for k, th := range thresholds {
			if d < th {
				tests[k+1].Push(c, x)
			}
		}
	}
	if all := &tests[testUncropped]; all.N(0) >= SecondOrderAfter {
		for i, d := range times {
			c := int(class[i])
			dev := float64(d) - all.Mean(c)
			tests[testSecondOrder].Push(c, dev*dev)
		}
	}
	return &tests
}

// cropThresholds returns dudect's cropping thresholds: for k = 0..NumCrops-1 the percentile
// 1 - 0.5^(10*(k+1)/NumCrops) of times.
func cropThresholds(times []int64) []int64 {
	sorted := slices.Clone(times)
	slices.Sort(sorted)
	th := make([]int64, NumCrops)
	for k := range th {
		p := 1 - math.Pow(0.5, 10*float64(k+1)/NumCrops)
		th[k] = sorted[min(int(float64(len(sorted))*p), len(sorted)-1)]
	}
	return th
}
