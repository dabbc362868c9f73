package identity

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

func newTestVerifier(t testing.TB, ca *CA) *Verifier {
	t.Helper()
	v, err := NewVerifier(ca.Cert)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyAccepts(t *testing.T) {
	ca := newTestCA(t, "ca")
	id := newTestIdentity(t)
	c := issue(t, ca, id, "alpha", "g")
	v := newTestVerifier(t, ca)
	for i := range 2 { // uncached, then cached
		got, err := v.Verify(c.Raw(), t0)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if got.Subject != id.ID() || got.Name != "alpha" || !got.KEM.Equal(id.KEM.Public()) || got.Hash() != c.Hash() {
			t.Fatalf("call %d: returned certificate differs", i)
		}
		if got == c {
			t.Fatal("Verify returned the caller's certificate")
		}
	}
	if v.CA().Hash() != ca.Cert.Hash() || v.RevocationList() != nil {
		t.Fatal("accessors")
	}
}

func TestVerifyRejectsOtherCA(t *testing.T) {
	ca, other := newTestCA(t, "ca"), newTestCA(t, "other")
	v := newTestVerifier(t, ca)
	id := newTestIdentity(t)

	_, err := v.Verify(issue(t, other, id, "alpha").Raw(), t0)
	wantErr(t, err, ErrWrongCA)

	// A certificate naming this CA as issuer but signed by another key.
	forged, err := buildCertificate(&certTemplate{
		kind: KindNode, name: "alpha", notBefore: t0.Add(-time.Hour), notAfter: t0.Add(time.Hour),
		pub: id.PublicIdentity(), issuer: ca.Cert.Subject,
	}, other.Identity.Signing)
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(forged.Raw(), t0)
	wantErr(t, err, ErrWrongCA)
	if v.cached(forged.Hash()) {
		t.Fatal("a failed signature check was cached")
	}

	_, err = v.Verify(ca.Cert.Raw(), t0)
	wantErr(t, err, ErrNotNodeCert)

	_, err = v.Verify([]byte("garbage"), t0)
	wantErr(t, err, ErrMalformed)
}

// TestVerifyRejectsOneForgedHalf checks that a certificate whose signature
// has exactly one bad half is refused, including halves that are genuine
// CA signatures of another certificate.
func TestVerifyRejectsOneForgedHalf(t *testing.T) {
	ca := newTestCA(t, "ca")
	v := newTestVerifier(t, ca)
	id := newTestIdentity(t)
	a := issue(t, ca, id, "alpha")
	b := issue(t, ca, id, "beta")
	const edSize = ed25519.SignatureSize // the Ed25519 half comes first
	tests := []struct {
		name string
		sig  func() []byte
		half string
	}{
		{"Ed25519 half flipped", func() []byte { s := append([]byte(nil), a.Signature...); s[5] ^= 1; return s }, "Ed25519"},
		{"ML-DSA half flipped", func() []byte { s := append([]byte(nil), a.Signature...); s[edSize+5] ^= 1; return s }, "ML-DSA-65"},
		{"Ed25519 half of another certificate", func() []byte { return append(append([]byte(nil), b.Signature[:edSize]...), a.Signature[edSize:]...) }, "Ed25519"},
		{"ML-DSA half of another certificate", func() []byte { return append(append([]byte(nil), a.Signature[:edSize]...), b.Signature[edSize:]...) }, "ML-DSA-65"},
		{"Ed25519 half zero", func() []byte { return append(make([]byte, edSize), a.Signature[edSize:]...) }, "Ed25519"},
		{"ML-DSA half zero", func() []byte {
			return append(append([]byte(nil), a.Signature[:edSize]...), make([]byte, pqc.SignatureSize-edSize)...)
		}, "ML-DSA-65"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := fieldsOf(a)
			f.sig = tc.sig()
			_, err := v.Verify(f.encode(), t0)
			wantErr(t, err, ErrWrongCA)
			wantErr(t, err, pqc.ErrVerify)
			if !strings.Contains(err.Error(), tc.half+" half invalid") {
				t.Errorf("error %q does not blame the %s half", err, tc.half)
			}
		})
	}
	if _, err := v.Verify(a.Raw(), t0); err != nil {
		t.Fatalf("the genuine certificate: %v", err)
	}
}

