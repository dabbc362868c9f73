package dp

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/strategy"
)

func mustFedAvg(t *testing.T, cfg Config, seed byte) *FedAvg {
	t.Helper()
	a, err := NewFedAvg(cfg, seeded(seed))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// constantUpdates returns n updates whose deltas all equal v.
func constantUpdates(n int, v []float64) []strategy.Update {
	ups := make([]strategy.Update, n)
	for i := range ups {
		ups[i] = strategy.Update{ClientID: fmt.Sprintf("c%d", i), NumSamples: 1 + i, Vector: slices.Clone(v)}
	}
	return ups
}

// TestFedAvgFixedClipping sends 10 identical deltas of norm 5 with C = 1 and
// m = 8: the clipped sum is 10 * delta/5, so the model must be
// global + 2*delta/8 plus noise of standard deviation z*C/m per
// coordinate, checked over 40000 coordinates.
func TestFedAvgFixedClipping(t *testing.T) {
	const d, z, c, m = 40_000, 1.3, 1.0, 8.0
	a := mustFedAvg(t, Config{ClipNorm: c, NoiseMultiplier: z, ExpectedClients: m}, 1)
	delta := make([]float64, d)
	for j := range delta {
		delta[j] = 5 / math.Sqrt(d) // norm 5
		if j%2 == 1 {
			delta[j] = -delta[j]
		}
	}
	global := make([]float64, d)
	for j := range global {
		global[j] = float64(j % 7)
	}
	ups := constantUpdates(10, delta)
	r, err := a.Round(global, ups)
	if err != nil {
		t.Fatal(err)
	}
	if r.ClipNorm != c || r.NextClipNorm != c || !math.IsNaN(r.UnclippedFraction) {
		t.Fatalf("round %+v", r)
	}
	var mean, m2 float64
	for j, w := range r.Model {
		noise := w - global[j] - 10*delta[j]/5/m
		mean += noise / d
		m2 += noise * noise / d
	}
	want := z * c / m
	if math.Abs(mean) > 4.5*want/math.Sqrt(d) || math.Abs(math.Sqrt(m2)-want) > 4.5*want/math.Sqrt(2*d) {
		t.Fatalf("noise mean %v, standard deviation %v; want 0, %v", mean, math.Sqrt(m2), want)
	}
	// The callers' deltas are not clipped in place.
	if !slices.Equal(ups[3].Vector, delta) {
		t.Fatal("input modified")
	}
	if a.UpdateNoiseMultiplier() != z || a.ClipNorm() != c {
		t.Fatalf("noise multiplier %v, clip %v", a.UpdateNoiseMultiplier(), a.ClipNorm())
	}
}

// TestFedAvgNoClients checks that a round with no updates still adds
// noise: skipping it would reveal that nobody took part.
func TestFedAvgNoClients(t *testing.T) {
	a := mustFedAvg(t, Config{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: 10}, 2)
	global := []float64{1, 2, 3}
	got, err := a.Aggregate(global, nil)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(got, global) {
		t.Fatal("no noise added")
	}
}

// TestAdaptiveClipping runs rounds whose clients have update norms spread
// evenly over [1, 10]: the clip norm must move from 0.1 to near the target
// quantile of the norms.
func TestAdaptiveClipping(t *testing.T) {
	for _, tc := range []struct{ quantile, lo, hi float64 }{{0.5, 4.5, 6.5}, {0.9, 8, 10.5}, {0.2, 2, 3.5}} {
		t.Run(fmt.Sprint(tc.quantile), func(t *testing.T) {
			const n = 100
			cfg := Config{ClipNorm: 0.1, NoiseMultiplier: 1, ExpectedClients: n,
				Adaptive: &AdaptiveClipping{TargetQuantile: tc.quantile, LearningRate: DefaultClipLearningRate,
					CountNoise: DefaultCountNoiseFraction * n}}
			a := mustFedAvg(t, cfg, 3)
			ups := make([]strategy.Update, n)
			for i := range ups {
				norm := 1 + 9*float64(i)/(n-1)
				ups[i] = strategy.Update{ClientID: fmt.Sprint(i), Vector: []float64{norm * 0.6, norm * 0.8}}
			}
			global := []float64{0, 0}
			var r Round
			var err error
			for range 300 {
				prev := a.ClipNorm()
				if r, err = a.Round(global, ups); err != nil {
					t.Fatal(err)
				}
				if r.ClipNorm != prev || r.NextClipNorm != a.ClipNorm() || r.UnclippedFraction < 0 || r.UnclippedFraction > 1 {
					t.Fatalf("round %+v, clip before %v after %v", r, prev, a.ClipNorm())
				}
			}
			if c := a.ClipNorm(); c < tc.lo || c > tc.hi {
				t.Fatalf("clip norm %v after 300 rounds, want in [%v, %v]", c, tc.lo, tc.hi)
			}
		})
	}
}

func TestAdaptiveNoiseSplit(t *testing.T) {
	// z = 1, sigma_b = 5: z_delta = (1 - 1/100)^(-1/2).
	cfg := Config{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: 100,
		Adaptive: &AdaptiveClipping{TargetQuantile: 0.5, LearningRate: 0.2, CountNoise: 5}}
	a := mustFedAvg(t, cfg, 4)
	if got, want := a.UpdateNoiseMultiplier(), 1/math.Sqrt(0.99); relErr(got, want) > 1e-15 {
		t.Fatalf("UpdateNoiseMultiplier = %v, want %v", got, want)
	}
	if m := a.Mechanism(0.01); m != (Mechanism{SamplingRate: 0.01, NoiseMultiplier: 1, Steps: 1}) {
		t.Fatalf("Mechanism = %+v", m)
	}
}

// TestClipNormBounds drives the clip norm against its limits.
func TestClipNormBounds(t *testing.T) {
	// Every update is unclipped and the target is 0: the norm shrinks by
	// e^-eta per round until MinClipNorm.
	cfg := Config{ClipNorm: 1e-11, NoiseMultiplier: 1, ExpectedClients: 1000,
		Adaptive: &AdaptiveClipping{TargetQuantile: 0, LearningRate: 5, CountNoise: 1}}
	a := mustFedAvg(t, cfg, 5)
	ups := constantUpdates(1000, []float64{0})
	for range 5 {
		if _, err := a.Round([]float64{0}, ups); err != nil {
			t.Fatal(err)
		}
	}
	if a.ClipNorm() != MinClipNorm {
		t.Fatalf("clip norm %v, want MinClipNorm", a.ClipNorm())
	}
	cfg = Config{ClipNorm: 1e11, NoiseMultiplier: 1, ExpectedClients: 1000,
		Adaptive: &AdaptiveClipping{TargetQuantile: 1, LearningRate: 5, CountNoise: 1}}
	a = mustFedAvg(t, cfg, 6)
	ups = constantUpdates(1000, []float64{1e29})
	for range 5 {
		if _, err := a.Round([]float64{0}, ups); err != nil {
			t.Fatal(err)
		}
	}
	if a.ClipNorm() != MaxClipNorm {
		t.Fatalf("clip norm %v, want MaxClipNorm", a.ClipNorm())
	}
}

func TestFedAvgConfigErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	ad := func(q, lr, cn float64) *AdaptiveClipping {
		return &AdaptiveClipping{TargetQuantile: q, LearningRate: lr, CountNoise: cn}
	}
	tests := []Config{
		{ClipNorm: 0, NoiseMultiplier: 1, ExpectedClients: 1},
		{ClipNorm: inf, NoiseMultiplier: 1, ExpectedClients: 1},
		{ClipNorm: nan, NoiseMultiplier: 1, ExpectedClients: 1},
		{ClipNorm: 1, NoiseMultiplier: 0, ExpectedClients: 1},
		{ClipNorm: 1, NoiseMultiplier: nan, ExpectedClients: 1},
		{ClipNorm: 1, NoiseMultiplier: inf, ExpectedClients: 1},
		{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: 0},
		{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: inf},
		{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: 1, Adaptive: ad(-0.1, 0.2, 5)},
		{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: 1, Adaptive: ad(1.1, 0.2, 5)},
		{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: 1, Adaptive: ad(nan, 0.2, 5)},
		{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: 1, Adaptive: ad(0.5, 0, 5)},
		{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: 1, Adaptive: ad(0.5, inf, 5)},
		{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: 1, Adaptive: ad(0.5, 0.2, 0.5)}, // 2 sigma_b = z
		{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: 1, Adaptive: ad(0.5, 0.2, inf)},
		{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: 1, Adaptive: ad(0.5, 0.2, nan)},
	}
	for _, cfg := range tests {
		if _, err := NewFedAvg(cfg, seeded(0)); !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("%+v (adaptive %+v): got %v", cfg, cfg.Adaptive, err)
		}
	}
	if _, err := NewFedAvg(Config{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: 1}, nil); !errors.Is(err, ErrInvalidParameter) {
		t.Errorf("nil reader: got %v", err)
	}
}

