// Package pqc provides the hybrid post-quantum primitives x0tta6bl4 is built
// on: signatures that combine Ed25519 with ML-DSA-65 (FIPS 204), and key
// encapsulation that combines X25519 with ML-KEM-768 (FIPS 203).
//
// Every hybrid object holds one classical and one post-quantum half. A
// signature verifies only when both halves verify, and a shared secret is
// derived from both halves, so each construction stays secure as long as
// either of its two primitives does. The package composes standard
// implementations (crypto/ed25519, crypto/ecdh, crypto/mlkem and
// github.com/cloudflare/circl) and invents no primitive of its own.
//
// Private keys are stored as seeds: 64 bytes for a signing key and 96 bytes
// for a KEM key. Public keys and signatures have fixed sizes given by the
// constants below, and every parser rejects input of any other length.
package pqc

import (
	"crypto/ed25519"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

// Sizes of the hybrid signature encodings, in bytes.
const (
	// SigningSeedSize is the size of an encoded signing private key:
	// the Ed25519 seed followed by the ML-DSA-65 seed.
	SigningSeedSize = ed25519.SeedSize + mldsa65.SeedSize
	// VerifyingKeySize is the size of an encoded verifying (public) key:
	// the Ed25519 public key followed by the ML-DSA-65 public key.
	VerifyingKeySize = ed25519.PublicKeySize + mldsa65.PublicKeySize
	// SignatureSize is the size of a hybrid signature: the Ed25519
	// signature followed by the ML-DSA-65 signature.
	SignatureSize = ed25519.SignatureSize + mldsa65.SignatureSize
	// MaxContextSize is the longest domain-separation context accepted by
	// Sign and Verify (the ML-DSA limit).
	MaxContextSize = 255
)

// Errors returned by the signature functions. They are wrapped with detail;
// test for them with errors.Is.
var (
	// ErrKeySize reports an encoded key of the wrong length.
	ErrKeySize = errors.New("pqc: wrong key size")
	// ErrSignatureSize reports an encoded signature of the wrong length.
	ErrSignatureSize = errors.New("pqc: wrong signature size")
	// ErrContext reports a context string that is empty or too long.
	ErrContext = errors.New("pqc: invalid signature context")
	// ErrVerify reports a signature that does not verify. The error text
	// says which half failed; both halves are always checked.
	ErrVerify = errors.New("pqc: signature verification failed")
)

// SigningKey is a hybrid Ed25519 + ML-DSA-65 private signing key.
type SigningKey struct {
	seed [SigningSeedSize]byte
	ed   ed25519.PrivateKey
	ml   *mldsa65.PrivateKey
	pub  *VerifyingKey
}

// VerifyingKey is a hybrid Ed25519 + ML-DSA-65 public key.
type VerifyingKey struct {
	ed  ed25519.PublicKey
	ml  *mldsa65.PublicKey
	enc [VerifyingKeySize]byte
}

// GenerateSigningKey returns a new signing key whose seeds are read from
// rand (use crypto/rand.Reader).
func GenerateSigningKey(rand io.Reader) (*SigningKey, error) {
	var seed [SigningSeedSize]byte
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return nil, fmt.Errorf("pqc: reading randomness: %w", err)
	}
	defer clear(seed[:])
	return NewSigningKey(seed[:])
}

// NewSigningKey derives a signing key from its SigningSeedSize-byte encoding.
func NewSigningKey(seed []byte) (*SigningKey, error) {
	if len(seed) != SigningSeedSize {
		return nil, fmt.Errorf("%w: signing seed is %d bytes, want %d", ErrKeySize, len(seed), SigningSeedSize)
	}
	k := &SigningKey{}
	copy(k.seed[:], seed)
	k.ed = ed25519.NewKeyFromSeed(k.seed[:ed25519.SeedSize])
	var mlSeed [mldsa65.SeedSize]byte
	copy(mlSeed[:], k.seed[ed25519.SeedSize:])
	mlPub, mlPriv := mldsa65.NewKeyFromSeed(&mlSeed)
	clear(mlSeed[:])
	k.ml = mlPriv
	k.pub = newVerifyingKey(k.ed.Public().(ed25519.PublicKey), mlPub)
	return k, nil
}

