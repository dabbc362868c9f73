package validate

import (
	"fmt"
	"strings"

	"github.com/x0tta6bl4/x0tta6bl4/internal/censor"
)

// String formats the report as the tables of docs/censorship.md.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d handshakes per mode, each from a new socket (a new flow); every other one fetches the certificate first.\n\n", r.Samples)
	b.WriteString("GFW rule (Wu et al. 2023) on the first datagram of each flow\n")
	fmt.Fprintf(&b, "%-14s %9s %8s  %s\n", "mode", "flagged", "share", "exempt by")
	for _, m := range r.Modes {
		var ex []string
		for e, n := range m.Exempt {
			if n > 0 {
				ex = append(ex, fmt.Sprintf("%v: %d", censor.Exemption(e), n))
			}
		}
		fmt.Fprintf(&b, "%-14s %9d %7.2f%%  %s\n", m.Mode, m.Flagged, 100*float64(m.Flagged)/float64(max(m.Flows, 1)), strings.Join(ex, ", "))
	}
	b.WriteString("\nBytes of the first datagrams (chi-square: 255 degrees of freedom; entropy in bits per byte)\n")
	fmt.Fprintf(&b, "%-14s %12s %9s %12s %9s %15s %9s %9s  %s\n", "mode", "chi2", "p", "chi2 tail", "p tail", "min H 6.. (off)", "uniform", "H 0..5", "fixed bytes")
	for _, m := range r.Modes {
		f := m.First
		fixed := "none"
		if len(f.Fixed) > 0 {
			var parts []string
			for i, x := range f.Fixed {
				if i == 6 {
					parts = append(parts, fmt.Sprintf("… %d offsets", len(f.Fixed)))
					break
				}
				parts = append(parts, fmt.Sprintf("%d=%#02x (%.0f%%)", x.Offset, x.Value, 100*x.Fraction))
			}
			fixed = strings.Join(parts, " ")
		}
		fmt.Fprintf(&b, "%-14s %12.1f %9.3g %12.1f %9.3g %10.3f (%d) %9.3f %9.3f  %s\n", m.Mode, f.ChiSquare, f.ChiSquareP,
			f.TailChiSquare, f.TailChiSquareP, f.MinEntropy, f.MinEntropyOffset, f.UniformEntropy, f.PrefixEntropy, fixed)
	}
	b.WriteString("\nDatagram lengths (first datagrams of flows | every datagram of both sides)\n")
	fmt.Fprintf(&b, "%-14s %8s %11s %6s  %8s %8s %11s %6s  %s\n", "mode", "distinct", "range", "H", "count", "distinct", "range", "H", "most frequent (all)")
	for _, m := range r.Modes {
		fl, al := m.FirstLengths, m.AllLengths
		var top []string
		for _, t := range al.Top {
			top = append(top, fmt.Sprintf("%d×%d", t.Len, t.Count))
		}
		fmt.Fprintf(&b, "%-14s %8d %5d..%-5d %6.2f  %8d %8d %5d..%-5d %6.2f  %s\n", m.Mode, fl.Distinct, fl.Min, fl.Max, fl.Entropy,
			al.Count, al.Distinct, al.Min, al.Max, al.Entropy, strings.Join(top, " "))
	}
	b.WriteString("\nCost on the wire\n")
	fmt.Fprintf(&b, "%-14s %10s %12s %14s %10s\n", "mode", "datagrams", "bytes", "bytes/flow", "elapsed")
	for _, m := range r.Modes {
		fmt.Fprintf(&b, "%-14s %10d %12d %14.1f %10v\n", m.Mode, m.Datagrams, m.WireBytes, float64(m.WireBytes)/float64(max(m.Flows, 1)), m.Elapsed.Round(1e6))
	}
	return b.String()
}
