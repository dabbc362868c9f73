package registry

import (
	"errors"
	"slices"
	"testing"
	"time"

	mrand "math/rand/v2"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

// flip returns a copy of b with the byte at i inverted.
func flip(b []byte, i int) []byte {
	c := slices.Clone(b)
	c[i] ^= 0xff
	return c
}

func TestVerify(t *testing.T) {
	n := newNet(t, 10, "fl-coord")
	foreign := newNet(t, 11)
	r := n.sign(t, params(4, ID{}))
	if err := n.verify.Verify(r, t0); err != nil {
		t.Fatalf("valid record: %v", err)
	}
	roundAt := len(Magic) + 1 + 1 + len(r.Kind) + 4 + 32 + 32 // offset of the round field
	parse := func(b []byte) *Record {
		t.Helper()
		rec, err := ParseRecord(b)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	raw := r.Raw()
	// A node of the same network claiming another node's certificate.
	f := fieldsOf(r)
	impostor := parse(signFields(t, f, n.other.Signing))
	// A valid signature by a node of another network.
	ff := fieldsOf(foreign.sign(t, params(4, ID{})))
	alien := parse(signFields(t, ff, foreign.coord.Signing))

	tests := []struct {
		name string
		r    *Record
		v    *Verifier
		now  time.Time
		want []error
	}{
		{"Ed25519 half flipped", parse(flip(raw, r.bodyLen+3)), n.verify, t0, []error{ErrSignature, pqc.ErrVerify}},
		{"ML-DSA half flipped", parse(flip(raw, r.bodyLen+200)), n.verify, t0, []error{ErrSignature, pqc.ErrVerify}},
		{"body flipped", parse(flip(raw, roundAt+7)), n.verify, t0, []error{ErrSignature}},
		{"payload flipped", parse(flip(raw, len(raw)-1)), n.verify, t0, []error{ErrPayloadHash}},
		{"other node's certificate", impostor, n.verify, t0, []error{ErrSignature}},
		{"certificate of another CA", alien, n.verify, t0, []error{ErrUntrusted, identity.ErrWrongCA}},
		{"expired certificate", r, n.verify, t0.Add(400 * 24 * time.Hour), []error{ErrUntrusted, identity.ErrExpired}},
		{"not yet valid", r, n.verify, t0.Add(-2 * time.Hour), []error{ErrUntrusted, identity.ErrNotYetValid}},
		{"not in coordinator group", r, &Verifier{Identity: n.verify.Identity, CoordinatorGroup: "other"}, t0, []error{ErrNotCoordinator}},
		{"no verifier", r, nil, t0, []error{ErrInvalid}},
		{"no identity verifier", r, &Verifier{}, t0, []error{ErrInvalid}},
		{"no record", nil, n.verify, t0, []error{ErrInvalid}},
		{"unparsed record", &Record{}, n.verify, t0, []error{ErrInvalid}},
	}
	for _, tt := range tests {
		err := tt.v.Verify(tt.r, tt.now)
		for _, w := range tt.want {
			if !errors.Is(err, w) {
				t.Errorf("%s: err = %v, want %v", tt.name, err, w)
			}
		}
	}
	if err := (&Verifier{Identity: n.verify.Identity, CoordinatorGroup: "fl-coord"}).Verify(r, t0); err != nil {
		t.Errorf("coordinator in the group: %v", err)
	}

	// Fields changed after parsing do not change the verdict.
	tampered := parse(raw)
	tampered.Round, tampered.PayloadHash, tampered.Certificate = 99, [32]byte{}, foreign.cert
	if err := n.verify.Verify(tampered, t0); err != nil {
		t.Errorf("verdict depends on exported fields: %v", err)
	}
	tampered.Payload[0] ^= 1 // but the payload shares the encoding
	if err := n.verify.Verify(tampered, t0); !errors.Is(err, ErrPayloadHash) {
		t.Errorf("payload changed in place: %v", err)
	}

	// A revoked coordinator is refused once the list is installed.
	crl, err := n.ca.Revoke(mrand.NewChaCha8([32]byte{1}), nil, t0, n.cert.Serial)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.verify.Identity.SetRevocationList(crl); err != nil {
		t.Fatal(err)
	}
	if err := n.verify.Verify(r, t0); !errors.Is(err, ErrUntrusted) || !errors.Is(err, identity.ErrRevoked) {
		t.Errorf("revoked coordinator: %v", err)
	}
}
