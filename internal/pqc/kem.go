package pqc

import (
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/sha3"
	"crypto/subtle"
	"fmt"
	"io"
)

// Sizes of the hybrid KEM encodings, in bytes.
const (
	// KEMSeedSize is the size of an encoded KEM private key: the X25519
	// private scalar followed by the ML-KEM-768 seed (d || z).
	KEMSeedSize = x25519Size + mlkem.SeedSize
	// KEMPublicKeySize is the size of an encoded KEM public key: the
	// X25519 public key followed by the ML-KEM-768 encapsulation key.
	KEMPublicKeySize = x25519Size + mlkem.EncapsulationKeySize768
	// KEMCiphertextSize is the size of a hybrid ciphertext: an ephemeral
	// X25519 public key followed by the ML-KEM-768 ciphertext.
	KEMCiphertextSize = x25519Size + mlkem.CiphertextSize768
	// SharedSecretSize is the size of a hybrid shared secret.
	SharedSecretSize = 32

	x25519Size = 32
)

// kemLabel domain-separates the hybrid combiner.
const kemLabel = "x0tta6bl4 hybrid KEM X25519+ML-KEM-768 v1"

// KEMKey is a hybrid X25519 + ML-KEM-768 private key.
type KEMKey struct {
	seed [KEMSeedSize]byte
	x    *ecdh.PrivateKey
	ml   *mlkem.DecapsulationKey768
	pub  *KEMPublicKey
}

// KEMPublicKey is a hybrid X25519 + ML-KEM-768 public key.
type KEMPublicKey struct {
	x   *ecdh.PublicKey
	ml  *mlkem.EncapsulationKey768
	enc [KEMPublicKeySize]byte
}

// GenerateKEMKey returns a new KEM key whose seeds are read from rand (use
// crypto/rand.Reader).
func GenerateKEMKey(rand io.Reader) (*KEMKey, error) {
	var seed [KEMSeedSize]byte
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return nil, fmt.Errorf("pqc: reading randomness: %w", err)
	}
	defer clear(seed[:])
	return NewKEMKey(seed[:])
}

// NewKEMKey derives a KEM key from its KEMSeedSize-byte encoding.
func NewKEMKey(seed []byte) (*KEMKey, error) {
	if len(seed) != KEMSeedSize {
		return nil, fmt.Errorf("%w: KEM seed is %d bytes, want %d", ErrKeySize, len(seed), KEMSeedSize)
	}
	k := &KEMKey{}
	copy(k.seed[:], seed)
	x, err := ecdh.X25519().NewPrivateKey(k.seed[:x25519Size])
	if err != nil {
		return nil, fmt.Errorf("%w: X25519: %w", ErrKeySize, err)
	}
	ml, err := mlkem.NewDecapsulationKey768(k.seed[x25519Size:])
	if err != nil {
		return nil, fmt.Errorf("%w: ML-KEM-768: %w", ErrKeySize, err)
	}
	k.x, k.ml = x, ml
	k.pub = newKEMPublicKey(x.PublicKey(), ml.EncapsulationKey())
	return k, nil
}

func newKEMPublicKey(x *ecdh.PublicKey, ml *mlkem.EncapsulationKey768) *KEMPublicKey {
	p := &KEMPublicKey{x: x, ml: ml}
	copy(p.enc[:x25519Size], x.Bytes())
	copy(p.enc[x25519Size:], ml.Bytes())
	return p
}

// Seed returns the KEMSeedSize-byte encoding of the private key.
func (k *KEMKey) Seed() []byte { return append([]byte(nil), k.seed[:]...) }

// Public returns the public key that belongs to k.
func (k *KEMKey) Public() *KEMPublicKey { return k.pub }

// X25519 returns the classical half of k.
func (k *KEMKey) X25519() *ecdh.PrivateKey { return k.x }

// MLKEM returns the post-quantum half of k.
func (k *KEMKey) MLKEM() *mlkem.DecapsulationKey768 { return k.ml }

