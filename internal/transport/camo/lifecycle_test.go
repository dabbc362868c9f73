package camo

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestReconnectAfterRestart restarts the server on the same port: the client's next datagrams
// reach the new server over a new connection; then the client restarts and the server, whose
// connection broke, dials it back at its announced address.
func TestReconnectAfterRestart(t *testing.T) {
	for _, mode := range []Mode{ModeTLS, ModeWebSocket} {
		t.Run(mode.String(), func(t *testing.T) {
			srv, err := Listen(testConfig(mode))
			if err != nil {
				t.Fatal(err)
			}
			addr := srv.LocalAddr()
			cl := listen(t, testConfig(mode))
			if got, _ := sendUntil(t, cl, srv, []byte("one"), addr); string(got) != "one" {
				t.Fatalf("got %q", got)
			}
			srv.Close()

			cfg := testConfig(mode)
			cfg.Listen = addr
			srv2 := listen(t, cfg)
			got, from := sendUntil(t, cl, srv2, []byte("two"), addr)
			if string(got) != "two" || from != clientAddr(t, cl, srv2) {
				t.Fatalf("after the server restarted: %q from %v", got, from)
			}
			if s := cl.Stats(); s.Dials != 2 {
				t.Fatalf("client dialled %d times, want 2: %+v", s.Dials, s)
			}

			// The client restarts. A direct ModeTLS client is dialled back at its listening
			// address; a WebSocket client, known by its connection's source address, is reached
			// again once it has dialled.
			clAddr := cl.LocalAddr()
			cl.Close()
			cfg = testConfig(mode)
			cfg.Listen = clAddr
			cl2 := listen(t, cfg)
			if mode == ModeTLS {
				if got, _ := sendUntil(t, srv2, cl2, []byte("three"), clAddr); string(got) != "three" {
					t.Fatalf("after the client restarted: %q", got)
				}
				if s := srv2.Stats(); s.Dials != 1 {
					t.Fatalf("server dialled %d times, want 1 (dial-back): %+v", s.Dials, s)
				}
				return
			}
			_, from = sendUntil(t, cl2, srv2, []byte("again"), addr)
			srv2.WriteTo([]byte("three"), from)
			if got, _ := readWithin(t, cl2); string(got) != "three" {
				t.Fatalf("after the client restarted: %q", got)
			}
		})
	}
}

func fastTiming() timing {
	return timing{linkIdle: 200 * time.Millisecond, linkWrite: 300 * time.Millisecond, peerIdle: 300 * time.Millisecond, reap: 20 * time.Millisecond}
}

