package pqc

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

// testRand returns a deterministic randomness source for reproducible keys.
func testRand(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

// failAfter returns a reader that yields n zero bytes and then fails.
func failAfter(n int) io.Reader {
	return io.MultiReader(bytes.NewReader(make([]byte, n)), iotest.ErrReader(errors.New("entropy exhausted")))
}

func mustSigningKey(t testing.TB, seed byte) *SigningKey {
	t.Helper()
	k, err := GenerateSigningKey(testRand(seed))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSignVerifyRoundTrip(t *testing.T) {
	k := mustSigningKey(t, 1)
	tests := []struct {
		name     string
		msg, ctx []byte
	}{
		{"empty message", nil, []byte("c")},
		{"short", []byte("hello"), []byte("x0tta6bl4 test")},
		{"long message", bytes.Repeat([]byte{0xa5}, 1<<16), []byte("ctx")},
		{"longest context", []byte("m"), bytes.Repeat([]byte{'c'}, MaxContextSize)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sig, err := k.Sign(tc.msg, tc.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(sig) != SignatureSize {
				t.Fatalf("signature is %d bytes, want %d", len(sig), SignatureSize)
			}
			if err := k.Public().Verify(tc.msg, tc.ctx, sig); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			pub, err := ParseVerifyingKey(k.Public().Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if err := pub.Verify(tc.msg, tc.ctx, sig); err != nil {
				t.Fatalf("Verify with parsed key: %v", err)
			}
		})
	}
}

// TestHalvesAreStandard checks each half against the standard
// implementations directly, so the hybrid cannot silently degrade to
// something other than Ed25519 and ML-DSA-65.
func TestHalvesAreStandard(t *testing.T) {
	k := mustSigningKey(t, 2)
	msg, ctx := []byte("message"), []byte("context")
	sig, err := k.Sign(msg, ctx)
	if err != nil {
		t.Fatal(err)
	}
	enc := k.Public().Bytes()
	edPub := ed25519.PublicKey(enc[:ed25519.PublicKeySize])
	edMsg := append(append([]byte{byte(len(ctx))}, ctx...), msg...)
	if !ed25519.Verify(edPub, edMsg, sig[:ed25519.SignatureSize]) {
		t.Error("Ed25519 half does not verify with crypto/ed25519 over len(ctx)||ctx||msg")
	}
	if !bytes.Equal(edPub, ed25519.NewKeyFromSeed(k.Seed()[:ed25519.SeedSize]).Public().(ed25519.PublicKey)) {
		t.Error("Ed25519 public key is not derived from the first half of the seed")
	}
	var mlPub mldsa65.PublicKey
	if err := mlPub.UnmarshalBinary(enc[ed25519.PublicKeySize:]); err != nil {
		t.Fatal(err)
	}
	if !mldsa65.Verify(&mlPub, msg, ctx, sig[ed25519.SignatureSize:]) {
		t.Error("ML-DSA-65 half does not verify with circl's mldsa65.Verify")
	}
	if mldsa65.Verify(&mlPub, msg, []byte("other"), sig[ed25519.SignatureSize:]) {
		t.Error("ML-DSA-65 half verifies under another context")
	}
}

func TestVerifyRejectsTamperedHalves(t *testing.T) {
	k := mustSigningKey(t, 3)
	msg, ctx := []byte("certificate body"), []byte("ctx")
	sig, err := k.Sign(msg, ctx)
	if err != nil {
		t.Fatal(err)
	}
	other, err := k.Sign([]byte("another body"), ctx)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		s := bytes.Clone(sig)
		s[i] ^= 0x01
		return s
	}
	splice := func(ed, ml []byte) []byte {
		return append(bytes.Clone(ed[:ed25519.SignatureSize]), ml[ed25519.SignatureSize:]...)
	}
	tests := []struct {
		name string
		sig  []byte
		want string
	}{
		{"Ed25519 R flipped", flip(0), "Ed25519 half invalid"},
		{"Ed25519 S flipped", flip(ed25519.SignatureSize - 1), "Ed25519 half invalid"},
		{"ML-DSA first byte flipped", flip(ed25519.SignatureSize), "ML-DSA-65 half invalid"},
		{"ML-DSA last byte flipped", flip(SignatureSize - 1), "ML-DSA-65 half invalid"},
		{"Ed25519 half of another message", splice(other, sig), "Ed25519 half invalid"},
		{"ML-DSA half of another message", splice(sig, other), "ML-DSA-65 half invalid"},
		{"both halves flipped", func() []byte { s := flip(0); s[SignatureSize-1] ^= 1; return s }(), "Ed25519 and ML-DSA-65"},
		{"all zero", make([]byte, SignatureSize), "Ed25519 and ML-DSA-65"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := k.Public().Verify(msg, ctx, tc.sig)
			if !errors.Is(err, ErrVerify) {
				t.Fatalf("Verify = %v, want ErrVerify", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestVerifyRejectsWrongMessageContextOrKey(t *testing.T) {
	k, k2 := mustSigningKey(t, 4), mustSigningKey(t, 5)
	msg, ctx := []byte("m"), []byte("ctx-a")
	sig, err := k.Sign(msg, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Public().Verify(msg, []byte("ctx-b"), sig); !errors.Is(err, ErrVerify) {
		t.Errorf("other context: %v, want ErrVerify", err)
	}
	if err := k.Public().Verify([]byte("M"), ctx, sig); !errors.Is(err, ErrVerify) {
		t.Errorf("other message: %v, want ErrVerify", err)
	}
	if err := k2.Public().Verify(msg, ctx, sig); !errors.Is(err, ErrVerify) {
		t.Errorf("other key: %v, want ErrVerify", err)
	}
	// ctx and msg are length-separated: moving a byte between them fails.
	sig2, err := k.Sign([]byte("bc"), []byte("a"))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Public().Verify([]byte("c"), []byte("ab"), sig2); !errors.Is(err, ErrVerify) {
		t.Errorf("shifted context boundary: %v, want ErrVerify", err)
	}
}

func TestContextAndSizeErrors(t *testing.T) {
	k := mustSigningKey(t, 6)
	sig, err := k.Sign([]byte("m"), []byte("c"))
	if err != nil {
		t.Fatal(err)
	}
	long := bytes.Repeat([]byte{'c'}, MaxContextSize+1)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"sign empty context", func() error { _, err := k.Sign([]byte("m"), nil); return err }(), ErrContext},
		{"sign long context", func() error { _, err := k.Sign([]byte("m"), long); return err }(), ErrContext},
		{"verify empty context", k.Public().Verify([]byte("m"), nil, sig), ErrContext},
		{"verify long context", k.Public().Verify([]byte("m"), long, sig), ErrContext},
		{"short signature", k.Public().Verify([]byte("m"), []byte("c"), sig[:SignatureSize-1]), ErrSignatureSize},
		{"long signature", k.Public().Verify([]byte("m"), []byte("c"), append(bytes.Clone(sig), 0)), ErrSignatureSize},
		{"nil signature", k.Public().Verify([]byte("m"), []byte("c"), nil), ErrSignatureSize},
		{"short seed", func() error { _, err := NewSigningKey(make([]byte, SigningSeedSize-1)); return err }(), ErrKeySize},
		{"long seed", func() error { _, err := NewSigningKey(make([]byte, SigningSeedSize+1)); return err }(), ErrKeySize},
		{"short verifying key", func() error { _, err := ParseVerifyingKey(make([]byte, VerifyingKeySize-1)); return err }(), ErrKeySize},
		{"long verifying key", func() error { _, err := ParseVerifyingKey(make([]byte, VerifyingKeySize+1)); return err }(), ErrKeySize},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) {
				t.Fatalf("error %v, want %v", tc.err, tc.want)
			}
		})
	}
}

func TestSigningSeedRoundTrip(t *testing.T) {
	k := mustSigningKey(t, 7)
	seed := k.Seed()
	if len(seed) != SigningSeedSize {
		t.Fatalf("seed is %d bytes", len(seed))
	}
	k2, err := NewSigningKey(seed)
	if err != nil {
		t.Fatal(err)
	}
	if !k2.Public().Equal(k.Public()) {
		t.Fatal("key rebuilt from its seed has another public key")
	}
	seed[0] ^= 1 // Seed returns a copy.
	if bytes.Equal(seed, k.Seed()) {
		t.Fatal("Seed exposes the key's own storage")
	}
	k3, err := NewSigningKey(seed)
	if err != nil {
		t.Fatal(err)
	}
	if k3.Public().Equal(k.Public()) {
		t.Fatal("different seeds give the same public key")
	}
	sig, err := k2.Sign([]byte("m"), []byte("c"))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Public().Verify([]byte("m"), []byte("c"), sig); err != nil {
		t.Fatalf("signature of the rebuilt key: %v", err)
	}
}

func TestVerifyingKeyEncoding(t *testing.T) {
	k := mustSigningKey(t, 8)
	b := k.Public().Bytes()
	if len(b) != VerifyingKeySize {
		t.Fatalf("Bytes is %d bytes, want %d", len(b), VerifyingKeySize)
	}
	p, err := ParseVerifyingKey(b)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Equal(k.Public()) || !bytes.Equal(p.Bytes(), b) {
		t.Fatal("parsed key differs from the original")
	}
	b[0] ^= 1
	if !p.Equal(k.Public()) || bytes.Equal(p.Bytes(), b) {
		t.Fatal("Bytes exposes the key's own storage")
	}
	if k.Public().Equal(nil) {
		t.Fatal("key equals nil")
	}
	if k.Public().Equal(mustSigningKey(t, 9).Public()) {
		t.Fatal("different keys are equal")
	}
}

func TestGenerateSigningKeyRandomnessFailure(t *testing.T) {
	if _, err := GenerateSigningKey(failAfter(SigningSeedSize - 1)); err == nil {
		t.Fatal("GenerateSigningKey succeeded with failing randomness")
	}
	k1, err := GenerateSigningKey(testRand(10))
	if err != nil {
		t.Fatal(err)
	}
	k2, err := GenerateSigningKey(testRand(10))
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Public().Equal(k2.Public()) {
		t.Fatal("same randomness gives different keys")
	}
}
