//go:build unix

package transport

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// gateDatagram is the datagram size of BenchmarkGateUDPWrite, as in BenchmarkUDPWrite.
const gateDatagram = 1400

// gateCPU returns the CPU time the process has used so far (user + system, getrusage). The
// kernel's send path runs in the sending thread, so it is in the system time.
func gateCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkGateUDPWrite is BenchmarkUDPWrite for one sendto per datagram and for sendmmsg
// batches of MaxBatchSize, reporting cpu-ns/datagram, the process CPU time per datagram sent,
// for the regression gate's ratio (make bench-check, .ci/bench-thresholds). On a machine shared
// with other work, wall time swings by a factor of two or more from run to run as the scheduler
// hands the cores around; CPU time does not.
func BenchmarkGateUDPWrite(b *testing.B) {
	for _, batch := range []int{1, MaxBatchSize} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			a, err := ListenUDP(loopback)
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			sink, err := ListenUDP(loopback)
			if err != nil {
				b.Fatal(err)
			}
			defer sink.Close()
			ms := make([]Message, batch)
			for i := range ms {
				ms[i] = Message{Buf: make([]byte, gateDatagram), Addr: sink.LocalAddr()}
			}
			b.SetBytes(int64(gateDatagram * batch))
			b.ReportAllocs()
			start := gateCPU(b)
			for b.Loop() {
				if batch == 1 {
					if err := a.WriteTo(ms[0].Buf, ms[0].Addr); err != nil {
						b.Fatal(err)
					}
					continue
				}
				if n, err := a.WriteBatch(ms); err != nil || n != batch {
					b.Fatalf("WriteBatch: %d of %d, %v", n, batch, err)
				}
			}
			cpu := gateCPU(b) - start
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*batch), "cpu-ns/datagram")
		})
	}
}
