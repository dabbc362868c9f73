//go:build unix

package handshake

import (
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/rand"
	"errors"
	"syscall"
	"testing"
	"time"
)

// Benchmarks for the regression gate (make bench-check, .ci/bench-thresholds): handshakes as
// MeasureCost runs them, with the bytes and datagrams that actually cross the wire, and the
// primitive operations of one handshake as one operation, so that the gate can bound the
// protocol's overhead as a ratio of two benchmarks of the same run.
//
// Both report cpu-ns/op, the process CPU time (user + system, getrusage) per operation: on a
// machine shared with other work, wall time per operation swings by a factor of two or more
// from run to run as the scheduler hands the cores around; CPU time does not, so the gate's
// ratio uses it.

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

// gateStep advances virtual time between handshakes by more than the responder's load
// threshold allows per Initiation, as MeasureCost does, so that the measured path is the normal
// one and not the cookie path.
const gateStep = 2 * time.Second / MaxInitiationsPerSecond

// wireRun runs one handshake from a to b like costNode.run and returns the bytes and the number
// of datagrams sent, both directions.
func wireRun(now time.Time, a, b *costNode) (bytes, datagrams int, err error) {
	queue, err := a.m.Initiate(now, b.addr, b.cert)
	if err != nil {
		return 0, 0, err
	}
	done := 0
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		bytes += len(d.Data)
		datagrams++
		to, from := b, a
		if d.To == a.addr {
			to, from = a, b
		}
		res, err := to.m.Receive(now, from.addr, d.Data)
		if err != nil {
			return bytes, datagrams, err
		}
		if res.Established != nil {
			done++
		}
		queue = append(queue, res.Send...)
	}
	if done != 2 {
		return bytes, datagrams, errors.New("handshake did not complete on both sides")
	}
	return bytes, datagrams, nil
}

// BenchmarkGateHandshake times complete handshakes, both sides, in memory, with the initiator's
// certificate named by hash (cached) and sent in full (full-cert), between nodes that already
// hold each other's certificates, and reports the bytes (wire-B/handshake) and datagrams
// (datagrams/handshake) they put on the wire, and cpu-ns/op. Unlike BenchmarkHandshake, virtual time advances
// by gateStep, so any -benchtime stays below the responder's load threshold.
func BenchmarkGateHandshake(b *testing.B) {
	for _, full := range []bool{false, true} {
		name := map[bool]string{false: "cached", true: "full-cert"}[full]
		b.Run(name, func(b *testing.B) {
			x, y, err := newCostNodes(rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			// One handshake before timing: the first one fetches the responder's certificate
			// (first contact), which is not what either case measures.
			now := time.Unix(1<<30, 0)
			if _, _, err := wireRun(now, x, y); err != nil {
				b.Fatal(err)
			}
			var bytes, datagrams int
			b.ReportAllocs()
			start := gateCPU(b)
			for b.Loop() {
				now = now.Add(gateStep)
				if full {
					x.m.accepted.remove(y.cert.Hash)
				}
				n, d, err := wireRun(now, x, y)
				if err != nil {
					b.Fatal(err)
				}
				bytes += n
				datagrams += d
			}
			b.ReportMetric(float64((gateCPU(b)-start).Nanoseconds())/float64(b.N), gateCPUMetric)
			b.ReportMetric(float64(bytes)/float64(b.N), "wire-B/handshake")
			b.ReportMetric(float64(datagrams)/float64(b.N), "datagrams/handshake")
		})
	}
}

// BenchmarkGatePrimitives performs, as one operation, the primitive operations of one handshake
// with a cached certificate, both sides, with the counts measurePrimitives uses: 2 X25519 key
// generations, 8 X25519 shared secrets, 1 ML-KEM-768 key generation, 1 encapsulation-key parse,
// 3 encapsulations, 3 decapsulations, 10 HKDF, 6 ChaCha20-Poly1305 seals, 14 short and 8 long
// SHA-256 transcript hashes and 4 BLAKE2s MACs; it reports cpu-ns/op.
func BenchmarkGatePrimitives(b *testing.B) {
	var seed [KeySize]byte
	if _, err := rand.Read(seed[:]); err != nil {
		b.Fatal(err)
	}
	x, err := ecdh.X25519().NewPrivateKey(seed[:])
	if err != nil {
		b.Fatal(err)
	}
	peer := x.PublicKey()
	dk, err := mlkem.GenerateKey768()
	if err != nil {
		b.Fatal(err)
	}
	ek := dk.EncapsulationKey()
	ekBytes := ek.Bytes()
	_, ct := ek.Encapsulate()
	ikm := make([]byte, 2*KeySize)
	big := make([]byte, ekSize)
	msg := make([]byte, InitiationCachedSize)
	var k [KeySize]byte
	var sink byte
	prims := []struct {
		count int
		f     func() error
	}{
		{2, func() error {
			p, err := ecdh.X25519().NewPrivateKey(seed[:])
			if err == nil {
				sink ^= p.PublicKey().Bytes()[0]
			}
			return err
		}},
		{8, func() error {
			s, err := x.ECDH(peer)
			if err == nil {
				sink ^= s[0]
			}
			return err
		}},
		{1, func() error {
			p, err := mlkem.GenerateKey768()
			if err == nil {
				sink ^= byte(len(p.Bytes()))
			}
			return err
		}},
		{1, func() error {
			p, err := mlkem.NewEncapsulationKey768(ekBytes)
			if err == nil {
				sink ^= byte(len(p.Bytes()))
			}
			return err
		}},
		{3, func() error { s, _ := ek.Encapsulate(); sink ^= s[0]; return nil }},
		{3, func() error {
			s, err := dk.Decapsulate(ct)
			if err == nil {
				sink ^= s[0]
			}
			return err
		}},
		{10, func() error { var s symmetric; o := s.mixKey(ikm); sink ^= o[0]; return nil }},
		{6, func() error { var s symmetric; sink ^= s.seal(nil, &k, seed[:])[0]; return nil }},
		{14, func() error { var s symmetric; s.mixHash(seed[:]); sink ^= s.h[0]; return nil }},
		{8, func() error { var s symmetric; s.mixHash(big); sink ^= s.h[0]; return nil }},
		{4, func() error { m := mac(seed[:], msg); sink ^= m[0]; return nil }},
	}
	b.ReportAllocs()
	start := gateCPU(b)
	for b.Loop() {
		for _, p := range prims {
			for range p.count {
				if err := p.f(); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.ReportMetric(float64((gateCPU(b)-start).Nanoseconds())/float64(b.N), gateCPUMetric)
	_ = sink
}
