package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// runCLI runs the command line in-process and returns its exit code and output.
func runCLI(ctx context.Context, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := runCLI(context.Background(), args...)
	if code != 0 {
		t.Fatalf("x0tta6bl4 %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func TestCAWorkflow(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca")
	key := filepath.Join(dir, "n1.key")
	out := mustCLI(t, "ca", "init", "--dir", ca, "--name", "net")
	if !strings.Contains(out, "network ID:") {
		t.Fatalf("ca init output: %s", out)
	}
	out = mustCLI(t, "keygen", "--out", key)
	if !strings.Contains(out, "node ID:") {
		t.Fatalf("keygen output: %s", out)
	}
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi.Mode(), err)
	}
	out = mustCLI(t, "ca", "sign", "--dir", ca, "--pub", filepath.Join(dir, "n1.pub"), "--name", "n1", "--groups", "a,b")
	if !strings.Contains(out, "issued certificate") || !strings.Contains(out, "serial:") {
		t.Fatalf("ca sign output: %s", out)
	}
	out = mustCLI(t, "ca", "revoke", "--dir", ca, "--cert", filepath.Join(dir, "n1.crt"))
	if !strings.Contains(out, "number 2, 1 revoked") {
		t.Fatalf("revoke output: %s", out)
	}
	out = mustCLI(t, "ca", "revoke", "--dir", ca, "--serial", strings.Repeat("ab", 16), "--out", filepath.Join(dir, "copy.crl"))
	if !strings.Contains(out, "number 3, 2 revoked") {
		t.Fatalf("second revoke output: %s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "copy.crl")); err != nil {
		t.Fatal(err)
	}
	if out := mustCLI(t, "version"); !strings.HasPrefix(out, "x0tta6bl4 ") {
		t.Fatalf("version: %q", out)
	}

	fails := []struct {
		args []string
		want string
	}{
		{[]string{"keygen", "--out", key}, "exist"},
		{[]string{"ca", "init", "--dir", ca}, "exist"},
		{[]string{"ca", "sign", "--dir", ca}, "--pub and --name are required"},
		{[]string{"ca", "sign", "--dir", filepath.Join(dir, "none"), "--pub", "x.pub", "--name", "x"}, "no such file"},
		{[]string{"ca", "sign", "--dir", ca, "--pub", filepath.Join(dir, "none.pub"), "--name", "x"}, "no such file"},
		{[]string{"ca", "revoke", "--dir", ca}, "at least one"},
		{[]string{"ca", "revoke", "--dir", ca, "--serial", "zz"}, "32 hexadecimal"},
		{[]string{"ca", "revoke", "--dir", ca, "--cert", filepath.Join(dir, "none.crt")}, "no such file"},
		{[]string{"ca", "revoke", "--dir", filepath.Join(dir, "none"), "--serial", "00"}, "no such file"},
		{[]string{"node", "--config", filepath.Join(dir, "none.yaml")}, "no such file"},
		{[]string{"nonsense"}, "unknown command"},
	}
	for _, f := range fails {
		code, _, errs := runCLI(context.Background(), f.args...)
		if code == 0 || !strings.Contains(errs, f.want) {
			t.Errorf("x0tta6bl4 %s: exit %d, stderr %q, want error containing %q", strings.Join(f.args, " "), code, errs, f.want)
		}
	}
}