// ParseKEMPublicKey decodes a KEMPublicKeySize-byte public key. It rejects
// an ML-KEM encapsulation key that fails the FIPS 203 modulus check.
func ParseKEMPublicKey(b []byte) (*KEMPublicKey, error) {
	if len(b) != KEMPublicKeySize {
		return nil, fmt.Errorf("%w: KEM public key is %d bytes, want %d", ErrKeySize, len(b), KEMPublicKeySize)
	}
	x, err := ecdh.X25519().NewPublicKey(b[:x25519Size])
	if err != nil {
		return nil, fmt.Errorf("%w: X25519: %w", ErrKeySize, err)
	}
	ml, err := mlkem.NewEncapsulationKey768(b[x25519Size:])
	if err != nil {
		return nil, fmt.Errorf("%w: ML-KEM-768: %w", ErrKeySize, err)
	}
	return newKEMPublicKey(x, ml), nil
}

// Bytes returns the KEMPublicKeySize-byte encoding of p.
func (p *KEMPublicKey) Bytes() []byte { return append([]byte(nil), p.enc[:]...) }

// Equal reports whether p and q are the same key.
func (p *KEMPublicKey) Equal(q *KEMPublicKey) bool {
	return q != nil && subtle.ConstantTimeCompare(p.enc[:], q.enc[:]) == 1
}

// X25519 returns the classical half of p.
func (p *KEMPublicKey) X25519() *ecdh.PublicKey { return p.x }

// MLKEM returns the post-quantum half of p.
func (p *KEMPublicKey) MLKEM() *mlkem.EncapsulationKey768 { return p.ml }

// Encapsulate generates a fresh shared secret for p and returns it with the
// KEMCiphertextSize-byte ciphertext that only p's private key can open.
// The ephemeral X25519 key is read from rand; ML-KEM-768 draws its own
// randomness from the operating system, as crypto/mlkem always does.
func (p *KEMPublicKey) Encapsulate(rand io.Reader) (shared, ciphertext []byte, err error) {
	var eSeed [x25519Size]byte
	if _, err := io.ReadFull(rand, eSeed[:]); err != nil {
		return nil, nil, fmt.Errorf("pqc: reading randomness: %w", err)
	}
	e, err := ecdh.X25519().NewPrivateKey(eSeed[:])
	clear(eSeed[:])
	if err != nil {
		return nil, nil, fmt.Errorf("pqc: X25519 ephemeral: %w", err)
	}
	ssX, err := e.ECDH(p.x)
	if err != nil {
		return nil, nil, fmt.Errorf("pqc: X25519: %w", err)
	}
	ssM, ctM := p.ml.Encapsulate()
	ct := make([]byte, 0, KEMCiphertextSize)
	ct = append(ct, e.PublicKey().Bytes()...)
	ct = append(ct, ctM...)
	return combine(ssM, ssX, ct[:x25519Size], p.enc[:x25519Size]), ct, nil
}

// Decapsulate recovers the shared secret from a ciphertext made by
// Encapsulate for k's public key. A ciphertext that was tampered with
// yields an unrelated secret (ML-KEM implicit rejection) or an error; it
// never yields the sender's secret.
func (k *KEMKey) Decapsulate(ciphertext []byte) ([]byte, error) {
	if len(ciphertext) != KEMCiphertextSize {
		return nil, fmt.Errorf("%w: KEM ciphertext is %d bytes, want %d", ErrKeySize, len(ciphertext), KEMCiphertextSize)
	}
	ePub, err := ecdh.X25519().NewPublicKey(ciphertext[:x25519Size])
	if err != nil {
		return nil, fmt.Errorf("pqc: X25519 ciphertext: %w", err)
	}
	ssX, err := k.x.ECDH(ePub)
	if err != nil {
		return nil, fmt.Errorf("pqc: X25519: %w", err)
	}
	ssM, err := k.ml.Decapsulate(ciphertext[x25519Size:])
	if err != nil {
		return nil, fmt.Errorf("pqc: ML-KEM-768: %w", err)
	}
	return combine(ssM, ssX, ciphertext[:x25519Size], k.pub.enc[:x25519Size]), nil
}

// combine is the X-Wing combiner (draft-connolly-cfrg-xwing-kem) with this
// project's label: SHA3-256(ssM || ssX || ctX || pkX || label). ML-KEM's
// ciphertext is omitted as in X-Wing because ML-KEM-768 is
// ciphertext-collision resistant.
func combine(ssM, ssX, ctX, pkX []byte) []byte {
	h := sha3.New256()
	h.Write(ssM)
	h.Write(ssX)
	h.Write(ctX)
	h.Write(pkX)
	h.Write([]byte(kemLabel))
	return h.Sum(nil)
}
