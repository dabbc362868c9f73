package timing

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 2)) }

// TestMeasureCalls checks the schedule, not the timings: each class is prepared and called the
// right number of times, every prepared function exactly once, in an interleaved order.
func TestMeasureCalls(t *testing.T) {
	for _, n := range []int{MinMeasurements, 1001, 5000} {
		var prepared, called [2]int
		var order []int
		r, err := Measure(n, func(class int) func() {
			prepared[class]++
			order = append(order, class)
			done := false
			return func() {
				if done {
					t.Fatal("function called twice")
				}
				done = true
				called[class]++
			}
		}, seeded(1))
		if err != nil {
			t.Fatal(err)
		}
		want := [2]int{(n + 1) / 2, n / 2}
		if prepared != want || called != want {
			t.Fatalf("n=%d: prepared %v, called %v, want %v", n, prepared, called, want)
		}
		if r.N[0]+r.N[1] != n-DiscardFirst {
			t.Fatalf("n=%d: N = %v", n, r.N)
		}
		// Count class changes: a random order has about n/2; a sorted one has 1.
		changes := 0
		for i := 1; i < len(order); i++ {
			if order[i] != order[i-1] {
				changes++
			}
		}
		if changes < n/3 {
			t.Fatalf("n=%d: only %d class changes, order not interleaved", n, changes)
		}
		if math.IsNaN(r.T) || math.IsNaN(r.MaxT) || math.Abs(r.MaxT) < math.Abs(r.T) {
			t.Fatalf("n=%d: T %v, MaxT %v", n, r.T, r.MaxT)
		}
	}
}

func TestMeasureInvalid(t *testing.T) {
	noop := func(int) func() { return func() {} }
	tests := []struct {
		name    string
		n       int
		classes func(int) func()
		rng     *rand.Rand
	}{
		{"n too small", MinMeasurements - 1, noop, seeded(1)},
		{"n too large", MaxMeasurements + 1, noop, seeded(1)},
		{"nil classes", MinMeasurements, nil, seeded(1)},
		{"nil rng", MinMeasurements, noop, nil},
		{"nil function", MinMeasurements, func(int) func() { return nil }, seeded(1)},
	}
	for _, tt := range tests {
		if _, err := Measure(tt.n, tt.classes, tt.rng); !errors.Is(err, ErrInvalidArgs) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if _, err := DecapsulationCheck(MinMeasurements, nil); !errors.Is(err, ErrInvalidArgs) {
		t.Errorf("DecapsulationCheck nil rng: %v", err)
	}
	if _, err := FrameAuthCheck(MinMeasurements, nil); !errors.Is(err, ErrInvalidArgs) {
		t.Errorf("FrameAuthCheck nil rng: %v", err)
	}
}

// synthetic returns n durations: base[class] plus uniform noise in [0, noise), and with
// probability outlierP a class-independent outlier in [1e6, 2e6).
func synthetic(n int, base [2]int64, noise int64, outlierP float64, rng *rand.Rand) ([]int64, []uint8) {
	times := make([]int64, n)
	class := make([]uint8, n)
	for i := range times {
		c := uint8(rng.IntN(2))
		class[i] = c
		times[i] = base[c] + rng.Int64N(noise)
		if rng.Float64() < outlierP {
			times[i] = 1e6 + rng.Int64N(1e6)
		}
	}
	return times, class
}

func TestAnalyzeSynthetic(t *testing.T) {
	tests := []struct {
		name     string
		base     [2]int64
		outliers float64
		want     Outcome
		cropped  bool // MaxT must come from a crop and exceed |T|
	}{
		{"same distribution", [2]int64{100, 100}, 0, NoLeakDetected, false},
		{"same distribution with outliers", [2]int64{100, 100}, 0.05, NoLeakDetected, false},
		{"class 1 slower", [2]int64{100, 150}, 0, LeakLikely, false},
		{"small shift hidden by outliers", [2]int64{100, 103}, 0.05, LeakLikely, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			times, class := synthetic(40000, tt.base, 20, tt.outliers, seeded(3))
			r := analyze(times, class)
			if got := r.Outcome(); got != tt.want {
				t.Fatalf("outcome %v (T %.2f, MaxT %.2f from test %d), want %v", got, r.T, r.MaxT, r.MaxTest, tt.want)
			}
			if tt.base[1] > tt.base[0] && r.MaxT >= 0 {
				t.Fatalf("MaxT %v: class 0 is faster, t must be negative", r.MaxT)
			}
			if tt.cropped && (r.MaxTest < 1 || r.MaxTest > NumCrops || math.Abs(r.MaxT) <= math.Abs(r.T)) {
				t.Fatalf("cropping did not help: T %.2f, MaxT %.2f from test %d", r.T, r.MaxT, r.MaxTest)
			}
			if r.N[0]+r.N[1] != len(times) {
				t.Fatalf("N = %v", r.N)
			}
		})
	}
}

