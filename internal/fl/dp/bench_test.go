package dp

import (
	"crypto/rand"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/strategy"
)

// BenchmarkComputeEpsilon measures one accountant query over the 151
// default orders (what Budget.Spend costs):
//
//	go test -run '^$' -bench . ./internal/fl/dp/
func BenchmarkComputeEpsilon(b *testing.B) {
	m := Mechanism{SamplingRate: 0.04, NoiseMultiplier: 1.5, Steps: 2250}
	for b.Loop() {
		if _, err := ComputeEpsilon(m, 1e-5, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAddNoise adds noise to 10^6 coordinates, from crypto/rand and,
// for comparison, from ChaCha8.
func BenchmarkAddNoise(b *testing.B) {
	for _, src := range []struct {
		name string
		r    io.Reader
	}{{"crypto-rand", rand.Reader}, {"chacha8", mrand.NewChaCha8([32]byte{})}} {
		b.Run(src.name, func(b *testing.B) {
			v := make([]float64, 1_000_000)
			g := NewGaussian(src.r)
			b.SetBytes(int64(len(v) * 8))
			for b.Loop() {
				if err := g.AddNoise(v, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkClip clips a vector of 10^6 coordinates.
func BenchmarkClip(b *testing.B) {
	v := make([]float64, 1_000_000)
	for j := range v {
		v[j] = float64(j%13) - 6
	}
	b.SetBytes(int64(len(v) * 8))
	for b.Loop() {
		if _, err := Clip(v, 1e9); err != nil { // within the bound: norm only
			b.Fatal(err)
		}
	}
}

// BenchmarkFedAvgRound runs a DP-FedAvg round with adaptive clipping and
// crypto/rand noise at d = 10^4 for 10 and 100 clients.
func BenchmarkFedAvgRound(b *testing.B) {
	const d = 10_000
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("n=%d/d=%d", n, d), func(b *testing.B) {
			rng := mrand.New(mrand.NewPCG(1, 2))
			ups := make([]strategy.Update, n)
			for i := range ups {
				v := make([]float64, d)
				for j := range v {
					v[j] = rng.NormFloat64() * 0.01
				}
				ups[i] = strategy.Update{ClientID: fmt.Sprint(i), Vector: v}
			}
			a, err := NewFedAvg(Config{ClipNorm: 1, NoiseMultiplier: 1, ExpectedClients: float64(n),
				Adaptive: &AdaptiveClipping{TargetQuantile: DefaultTargetQuantile, LearningRate: DefaultClipLearningRate,
					CountNoise: max(DefaultCountNoiseFraction*float64(n), 1)}}, rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			global := make([]float64, d)
			b.SetBytes(int64(n * d * 8))
			for b.Loop() {
				if _, err := a.Round(global, ups); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
