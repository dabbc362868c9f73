package camo

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// plainHTTPResponse is what Go's HTTPS server (net/http) answers a client that sends plain HTTP
// to its TLS port; the camouflage answers the same.
const plainHTTPResponse = "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"

// verdict is the classification of an accepted connection's first request.
type verdict struct {
	ok    bool           // an authentication request with a fresh valid token
	token string         // the encoded token, for the server's proof
	mode  string         // upgradeStream or upgradeWebSocket
	from  netip.AddrPort // the client's IP address and announced port, or its source address
	// dialable reports that from is a listening address: the token announced a port.
	dialable bool
}

// acceptLoop accepts TCP connections and starts a handshake for each, within MaxPending.
func (c *Conn) acceptLoop() {
	defer c.wg.Done()
	var delay time.Duration
	for {
		nc, err := c.ln.Accept()
		if err != nil {
			if c.ctx.Err() != nil {
				return
			}
			delay = min(max(2*delay, acceptRetryMin), acceptRetryMax)
			c.log.Debug("camo: accept failed", "err", err, "retry_in", delay)
			select {
			case <-time.After(delay):
			case <-c.ctx.Done():
				return
			}
			continue
		}
		delay = 0
		select {
		case c.pending <- struct{}{}:
		default:
			c.stats.refused.Add(1)
			nc.Close()
			continue
		}
		if !c.enter() {
			nc.Close()
			<-c.pending
			return
		}
		go c.handshake(nc)
	}
}

// handshake runs the TLS handshake on an accepted connection, classifies its first request and
// hands it to the HTTP/1.1 server (mesh upgrade or decoy) or the HTTP/2 server (decoy).
func (c *Conn) handshake(nc net.Conn) {
	defer c.wg.Done()
	var once sync.Once
	release := func() { once.Do(func() { <-c.pending }) }
	fail := func(reason string, err error) {
		c.stats.handshakeFailures.Add(1)
		c.log.Debug("camo: connection dropped", "remote", nc.RemoteAddr(), "reason", reason, "err", err)
		nc.Close()
		release()
	}
	stop := context.AfterFunc(c.ctx, func() { nc.Close() })
	defer stop()
	nc.SetDeadline(time.Now().Add(c.cfg.HandshakeTimeout))
	tc := tls.Server(nc, c.srvTLS)
	if err := tc.Handshake(); err != nil {
		if re, ok := err.(tls.RecordHeaderError); ok && re.Conn != nil && looksLikeHTTP(re.RecordHeader) {
			io.WriteString(re.Conn, plainHTTPResponse)
		}
		fail("TLS handshake", err)
		return
	}
	binding, err := channelBinding(tc.ConnectionState())
	if err != nil {
		fail("channel binding", err)
		return
	}
	br := bufio.NewReaderSize(tc, maxRequestHead)
	v, err := c.classify(br, remoteAddr(nc), binding)
	if err != nil {
		fail("request head", err)
		return
	}
	if !stop() {
		fail("closed", net.ErrClosed)
		return
	}
	nc.SetDeadline(time.Time{})
	pc := &prefixConn{Conn: tc, raw: nc, r: br, release: release, ctx: c.ctx, v: v}
	ln := c.h1ln
	if !v.ok {
		c.stats.decoys.Add(1)
		if tc.ConnectionState().NegotiatedProtocol == "h2" {
			ln = c.h2ln
		}
	}
	if !ln.push(pc) {
		pc.Close()
	}
}

