//go:build unix

package identity

import (
	"syscall"
	"testing"
	"time"
)

// Benchmarks for the regression gate (make bench-check, .ci/bench-thresholds). They report
// cpu-ns/op, the process CPU time (user + system, getrusage) per operation: on a machine shared
// with other work, wall time per operation swings by a factor of two or more from run to run as
// the scheduler hands the cores around; CPU time does not, so the gate's ratio uses it.

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

// gateCert returns a CA and a node certificate named "alpha" in one group "demo", the
// certificate the handshake's wire figures assume.
func gateCert(b *testing.B) (*CA, []byte) {
	ca := newTestCA(b, "ca")
	return ca, issue(b, ca, newTestIdentity(b), "alpha", "demo").Raw()
}

// BenchmarkGateCertificate parses the gate's certificate and reports its size, cert-B: every
// byte of it crosses the wire in a first-contact handshake.
func BenchmarkGateCertificate(b *testing.B) {
	_, raw := gateCert(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	start := gateCPU(b)
	for b.Loop() {
		c, err := ParseCertificate(raw)
		if err != nil {
			b.Fatal(err)
		}
		if c.Name != "alpha" {
			b.Fatalf("parsed name %q", c.Name)
		}
	}
	b.ReportMetric(float64((gateCPU(b)-start).Nanoseconds())/float64(b.N), gateCPUMetric)
	b.ReportMetric(float64(len(raw)), "cert-B")
}

// BenchmarkGateVerify verifies the same certificate with a Verifier that has seen it (cached:
// parse and cache hit) and with a new Verifier each time (uncached: the CA's self-signature and
// the certificate's signatures checked), as BenchmarkVerifyCached (without its revocation list)
// and BenchmarkVerifyUncached do.
func BenchmarkGateVerify(b *testing.B) {
	for _, cached := range []bool{true, false} {
		name := map[bool]string{true: "cached", false: "uncached"}[cached]
		b.Run(name, func(b *testing.B) {
			ca, raw := gateCert(b)
			v, err := NewVerifier(ca.Cert)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := v.Verify(raw, t0); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			start := gateCPU(b)
			for b.Loop() {
				if !cached {
					if v, err = NewVerifier(ca.Cert); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := v.Verify(raw, t0); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((gateCPU(b)-start).Nanoseconds())/float64(b.N), gateCPUMetric)
		})
	}
}
