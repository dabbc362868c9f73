package round

import (
	"math/rand/v2"
	"testing"
	"time"
)

// coraParams is the parameter count of the default GraphSAGE model on
// Cora (1433 features, 128 hidden, 7 classes).
const coraParams = 184455

func benchVector(n int) []float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64() * 0.01
	}
	return v
}

// BenchmarkEncodeUpdate encodes a Cora-sized update.
func BenchmarkEncodeUpdate(b *testing.B) {
	u := &Update{Round: 1, NumSamples: 7, Delta: benchVector(coraParams)}
	b.SetBytes(8 * coraParams)
	for b.Loop() {
		if _, err := u.MarshalBinary(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeUpdate decodes a Cora-sized update.
func BenchmarkDecodeUpdate(b *testing.B) {
	enc, err := (&Update{Round: 1, NumSamples: 7, Delta: benchVector(coraParams)}).MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRound runs one round of 20 clients on a 10^4-value model through
// the encoding, training being a fixed step.
func benchRound(b *testing.B, cfg Config) {
	cfg.Initial = make([]float64, 10000)
	cfg.Rounds, cfg.MinClients = 1, 10
	for b.Loop() {
		h := newHarness(b, cfg, 1, 20)
		h.tick(0)
		h.deliver(nil)
		h.train(nil, step)
		h.deliver(nil)
		if len(find[ModelReady](h)) != 1 {
			b.Fatal("no model")
		}
	}
}

// BenchmarkPlainRound is one FedAvg round, 20 clients, 10^4 parameters.
func BenchmarkPlainRound(b *testing.B) { benchRound(b, testConfig()) }

// BenchmarkSecureRound is the same round with secure aggregation (the
// complete graph, every key exchange and unmasking included).
func BenchmarkSecureRound(b *testing.B) {
	cfg := testConfig()
	cfg.SecAgg = &SecAggConfig{Clip: 20}
	cfg.SecAggPhaseTimeout = time.Second
	cfg.Random = rand.NewChaCha8([32]byte{1})
	benchRound(b, cfg)
}
