package identity

import (
	"bytes"
	"crypto/rand"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func serial(b ...byte) [SerialSize]byte {
	var s [SerialSize]byte
	copy(s[:], b)
	return s
}

func TestRevocationListRoundTrip(t *testing.T) {
	ca := newTestCA(t, "ca")
	in := [][SerialSize]byte{serial(9), serial(1), serial(5), serial(1), serial(0xff, 1)}
	l, err := ca.SignRevocationList(rand.Reader, in, 7, t0)
	if err != nil {
		t.Fatal(err)
	}
	want := [][SerialSize]byte{serial(1), serial(5), serial(9), serial(0xff, 1)}
	if !slices.Equal(l.Serials, want) {
		t.Fatalf("serials %x, want sorted and distinct %x", l.Serials, want)
	}
	if l.Number != 7 || !l.IssuedAt.Equal(t0) || l.Issuer != ca.Cert.Subject {
		t.Fatalf("fields %+v", l)
	}
	if n := len(l.Raw()); n != revocationListFixedSize+4*SerialSize {
		t.Fatalf("list is %d bytes", n)
	}
	if in[0] != serial(9) {
		t.Fatal("SignRevocationList reordered the caller's slice")
	}
	p, err := ParseRevocationList(l.Raw())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Raw(), l.Raw()) || !slices.Equal(p.Serials, l.Serials) || p.Number != 7 {
		t.Fatal("parsed list differs")
	}
	if err := ca.Cert.Signing.Verify(p.signedPart(), []byte("x0tta6bl4 revocation list v1"), p.Signature); err != nil {
		t.Fatalf("signature: %v", err)
	}
	for _, s := range want {
		if !p.IsRevoked(s) {
			t.Errorf("%x not revoked", s)
		}
	}
	for _, s := range [][SerialSize]byte{serial(0), serial(2), serial(0xff), serial(0xff, 2)} {
		if p.IsRevoked(s) {
			t.Errorf("%x revoked", s)
		}
	}
	var none *RevocationList
	if none.IsRevoked(serial(1)) {
		t.Error("nil list revokes")
	}
	empty, err := ca.SignRevocationList(rand.Reader, nil, 1, t0)
	if err != nil || len(empty.Serials) != 0 || empty.IsRevoked(serial()) {
		t.Fatalf("empty list: %v", err)
	}
}

// TestRevocationListFull signs, writes and loads a list of MaxRevoked
// serials: the largest list must fit the file limit.
func TestRevocationListFull(t *testing.T) {
	ca := newTestCA(t, "ca")
	serials := make([][SerialSize]byte, MaxRevoked)
	for i := range serials {
		serials[i] = serial(byte(i>>8), byte(i), 0xaa)
	}
	l, err := ca.SignRevocationList(rand.Reader, serials, 1, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Raw()) != MaxRevocationListSize {
		t.Fatalf("full list is %d bytes, want %d", len(l.Raw()), MaxRevocationListSize)
	}
	path := filepath.Join(t.TempDir(), "ca.crl")
	if err := WriteRevocationList(path, l); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > MaxRevocationListFileSize {
		t.Fatalf("full list file is %d bytes, the limit is %d", fi.Size(), MaxRevocationListFileSize)
	}
	got, err := LoadRevocationList(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Serials) != MaxRevoked || !got.IsRevoked(serials[12345]) {
		t.Fatal("loaded list differs")
	}
	more := append(serials, serial(0xff, 0xff, 0xff))
	_, err = ca.SignRevocationList(rand.Reader, more, 2, t0)
	wantErr(t, err, ErrInvalid)
}

// crlBytes encodes a revocation list field by field, independently of the
// package, so tests can build invalid ones.
func crlBytes(version uint8, issuer NodeID, number, at uint64, count uint32, serials [][SerialSize]byte, sig []byte) []byte {
	b := []byte{version}
	b = append(b, issuer[:]...)
	b = append(b, u64(number)...)
	b = append(b, u64(at)...)
	b = append(b, byte(count>>24), byte(count>>16), byte(count>>8), byte(count))
	for _, s := range serials {
		b = append(b, s[:]...)
	}
	return append(b, sig...)
}

