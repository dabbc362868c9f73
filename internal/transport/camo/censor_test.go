package camo

import (
	"crypto/rand"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"github.com/x0tta6bl4/x0tta6bl4/internal/censor"
)

// tap is a TCP relay in front of a server that records the first payload each client sends, as
// an on-path censor sees it, and then relays the connection unchanged.
type tap struct {
	ln    net.Listener
	to    string
	mu    sync.Mutex
	first [][]byte
	wg    sync.WaitGroup
}

func newTap(t *testing.T, to netip.AddrPort) *tap {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tp := &tap{ln: ln, to: to.String()}
	tp.wg.Add(1)
	go tp.run()
	t.Cleanup(func() {
		ln.Close()
		tp.wg.Wait()
	})
	return tp
}

func (tp *tap) run() {
	defer tp.wg.Done()
	for {
		c, err := tp.ln.Accept()
		if err != nil {
			return
		}
		tp.wg.Add(1)
		go tp.relay(c)
	}
}

func (tp *tap) relay(down net.Conn) {
	defer tp.wg.Done()
	defer down.Close()
	buf := make([]byte, 1<<16)
	n, err := down.Read(buf)
	if err != nil {
		return
	}
	tp.mu.Lock()
	tp.first = append(tp.first, append([]byte(nil), buf[:n]...))
	tp.mu.Unlock()
	up, err := net.Dial("tcp", tp.to)
	if err != nil {
		return
	}
	defer up.Close()
	up.Write(buf[:n])
	done := make(chan struct{})
	go func() {
		io.Copy(down, up)
		down.Close()
		close(done)
	}()
	io.Copy(up, down)
	up.Close()
	<-done
}

func (tp *tap) addr() netip.AddrPort { return netip.MustParseAddrPort(tp.ln.Addr().String()) }

// TestCensorExemptsClientHello runs many real dials in both modes through a tap and applies the
// GFW's fully-encrypted-traffic rule (package censor, Wu et al. 2023, Algorithm 1) to each first
// payload: every one is a TLS ClientHello, exempt by Ex5, never flagged. A control checks that the
// same rule flags the first payload of a fully encrypted protocol (random bytes).
func TestCensorExemptsClientHello(t *testing.T) {
	const perMode = 40
	srv := listen(t, testConfig(ModeTLS))
	tp := newTap(t, srv.LocalAddr())
	for _, mode := range []Mode{ModeTLS, ModeWebSocket} {
		cl := listen(t, testConfig(mode))
		for range perMode {
			l, err := cl.dial(t.Context(), tp.addr())
			if err != nil {
				t.Fatal(err)
			}
			l.close()
		}
	}
	tp.mu.Lock()
	first := tp.first
	tp.mu.Unlock()
	if len(first) != 2*perMode {
		t.Fatalf("%d first payloads, want %d", len(first), 2*perMode)
	}
	minLen, maxLen, minPop, maxPop := len(first[0]), 0, 8.0, 0.0
	for i, p := range first {
		v := censor.FullyEncrypted(p)
		if v.Flagged || v.Exemption != censor.Ex5 || !censor.IsTLS(p) {
			t.Fatalf("connection %d: %d-byte first payload flagged=%v exemption=%v (popcount %.2f)",
				i, len(p), v.Flagged, v.Exemption, v.Popcount)
		}
		if g := keyShareGroups(p); len(g) != 2 || g[0] != tls.X25519MLKEM768 || g[1] != tls.X25519 {
			t.Fatalf("connection %d: key shares %v, want X25519MLKEM768 then X25519", i, g)
		}
		minLen, maxLen = min(minLen, len(p)), max(maxLen, len(p))
		minPop, maxPop = min(minPop, v.Popcount), max(maxPop, v.Popcount)
	}
	t.Logf("%d first payloads, all TLS ClientHellos with key shares %v, exempt by Ex5: %d-%d bytes, popcount %.2f-%.2f",
		len(first), keyShareGroups(first[0]), minLen, maxLen, minPop, maxPop)
	control := make([]byte, len(first[0]))
	rand.Read(control)
	control[0] = 0x99 // not a TLS record type, not printable
	if v := censor.FullyEncrypted(control); !v.Flagged {
		t.Fatalf("control: random bytes exempt by %v, want flagged", v.Exemption)
	}
	eventually(t, "every dial accepted", func() bool { return srv.Stats().Accepted == 2*perMode })
}

