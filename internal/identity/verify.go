package identity

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Verifier decides whether a peer's certificate is acceptable to a node:
// parsed, a node certificate, issued and signed (both halves) by the
// network CA, inside its validity window and not revoked. It is safe for
// concurrent use.
//
// Signature checks that succeed are remembered by certificate hash, up to
// MaxCachedCertificates, so repeated handshakes with a peer skip the
// ML-DSA and Ed25519 verification; the validity window and the revocation
// list are checked on every call.
type Verifier struct {
	ca *Certificate

	crl   atomic.Pointer[RevocationList]
	setMu sync.Mutex // serializes SetRevocationList

	mu    sync.Mutex // guards cache and order
	cache map[[32]byte]struct{}
	order [][32]byte // cache keys, oldest first from next, for eviction
	next  int
}

// NewVerifier returns a Verifier for the network whose CA certificate is
// caCert, with no revocation list. It checks that caCert is a CA
// certificate with a valid self-signature.
func NewVerifier(caCert *Certificate) (*Verifier, error) {
	if caCert == nil || caCert.raw == nil {
		return nil, fmt.Errorf("%w: no parsed CA certificate", ErrInvalid)
	}
	// Keep a private copy so later changes to caCert's fields cannot
	// change what this Verifier trusts.
	ca, err := ParseCertificate(caCert.raw)
	if err != nil {
		return nil, err
	}
	if err := checkCACert(ca); err != nil {
		return nil, err
	}
	return &Verifier{ca: ca, cache: make(map[[32]byte]struct{})}, nil
}

// CA returns the CA certificate the Verifier trusts.
func (v *Verifier) CA() *Certificate { return v.ca }

// RevocationList returns the list in force, or nil if there is none.
func (v *Verifier) RevocationList() *RevocationList { return v.crl.Load() }

// SetRevocationList installs l if it is signed by the CA and its Number is
// at least that of the list in force; an older list is refused with
// ErrRollback. Certificates verified afterwards are checked against l.
func (v *Verifier) SetRevocationList(l *RevocationList) error {
	if l == nil || l.raw == nil {
		return fmt.Errorf("%w: no parsed revocation list", ErrInvalid)
	}
	// Work on a private copy whose fields match the signed bytes.
	own, err := ParseRevocationList(l.raw)
	if err != nil {
		return err
	}
	if own.Issuer != v.ca.Subject {
		return fmt.Errorf("%w: revocation list issued by %s, this network's CA is %s", ErrWrongCA, own.Issuer.Short(), v.ca.Subject.Short())
	}
	if err := v.ca.Signing.Verify(own.signedPart(), []byte(revocationListContext), own.Signature); err != nil {
		return fmt.Errorf("%w: revocation list number %d: %w", ErrWrongCA, own.Number, err)
	}
	v.setMu.Lock()
	defer v.setMu.Unlock()
	if cur := v.crl.Load(); cur != nil && own.Number < cur.Number {
		return fmt.Errorf("%w: revocation list number %d is older than number %d in force", ErrRollback, own.Number, cur.Number)
	}
	v.crl.Store(own)
	return nil
}

// Verify parses the encoded certificate raw and returns it if it is
// acceptable at time now. Errors wrap ErrMalformed, ErrNotNodeCert,
// ErrWrongCA, ErrNotYetValid, ErrExpired or ErrRevoked, with detail that
// names the certificate. Each call returns a certificate of its own.
func (v *Verifier) Verify(raw []byte, now time.Time) (*Certificate, error) {
	c, err := ParseCertificate(raw)
	if err != nil {
		return nil, err
	}
	if c.Kind != KindNode {
		return nil, fmt.Errorf("%w: %s, want a node certificate", ErrNotNodeCert, c.describe())
	}
	if c.Issuer != v.ca.Subject {
		return nil, fmt.Errorf("%w: %s is issued by %s, this network's CA is %s", ErrWrongCA, c.describe(), c.Issuer.Short(), v.ca.Subject.Short())
	}
	if !v.cached(c.hash) {
		if err := v.ca.Signing.Verify(c.signedPart(), []byte(certificateContext), c.Signature); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrWrongCA, c.describe(), err)
		}
		v.remember(c.hash)
	}
	if err := c.checkValidity(now); err != nil {
		return nil, err
	}
	if err := v.ca.checkValidity(now); err != nil {
		return nil, err
	}
	if l := v.crl.Load(); l.IsRevoked(c.Serial) {
		return nil, fmt.Errorf("%w: %s by revocation list number %d", ErrRevoked, c.describe(), l.Number)
	}
	return c, nil
}

// cached reports whether the certificate with hash h has had its signature
// checked.
func (v *Verifier) cached(h [32]byte) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, ok := v.cache[h]
	return ok
}

// remember records that the certificate with hash h has a valid
// signature, evicting the oldest entry when the cache is full.
func (v *Verifier) remember(h [32]byte) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.cache[h]; ok {
		return
	}
	if len(v.order) < MaxCachedCertificates {
		v.order = append(v.order, h)
	} else {
		delete(v.cache, v.order[v.next])
		v.order[v.next] = h
		v.next = (v.next + 1) % MaxCachedCertificates
	}
	v.cache[h] = struct{}{}
}
