package pqc

import (
	"crypto/rand"
	"testing"
)

// The handshake benchmarks compare against these. Run with:
//
//	go test -run '^$' -bench . -benchmem ./internal/pqc/

func BenchmarkGenerateSigningKey(b *testing.B) {
	for b.Loop() {
		if _, err := GenerateSigningKey(rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	k := mustSigningKey(b, 50)
	msg := make([]byte, 1024)
	ctx := []byte("bench")
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := k.Sign(msg, ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	k := mustSigningKey(b, 51)
	msg := make([]byte, 1024)
	ctx := []byte("bench")
	sig, err := k.Sign(msg, ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := k.Public().Verify(msg, ctx, sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseVerifyingKey(b *testing.B) {
	enc := mustSigningKey(b, 52).Public().Bytes()
	for b.Loop() {
		if _, err := ParseVerifyingKey(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerateKEMKey(b *testing.B) {
	for b.Loop() {
		if _, err := GenerateKEMKey(rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseKEMPublicKey(b *testing.B) {
	enc := mustKEMKey(b, 53).Public().Bytes()
	for b.Loop() {
		if _, err := ParseKEMPublicKey(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncapsulate(b *testing.B) {
	pub := mustKEMKey(b, 54).Public()
	for b.Loop() {
		if _, _, err := pub.Encapsulate(rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecapsulate(b *testing.B) {
	k := mustKEMKey(b, 55)
	_, ct, err := k.Public().Encapsulate(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := k.Decapsulate(ct); err != nil {
			b.Fatal(err)
		}
	}
}