// TestVerifyRejectsBitFlips flips one bit at a spread of positions: every
// flip must be caught, by the parser or by the signature.
func TestVerifyRejectsBitFlips(t *testing.T) {
	ca := newTestCA(t, "ca")
	v := newTestVerifier(t, ca)
	raw := issue(t, ca, newTestIdentity(t), "alpha", "g").Raw()
	for i := 0; i < len(raw); i += 53 {
		for _, bit := range []byte{0x01, 0x80} {
			bad := append([]byte(nil), raw...)
			bad[i] ^= bit
			if _, err := v.Verify(bad, t0); err == nil {
				t.Fatalf("accepted a certificate with byte %d ^ %#x", i, bit)
			}
		}
	}
}

func TestVerifyValidityWindow(t *testing.T) {
	ca := newTestCA(t, "ca")
	v := newTestVerifier(t, ca)
	c := issue(t, ca, newTestIdentity(t), "alpha")
	tests := []struct {
		name string
		now  time.Time
		want error
	}{
		{"at NotBefore", c.NotBefore, nil},
		{"just before NotAfter", c.NotAfter.Add(-time.Nanosecond), nil},
		{"before NotBefore", c.NotBefore.Add(-time.Second), ErrNotYetValid},
		{"at NotAfter", c.NotAfter, ErrExpired},
		{"long after", c.NotAfter.Add(1000 * time.Hour), ErrExpired},
	}
	for range 2 { // the cached path checks the window too
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := v.Verify(c.Raw(), tc.now)
				if tc.want == nil {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				wantErr(t, err, tc.want)
			})
		}
	}
	_, err := v.Verify(c.Raw(), c.NotAfter)
	want := "certificate expired at " + c.NotAfter.UTC().Format(time.RFC3339)
	if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `"alpha"`) {
		t.Errorf("error %q does not say %q and name the node", err, want)
	}
}

