package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/session"
)

// sessionBenchResult is one line of `bench session`.
type sessionBenchResult struct {
	Op       string  `json:"op"`
	Size     int     `json:"payload_bytes"`
	NsPerOp  int64   `json:"ns_per_op"`
	MBPerSec float64 `json:"mb_per_s"`
	Allocs   int64   `json:"allocs_per_op"`
}

func newBenchSessionCmd() *cobra.Command {
	var asJSON bool
	var sizes []int
	cmd := &cobra.Command{
		Use:   "session",
		Short: "Measure session seal and open throughput (ChaCha20-Poly1305 with replay window)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out []sessionBenchResult
			for _, size := range sizes {
				seal, open, err := benchSession(size)
				if err != nil {
					return err
				}
				out = append(out, seal, open)
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(out)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%-5s %8s %10s %10s %7s\n", "op", "bytes", "ns/op", "MB/s", "allocs")
			for _, r := range out {
				fmt.Fprintf(cmd.OutOrStdout(), "%-5s %8d %10d %10.1f %7d\n", r.Op, r.Size, r.NsPerOp, r.MBPerSec, r.Allocs)
			}
			return nil
		},
	}
	cmd.Flags().IntSliceVar(&sizes, "sizes", []int{64, 1400}, "payload sizes in bytes")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// benchSession measures Seal and Open of one payload size on a fresh pair of sessions.
func benchSession(size int) (seal, open sessionBenchResult, err error) {
	if size < 0 || size > session.MaxPayloadSize {
		return seal, open, fmt.Errorf("size %d not in 0..%d", size, session.MaxPayloadSize)
	}
	var k1, k2 [32]byte
	rand.Read(k1[:])
	rand.Read(k2[:])
	now := time.Now()
	a, err := session.New(session.Params{SendKey: k1, RecvKey: k2, LocalIndex: 1, RemoteIndex: 2, Initiator: true, Created: now})
	if err != nil {
		return seal, open, err
	}
	b, err := session.New(session.Params{SendKey: k2, RecvKey: k1, LocalIndex: 2, RemoteIndex: 1, Created: now})
	if err != nil {
		return seal, open, err
	}
	payload := make([]byte, size)
	frame := make([]byte, 0, size+64)
	r := testing.Benchmark(func(tb *testing.B) {
		tb.SetBytes(int64(size))
		tb.ReportAllocs()
		for tb.Loop() {
			if _, err := a.Seal(frame[:0], payload); err != nil {
				tb.Fatal(err)
			}
		}
	})
	seal = sessionBenchResult{Op: "seal", Size: size, NsPerOp: r.NsPerOp(), MBPerSec: mbps(r), Allocs: r.AllocsPerOp()}
	// Open needs a fresh frame per call (the replay window refuses repeats), so seal them first.
	const batch = 1 << 14
	frames := make([][]byte, batch)
	out := make([]byte, 0, size)
	r = testing.Benchmark(func(tb *testing.B) {
		tb.SetBytes(int64(size))
		tb.ReportAllocs()
		tb.StopTimer()
		for i := range frames {
			frames[i], _ = a.Seal(frames[i][:0], payload)
		}
		tb.StartTimer()
		i := 0
		for tb.Loop() {
			if i == batch {
				tb.StopTimer()
				for j := range frames {
					frames[j], _ = a.Seal(frames[j][:0], payload)
				}
				i = 0
				tb.StartTimer()
			}
			if _, err := b.Open(out[:0], frames[i], now); err != nil {
				tb.Fatal(err)
			}
			i++
		}
	})
	open = sessionBenchResult{Op: "open", Size: size, NsPerOp: r.NsPerOp(), MBPerSec: mbps(r), Allocs: r.AllocsPerOp()}
	return seal, open, nil
}

func mbps(r testing.BenchmarkResult) float64 {
	if r.T <= 0 {
		return 0
	}
	return float64(r.Bytes) * float64(r.N) / r.T.Seconds() / 1e6
}
