package identity

import "github.com/x0tta6bl4/x0tta6bl4/internal/pqc"

// Format versions and limits. Every encoding starts with a version byte and
// every parser rejects anything longer than the limits below before it
// allocates.
const (
	// FormatVersion is the only version of the key, certificate and
	// revocation-list encodings this package writes and accepts.
	FormatVersion = 1

	// MaxFileSize is the largest key or certificate file (PEM text) that
	// the loaders read; larger files are refused with ErrFileTooLarge.
	MaxFileSize = 64 << 10

	// MaxCertificateSize is the largest encoded certificate accepted. The
	// encoding is certificateFixedSize (6673) bytes plus the name plus one
	// length byte and the text of each group: a node certificate named
	// "alpha" in the group "demo" is 6683 bytes, and the largest possible
	// certificate (a 64-byte name, 16 groups of 64 bytes) is 7777 bytes.
	MaxCertificateSize = 8 << 10

	// MaxNameSize is the longest certificate name, in bytes.
	MaxNameSize = 64
	// MaxGroupSize is the longest group name, in bytes.
	MaxGroupSize = 64
	// MaxGroups is the largest number of groups in one certificate.
	MaxGroups = 16

	// MaxRevoked is the largest number of serials in one revocation list.
	MaxRevoked = 1 << 16
	// MaxRevocationListSize is the largest encoded revocation list: the
	// fixed part plus MaxRevoked serials (1052002 bytes).
	MaxRevocationListSize = revocationListFixedSize + MaxRevoked*SerialSize
	// MaxRevocationListFileSize is the largest revocation-list file (PEM
	// text) that LoadRevocationList reads. A full list does not fit in
	// MaxFileSize, so revocation lists get their own limit: the base64 of
	// MaxRevocationListSize with PEM line breaks, plus room for the armor.
	MaxRevocationListFileSize = (MaxRevocationListSize+2)/3*4*65/64 + 1024

	// MaxCachedCertificates bounds the Verifier's cache of certificates
	// whose CA signature has already been checked.
	MaxCachedCertificates = 4096

	// SerialSize is the size of a certificate serial number, in bytes.
	SerialSize = 16
	// NodeIDSize is the size of a NodeID, in bytes.
	NodeIDSize = 32

	// maxUnixTime is the latest time an encoding may carry,
	// 9999-12-31T23:59:59Z, so that every time formats as RFC 3339.
	maxUnixTime = 253402300799

	// privateKeySize is the size of a private key encoding: version, kind,
	// signing seed and KEM seed.
	privateKeySize = 2 + pqc.SigningSeedSize + pqc.KEMSeedSize
	// publicKeySize is the size of a public key encoding: version,
	// verifying key and KEM public key.
	publicKeySize = 1 + pqc.VerifyingKeySize + pqc.KEMPublicKeySize

	// certificateFixedSize is the size of a certificate with an empty name
	// and no groups: version, kind, serial, subject, name length, group
	// count, two times, verifying key, KEM public key, issuer, signature.
	certificateFixedSize = 1 + 1 + SerialSize + NodeIDSize + 1 + 1 + 8 + 8 +
		pqc.VerifyingKeySize + pqc.KEMPublicKeySize + NodeIDSize + pqc.SignatureSize

	// revocationListFixedSize is the size of an empty revocation list:
	// version, issuer, number, issue time, serial count, signature.
	revocationListFixedSize = 1 + NodeIDSize + 8 + 8 + 4 + pqc.SignatureSize
)

// Domain-separation strings. Changing any of them changes every ID and
// invalidates every signature.
const (
	// nodeIDLabel prefixes the verifying key when a NodeID is derived.
	nodeIDLabel = "x0tta6bl4 node id v1"
	// certificateContext is the signature context of certificates.
	certificateContext = "x0tta6bl4 certificate v1"
	// revocationListContext is the signature context of revocation lists.
	revocationListContext = "x0tta6bl4 revocation list v1"
)

// PEM block types of the files this package reads and writes.
const (
	// PrivateKeyPEMType is the PEM type of a private key file.
	PrivateKeyPEMType = "X0TTA6BL4 PRIVATE KEY"
	// PublicKeyPEMType is the PEM type of a public key file.
	PublicKeyPEMType = "X0TTA6BL4 PUBLIC KEY"
	// CertificatePEMType is the PEM type of a certificate file.
	CertificatePEMType = "X0TTA6BL4 CERTIFICATE"
	// RevocationListPEMType is the PEM type of a revocation-list file.
	RevocationListPEMType = "X0TTA6BL4 REVOCATION LIST"
)

// File names and modes.
const (
	// CAKeyFile is the name of the CA private key inside a CA directory.
	CAKeyFile = "ca.key"
	// CACertFile is the name of the CA certificate inside a CA directory.
	CACertFile = "ca.crt"
	// PrivateKeyMode is the mode private key files are written with.
	PrivateKeyMode = 0o600
	// PublicFileMode is the mode public files (public keys, certificates,
	// revocation lists) are written with.
	PublicFileMode = 0o644
	// CADirMode is the mode of a CA directory created by Save.
	CADirMode = 0o700
	// insecureKeyModeBits are the permission bits a private key file may
	// not have: any access for group or others.
	insecureKeyModeBits = 0o077
)
