package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/dp"
)

// newDPCmd returns the "dp" command group: differential-privacy tools for
// federated learning.
func newDPCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dp",
		Short: "Differential-privacy tools for federated learning",
	}
	cmd.AddCommand(newDPEpsilonCmd())
	return cmd
}

// dpEpsilonReport is the JSON output of "dp epsilon".
type dpEpsilonReport struct {
	Epsilon     float64 `json:"epsilon"`
	Delta       float64 `json:"delta"`
	Order       float64 `json:"order"`
	OrderAtEdge bool    `json:"order_at_edge"`
	Sigma       float64 `json:"sigma"`
	Q           float64 `json:"q"`
	Steps       int     `json:"steps"`
}

func newDPEpsilonCmd() *cobra.Command {
	var m dp.Mechanism
	var delta float64
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "epsilon",
		Short: "Compute the (epsilon, delta) guarantee of the sampled Gaussian mechanism",
		Long: `Computes the privacy loss epsilon of the sampled Gaussian mechanism (noise multiplier
--sigma, sampling rate --q, composed over --steps steps) at the given --delta, with the Rényi-DP
accountant over Opacus' default orders and the conversion of Balle et al. 2020, and prints it with
the Rényi order that gave it. For DP-FedAvg, a step is a round and q the fraction of clients sampled
per round.`,
		Example: "  x0tta6bl4 dp epsilon --sigma 1.5 --q 0.04 --steps 2250 --delta 1e-5",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g, err := dp.ComputeEpsilon(m, delta, nil)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				b, err := json.Marshal(dpEpsilonReport{
					Epsilon: g.Epsilon, Delta: g.Delta, Order: g.Order, OrderAtEdge: g.OrderAtEdge,
					Sigma: m.NoiseMultiplier, Q: m.SamplingRate, Steps: m.Steps,
				})
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(w, "%s\n", b)
				return err
			}
			if _, err := fmt.Fprintf(w, "epsilon: %.10g\ndelta: %g\nbest order: %g\n", g.Epsilon, g.Delta, g.Order); err != nil {
				return err
			}
			if g.OrderAtEdge {
				_, err = fmt.Fprintln(w, "note: the best order is at the end of the range searched; epsilon may be loose")
			}
			return err
		},
	}
	f := cmd.Flags()
	f.Float64Var(&m.NoiseMultiplier, "sigma", 0, "noise multiplier: noise standard deviation / L2 sensitivity (required)")
	f.Float64Var(&m.SamplingRate, "q", 0, "sampling rate in (0, 1] (required)")
	f.IntVar(&m.Steps, "steps", 0, "number of steps (rounds) composed (required)")
	f.Float64Var(&delta, "delta", 0, "target delta in (0, 1) (required)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object instead of text")
	for _, name := range []string{"sigma", "q", "steps", "delta"} {
		if err := cmd.MarkFlagRequired(name); err != nil {
			panic(err) // a flag defined just above
		}
	}
	return cmd
}
