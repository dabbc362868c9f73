package mapek

import (
	"testing"
	"time"
)

// BenchmarkStep measures one Step over 64 healthy neighbours with full
// windows.
func BenchmarkStep(b *testing.B) {
	l, _ := newLoop(b, Config{}, nil)
	g := noisy(1, 64)
	snaps := make([]Snapshot, 128)
	for i := range snaps {
		snaps[i] = g(i)
	}
	now := t0
	for i := 0; i < WindowSize; i++ {
		now = now.Add(time.Second)
		l.Step(now, snaps[i%len(snaps)])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now = now.Add(time.Second)
		l.Step(now, snaps[i%len(snaps)])
	}
}
