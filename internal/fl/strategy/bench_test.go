package strategy

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchInputs returns a global model and n updates of dimension d with
// N(0, 1) deltas, the same for every run.
func benchInputs(n, d int) ([]float64, []Update) {
	rng := rand.New(rand.NewPCG(uint64(n), uint64(d)))
	global := make([]float64, d)
	for j := range global {
		global[j] = rng.NormFloat64()
	}
	ups := make([]Update, n)
	for i := range ups {
		v := make([]float64, d)
		for j := range v {
			v[j] = rng.NormFloat64()
		}
		ups[i] = Update{ClientID: fmt.Sprintf("client-%04d", i), NumSamples: 1 + rng.IntN(1000), Vector: v}
	}
	return global, ups
}

// benchCopy is the baseline: copying the n input vectors once, the least
// any aggregation must read. Every benchmark reports the same bytes per
// operation (the input size), so MB/s compares directly with this one.
func benchCopy(b *testing.B, ups []Update) {
	dst := make([][]float64, len(ups))
	for i, u := range ups {
		dst[i] = make([]float64, len(u.Vector))
		copy(dst[i], u.Vector) // fault the pages in before timing
	}
	b.SetBytes(int64(len(ups) * len(ups[0].Vector) * 8))
	for b.Loop() {
		for i, u := range ups {
			copy(dst[i], u.Vector)
		}
	}
}

func benchStrategy(b *testing.B, s Strategy, global []float64, ups []Update) {
	b.SetBytes(int64(len(ups) * len(global) * 8))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Aggregate(global, ups); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAggregate runs every strategy at n = 10 and 100 clients and
// d = 10^4, beside the memory-copy baseline:
//
//	go test -run '^$' -bench 'Aggregate$' ./internal/fl/strategy/
func BenchmarkAggregate(b *testing.B) {
	for _, n := range []int{10, 100} {
		const d = 10_000
		global, ups := benchInputs(n, d)
		f := (n - 3) / 4 // the most Bulyan tolerates; Krum gets the same
		prefix := fmt.Sprintf("n=%d/d=%d/", n, d)
		b.Run(prefix+"copy", func(b *testing.B) { benchCopy(b, ups) })
		for _, s := range []Strategy{
			FedAvg{}, FedProx{Mu: 0.01}, newAdam(b), newYogi(b), Median{}, TrimmedMean{Beta: 0.1},
			Krum{F: f}, MultiKrum{F: f}, Bulyan{F: f}, GeometricMedian{},
		} {
			b.Run(prefix+s.Name(), func(b *testing.B) { benchStrategy(b, s, global, ups) })
		}
	}
}

// BenchmarkAggregateLarge runs the strategies that are linear or
// n log n per coordinate at d = 10^6; n = 100 needs 800 MB of input, so
// run it with a small benchtime:
//
//	go test -run '^$' -bench 'AggregateLarge' -benchtime 3x ./internal/fl/strategy/
func BenchmarkAggregateLarge(b *testing.B) {
	for _, n := range []int{10, 100} {
		const d = 1_000_000
		global, ups := benchInputs(n, d)
		prefix := fmt.Sprintf("n=%d/d=%d/", n, d)
		b.Run(prefix+"copy", func(b *testing.B) { benchCopy(b, ups) })
		for _, s := range []Strategy{FedAvg{}, newAdam(b), newYogi(b), Median{}, TrimmedMean{Beta: 0.1}} {
			b.Run(prefix+s.Name(), func(b *testing.B) { benchStrategy(b, s, global, ups) })
		}
	}
}

func newAdam(b *testing.B) *FedAdam {
	s, err := NewFedAdam(DefaultAdaptiveConfig())
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func newYogi(b *testing.B) *FedYogi {
	s, err := NewFedYogi(DefaultAdaptiveConfig())
	if err != nil {
		b.Fatal(err)
	}
	return s
}
