package session

import (
	"fmt"
	"testing"
)

var benchSizes = []int{64, 1400}

func BenchmarkSeal(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ini, _ := newPair(b, Limits{}, false)
			payload := payloadOf(n)
			buf := make([]byte, 0, n+Overhead)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ini.Seal(buf[:0], payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOpen opens frames sealed in batches outside the timer: every frame has a fresh counter,
// as on a real link.
func BenchmarkOpen(b *testing.B) {
	const batch = 1024
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ini, resp := newPair(b, Limits{}, false)
			payload := payloadOf(n)
			frames := make([][]byte, batch)
			for i := range frames {
				frames[i] = make([]byte, 0, n+Overhead)
			}
			out := make([]byte, 0, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%batch == 0 {
					b.StopTimer()
					for j := range frames {
						frames[j], _ = ini.Seal(frames[j][:0], payload)
					}
					b.StartTimer()
				}
				if _, err := resp.Open(out[:0], frames[i%batch], t0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSealParallel measures Seal from all Ps on one session (contention on the counter).
func BenchmarkSealParallel(b *testing.B) {
	ini, _ := newPair(b, Limits{}, false)
	payload := payloadOf(1400)
	b.SetBytes(1400)
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 0, 1400+Overhead)
		for pb.Next() {
			if _, err := ini.Seal(buf[:0], payload); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
