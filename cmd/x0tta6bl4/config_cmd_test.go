package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/config"
)

const chaosWarning = "# WARNING: chaos is on"

// writeFiles writes name → content files into dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// parseShown parses the YAML printed by config show or check as a configuration file.
func parseShown(t *testing.T, out string) api.ConfigInfo {
	t.Helper()
	c, err := config.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatalf("printed YAML is not a configuration: %v\n%s", err, out)
	}
	return api.NewConfigInfo(c)
}

func TestConfigShowCmd(t *testing.T) {
	cfg, err := config.Parse(strings.NewReader("listen: 127.0.0.1:7000\nidentity: {key: /k/node.key, cert: c, ca: ca}\n" +
		"api: {token_file: /k/api.token}\nchaos: {drop: 0.125, seed: 9}\n"))
	if err != nil {
		t.Fatal(err)
	}
	quiet, err := config.Parse(strings.NewReader("listen: 127.0.0.1:7000\nidentity: {key: k, cert: c, ca: ca}\n"))
	if err != nil {
		t.Fatal(err)
	}
	on := httptest.NewServer(api.NewHandler(&topoBackend{}, api.Options{Token: "tok", Config: cfg}))
	t.Cleanup(on.Close)
	noChaos := httptest.NewServer(api.NewHandler(&topoBackend{}, api.Options{Config: quiet}))
	t.Cleanup(noChaos.Close)
	off := httptest.NewServer(api.NewHandler(&topoBackend{}, api.Options{}))
	t.Cleanup(off.Close)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"token": "tok\n"})
	tokenFile := filepath.Join(dir, "token")

	tests := []struct {
		name    string
		args    []string
		fails   bool
		want    []string
		notWant []string
		check   func(t *testing.T, out string)
	}{
		{name: "yaml", args: []string{"--api", on.URL, "--token-file", tokenFile},
			want: []string{"# effective configuration of the node at " + on.URL, chaosWarning, "token_file: /k/api.token", "keepalive: 10s", "drop: 0.125"},
			check: func(t *testing.T, out string) {
				if got := parseShown(t, out); !reflect.DeepEqual(got, api.NewConfigInfo(cfg)) {
					t.Fatalf("shown %+v, want %+v", got, api.NewConfigInfo(cfg))
				}
			}},
		{name: "json", args: []string{"--api", on.URL, "--token-file", tokenFile, "--json"},
			want: []string{`"token_file": "/k/api.token"`}, notWant: []string{"#"},
			check: func(t *testing.T, out string) {
				var got api.ConfigInfo
				dec := json.NewDecoder(strings.NewReader(out))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&got); err != nil || !reflect.DeepEqual(got, api.NewConfigInfo(cfg)) {
					t.Fatalf("json: %v %+v", err, got)
				}
			}},
		{name: "no chaos, no warning", args: []string{"--api", noChaos.URL}, want: []string{"enabled: true", "period: 100ms"}, notWant: []string{chaosWarning}},
		{name: "no token", args: []string{"--api", on.URL}, fails: true, want: []string{"401"}},
		{name: "not configured", args: []string{"--api", off.URL}, fails: true, want: []string{"404", "not started from a configuration file"}},
		{name: "missing token file", args: []string{"--api", on.URL, "--token-file", filepath.Join(dir, "missing")}, fails: true, want: []string{"no such file"}},
		{name: "extra argument", args: []string{"--api", on.URL, "x"}, fails: true, want: []string{"unknown command"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(context.Background(), append([]string{"config", "show"}, tt.args...)...)
			if (code != 0) != tt.fails {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			all := out + errs
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(all, w) {
					t.Errorf("output has %q:\n%s", w, all)
				}
			}
			if tt.check != nil {
				tt.check(t, out)
			}
		})
	}
}

