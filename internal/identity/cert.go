package identity

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

// Kind tells a CA apart from a node, in certificates and in private key
// files.
type Kind uint8

// The kinds of certificates and keys.
const (
	// KindNode is a node of the mesh.
	KindNode Kind = 1
	// KindCA is the network's certificate authority.
	KindCA Kind = 2
)

// String returns "node", "CA" or a number for an unknown kind.
func (k Kind) String() string {
	switch k {
	case KindNode:
		return "node"
	case KindCA:
		return "CA"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

func (k Kind) valid() bool { return k == KindNode || k == KindCA }

// Certificate binds a node's name, groups and public keys to its NodeID for
// a period of time, under the signature of the network CA. A CA
// certificate is self-signed. Certificates come from ParseCertificate or
// CA.Sign; the fields are for reading.
//
// The encoding, in order: version (u8), kind (u8), serial (16 bytes),
// subject (32 bytes), name (u8 length, bytes), groups (u8 count, then each
// as u8 length and bytes), NotBefore and NotAfter (u64 Unix seconds each),
// verifying key (pqc.VerifyingKeySize bytes), KEM public key
// (pqc.KEMPublicKeySize bytes), issuer (32 bytes) and the hybrid signature
// (pqc.SignatureSize bytes) over all the bytes before it with the context
// "x0tta6bl4 certificate v1".
type Certificate struct {
	// Version is the format version, FormatVersion.
	Version uint8
	// Kind is KindCA or KindNode.
	Kind Kind
	// Serial is the random serial number revocation lists refer to.
	Serial [SerialSize]byte
	// Subject is the NodeID of Signing.
	Subject NodeID
	// Name is the node's name: 1 to MaxNameSize bytes of [a-zA-Z0-9._-].
	Name string
	// Groups are up to MaxGroups distinct names of the same form.
	Groups []string
	// NotBefore is the first second the certificate is valid.
	NotBefore time.Time
	// NotAfter is the first second the certificate is no longer valid.
	NotAfter time.Time
	// Signing is the subject's hybrid verifying key.
	Signing *pqc.VerifyingKey
	// KEM is the subject's hybrid KEM public key.
	KEM *pqc.KEMPublicKey
	// Issuer is the NodeID of the CA that signed the certificate.
	Issuer NodeID
	// Signature is the issuer's hybrid signature.
	Signature []byte

	raw  []byte
	hash [sha256.Size]byte
}

// Raw returns a copy of the exact encoding of c.
func (c *Certificate) Raw() []byte { return slices.Clone(c.raw) }

// Hash returns the SHA-256 of the encoding of c.
func (c *Certificate) Hash() [32]byte { return c.hash }

// signedPart returns the bytes the signature covers.
func (c *Certificate) signedPart() []byte { return c.raw[:len(c.raw)-pqc.SignatureSize] }

// ValidAt reports whether now lies in [NotBefore, NotAfter).
func (c *Certificate) ValidAt(now time.Time) bool {
	return !now.Before(c.NotBefore) && now.Before(c.NotAfter)
}

// checkValidity returns ErrNotYetValid or ErrExpired, with the times and
// the certificate named, when now is outside the validity window.
func (c *Certificate) checkValidity(now time.Time) error {
	if now.Before(c.NotBefore) {
		return fmt.Errorf("%w: %s is valid from %s", ErrNotYetValid, c.describe(), c.NotBefore.UTC().Format(time.RFC3339))
	}
	if !now.Before(c.NotAfter) {
		return fmt.Errorf("%w at %s: %s", ErrExpired, c.NotAfter.UTC().Format(time.RFC3339), c.describe())
	}
	return nil
}

// describe names the certificate in error messages.
func (c *Certificate) describe() string {
	return fmt.Sprintf("%s certificate %q (node %s, serial %x)", c.Kind, c.Name, c.Subject.Short(), c.Serial)
}

// certTemplate is what a CA fills in before signing.
type certTemplate struct {
	kind                Kind
	serial              [SerialSize]byte
	name                string
	groups              []string
	notBefore, notAfter time.Time
	pub                 *PublicIdentity
	issuer              NodeID
}

// buildCertificate encodes t, signs it with sk and returns the parsed
// result, so a certificate made here is exactly what a peer will parse.
func buildCertificate(t *certTemplate, sk *pqc.SigningKey) (*Certificate, error) {
	if err := checkName("name", t.name, MaxNameSize); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := checkGroups(t.groups); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	nb, na, err := checkWindow(t.notBefore, t.notAfter)
	if err != nil {
		return nil, err
	}
	b := cryptobyte.NewFixedBuilder(make([]byte, 0, MaxCertificateSize))
	b.AddUint8(FormatVersion)
	b.AddUint8(uint8(t.kind))
	b.AddBytes(t.serial[:])
	id := t.pub.ID()
	b.AddBytes(id[:])
	b.AddUint8(uint8(len(t.name)))
	b.AddBytes([]byte(t.name))
	b.AddUint8(uint8(len(t.groups)))
	for _, g := range t.groups {
		b.AddUint8(uint8(len(g)))
		b.AddBytes([]byte(g))
	}
	b.AddUint64(uint64(nb))
	b.AddUint64(uint64(na))
	b.AddBytes(t.pub.Signing.Bytes())
	b.AddBytes(t.pub.KEM.Bytes())
	b.AddBytes(t.issuer[:])
	tbs, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("identity: encoding certificate: %w", err)
	}
	sig, err := sk.Sign(tbs, []byte(certificateContext))
	if err != nil {
		return nil, fmt.Errorf("identity: signing certificate: %w", err)
	}
	return ParseCertificate(append(tbs, sig...))
}

// ParseCertificate decodes a certificate and checks its structure: the
// version, the kind, the name and groups, the validity window, both public
// keys, and that the subject is the ID of the verifying key (and, for a CA
// certificate, that it is self-issued). It does not check the signature:
// that is the Verifier's job. The certificate keeps its own copy of der.
func ParseCertificate(der []byte) (*Certificate, error) {
	if len(der) > MaxCertificateSize {
		return nil, fmt.Errorf("%w: certificate is %d bytes, the limit is %d", ErrMalformed, len(der), MaxCertificateSize)
	}
	raw := slices.Clone(der)
	s := cryptobyte.String(raw)
	c := &Certificate{raw: raw}
	var kind, nameLen, groupCount uint8
	var name []byte
	var nb, na uint64
	var signing, kem, issuer, subject, serial []byte
	if !s.ReadUint8(&c.Version) || !s.ReadUint8(&kind) {
		return nil, fmt.Errorf("%w: certificate truncated", ErrMalformed)
	}
	if c.Version != FormatVersion {
		return nil, fmt.Errorf("%w: certificate version %d, want %d", ErrMalformed, c.Version, FormatVersion)
	}
	c.Kind = Kind(kind)
	if !c.Kind.valid() {
		return nil, fmt.Errorf("%w: unknown certificate kind %d", ErrMalformed, kind)
	}
	if !s.ReadBytes(&serial, SerialSize) || !s.ReadBytes(&subject, NodeIDSize) ||
		!s.ReadUint8(&nameLen) || !s.ReadBytes(&name, int(nameLen)) || !s.ReadUint8(&groupCount) {
		return nil, fmt.Errorf("%w: certificate truncated", ErrMalformed)
	}
	copy(c.Serial[:], serial)
	copy(c.Subject[:], subject)
	c.Name = string(name)
	if err := checkName("certificate name", c.Name, MaxNameSize); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if groupCount > MaxGroups {
		return nil, fmt.Errorf("%w: certificate has %d groups, the limit is %d", ErrMalformed, groupCount, MaxGroups)
	}
	if groupCount > 0 {
		c.Groups = make([]string, 0, groupCount)
	}
	for range groupCount {
		var g []byte
		if !s.ReadUint8LengthPrefixed((*cryptobyte.String)(&g)) {
			return nil, fmt.Errorf("%w: certificate truncated in groups", ErrMalformed)
		}
		c.Groups = append(c.Groups, string(g))
	}
	if err := checkGroups(c.Groups); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if !s.ReadUint64(&nb) || !s.ReadUint64(&na) || !s.ReadBytes(&signing, pqc.VerifyingKeySize) ||
		!s.ReadBytes(&kem, pqc.KEMPublicKeySize) || !s.ReadBytes(&issuer, NodeIDSize) ||
		!s.ReadBytes(&c.Signature, pqc.SignatureSize) {
		return nil, fmt.Errorf("%w: certificate truncated", ErrMalformed)
	}
	if !s.Empty() {
		return nil, fmt.Errorf("%w: %d bytes of trailing data after certificate", ErrMalformed, len(s))
	}
	if nb > maxUnixTime || na > maxUnixTime || nb >= na {
		return nil, fmt.Errorf("%w: certificate validity window [%d, %d) is empty or out of range", ErrMalformed, nb, na)
	}
	c.NotBefore, c.NotAfter = time.Unix(int64(nb), 0), time.Unix(int64(na), 0)
	var err error
	if c.Signing, err = pqc.ParseVerifyingKey(signing); err != nil {
		return nil, fmt.Errorf("%w: certificate verifying key: %w", ErrMalformed, err)
	}
	if c.KEM, err = pqc.ParseKEMPublicKey(kem); err != nil {
		return nil, fmt.Errorf("%w: certificate KEM key: %w", ErrMalformed, err)
	}
	if DeriveNodeID(c.Signing) != c.Subject {
		return nil, fmt.Errorf("%w: certificate subject %s is not the ID of its key", ErrMalformed, c.Subject.Short())
	}
	copy(c.Issuer[:], issuer)
	if c.Kind == KindCA && c.Issuer != c.Subject {
		return nil, fmt.Errorf("%w: CA certificate %s is not self-issued", ErrMalformed, c.Subject.Short())
	}
	c.hash = sha256.Sum256(raw)
	return c, nil
}

// checkName checks a certificate or group name: 1 to limit bytes of
// ASCII letters, digits, '.', '_' and '-'. Callers wrap the error in
// ErrInvalid or ErrMalformed.
func checkName(what, name string, limit int) error {
	if len(name) == 0 || len(name) > limit {
		return fmt.Errorf("%s is %d bytes, want 1 to %d", what, len(name), limit)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%s %q has byte %#x at %d; allowed are letters, digits, '.', '_' and '-'", what, name, c, i)
		}
	}
	return nil
}

