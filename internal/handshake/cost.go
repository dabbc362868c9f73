package handshake

import (
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

// CostReport compares the cost of a handshake with the sum of the primitive operations it
// performs, and lists the handshake's bytes on the wire.
type CostReport struct {
	// N is the number of operations each figure is averaged over.
	N int
	// Handshake is the time of one complete handshake, both sides, with the initiator's
	// certificate named by hash (the steady state).
	Handshake time.Duration
	// HandshakeFullCert is the same with the initiator's full certificate in the Initiation
	// (first contact), fragmented and reassembled.
	HandshakeFullCert time.Duration
	// Primitives are the primitive operations of one handshake, both sides.
	Primitives []PrimitiveCost
	// PrimitiveSum is the sum over Primitives of PerOp × PerHandshake.
	PrimitiveSum time.Duration
	// Ratio is Handshake / PrimitiveSum: the overhead of the protocol around its primitives.
	Ratio float64
	// Wire lists the handshake messages for a certificate of CertSize bytes.
	Wire []MessageSize
	// CertSize is the certificate size used for Wire and HandshakeFullCert.
	CertSize int
}

// PrimitiveCost is the measured cost of one primitive operation.
type PrimitiveCost struct {
	// Name describes the operation.
	Name string
	// PerOp is the time of one operation.
	PerOp time.Duration
	// PerHandshake is how often one handshake (both sides) performs it.
	PerHandshake int
}

// MessageSize is the size of one handshake message.
type MessageSize struct {
	// Name is the message.
	Name string
	// Bytes is the size of the message; Datagrams and WireBytes are the number and total size
	// of the datagrams it is sent as (Fragments when it exceeds MaxDatagramSize).
	Bytes, Datagrams, WireBytes int
}

// WireSizes returns the sizes of the handshake messages for a certificate of certSize bytes
// and the default MaxDatagramSize.
func WireSizes(certSize int) []MessageSize {
	size := func(name string, n int) MessageSize {
		if n <= MaxDatagramSize {
			return MessageSize{name, n, 1, n}
		}
		chunk := MaxDatagramSize - FragmentHeaderSize
		d := (n + chunk - 1) / chunk
		return MessageSize{name, n, d, n + d*FragmentHeaderSize}
	}
	return []MessageSize{
		size("Initiation, full certificate", InitiationOverhead+certSize),
		size("Initiation, certificate hash", InitiationCachedSize),
		size("Response", ResponseSize),
		size("CookieReply", CookieReplySize),
		size("CertRequest", CertRequestSize),
		size("Retry", RetrySize),
		size("CertReply", CertReplyOverhead+certSize),
	}
}

// costVerifier accepts a fixed set of certificates, so that MeasureCost times the protocol and
// not certificate signatures (which the identity package caches).
type costVerifier map[[HashSize]byte]*PeerCert

func (v costVerifier) VerifyCert(raw []byte, _ time.Time) (*PeerCert, error) {
	if p := v[sha256.Sum256(raw)]; p != nil {
		return p, nil
	}
	return nil, errors.New("handshake: unknown certificate")
}

// costNode is one side of MeasureCost's handshakes.
type costNode struct {
	m    *Machine
	cert *PeerCert
	addr netip.AddrPort
}

func newCostNodes(rand io.Reader) (a, b *costNode, err error) {
	v := costVerifier{}
	nodes := make([]*costNode, 2)
	for i := range nodes {
		key, err := pqc.GenerateKEMKey(rand)
		if err != nil {
			return nil, nil, err
		}
		raw := make([]byte, typicalCertSize)
		copy(raw, key.Public().Bytes())
		raw[len(raw)-1] = byte(i)
		cert := &PeerCert{Hash: sha256.Sum256(raw), Static: key.Public(), Raw: raw}
		cert.NodeID[0] = byte(i)
		v[cert.Hash] = cert
		m, err := New(Config{Static: key, Cert: raw, CertHash: cert.Hash, Verifier: v, Rand: rand})
		if err != nil {
			return nil, nil, err
		}
		nodes[i] = &costNode{m: m, cert: cert, addr: netip.AddrPortFrom(netip.IPv6Loopback(), uint16(1000+i))}
	}
	return nodes[0], nodes[1], nil
}

// run runs one handshake from a to b and checks that both sides completed it.
func (a *costNode) run(now time.Time, b *costNode) error {
	queue, err := a.m.Initiate(now, b.addr, b.cert)
	if err != nil {
		return err
	}
	var done int
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		to, from := b, a
		if d.To == a.addr {
			to, from = a, b
		}
		res, err := to.m.Receive(now, from.addr, d.Data)
		if err != nil {
			return err
		}
		if res.Established != nil {
			done++
		}
		queue = append(queue, res.Send...)
	}
	if done != 2 {
		return errors.New("handshake: handshake did not complete")
	}
	return nil
}

// MeasureCost times n handshakes between two in-memory Machines and n of each primitive
// operation a handshake performs, and reports the ratio. Each figure is the fastest of three
// rounds, which filters out interference from other work on the machine. It reads the wall clock
// and draws keys from rand; it is meant for benchmarks, as used by `x0tta6bl4 bench handshake`.
func MeasureCost(rand io.Reader, n int) (CostReport, error) {
	if n < 1 {
		return CostReport{}, fmt.Errorf("%w: n must be positive", ErrConfig)
	}
	r := CostReport{N: n, CertSize: typicalCertSize, Wire: WireSizes(typicalCertSize)}
	a, b, err := newCostNodes(rand)
	if err != nil {
		return r, err
	}
	now := time.Unix(1<<30, 0)
	var runErr error
	handshake := func(cached bool) func() {
		return func() {
			// Virtual time advances by more than the responder's load threshold allows per
			// initiation, so the measured path is the normal one, not the cookie path.
			now = now.Add(2 * time.Second / MaxInitiationsPerSecond)
			if !cached {
				a.m.accepted.remove(b.cert.Hash)
			}
			if err := a.run(now, b); err != nil && runErr == nil {
				runErr = err
			}
		}
	}
	r.HandshakeFullCert = fastest(n, handshake(false))
	r.Handshake = fastest(n, handshake(true))
	if runErr != nil {
		return r, runErr
	}
	r.Primitives, err = measurePrimitives(rand, n)
	if err != nil {
		return r, err
	}
	for _, p := range r.Primitives {
		r.PrimitiveSum += p.PerOp * time.Duration(p.PerHandshake)
	}
	r.Ratio = float64(r.Handshake) / float64(r.PrimitiveSum)
	return r, nil
}

