package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/registry"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// modelNet is a CA directory and a coordinator key and certificate made by the CLI, with the
// node IDs of two participants.
type modelNet struct {
	dir, ca, key, cert string
	participants       []string
}

func newModelNet(t *testing.T) *modelNet {
	t.Helper()
	dir := t.TempDir()
	n := &modelNet{dir: dir, ca: filepath.Join(dir, "ca"), key: filepath.Join(dir, "coord.key"), cert: filepath.Join(dir, "coord.crt")}
	mustCLI(t, "ca", "init", "--dir", n.ca, "--name", "models")
	mustCLI(t, "keygen", "--out", n.key)
	mustCLI(t, "ca", "sign", "--dir", n.ca, "--pub", filepath.Join(dir, "coord.pub"), "--name", "coord", "--groups", "fl-coord")
	for _, p := range []string{"p1", "p2"} {
		out := mustCLI(t, "keygen", "--out", filepath.Join(dir, p+".key"))
		_, id, _ := strings.Cut(out, "node ID: ")
		n.participants = append(n.participants, strings.TrimSpace(strings.SplitN(id, "\n", 2)[0]))
	}
	return n
}

// sign signs payload as round with parent (empty for none) and returns the record file and ID.
func (n *modelNet) sign(t *testing.T, round int, parent string, payload []byte) (string, string) {
	t.Helper()
	pf := filepath.Join(n.dir, "payload"+strconv.Itoa(round))
	if err := os.WriteFile(pf, payload, 0o644); err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(n.dir, "round"+strconv.Itoa(round)+".record")
	args := []string{"model", "sign", "--key", n.key, "--cert", n.cert, "--payload", pf, "--kind", "meshdetect/v1",
		"--round", strconv.Itoa(round), "--strategy", "fedavg", "--epsilon-round", "0.5", "--epsilon-total", strconv.Itoa(round) + ".5",
		"--delta", "1e-5", "--participants", strings.Join(n.participants, ","), "--out", rec}
	if parent != "" {
		args = append(args, "--parent", parent)
	}
	out := mustCLI(t, args...)
	id := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(out, "\n", 2)[0], "signed model version "))
	if _, err := registry.ParseID(id); err != nil {
		t.Fatalf("sign output: %s", out)
	}
	return rec, id
}

