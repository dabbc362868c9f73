package api

import (
	"fmt"
	"net/http"
	"strings"
)

// allowedMethod returns the method of the route whose path p is: an exact path, or a pattern whose
// {wildcards} each match one non-empty segment.
func allowedMethod(allowed map[string]string, p string) (string, bool) {
	if m, ok := allowed[p]; ok {
		return m, true
	}
	for pattern, m := range allowed {
		if strings.Contains(pattern, "{") && matchPattern(pattern, p) {
			return m, true
		}
	}
	return "", false
}

// matchPattern reports whether path p matches pattern, whose {wildcards} each match one non-empty
// segment.
func matchPattern(pattern, p string) bool {
	ps, qs := strings.Split(pattern, "/"), strings.Split(p, "/")
	if len(ps) != len(qs) {
		return false
	}
	for i, s := range ps {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			if qs[i] == "" {
				return false
			}
		} else if s != qs[i] {
			return false
		}
	}
	return true
}

// shadowedPaths registers a 405 for GET on every exact path served with another method that a GET
// pattern would otherwise capture (POST /api/v1/models/rollback under GET /api/v1/models/{id}),
// so that every path keeps its one method.
func shadowedPaths(mux *http.ServeMux, allowed map[string]string) {
	for p, m := range allowed {
		if m == http.MethodGet || strings.Contains(p, "{") {
			continue
		}
		for pattern, pm := range allowed {
			if pm == http.MethodGet && strings.Contains(pattern, "{") && matchPattern(pattern, p) {
				mux.Handle("GET "+p, methodNotAllowed(m))
				break
			}
		}
	}
}

// methodNotAllowed answers 405 naming the one method of the path.
func methodNotAllowed(m string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", m)
		writeError(w, http.StatusMethodNotAllowed, fmt.Errorf("%s %s: method not allowed, use %s", r.Method, r.URL.Path, m))
	})
}
