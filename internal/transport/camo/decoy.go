package camo

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

// defaultDecoyPage is the page StaticDecoy serves when Config.Decoy is nil: a placeholder like
// those of freshly installed web servers.
const defaultDecoyPage = `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Welcome</title>
</head>
<body>
<h1>Welcome</h1>
<p>This site is under construction. Please check back later.</p>
</body>
</html>
`

// StaticDecoy returns a decoy that serves body, with the given Content-Type, for GET and HEAD
// requests of "/" and "/index.html" (with ranges and conditional requests, as net/http's file
// server does), "404 page not found" for any other path, and 405 for other methods.
func StaticDecoy(contentType string, body []byte) http.Handler {
	body = append([]byte(nil), body...)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path != "/" && r.URL.Path != "/index.html" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})
}

// ProxyDecoy is a decoy that passes every request through to a real site (a reverse proxy), so
// that a prober sees that site's pages under the server's name.
type ProxyDecoy struct {
	rp *httputil.ReverseProxy
	tr *http.Transport
}

// NewProxyDecoy returns a decoy that forwards requests to target, an http or https URL whose
// scheme, host and path prefix replace the request's. The request's Host header becomes the
// target's; no X-Forwarded-* header is added. Upstream errors are answered with 502 and logged at
// debug level to log (nil discards them).
func NewProxyDecoy(target *url.URL, log *slog.Logger) (*ProxyDecoy, error) {
	if target == nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return nil, fmt.Errorf("%w: decoy target %v", ErrConfig, target)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &net.Dialer{Timeout: decoyUpstreamTimeout}
	tr := &http.Transport{
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   decoyUpstreamTimeout,
		ResponseHeaderTimeout: decoyUpstreamTimeout,
		IdleConnTimeout:       decoyIdleTimeout,
		MaxIdleConnsPerHost:   decoyUpstreamIdleConns,
		ForceAttemptHTTP2:     true,
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
		},
		Transport: tr,
		ErrorLog:  slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return &ProxyDecoy{rp: rp, tr: tr}, nil
}

// ServeHTTP implements http.Handler.
func (p *ProxyDecoy) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.rp.ServeHTTP(w, r) }

// CloseIdleConnections closes the idle connections to the target site. Conn.Close calls it.
func (p *ProxyDecoy) CloseIdleConnections() { p.tr.CloseIdleConnections() }
