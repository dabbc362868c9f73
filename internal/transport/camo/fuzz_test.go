package camo

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// fuzzTime is the fixed clock of the fuzz targets, so that seed tokens stay fresh.
var fuzzTime = time.Unix(1_800_000_000, 0)

// fuzzBinding is the channel binding of the fuzz targets' imaginary TLS connection.
func fuzzBinding() []byte { return bytes.Repeat([]byte{0xcb}, bindingSize) }

// seedToken is a valid token at fuzzTime with an all-zero nonce, deterministic for seed files,
// bound to fuzzBinding or unbound.
func seedToken(t testing.TB, port uint16, bound bool) string {
	var binding []byte
	if bound {
		binding = fuzzBinding()
	}
	s, err := newAuth(t, testKey).newToken(bytes.NewReader(make([]byte, nonceSize)), fuzzTime, port, binding)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// FuzzParseToken decodes arbitrary strings as tokens arriving on a TLS connection with a fixed
// channel binding. Properties: no panic; a token that parses is canonical (it re-encodes to the
// same string), is accepted once at its own time and is a replay the second time; a bound one
// does not parse on another connection.
func FuzzParseToken(f *testing.F) {
	good := seedToken(f, 443, false)
	f.Add(good)
	f.Add(seedToken(f, 443, true))
	f.Add("")
	f.Add(strings.Repeat("A", len(good)))
	f.Add(good[:len(good)-1] + "B")
	f.Fuzz(func(t *testing.T, s string) {
		a := newAuth(t, testKey)
		tok, err := a.parseToken(s, fuzzBinding())
		if err != nil {
			if !errors.Is(err, ErrBadToken) {
				t.Fatalf("error %v does not wrap ErrBadToken", err)
			}
			return
		}
		if base64.RawURLEncoding.EncodeToString(tok.raw[:]) != s {
			t.Fatalf("token %q is not canonical", s)
		}
		if _, err := a.parseToken(s, make([]byte, bindingSize)); tok.bound && err == nil {
			t.Fatal("bound token parsed on another connection")
		}
		at := time.Unix(tok.time, 0)
		if _, err := a.accept(s, at, fuzzBinding()); err != nil {
			t.Fatalf("valid token refused at its own time: %v", err)
		}
		if _, err := a.accept(s, at, fuzzBinding()); !errors.Is(err, ErrReplay) {
			t.Fatalf("second use: %v, want ErrReplay", err)
		}
	})
}

// FuzzClassify feeds arbitrary bytes to the classification of an accepted connection's first
// request (the decoder of HTTP upgrade requests from outside). Properties: no panic; the bytes
// are never consumed (the decoy server reads them all, unchanged); an error only when the input
// ends before a decision; mesh mode only for a request to the configured path carrying a token
// that verifies, and only once.
func FuzzClassify(f *testing.F) {
	f.Add([]byte(authRequest(seedToken(f, 4433, true))))
	f.Add([]byte(strings.Replace(authRequest(seedToken(f, 0, false)), "binary", "websocket", 1)))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"))
	f.Add([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"))
	f.Add([]byte("GET / HTTP/1.1\r\nCookie: sid=\r\n\r\n"))
	f.Add([]byte("GET / HTTP/1.1\r\n"))
	f.Add([]byte{0x16, 0x03, 0x01, 0x00, 0x05})
	cfg, err := testConfig(ModeTLS).normalize()
	if err != nil {
		f.Fatal(err)
	}
	cfg.Now = func() time.Time { return fuzzTime }
	remote := netip.MustParseAddrPort("192.0.2.1:50000")
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &Conn{cfg: cfg, log: slog.New(slog.DiscardHandler), auth: newAuth(t, testKey)}
		br := bufio.NewReaderSize(bytes.NewReader(data), maxRequestHead)
		v, err := c.classify(br, remote, fuzzBinding())
		if rest, _ := io.ReadAll(br); !bytes.Equal(rest, data) {
			t.Fatal("classify consumed bytes")
		}
		if err != nil {
			if v.ok || !strings.HasPrefix("GET / HTTP/1.1\r\n", string(data[:min(len(data), 16)])) || bytes.Contains(data, []byte("\r\n\r\n")) {
				t.Fatalf("error %v on a decided input", err)
			}
			return
		}
		if !v.ok {
			return
		}
		if !bytes.HasPrefix(data, []byte("GET / HTTP/1.1\r\n")) {
			t.Fatalf("mesh mode for %q", data)
		}
		tok, err := c.auth.parseToken(v.token, fuzzBinding())
		if err != nil || v.from.Addr() != remote.Addr() || (tok.port != 0 && v.from.Port() != tok.port) {
			t.Fatalf("mesh mode with token %q (%v) from %v", v.token, err, v.from)
		}
		if v2, _ := c.classify(bufio.NewReader(bytes.NewReader(data)), remote, fuzzBinding()); v2.ok {
			t.Fatal("the same request switched to mesh mode twice")
		}
	})
}
