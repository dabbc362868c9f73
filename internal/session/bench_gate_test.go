//go:build unix

package session

import (
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// Benchmarks for the regression gate (make bench-check, .ci/bench-thresholds): Seal and Open
// beside the bare AEAD a Session wraps, on the same buffers, so that the gate can bound the
// session's own cost as a ratio of two benchmarks of one run; and the bytes a frame adds.
//
// Each reports cpu-ns/op, the process CPU time (user + system, getrusage) per operation while
// the timer runs. On a machine shared with other work, wall time per operation swings by a
// factor of two or more from run to run as the scheduler hands the cores around; CPU time does
// not, so the gate's ratios use it.

// gateCPUMetric is the unit of the CPU time per operation.
const gateCPUMetric = "cpu-ns/op"

// gateCPU returns the CPU time the process has used so far.
func gateCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rawAEAD returns the ChaCha20-Poly1305 cipher the initiator of newPair seals with.
func rawAEAD(b *testing.B) cipher.AEAD {
	k, _ := testKeys(1)
	aead, err := chacha20poly1305.New(k[:])
	if err != nil {
		b.Fatal(err)
	}
	return aead
}

// benchGateSeal seals an n-byte payload into a reused buffer with seal, once per operation.
func benchGateSeal(b *testing.B, n int, seal func(dst, payload []byte) ([]byte, error)) {
	payload := payloadOf(n)
	buf := make([]byte, 0, n+Overhead)
	var err error
	b.SetBytes(int64(n))
	b.ReportAllocs()
	start := gateCPU(b)
	for b.Loop() {
		if buf, err = seal(buf[:0], payload); err != nil {
			b.Fatal(err)
		}
	}
	cpu := gateCPU(b) - start
	if len(buf) != n+Overhead {
		b.Fatalf("sealed %d bytes, want %d", len(buf), n+Overhead)
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), gateCPUMetric)
}

// BenchmarkGateSeal is BenchmarkSeal with the CPU time per operation.
func BenchmarkGateSeal(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ini, _ := newPair(b, Limits{}, false)
			benchGateSeal(b, n, ini.Seal)
		})
	}
}

// BenchmarkGateRawSeal seals the same payloads with the bare cipher as a Session does: the
// 16-byte header as additional data, a fresh counter nonce, the ciphertext after the header.
func BenchmarkGateRawSeal(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			aead := rawAEAD(b)
			var nonce [chacha20poly1305.NonceSize]byte
			var counter uint64
			benchGateSeal(b, n, func(dst, payload []byte) ([]byte, error) {
				binary.LittleEndian.PutUint64(nonce[4:], counter)
				counter++
				dst = append(dst, make([]byte, HeaderSize)...)
				return aead.Seal(dst, nonce[:], payload, dst[:HeaderSize]), nil
			})
		})
	}
}

// benchGateOpen opens n-byte frames with open as BenchmarkOpen does: batches of 1,024 frames
// with fresh counters are sealed by a Session outside the timer (and outside the CPU count).
func benchGateOpen(b *testing.B, n int, open func(dst, frame []byte) ([]byte, error)) {
	const batch = 1024
	ini, _ := newPair(b, Limits{}, false)
	payload := payloadOf(n)
	frames := make([][]byte, batch)
	for i := range frames {
		frames[i] = make([]byte, 0, n+Overhead)
	}
	out := make([]byte, 0, n)
	var cpu time.Duration
	var err error
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	start := gateCPU(b)
	for i := 0; i < b.N; i++ {
		if i%batch == 0 {
			b.StopTimer()
			cpu += gateCPU(b) - start
			for j := range frames {
				frames[j], _ = ini.Seal(frames[j][:0], payload)
			}
			start = gateCPU(b)
			b.StartTimer()
		}
		if out, err = open(out[:0], frames[i%batch]); err != nil {
			b.Fatal(err)
		}
	}
	cpu += gateCPU(b) - start
	b.StopTimer()
	if len(out) != n {
		b.Fatalf("opened %d bytes, want %d", len(out), n)
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), gateCPUMetric)
}

// BenchmarkGateOpen is BenchmarkOpen with the CPU time per operation.
func BenchmarkGateOpen(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			_, resp := newPair(b, Limits{}, false)
			benchGateOpen(b, n, func(dst, frame []byte) ([]byte, error) { return resp.Open(dst, frame, t0) })
		})
	}
}

// BenchmarkGateRawOpen opens the same frames with the bare cipher: nonce from the header's
// counter, header as additional data. It skips what a Session adds (header checks, replay
// window, statistics).
func BenchmarkGateRawOpen(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			aead := rawAEAD(b)
			var nonce [chacha20poly1305.NonceSize]byte
			benchGateOpen(b, n, func(dst, frame []byte) ([]byte, error) {
				copy(nonce[4:], frame[8:HeaderSize]) // the counter, little endian
				return aead.Open(dst, nonce[:], frame[HeaderSize:], frame[:HeaderSize])
			})
		})
	}
}

// BenchmarkGateFrameOverhead seals and opens a 1,400-byte payload and reports the bytes the
// frame adds to it (overhead-B/frame), measured on real frames.
func BenchmarkGateFrameOverhead(b *testing.B) {
	const n = 1400
	ini, resp := newPair(b, Limits{}, false)
	payload := payloadOf(n)
	frame := make([]byte, 0, 2*n)
	out := make([]byte, 0, n)
	var err error
	b.ReportAllocs()
	for b.Loop() {
		if frame, err = ini.Seal(frame[:0], payload); err != nil {
			b.Fatal(err)
		}
		if out, err = resp.Open(out[:0], frame, t0); err != nil {
			b.Fatal(err)
		}
	}
	if len(out) != n {
		b.Fatalf("opened %d bytes, want %d", len(out), n)
	}
	b.ReportMetric(float64(len(frame)-len(payload)), "overhead-B/frame")
}