func TestDemo(t *testing.T) {
	var out, logs bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := runDemo(ctx, &out, &logs, demoOptions{count: 200}); err != nil {
		t.Fatalf("demo: %v\n%s\n%s", err, out.String(), logs.String())
	}
	for _, want := range []string{"connected: alpha <-> beta <-> gamma", "exchanged 200 encrypted datagrams: 200 echoed back, 0 lost", "alpha sees beta", "multi-hop: 200/200 datagrams from alpha reached gamma"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestNodeCommands runs two nodes with the node command in-process and drives them with peers and
// ping through the local API.
func TestNodeCommands(t *testing.T) {
	dir := t.TempDir()
	mustCLI(t, "ca", "init", "--dir", filepath.Join(dir, "ca"))
	for _, n := range []string{"alpha", "beta"} {
		mustCLI(t, "keygen", "--out", filepath.Join(dir, n+".key"))
		mustCLI(t, "ca", "sign", "--dir", filepath.Join(dir, "ca"), "--pub", filepath.Join(dir, n+".pub"), "--name", n)
	}
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ua, ub := freePort(t, "udp"), freePort(t, "udp")
	aa, ab := freePort(t, "tcp"), freePort(t, "tcp")
	write := func(name, body string) string {
		p := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfgA := write("alpha", fmt.Sprintf("listen: 127.0.0.1:%d\nidentity: {key: alpha.key, cert: alpha.crt, ca: ca/ca.crt}\npeers: [{address: '127.0.0.1:%d'}]\napi: {listen: '127.0.0.1:%d', token_file: token}\nlog: {format: json}\n", ua, ub, aa))
	cfgB := write("beta", fmt.Sprintf("listen: 127.0.0.1:%d\nidentity: {key: beta.key, cert: beta.crt, ca: ca/ca.crt, revocation_list: ca/ca.crl}\napi: {listen: '127.0.0.1:%d'}\n", ub, ab))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 2)
	for _, c := range []string{cfgB, cfgA} {
		go func() {
			code, _, _ := runCLI(ctx, "node", "--config", c)
			done <- code
		}()
	}
	defer func() {
		cancel()
		for range 2 {
			if code := <-done; code != 0 {
				t.Errorf("node exited with %d", code)
			}
		}
	}()
	apiA := fmt.Sprintf("http://127.0.0.1:%d", aa)
	waitFor(t, "alpha ready", 20*time.Second, func() bool { return ready(apiA) })

	code, _, errs := runCLI(ctx, "peers", "--api", apiA)
	if code == 0 || !strings.Contains(errs, "401") {
		t.Fatalf("peers without token: %d %q", code, errs)
	}
	out := mustCLI(t, "peers", "--api", apiA, "--token-file", token)
	if !strings.Contains(out, "beta") || !strings.Contains(out, "up") || !strings.Contains(out, "NODE ID") {
		t.Fatalf("peers:\n%s", out)
	}
	out = mustCLI(t, "peers", "--api", apiA, "--token-file", token, "--json")
	var peers []api.PeerInfo
	if err := json.Unmarshal([]byte(out), &peers); err != nil || len(peers) != 1 {
		t.Fatalf("peers --json: %v %s", err, out)
	}
	out = mustCLI(t, "routes", "--api", apiA, "--token-file", token, "--all")
	if !strings.Contains(out, "DESTINATION") {
		t.Fatalf("routes:\n%s", out)
	}
	waitFor(t, "a route to beta", 10*time.Second, func() bool {
		return strings.Contains(mustCLI(t, "routes", "--api", apiA, "--token-file", token), "true")
	})
	if out = mustCLI(t, "routes", "--api", apiA, "--token-file", token, "--json"); !strings.Contains(out, `"selected": true`) {
		t.Fatalf("routes --json:\n%s", out)
	}
	out = mustCLI(t, "ping", "--api", apiA, "--token-file", token, "--count", "100", "beta")
	if !strings.Contains(out, "100 sent, 100 received, 0 lost") {
		t.Fatalf("ping: %s", out)
	}
	req, _ := http.NewRequest("GET", apiA+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `x0tta6bl4_peers{state="up"} 1`) || !strings.Contains(string(body), "go_goroutines") {
		t.Fatalf("metrics: %d\n%s", resp.StatusCode, body)
	}
	code, _, errs = runCLI(ctx, "ping", "--api", apiA, "--token-file", token, "nobody")
	if code == 0 || !strings.Contains(errs, "no peer") {
		t.Fatalf("ping nobody: %d %q", code, errs)
	}
	code, _, errs = runCLI(ctx, "peers", "--api", apiA, "--token-file", filepath.Join(dir, "missing"))
	if code == 0 || !strings.Contains(errs, "no such file") {
		t.Fatalf("missing token file: %d %q", code, errs)
	}
}

func TestPrintHelpers(t *testing.T) {
	tests := []struct {
		in   uint64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {5 << 20, "5.0 MiB"}, {3 << 30, "3.0 GiB"}}
	for _, tt := range tests {
		if got := bytesString(tt.in); got != tt.want {
			t.Errorf("bytesString(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var b bytes.Buffer
	if err := printPeers(&b, []api.PeerInfo{{Address: "127.0.0.1:1", State: "connecting"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "-  ") || !strings.Contains(b.String(), "connecting") {
		t.Fatalf("printPeers: %q", b.String())
	}
}

func TestBenchSession(t *testing.T) {
	out := mustCLI(t, "bench", "session", "--sizes", "64", "--json")
	var res []sessionBenchResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 2 {
		t.Fatalf("bench session --json: %v %s", err, out)
	}
	for _, r := range res {
		if r.NsPerOp <= 0 || r.MBPerSec <= 0 || r.Size != 64 {
			t.Fatalf("result %+v", r)
		}
	}
	if code, _, errs := runCLI(context.Background(), "bench", "session", "--sizes", "-1"); code == 0 || !strings.Contains(errs, "not in") {
		t.Fatalf("bad size: %d %q", code, errs)
	}
}

func TestBenchHandshakeAndTiming(t *testing.T) {
	out := mustCLI(t, "bench", "handshake", "--n", "5")
	for _, want := range []string{"handshakes/s", "ratio handshake/primitives", "Initiation, certificate hash", "ML-KEM-768 decapsulation"} {
		if !strings.Contains(out, want) {
			t.Fatalf("bench handshake output lacks %q:\n%s", want, out)
		}
	}
	out = mustCLI(t, "bench", "handshake", "--n", "3", "--json")
	var rep struct {
		Ratio float64
		Wire  []struct{ Bytes int }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Ratio <= 0 || len(rep.Wire) == 0 {
		t.Fatalf("bench handshake --json: %v %s", err, out)
	}
	out = mustCLI(t, "bench", "timing", "--n", "2000", "--json")
	var tr []timingReport
	if err := json.Unmarshal([]byte(out), &tr); err != nil || len(tr) != 2 || tr[0].Verdict == "" {
		t.Fatalf("bench timing --json: %v %s", err, out)
	}
	if out := mustCLI(t, "bench", "timing", "--n", "2000"); !strings.Contains(out, "session-frame-auth-failure") {
		t.Fatalf("bench timing: %s", out)
	}
	if code, _, _ := runCLI(context.Background(), "bench", "timing", "--n", "1"); code == 0 {
		t.Fatal("bench timing with n=1 succeeded")
	}
	if code, _, _ := runCLI(context.Background(), "bench", "handshake", "--n", "0"); code == 0 {
		t.Fatal("bench handshake with n=0 succeeded")
	}
}

func TestBenchReroute(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three nodes for a few seconds")
	}
	out := mustCLI(t, "bench", "reroute", "--trials", "1", "--json")
	var rep rerouteReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(rep.Trials) != 2 || rep.DetectIdleMax <= 0 || rep.DetectBusyMax <= 0 || rep.OutageMax <= 0 {
		t.Fatalf("report %+v", rep)
	}
	// Behaviour, not speed: the mesh must reroute at all and probes must flow again afterwards.
	if busy := rep.Trials[1]; busy.ProbesSent == 0 || busy.ProbesLost >= busy.ProbesSent {
		t.Fatalf("busy trial %+v", busy)
	}
	if code, _, _ := runCLI(context.Background(), "bench", "reroute", "--trials", "0"); code == 0 {
		t.Fatal("--trials 0 accepted")
	}
}
