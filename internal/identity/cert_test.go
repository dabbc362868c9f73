package identity

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

// certFields is the documented certificate layout, encoded independently
// of the package so that tests can build invalid certificates.
type certFields struct {
	version, kind   uint8
	serial          [SerialSize]byte
	subject, issuer NodeID
	name            []byte
	groups          [][]byte
	nameLen         int // overrides len(name) when >= 0
	groupCount      int // overrides len(groups) when >= 0
	notBefore       uint64
	notAfter        uint64
	signing, kem    []byte
	sig             []byte
}

func fieldsOf(c *Certificate) certFields {
	f := certFields{
		version: c.Version, kind: uint8(c.Kind), serial: c.Serial, subject: c.Subject, issuer: c.Issuer,
		name: []byte(c.Name), nameLen: -1, groupCount: -1,
		notBefore: uint64(c.NotBefore.Unix()), notAfter: uint64(c.NotAfter.Unix()),
		signing: c.Signing.Bytes(), kem: c.KEM.Bytes(), sig: slices.Clone(c.Signature),
	}
	for _, g := range c.Groups {
		f.groups = append(f.groups, []byte(g))
	}
	return f
}

func u64(v uint64) []byte {
	return []byte{byte(v >> 56), byte(v >> 48), byte(v >> 40), byte(v >> 32), byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

func (f certFields) encode() []byte {
	b := []byte{f.version, f.kind}
	b = append(b, f.serial[:]...)
	b = append(b, f.subject[:]...)
	n := len(f.name)
	if f.nameLen >= 0 {
		n = f.nameLen
	}
	b = append(b, byte(n))
	b = append(b, f.name...)
	n = len(f.groups)
	if f.groupCount >= 0 {
		n = f.groupCount
	}
	b = append(b, byte(n))
	for _, g := range f.groups {
		b = append(b, byte(len(g)))
		b = append(b, g...)
	}
	b = append(b, u64(f.notBefore)...)
	b = append(b, u64(f.notAfter)...)
	b = append(b, f.signing...)
	b = append(b, f.kem...)
	b = append(b, f.issuer[:]...)
	return append(b, f.sig...)
}

func TestCertificateRoundTrip(t *testing.T) {
	ca := newTestCA(t, "test-ca")
	id := newTestIdentity(t)
	c := issue(t, ca, id, "alpha", "demo")
	if c.Version != FormatVersion || c.Kind != KindNode || c.Name != "alpha" || !slices.Equal(c.Groups, []string{"demo"}) {
		t.Fatalf("fields: %+v", c)
	}
	if c.Subject != id.ID() || c.Issuer != ca.Cert.Subject {
		t.Fatal("subject or issuer wrong")
	}
	if !c.NotBefore.Equal(t0.Add(-time.Hour)) || !c.NotAfter.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("window %v to %v", c.NotBefore, c.NotAfter)
	}
	if !c.Signing.Equal(id.Signing.Public()) || !c.KEM.Equal(id.KEM.Public()) {
		t.Fatal("keys differ")
	}
	raw := c.Raw()
	if got := fieldsOf(c).encode(); !bytes.Equal(got, raw) {
		t.Fatal("encoding differs from the documented layout")
	}
	if c.Hash() != sha256.Sum256(raw) {
		t.Fatal("Hash is not SHA-256 of Raw")
	}
	// The size documented on MaxCertificateSize.
	if want := certificateFixedSize + len("alpha") + 1 + len("demo"); len(raw) != want || want != 6683 {
		t.Fatalf("certificate is %d bytes, want 6683", len(raw))
	}
	p, err := ParseCertificate(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Raw(), raw) || p.Hash() != c.Hash() || p.Serial != c.Serial || p.Name != c.Name {
		t.Fatal("parsed certificate differs")
	}
	raw[0] ^= 0xff
	if !bytes.Equal(c.Raw(), p.Raw()) {
		t.Fatal("Raw exposes the certificate's own storage")
	}
	other := issue(t, ca, id, "alpha", "demo")
	if other.Serial == c.Serial {
		t.Fatal("two certificates share a serial")
	}
}

func TestCertificateLargest(t *testing.T) {
	ca := newTestCA(t, strings.Repeat("c", MaxNameSize))
	groups := make([]string, MaxGroups)
	for i := range groups {
		groups[i] = strings.Repeat(string(rune('a'+i)), MaxGroupSize)
	}
	c := issue(t, ca, newTestIdentity(t), strings.Repeat("n", MaxNameSize), groups...)
	if n := len(c.Raw()); n != 7777 || n > MaxCertificateSize {
		t.Fatalf("largest certificate is %d bytes, want 7777 <= %d", n, MaxCertificateSize)
	}
	if _, err := ParseCertificate(c.Raw()); err != nil {
		t.Fatal(err)
	}
}

func TestParseCertificateRejects(t *testing.T) {
	ca := newTestCA(t, "test-ca")
	c := issue(t, ca, newTestIdentity(t), "alpha", "g1", "g2")
	other := newTestIdentity(t)
	badKEM := c.KEM.Bytes()
	badKEM[32], badKEM[33] = 0xff, 0x0f // ML-KEM coefficient 4095 >= q
	tests := []struct {
		name string
		mod  func(*certFields)
	}{
		{"version 0", func(f *certFields) { f.version = 0 }},
		{"version 2", func(f *certFields) { f.version = 2 }},
		{"kind 0", func(f *certFields) { f.kind = 0 }},
		{"kind 3", func(f *certFields) { f.kind = 3 }},
		{"empty name", func(f *certFields) { f.name = nil }},
		{"name too long", func(f *certFields) { f.name = bytes.Repeat([]byte{'a'}, MaxNameSize+1) }},
		{"name with space", func(f *certFields) { f.name = []byte("al pha") }},
		{"name with slash", func(f *certFields) { f.name = []byte("a/b") }},
		{"name not ASCII", func(f *certFields) { f.name = []byte("\xc3\xa9") }},
		{"empty group", func(f *certFields) { f.groups[0] = nil }},
		{"group too long", func(f *certFields) { f.groups[0] = bytes.Repeat([]byte{'g'}, MaxGroupSize+1) }},
		{"group with NUL", func(f *certFields) { f.groups[0] = []byte("g\x00") }},
		{"duplicate groups", func(f *certFields) { f.groups[1] = f.groups[0] }},
		{"too many groups", func(f *certFields) {
			f.groups = nil
			for i := range MaxGroups + 1 {
				f.groups = append(f.groups, []byte{'a' + byte(i)})
			}
		}},
		{"group count 255", func(f *certFields) { f.groupCount = 255 }},
		{"group count past end", func(f *certFields) { f.groupCount = 3 }},
		{"name length past end", func(f *certFields) { f.nameLen = 200 }},
		{"empty window", func(f *certFields) { f.notAfter = f.notBefore }},
		{"inverted window", func(f *certFields) { f.notBefore, f.notAfter = f.notAfter, f.notBefore }},
		{"not after out of range", func(f *certFields) { f.notAfter = maxUnixTime + 1 }},
		{"not before out of range", func(f *certFields) { f.notBefore = 1 << 63; f.notAfter = 1<<63 + 1 }},
		{"subject of another key", func(f *certFields) { f.subject = other.ID() }},
		{"key of another subject", func(f *certFields) { f.signing = other.Signing.Public().Bytes() }},
		{"bad ML-KEM key", func(f *certFields) { f.kem = badKEM }},
		{"CA kind, not self-issued", func(f *certFields) { f.kind = uint8(KindCA) }},
		{"short signature", func(f *certFields) { f.sig = f.sig[:len(f.sig)-1] }},
		{"trailing byte", func(f *certFields) { f.sig = append(f.sig, 0) }},
		{"oversize", func(f *certFields) { f.sig = append(f.sig, make([]byte, MaxCertificateSize)...) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := fieldsOf(c)
			tc.mod(&f)
			_, err := ParseCertificate(f.encode())
			wantErr(t, err, ErrMalformed)
		})
	}
}

func TestParseCertificateTruncated(t *testing.T) {
	raw := issue(t, newTestCA(t, "ca"), newTestIdentity(t), "alpha", "g").Raw()
	for n := range len(raw) {
		if _, err := ParseCertificate(raw[:n]); err == nil {
			t.Fatalf("accepted the first %d of %d bytes", n, len(raw))
		}
	}
	if _, err := ParseCertificate(nil); err == nil {
		t.Fatal("accepted nil")
	}
}

func TestSignRejects(t *testing.T) {
	ca := newTestCA(t, "ca")
	pub := newTestIdentity(t).PublicIdentity()
	nb, na := t0, t0.Add(time.Hour)
	long := strings.Repeat("x", MaxNameSize+1)
	tooMany := make([]string, MaxGroups+1)
	for i := range tooMany {
		tooMany[i] = string(rune('a' + i))
	}
	tests := []struct {
		name   string
		pub    *PublicIdentity
		cname  string
		groups []string
		nb, na time.Time
	}{
		{"nil identity", nil, "n", nil, nb, na},
		{"identity without KEM key", &PublicIdentity{Signing: pub.Signing}, "n", nil, nb, na},
		{"CA's own key", ca.Identity.PublicIdentity(), "n", nil, nb, na},
		{"empty name", pub, "", nil, nb, na},
		{"long name", pub, long, nil, nb, na},
		{"bad name", pub, "a b", nil, nb, na},
		{"bad group", pub, "n", []string{"ok", "not ok"}, nb, na},
		{"long group", pub, "n", []string{long}, nb, na},
		{"duplicate group", pub, "n", []string{"a", "b", "a"}, nb, na},
		{"too many groups", pub, "n", tooMany, nb, na},
		{"empty window", pub, "n", nil, nb, nb},
		{"sub-second window", pub, "n", nil, nb, nb.Add(time.Millisecond)},
		{"inverted window", pub, "n", nil, na, nb},
		{"before 1970", pub, "n", nil, time.Unix(-10, 0), na},
		{"outlives the CA", pub, "n", nil, nb, ca.Cert.NotAfter.Add(time.Second)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ca.Sign(rand.Reader, tc.pub, tc.cname, tc.groups, tc.nb, tc.na)
			wantErr(t, err, ErrInvalid)
		})
	}
	if _, err := ca.Sign(failAfter(3), pub, "n", nil, nb, na); err == nil {
		t.Fatal("Sign succeeded with failing randomness")
	}
	// Up to the CA's own expiry is fine.
	if _, err := ca.Sign(rand.Reader, pub, "n", nil, nb, ca.Cert.NotAfter); err != nil {
		t.Fatal(err)
	}
}