// fastest returns the per-call time of f over n calls, the fastest of three rounds.
func fastest(n int, f func()) time.Duration {
	var best time.Duration
	for round := 0; round < 3; round++ {
		start := time.Now()
		for range n {
			f()
		}
		if d := time.Since(start) / time.Duration(n); round == 0 || d < best {
			best = d
		}
	}
	return best
}

// measurePrimitives times the primitive operations of one handshake, with the counts of one
// handshake (both sides) with a cached certificate.
func measurePrimitives(rand io.Reader, n int) ([]PrimitiveCost, error) {
	var seed [KeySize]byte
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return nil, err
	}
	x, err := ecdh.X25519().NewPrivateKey(seed[:])
	if err != nil {
		return nil, err
	}
	peer := x.PublicKey()
	dk, err := mlkem.GenerateKey768()
	if err != nil {
		return nil, err
	}
	ek := dk.EncapsulationKey()
	ekBytes := ek.Bytes()
	_, ct := ek.Encapsulate()
	ikm := make([]byte, 2*KeySize)
	big := make([]byte, ekSize)
	msg := make([]byte, InitiationCachedSize)
	var sink byte
	prims := []struct {
		name  string
		count int
		f     func()
	}{
		// e and eR: ecdh.NewPrivateKey computes the public key too.
		{"X25519 key generation", 2, func() {
			k, _ := ecdh.X25519().NewPrivateKey(seed[:])
			sink ^= k.PublicKey().Bytes()[0]
		}},
		// dh1 to dh4, once on each side.
		{"X25519 shared secret", 8, func() { s, _ := x.ECDH(peer); sink ^= s[0] }},
		{"ML-KEM-768 key generation", 1, func() { k, _ := mlkem.GenerateKey768(); sink ^= byte(len(k.Bytes())) }},
		{"ML-KEM-768 encapsulation key parsing", 1, func() { k, _ := mlkem.NewEncapsulationKey768(ekBytes); sink ^= byte(len(k.Bytes())) }},
		// ss1 by the initiator, ss2 and ss3 by the responder.
		{"ML-KEM-768 encapsulation", 3, func() { s, _ := ek.Encapsulate(); sink ^= s[0] }},
		{"ML-KEM-768 decapsulation", 3, func() { s, _ := dk.Decapsulate(ct); sink ^= s[0] }},
		// Four MixKeys and the transport keys on each side.
		{"HKDF-SHA256, 64-byte output", 10, func() { var s symmetric; k := s.mixKey(ikm); sink ^= k[0] }},
		// encCert, encTS and encEmpty, sealed on one side and opened on the other.
		{"ChaCha20-Poly1305 of a short message", 6, func() {
			var s symmetric
			var k [KeySize]byte
			sink ^= s.seal(nil, &k, seed[:])[0]
		}},
		// Nine MixHashes on each side (three over 1 to 1.2 KB) and the initial state.
		{"SHA-256 transcript hash, 32 bytes", 14, func() { var s symmetric; s.mixHash(seed[:]); sink ^= s.h[0] }},
		{"SHA-256 transcript hash, 1.1 KB", 8, func() { var s symmetric; s.mixHash(big); sink ^= s.h[0] }},
		// mac1 of the Initiation and the Response, made and checked.
		{"BLAKE2s-128 mac of a 2.4 KB message", 4, func() { m := mac(seed[:], msg); sink ^= m[0] }},
	}
	out := make([]PrimitiveCost, len(prims))
	for i, p := range prims {
		out[i] = PrimitiveCost{Name: p.name, PerOp: fastest(n, p.f), PerHandshake: p.count}
	}
	_ = sink
	return out, nil
}

// String formats the report as a table.
func (r CostReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "handshake (both sides, cached certificate): %v\n", r.Handshake)
	fmt.Fprintf(&b, "handshake (both sides, full %d-byte certificate): %v\n", r.CertSize, r.HandshakeFullCert)
	fmt.Fprintf(&b, "primitives of one handshake:\n")
	for _, p := range r.Primitives {
		fmt.Fprintf(&b, "  %-40s %3d x %10v = %10v\n", p.Name, p.PerHandshake, p.PerOp, p.PerOp*time.Duration(p.PerHandshake))
	}
	fmt.Fprintf(&b, "  %-40s                  %10v\n", "sum", r.PrimitiveSum)
	fmt.Fprintf(&b, "ratio handshake / primitives: %.2f\n", r.Ratio)
	fmt.Fprintf(&b, "bytes on the wire (certificate %d bytes, datagrams of at most %d bytes):\n", r.CertSize, MaxDatagramSize)
	for _, w := range r.Wire {
		fmt.Fprintf(&b, "  %-30s %6d bytes, %2d datagram(s), %6d bytes with fragment headers\n", w.Name, w.Bytes, w.Datagrams, w.WireBytes)
	}
	return b.String()
}
