package heal

import (
	"testing"
	"time"
)

// BenchmarkStepGrid measures one Agent.Step of a node of a converged 8×8
// grid, whose route table has 63 destinations: the Snapshot's route counts
// must not cost a copy of the table (docs/chaos.md, 1000-node scenarios).
func BenchmarkStepGrid(b *testing.B) {
	const side = 8
	tn := newTestNet(b, side*side, nil)
	for i := range side * side {
		if i%side < side-1 {
			tn.connect(i, i+1)
		}
		if i+side < side*side {
			tn.connect(i, i+side)
		}
	}
	tn.converge()
	tn.run(time.Second)
	a := tn.nodes[side*side/2].agent
	now := tn.now
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(DefaultPeriod)
		a.Step(now)
	}
}