// looksLikeHTTP reports whether a TLS record header is the start of a plain HTTP request, as
// net/http's tlsRecordHeaderLooksLikeHTTP does.
func looksLikeHTTP(hdr [5]byte) bool {
	switch string(hdr[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO":
		return true
	}
	return false
}

// classify reads the head of the first request from br, without consuming it, and decides
// whether it authenticates. It stops reading as soon as the bytes cannot be an authentication
// request (a browser's request for another path, an HTTP/2 preface), or at maxRequestHead. It
// returns an error only when the connection fails or times out before that. binding is the TLS
// connection's channel binding (auth.go).
func (c *Conn) classify(br *bufio.Reader, remote netip.AddrPort, binding []byte) (verdict, error) {
	want := "GET " + c.cfg.Path + " HTTP/1.1\r\n"
	var head []byte
	for {
		buf, _ := br.Peek(br.Buffered())
		if k := min(len(buf), len(want)); string(buf[:k]) != want[:k] {
			return verdict{}, nil
		}
		if i := bytes.Index(buf, []byte("\r\n\r\n")); i >= 0 {
			head = buf[:i+4]
			break
		}
		if len(buf) >= maxRequestHead {
			return verdict{}, nil
		}
		if _, err := br.Peek(len(buf) + 1); err != nil {
			return verdict{}, err
		}
	}
	return c.authenticate(head, remote, binding), nil
}

// authenticate parses a complete request head and accepts its token.
func (c *Conn) authenticate(head []byte, remote netip.AddrPort, binding []byte) verdict {
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
	if err != nil || req.Method != http.MethodGet || req.URL.Path != c.cfg.Path || req.URL.RawQuery != "" {
		return verdict{}
	}
	mode := strings.ToLower(req.Header.Get("Upgrade"))
	if mode != upgradeStream && mode != upgradeWebSocket {
		return verdict{}
	}
	ck, err := req.Cookie(authCookie)
	if err != nil {
		return verdict{}
	}
	tok, err := c.auth.accept(ck.Value, c.cfg.Now(), binding)
	if err != nil {
		c.log.Debug("camo: authentication refused", "remote", remote, "err", err)
		return verdict{}
	}
	from := remote
	if tok.port != 0 {
		from = netip.AddrPortFrom(remote.Addr(), tok.port)
	}
	return verdict{ok: true, token: ck.Value, mode: mode, from: from, dialable: tok.port != 0}
}

// connKey is the context key under which ConnContext stores the *prefixConn.
type connKey struct{}

// startServers starts the HTTP/1.1 server, which upgrades authenticated connections and serves
// the decoy to the rest, and the HTTP/2 server, which serves the decoy to clients that
// negotiated h2 and sent its preface.
func (c *Conn) startServers() {
	errLog := slog.NewLogLogger(c.log.Handler(), slog.LevelDebug)
	connCtx := func(ctx context.Context, nc net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, nc)
	}
	var p1, p2 http.Protocols
	p1.SetHTTP1(true)
	p2.SetUnencryptedHTTP2(true) // prefixConn is not a *tls.Conn: HTTP/2 with prior knowledge
	c.h1ln, c.h2ln = newConnListener(c.ln.Addr()), newConnListener(c.ln.Addr())
	newServer := func(h http.Handler, p *http.Protocols) *http.Server {
		return &http.Server{
			Handler:           h,
			Protocols:         p,
			ReadHeaderTimeout: c.cfg.HandshakeTimeout,
			WriteTimeout:      decoyWriteTimeout,
			IdleTimeout:       decoyIdleTimeout,
			MaxHeaderBytes:    maxDecoyHeaderBytes,
			ErrorLog:          errLog,
			ConnContext:       connCtx,
		}
	}
	c.h1 = newServer(http.HandlerFunc(c.serveHTTP1), &p1)
	c.h2 = newServer(c.cfg.Decoy, &p2)
	c.wg.Add(2)
	go func() { defer c.wg.Done(); c.h1.Serve(c.h1ln) }()
	go func() { defer c.wg.Done(); c.h2.Serve(c.h2ln) }()
}

// serveHTTP1 upgrades the first request of an authenticated connection and passes every other
// request to the decoy.
func (c *Conn) serveHTTP1(w http.ResponseWriter, r *http.Request) {
	if pc, ok := r.Context().Value(connKey{}).(*prefixConn); ok {
		if v := pc.takeVerdict(); v.ok {
			c.upgrade(w, r, pc, v)
			return
		}
	}
	c.cfg.Decoy.ServeHTTP(w, r)
}