// tlsTerminator is a TLS-terminating relay, as a CDN or an intercepting middlebox is: it accepts
// TLS with its own certificate, opens its own TLS connection to the server and copies the
// plaintext between them.
func tlsTerminator(t *testing.T, to netip.AddrPort) netip.AddrPort {
	cert, err := SelfSignedCertificate("cdn.example.net", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer down.Close()
				up, err := tls.Dial("tcp", to.String(), &tls.Config{InsecureSkipVerify: true, ServerName: testName, NextProtos: []string{"http/1.1"}})
				if err != nil {
					return
				}
				defer up.Close()
				done := make(chan struct{})
				go func() {
					io.Copy(down, up)
					down.Close()
					close(done)
				}()
				io.Copy(up, down)
				up.Close()
				<-done
			}()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String())
}

// TestTLSTerminator puts a TLS-terminating relay between client and server. A WebSocket client
// passes it (its token is not bound to the TLS connection: the CDN case). A ModeTLS client's
// token is bound to its connection with the relay, so the server does not accept it when relayed:
// an interceptor cannot use a token it read.
func TestTLSTerminator(t *testing.T) {
	srv := listen(t, testConfig(ModeTLS))
	relay := tlsTerminator(t, srv.LocalAddr())

	ws := listen(t, testConfig(ModeWebSocket))
	ws.WriteTo([]byte("via cdn"), relay)
	if got, _ := readWithin(t, srv); string(got) != "via cdn" {
		t.Fatalf("got %q", got)
	}

	st := listen(t, testConfig(ModeTLS))
	if _, err := st.dial(t.Context(), relay); !errors.Is(err, ErrNotMesh) {
		t.Fatalf("ModeTLS through a TLS terminator: %v, want ErrNotMesh", err)
	}
	if s := srv.Stats(); s.Accepted != 1 || s.Decoys != 1 {
		t.Fatalf("server %+v, want the WebSocket client accepted and the relayed token refused", s)
	}
}

// keyShareGroups parses a TLS record holding a ClientHello (RFC 8446 section 4.1.2) and returns
// the groups of its key_share extension, in order; nil if it cannot be parsed.
func keyShareGroups(record []byte) []tls.CurveID {
	if len(record) < 5 {
		return nil
	}
	s := cryptobyte.String(record[5:])
	var typ uint8
	var body, ignore, exts cryptobyte.String
	if !s.ReadUint8(&typ) || typ != 1 || !s.ReadUint24LengthPrefixed(&body) ||
		!body.Skip(2+32) || !body.ReadUint8LengthPrefixed(&ignore) || // version, random, session ID
		!body.ReadUint16LengthPrefixed(&ignore) || !body.ReadUint8LengthPrefixed(&ignore) || // suites, compression
		!body.ReadUint16LengthPrefixed(&exts) {
		return nil
	}
	for !exts.Empty() {
		var ext uint16
		var data, shares cryptobyte.String
		if !exts.ReadUint16(&ext) || !exts.ReadUint16LengthPrefixed(&data) {
			return nil
		}
		if ext != 51 { // key_share
			continue
		}
		if !data.ReadUint16LengthPrefixed(&shares) {
			return nil
		}
		var groups []tls.CurveID
		for !shares.Empty() {
			var g uint16
			var key cryptobyte.String
			if !shares.ReadUint16(&g) || !shares.ReadUint16LengthPrefixed(&key) {
				return nil
			}
			groups = append(groups, tls.CurveID(g))
		}
		return groups
	}
	return nil
}
