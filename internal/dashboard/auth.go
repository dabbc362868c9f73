package dashboard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// sessionValue derives the session cookie's value from the API token: HMAC-SHA256 keyed by the
// token over SessionLabel, hex encoded. The cookie proves the token was given without holding it.
func sessionValue(token string) []byte {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte(SessionLabel))
	return []byte(hex.EncodeToString(m.Sum(nil)))
}

// loggedIn reports whether r carries a valid session cookie, or no token is configured.
func (h *Handler) loggedIn(r *http.Request) bool {
	if h.opt.Token == "" {
		return true
	}
	c, err := r.Cookie(SessionCookie)
	return err == nil && hmac.Equal([]byte(c.Value), h.session)
}

// authed sends a request without a valid session to the login form: a page request is redirected,
// the event stream answered 401.
func (h *Handler) authed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.loggedIn(r) {
			next.ServeHTTP(w, r)
			return
		}
		if r.URL.Path == "/ui/events" {
			h.fail(w, r, http.StatusUnauthorized, fmt.Errorf("%w: log in first", ErrUnauthorized))
			return
		}
		http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
	})
}

// newCSRFToken returns a fresh random CSRF token.
func (h *Handler) newCSRFToken() (string, error) {
	rnd := h.opt.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	b := make([]byte, CSRFTokenSize)
	if _, err := io.ReadFull(rnd, b); err != nil {
		return "", fmt.Errorf("dashboard: csrf token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (h *Handler) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: h.opt.Secure, SameSite: http.SameSiteStrictMode}
}

// loginView is the data of the login page.
type loginView struct {
	CSRF    string
	Error   string
	NoToken bool
}

// loginForm serves the login page with a fresh CSRF token, set both in a cookie and in the form
// (double submit).
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	h.showLogin(w, r, http.StatusOK, "")
}

func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	lv := loginView{Error: msg, NoToken: h.opt.Token == ""}
	if !lv.NoToken {
		tok, err := h.newCSRFToken()
		if err != nil {
			h.fail(w, r, http.StatusInternalServerError, err)
			return
		}
		lv.CSRF = tok
		http.SetCookie(w, h.cookie(CSRFCookie, tok, int(CSRFCookieMaxAge.Seconds())))
	}
	h.render(w, status, "login", &view{Title: "Sign in", Nav: "login", Data: lv})
}

// login checks a submitted login form: the cross-origin checks (already done by the wrapper), the
// double-submitted CSRF token, then the API token. On success it sets the session cookie and
// redirects to the overview.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if h.opt.Token == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormSize)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusBadRequest, fmt.Errorf("%w: form: %v", ErrBadRequest, err))
		return
	}
	c, err := r.Cookie(CSRFCookie)
	form := r.PostForm.Get("csrf")
	if err != nil || form == "" || !hmac.Equal([]byte(c.Value), []byte(form)) {
		h.fail(w, r, http.StatusForbidden, fmt.Errorf("%w: the form's CSRF token does not match; reload the sign-in page", ErrForbidden))
		return
	}
	tok := strings.TrimSpace(r.PostForm.Get("token"))
	if !hmac.Equal(sessionValue(tok), h.session) {
		h.opt.Logger.Info("dashboard login failed", "remote", r.RemoteAddr)
		h.showLogin(w, r, http.StatusUnauthorized, "That token is not this node's API token.")
		return
	}
	http.SetCookie(w, h.cookie(CSRFCookie, "", -1))
	http.SetCookie(w, h.cookie(SessionCookie, string(h.session), 0))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logout clears the session cookie.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, h.cookie(SessionCookie, "", -1))
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}
