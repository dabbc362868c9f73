package identity

import (
	"bytes"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"testing"
)

// FuzzParseCertificate checks that every input is either rejected with
// ErrMalformed or parsed into a certificate that re-encodes to exactly the
// input, respects every limit, and survives a PEM round trip.
func FuzzParseCertificate(f *testing.F) {
	ca := newTestCA(f, "fuzz-ca")
	c := issue(f, ca, newTestIdentity(f), "alpha", "g1", "g2")
	f.Add(c.Raw())
	f.Add(ca.Cert.Raw())
	f.Add(c.Raw()[:100])
	f.Add(append(c.Raw(), 0))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCertificate(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !bytes.Equal(c.Raw(), b) {
			t.Fatal("certificate does not re-encode to its input")
		}
		if len(b) > MaxCertificateSize || len(c.Name) == 0 || len(c.Name) > MaxNameSize || len(c.Groups) > MaxGroups {
			t.Fatal("limit exceeded")
		}
		if !c.NotBefore.Before(c.NotAfter) || DeriveNodeID(c.Signing) != c.Subject {
			t.Fatal("invariant broken")
		}
		if c.Kind == KindCA && c.Issuer != c.Subject {
			t.Fatal("CA certificate not self-issued")
		}
		if g := slices.Clone(c.Groups); len(slices.Compact(slices.Sorted(slices.Values(g)))) != len(c.Groups) {
			t.Fatal("duplicate groups")
		}
		p, err := ParseCertificatePEM(EncodeCertificatePEM(c))
		if err != nil || p.Hash() != c.Hash() {
			t.Fatalf("PEM round trip: %v", err)
		}
	})
}

// FuzzParseRevocationList checks that accepted lists re-encode to their
// input, are sorted and bounded, and revoke exactly their serials.
func FuzzParseRevocationList(f *testing.F) {
	ca := newTestCA(f, "fuzz-ca")
	l, err := ca.Revoke(rand.Reader, nil, t0, serial(3), serial(1), serial(2))
	if err != nil {
		f.Fatal(err)
	}
	empty, err := ca.Revoke(rand.Reader, nil, t0)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(l.Raw())
	f.Add(empty.Raw())
	f.Add(l.Raw()[:60])
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseRevocationList(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !bytes.Equal(l.Raw(), b) || len(b) > MaxRevocationListSize || len(l.Serials) > MaxRevoked {
			t.Fatal("round trip or limit broken")
		}
		for i, s := range l.Serials {
			if i > 0 && compareSerials(l.Serials[i-1], s) >= 0 {
				t.Fatal("serials not strictly ascending")
			}
			if !l.IsRevoked(s) {
				t.Fatalf("listed serial %x not revoked", s)
			}
			s[SerialSize-1] ^= 1
			if l.IsRevoked(s) != slices.Contains(l.Serials, s) {
				t.Fatal("IsRevoked disagrees with the list")
			}
		}
	})
}

// FuzzParsePrivateKey feeds PEM text to ParsePrivateKeyPEM: accepted keys
// must re-encode to the same body and give the same identity.
func FuzzParsePrivateKey(f *testing.F) {
	id, err := GenerateIdentity(testRand(60))
	if err != nil {
		f.Fatal(err)
	}
	for _, k := range []Kind{KindNode, KindCA} {
		p, err := EncodePrivateKeyPEM(id, k)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(p))
	}
	f.Add("-----BEGIN X0TTA6BL4 PRIVATE KEY-----\nAQE=\n-----END X0TTA6BL4 PRIVATE KEY-----\n")
	f.Add(string(EncodePublicKeyPEM(id.PublicIdentity())))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		got, kind, err := ParsePrivateKeyPEM([]byte(s))
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !strings.Contains(s, "-----BEGIN "+PrivateKeyPEMType+"-----") {
			t.Fatal("accepted text without the private key PEM header")
		}
		p, err := EncodePrivateKeyPEM(got, kind)
		if err != nil {
			t.Fatal(err)
		}
		again, kind2, err := ParsePrivateKeyPEM(p)
		if err != nil || kind2 != kind || again.ID() != got.ID() || !again.PublicIdentity().Equal(got.PublicIdentity()) {
			t.Fatalf("re-encoded key differs: %v", err)
		}
		body, err := decodePEM([]byte(s), PrivateKeyPEMType)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := MarshalPrivateKey(got, kind)
		if err != nil || !bytes.Equal(enc, body) {
			t.Fatal("key does not re-encode to its input")
		}
	})
}

// FuzzParsePublicKey checks that accepted public keys re-encode to the
// input and have the fixed size.
func FuzzParsePublicKey(f *testing.F) {
	id, err := GenerateIdentity(testRand(61))
	if err != nil {
		f.Fatal(err)
	}
	b := MarshalPublicKey(id.PublicIdentity())
	f.Add(b)
	f.Add(b[:len(b)-1])
	f.Add(append([]byte{2}, b[1:]...))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		pub, err := ParsePublicKey(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if len(b) != publicKeySize || !bytes.Equal(MarshalPublicKey(pub), b) {
			t.Fatal("public key does not re-encode to its input")
		}
		if pub.ID() != DeriveNodeID(pub.Signing) {
			t.Fatal("ID is not derived from the verifying key")
		}
	})
}

// FuzzParseNodeID checks that accepted IDs are exactly the 64-digit hex
// strings and that String inverts ParseNodeID up to letter case.
func FuzzParseNodeID(f *testing.F) {
	f.Add(strings.Repeat("0", 64))
	f.Add(strings.Repeat("aB", 32))
	f.Add(strings.Repeat("f", 63))
	f.Add(strings.Repeat("g", 64))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseNodeID(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if len(s) != 64 || id.String() != strings.ToLower(s) {
			t.Fatalf("ParseNodeID(%q).String() = %q", s, id)
		}
		back, err := ParseNodeID(id.String())
		if err != nil || back != id {
			t.Fatal("String does not round-trip")
		}
		var u NodeID
		if err := u.UnmarshalText([]byte(s)); err != nil || u != id {
			t.Fatal("UnmarshalText disagrees with ParseNodeID")
		}
	})
}
