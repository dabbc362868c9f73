package pqc

import (
	"bytes"
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/sha3"
	"errors"
	"testing"
)

func mustKEMKey(t testing.TB, seed byte) *KEMKey {
	t.Helper()
	k, err := GenerateKEMKey(testRand(seed))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKEMRoundTrip(t *testing.T) {
	k := mustKEMKey(t, 20)
	for i := range 4 {
		ss, ct, err := k.Public().Encapsulate(testRand(byte(100 + i)))
		if err != nil {
			t.Fatal(err)
		}
		if len(ss) != SharedSecretSize || len(ct) != KEMCiphertextSize {
			t.Fatalf("secret %d bytes, ciphertext %d bytes", len(ss), len(ct))
		}
		got, err := k.Decapsulate(ct)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, ss) {
			t.Fatal("Decapsulate returned another secret than Encapsulate")
		}
		if bytes.Equal(ss, make([]byte, SharedSecretSize)) {
			t.Fatal("shared secret is all zero")
		}
	}
}

// TestKEMCombiner recomputes the documented X-Wing style combiner from the
// two halves with the standard libraries.
func TestKEMCombiner(t *testing.T) {
	k := mustKEMKey(t, 21)
	ss, ct, err := k.Public().Encapsulate(testRand(22))
	if err != nil {
		t.Fatal(err)
	}
	var eSeed [32]byte
	if _, err := testRand(22).Read(eSeed[:]); err != nil {
		t.Fatal(err)
	}
	e, err := ecdh.X25519().NewPrivateKey(eSeed[:])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(e.PublicKey().Bytes(), ct[:32]) {
		t.Fatal("ciphertext does not start with the ephemeral X25519 public key")
	}
	ssX, err := e.ECDH(k.Public().X25519())
	if err != nil {
		t.Fatal(err)
	}
	ssM, err := k.MLKEM().Decapsulate(ct[32:])
	if err != nil {
		t.Fatal(err)
	}
	h := sha3.New256()
	for _, part := range [][]byte{ssM, ssX, ct[:32], k.Public().X25519().Bytes(), []byte("x0tta6bl4 hybrid KEM X25519+ML-KEM-768 v1")} {
		h.Write(part)
	}
	if want := h.Sum(nil); !bytes.Equal(ss, want) {
		t.Fatalf("shared secret %x, want SHA3-256(ssM||ssX||ctX||pkX||label) = %x", ss, want)
	}
}

func TestDecapsulateTampered(t *testing.T) {
	k := mustKEMKey(t, 23)
	ss, ct, err := k.Public().Encapsulate(testRand(24))
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 17, 31, 32, 100, KEMCiphertextSize / 2, KEMCiphertextSize - 1} {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x04
		got, err := k.Decapsulate(bad)
		if err == nil && bytes.Equal(got, ss) {
			t.Errorf("ciphertext with byte %d flipped yields the sender's secret", i)
		}
	}
	// An all-zero (low-order) ephemeral X25519 key is an error.
	bad := bytes.Clone(ct)
	clear(bad[:32])
	if _, err := k.Decapsulate(bad); err == nil {
		t.Error("Decapsulate accepted a low-order X25519 point")
	}
	// Another recipient gets another secret.
	got, err := mustKEMKey(t, 25).Decapsulate(ct)
	if err == nil && bytes.Equal(got, ss) {
		t.Error("another key decapsulates to the same secret")
	}
}

func TestKEMSizeErrors(t *testing.T) {
	k := mustKEMKey(t, 26)
	tests := []struct {
		name string
		err  error
	}{
		{"short seed", func() error { _, err := NewKEMKey(make([]byte, KEMSeedSize-1)); return err }()},
		{"long seed", func() error { _, err := NewKEMKey(make([]byte, KEMSeedSize+1)); return err }()},
		{"short public key", func() error { _, err := ParseKEMPublicKey(make([]byte, KEMPublicKeySize-1)); return err }()},
		{"long public key", func() error { _, err := ParseKEMPublicKey(make([]byte, KEMPublicKeySize+1)); return err }()},
		{"short ciphertext", func() error { _, err := k.Decapsulate(make([]byte, KEMCiphertextSize-1)); return err }()},
		{"long ciphertext", func() error { _, err := k.Decapsulate(make([]byte, KEMCiphertextSize+1)); return err }()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, ErrKeySize) {
				t.Fatalf("error %v, want ErrKeySize", tc.err)
			}
		})
	}
}

