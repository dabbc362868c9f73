// Package dashboard serves a node's web dashboard: server-rendered, accessible HTML pages about the
// node, its mesh topology, its links and peers, and its self-healing incidents, with live updates by
// Server-Sent Events.
//
// Every page is complete without JavaScript (reload for fresh data); a small script embedded with
// the templates and style sheet subscribes to /ui/events, updates counts and the incident timeline
// and announces new incidents in an ARIA live region. Nothing is loaded from another origin.
//
// The pages read the node through api.Backend, the interface the node's API is served from. When
// Options.Token is set the dashboard asks for that token once, through a login form, and keeps a
// session cookie derived from it (HttpOnly, SameSite=Strict); it never stores the token itself in
// the browser.
package dashboard

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/clock"
)

// Errors of the dashboard's handlers, wrapped into the error pages they produce.
var (
	// ErrUnauthorized means the login token was missing or wrong.
	ErrUnauthorized = errors.New("dashboard: wrong token")
	// ErrForbidden means a form failed its cross-site request checks.
	ErrForbidden = errors.New("dashboard: cross-site request refused")
	// ErrBadRequest means a request's parameters or form were invalid.
	ErrBadRequest = errors.New("dashboard: bad request")
	// ErrTooManyStreams means every live-update stream slot was taken.
	ErrTooManyStreams = errors.New("dashboard: too many live-update streams")
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configures the dashboard.
type Options struct {
	// Token, when not empty, is the node's API token; the dashboard then requires a login with it.
	Token string
	// Logger receives one line per refused request; nil discards.
	Logger *slog.Logger
	// Clock tells the time shown on pages and paces live updates; nil means the wall clock.
	Clock clock.Clock
	// Rand is the source of CSRF tokens; nil means crypto/rand.
	Rand io.Reader
	// MaxStreams caps the open live-update streams; 0 means DefaultMaxStreams.
	MaxStreams int
	// PollInterval is how often a live-update stream checks the node; 0 means DefaultPollInterval.
	PollInterval time.Duration
	// Secure marks the cookies Secure, for a dashboard served over HTTPS by a proxy.
	Secure bool
}

// Handler is the dashboard's http.Handler. It serves GET / (the overview) and everything under
// /ui/; mount it on those two patterns.
type Handler struct {
	b       api.Backend
	opt     Options
	pages   map[string]*template.Template
	static  fs.FS
	mux     *http.ServeMux
	streams chan struct{}
	csrf    *http.CrossOriginProtection
	session []byte
}

// New returns the dashboard handler for b.
func New(b api.Backend, opt Options) *Handler {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Clock == nil {
		opt.Clock = clock.Real()
	}
	if opt.MaxStreams <= 0 {
		opt.MaxStreams = DefaultMaxStreams
	}
	if opt.PollInterval <= 0 {
		opt.PollInterval = DefaultPollInterval
	}
	h := &Handler{
		b:       b,
		opt:     opt,
		pages:   parsePages(),
		streams: make(chan struct{}, opt.MaxStreams),
		csrf:    http.NewCrossOriginProtection(),
	}
	if opt.Token != "" {
		h.session = sessionValue(opt.Token)
	}
	h.static, _ = fs.Sub(staticFS, "static")
	h.csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusForbidden, ErrForbidden)
	}))

	m := http.NewServeMux()
	m.Handle("GET /{$}", h.page(h.overview))
	m.Handle("GET /ui/{$}", http.RedirectHandler("/", http.StatusSeeOther))
	m.Handle("GET /ui/topology", h.page(h.topology))
	m.Handle("GET /ui/links", h.page(h.links))
	m.Handle("GET /ui/incidents", h.page(h.incidents))
	m.Handle("GET /ui/federated", h.page(h.federated))
	m.Handle("GET /ui/events", h.authed(http.HandlerFunc(h.events)))
	m.Handle("GET /ui/static/", http.HandlerFunc(h.serveStatic))
	m.Handle("GET /ui/login", http.HandlerFunc(h.loginForm))
	m.Handle("POST /ui/login", h.csrf.Handler(http.HandlerFunc(h.login)))
	m.Handle("POST /ui/logout", h.csrf.Handler(http.HandlerFunc(h.logout)))
	m.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusNotFound, fmt.Errorf("%w: no page %s", ErrBadRequest, r.URL.Path))
	}))
	h.mux = m
	return h
}

// ServeHTTP serves the dashboard.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodPost {
		h.mux.ServeHTTP(w, r)
		return
	}
	w.Header().Set("Allow", "GET, HEAD, POST")
	h.fail(w, r, http.StatusMethodNotAllowed, fmt.Errorf("%w: method %s not allowed", ErrBadRequest, r.Method))
}

// serveStatic serves the embedded style sheet and script; nothing else, no directory listings.
func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/ui/static/")
	if st, err := fs.Stat(h.static, name); err != nil || !st.Mode().IsRegular() {
		h.fail(w, r, http.StatusNotFound, fmt.Errorf("%w: no file %s", ErrBadRequest, r.URL.Path))
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeFileFS(w, r, h.static, name)
}

// pageFunc builds a page's view, or fails with a status and an error.
type pageFunc func(r *http.Request) (name string, v *view, status int, err error)

// page wraps a page builder with the login check and the rendering.
func (h *Handler) page(f pageFunc) http.Handler {
	return h.authed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, v, status, err := f(r)
		if err != nil {
			h.fail(w, r, status, err)
			return
		}
		v.Auth = h.opt.Token != ""
		h.render(w, http.StatusOK, name, v)
	}))
}

// render executes the named page template with v.
func (h *Handler) render(w http.ResponseWriter, status int, name string, v *view) {
	tmpl := "layout"
	if v.Fragment != "" {
		tmpl = v.Fragment
	}
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, tmpl, v); err != nil {
		h.opt.Logger.Error("dashboard template", "page", name, "err", err)
		http.Error(w, "dashboard: internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// fail logs a refused request and renders the error page.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	h.opt.Logger.Info("dashboard request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	v := &view{Title: http.StatusText(status), Auth: h.opt.Token != "" && h.loggedIn(r),
		Data: errorView{Status: status, Message: err.Error()}}
	h.render(w, status, "error", v)
}

// parsePages parses every page template together with the layout.
func parsePages() map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range []string{"overview", "topology", "links", "incidents", "federated", "login", "error"} {
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return pages
}