func newVerifyingKey(ed ed25519.PublicKey, ml *mldsa65.PublicKey) *VerifyingKey {
	v := &VerifyingKey{ed: ed, ml: ml}
	copy(v.enc[:ed25519.PublicKeySize], ed)
	ml.Pack((*[mldsa65.PublicKeySize]byte)(v.enc[ed25519.PublicKeySize:]))
	return v
}

// Seed returns the SigningSeedSize-byte encoding of the private key. The
// caller must protect it as it would the key itself.
func (k *SigningKey) Seed() []byte { return append([]byte(nil), k.seed[:]...) }

// Public returns the verifying key that belongs to k.
func (k *SigningKey) Public() *VerifyingKey { return k.pub }

// Sign returns the hybrid signature of msg under the domain-separation
// context ctx. Both halves sign ctx and msg: ML-DSA-65 through its native
// context string (hedged signing), Ed25519 over a length-prefixed
// concatenation of ctx and msg.
func (k *SigningKey) Sign(msg, ctx []byte) ([]byte, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	sig := make([]byte, SignatureSize)
	copy(sig, ed25519.Sign(k.ed, edMessage(msg, ctx)))
	if err := mldsa65.SignTo(k.ml, msg, ctx, true, sig[ed25519.SignatureSize:]); err != nil {
		return nil, fmt.Errorf("pqc: ML-DSA-65 signing: %w", err)
	}
	return sig, nil
}

// ParseVerifyingKey decodes a VerifyingKeySize-byte public key.
func ParseVerifyingKey(b []byte) (*VerifyingKey, error) {
	if len(b) != VerifyingKeySize {
		return nil, fmt.Errorf("%w: verifying key is %d bytes, want %d", ErrKeySize, len(b), VerifyingKeySize)
	}
	ed := ed25519.PublicKey(append([]byte(nil), b[:ed25519.PublicKeySize]...))
	ml := new(mldsa65.PublicKey)
	ml.Unpack((*[mldsa65.PublicKeySize]byte)(b[ed25519.PublicKeySize:]))
	return newVerifyingKey(ed, ml), nil
}

// Bytes returns the VerifyingKeySize-byte encoding of v.
func (v *VerifyingKey) Bytes() []byte { return append([]byte(nil), v.enc[:]...) }

// Equal reports whether v and w are the same key.
func (v *VerifyingKey) Equal(w *VerifyingKey) bool {
	return w != nil && subtle.ConstantTimeCompare(v.enc[:], w.enc[:]) == 1
}

// Verify checks the hybrid signature sig of msg under context ctx. It
// returns nil only if both the Ed25519 and the ML-DSA-65 halves verify.
func (v *VerifyingKey) Verify(msg, ctx, sig []byte) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	if len(sig) != SignatureSize {
		return fmt.Errorf("%w: signature is %d bytes, want %d", ErrSignatureSize, len(sig), SignatureSize)
	}
	edOK := ed25519.Verify(v.ed, edMessage(msg, ctx), sig[:ed25519.SignatureSize])
	mlOK := mldsa65.Verify(v.ml, msg, ctx, sig[ed25519.SignatureSize:])
	switch {
	case !edOK && !mlOK:
		return fmt.Errorf("%w: Ed25519 and ML-DSA-65 halves invalid", ErrVerify)
	case !edOK:
		return fmt.Errorf("%w: Ed25519 half invalid", ErrVerify)
	case !mlOK:
		return fmt.Errorf("%w: ML-DSA-65 half invalid", ErrVerify)
	}
	return nil
}

func checkContext(ctx []byte) error {
	if len(ctx) == 0 || len(ctx) > MaxContextSize {
		return fmt.Errorf("%w: %d bytes, want 1 to %d", ErrContext, len(ctx), MaxContextSize)
	}
	return nil
}

// edMessage binds the context into the Ed25519 input as
// len(ctx) || ctx || msg, mirroring ML-DSA's own context encoding.
func edMessage(msg, ctx []byte) []byte {
	m := make([]byte, 0, 1+len(ctx)+len(msg))
	m = append(m, byte(len(ctx)))
	m = append(m, ctx...)
	return append(m, msg...)
}
