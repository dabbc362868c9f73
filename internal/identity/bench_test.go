package identity

import (
	"crypto/rand"
	"testing"
)

// Run with:
//
//	go test -run '^$' -bench . -benchmem ./internal/identity/

// BenchmarkVerifyUncached measures a first handshake with a peer: parse
// plus both CA signature checks.
func BenchmarkVerifyUncached(b *testing.B) {
	ca := newTestCA(b, "ca")
	raw := issue(b, ca, newTestIdentity(b), "alpha").Raw()
	for b.Loop() {
		v, err := NewVerifier(ca.Cert)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Verify(raw, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyCached measures a repeated handshake: parse, cache hit,
// window and revocation checks.
func BenchmarkVerifyCached(b *testing.B) {
	ca := newTestCA(b, "ca")
	raw := issue(b, ca, newTestIdentity(b), "alpha").Raw()
	v, err := NewVerifier(ca.Cert)
	if err != nil {
		b.Fatal(err)
	}
	l, err := ca.Revoke(rand.Reader, nil, t0, serial(1), serial(2))
	if err != nil {
		b.Fatal(err)
	}
	if err := v.SetRevocationList(l); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := v.Verify(raw, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewVerifier measures NewVerifier alone (parse and CA
// self-signature check), to be subtracted from BenchmarkVerifyUncached.
func BenchmarkNewVerifier(b *testing.B) {
	ca := newTestCA(b, "ca")
	for b.Loop() {
		if _, err := NewVerifier(ca.Cert); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseCertificate(b *testing.B) {
	raw := issue(b, newTestCA(b, "ca"), newTestIdentity(b), "alpha").Raw()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := ParseCertificate(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignCertificate(b *testing.B) {
	ca := newTestCA(b, "ca")
	pub := newTestIdentity(b).PublicIdentity()
	for b.Loop() {
		if _, err := ca.Sign(rand.Reader, pub, "alpha", nil, t0, t0.Add(3600e9)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIsRevokedFull(b *testing.B) {
	serials := make([][SerialSize]byte, MaxRevoked)
	for i := range serials {
		serials[i] = serial(byte(i>>8), byte(i))
	}
	l, err := newTestCA(b, "ca").SignRevocationList(rand.Reader, serials, 1, t0)
	if err != nil {
		b.Fatal(err)
	}
	probe := serial(0xab, 0xcd, 1)
	for b.Loop() {
		l.IsRevoked(probe)
	}
}