func TestConfigCheckCmd(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"good.yaml": "listen: 127.0.0.1:7000\nidentity: {key: node.key, cert: node.crt, ca: ca.crt}\napi: {token_file: api.token}\n",
		"bad.yaml":  "listen: nowhere\nidentity: {key: k}\nlog: {level: loud}\n",
		"chaos.yaml": "listen: 127.0.0.1:7000\nidentity: {key: k, cert: c, ca: ca}\nchaos: {blackhole: [" +
			strings.Repeat("ab", 32) + "]}\n",
	})
	tests := []struct {
		name  string
		args  []string
		fails bool
		want  []string
	}{
		{"valid", []string{"--config", filepath.Join(dir, "good.yaml")}, false,
			[]string{"good.yaml is valid", "key: " + filepath.Join(dir, "node.key"), "token_file: " + filepath.Join(dir, "api.token"), "listen: 127.0.0.1:7100"}},
		{"valid json", []string{"--config", filepath.Join(dir, "good.yaml"), "--json"}, false, []string{`"reload": "10s"`}},
		{"chaos", []string{"--config", filepath.Join(dir, "chaos.yaml")}, false, []string{chaosWarning, "blackhole:"}},
		{"invalid: every problem", []string{"--config", filepath.Join(dir, "bad.yaml")}, true,
			[]string{"identity.ca: required", "identity.cert: required", "listen:", "log.level:"}},
		{"missing", []string{"--config", filepath.Join(dir, "none.yaml")}, true, []string{"no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(context.Background(), append([]string{"config", "check"}, tt.args...)...)
			if (code != 0) != tt.fails {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(out+errs, w) {
					t.Errorf("output lacks %q:\n%s%s", w, out, errs)
				}
			}
			if !tt.fails && !strings.Contains(strings.Join(tt.args, " "), "--json") {
				parseShown(t, out)
			}
		})
	}
}

// TestConfigShowRealNode runs a node in-process from a configuration whose token file holds
// "s3cret" and checks config show prints its effective configuration without the token or any
// line of the private key file.
func TestConfigShowRealNode(t *testing.T) {
	dir := t.TempDir()
	mustCLI(t, "ca", "init", "--dir", filepath.Join(dir, "ca"))
	mustCLI(t, "keygen", "--out", filepath.Join(dir, "alpha.key"))
	mustCLI(t, "ca", "sign", "--dir", filepath.Join(dir, "ca"), "--pub", filepath.Join(dir, "alpha.pub"), "--name", "alpha")
	udp, tcp := freePort(t, "udp"), freePort(t, "tcp")
	writeFiles(t, dir, map[string]string{
		"token": "s3cret\n",
		"alpha.yaml": fmt.Sprintf("name: alpha\nlisten: 127.0.0.1:%d\nidentity: {key: alpha.key, cert: alpha.crt, ca: ca/ca.crt}\n"+
			"api: {listen: '127.0.0.1:%d', token_file: token}\nhealing: {enabled: false}\n", udp, tcp),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		code, _, _ := runCLI(ctx, "node", "--config", filepath.Join(dir, "alpha.yaml"))
		done <- code
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("node exited with %d", code)
		}
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d", tcp)
	waitFor(t, "the node's API", 20*time.Second, func() bool {
		code, _, _ := runCLI(ctx, "config", "show", "--api", url, "--token-file", filepath.Join(dir, "token"))
		return code == 0
	})
	key, err := os.ReadFile(filepath.Join(dir, "alpha.key"))
	if err != nil {
		t.Fatal(err)
	}
	for _, asJSON := range []bool{false, true} {
		args := []string{"config", "show", "--api", url, "--token-file", filepath.Join(dir, "token")}
		if asJSON {
			args = append(args, "--json")
		}
		out := mustCLI(t, args...)
		if strings.Contains(out, "s3cret") {
			t.Fatalf("config show prints the token:\n%s", out)
		}
		for line := range strings.Lines(string(key)) {
			if line = strings.TrimSpace(line); len(line) >= 16 && strings.Contains(out, line) {
				t.Fatalf("config show prints key material %q", line)
			}
		}
		for _, w := range []string{"alpha", filepath.Join(dir, "token"), filepath.Join(dir, "alpha.key"), fmt.Sprintf("127.0.0.1:%d", udp)} {
			if !strings.Contains(out, w) {
				t.Errorf("config show lacks %q:\n%s", w, out)
			}
		}
		if !asJSON && parseShown(t, out).Healing.Enabled {
			t.Error("healing.enabled: false not shown")
		}
	}
}

// failAfter is a writer that fails once it has accepted n bytes.
type failAfter struct{ n int }

var errWriteFailed = errors.New("write failed")

func (w *failAfter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errWriteFailed
	}
	w.n -= len(p)
	return len(p), nil
}

// TestPrintConfigWriteErrors checks a failing output is reported at every step.
func TestPrintConfigWriteErrors(t *testing.T) {
	cfg, err := config.Parse(strings.NewReader("listen: 127.0.0.1:7000\nidentity: {key: k, cert: c, ca: ca}\nchaos: {drop: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	info := api.NewConfigInfo(cfg)
	for _, tt := range []struct {
		name   string
		n      int
		asJSON bool
	}{
		{"title", 0, false},
		{"warning", len("# t\n"), false},
		{"yaml", len("# t\n") + len(chaosWarning) + 10, false},
		{"json", 0, true},
	} {
		if err := printConfig(&failAfter{tt.n}, info, tt.asJSON, "t"); !errors.Is(err, errWriteFailed) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
}