func TestFedAvgBadInput(t *testing.T) {
	cfg := Config{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: 4,
		Adaptive: &AdaptiveClipping{TargetQuantile: 0.5, LearningRate: 0.2, CountNoise: 1}}
	a := mustFedAvg(t, cfg, 7)
	ups := constantUpdates(4, []float64{1, 2})
	ups[2].ClientID = "c7"
	ups[2].Vector[1] = math.NaN()
	_, err := a.Aggregate([]float64{0, 0}, ups)
	var ce *strategy.ClientError
	if !errors.Is(err, strategy.ErrNotFinite) || !errors.As(err, &ce) || ce.ClientID != "c7" ||
		!strings.Contains(err.Error(), `dp-fedavg: client "c7": NaN at index 1`) {
		t.Fatalf("got %v", err)
	}
	if _, err := a.Aggregate([]float64{0}, ups[:1]); !errors.Is(err, strategy.ErrShapeMismatch) {
		t.Fatalf("got %v", err)
	}
	if a.ClipNorm() != 1 {
		t.Fatal("failed round changed the clip norm")
	}
}

func TestFedAvgRandomnessFailure(t *testing.T) {
	boom := errors.New("no entropy")
	cfg := Config{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: 4,
		Adaptive: &AdaptiveClipping{TargetQuantile: 0.5, LearningRate: 0.2, CountNoise: 1}}
	a, err := NewFedAvg(cfg, failingReader{boom})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Round([]float64{0, 0}, constantUpdates(3, []float64{1, 1})); !errors.Is(err, ErrRandomness) {
		t.Fatalf("got %v", err)
	}
	// With noiseBufferSize/8 - 1 coordinates the model's noise uses every
	// variate of the first block but one; the count noise takes that one
	// and the next round fails on its first read.
	b, err := NewFedAvg(cfg, &limitedReader{n: noiseBufferSize, err: boom})
	if err != nil {
		t.Fatal(err)
	}
	d := noiseBufferSize/8 - 1
	if _, err := b.Round(make([]float64, d), constantUpdates(2, make([]float64, d))); err != nil {
		t.Fatal(err)
	}
	c := b.ClipNorm()
	if _, err := b.Round(make([]float64, d), constantUpdates(2, make([]float64, d))); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if b.ClipNorm() != c {
		t.Fatal("failed round changed the clip norm")
	}
	// The count noise is the one read that fails.
	e, err := NewFedAvg(cfg, &limitedReader{n: noiseBufferSize, err: boom})
	if err != nil {
		t.Fatal(err)
	}
	d = noiseBufferSize / 8
	if _, err := e.Round(make([]float64, d), constantUpdates(2, make([]float64, d))); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
}

