package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestNewCA(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	ca, err := NewCA(rand.Reader, "net-ca", 48*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	c := ca.Cert
	if c.Kind != KindCA || c.Name != "net-ca" || len(c.Groups) != 0 {
		t.Fatalf("fields %+v", c)
	}
	if c.Subject != ca.Identity.ID() || c.Issuer != c.Subject {
		t.Fatal("CA certificate is not self-issued for the CA key")
	}
	if !c.NotBefore.Equal(now.Truncate(time.Second)) || !c.NotAfter.Equal(now.Add(48*time.Hour).Truncate(time.Second)) {
		t.Fatalf("window %v to %v", c.NotBefore, c.NotAfter)
	}
	if err := c.Signing.Verify(c.signedPart(), []byte("x0tta6bl4 certificate v1"), c.Signature); err != nil {
		t.Fatalf("self-signature: %v", err)
	}
	if err := checkCACert(c); err != nil {
		t.Fatal(err)
	}
	net := NetworkID(c)
	if net != sha256.Sum256(c.Raw()) {
		t.Fatal("NetworkID is not SHA-256 of the CA certificate")
	}
	if NetworkID(newTestCA(t, "net-ca").Cert) == net {
		t.Fatal("two CAs share a network ID")
	}
}

func TestNewCARejects(t *testing.T) {
	tests := []struct {
		name     string
		cname    string
		validity time.Duration
		now      time.Time
	}{
		{"zero validity", "ca", 0, t0},
		{"negative validity", "ca", -time.Hour, t0},
		{"sub-second validity", "ca", time.Millisecond, t0.Truncate(time.Second)},
		{"bad name", "my ca", time.Hour, t0},
		{"empty name", "", time.Hour, t0},
		{"beyond year 9999", "ca", time.Hour, time.Date(9999, 12, 31, 23, 30, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewCA(rand.Reader, tc.cname, tc.validity, tc.now)
			wantErr(t, err, ErrInvalid)
		})
	}
	// Keys take 64+96 bytes of randomness, the serial 16 more.
	for _, n := range []int{0, 100, 160, 170} {
		if _, err := NewCA(failAfter(n), "ca", time.Hour, t0); err == nil {
			t.Errorf("NewCA succeeded with randomness failing after %d bytes", n)
		}
	}
}

func TestSaveLoadCA(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	ca := newTestCA(t, "ca")
	if err := ca.Save(dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"": CADirMode, CAKeyFile: PrivateKeyMode, CACertFile: PublicFileMode} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%q has mode %v, want %v", name, fi.Mode().Perm(), want)
		}
	}
	got, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Identity.ID() != ca.Identity.ID() || got.Cert.Hash() != ca.Cert.Hash() {
		t.Fatal("loaded CA differs")
	}
	// A loaded CA issues certificates the original's verifier accepts.
	v, err := NewVerifier(ca.Cert)
	if err != nil {
		t.Fatal(err)
	}
	c := issue(t, got, newTestIdentity(t), "alpha")
	if _, err := v.Verify(c.Raw(), t0); err != nil {
		t.Fatal(err)
	}

	// Save never replaces a CA key.
	err = newTestCA(t, "other").Save(dir)
	wantErr(t, err, os.ErrExist)
	if again, err := LoadCA(dir); err != nil || again.Identity.ID() != ca.Identity.ID() {
		t.Fatal("a refused Save changed the CA")
	}
	if err := ca.Save(filepath.Join(dir, CACertFile, "sub")); err == nil {
		t.Fatal("Save under a file succeeded")
	}
}

func TestLoadCARejects(t *testing.T) {
	ca := newTestCA(t, "ca")
	other := newTestCA(t, "other")
	node := issue(t, ca, newTestIdentity(t), "alpha")
	badSelfSig := func() *Certificate {
		f := fieldsOf(ca.Cert)
		f.sig[0] ^= 1
		c, err := ParseCertificate(f.encode())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}()
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  error
	}{
		{"missing directory", func(*testing.T, string) {}, os.ErrNotExist},
		{"certificate of another CA", func(t *testing.T, dir string) {
			mustSave(t, ca, dir)
			mustWriteCert(t, filepath.Join(dir, CACertFile), other.Cert)
		}, ErrWrongCA},
		{"node certificate", func(t *testing.T, dir string) {
			mustSave(t, ca, dir)
			mustWriteCert(t, filepath.Join(dir, CACertFile), node)
		}, ErrNotNodeCert},
		{"broken self-signature", func(t *testing.T, dir string) {
			mustSave(t, ca, dir)
			mustWriteCert(t, filepath.Join(dir, CACertFile), badSelfSig)
		}, ErrWrongCA},
		{"missing certificate", func(t *testing.T, dir string) {
			mustSave(t, ca, dir)
			if err := os.Remove(filepath.Join(dir, CACertFile)); err != nil {
				t.Fatal(err)
			}
		}, os.ErrNotExist},
		{"node key", func(t *testing.T, dir string) {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := WritePrivateKey(filepath.Join(dir, CAKeyFile), ca.Identity, KindNode, false); err != nil {
				t.Fatal(err)
			}
		}, ErrKeyKind},
		{"readable key", func(t *testing.T, dir string) {
			mustSave(t, ca, dir)
			if err := os.Chmod(filepath.Join(dir, CAKeyFile), 0o644); err != nil {
				t.Fatal(err)
			}
		}, ErrKeyFilePermissions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "ca")
			tc.setup(t, dir)
			_, err := LoadCA(dir)
			wantErr(t, err, tc.want)
		})
	}
}

func mustSave(t *testing.T, ca *CA, dir string) {
	t.Helper()
	if err := ca.Save(dir); err != nil {
		t.Fatal(err)
	}
}

func mustWriteCert(t *testing.T, path string, c *Certificate) {
	t.Helper()
	if err := WriteCertificate(path, c); err != nil {
		t.Fatal(err)
	}
}
