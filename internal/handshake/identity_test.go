package handshake

import (
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

func TestIdentityVerifier(t *testing.T) {
	now := time.Now()
	ca, err := identity.NewCA(rand.Reader, "ca", 2*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	id, err := identity.GenerateIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Sign(rand.Reader, id.PublicIdentity(), "n1", nil, now.Add(-time.Minute), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	v, err := identity.NewVerifier(ca.Cert)
	if err != nil {
		t.Fatal(err)
	}
	iv := IdentityVerifier{V: v}
	pc, err := iv.VerifyCert(cert.Raw(), now)
	if err != nil {
		t.Fatal(err)
	}
	if pc.NodeID != id.ID() || pc.Hash != cert.Hash() || pc.Name != "n1" || !pc.Static.Equal(id.KEM.Public()) {
		t.Fatalf("PeerCert %+v does not match the certificate", pc)
	}
	if _, err := iv.VerifyCert(cert.Raw(), now.Add(2*time.Hour)); !errors.Is(err, identity.ErrExpired) {
		t.Fatalf("expired certificate: err = %v", err)
	}
}
