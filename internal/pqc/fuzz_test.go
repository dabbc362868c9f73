package pqc

import (
	"bytes"
	"crypto/ecdh"
	"errors"
	"testing"
)

// FuzzParseVerifyingKey checks that ParseVerifyingKey accepts exactly the
// inputs of VerifyingKeySize bytes, that accepted keys re-encode to the
// input, and that no input panics.
func FuzzParseVerifyingKey(f *testing.F) {
	k := mustSigningKey(f, 40)
	f.Add(k.Public().Bytes())
	f.Add(make([]byte, VerifyingKeySize))
	f.Add(bytes.Repeat([]byte{0xff}, VerifyingKeySize))
	f.Add(k.Public().Bytes()[:VerifyingKeySize-1])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseVerifyingKey(b)
		if (err == nil) != (len(b) == VerifyingKeySize) {
			t.Fatalf("%d-byte key: err = %v", len(b), err)
		}
		if err != nil {
			return
		}
		if !bytes.Equal(v.Bytes(), b) {
			t.Fatal("parsed key does not re-encode to its input")
		}
		if !v.Equal(v) {
			t.Fatal("key is not equal to itself")
		}
		// A signature made by another key never verifies under v.
		sig, err := k.Sign([]byte("m"), []byte("c"))
		if err != nil {
			t.Fatal(err)
		}
		if !v.Equal(k.Public()) && v.Verify([]byte("m"), []byte("c"), sig) == nil {
			t.Fatal("another key's signature verifies")
		}
	})
}

// FuzzParseKEMPublicKey checks that accepted KEM public keys have the
// right size, re-encode to the input and can be encapsulated to (or fail
// cleanly, for a low-order X25519 half).
func FuzzParseKEMPublicKey(f *testing.F) {
	f.Add(mustKEMKey(f, 41).Public().Bytes())
	f.Add(make([]byte, KEMPublicKeySize))
	f.Add(bytes.Repeat([]byte{0xff}, KEMPublicKeySize))
	f.Add([]byte{1, 2, 3})
	probe, err := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseKEMPublicKey(b)
		if err != nil {
			if !errors.Is(err, ErrKeySize) {
				t.Fatalf("error %v does not wrap ErrKeySize", err)
			}
			return
		}
		if len(b) != KEMPublicKeySize {
			t.Fatalf("accepted a %d-byte key", len(b))
		}
		if !bytes.Equal(p.Bytes(), b) {
			t.Fatal("parsed key does not re-encode to its input")
		}
		ss, ct, err := p.Encapsulate(testRand(42))
		if err != nil {
			// Only a low-order X25519 half may fail: every clamped
			// scalar maps it to zero.
			if _, lowErr := probe.ECDH(p.X25519()); lowErr == nil {
				t.Fatalf("Encapsulate failed for a key with a usable X25519 half: %v", err)
			}
			return
		}
		if len(ss) != SharedSecretSize || len(ct) != KEMCiphertextSize {
			t.Fatalf("secret %d bytes, ciphertext %d bytes", len(ss), len(ct))
		}
	})
}

// FuzzDecapsulate feeds arbitrary ciphertexts to a fixed key: wrong sizes
// are errors, other inputs give an error or a secret that is the same on
// every call, and the one genuine ciphertext gives the sender's secret.
func FuzzDecapsulate(f *testing.F) {
	k := mustKEMKey(f, 43)
	ss, ct, err := k.Public().Encapsulate(testRand(44))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ct)
	f.Add(make([]byte, KEMCiphertextSize))
	f.Add(ct[:KEMCiphertextSize-1])
	f.Add(append(bytes.Clone(ct), 0))
	f.Fuzz(func(t *testing.T, c []byte) {
		got, err := k.Decapsulate(c)
		if len(c) != KEMCiphertextSize {
			if err == nil {
				t.Fatalf("accepted a %d-byte ciphertext", len(c))
			}
			return
		}
		if err != nil {
			return
		}
		if len(got) != SharedSecretSize {
			t.Fatalf("secret is %d bytes", len(got))
		}
		again, err := k.Decapsulate(c)
		if err != nil || !bytes.Equal(again, got) {
			t.Fatal("Decapsulate is not deterministic")
		}
		if bytes.Equal(c, ct) != bytes.Equal(got, ss) {
			t.Fatal("the sender's secret came from another ciphertext, or not from the genuine one")
		}
	})
}
