package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodCM = `apiVersion: v1
kind: ConfigMap
metadata: {name: mesh-config}
data:
  mesh-0.yaml: "listen: 0.0.0.0:7000\n"
  mesh-1.yaml: "listen: 0.0.0.0:7001\n"
`

const tunSTS = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mesh}
spec:
  selector: {matchLabels: {app: mesh}}
  template:
    metadata: {labels: {app: mesh}}
    spec:
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: node
          image: r/x@sha256:0000000000000000000000000000000000000000000000000000000000000001
          securityContext:
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL], add: [NET_ADMIN]}
          resources: {requests: {cpu: 1m, memory: 1Mi}, limits: {memory: 2Mi}}
          livenessProbe: {httpGet: {path: /healthz, port: 1}}
          readinessProbe: {httpGet: {path: /readyz, port: 1}}
`

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join("..", "..", "testdata", "good-stream.yaml")
	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantCode   int
		wantOut    string
		wantErrOut string
	}{
		{"no arguments", nil, "", 2, "", "usage: chartcheck"},
		{"unknown flag", []string{"-nope", "x"}, "", 2, "", "flag provided but not defined"},
		{"bad capability", []string{"-allow-cap", "net_admin", "x"}, "", 2, "", "want a capability name"},
		{"CAP_ prefix", []string{"-allow-cap", "CAP_NET_ADMIN", "x"}, "", 2, "", "want a capability name"},
		{"good stream", []string{good}, "", 0, "14 documents ok: ConfigMap 1, NetworkPolicy 1, Pod 3", ""},
		{"stdin", []string{"-"}, goodCM, 0, "-: 1 document ok: ConfigMap 1", ""},
		{"missing file", []string{filepath.Join(dir, "nope.yaml")}, "", 1, "", "no such file"},
		{"empty stream", []string{"-"}, "# nothing\n---\n", 1, "", "no documents"},
		{"too large", []string{"-"}, strings.Repeat("#", 32<<20+1), 1, "", "too large"},
		{"rejected documents", []string{filepath.Join("..", "..", "testdata", "reject-tag.yaml")}, "", 1, "", "not pinned by digest"},
		{"decode error", []string{"-"}, "kind: Nope\napiVersion: v1\n", 1, "", "unknown kind"},
		{"capability refused", []string{"-"}, tunSTS, 1, "", "adds capability NET_ADMIN"},
		{"capability allowed", []string{"-allow-cap", "NET_ADMIN", "-"}, tunSTS, 0, "1 document ok: StatefulSet 1", ""},
		{"one good, one bad", []string{good, filepath.Join("..", "..", "testdata", "reject-unknown-field.yaml")}, "", 1, "14 documents ok", "imagePullPolicyy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(tt.args, strings.NewReader(tt.stdin), &out, &errOut)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tt.wantCode, errOut.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout %q, want it to contain %q", out.String(), tt.wantOut)
			}
			if !strings.Contains(errOut.String(), tt.wantErrOut) {
				t.Errorf("stderr %q, want it to contain %q", errOut.String(), tt.wantErrOut)
			}
			if tt.wantCode == 0 && errOut.Len() != 0 {
				t.Errorf("stderr %q on success", errOut.String())
			}
		})
	}
}

func TestRunConfigMaps(t *testing.T) {
	tests := []struct {
		name    string
		stream  string
		want    map[string]string // file under the directory -> content
		wantErr string
	}{
		{"writes every key", goodCM + "---\n" + tunSTS, map[string]string{
			"mesh-config/mesh-0.yaml": "listen: 0.0.0.0:7000\n", "mesh-config/mesh-1.yaml": "listen: 0.0.0.0:7001\n"}, ""},
		{"nothing when the stream fails", goodCM + "---\nkind: X\napiVersion: v1\n", nil, "unknown kind"},
		{"key escaping the directory", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {../x: val}\n", nil, "not a valid ConfigMap key"},
		{"dot key", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {..: val}\n", nil, "not a valid ConfigMap key"},
		{"name escaping the directory", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ../c}\ndata: {k: val}\n", nil, "not usable as a directory name"},
		{"dot name", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ..}\ndata: {k: val}\n", nil, "not usable as a directory name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "cms")
			var out, errOut bytes.Buffer
			code := run([]string{"-allow-cap", "NET_ADMIN", "-configmaps", dir, "-"}, strings.NewReader(tt.stream), &out, &errOut)
			if tt.wantErr != "" {
				if code != 1 || !strings.Contains(errOut.String(), tt.wantErr) {
					t.Fatalf("exit %d, stderr %q; want 1 and %q", code, errOut.String(), tt.wantErr)
				}
				if _, err := os.Stat(filepath.Join(dir, "..", "x")); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a file was written outside the directory: %v", err)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errOut.String())
			}
			for name, content := range tt.want {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil || string(b) != content {
					t.Errorf("%s = %q, %v; want %q", name, b, err, content)
				}
			}
		})
	}
}

func TestRunConfigMapsUnwritable(t *testing.T) {
	dir := t.TempDir()
	blocker := writeFile(t, dir, "file", "x")
	var out, errOut bytes.Buffer
	code := run([]string{"-configmaps", blocker, "-"}, strings.NewReader(goodCM), &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "writing ConfigMap") {
		t.Errorf("exit %d, stderr %q; want 1 and a write error", code, errOut.String())
	}
}

func TestCapListString(t *testing.T) {
	c := capList{"NET_ADMIN", "NET_RAW"}
	if c.String() != "NET_ADMIN,NET_RAW" {
		t.Errorf("String() = %q", c.String())
	}
}

func TestUnjoin(t *testing.T) {
	single := errors.New("one")
	tests := []struct {
		err  error
		want int
	}{
		{single, 1},
		{errors.Join(single, errors.New("two")), 2},
	}
	for _, tt := range tests {
		if got := unjoin(tt.err); len(got) != tt.want {
			t.Errorf("unjoin(%v) = %d errors, want %d", tt.err, len(got), tt.want)
		}
	}
}
