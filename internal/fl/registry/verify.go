package registry

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Verifier decides whether a record is an authentic global model of the
// network. It is safe for concurrent use when Identity is.
type Verifier struct {
	// Identity checks the coordinator's certificate: a node certificate
	// of the network CA, valid at the time of the check and not revoked
	// by the revocation list installed in it. Required.
	Identity *identity.Verifier
	// CoordinatorGroup, when not empty, admits as coordinators only nodes
	// whose certificate lists this group. Certificates have no roles, so
	// without it any node of the network may coordinate.
	CoordinatorGroup string
}

// Verify checks r at time now: the payload matches the hash in the body
// (ErrPayloadHash), the coordinator's certificate is trusted (ErrUntrusted,
// wrapping the identity error), it may coordinate (ErrNotCoordinator), and
// both halves of the signature verify under its key (ErrSignature). It
// checks a private copy of r's encoding, so fields changed after parsing
// cannot change the verdict.
func (v *Verifier) Verify(r *Record, now time.Time) error {
	if r == nil || r.raw == nil {
		return fmt.Errorf("%w: no parsed or signed record", ErrInvalid)
	}
	own, err := parseRecord(r.raw)
	if err != nil {
		return err
	}
	return v.verify(own, now)
}

// verify checks a record this package parsed itself.
func (v *Verifier) verify(own *Record, now time.Time) error {
	if v == nil || v.Identity == nil {
		return fmt.Errorf("%w: no identity verifier", ErrInvalid)
	}
	if sha256.Sum256(own.Payload) != own.PayloadHash {
		return fmt.Errorf("%w: version %s", ErrPayloadHash, own.ID.Short())
	}
	cert, err := v.Identity.Verify(own.Certificate.Raw(), now)
	if err != nil {
		return fmt.Errorf("%w: version %s: %w", ErrUntrusted, own.ID.Short(), err)
	}
	if v.CoordinatorGroup != "" && !slices.Contains(cert.Groups, v.CoordinatorGroup) {
		return fmt.Errorf("%w: version %s: coordinator %q (%s) is not in group %q", ErrNotCoordinator,
			own.ID.Short(), cert.Name, cert.Subject.Short(), v.CoordinatorGroup)
	}
	if err := cert.Signing.Verify(own.raw[:own.bodyLen], []byte(SignatureContext), own.Signature); err != nil {
		return fmt.Errorf("%w: version %s by %q (%s): %w", ErrSignature, own.ID.Short(), cert.Name, cert.Subject.Short(), err)
	}
	return nil
}
