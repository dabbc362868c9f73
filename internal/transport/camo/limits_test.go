package camo

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestRecvQueueBounded writes without reading: the receive queue stops at its byte bound, the
// rest is dropped and counted, and every datagram is accounted for.
func TestRecvQueueBounded(t *testing.T) {
	srv := listen(t, testConfig(ModeTLS))
	cl := listen(t, testConfig(ModeTLS))
	const n = 600
	big := make([]byte, MaxDatagramSize)
	for i := range n {
		cl.WriteTo(big, srv.LocalAddr())
		if i%50 == 0 {
			time.Sleep(5 * time.Millisecond) // let the writer drain, so that most reach the server
		}
	}
	eventually(t, "every datagram queued, dropped on send or dropped on receive", func() bool {
		return uint64(len(srv.recv))+srv.Stats().RecvDrops+cl.Stats().SendDrops == n
	})
	if got := srv.recvBytes.Load(); got > maxRecvBytes || got != int64(len(srv.recv))*MaxDatagramSize {
		t.Fatalf("%d bytes queued for %d datagrams, bound %d", got, len(srv.recv), maxRecvBytes)
	}
	if srv.Stats().RecvDrops == 0 {
		t.Fatal("nothing dropped on receive")
	}
	// Small datagrams stop at the queue's length.
	small := listen(t, testConfig(ModeTLS))
	for range recvQueueLen + 200 {
		small.WriteTo([]byte("s"), cl.LocalAddr())
	}
	eventually(t, "small datagrams accounted for", func() bool {
		return uint64(len(cl.recv))+cl.Stats().RecvDrops+small.Stats().SendDrops == recvQueueLen+200
	})
	if len(cl.recv) > recvQueueLen {
		t.Fatalf("%d datagrams queued", len(cl.recv))
	}
}

// TestLinksPerPeer dials one server four times from one client: the server keeps at most
// maxLinksPerPeer connections for the client's address and closes the oldest.
func TestLinksPerPeer(t *testing.T) {
	srv := listen(t, testConfig(ModeTLS))
	cl := listen(t, testConfig(ModeTLS))
	var links []*link
	for i := range maxLinksPerPeer + 1 {
		l, err := cl.dial(t.Context(), srv.LocalAddr())
		if err != nil {
			t.Fatal(err)
		}
		links = append(links, l)
		// Wait until the server has attached it, so that the order of attachment is the order
		// of dialling.
		eventually(t, "attached", func() bool {
			s := srv.Stats()
			return s.Accepted == uint64(i+1) && s.Links == min(i+1, maxLinksPerPeer)
		})
	}
	eventually(t, "server holds maxLinksPerPeer", func() bool {
		s := srv.Stats()
		return s.Accepted == maxLinksPerPeer+1 && s.Links == maxLinksPerPeer && s.Peers == 1
	})
	// The oldest was closed by the server: reading from it ends.
	links[0].raw.SetReadDeadline(time.Now().Add(waitFor))
	if _, err := links[0].f.read(); err == nil {
		t.Fatal("oldest connection still open")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("oldest connection not closed by the server")
	}
	for _, l := range links {
		l.close()
	}
}

// TestWebSocketProtocolErrors sends what a datagram cannot be: a text message, and a message over
// MaxDatagramSize. The server closes the connection each time.
func TestWebSocketProtocolErrors(t *testing.T) {
	srv := listen(t, testConfig(ModeWebSocket))
	cl := listen(t, testConfig(ModeWebSocket))
	send := []func(ws *websocket.Conn) error{
		func(ws *websocket.Conn) error { return ws.Write(t.Context(), websocket.MessageText, []byte("text")) },
		func(ws *websocket.Conn) error {
			return ws.Write(t.Context(), websocket.MessageBinary, make([]byte, MaxDatagramSize+1))
		},
	}
	for i, f := range send {
		l, err := cl.dial(t.Context(), srv.LocalAddr())
		if err != nil {
			t.Fatal(err)
		}
		f(l.f.(*wsFramer).ws)
		if _, err := l.f.read(); err == nil {
			t.Fatalf("case %d: the server did not close the connection", i)
		}
		l.close()
	}
	eventually(t, "server connections closed", func() bool { return srv.Stats().Links == 0 })
}

