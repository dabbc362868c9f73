package route

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkConvergence100 measures the routing work for a 100-node random graph (a random
// spanning tree plus 100 extra links) to converge from cold start to least-cost routes
// everywhere: messages and bytes sent (counted once per receiving neighbour) and the virtual
// time it took (to 50 ms), and the virtual time until every node had some route to every
// other. The time spent checking convergence is excluded.
func BenchmarkConvergence100(b *testing.B) {
	b.ReportAllocs()
	var msgs, bytes int
	var took, reach time.Duration
	for i := 0; b.Loop(); i++ {
		s := randomSim(b, 100, 100, fastConfig, uint64(i))
		reached := false
		for {
			b.StopTimer()
			err := s.converged()
			if !reached && s.reachable() {
				reached = true
				reach += s.now.Sub(t0)
			}
			b.StartTimer()
			if err == nil {
				break
			}
			s.runFor(50 * time.Millisecond)
		}
		msgs += s.msgs
		bytes += s.bytes
		took += s.now.Sub(t0)
	}
	b.ReportMetric(reach.Seconds()/float64(b.N), "virtual-s-reach/op")
	b.ReportMetric(float64(msgs)/float64(b.N), "msgs/op")
	b.ReportMetric(float64(bytes)/float64(b.N), "netbytes/op")
	b.ReportMetric(took.Seconds()/float64(b.N), "virtual-s/op")
}

// BenchmarkReceiveUpdate measures Receive for a full message of MaxUpdatesPerMessage updates
// that refresh existing routes, the steady-state case; ns/entry is the cost per update.
func BenchmarkReceiveUpdate(b *testing.B) {
	b.ReportAllocs()
	rt, err := New(self, fastConfig, rand.New(rand.NewPCG(1, 2)), t0)
	if err != nil {
		b.Fatal(err)
	}
	if err := rt.NeighbourUp(t0, nbA, 1); err != nil {
		b.Fatal(err)
	}
	var p packer
	for i := range MaxUpdatesPerMessage {
		p.update(Update{Dst: testID(1000 + i), Seqno: 1, Metric: uint16(10 + i), Interval: 100})
	}
	msg, err := p.msgs[0].Encode()
	if err != nil {
		b.Fatal(err)
	}
	if err = rt.Receive(t0, nbA, msg); err != nil {
		b.Fatal(err)
	}
	rt.Outbox()
	rt.Events()
	b.ResetTimer()
	for b.Loop() {
		if err := rt.Receive(t0, nbA, msg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*MaxUpdatesPerMessage), "ns/entry")
}

// BenchmarkDecode measures Decode of a full update message.
func BenchmarkDecode(b *testing.B) {
	var p packer
	for i := range MaxUpdatesPerMessage {
		p.update(Update{Dst: testID(i), Seqno: 1, Metric: 10, Interval: 100})
	}
	msg, _ := p.msgs[0].Encode()
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}