func TestParseKEMPublicKeyRejectsBadMLKEMKey(t *testing.T) {
	good := mustKEMKey(t, 27).Public().Bytes()
	// Each ML-KEM coefficient is 12 bits, little-endian; q = 3329. Set
	// coefficients to values at and above q in several places.
	tests := []struct {
		name string
		at   int // offset of a 3-byte group (two coefficients) in the ML-KEM key
		b    [3]byte
	}{
		{"first coefficient 4095", 0, [3]byte{0xff, 0x0f, 0x00}},
		{"first coefficient q", 0, [3]byte{0x01, 0x0d, 0x00}},
		{"second coefficient q", 0, [3]byte{0x00, 0x10, 0xd0}},
		{"last polynomial", mlkem.EncapsulationKeySize768 - 32 - 3, [3]byte{0xff, 0xff, 0xff}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(good)
			copy(b[x25519Size+tc.at:], tc.b[:])
			if _, err := ParseKEMPublicKey(b); err == nil {
				t.Fatal("ParseKEMPublicKey accepted a coefficient >= q")
			}
		})
	}
	// The largest valid coefficient, q-1, is accepted.
	b := bytes.Clone(good)
	copy(b[x25519Size:], []byte{0x00, 0x0d, 0x00}) // q-1 = 0xd00
	if _, err := ParseKEMPublicKey(b); err != nil {
		t.Fatalf("coefficient q-1 rejected: %v", err)
	}
}

func TestKEMSeedAndKeyRoundTrip(t *testing.T) {
	k := mustKEMKey(t, 28)
	seed := k.Seed()
	if len(seed) != KEMSeedSize {
		t.Fatalf("seed is %d bytes", len(seed))
	}
	k2, err := NewKEMKey(seed)
	if err != nil {
		t.Fatal(err)
	}
	if !k2.Public().Equal(k.Public()) {
		t.Fatal("key rebuilt from its seed has another public key")
	}
	ss, ct, err := k.Public().Encapsulate(testRand(29))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k2.Decapsulate(ct); err != nil || !bytes.Equal(got, ss) {
		t.Fatalf("rebuilt key does not decapsulate: %v", err)
	}
	pub, err := ParseKEMPublicKey(k.Public().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(k.Public()) || pub.Equal(nil) || pub.Equal(mustKEMKey(t, 30).Public()) {
		t.Fatal("Equal is wrong")
	}
	if !bytes.Equal(pub.X25519().Bytes(), k.X25519().PublicKey().Bytes()) {
		t.Fatal("X25519 halves differ")
	}
	if !bytes.Equal(pub.MLKEM().Bytes(), k.MLKEM().EncapsulationKey().Bytes()) {
		t.Fatal("ML-KEM halves differ")
	}
	if !bytes.Equal(k.MLKEM().Bytes(), seed[x25519Size:]) || !bytes.Equal(k.X25519().Bytes(), seed[:x25519Size]) {
		t.Fatal("the seed is not X25519 scalar || ML-KEM seed")
	}
}

func TestEncapsulateErrors(t *testing.T) {
	k := mustKEMKey(t, 31)
	if _, _, err := k.Public().Encapsulate(failAfter(5)); err == nil {
		t.Error("Encapsulate succeeded with failing randomness")
	}
	if _, err := GenerateKEMKey(failAfter(KEMSeedSize - 1)); err == nil {
		t.Error("GenerateKEMKey succeeded with failing randomness")
	}
	// A public key with a low-order X25519 half parses (X25519 accepts
	// any 32 bytes) but cannot be encapsulated to.
	b := k.Public().Bytes()
	clear(b[:x25519Size])
	lowOrder, err := ParseKEMPublicKey(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := lowOrder.Encapsulate(testRand(32)); err == nil {
		t.Error("Encapsulate to a low-order X25519 key succeeded")
	}
}