func listenFast(t *testing.T, cfg Config) *Conn {
	t.Helper()
	c, err := listenTiming(cfg, fastTiming())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestIdle checks that idle connections are closed and idle peers forgotten on both ends, and
// that traffic afterwards dials afresh.
func TestIdle(t *testing.T) {
	a := listenFast(t, testConfig(ModeTLS))
	b := listenFast(t, testConfig(ModeTLS))
	a.WriteTo([]byte("x"), b.LocalAddr())
	readWithin(t, b)
	eventually(t, "connections closed and peers forgotten", func() bool {
		sa, sb := a.Stats(), b.Stats()
		return sa.Links+sb.Links+sa.Peers+sb.Peers == 0
	})
	a.WriteTo([]byte("y"), b.LocalAddr())
	if got, _ := readWithin(t, b); string(got) != "y" {
		t.Fatalf("got %q", got)
	}
	if s := a.Stats(); s.Dials != 2 {
		t.Fatalf("%d dials, want 2", s.Dials)
	}
}

// TestStuckPeer authenticates a client that never reads: the server's writes block once the
// socket buffers fill, its queue then drops, and the connection is closed after linkWrite.
func TestStuckPeer(t *testing.T) {
	srv := listenFast(t, testConfig(ModeTLS))
	tc := rawTLS(t, srv.LocalAddr())
	tc.SetDeadline(time.Time{})
	resp, _, _ := roundTrip(t, tc, authRequest(mustToken(t, newAuth(t, testKey), time.Now(), 0)))
	if resp.StatusCode != 101 {
		t.Fatal(resp.Status)
	}
	to := tc.LocalAddr().(*net.TCPAddr).AddrPort()
	eventually(t, "connection attached", func() bool { return srv.Stats().Links == 1 })
	big := make([]byte, MaxDatagramSize)
	deadline := time.Now().Add(waitFor)
	for srv.Stats().SendDrops == 0 {
		if time.Now().After(deadline) {
			t.Fatal("writes never blocked")
		}
		srv.WriteTo(big, to)
		if srv.Stats().SendDrops == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	eventually(t, "stuck connection closed", func() bool { return srv.Stats().Links == 0 })
	if n := srv.queued.Load(); n < 0 || n > maxQueuedBytes {
		t.Fatalf("queued bytes %d", n)
	}
}

// TestConcurrentWriters writes from several goroutines and checks conservation: every datagram
// is either delivered or counted as dropped.
func TestConcurrentWriters(t *testing.T) {
	srv := listen(t, testConfig(ModeTLS))
	var clients []*Conn
	for range 3 {
		clients = append(clients, listen(t, testConfig(ModeTLS)))
	}
	const perWriter = 300
	var wg sync.WaitGroup
	for _, cl := range clients {
		for w := range 2 {
			wg.Go(func() {
				for i := range perWriter {
					cl.WriteTo(fmt.Appendf(nil, "%d-%d", w, i), srv.LocalAddr())
				}
			})
		}
	}
	wg.Wait()
	sent := uint64(len(clients) * 2 * perWriter)
	received := uint64(0)
	accounted := func() uint64 {
		n := srv.Stats().RecvDrops + received
		for _, cl := range clients {
			n += cl.Stats().SendDrops
		}
		return n
	}
	buf := make([]byte, 64)
	for accounted() < sent {
		done := make(chan struct{})
		go func() {
			defer close(done)
			srv.ReadFrom(buf)
		}()
		select {
		case <-done:
			received++
		case <-time.After(waitFor):
			srv.Close()
			<-done
			t.Fatalf("%d of %d datagrams accounted for", accounted(), sent)
		}
	}
	if got := accounted(); got != sent || received == 0 {
		t.Fatalf("accounted %d (received %d), sent %d", got, received, sent)
	}
}

// TestFlood opens many connections that never finish a request: at most MaxPending are held at
// once (the rest are refused on accept), each for at most HandshakeTimeout, with one goroutine
// each; afterwards an authenticated client is served as usual.
func TestFlood(t *testing.T) {
	cfg := testConfig(ModeTLS)
	cfg.MaxPending = 16
	cfg.HandshakeTimeout = 500 * time.Millisecond
	srv := listen(t, cfg)
	before := runtime.NumGoroutine()

	const flood = 300
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range flood {
		c, err := net.Dial("tcp", srv.LocalAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if i%2 == 1 {
			io.WriteString(c, "\x16\x03\x01") // the start of a TLS record, then silence
		}
		if s := srv.Stats(); s.Pending > cfg.MaxPending {
			t.Fatalf("%d pending, limit %d", s.Pending, cfg.MaxPending)
		}
	}
	if g := runtime.NumGoroutine() - before; g > cfg.MaxPending+8 {
		t.Fatalf("%d more goroutines under a flood, limit %d pending", g, cfg.MaxPending)
	}
	// Every connection was either refused at once or dropped at its handshake timeout.
	eventually(t, "every flood connection refused or timed out", func() bool {
		s := srv.Stats()
		return s.Pending == 0 && s.Refused+s.HandshakeFailures == flood
	})
	if s := srv.Stats(); s.Refused == 0 || s.HandshakeFailures < uint64(cfg.MaxPending) {
		t.Fatalf("stats %+v", s)
	}
	// A slow loris that completes TLS but never ends its request head is dropped as well, by
	// the server (the client's own deadline, waitFor, is far later).
	tc := rawTLS(t, srv.LocalAddr())
	io.WriteString(tc, "GET / HTTP/1.1\r\nHost: x\r\n")
	b, err := io.ReadAll(tc)
	if ne, ok := err.(net.Error); ok && ne.Timeout() || len(b) != 0 {
		t.Fatalf("slow loris: %q %v, want the connection closed by the server", b, err)
	}
	cl := listen(t, testConfig(ModeTLS))
	cl.WriteTo([]byte("after"), srv.LocalAddr())
	if got, _ := readWithin(t, srv); !bytes.Equal(got, []byte("after")) {
		t.Fatalf("got %q", got)
	}
}
