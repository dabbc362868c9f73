package identity

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"
)

// CA is a network's certificate authority: its private keys and its
// self-signed certificate. Its key should live offline; nodes need only the
// certificate.
type CA struct {
	// Identity holds the CA's private keys.
	Identity *PrivateIdentity
	// Cert is the CA's self-signed certificate, the network's trust root.
	Cert *Certificate
}

// NetworkID returns the SHA-256 of the CA certificate's encoding. It names
// the network; the handshake binds it into its prologue so that nodes of
// different networks never complete a handshake.
func NetworkID(caCert *Certificate) [32]byte { return caCert.Hash() }

// NewCA creates a CA with fresh keys and a self-signed certificate named
// name, valid from now for validity. Keys and the serial are read from
// rand (use crypto/rand.Reader).
func NewCA(rand io.Reader, name string, validity time.Duration, now time.Time) (*CA, error) {
	if validity <= 0 {
		return nil, fmt.Errorf("%w: CA validity %v is not positive", ErrInvalid, validity)
	}
	id, err := GenerateIdentity(rand)
	if err != nil {
		return nil, err
	}
	t := &certTemplate{
		kind:      KindCA,
		name:      name,
		notBefore: now,
		notAfter:  now.Add(validity),
		pub:       id.PublicIdentity(),
		issuer:    id.ID(),
	}
	if _, err := io.ReadFull(rand, t.serial[:]); err != nil {
		return nil, fmt.Errorf("identity: reading randomness: %w", err)
	}
	cert, err := buildCertificate(t, id.Signing)
	if err != nil {
		return nil, err
	}
	return &CA{Identity: id, Cert: cert}, nil
}

// Sign issues a node certificate for pub with the given name, groups and
// validity window, with a serial read from rand. The window may not end
// after the CA's own certificate does.
func (ca *CA) Sign(rand io.Reader, pub *PublicIdentity, name string, groups []string, notBefore, notAfter time.Time) (*Certificate, error) {
	if pub == nil || pub.Signing == nil || pub.KEM == nil {
		return nil, fmt.Errorf("%w: incomplete public identity", ErrInvalid)
	}
	if pub.Signing.Equal(ca.Cert.Signing) {
		return nil, fmt.Errorf("%w: refusing to issue a node certificate for the CA's own key", ErrInvalid)
	}
	if notAfter.After(ca.Cert.NotAfter) {
		return nil, fmt.Errorf("%w: certificate would be valid until %s, after the CA certificate expires at %s", ErrInvalid,
			notAfter.UTC().Format(time.RFC3339), ca.Cert.NotAfter.UTC().Format(time.RFC3339))
	}
	t := &certTemplate{
		kind:      KindNode,
		name:      name,
		groups:    groups,
		notBefore: notBefore,
		notAfter:  notAfter,
		pub:       pub,
		issuer:    ca.Cert.Subject,
	}
	if _, err := io.ReadFull(rand, t.serial[:]); err != nil {
		return nil, fmt.Errorf("identity: reading randomness: %w", err)
	}
	return buildCertificate(t, ca.Identity.Signing)
}

// SignRevocationList signs a revocation list with the given number that
// revokes serials (in any order; duplicates are removed), issued at now.
// rand is accepted for symmetry with Sign but not read: the hybrid signer
// draws its hedging randomness from crypto/rand itself.
func (ca *CA) SignRevocationList(rand io.Reader, serials [][SerialSize]byte, number uint64, now time.Time) (*RevocationList, error) {
	return buildRevocationList(ca.Identity.Signing, ca.Cert.Subject, serials, number, now)
}

// Revoke returns the list that follows prev (nil if there is none yet): it
// revokes everything prev revokes plus serials, and has the next number.
// prev must be signed by ca.
func (ca *CA) Revoke(rand io.Reader, prev *RevocationList, now time.Time, serials ...[SerialSize]byte) (*RevocationList, error) {
	var number uint64 = 1
	if prev != nil {
		if err := ca.checkRevocationList(prev); err != nil {
			return nil, err
		}
		if prev.Number == math.MaxUint64 {
			return nil, fmt.Errorf("%w: revocation list number %d cannot grow", ErrInvalid, prev.Number)
		}
		number = prev.Number + 1
		serials = append(append([][SerialSize]byte(nil), prev.Serials...), serials...)
	}
	return ca.SignRevocationList(rand, serials, number, now)
}

// checkRevocationList checks that l is signed by ca.
func (ca *CA) checkRevocationList(l *RevocationList) error {
	if l.raw == nil {
		return fmt.Errorf("%w: revocation list was not parsed or signed", ErrMalformed)
	}
	if l.Issuer != ca.Cert.Subject {
		return fmt.Errorf("%w: revocation list issued by %s, the CA is %s", ErrWrongCA, l.Issuer.Short(), ca.Cert.Subject.Short())
	}
	if err := ca.Cert.Signing.Verify(l.signedPart(), []byte(revocationListContext), l.Signature); err != nil {
		return fmt.Errorf("%w: revocation list number %d: %w", ErrWrongCA, l.Number, err)
	}
	return nil
}

// Save writes the CA to dir, creating it with mode 0700 if needed: the
// private key to ca.key (mode 0600) and the certificate to ca.crt (mode
// 0644). It refuses to replace an existing ca.key.
func (ca *CA) Save(dir string) error {
	if err := os.MkdirAll(dir, CADirMode); err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	if err := WritePrivateKey(filepath.Join(dir, CAKeyFile), ca.Identity, KindCA, false); err != nil {
		return err
	}
	return WriteCertificate(filepath.Join(dir, CACertFile), ca.Cert)
}

// LoadCA reads a CA saved by Save and checks that the certificate is a
// valid self-signed CA certificate for the key.
func LoadCA(dir string) (*CA, error) {
	id, err := loadPrivateKey(filepath.Join(dir, CAKeyFile), KindCA)
	if err != nil {
		return nil, err
	}
	certPath := filepath.Join(dir, CACertFile)
	cert, err := LoadCertificate(certPath)
	if err != nil {
		return nil, err
	}
	if err := checkCACert(cert); err != nil {
		return nil, fmt.Errorf("identity: %s: %w", certPath, err)
	}
	if !id.PublicIdentity().Equal(&PublicIdentity{Signing: cert.Signing, KEM: cert.KEM}) {
		return nil, fmt.Errorf("%w: %s does not belong to the key in %s", ErrWrongCA, certPath, CAKeyFile)
	}
	return &CA{Identity: id, Cert: cert}, nil
}

// checkCACert checks that c is a CA certificate with a valid
// self-signature.
func checkCACert(c *Certificate) error {
	if c.Kind != KindCA {
		return fmt.Errorf("%w: %s, want a CA certificate", ErrNotNodeCert, c.describe())
	}
	if err := c.Signing.Verify(c.signedPart(), []byte(certificateContext), c.Signature); err != nil {
		return fmt.Errorf("%w: self-signature of %s: %w", ErrWrongCA, c.describe(), err)
	}
	return nil
}