// limitedReader returns zero bytes n times and then err.
type limitedReader struct {
	n   int
	err error
}

func (r *limitedReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	k := min(len(p), r.n)
	clear(p[:k])
	r.n -= k
	return k, nil
}

func TestFedAvgName(t *testing.T) {
	var s strategy.Strategy = mustFedAvg(t, Config{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: 1}, 8)
	if s.Name() != "dp-fedavg" {
		t.Fatal(s.Name())
	}
}

// TestFedAvgConcurrent runs adaptive rounds from several goroutines (run
// with -race): every round must succeed and the clip norm stay in bounds.
func TestFedAvgConcurrent(t *testing.T) {
	cfg := Config{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: 10,
		Adaptive: &AdaptiveClipping{TargetQuantile: 0.5, LearningRate: 0.2, CountNoise: 1}}
	a := mustFedAvg(t, cfg, 11)
	ups := constantUpdates(10, []float64{3, 4})
	done := make(chan error)
	for range 4 {
		go func() {
			var err error
			for range 25 {
				if _, e := a.Round([]float64{0, 0}, ups); e != nil {
					err = e
				}
			}
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if c := a.ClipNorm(); !(c >= MinClipNorm && c <= MaxClipNorm) {
		t.Fatalf("clip norm %v", c)
	}
}
