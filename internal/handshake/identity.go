package handshake

import (
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// IdentityVerifier adapts an identity.Verifier — the network CA's rules for certificates — to the
// handshake's Verifier interface.
type IdentityVerifier struct {
	// V checks certificates against the network CA and its revocation list.
	V *identity.Verifier
}

// VerifyCert implements Verifier.
func (iv IdentityVerifier) VerifyCert(raw []byte, now time.Time) (*PeerCert, error) {
	cert, err := iv.V.Verify(raw, now)
	if err != nil {
		return nil, err
	}
	return &PeerCert{NodeID: cert.Subject, Hash: cert.Hash(), Static: cert.KEM, Name: cert.Name, Raw: cert.Raw()}, nil
}
