//go:build unix

package strategy

import (
	"syscall"
	"testing"
	"time"
)

// Gate benchmark sizes: the n = 100, d = 10^4 case of BenchmarkAggregate.
const (
	gateClients = 100
	gateDim     = 10_000
)

// gateCPUMetric is the unit of the CPU time per operation.
const gateCPUMetric = "cpu-ns/op"

// gateCPU returns the CPU time the process has used so far (user + system, getrusage).
func gateCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkGateAggregate is BenchmarkAggregate at n = 100, d = 10^4 for the memory-copy
// baseline, FedAvg, median and trimmed mean, reporting cpu-ns/op, the process CPU time per
// operation, for the regression gate's ratios against the copy (make bench-check,
// .ci/bench-thresholds). On a machine shared with other work, wall time per operation swings by
// a factor of two or more from run to run as the scheduler hands the cores around; CPU time
// does not.
func BenchmarkGateAggregate(b *testing.B) {
	global, ups := benchInputs(gateClients, gateDim)
	b.Run("copy", func(b *testing.B) {
		dst := make([][]float64, len(ups))
		for i, u := range ups {
			dst[i] = make([]float64, len(u.Vector))
			copy(dst[i], u.Vector) // fault the pages in before timing
		}
		b.SetBytes(int64(gateClients * gateDim * 8))
		b.ReportAllocs()
		start := gateCPU(b)
		for b.Loop() {
			for i, u := range ups {
				copy(dst[i], u.Vector)
			}
		}
		b.ReportMetric(float64((gateCPU(b)-start).Nanoseconds())/float64(b.N), gateCPUMetric)
	})
	for _, s := range []Strategy{FedAvg{}, Median{}, TrimmedMean{Beta: 0.1}} {
		b.Run(s.Name(), func(b *testing.B) {
			b.SetBytes(int64(gateClients * gateDim * 8))
			b.ReportAllocs()
			start := gateCPU(b)
			for b.Loop() {
				if _, err := s.Aggregate(global, ups); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((gateCPU(b)-start).Nanoseconds())/float64(b.N), gateCPUMetric)
		})
	}
}