// upgrade answers an authenticated request with 101 Switching Protocols and the server's proof,
// and adds the connection to the client's peer.
func (c *Conn) upgrade(w http.ResponseWriter, r *http.Request, pc *prefixConn, v verdict) {
	if !c.enter() {
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	defer c.wg.Done()
	if !c.hasRoom(v.from) {
		c.log.Debug("camo: too many peers", "remote", v.from)
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	proof := &http.Cookie{Name: authCookie, Value: c.auth.proof(v.token), Path: "/", Secure: true, HttpOnly: true}
	w.Header().Add("Set-Cookie", proof.String())
	var f framer
	if v.mode == upgradeWebSocket {
		ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
		if err != nil {
			c.log.Debug("camo: WebSocket upgrade failed", "remote", v.from, "err", err)
			return
		}
		ws.SetReadLimit(MaxDatagramSize)
		f = &wsFramer{ws: ws, scratch: &c.scratch}
	} else {
		h := w.Header()
		h.Set("Connection", "Upgrade")
		h.Set("Upgrade", upgradeStream)
		nc, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			c.log.Debug("camo: hijack failed", "remote", v.from, "err", err)
			return
		}
		resp := &http.Response{StatusCode: http.StatusSwitchingProtocols, ProtoMajor: 1, ProtoMinor: 1, Header: h}
		if err := resp.Write(brw); err != nil || brw.Flush() != nil {
			nc.Close()
			return
		}
		var rd io.Reader = nc
		if n := brw.Reader.Buffered(); n > 0 {
			early, _ := brw.Reader.Peek(n)
			rd = io.MultiReader(bytes.NewReader(bytes.Clone(early)), nc)
		}
		f = newStreamFramer(rd, nc, nc)
	}
	pc.SetDeadline(time.Time{})
	pc.release()
	c.stats.accepted.Add(1)
	c.attach(v.from, newLink(pc.raw, f, true, time.Now()), v.dialable)
}

// hasRoom reports whether a connection from addr can be attached: its peer exists or fewer than
// MaxPeers do.
func (c *Conn) hasRoom(addr netip.AddrPort) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.peers[addr] != nil || len(c.peers) < c.cfg.MaxPeers
}

// prefixConn is an accepted TLS connection handed to an http.Server. Reads drain first the bytes
// read while classifying it. It deliberately has no ConnectionState method, so that net/http
// treats it as a plain connection and recognises HTTP/2 by its preface.
type prefixConn struct {
	net.Conn                 // the *tls.Conn
	raw      net.Conn        // the TCP connection under it
	r        *bufio.Reader   // holds the classified bytes
	release  func()          // returns the pending slot; idempotent
	ctx      context.Context // the Conn's
	v        verdict
	taken    atomic.Bool // v was taken by the first request
}

func (pc *prefixConn) Read(b []byte) (int, error) { return pc.r.Read(b) }

// Close closes the connection and returns its pending slot. Once the Conn is closing, the TCP
// connection is closed first so that no close_notify alert can block on a stalled client.
func (pc *prefixConn) Close() error {
	if pc.ctx.Err() != nil {
		pc.raw.Close()
	}
	err := pc.Conn.Close()
	pc.release()
	return err
}

// takeVerdict returns the verdict once; later calls (later requests) get a failed one.
func (pc *prefixConn) takeVerdict() verdict {
	if pc.taken.Swap(true) {
		return verdict{}
	}
	return pc.v
}

// connListener is a net.Listener fed by push, for http.Server.Serve.
type connListener struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
	addr net.Addr
}

func newConnListener(addr net.Addr) *connListener {
	return &connListener{ch: make(chan net.Conn), done: make(chan struct{}), addr: addr}
}

// push hands nc to Accept; it returns false once the listener is closed.
func (l *connListener) push(nc net.Conn) bool {
	select {
	case l.ch <- nc:
		return true
	case <-l.done:
		return false
	}
}

// Accept implements net.Listener.
func (l *connListener) Accept() (net.Conn, error) {
	select {
	case nc := <-l.ch:
		return nc, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener.
func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr implements net.Listener.
func (l *connListener) Addr() net.Addr { return l.addr }