// checkGroups checks a list of groups: at most MaxGroups valid, distinct
// names.
func checkGroups(groups []string) error {
	if len(groups) > MaxGroups {
		return fmt.Errorf("%d groups, the limit is %d", len(groups), MaxGroups)
	}
	for i, g := range groups {
		if err := checkName("group", g, MaxGroupSize); err != nil {
			return err
		}
		if slices.Contains(groups[:i], g) {
			return fmt.Errorf("group %q listed twice", g)
		}
	}
	return nil
}

// checkWindow checks a validity window and returns it in Unix seconds.
func checkWindow(notBefore, notAfter time.Time) (int64, int64, error) {
	nb, na := notBefore.Unix(), notAfter.Unix()
	if nb < 0 || na > maxUnixTime || nb >= na {
		return 0, 0, fmt.Errorf("%w: validity window from %s to %s is empty or out of range", ErrInvalid,
			notBefore.UTC().Format(time.RFC3339), notAfter.UTC().Format(time.RFC3339))
	}
	return nb, na, nil
}

// EncodeCertificatePEM returns c as a PEM block of type CertificatePEMType.
func EncodeCertificatePEM(c *Certificate) []byte { return encodePEM(CertificatePEMType, c.raw) }

// ParseCertificatePEM decodes a PEM certificate, as written by
// EncodeCertificatePEM.
func ParseCertificatePEM(data []byte) (*Certificate, error) {
	der, err := decodePEM(data, CertificatePEMType)
	if err != nil {
		return nil, err
	}
	return ParseCertificate(der)
}

// WriteCertificate atomically writes c to path as PEM with mode 0644,
// replacing any existing file.
func WriteCertificate(path string, c *Certificate) error {
	if c == nil || c.raw == nil {
		return fmt.Errorf("%w: no parsed or signed certificate to write", ErrInvalid)
	}
	return writeFile(path, EncodeCertificatePEM(c), PublicFileMode, true)
}

// LoadCertificate reads a PEM certificate file of at most MaxFileSize
// bytes. It checks the structure only; see Verifier.
func LoadCertificate(path string) (*Certificate, error) {
	data, err := readFile(path, MaxFileSize, nil)
	if err != nil {
		return nil, err
	}
	c, err := ParseCertificatePEM(data)
	if err != nil {
		return nil, fmt.Errorf("identity: certificate %s: %w", path, err)
	}
	return c, nil
}