func TestVerifyCAWindow(t *testing.T) {
	now := t0
	ca, err := NewCA(rand.Reader, "ca", time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	v := newTestVerifier(t, ca)
	// The node certificate starts before the CA's does.
	c, err := ca.Sign(rand.Reader, newTestIdentity(t).PublicIdentity(), "alpha", nil, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(c.Raw(), now.Add(-time.Minute))
	wantErr(t, err, ErrNotYetValid)
	if !strings.Contains(err.Error(), "CA certificate") {
		t.Errorf("error %q does not blame the CA certificate", err)
	}
	if _, err := v.Verify(c.Raw(), now); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyRevocation(t *testing.T) {
	ca := newTestCA(t, "ca")
	v := newTestVerifier(t, ca)
	a := issue(t, ca, newTestIdentity(t), "alpha")
	b := issue(t, ca, newTestIdentity(t), "beta")
	for _, c := range []*Certificate{a, b} { // cache both
		if _, err := v.Verify(c.Raw(), t0); err != nil {
			t.Fatal(err)
		}
	}
	l, err := ca.Revoke(rand.Reader, nil, t0, a.Serial)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetRevocationList(l); err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(a.Raw(), t0)
	wantErr(t, err, ErrRevoked)
	if !strings.Contains(err.Error(), "revocation list number 1") {
		t.Errorf("error %q does not name the list", err)
	}
	if _, err := v.Verify(b.Raw(), t0); err != nil {
		t.Fatalf("unrevoked certificate: %v", err)
	}
	// Changing the caller's list afterwards changes nothing.
	l.Serials = nil
	_, err = v.Verify(a.Raw(), t0)
	wantErr(t, err, ErrRevoked)
}

func TestSetRevocationList(t *testing.T) {
	ca, other := newTestCA(t, "ca"), newTestCA(t, "other")
	v := newTestVerifier(t, ca)
	list := func(number uint64) *RevocationList {
		l, err := ca.SignRevocationList(rand.Reader, nil, number, t0)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if err := v.SetRevocationList(list(5)); err != nil {
		t.Fatal(err)
	}
	err := v.SetRevocationList(list(4))
	wantErr(t, err, ErrRollback)
	if !strings.Contains(err.Error(), "number 4 is older than number 5") {
		t.Errorf("error %q", err)
	}
	if err := v.SetRevocationList(list(5)); err != nil {
		t.Fatalf("same number again: %v", err)
	}
	if err := v.SetRevocationList(list(6)); err != nil {
		t.Fatal(err)
	}
	if v.RevocationList().Number != 6 {
		t.Fatal("list not installed")
	}

	foreign, err := other.SignRevocationList(rand.Reader, nil, 100, t0)
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, v.SetRevocationList(foreign), ErrWrongCA)

	// Same issuer, signature by another key.
	forged, err := buildRevocationList(other.Identity.Signing, ca.Cert.Subject, nil, 100, t0)
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, v.SetRevocationList(forged), ErrWrongCA)

	// A signed list whose bytes were changed afterwards.
	raw := list(100).Raw()
	raw[1+NodeIDSize+7] = 99 // number 100 -> 99
	tampered, err := ParseRevocationList(raw)
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, v.SetRevocationList(tampered), ErrWrongCA)

	wantErr(t, v.SetRevocationList(nil), ErrInvalid)
	wantErr(t, v.SetRevocationList(&RevocationList{Issuer: ca.Cert.Subject, Number: 1000}), ErrInvalid)
	if v.RevocationList().Number != 6 {
		t.Fatal("a refused list was installed")
	}
}

func TestNewVerifierRejects(t *testing.T) {
	ca := newTestCA(t, "ca")
	_, err := NewVerifier(nil)
	wantErr(t, err, ErrInvalid)
	_, err = NewVerifier(&Certificate{Kind: KindCA})
	wantErr(t, err, ErrInvalid)
	_, err = NewVerifier(issue(t, ca, newTestIdentity(t), "alpha"))
	wantErr(t, err, ErrNotNodeCert)
	f := fieldsOf(ca.Cert)
	f.sig[len(f.sig)-1] ^= 1
	bad, err := ParseCertificate(f.encode())
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewVerifier(bad)
	wantErr(t, err, ErrWrongCA)

	// The Verifier keeps its own copy of the CA certificate.
	cert := *ca.Cert
	v, err := NewVerifier(&cert)
	if err != nil {
		t.Fatal(err)
	}
	cert.Subject = NodeID{1}
	cert.Signing = newTestIdentity(t).Signing.Public()
	if _, err := v.Verify(issue(t, ca, newTestIdentity(t), "alpha").Raw(), t0); err != nil {
		t.Fatalf("changing the caller's CA certificate changed the Verifier: %v", err)
	}
}

func TestVerifierCacheEviction(t *testing.T) {
	v := newTestVerifier(t, newTestCA(t, "ca"))
	key := func(i int) [32]byte { return [32]byte{byte(i), byte(i >> 8), byte(i >> 16), 1} }
	for i := range MaxCachedCertificates + 10 {
		v.remember(key(i))
		v.remember(key(i)) // remembering twice takes one slot
	}
	if len(v.cache) != MaxCachedCertificates || len(v.order) != MaxCachedCertificates {
		t.Fatalf("cache holds %d entries, order %d, want %d", len(v.cache), len(v.order), MaxCachedCertificates)
	}
	for i := range 10 {
		if v.cached(key(i)) {
			t.Fatalf("oldest entry %d not evicted", i)
		}
	}
	for i := 10; i < MaxCachedCertificates+10; i++ {
		if !v.cached(key(i)) {
			t.Fatalf("entry %d evicted", i)
		}
	}
}

func TestVerifyConcurrentWithRevocation(t *testing.T) {
	ca := newTestCA(t, "ca")
	v := newTestVerifier(t, ca)
	certs := make([]*Certificate, 4)
	for i := range certs {
		certs[i] = issue(t, ca, newTestIdentity(t), "node")
	}
	revoked := certs[0]
	lists := make([]*RevocationList, 8)
	for i := range lists {
		l, err := ca.SignRevocationList(rand.Reader, [][SerialSize]byte{revoked.Serial}, uint64(i+1), t0)
		if err != nil {
			t.Fatal(err)
		}
		lists[i] = l
	}
	if err := v.SetRevocationList(lists[0]); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 128)
	for g := range 4 {
		wg.Go(func() {
			for i := range 20 {
				c := certs[(g+i)%len(certs)]
				_, err := v.Verify(c.Raw(), t0)
				if c == revoked && !errors.Is(err, ErrRevoked) {
					errs <- err
				}
				if c != revoked && err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Go(func() {
		for i := len(lists) - 1; i >= 0; i-- { // newest first: the rest roll back
			err := v.SetRevocationList(lists[i])
			if i == len(lists)-1 && err != nil || i < len(lists)-1 && !errors.Is(err, ErrRollback) {
				errs <- err
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("unexpected result: %v", err)
	}
	if v.RevocationList().Number != uint64(len(lists)) {
		t.Fatalf("list in force is number %d", v.RevocationList().Number)
	}
}