// TestSecondOrder: equal means, different spreads. The first-order t is near zero; the
// second-order test sees the difference in variance, and runs only with enough class-0 data.
func TestSecondOrder(t *testing.T) {
	gen := func(n int) ([]int64, []uint8) {
		rng := seeded(9)
		times := make([]int64, n)
		class := make([]uint8, n)
		for i := range times {
			c := uint8(i % 2)
			class[i] = c
			spread := int64(5)
			if c == 1 {
				spread = 50
			}
			times[i] = 1000 + rng.Int64N(2*spread+1) - spread
		}
		return times, class
	}
	tests := runTests(gen(4 * SecondOrderAfter))
	if first := tests[testUncropped].T(); Verdict(first) != NoLeakDetected {
		t.Fatalf("first-order T %v", first)
	}
	// Class 0 deviates less, so its squared deviations are smaller: t is large and negative.
	if so := tests[testSecondOrder].T(); so > -ThresholdLeak {
		t.Fatalf("second-order T %v", so)
	}
	if r := analyze(gen(4 * SecondOrderAfter)); r.Outcome() != LeakLikely {
		t.Fatalf("analyze: %+v", r)
	}
	small := runTests(gen(2*SecondOrderAfter - 2))
	if small[testSecondOrder].N(0)+small[testSecondOrder].N(1) != 0 {
		t.Fatal("second-order test ran with too few class-0 measurements")
	}
}

func TestCropThresholds(t *testing.T) {
	times := make([]int64, 1000)
	for i := range times {
		times[i] = int64(999 - i) // 0..999 in reverse
	}
	th := cropThresholds(times)
	for k, got := range th {
		p := 1 - math.Pow(0.5, 10*float64(k+1)/NumCrops)
		if want := int64(1000 * p); got != want {
			t.Fatalf("threshold %d = %d, want %d", k, got, want)
		}
		if k > 0 && got < th[k-1] {
			t.Fatal("thresholds not increasing")
		}
	}
	if th[0] != 66 || th[NumCrops-1] != 999 {
		t.Fatalf("first %d, last %d", th[0], th[NumCrops-1])
	}
}

// TestChecksRun runs the two ready checks briefly: they must work end to end on real ML-KEM and
// real sessions. Their t values are timings and are not asserted.
func TestChecksRun(t *testing.T) {
	for name, check := range map[string]func(int, *rand.Rand) (Result, error){
		"decapsulation": DecapsulationCheck,
		"frame auth":    FrameAuthCheck,
	} {
		r, err := check(2*MinMeasurements, seeded(5))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.N[0]+r.N[1] != 2*MinMeasurements-DiscardFirst || math.IsNaN(r.T) {
			t.Fatalf("%s: %+v", name, r)
		}
	}
}

func TestFill(t *testing.T) {
	for _, n := range []int{0, 3, 8, 13} {
		a, b := make([]byte, n), make([]byte, n)
		fill(seeded(4), a)
		fill(seeded(4), b)
		if string(a) != string(b) {
			t.Fatal("fill is not deterministic for a seed")
		}
		if n >= 8 && string(a) == string(make([]byte, n)) {
			t.Fatal("fill left zeros")
		}
	}
}

// BenchmarkMeasureOverhead is the cost per measurement of Measure itself, on an empty function:
// the floor below which timing differences cannot be seen.
func BenchmarkMeasureOverhead(b *testing.B) {
	noop := func() {}
	classes := func(int) func() { return noop }
	rng := seeded(1)
	const n = 10000
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Measure(n, classes, rng); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/measurement")
}

// TestInputsPrepare: class 0 gets the fixed input, class 1 random bytes, the kept prefix never
// changes, and both classes draw the same amount of randomness (same work before the call).
func TestInputsPrepare(t *testing.T) {
	fixed := []byte("header--the fixed body of the input")
	const keep = 8
	r0, r1 := seeded(6), seeded(6)
	in0, in1 := newInputs(fixed, keep, r0), newInputs(fixed, keep, r1)
	for range 3 {
		in0.prepare(0)
		in1.prepare(1)
		if string(in0.work) != string(fixed) {
			t.Fatalf("class 0 input %q", in0.work)
		}
		if string(in1.work[:keep]) != string(fixed[:keep]) || string(in1.work[keep:]) == string(fixed[keep:]) {
			t.Fatalf("class 1 input %q", in1.work)
		}
		if r0.Uint64() != r1.Uint64() {
			t.Fatal("classes drew different amounts of randomness")
		}
	}
	if string(fixed) != "header--the fixed body of the input" {
		t.Fatal("fixed input modified")
	}
}