// TestBrokenWebSocketUpgrade authenticates but sends an incomplete WebSocket handshake: the
// library refuses it (the client holds the key, so this is not an answer a prober gets).
func TestBrokenWebSocketUpgrade(t *testing.T) {
	srv := listen(t, testConfig(ModeTLS))
	tc := rawTLS(t, srv.LocalAddr())
	req := strings.Replace(authRequest(mustToken(t, newAuth(t, testKey), time.Now(), 1)), "binary", "websocket", 1)
	resp, _, _ := roundTrip(t, tc, req)
	if resp.StatusCode == http.StatusSwitchingProtocols {
		t.Fatal("switched without Sec-WebSocket-Key")
	}
	if s := srv.Stats(); s.Accepted != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// TestKeepAliveDecoy makes two requests on one connection: both are the decoy's.
func TestKeepAliveDecoy(t *testing.T) {
	srv := listen(t, testConfig(ModeTLS))
	tc := rawTLS(t, srv.LocalAddr())
	for range 2 {
		io.WriteString(tc, "GET / HTTP/1.1\r\nHost: "+testName+"\r\n\r\n")
	}
	br := bufio.NewReader(tc)
	for i := range 2 {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(b) != defaultDecoyPage {
			t.Fatalf("request %d: %s", i, resp.Status)
		}
	}
	if s := srv.Stats(); s.Decoys != 1 {
		t.Fatalf("stats %+v, want one decoy connection", s)
	}
}

// TestStuckWriteClosed checks the write timeout alone (the idle timeout made long).
func TestStuckWriteClosed(t *testing.T) {
	tm := fastTiming()
	tm.linkIdle = time.Hour
	srv, err := listenTiming(testConfig(ModeTLS), tm)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tc := rawTLS(t, srv.LocalAddr())
	tc.SetDeadline(time.Time{})
	resp, _, _ := roundTrip(t, tc, authRequest(mustToken(t, newAuth(t, testKey), time.Now(), 0)))
	if resp.StatusCode != 101 {
		t.Fatal(resp.Status)
	}
	to := tc.LocalAddr().(*net.TCPAddr).AddrPort()
	eventually(t, "connection attached", func() bool { return srv.Stats().Links == 1 })
	big := make([]byte, MaxDatagramSize)
	for range 2000 {
		srv.WriteTo(big, to)
		if srv.Stats().SendDrops > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	eventually(t, "stuck connection closed by the write timeout", func() bool { return srv.Stats().Links == 0 })
}

// TestAttachAfterClose checks that a connection completed as the Conn closes is closed too.
func TestAttachAfterClose(t *testing.T) {
	c, err := Listen(testConfig(ModeTLS))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	a, b := net.Pipe()
	defer b.Close()
	l := newLink(a, newStreamFramer(a, a, a), true, time.Now())
	if c.attach(netip.MustParseAddrPort("127.0.0.1:9"), l, true) {
		t.Fatal("attached to a closed Conn")
	}
	if _, err := a.Write([]byte("x")); err == nil {
		t.Fatal("connection left open")
	}
	if c.enter() {
		t.Fatal("enter on a closed Conn")
	}
	if got := remoteAddr(a); got.IsValid() {
		t.Fatalf("remote address of a pipe: %v", got)
	}
	if c.h1ln.Addr() != c.ln.Addr() {
		t.Fatal("listener address")
	}
	if c.h1ln.push(a) {
		t.Fatal("pushed to a closed listener")
	}
	if _, err := c.dial(context.Background(), netip.MustParseAddrPort("127.0.0.1:9")); err == nil {
		t.Fatal("dialled after Close")
	}
}

// TestDepartedClients checks the memory of departed clients' source addresses: bounded by
// MaxPeers, forgotten after peerIdle.
func TestDepartedClients(t *testing.T) {
	cfg := testConfig(ModeTLS)
	cfg.MaxPeers = 2
	c := listen(t, cfg)
	now := time.Now().UnixNano()
	addrs := []netip.AddrPort{
		netip.MustParseAddrPort("192.0.2.1:1"), netip.MustParseAddrPort("192.0.2.1:2"), netip.MustParseAddrPort("192.0.2.1:3"),
	}
	c.mu.Lock()
	for _, a := range addrs {
		c.departedLocked(a, now)
	}
	n := len(c.gone)
	known := c.wasClientLocked(addrs[2], now)
	expired := c.wasClientLocked(addrs[2], now+int64(c.peerIdle))
	c.departedLocked(addrs[0], now)
	c.mu.Unlock()
	if n != 2 || !known || expired {
		t.Fatalf("%d remembered (want 2), last known %v, known after peerIdle %v", n, known, expired)
	}
	c.reapStale(now + int64(c.peerIdle))
	c.mu.RLock()
	defer c.mu.RUnlock()
	if len(c.gone) != 0 {
		t.Fatalf("%d addresses remembered after peerIdle", len(c.gone))
	}
}