func TestModelSignVerifyCmds(t *testing.T) {
	n := newModelNet(t)
	payload := []byte("a meshdetect model file")
	rec, id := n.sign(t, 1, "", payload)
	caCert := filepath.Join(n.ca, "ca.crt")
	out := mustCLI(t, "model", "verify", "--ca", caCert, "--group", "fl-coord", "--crl", filepath.Join(n.ca, "ca.crl"),
		"--payload-out", filepath.Join(n.dir, "out.model"), rec)
	for _, want := range []string{"verified model version " + id, "round:        1", "parent:       none", "participants: 2",
		"coordinator:  coord", "Ed25519 + ML-DSA-65 valid", `issued by "models"`} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
	if got, err := os.ReadFile(filepath.Join(n.dir, "out.model")); err != nil || !bytes.Equal(got, payload) {
		t.Errorf("payload written: %q, %v", got, err)
	}
	rec2, _ := n.sign(t, 2, id, []byte("round 2"))
	if out := mustCLI(t, "model", "verify", "--ca", caCert, rec2); !strings.Contains(out, "parent:       "+id) {
		t.Errorf("round 2: %s", out)
	}

	raw, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(n.dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tampered := bytes.Clone(raw)
	tampered[len(tampered)-1] ^= 1
	forged := bytes.Clone(raw)
	forged[len(forged)-len(payload)-100] ^= 1 // in the ML-DSA half of the signature
	other := filepath.Join(n.dir, "other-ca")
	mustCLI(t, "ca", "init", "--dir", other, "--name", "other")
	mustCLI(t, "ca", "revoke", "--dir", n.ca, "--cert", n.cert)
	big := filepath.Join(n.dir, "big.model")
	if f, err := os.Create(big); err != nil || f.Truncate(registry.MaxPayloadSize+1) != nil || f.Close() != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"tampered payload", []string{"model", "verify", "--ca", caCert, write("tampered", tampered)}, "payload does not match its hash"},
		{"forged signature", []string{"model", "verify", "--ca", caCert, write("forged", forged)}, "bad signature"},
		{"truncated", []string{"model", "verify", "--ca", caCert, write("short", raw[:50])}, "malformed"},
		{"other CA", []string{"model", "verify", "--ca", filepath.Join(other, "ca.crt"), rec}, "not issued by this network's CA"},
		{"revoked", []string{"model", "verify", "--ca", caCert, "--crl", filepath.Join(n.ca, "ca.crl"), rec}, "revoked"},
		{"other group", []string{"model", "verify", "--ca", caCert, "--group", "admins", rec}, "may not coordinate"},
		{"expired", []string{"model", "verify", "--ca", caCert, "--at", "2100-01-01T00:00:00Z", rec}, "expired"},
		{"bad time", []string{"model", "verify", "--ca", caCert, "--at", "yesterday", rec}, "--at"},
		{"no CA", []string{"model", "verify", rec}, "--ca is required"},
		{"missing CA file", []string{"model", "verify", "--ca", filepath.Join(n.dir, "none"), rec}, "no such file"},
		{"missing CRL file", []string{"model", "verify", "--ca", caCert, "--crl", filepath.Join(n.dir, "none"), rec}, "no such file"},
		{"CA certificate as CRL", []string{"model", "verify", "--ca", caCert, "--crl", caCert, rec}, "PEM block type"},
		{"node certificate as CA", []string{"model", "verify", "--ca", n.cert, rec}, "want a CA certificate"},
		{"missing record", []string{"model", "verify", "--ca", caCert, filepath.Join(n.dir, "none")}, "no such file"},
		{"unwritable payload-out", []string{"model", "verify", "--ca", caCert, "--payload-out", filepath.Join(n.dir, "no", "x"), rec2}, "no such file"},
		{"sign without flags", []string{"model", "sign", "--key", n.key}, "are required"},
		{"sign bad parent", []string{"model", "sign", "--key", n.key, "--cert", n.cert, "--payload", rec, "--out", "x", "--parent", "abc"}, "--parent"},
		{"sign bad participant", []string{"model", "sign", "--key", n.key, "--cert", n.cert, "--payload", rec, "--out", "x", "--participants", "zz"}, "--participants"},
		{"sign bad time", []string{"model", "sign", "--key", n.key, "--cert", n.cert, "--payload", rec, "--out", "x", "--created", "now"}, "--created"},
		{"sign payload too large", []string{"model", "sign", "--key", n.key, "--cert", n.cert, "--payload", big, "--out", "x"}, "too large"},
		{"sign round 0", []string{"model", "sign", "--key", n.key, "--cert", n.cert, "--payload", rec, "--out", filepath.Join(n.dir, "x"),
			"--kind", "k", "--strategy", "s"}, "round 0"},
		{"sign with the CA key", []string{"model", "sign", "--key", filepath.Join(n.ca, "ca.key"), "--cert", n.cert, "--payload", rec, "--out", "x"}, "CA key"},
		{"sign with a public file as certificate", []string{"model", "sign", "--key", n.key, "--cert", filepath.Join(n.dir, "coord.pub"), "--payload", rec, "--out", "x"}, "PEM block type"},
		{"sign with another node's key", []string{"model", "sign", "--key", filepath.Join(n.dir, "p1.key"), "--cert", n.cert, "--payload", rec,
			"--out", "x", "--kind", "k", "--strategy", "s", "--round", "1"}, "does not belong"},
		{"sign into a missing directory", []string{"model", "sign", "--key", n.key, "--cert", n.cert, "--payload", rec,
			"--out", filepath.Join(n.dir, "no", "x"), "--kind", "k", "--strategy", "s", "--round", "1"}, "no such file"},
	}
	for _, tt := range tests {
		code, _, errs := runCLI(context.Background(), tt.args...)
		if code != 1 || !strings.Contains(errs, tt.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", tt.name, code, errs, tt.want)
		}
	}
}

// modelBackend is a node Backend with a model store, as the node wires it.
type modelBackend struct {
	topoBackend
	*registry.APIBackend
}

func (b *modelBackend) Incidents(bool) ([]api.IncidentInfo, error) { return nil, errHealOff }
func (b *modelBackend) Actions() ([]api.ActionInfo, error)         { return nil, errHealOff }

