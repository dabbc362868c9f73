package demo

import (
	"testing"
	"time"
)

// BenchmarkAdvanceSecond measures the wall time one second of the default
// demo mesh takes to simulate, chaos and traffic included: below one
// second per op the demo keeps up with the wall clock.
func BenchmarkAdvanceSecond(b *testing.B) {
	opt := DefaultOptions()
	start := time.Unix(1_700_000_000, 0)
	m, err := New(opt, start)
	if err != nil {
		b.Fatal(err)
	}
	now := start
	b.ResetTimer()
	for b.Loop() {
		for range time.Second / StepInterval {
			now = now.Add(StepInterval)
			m.Advance(now)
		}
	}
	b.ReportMetric(float64(m.Status().Elapsed), "virtual-s")
}
