package identity

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	mrand "math/rand/v2"
	"testing"
	"testing/iotest"
	"time"
)

// t0 is the fixed "now" of the tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testRand returns a deterministic randomness source.
func testRand(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return mrand.NewChaCha8(s)
}

// failAfter returns a reader that yields n bytes and then fails.
func failAfter(n int) io.Reader {
	return io.MultiReader(bytes.NewReader(make([]byte, n)), iotest.ErrReader(errors.New("entropy exhausted")))
}

func newTestCA(t testing.TB, name string) *CA {
	t.Helper()
	ca, err := NewCA(rand.Reader, name, 365*24*time.Hour, t0.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func newTestIdentity(t testing.TB) *PrivateIdentity {
	t.Helper()
	id, err := GenerateIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// issue returns a node certificate valid from an hour before t0 to a day
// after it.
func issue(t testing.TB, ca *CA, id *PrivateIdentity, name string, groups ...string) *Certificate {
	t.Helper()
	c, err := ca.Sign(rand.Reader, id.PublicIdentity(), name, groups, t0.Add(-time.Hour), t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantErr fails unless err wraps want.
func wantErr(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}
