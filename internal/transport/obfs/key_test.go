package obfs

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestKeyText(t *testing.T) {
	k, err := GenerateKey(rand.Reader)
	if err != nil || k.IsZero() {
		t.Fatal(k.IsZero(), err)
	}
	text, err := k.MarshalText()
	if err != nil || len(text) != 44 {
		t.Fatalf("%q %v", text, err)
	}
	back, err := ParseKey(string(text))
	if err != nil || back != k {
		t.Fatalf("round trip: %v", err)
	}
	if s := fmt.Sprint(k); strings.Contains(s, string(text)) || s != "obfs.Key(redacted)" {
		t.Fatalf("String shows %q", s)
	}
	for _, bad := range []string{
		"",
		"AQID",
		strings.Repeat("A", 43) + "=", // all zero
		strings.Repeat("A", 44),       // 33 bytes without padding
		strings.Repeat("*", 43) + "=",
		string(text[:43]) + "==",
		string(text) + "A",
	} {
		if _, err := ParseKey(bad); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ParseKey(%q) = %v", bad, err)
		}
	}
	if _, err := GenerateKey(bytes.NewReader(make([]byte, 32))); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("zero key generated: %v", err)
	}
	if _, err := GenerateKey(&errReader{}); !errors.Is(err, errRandom) {
		t.Fatalf("failing rand: %v", err)
	}
}
