package dashboard

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
)

const testToken = "s3cret-token-of-the-node"

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// loginPage fetches the sign-in form and returns its CSRF cookie and field.
func loginPage(t *testing.T, h http.Handler) (*http.Cookie, string) {
	t.Helper()
	resp, body := get(t, h, "/ui/login")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login page: %d", resp.StatusCode)
	}
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field: %s", body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == CSRFCookie {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Errorf("csrf cookie %+v", c)
			}
			return c, m[1]
		}
	}
	t.Fatal("no csrf cookie")
	return nil, ""
}

// post submits form to path with the cookies and extra headers.
func post(h http.Handler, path string, form url.Values, hdr map[string]string, cookies ...*http.Cookie) *http.Response {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Result()
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	return nil
}

func TestLoginFlow(t *testing.T) {
	h := newTest(busyMesh(), Options{Token: testToken})
	// Without a session: pages go to the sign-in form, the stream is refused.
	for _, p := range []string{"/", "/ui/topology", "/ui/links", "/ui/incidents", "/ui/federated"} {
		resp, _ := get(t, h, p)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/login" {
			t.Errorf("%s: %d %q", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if resp, _ := get(t, h, "/ui/events"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("events without session: %d", resp.StatusCode)
	}
	if resp, _ := get(t, h, "/ui/static/dashboard.css"); resp.StatusCode != http.StatusOK {
		t.Errorf("style sheet needs no session: %d", resp.StatusCode)
	}

	csrf, field := loginPage(t, h)
	resp := post(h, "/ui/login", url.Values{"csrf": {field}, "token": {" " + testToken + "\n"}}, nil, csrf)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	s := sessionCookie(resp)
	if s == nil || !s.HttpOnly || s.SameSite != http.SameSiteStrictMode || s.Path != "/" || s.Secure {
		t.Fatalf("session cookie %+v", s)
	}
	if strings.Contains(s.Value, testToken) || len(s.Value) != 64 {
		t.Errorf("session cookie value %q must be the token's HMAC, not the token", s.Value)
	}
	for _, p := range []string{"/", "/ui/topology", "/ui/incidents"} {
		resp, body := get(t, h, p, s)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s with session: %d", p, resp.StatusCode)
		}
		mustContain(t, body, `action="/ui/logout"`, "Sign out")
	}

	// Sign out clears the cookie.
	resp = post(h, "/ui/logout", nil, map[string]string{"Sec-Fetch-Site": "same-origin"}, s)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/login" {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if c := sessionCookie(resp); c == nil || c.MaxAge >= 0 {
		t.Errorf("logout cookie %+v", c)
	}
}

func TestLoginRefusals(t *testing.T) {
	h := newTest(emptyMesh(), Options{Token: testToken, Secure: true})
	csrf, field := loginPage(t, h)
	other := &http.Cookie{Name: CSRFCookie, Value: "forged"}
	tests := []struct {
		name    string
		form    url.Values
		hdr     map[string]string
		cookies []*http.Cookie
		status  int
		body    string
	}{
		{"wrong token", url.Values{"csrf": {field}, "token": {"guess"}}, nil, []*http.Cookie{csrf}, http.StatusUnauthorized, "not this node&#39;s API token"},
		{"empty token", url.Values{"csrf": {field}}, nil, []*http.Cookie{csrf}, http.StatusUnauthorized, `aria-invalid="true"`},
		{"no csrf cookie", url.Values{"csrf": {field}, "token": {testToken}}, nil, nil, http.StatusForbidden, "CSRF"},
		{"no csrf field", url.Values{"token": {testToken}}, nil, []*http.Cookie{csrf}, http.StatusForbidden, "CSRF"},
		{"csrf mismatch", url.Values{"csrf": {field}, "token": {testToken}}, nil, []*http.Cookie{other}, http.StatusForbidden, "CSRF"},
		{"cross-site", url.Values{"csrf": {field}, "token": {testToken}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, []*http.Cookie{csrf}, http.StatusForbidden, "cross-site"},
		{"foreign origin", url.Values{"csrf": {field}, "token": {testToken}}, map[string]string{"Origin": "https://evil.example"}, []*http.Cookie{csrf}, http.StatusForbidden, "cross-site"},
		{"huge form", url.Values{"csrf": {field}, "token": {strings.Repeat("a", MaxFormSize)}}, nil, []*http.Cookie{csrf}, http.StatusBadRequest, "form"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(h, "/ui/login", tt.form, tt.hdr, tt.cookies...)
			var b bytes.Buffer
			_, _ = b.ReadFrom(resp.Body)
			if resp.StatusCode != tt.status || !strings.Contains(b.String(), tt.body) {
				t.Fatalf("status %d, want %d; body lacks %q: %s", resp.StatusCode, tt.status, tt.body, b.String())
			}
			if sessionCookie(resp) != nil {
				t.Error("a refused login set a session")
			}
		})
	}
	// A forged session cookie is no session.
	resp, _ := get(t, h, "/", &http.Cookie{Name: SessionCookie, Value: testToken})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("forged session: %d", resp.StatusCode)
	}
	// Secure is honoured.
	resp, _ = get(t, h, "/ui/login")
	for _, c := range resp.Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s not Secure", c.Name)
		}
	}
}

func TestLoginWithoutToken(t *testing.T) {
	h := newTest(emptyMesh(), Options{})
	resp, body := get(t, h, "/ui/login")
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) != 0 {
		t.Fatalf("%d %v", resp.StatusCode, resp.Cookies())
	}
	mustContain(t, body, "needs no sign-in")
	resp = post(h, "/ui/login", url.Values{"token": {"x"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("%d", resp.StatusCode)
	}
	_, body = get(t, h, "/")
	if strings.Contains(body, "Sign out") {
		t.Error("sign-out button without a token")
	}
}

func TestLoginRandomnessFailure(t *testing.T) {
	h := newTest(emptyMesh(), Options{Token: testToken, Rand: iotest.ErrReader(errors.New("no entropy"))})
	resp, body := get(t, h, "/ui/login")
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, "no entropy") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

func TestSessionValue(t *testing.T) {
	a, b := sessionValue("one"), sessionValue("two")
	if string(a) == string(b) || len(a) != 64 || string(sessionValue("one")) != string(a) {
		t.Fatalf("%s %s", a, b)
	}
}
