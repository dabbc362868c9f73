package secagg

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkRound runs complete rounds (every message encoded and decoded)
// and reports, per round:
//
//	client-ms   mean CPU time of one client over all its steps
//	server-ms   server time over all its steps, including unmasking
//	B/client    mean bytes a client sends
//	maxB/client bytes sent by the busiest client (the lowest ID, which
//	            encapsulates to every neighbour)
//	x-f32       B/client divided by 4*d, the size of a plain float32 vector
//
// Run with, for example:
//
//	go test ./internal/fl/secagg -run '^$' -bench Round -benchtime 1x
func BenchmarkRound(b *testing.B) {
	for _, bc := range []struct{ n, d, k int }{
		{10, 10000, 0},
		{100, 10000, 0},
		{100, 10000, 16},
		{10, 100000, 0},
		{100, 100000, 0},
	} {
		name := fmt.Sprintf("n=%d/d=%d/k=%d", bc.n, bc.d, bc.k)
		b.Run(name, func(b *testing.B) {
			p := testParams(bc.n, bc.d, bc.k)
			var client, server time.Duration
			var sent, maxSent int
			for i := 0; b.Loop(); i++ {
				c, s, tot, mx := benchRound(b, p, bc.n, uint64(i))
				client += c
				server += s
				sent += tot
				maxSent = max(maxSent, mx)
			}
			rounds := float64(b.N)
			perClient := float64(sent) / rounds / float64(bc.n)
			b.ReportMetric(client.Seconds()*1e3/rounds/float64(bc.n), "client-ms")
			b.ReportMetric(server.Seconds()*1e3/rounds, "server-ms")
			b.ReportMetric(perClient, "B/client")
			b.ReportMetric(float64(maxSent), "maxB/client")
			b.ReportMetric(perClient/float64(4*bc.d), "x-f32")
		})
	}
}

// benchRound runs one honest round and returns the total client time,
// the server time, the total bytes sent by clients and the most any one
// client sent.
func benchRound(b *testing.B, p Params, n int, seed uint64) (client, server time.Duration, total, most int) {
	r := newRound(b, p, n, nil, seed)
	var t0 time.Time
	cl := func() { t0 = time.Now() }
	cd := func() { client += time.Since(t0) }
	sv := func() { t0 = time.Now() }
	sd := func() { server += time.Since(t0) }
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, id := range r.ids {
		cl()
		m, err := r.clients[id].Advertise()
		must(err)
		m, size := wire(b, m)
		cd()
		r.sent[id] += size
		sv()
		must(r.server.HandleAdvertise(m))
		sd()
	}
	sv()
	roster, err := r.server.Roster(testRand(seed))
	must(err)
	sd()
	roster, _ = wire(b, roster)
	for _, id := range r.ids {
		cl()
		m, err := r.clients[id].HandleRoster(roster)
		must(err)
		m, size := wire(b, m)
		cd()
		r.sent[id] += size
		sv()
		must(r.server.HandleKeyCiphertexts(m))
		sd()
	}
	sv()
	kd, err := r.server.KeyDeliveries()
	must(err)
	sd()
	for _, d := range kd {
		cl()
		m, err := r.clients[d.To].HandleKeyDelivery(d)
		must(err)
		m, size := wire(b, m)
		cd()
		r.sent[d.To] += size
		sv()
		must(r.server.HandleShareKeys(m))
		sd()
	}
	sv()
	sdl, err := r.server.ShareDeliveries()
	must(err)
	sd()
	for _, d := range sdl {
		cl()
		m, err := r.clients[d.To].HandleShareDelivery(d, r.inputs[d.To])
		must(err)
		m, size := wire(b, m)
		cd()
		r.sent[d.To] += size
		sv()
		must(r.server.HandleMaskedInput(m))
		sd()
	}
	sv()
	reqs, err := r.server.UnmaskRequests()
	must(err)
	sd()
	for _, q := range reqs {
		cl()
		m, err := r.clients[q.To].HandleUnmaskRequest(q)
		must(err)
		m, size := wire(b, m)
		cd()
		r.sent[q.To] += size
		sv()
		must(r.server.HandleUnmaskResponse(m))
		sd()
	}
	sv()
	_, err = r.server.Finish()
	must(err)
	sd()
	for _, s := range r.sent {
		total += s
		most = max(most, s)
	}
	return client, server, total, most
}

// BenchmarkMask measures the PRG: adding one mask to a d = 10^4 vector.
func BenchmarkMask(b *testing.B) {
	v := make([]uint32, 10000)
	var key [SecretSize]byte
	b.SetBytes(int64(4 * len(v)))
	for b.Loop() {
		addMask(v, &key, false)
	}
}

// BenchmarkReconstruct measures Lagrange interpolation of one secret from
// t = 67 shares (n = 100), without and with cached coefficients.
func BenchmarkReconstruct(b *testing.B) {
	const t = 67
	r := testRand(1)
	secret, _ := randomElt(r)
	f, _ := newPolynomial(r, secret, t)
	pts := make([]point, t)
	for i := range pts {
		pts[i] = point{x: ClientID(i + 1), y: f.eval(ClientID(i + 1))}
	}
	b.Run("uncached", func(b *testing.B) {
		for b.Loop() {
			if s, _ := newReconstructor(t).secret(1, SelfMaskShare, pts); s != secret {
				b.Fatal("wrong secret")
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		rec := newReconstructor(t)
		for b.Loop() {
			if s, _ := rec.secret(1, SelfMaskShare, pts); s != secret {
				b.Fatal("wrong secret")
			}
		}
	})
}
