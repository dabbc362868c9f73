package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const validYAML = `
name: alpha
listen: 127.0.0.1:7000
identity:
  key: node.key
  cert: node.crt
  ca: ca.crt
peers:
  - address: 127.0.0.1:7001
  - address: "[::1]:7002"
    node_id: 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
timers:
  keepalive: 2s
`

func TestParseValid(t *testing.T) {
	c, err := Parse(strings.NewReader(validYAML))
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "alpha" || c.Listen != "127.0.0.1:7000" || len(c.Peers) != 2 {
		t.Fatalf("decoded %+v", c)
	}
	if c.API.Listen != DefaultAPIListen || c.Log.Level != "info" || c.Log.Format != "text" {
		t.Fatalf("defaults not applied: %+v", c)
	}
	if time.Duration(c.Timers.Keepalive) != 2*time.Second || time.Duration(c.Timers.Reload) != DefaultReloadInterval {
		t.Fatalf("timers: %+v", c.Timers)
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	base := "listen: 127.0.0.1:7000\nidentity: {key: k, cert: c, ca: a}\n"
	tests := []struct {
		name  string
		yaml  string
		field string
		want  string
	}{
		{"missing listen", "identity: {key: k, cert: c, ca: a}\n", "listen", "required"},
		{"bad listen", "listen: nope\nidentity: {key: k, cert: c, ca: a}\n", "listen", "not IP:port"},
		{"missing key", "listen: 127.0.0.1:1\nidentity: {cert: c, ca: a}\n", "identity.key", "required"},
		{"missing cert", "listen: 127.0.0.1:1\nidentity: {key: k, ca: a}\n", "identity.cert", "required"},
		{"missing ca", "listen: 127.0.0.1:1\nidentity: {key: k, cert: c}\n", "identity.ca", "required"},
		{"peer address", base + "peers: [{address: 'x:1'}]\n", "peers[0].address", "not IP:port"},
		{"peer empty", base + "peers: [{node_id: ''}]\n", "peers[0].address", "required"},
		{"peer port 0", base + "peers: [{address: '127.0.0.1:0'}]\n", "peers[0].address", "port 0"},
		{"peer dup", base + "peers: [{address: '127.0.0.1:5'}, {address: '127.0.0.1:5'}]\n", "peers[1].address", "duplicate of peers[0]"},
		{"peer id", base + "peers: [{address: '127.0.0.1:5', node_id: 'zz'}]\n", "peers[0].node_id", "64 hexadecimal"},
		{"api listen", base + "api: {listen: 'bad'}\n", "api.listen", "not IP:port"},
		{"api token", base + "api: {listen: '0.0.0.0:80'}\n", "api.token_file", "required when"},
		{"log level", base + "log: {level: loud}\n", "log.level", "not one of"},
		{"log format", base + "log: {format: xml}\n", "log.format", "not text or json"},
		{"keepalive", base + "timers: {keepalive: 1ms}\n", "timers.keepalive", "below the minimum"},
		{"reload", base + "timers: {reload: 1ns}\n", "timers.reload", "below the minimum"},
		{"min peers", base + "min_peers: -2\n", "min_peers", "outside -1"},
		{"socks listen", base + "socks: {listen: nope, exit: " + strings.Repeat("a", 64) + "}\n", "socks.listen", "not IP:port"},
		{"socks exit", base + "socks: {listen: '127.0.0.1:1080', exit: abc}\n", "socks.exit", "64 hexadecimal"},
		{"socks exit alone", base + "socks: {exit: abc}\n", "socks.listen", "required when"},
		{"exit rule", base + "exit: {allow: ['10.0.0.0/8']}\n", "exit.allow[0]", "not PREFIX:PORT"},
		{"exit prefix", base + "exit: {allow: ['nope:80']}\n", "exit.allow[0]", "nope"},
		{"exit ports", base + "exit: {allow: ['127.0.0.1/32:90-80']}\n", "exit.allow[0]", "first <= last"},
		{"long name", base + "name: " + strings.Repeat("n", 65) + "\n", "name", "longer than 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.yaml))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err %v has no FieldError", err)
			}
			if !strings.Contains(err.Error(), tt.field+": ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %q, want field %q and %q", err, tt.field, tt.want)
			}
		})
	}
}

func TestParseSyntax(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want error
	}{
		{"unknown field", "listen: 127.0.0.1:1\nlistne: x\n", ErrSyntax},
		{"wrong type", "peers: 3\n", ErrSyntax},
		{"bad duration", "timers: {keepalive: soon}\n", ErrSyntax},
		{"duration not string", "timers: {keepalive: [1]}\n", ErrSyntax},
		{"two documents", "listen: 127.0.0.1:1\n---\nlisten: 127.0.0.1:2\n", ErrSyntax},
		{"too large", strings.Repeat("#", MaxFileSize+1), ErrTooLarge},
		{"empty", "", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(strings.NewReader(tt.yaml)); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestTooManyPeers(t *testing.T) {
	var b strings.Builder
	b.WriteString("listen: 127.0.0.1:7000\nidentity: {key: k, cert: c, ca: a}\npeers:\n")
	for i := 0; i <= MaxPeers; i++ {
		fmt.Fprintf(&b, "  - address: 127.0.1.1:%d\n", 1000+i)
	}
	_, err := Parse(strings.NewReader(b.String()))
	if err == nil || !strings.Contains(err.Error(), "peers: 1025 peers") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadResolvesRelativePaths(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "node.yaml")
	if err := os.WriteFile(path, []byte(validYAML+"identity_extra: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want syntax error naming the file", err)
	}
	if err := os.WriteFile(path, []byte(validYAML+"api: {token_file: /abs/token}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Identity.Key != filepath.Join(dir, "node.key") || c.Identity.CA != filepath.Join(dir, "ca.crt") {
		t.Fatalf("paths not resolved: %+v", c.Identity)
	}
	if c.API.TokenFile != "/abs/token" {
		t.Fatalf("absolute path changed: %q", c.API.TokenFile)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want not exist", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(validYAML))
	f.Add([]byte("listen: 127.0.0.1:1\n"))
	f.Add([]byte("peers: [{address: '[::1]:1'}]\n"))
	f.Add([]byte("timers: {keepalive: 1h}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(strings.NewReader(string(data)))
		if err != nil {
			if c != nil {
				t.Fatal("config returned with error")
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted config fails validation: %v", err)
		}
	})
}

func TestParseExitRule(t *testing.T) {
	for _, tt := range []struct {
		in          string
		first, last uint16
		prefix      string
	}{
		{"127.0.0.1/32:8080", 8080, 8080, "127.0.0.1/32"},
		{"10.1.2.3/8:1-1024", 1, 1024, "10.0.0.0/8"},
		{"::1/128:443", 443, 443, "::1/128"},
	} {
		r, err := ParseExitRule(tt.in)
		if err != nil || r.FirstPort != tt.first || r.LastPort != tt.last || r.Prefix.String() != tt.prefix {
			t.Errorf("%s: %+v %v", tt.in, r, err)
		}
	}
	for _, bad := range []string{"", "1.2.3.4/32", "1.2.3.4/32:0", "1.2.3.4/32:70000", "1.2.3.4/32:x"} {
		if _, err := ParseExitRule(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
