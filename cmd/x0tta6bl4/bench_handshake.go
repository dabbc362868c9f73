package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/handshake"
)

func newBenchHandshakeCmd() *cobra.Command {
	var n int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "handshake",
		Short: "Measure full hybrid handshakes: time, handshakes per second, bytes on the wire, cost against its primitives",
		Long: "Runs n complete handshakes (both sides, real X25519 + ML-KEM-768 and certificates) and, in the same " +
			"run, each primitive operation they perform, and reports the handshake's cost as a ratio to the sum of " +
			"its primitives (the protocol's own overhead; goal <= 1.3).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, err := handshake.MeasureCost(rand.Reader, n)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(rep)
			}
			w := cmd.OutOrStdout()
			perSec := func(d time.Duration) float64 { return float64(time.Second) / float64(d) }
			fmt.Fprintf(w, "full handshake, both sides, cached certificate: %v (%.0f handshakes/s on one core)\n", rep.Handshake, perSec(rep.Handshake))
			fmt.Fprintf(w, "full handshake, both sides, full certificate:   %v (%.0f handshakes/s on one core)\n", rep.HandshakeFullCert, perSec(rep.HandshakeFullCert))
			fmt.Fprintf(w, "sum of primitive operations: %v; ratio handshake/primitives %.2f (goal <= 1.3)\n\n", rep.PrimitiveSum, rep.Ratio)
			fmt.Fprintf(w, "%-44s %10s %6s\n", "primitive", "per op", "count")
			for _, p := range rep.Primitives {
				fmt.Fprintf(w, "%-44s %10v %6d\n", p.Name, p.PerOp, p.PerHandshake)
			}
			fmt.Fprintf(w, "\n%-30s %8s %10s %10s   (certificate %d bytes)\n", "message", "bytes", "datagrams", "on wire", rep.CertSize)
			for _, m := range rep.Wire {
				fmt.Fprintf(w, "%-30s %8d %10d %10d\n", m.Name, m.Bytes, m.Datagrams, m.WireBytes)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&n, "n", 200, "handshakes and primitive operations to average over")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
