package registry

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
	"time"
)

// seedRecords returns encodings that cover the record format: two valid
// records and refusals at its edges.
func seedRecords(t testing.TB) map[string][]byte {
	n := newNet(t, 40)
	full := n.sign(t, params(9, ID{1, 2, 3})).Raw()
	empty := n.sign(t, Params{Kind: "k", Strategy: "s", Round: 1, Created: time.Unix(0, 0)}).Raw()
	return map[string][]byte{
		"valid":          full,
		"valid-empty":    empty,
		"truncated":      full[:len(full)/2],
		"trailing-byte":  append(bytes.Clone(empty), 0),
		"version-2":      append([]byte(Magic+"\x02"), empty[len(Magic)+1:]...),
		"magic-only":     []byte(Magic),
		"other-magic":    []byte("X0MDET\x00\x00\x00\x01"),
		"short-cert-len": empty[:len(empty)-len(empty)/3],
	}
}

// FuzzParseRecord checks, for any input, that ParseRecord does not panic,
// that a refusal wraps ErrMalformed, and that an accepted record is within
// MaxRecordSize, re-encodes from its fields to exactly the input (the
// encoding is canonical), is named by the SHA-256 of its body, and can be
// verified without a panic.
func FuzzParseRecord(f *testing.F) {
	for _, b := range seedRecords(f) {
		f.Add(b)
	}
	n := newNet(f, 40)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRecord(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if len(b) > MaxRecordSize || r.PayloadSize > MaxPayloadSize || len(r.Participants) > MaxParticipants {
			t.Fatalf("accepted %d bytes, payload %d, %d participants", len(b), r.PayloadSize, len(r.Participants))
		}
		re, err := reencode(r)
		if err != nil {
			t.Fatalf("accepted record does not encode: %v", err)
		}
		if !bytes.Equal(re, b) || !bytes.Equal(r.Raw(), b) {
			t.Fatal("accepted record is not canonical")
		}
		if r.ID != sha256.Sum256(b[:r.bodyLen]) {
			t.Fatal("ID is not the SHA-256 of the body")
		}
		err = n.verify.Verify(r, t0)
		if err != nil && !errors.Is(err, ErrPayloadHash) && !errors.Is(err, ErrUntrusted) && !errors.Is(err, ErrSignature) {
			t.Fatalf("verification error of no kind: %v", err)
		}
	})
}

// FuzzDecodeChange checks that a stored history value decodes without a
// panic, refusals wrap ErrMalformed, and an accepted change encodes back
// to the input.
func FuzzDecodeChange(f *testing.F) {
	good, err := encodeChange(Change{At: t0, Kind: ChangeRollback, From: ID{1}, To: ID{2}, Round: 3, Reason: "accuracy dropped"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add([]byte{valueVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeChange(1, b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		back, err := encodeChange(c)
		if err != nil || !bytes.Equal(back, b) {
			t.Fatalf("change does not encode back: %v", err)
		}
	})
}

// FuzzDecodeVersion checks that a stored version value under any key
// decodes without a panic, refusals wrap ErrMalformed, and an accepted
// value is stored under its ID and encodes back to the input.
func FuzzDecodeVersion(f *testing.F) {
	n := newNet(f, 41)
	r := n.sign(f, params(2, ID{}))
	good := encodeVersion(t0, r.envelope())
	f.Add(r.ID[:], good)
	f.Add(r.ID[:], good[:len(good)-1])
	f.Add([]byte{1}, good)
	f.Fuzz(func(t *testing.T, key, b []byte) {
		v, rec, err := decodeVersion(key, b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if !bytes.Equal(key, v.ID[:]) || !bytes.Equal(encodeVersion(v.AcceptedAt, rec.envelope()), b) {
			t.Fatal("version does not encode back under its ID")
		}
	})
}
