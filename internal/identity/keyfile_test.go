package identity

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

func TestPrivateKeyRoundTrip(t *testing.T) {
	id := newTestIdentity(t)
	for _, kind := range []Kind{KindNode, KindCA} {
		b, err := MarshalPrivateKey(id, kind)
		if err != nil {
			t.Fatal(err)
		}
		want := append(append([]byte{FormatVersion, byte(kind)}, id.Signing.Seed()...), id.KEM.Seed()...)
		if !bytes.Equal(b, want) {
			t.Fatal("encoding is not version || kind || signing seed || KEM seed")
		}
		got, k, err := ParsePrivateKey(b)
		if err != nil || k != kind {
			t.Fatalf("ParsePrivateKey: kind %v, %v", k, err)
		}
		if got.ID() != id.ID() || !got.PublicIdentity().Equal(id.PublicIdentity()) {
			t.Fatal("parsed key differs")
		}
		p, err := EncodePrivateKeyPEM(id, kind)
		if err != nil {
			t.Fatal(err)
		}
		got, k, err = ParsePrivateKeyPEM(p)
		if err != nil || k != kind || got.ID() != id.ID() {
			t.Fatalf("PEM round trip: %v", err)
		}
	}
	_, err := MarshalPrivateKey(id, 0)
	wantErr(t, err, ErrInvalid)
	_, err = EncodePrivateKeyPEM(id, 3)
	wantErr(t, err, ErrInvalid)
}

func TestParsePrivateKeyRejects(t *testing.T) {
	good, err := MarshalPrivateKey(newTestIdentity(t), KindNode)
	if err != nil {
		t.Fatal(err)
	}
	with := func(i int, v byte) []byte { b := bytes.Clone(good); b[i] = v; return b }
	tests := []struct {
		name string
		in   []byte
	}{
		{"version 0", with(0, 0)},
		{"version 2", with(0, 2)},
		{"kind 0", with(1, 0)},
		{"kind 3", with(1, 3)},
		{"trailing byte", append(bytes.Clone(good), 0)},
	}
	for n := range len(good) {
		tests = append(tests, struct {
			name string
			in   []byte
		}{fmt.Sprintf("first %d bytes", n), good[:n]})
	}
	for _, tc := range tests {
		if _, _, err := ParsePrivateKey(tc.in); err == nil {
			t.Errorf("%s: accepted", tc.name)
		} else {
			wantErr(t, err, ErrMalformed)
		}
	}
	pub := EncodePublicKeyPEM(newTestIdentity(t).PublicIdentity())
	_, _, err = ParsePrivateKeyPEM(pub)
	wantErr(t, err, ErrMalformed)
}

func TestPublicKeyRoundTrip(t *testing.T) {
	pub := newTestIdentity(t).PublicIdentity()
	b := MarshalPublicKey(pub)
	want := append(append([]byte{FormatVersion}, pub.Signing.Bytes()...), pub.KEM.Bytes()...)
	if !bytes.Equal(b, want) || len(b) != publicKeySize {
		t.Fatal("encoding is not version || verifying key || KEM public key")
	}
	got, err := ParsePublicKey(b)
	if err != nil || !got.Equal(pub) {
		t.Fatalf("ParsePublicKey: %v", err)
	}
	got, err = ParsePublicKeyPEM(EncodePublicKeyPEM(pub))
	if err != nil || !got.Equal(pub) {
		t.Fatalf("PEM round trip: %v", err)
	}
	badKEM := bytes.Clone(b)
	off := 1 + pqc.VerifyingKeySize + 32
	badKEM[off], badKEM[off+1] = 0xff, 0x0f // ML-KEM coefficient 4095 >= q
	tests := map[string][]byte{
		"empty":         nil,
		"version 0":     append([]byte{0}, b[1:]...),
		"version 2":     append([]byte{2}, b[1:]...),
		"short":         b[:len(b)-1],
		"half":          b[:1+pqc.VerifyingKeySize],
		"trailing byte": append(bytes.Clone(b), 0),
		"bad ML-KEM":    badKEM,
	}
	for name, in := range tests {
		_, err := ParsePublicKey(in)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		wantErr(t, err, ErrMalformed)
	}
	_, err = ParsePublicKeyPEM([]byte("-----BEGIN X0TTA6BL4 PRIVATE KEY-----\n-----END X0TTA6BL4 PRIVATE KEY-----\n"))
	wantErr(t, err, ErrMalformed)
}

func TestWritePrivateKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "node.key")
	id := newTestIdentity(t)
	if err := WritePrivateKey(path, id, KindNode, false); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != PrivateKeyMode {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	got, err := LoadPrivateKey(path)
	if err != nil || got.ID() != id.ID() {
		t.Fatalf("LoadPrivateKey: %v", err)
	}

	id2 := newTestIdentity(t)
	err = WritePrivateKey(path, id2, KindNode, false)
	wantErr(t, err, os.ErrExist)
	if got, err := LoadPrivateKey(path); err != nil || got.ID() != id.ID() {
		t.Fatal("a refused write changed the file")
	}
	if err := WritePrivateKey(path, id2, KindNode, true); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadPrivateKey(path); err != nil || got.ID() != id2.ID() {
		t.Fatalf("overwrite: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("directory holds %d entries, want only the key", len(ents))
	}
	wantErr(t, WritePrivateKey(filepath.Join(dir, "x.key"), id, 7, false), ErrInvalid)
	wantErr(t, WritePrivateKey(filepath.Join(dir, "missing", "x.key"), id, KindNode, false), os.ErrNotExist)
}

func TestLoadPrivateKeyPermissions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "node.key")
	id := newTestIdentity(t)
	if err := WritePrivateKey(path, id, KindNode, false); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o620, 0o601, 0o666} {
		t.Run(fmt.Sprintf("%#o", mode), func(t *testing.T) {
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
			_, err := LoadPrivateKey(path)
			wantErr(t, err, ErrKeyFilePermissions)
			for _, s := range []string{path, fmt.Sprintf("%#o", mode), "chmod 600 " + path} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if got, err := LoadPrivateKey(path); err != nil || got.ID() != id.ID() {
			t.Fatalf("mode %#o: %v", mode, err)
		}
	}
}

func TestLoadPrivateKeyErrors(t *testing.T) {
	dir := t.TempDir()
	id := newTestIdentity(t)

	caKey := filepath.Join(dir, "ca.key")
	if err := WritePrivateKey(caKey, id, KindCA, false); err != nil {
		t.Fatal(err)
	}
	_, err := LoadPrivateKey(caKey)
	wantErr(t, err, ErrKeyKind)

	_, err = LoadPrivateKey(filepath.Join(dir, "missing.key"))
	wantErr(t, err, os.ErrNotExist)

	big := filepath.Join(dir, "big.key")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadPrivateKey(big)
	wantErr(t, err, ErrFileTooLarge)

	junk := filepath.Join(dir, "junk.key")
	if err := os.WriteFile(junk, []byte("-----BEGIN X0TTA6BL4 PRIVATE KEY-----\nAQE=\n-----END X0TTA6BL4 PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadPrivateKey(junk)
	wantErr(t, err, ErrMalformed)
	if !strings.Contains(err.Error(), junk) {
		t.Errorf("error %q does not name the file", err)
	}
}

func TestPublicKeyFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "node.pub")
	pub := newTestIdentity(t).PublicIdentity()
	if err := WritePublicKey(path, pub); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != PublicFileMode {
		t.Fatalf("mode: %v", err)
	}
	got, err := LoadPublicKey(path)
	if err != nil || !got.Equal(pub) {
		t.Fatalf("LoadPublicKey: %v", err)
	}
	_, err = LoadPublicKey(filepath.Join(dir, "missing.pub"))
	wantErr(t, err, os.ErrNotExist)
	junk := filepath.Join(dir, "junk.pub")
	if err := os.WriteFile(junk, []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadPublicKey(junk)
	wantErr(t, err, ErrMalformed)
}
