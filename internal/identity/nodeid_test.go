package identity

import (
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
)

func TestDeriveNodeID(t *testing.T) {
	id := newTestIdentity(t)
	want := sha256.Sum256(append([]byte("x0tta6bl4 node id v1"), id.Signing.Public().Bytes()...))
	if got := id.ID(); got != NodeID(want) {
		t.Fatalf("ID %s, want SHA-256(label || verifying key) %x", got, want)
	}
	if id.PublicIdentity().ID() != id.ID() {
		t.Fatal("public and private identity have different IDs")
	}
	if other := newTestIdentity(t); other.ID() == id.ID() {
		t.Fatal("two identities share an ID")
	}
}

func TestNodeIDText(t *testing.T) {
	id := newTestIdentity(t).ID()
	s := id.String()
	if len(s) != 64 || s != strings.ToLower(s) {
		t.Fatalf("String() = %q, want 64 lower-case hex digits", s)
	}
	if id.Short() != s[:16] {
		t.Fatalf("Short() = %q, want %q", id.Short(), s[:16])
	}
	for _, in := range []string{s, strings.ToUpper(s)} {
		got, err := ParseNodeID(in)
		if err != nil || got != id {
			t.Fatalf("ParseNodeID(%q) = %v, %v", in, got, err)
		}
	}
	j, err := json.Marshal(map[string]NodeID{"id": id})
	if err != nil {
		t.Fatal(err)
	}
	if string(j) != `{"id":"`+s+`"}` {
		t.Fatalf("JSON %s", j)
	}
	var back map[string]NodeID
	if err := json.Unmarshal(j, &back); err != nil || back["id"] != id {
		t.Fatalf("JSON round trip: %v, %v", back, err)
	}
	if id.IsZero() || !(NodeID{}).IsZero() {
		t.Fatal("IsZero is wrong")
	}
}

func TestParseNodeIDErrors(t *testing.T) {
	valid := strings.Repeat("ab", 32)
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"short", valid[:63]},
		{"long", valid + "a"},
		{"not hex", "zz" + valid[2:]},
		{"space", " " + valid[1:]},
		{"short form", valid[:16]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseNodeID(tc.in)
			wantErr(t, err, ErrMalformed)
			var id NodeID
			wantErr(t, id.UnmarshalText([]byte(tc.in)), ErrMalformed)
			if !id.IsZero() {
				t.Fatal("UnmarshalText changed the ID on error")
			}
		})
	}
}

func TestGenerateIdentityRandomnessFailure(t *testing.T) {
	for _, n := range []int{0, 10, 64, 100} {
		if _, err := GenerateIdentity(failAfter(n)); err == nil {
			t.Errorf("GenerateIdentity succeeded with randomness failing after %d bytes", n)
		}
	}
	a, err := GenerateIdentity(testRand(1))
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateIdentity(testRand(1))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID() != b.ID() || !a.PublicIdentity().Equal(b.PublicIdentity()) {
		t.Fatal("the same randomness gives different identities")
	}
	if a.PublicIdentity().Equal(nil) || a.PublicIdentity().Equal(newTestIdentity(t).PublicIdentity()) {
		t.Fatal("PublicIdentity.Equal is wrong")
	}
}
