package dp

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// seeded returns a deterministic source of random bytes for tests.
func seeded(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

// normalCDF is the standard normal distribution function.
func normalCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// TestGaussianDistribution draws 10^5 variates from a fixed seed and checks
// their mean, standard deviation, kurtosis and Kolmogorov–Smirnov distance
// to N(0, 1). The tolerances are about 4.5 standard errors of each
// statistic, so a correct sampler passes for almost every seed while a
// wrong variance (even by 2%) or shape fails.
func TestGaussianDistribution(t *testing.T) {
	const n = 100_000
	g := NewGaussian(seeded(1))
	x := make([]float64, n)
	for i := range x {
		z, err := g.Normal()
		if err != nil {
			t.Fatal(err)
		}
		x[i] = z
	}
	var mean, m2, m4 float64
	for _, v := range x {
		mean += v / n
	}
	for _, v := range x {
		d := v - mean
		m2 += d * d / n
		m4 += d * d * d * d / n
	}
	std, kurt := math.Sqrt(m2), m4/(m2*m2)
	if math.Abs(mean) > 4.5/math.Sqrt(n) {
		t.Errorf("mean %v", mean)
	}
	if math.Abs(std-1) > 4.5/math.Sqrt(2*n) {
		t.Errorf("standard deviation %v", std)
	}
	if math.Abs(kurt-3) > 4.5*math.Sqrt(24.0/n) {
		t.Errorf("kurtosis %v", kurt)
	}
	slices.Sort(x)
	var ks float64
	for i, v := range x {
		c := normalCDF(v)
		ks = max(ks, math.Abs(c-float64(i)/n), math.Abs(c-float64(i+1)/n))
	}
	// The 0.1% critical value of the KS statistic is 1.95/sqrt(n).
	if ks > 1.95/math.Sqrt(n) {
		t.Errorf("Kolmogorov–Smirnov distance %v", ks)
	}
}

func TestAddNoise(t *testing.T) {
	const n, std = 100_000, 3.0
	v := make([]float64, n)
	for i := range v {
		v[i] = 7
	}
	if err := NewGaussian(seeded(2)).AddNoise(v, std); err != nil {
		t.Fatal(err)
	}
	var mean, m2 float64
	for _, x := range v {
		mean += x / n
	}
	for _, x := range v {
		m2 += (x - mean) * (x - mean) / n
	}
	if math.Abs(mean-7) > 4.5*std/math.Sqrt(n) || math.Abs(math.Sqrt(m2)-std) > 4.5*std/math.Sqrt(2*n) {
		t.Fatalf("mean %v, standard deviation %v; want 7, %v", mean, math.Sqrt(m2), std)
	}
	// Zero noise is allowed and still reads nothing wrong.
	w := []float64{1, 2}
	if err := NewGaussian(seeded(3)).AddNoise(w, 0); err != nil || w[0] != 1 || w[1] != 2 {
		t.Fatalf("std 0: %v, %v", w, err)
	}
	for _, bad := range []float64{-1, math.NaN(), math.Inf(1)} {
		if err := NewGaussian(seeded(3)).AddNoise(w, bad); !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("std %v: got %v", bad, err)
		}
	}
}

func TestGaussianDeterministic(t *testing.T) {
	a, b := make([]float64, 1001), make([]float64, 1001)
	if err := NewGaussian(seeded(9)).AddNoise(a, 1); err != nil {
		t.Fatal(err)
	}
	if err := NewGaussian(seeded(9)).AddNoise(b, 1); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a, b) {
		t.Fatal("same seed, different noise")
	}
	if err := NewGaussian(seeded(10)).AddNoise(b, 1); err != nil || slices.Equal(a, b) {
		t.Fatal("different seeds, same noise")
	}
}

// TestGaussianExtremes feeds all-zero and all-one bytes: the uniforms are
// then at the ends of their ranges, and the variates must stay finite.
func TestGaussianExtremes(t *testing.T) {
	for _, fill := range []byte{0x00, 0xff} {
		g := NewGaussian(bytes.NewReader(bytes.Repeat([]byte{fill}, noiseBufferSize)))
		for range 4 {
			z, err := g.Normal()
			if err != nil || math.IsNaN(z) || math.IsInf(z, 0) || math.Abs(z) > 8.6 {
				t.Fatalf("fill %#x: %v, %v", fill, z, err)
			}
		}
	}
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

func TestGaussianSourceErrors(t *testing.T) {
	boom := errors.New("entropy source gone")
	if _, err := NewGaussian(failingReader{boom}).Normal(); !errors.Is(err, ErrRandomness) || !errors.Is(err, boom) {
		t.Fatalf("got %v, want ErrRandomness wrapping the cause", err)
	}
	// A source that ends mid-buffer.
	g := NewGaussian(bytes.NewReader(make([]byte, noiseBufferSize+3)))
	v := make([]float64, noiseBufferSize) // needs 8 bytes per variate
	if err := g.AddNoise(v, 1); !errors.Is(err, ErrRandomness) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, want ErrRandomness wrapping io.ErrUnexpectedEOF", err)
	}
	// A source that fails on the second block: a full block gives
	// noiseBufferSize/8 variates, then Normal fails, and keeps failing.
	g = NewGaussian(io.MultiReader(bytes.NewReader(make([]byte, noiseBufferSize)), failingReader{boom}))
	for range noiseBufferSize / 8 {
		if _, err := g.Normal(); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if _, err := g.Normal(); !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
	}
}
