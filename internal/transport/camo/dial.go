package camo

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// errConnUsed is returned if net/http asks for a second connection for one upgrade request.
var errConnUsed = errors.New("camo: connection already used")

// dial connects to the peer at to — directly or through the CONNECT proxy — runs the TLS
// handshake, authenticates and returns the connection in mesh mode. ctx bounds all of it.
func (c *Conn) dial(ctx context.Context, to netip.AddrPort) (*link, error) {
	var d net.Dialer
	target := to.String()
	if c.cfg.Proxy != nil {
		target = c.cfg.Proxy.Host
	}
	raw, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		return nil, fmt.Errorf("camo: dial %s: %w", target, err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	if dl, ok := ctx.Deadline(); ok {
		raw.SetDeadline(dl)
	}
	f, err := c.setup(ctx, raw, to)
	if !stop() && err == nil { // ctx ended as setup succeeded: raw is closed
		f.close()
		err = fmt.Errorf("camo: dial %v: %w", to, context.Cause(ctx))
	}
	if err != nil {
		raw.Close()
		return nil, err
	}
	raw.SetDeadline(time.Time{})
	return newLink(raw, f, false, time.Now()), nil
}

// setup runs, on a connected socket, the proxy tunnel, the TLS handshake and the authentication.
func (c *Conn) setup(ctx context.Context, raw net.Conn, to netip.AddrPort) (framer, error) {
	if c.cfg.Proxy != nil {
		if err := connectProxy(raw, c.cfg.Proxy, to); err != nil {
			return nil, err
		}
	}
	tc := tls.Client(raw, c.cliTLS)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("camo: TLS handshake with %v: %w", to, err)
	}
	// A ModeTLS token is bound to this TLS connection; a WebSocket one is not, so that it passes
	// CDNs and proxies that terminate TLS (auth.go).
	var binding []byte
	if c.cfg.Mode == ModeTLS {
		var err error
		if binding, err = channelBinding(tc.ConnectionState()); err != nil {
			return nil, err
		}
	}
	tok, err := c.auth.newToken(rand.Reader, c.cfg.Now(), c.announcedPort(), binding)
	if err != nil {
		return nil, err
	}
	var used atomic.Bool
	client := &http.Client{
		Transport: &http.Transport{
			DialTLSContext: func(context.Context, string, string) (net.Conn, error) {
				if used.Swap(true) {
					return nil, errConnUsed
				}
				return tc, nil
			},
			DisableKeepAlives:      true,
			MaxResponseHeaderBytes: maxResponseHeaderBytes,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	u := "https://" + to.String() + c.cfg.Path
	cookie := (&http.Cookie{Name: authCookie, Value: tok}).String()
	if c.cfg.Mode == ModeWebSocket {
		return c.setupWebSocket(ctx, client, u, cookie, tok)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("camo: request: %w", err)
	}
	req.Host = c.cfg.ServerName
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", upgradeStream)
	req.Header.Set("Cookie", cookie)
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("camo: upgrade request to %v: %w", to, err)
	}
	rwc, ok := resp.Body.(io.ReadWriteCloser)
	if resp.StatusCode != http.StatusSwitchingProtocols || !ok ||
		!strings.EqualFold(resp.Header.Get("Upgrade"), upgradeStream) || !c.checkProof(resp, tok) {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %v answered %s", ErrNotMesh, to, resp.Status)
	}
	return newStreamFramer(rwc, rwc, rwc), nil
}

func (c *Conn) setupWebSocket(ctx context.Context, client *http.Client, u, cookie, tok string) (framer, error) {
	ws, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient: client,
		HTTPHeader: http.Header{"Cookie": {cookie}},
		Host:       c.cfg.ServerName,
	})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("%w: %s answered %s: %w", ErrNotMesh, u, resp.Status, err)
		}
		return nil, fmt.Errorf("camo: WebSocket to %s: %w", u, err)
	}
	if !c.checkProof(resp, tok) {
		ws.CloseNow()
		return nil, fmt.Errorf("%w: %s: no valid proof", ErrNotMesh, u)
	}
	ws.SetReadLimit(MaxDatagramSize)
	return &wsFramer{ws: ws, scratch: &c.scratch}, nil
}

// announcedPort is the port a token announces: the listening port when the server sees this
// Conn's own IP address — a direct ModeTLS connection — so that it knows the Conn by an address
// it can dial back (and that peer exchange can pass on); otherwise 0, so that the server knows
// the connection by its source address, unique per connection, rather than mixing up the clients
// of one CDN edge or proxy that share a port number.
func (c *Conn) announcedPort() uint16 {
	if c.cfg.Mode == ModeTLS && c.cfg.Proxy == nil {
		return c.local.Port()
	}
	return 0
}

// checkProof reports whether resp carries the server's proof for the token.
func (c *Conn) checkProof(resp *http.Response, tok string) bool {
	for _, ck := range resp.Cookies() {
		if ck.Name == authCookie && c.auth.checkProof(tok, ck.Value) {
			return true
		}
	}
	return false
}

// connectProxy opens a tunnel to `to` through the HTTP proxy connected on nc (RFC 9110, CONNECT),
// with Basic authentication when the proxy URL has a user.
func connectProxy(nc net.Conn, proxy *url.URL, to netip.AddrPort) error {
	req := &http.Request{
		Method: http.MethodConnect,
		URL:    &url.URL{Opaque: to.String()},
		Host:   to.String(),
		Header: make(http.Header),
	}
	if u := proxy.User; u != nil {
		pw, _ := u.Password()
		req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pw)))
	}
	if err := req.Write(nc); err != nil {
		return fmt.Errorf("camo: proxy %s: %w", proxy.Host, err)
	}
	br := bufio.NewReader(&io.LimitedReader{R: nc, N: proxyResponseMax})
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrProxy, proxy.Host, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s answered %s", ErrProxy, proxy.Host, resp.Status)
	}
	if br.Buffered() > 0 {
		return fmt.Errorf("%w: %s sent data before the tunnel was used", ErrProxy, proxy.Host)
	}
	return nil
}
