package mesh

import (
	"testing"
	"time"
)

// gatePayload is the datagram size of BenchmarkGateDatagramWire, the same as
// BenchmarkDatagram3Hops.
const gatePayload = 1200

// BenchmarkGateDatagramWire sends a 1,200-byte datagram over three hops on an established
// end-to-end session, as BenchmarkDatagram3Hops does, and counts every byte the cores hand to
// their links meanwhile: net-B/datagram is the total over the three hops and
// overhead-B/hop the bytes one hop carries beyond the payload (mesh header and end-to-end
// session framing; the hop-by-hop session the runtime adds on each link is not included). It is
// the regression gate's per-packet overhead (make bench-check, .ci/bench-thresholds).
func BenchmarkGateDatagramWire(b *testing.B) {
	const hops = 3
	tn := newTestNet(b, hops+1, nil).line()
	tn.converge()
	src, dst := tn.nodes[0], tn.nodes[hops]
	if err := src.core.Send(tn.now, dst.id, []byte("warm up")); err != nil {
		b.Fatal(err)
	}
	if !tn.runUntil(time.Second, func() bool { return len(dst.delivered) == 1 }) {
		b.Fatal("no session")
	}
	var bytes, payloads int
	tn.intercept = func(_, _ int, p []byte) []byte {
		bytes += len(p)
		payloads++
		return p
	}
	data := make([]byte, gatePayload)
	b.ReportAllocs()
	b.SetBytes(gatePayload)
	for b.Loop() {
		dst.delivered = dst.delivered[:0]
		if err := src.core.Send(tn.now, dst.id, data); err != nil {
			b.Fatal(err)
		}
		tn.pump()
		if len(dst.delivered) != 1 || len(dst.delivered[0].Data) != gatePayload {
			b.Fatal("not delivered")
		}
	}
	if payloads != hops*b.N {
		b.Fatalf("%d link payloads for %d datagrams over %d hops", payloads, b.N, hops)
	}
	perDatagram := float64(bytes) / float64(b.N)
	b.ReportMetric(perDatagram, "net-B/datagram")
	b.ReportMetric(perDatagram/hops-gatePayload, "overhead-B/hop")
}