func TestCertificateValidAt(t *testing.T) {
	c := issue(t, newTestCA(t, "ca"), newTestIdentity(t), "alpha")
	tests := []struct {
		at   time.Time
		want bool
	}{
		{c.NotBefore.Add(-time.Nanosecond), false},
		{c.NotBefore, true},
		{t0, true},
		{c.NotAfter.Add(-time.Nanosecond), true},
		{c.NotAfter, false},
	}
	for _, tc := range tests {
		if got := c.ValidAt(tc.at); got != tc.want {
			t.Errorf("ValidAt(%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindNode: "node", KindCA: "CA", 0: "kind(0)", 9: "kind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", uint8(k), got, want)
		}
	}
}

func TestCertificatePEM(t *testing.T) {
	c := issue(t, newTestCA(t, "ca"), newTestIdentity(t), "alpha")
	p := EncodeCertificatePEM(c)
	if !bytes.HasPrefix(p, []byte("-----BEGIN X0TTA6BL4 CERTIFICATE-----\n")) {
		t.Fatalf("PEM starts with %q", p[:40])
	}
	got, err := ParseCertificatePEM(p)
	if err != nil || got.Hash() != c.Hash() {
		t.Fatalf("PEM round trip: %v", err)
	}
	if _, err := ParseCertificatePEM(append([]byte("\n \r\n"), append(p, "\n\n"...)...)); err != nil {
		t.Fatalf("white space around the block: %v", err)
	}
	withHeader := bytes.Replace(p, []byte("-----\n"), []byte("-----\nX-Note: hi\n\n"), 1)
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"not PEM", []byte("hello")},
		{"leading garbage", append([]byte("junk\n"), p...)},
		{"trailing garbage", append(bytes.Clone(p), "junk"...)},
		{"two blocks", append(bytes.Clone(p), p...)},
		{"wrong type", bytes.ReplaceAll(p, []byte("CERTIFICATE"), []byte("PUBLIC KEY"))},
		{"headers", withHeader},
		{"broken base64", bytes.Replace(p, []byte("\n"), []byte("\n!"), 2)},
		{"unterminated", p[:len(p)-10]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCertificatePEM(tc.in)
			wantErr(t, err, ErrMalformed)
		})
	}
}

