package heal

import (
	"testing"
	"time"
)

// BenchmarkStep measures one Agent.Step (Snapshot, mapek Step, probes) of
// the centre of a converged 5-node star with full windows.
func BenchmarkStep(b *testing.B) {
	tn := newTestNet(b, 5, nil)
	for i := 1; i < 5; i++ {
		tn.connect(0, i)
	}
	tn.converge()
	tn.run(10 * time.Second)
	a := tn.nodes[0].agent
	now := tn.now
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(DefaultPeriod)
		a.Step(now)
	}
}
