package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/timing"
)

// timingReport is one check of `bench timing`.
type timingReport struct {
	Check   string  `json:"check"`
	N       [2]int  `json:"measurements"`
	T       float64 `json:"t"`
	MaxT    float64 `json:"max_t"`
	Verdict string  `json:"verdict"`
}

func newBenchTimingCmd() *cobra.Command {
	var n int
	var seed uint64
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "timing",
		Short: "dudect-style constant-time checks: ML-KEM-768 decapsulation and frame authentication failure",
		Long: "Runs each check over two input classes (fixed and random), interleaved at random, and reports " +
			"Welch's t statistic. |t| > 10 means a timing leak is likely, 4.5 to 10 is inconclusive. A result " +
			"without a leak is absence of evidence on this machine, not proof; run it on a quiet machine.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
			checks := []struct {
				name string
				n    int
				run  func(int, *rand.Rand) (timing.Result, error)
			}{
				{"mlkem768-decapsulation", n / 10, timing.DecapsulationCheck},
				{"session-frame-auth-failure", n, timing.FrameAuthCheck},
			}
			var out []timingReport
			for _, c := range checks {
				r, err := c.run(c.n, rng)
				if err != nil {
					return fmt.Errorf("%s: %w", c.name, err)
				}
				out = append(out, timingReport{Check: c.name, N: r.N, T: r.T, MaxT: r.MaxT, Verdict: r.Outcome().String()})
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(out)
			}
			for _, r := range out {
				fmt.Fprintf(cmd.OutOrStdout(), "%-28s n=%d+%d  t=%7.2f  max t=%6.2f  %s\n", r.Check, r.N[0], r.N[1], r.T, r.MaxT, r.Verdict)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&n, "n", 200_000, "measurements for the frame check (the decapsulation check uses n/10)")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the class schedule")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