func TestCertificateFiles(t *testing.T) {
	dir := t.TempDir()
	c := issue(t, newTestCA(t, "ca"), newTestIdentity(t), "alpha")
	path := filepath.Join(dir, "node.crt")
	if err := WriteCertificate(path, c); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != PublicFileMode {
		t.Fatalf("mode %v, want %v", fi.Mode().Perm(), os.FileMode(PublicFileMode))
	}
	got, err := LoadCertificate(path)
	if err != nil || got.Hash() != c.Hash() {
		t.Fatalf("LoadCertificate: %v", err)
	}
	// Overwriting is allowed and leaves no temporary files behind.
	c2 := issue(t, newTestCA(t, "ca2"), newTestIdentity(t), "beta")
	if err := WriteCertificate(path, c2); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadCertificate(path); err != nil || got.Hash() != c2.Hash() {
		t.Fatalf("after overwrite: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("directory holds %d entries, want 1", len(ents))
	}

	_, err = LoadCertificate(filepath.Join(dir, "missing.crt"))
	wantErr(t, err, os.ErrNotExist)
	_, err = LoadCertificate(dir)
	wantErr(t, err, ErrInvalid)

	big := filepath.Join(dir, "big.crt")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadCertificate(big)
	wantErr(t, err, ErrFileTooLarge)

	junk := filepath.Join(dir, "junk.crt")
	if err := os.WriteFile(junk, []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadCertificate(junk)
	wantErr(t, err, ErrMalformed)
	if !strings.Contains(err.Error(), junk) {
		t.Errorf("error %q does not name the file", err)
	}

	err = WriteCertificate(filepath.Join(dir, "no", "such", "dir.crt"), c)
	wantErr(t, err, os.ErrNotExist)
	wantErr(t, WriteCertificate(filepath.Join(dir, "zero.crt"), &Certificate{}), ErrInvalid)
	wantErr(t, WriteCertificate(filepath.Join(dir, "nil.crt"), nil), ErrInvalid)
}

func TestSizeConstants(t *testing.T) {
	if certificateFixedSize != 6673 {
		t.Errorf("certificateFixedSize = %d", certificateFixedSize)
	}
	if privateKeySize != 2+pqc.SigningSeedSize+pqc.KEMSeedSize || publicKeySize != 1+pqc.VerifyingKeySize+pqc.KEMPublicKeySize {
		t.Error("key sizes")
	}
	if MaxRevocationListSize != 1052002 {
		t.Errorf("MaxRevocationListSize = %d", MaxRevocationListSize)
	}
}
