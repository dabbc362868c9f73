package identity

import (
	"fmt"
	"os"

	"golang.org/x/crypto/cryptobyte"

	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

// MarshalPrivateKey encodes id as a private key of the given kind: version
// (u8), kind (u8), the signing seed and the KEM seed. CA keys carry a KEM
// seed too, so both kinds share one format. The result is secret.
func MarshalPrivateKey(id *PrivateIdentity, kind Kind) ([]byte, error) {
	if !kind.valid() {
		return nil, fmt.Errorf("%w: key kind %d", ErrInvalid, uint8(kind))
	}
	b := make([]byte, 0, privateKeySize)
	b = append(b, FormatVersion, byte(kind))
	b = append(b, id.Signing.Seed()...)
	b = append(b, id.KEM.Seed()...)
	return b, nil
}

// ParsePrivateKey decodes a private key written by MarshalPrivateKey and
// returns it with its kind.
func ParsePrivateKey(b []byte) (*PrivateIdentity, Kind, error) {
	s := cryptobyte.String(b)
	var version, kind uint8
	var sseed, kseed []byte
	if !s.ReadUint8(&version) || !s.ReadUint8(&kind) {
		return nil, 0, fmt.Errorf("%w: private key truncated", ErrMalformed)
	}
	if version != FormatVersion {
		return nil, 0, fmt.Errorf("%w: private key version %d, want %d", ErrMalformed, version, FormatVersion)
	}
	if !Kind(kind).valid() {
		return nil, 0, fmt.Errorf("%w: unknown private key kind %d", ErrMalformed, kind)
	}
	if !s.ReadBytes(&sseed, pqc.SigningSeedSize) || !s.ReadBytes(&kseed, pqc.KEMSeedSize) {
		return nil, 0, fmt.Errorf("%w: private key truncated", ErrMalformed)
	}
	if !s.Empty() {
		return nil, 0, fmt.Errorf("%w: %d bytes of trailing data after private key", ErrMalformed, len(s))
	}
	sk, err := pqc.NewSigningKey(sseed)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: private signing key: %w", ErrMalformed, err)
	}
	kk, err := pqc.NewKEMKey(kseed)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: private KEM key: %w", ErrMalformed, err)
	}
	return &PrivateIdentity{Signing: sk, KEM: kk}, Kind(kind), nil
}

// EncodePrivateKeyPEM returns id as a PEM block of type PrivateKeyPEMType.
func EncodePrivateKeyPEM(id *PrivateIdentity, kind Kind) ([]byte, error) {
	body, err := MarshalPrivateKey(id, kind)
	if err != nil {
		return nil, err
	}
	defer clear(body)
	return encodePEM(PrivateKeyPEMType, body), nil
}

// ParsePrivateKeyPEM decodes a PEM private key, as written by
// EncodePrivateKeyPEM, and returns it with its kind.
func ParsePrivateKeyPEM(data []byte) (*PrivateIdentity, Kind, error) {
	body, err := decodePEM(data, PrivateKeyPEMType)
	if err != nil {
		return nil, 0, err
	}
	defer clear(body)
	return ParsePrivateKey(body)
}

// WritePrivateKey atomically writes id as a PEM private key of the given
// kind to path with mode 0600. Unless overwrite is set it refuses to
// replace an existing file (the error matches os.ErrExist).
func WritePrivateKey(path string, id *PrivateIdentity, kind Kind, overwrite bool) error {
	data, err := EncodePrivateKeyPEM(id, kind)
	if err != nil {
		return err
	}
	defer clear(data)
	return writeFile(path, data, PrivateKeyMode, overwrite)
}

// LoadPrivateKey reads a node's private key file. It refuses, with
// ErrKeyFilePermissions, a file that group or others may access, and, with
// ErrKeyKind, a CA key (load those with LoadCA).
func LoadPrivateKey(path string) (*PrivateIdentity, error) {
	return loadPrivateKey(path, KindNode)
}

func loadPrivateKey(path string, want Kind) (*PrivateIdentity, error) {
	data, err := readFile(path, MaxFileSize, func(fi os.FileInfo) error {
		if m := fi.Mode().Perm(); m&insecureKeyModeBits != 0 {
			return fmt.Errorf("%w: %s has mode %#o, which gives group or others access; fix it with: chmod 600 %s",
				ErrKeyFilePermissions, path, m, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	defer clear(data)
	id, kind, err := ParsePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("identity: private key %s: %w", path, err)
	}
	if kind != want {
		return nil, fmt.Errorf("%w: %s holds a %s key, want a %s key", ErrKeyKind, path, kind, want)
	}
	return id, nil
}

// MarshalPublicKey encodes pub: version (u8), verifying key and KEM public
// key.
func MarshalPublicKey(pub *PublicIdentity) []byte {
	b := make([]byte, 0, publicKeySize)
	b = append(b, FormatVersion)
	b = append(b, pub.Signing.Bytes()...)
	return append(b, pub.KEM.Bytes()...)
}

// ParsePublicKey decodes a public key written by MarshalPublicKey.
func ParsePublicKey(b []byte) (*PublicIdentity, error) {
	s := cryptobyte.String(b)
	var version uint8
	var signing, kem []byte
	if !s.ReadUint8(&version) {
		return nil, fmt.Errorf("%w: public key truncated", ErrMalformed)
	}
	if version != FormatVersion {
		return nil, fmt.Errorf("%w: public key version %d, want %d", ErrMalformed, version, FormatVersion)
	}
	if !s.ReadBytes(&signing, pqc.VerifyingKeySize) || !s.ReadBytes(&kem, pqc.KEMPublicKeySize) {
		return nil, fmt.Errorf("%w: public key truncated", ErrMalformed)
	}
	if !s.Empty() {
		return nil, fmt.Errorf("%w: %d bytes of trailing data after public key", ErrMalformed, len(s))
	}
	vk, err := pqc.ParseVerifyingKey(signing)
	if err != nil {
		return nil, fmt.Errorf("%w: verifying key: %w", ErrMalformed, err)
	}
	kk, err := pqc.ParseKEMPublicKey(kem)
	if err != nil {
		return nil, fmt.Errorf("%w: KEM public key: %w", ErrMalformed, err)
	}
	return &PublicIdentity{Signing: vk, KEM: kk}, nil
}

// EncodePublicKeyPEM returns pub as a PEM block of type PublicKeyPEMType.
func EncodePublicKeyPEM(pub *PublicIdentity) []byte {
	return encodePEM(PublicKeyPEMType, MarshalPublicKey(pub))
}

// ParsePublicKeyPEM decodes a PEM public key, as written by
// EncodePublicKeyPEM.
func ParsePublicKeyPEM(data []byte) (*PublicIdentity, error) {
	body, err := decodePEM(data, PublicKeyPEMType)
	if err != nil {
		return nil, err
	}
	return ParsePublicKey(body)
}

// WritePublicKey atomically writes pub to path as PEM with mode 0644,
// replacing any existing file.
func WritePublicKey(path string, pub *PublicIdentity) error {
	return writeFile(path, EncodePublicKeyPEM(pub), PublicFileMode, true)
}

// LoadPublicKey reads a PEM public key file of at most MaxFileSize bytes.
func LoadPublicKey(path string) (*PublicIdentity, error) {
	data, err := readFile(path, MaxFileSize, nil)
	if err != nil {
		return nil, err
	}
	pub, err := ParsePublicKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("identity: public key %s: %w", path, err)
	}
	return pub, nil
}
