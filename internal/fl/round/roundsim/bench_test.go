package roundsim

import (
	"context"
	"testing"
	"time"
)

// BenchmarkRun simulates 10 rounds of 20 quadratic clients on 1,000
// parameters with jitter, loss and stragglers.
func BenchmarkRun(b *testing.B) {
	f := newFederation(b, 2, 20, 1000, 0, baseConfig(), 1)
	opt := Options{Seed: 1, Jitter: 10 * time.Millisecond, Loss: 0.01, StragglerRate: 0.1}
	for b.Loop() {
		rep, err := Run(context.Background(), f.coords, f.clients, opt)
		if err != nil || rep.Completed != 10 {
			b.Fatalf("%v, %d rounds", err, rep.Completed)
		}
	}
}