func TestModelAPICmds(t *testing.T) {
	n := newModelNet(t)
	rec1, id1 := n.sign(t, 1, "", []byte("round 1"))
	rec2, id2 := n.sign(t, 2, id1, []byte("round 2"))
	rec3, id3 := n.sign(t, 3, id2, []byte("round 3"))
	s, err := registry.Open(filepath.Join(n.dir, "models.db"), registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	caCert, err := identity.LoadCertificate(filepath.Join(n.ca, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	iv, err := identity.NewVerifier(caCert)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{rec1, rec2, rec3} {
		r, err := registry.LoadRecordFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Accept(r, &registry.Verifier{Identity: iv}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(api.NewHandler(&modelBackend{APIBackend: registry.NewAPIBackend(s, time.Now, nil)}, api.Options{Token: "tok"}))
	t.Cleanup(srv.Close)
	off := httptest.NewServer(api.NewHandler(&topoBackend{}, api.Options{}))
	t.Cleanup(off.Close)
	tokenFile := filepath.Join(n.dir, "token")
	if err := os.WriteFile(tokenFile, []byte("tok\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	auth := []string{"--api", srv.URL, "--token-file", tokenFile}
	with := func(args ...string) []string { return append(args, auth...) }

	out := mustCLI(t, with("model", "list")...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], "ROUND") || !strings.HasPrefix(lines[3], "*") ||
		!strings.Contains(lines[3], id3[:16]) || !strings.Contains(lines[3], id2[:16]) || !strings.Contains(lines[1], " - ") {
		t.Errorf("model list:\n%s", out)
	}
	out = mustCLI(t, with("model", "show", id3[:10])...)
	for _, want := range []string{"model version " + id3 + " (current)", "parent:       " + id2, "participants: 2", n.participants[0],
		"lineage:      2 stored ancestors, first version reached", "round 1", "coordinator:  coord"} {
		if !strings.Contains(out, want) {
			t.Errorf("model show lacks %q:\n%s", want, out)
		}
	}
	out = mustCLI(t, with("model", "rollback", id1[:12], "--reason", "round 2 and 3 regressed")...)
	if !strings.Contains(out, "rolled back to "+id1+" (round 1) from "+id3[:16]+"; change 4: round 2 and 3 regressed") {
		t.Errorf("model rollback: %s", out)
	}
	out = mustCLI(t, with("model", "history")...)
	if !strings.Contains(out, "rollback  "+id3[:16]+"  "+id1[:16]) || strings.Count(out, "accept") != 3 {
		t.Errorf("model history:\n%s", out)
	}
	if out := mustCLI(t, with("model", "show", id1[:8])...); !strings.Contains(out, "(current)") || !strings.Contains(out, "parent:       none") {
		t.Errorf("model show after rollback:\n%s", out)
	}
	var list []api.ModelInfo
	if err := json.Unmarshal([]byte(mustCLI(t, with("model", "list", "--json")...)), &list); err != nil || len(list) != 3 || !list[0].Current {
		t.Errorf("model list --json: %+v %v", list, err)
	}
	var d api.ModelDetail
	if err := json.Unmarshal([]byte(mustCLI(t, with("model", "show", "--json", id2)...)), &d); err != nil || d.Model.Round != 2 || len(d.Lineage) != 1 {
		t.Errorf("model show --json: %+v %v", d, err)
	}
	var h []api.ModelChange
	if err := json.Unmarshal([]byte(mustCLI(t, with("model", "history", "--json")...)), &h); err != nil || len(h) != 4 {
		t.Errorf("model history --json: %+v %v", h, err)
	}
	// Back to round 1 is done; round 2 is not earlier than round 1.
	var ch api.ModelChange
	code, _, errs := runCLI(context.Background(), with("model", "rollback", id2)...)
	if code != 1 || !strings.Contains(errs, "not earlier") || !strings.Contains(errs, "(409)") {
		t.Errorf("rollback forward: %d %s", code, errs)
	}
	if _, err := s.Accept(mustLoad(t, n, 4, id1), &registry.Verifier{Identity: iv}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(mustCLI(t, with("model", "rollback", "--json", id1)...)), &ch); err != nil || ch.Action != "rollback" ||
		ch.Reason != registry.DefaultRollbackReason {
		t.Errorf("model rollback --json: %+v %v", ch, err)
	}
	errTests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown version", with("model", "show", strings.Repeat("0", 64)), "(404)"},
		{"short prefix", with("model", "show", "abc"), "(400)"},
		{"rollback unknown", with("model", "rollback", strings.Repeat("0", 64)), "(404)"},
		{"no token", []string{"model", "list", "--api", srv.URL}, "(401)"},
		{"no registry", []string{"model", "list", "--api", off.URL}, "(501)"},
		{"no registry show", []string{"model", "show", id1, "--api", off.URL}, "(501)"},
		{"no registry history", []string{"model", "history", "--api", off.URL}, "(501)"},
		{"no registry rollback", []string{"model", "rollback", id1, "--api", off.URL}, "(501)"},
		{"missing token file", []string{"model", "list", "--token-file", filepath.Join(n.dir, "none")}, "no such file"},
		{"missing token file show", []string{"model", "show", id1, "--token-file", filepath.Join(n.dir, "none")}, "no such file"},
		{"missing token file history", []string{"model", "history", "--token-file", filepath.Join(n.dir, "none")}, "no such file"},
		{"missing token file rollback", []string{"model", "rollback", id1, "--token-file", filepath.Join(n.dir, "none")}, "no such file"},
	}
	for _, tt := range errTests {
		code, _, errs := runCLI(context.Background(), tt.args...)
		if code != 1 || !strings.Contains(errs, tt.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", tt.name, code, errs, tt.want)
		}
	}
}

// mustLoad signs round on parent and loads the record file.
func mustLoad(t *testing.T, n *modelNet, round int, parent string) *registry.Record {
	t.Helper()
	f, _ := n.sign(t, round, parent, []byte("round "+strconv.Itoa(round)))
	r, err := registry.LoadRecordFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