func TestParseRevocationListRejects(t *testing.T) {
	ca := newTestCA(t, "ca")
	l, err := ca.SignRevocationList(rand.Reader, [][SerialSize]byte{serial(1), serial(2), serial(3)}, 4, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got := crlBytes(1, l.Issuer, 4, uint64(t0.Unix()), 3, l.Serials, l.Signature); !bytes.Equal(got, l.Raw()) {
		t.Fatal("encoding differs from the documented layout")
	}
	at := uint64(t0.Unix())
	s := l.Serials
	tests := []struct {
		name string
		raw  []byte
	}{
		{"empty", nil},
		{"version 0", crlBytes(0, l.Issuer, 4, at, 3, s, l.Signature)},
		{"version 2", crlBytes(2, l.Issuer, 4, at, 3, s, l.Signature)},
		{"count too high", crlBytes(1, l.Issuer, 4, at, 4, s, l.Signature)},
		{"count too low", crlBytes(1, l.Issuer, 4, at, 2, s, l.Signature)},
		{"count over limit", crlBytes(1, l.Issuer, 4, at, MaxRevoked+1, s, l.Signature)},
		{"count 2^32-1", crlBytes(1, l.Issuer, 4, at, math.MaxUint32, s, l.Signature)},
		{"issue time out of range", crlBytes(1, l.Issuer, 4, maxUnixTime+1, 3, s, l.Signature)},
		{"unsorted", crlBytes(1, l.Issuer, 4, at, 3, [][SerialSize]byte{s[0], s[2], s[1]}, l.Signature)},
		{"duplicate", crlBytes(1, l.Issuer, 4, at, 3, [][SerialSize]byte{s[0], s[1], s[1]}, l.Signature)},
		{"short signature", crlBytes(1, l.Issuer, 4, at, 3, s, l.Signature[1:])},
		{"trailing byte", append(l.Raw(), 0)},
		{"oversize", make([]byte, MaxRevocationListSize+1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRevocationList(tc.raw)
			wantErr(t, err, ErrMalformed)
		})
	}
	raw := l.Raw()
	for n := range len(raw) {
		if _, err := ParseRevocationList(raw[:n]); err == nil {
			t.Fatalf("accepted the first %d of %d bytes", n, len(raw))
		}
	}
}

func TestRevoke(t *testing.T) {
	ca := newTestCA(t, "ca")
	l1, err := ca.Revoke(rand.Reader, nil, t0, serial(5))
	if err != nil {
		t.Fatal(err)
	}
	if l1.Number != 1 || !slices.Equal(l1.Serials, [][SerialSize]byte{serial(5)}) {
		t.Fatalf("first list: %+v", l1)
	}
	l2, err := ca.Revoke(rand.Reader, l1, t0.Add(time.Hour), serial(2), serial(5))
	if err != nil {
		t.Fatal(err)
	}
	if l2.Number != 2 || !slices.Equal(l2.Serials, [][SerialSize]byte{serial(2), serial(5)}) || !l2.IssuedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("second list: %+v", l2)
	}

	other := newTestCA(t, "other")
	foreign, err := other.Revoke(rand.Reader, nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ca.Revoke(rand.Reader, foreign, t0, serial(1))
	wantErr(t, err, ErrWrongCA)

	forged := l1.Raw()
	forged[len(forged)-1] ^= 1
	fl, err := ParseRevocationList(forged)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ca.Revoke(rand.Reader, fl, t0, serial(1))
	wantErr(t, err, ErrWrongCA)

	_, err = ca.Revoke(rand.Reader, &RevocationList{Issuer: ca.Cert.Subject, Number: 3}, t0)
	wantErr(t, err, ErrMalformed)

	last, err := ca.SignRevocationList(rand.Reader, nil, math.MaxUint64, t0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ca.Revoke(rand.Reader, last, t0, serial(1))
	wantErr(t, err, ErrInvalid)

	_, err = ca.SignRevocationList(rand.Reader, nil, 1, time.Unix(-1, 0))
	wantErr(t, err, ErrInvalid)
	_, err = ca.SignRevocationList(rand.Reader, nil, 1, time.Unix(maxUnixTime+1, 0))
	wantErr(t, err, ErrInvalid)
}

func TestRevocationListPEMAndFiles(t *testing.T) {
	ca := newTestCA(t, "ca")
	l, err := ca.Revoke(rand.Reader, nil, t0, serial(1), serial(2))
	if err != nil {
		t.Fatal(err)
	}
	p := EncodeRevocationListPEM(l)
	if !bytes.HasPrefix(p, []byte("-----BEGIN X0TTA6BL4 REVOCATION LIST-----\n")) {
		t.Fatalf("PEM starts with %q", p[:30])
	}
	got, err := ParseRevocationListPEM(p)
	if err != nil || !bytes.Equal(got.Raw(), l.Raw()) {
		t.Fatalf("PEM round trip: %v", err)
	}
	_, err = ParseRevocationListPEM(EncodeCertificatePEM(ca.Cert))
	wantErr(t, err, ErrMalformed)

	dir := t.TempDir()
	path := filepath.Join(dir, "ca.crl")
	_, err = LoadRevocationList(path)
	wantErr(t, err, os.ErrNotExist)
	if err := WriteRevocationList(path, l); err != nil {
		t.Fatal(err)
	}
	l2, err := ca.Revoke(rand.Reader, l, t0, serial(3))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteRevocationList(path, l2); err != nil {
		t.Fatal(err)
	}
	got, err = LoadRevocationList(path)
	if err != nil || got.Number != 2 || !got.IsRevoked(serial(3)) {
		t.Fatalf("LoadRevocationList: %+v, %v", got, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != PublicFileMode {
		t.Fatalf("mode: %v, %v", fi, err)
	}

	big := filepath.Join(dir, "big.crl")
	if err := os.WriteFile(big, make([]byte, MaxRevocationListFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadRevocationList(big)
	wantErr(t, err, ErrFileTooLarge)

	bad := filepath.Join(dir, "bad.crl")
	if err := os.WriteFile(bad, encodePEM(RevocationListPEMType, []byte{1, 2, 3}), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadRevocationList(bad)
	wantErr(t, err, ErrMalformed)
	wantErr(t, WriteRevocationList(filepath.Join(dir, "zero.crl"), &RevocationList{Number: 9}), ErrInvalid)
	if _, err := os.Stat(filepath.Join(dir, "zero.crl")); !os.IsNotExist(err) {
		t.Fatal("a refused write created a file")
	}
}
