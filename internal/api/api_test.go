package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type fakeBackend struct {
	ready   bool
	pingErr error
	got     PingRequest
}

func (f *fakeBackend) Node() NodeInfo { return NodeInfo{ID: "ab", Name: "alpha"} }
func (f *fakeBackend) Peers() []PeerInfo {
	if !f.ready {
		return nil
	}
	return []PeerInfo{{ID: "cd", Name: "beta", State: "up", RxBytes: 10}}
}
func (f *fakeBackend) Routes() []RouteInfo {
	if !f.ready {
		return nil
	}
	return []RouteInfo{{Destination: "cd", NextHop: "cd", Metric: 256, Selected: true, Feasible: true}}
}
func (f *fakeBackend) Ready() (bool, string) { return f.ready, "no peer is connected" }
func (f *fakeBackend) Topology() Topology {
	if !f.ready {
		return Topology{Self: "ab"}
	}
	return Topology{Self: "ab",
		Nodes:  []TopologyNode{{ID: "cd", Neighbour: true, Reachable: true, Metric: 256, NextHop: "cd"}, {ID: "ab", Self: true, Reachable: true}},
		Links:  []TopologyLink{{From: "ab", To: "cd", Up: true, RTT: 1.5, Cost: 256}},
		Routes: []TopologyRoute{{Destination: "cd", NextHop: "cd", Metric: 256}},
	}
}
func (f *fakeBackend) Ping(_ context.Context, req PingRequest) (PingResult, error) {
	f.got = req
	if f.pingErr != nil {
		return PingResult{}, f.pingErr
	}
	return PingResult{Peer: req.Peer, Sent: req.Count, Received: req.Count}, nil
}

func TestHandler(t *testing.T) {
	tests := []struct {
		name   string
		ready  bool
		token  string
		header string
		method string
		path   string
		body   string
		pingE  error
		status int
		want   string
	}{
		{name: "healthz", method: "GET", path: "/healthz", status: 200, want: `"ok"`},
		{name: "readyz not ready", method: "GET", path: "/readyz", status: 503, want: "no peer is connected"},
		{name: "readyz ready", ready: true, method: "GET", path: "/readyz", status: 200, want: `"ready"`},
		{name: "node", method: "GET", path: "/api/v1/node", status: 200, want: `"alpha"`},
		{name: "peers empty is a list", method: "GET", path: "/api/v1/peers", status: 200, want: "[]"},
		{name: "peers", ready: true, method: "GET", path: "/api/v1/peers", status: 200, want: `"beta"`},
		{name: "routes empty is a list", method: "GET", path: "/api/v1/routes", status: 200, want: "[]"},
		{name: "routes", ready: true, method: "GET", path: "/api/v1/routes", status: 200, want: `"next_hop": "cd"`},
		{name: "topology empty has lists", method: "GET", path: "/api/v1/topology", status: 200, want: `"links": []`},
		{name: "topology", ready: true, method: "GET", path: "/api/v1/topology", status: 200, want: `"rtt_ms": 1.5`},
		{name: "topology wrong method", method: "POST", path: "/api/v1/topology", status: 405, want: "use GET"},
		{name: "topology needs token", token: "s3cret", method: "GET", path: "/api/v1/topology", status: 401, want: "bearer token"},
		{name: "unknown path", method: "GET", path: "/api/v1/nothing", status: 404, want: `"error"`},
		{name: "wrong method", method: "DELETE", path: "/api/v1/peers", status: 405, want: "use GET"},
		{name: "ping ok", method: "POST", path: "/api/v1/ping", body: `{"peer":"cd","count":3}`, status: 200, want: `"received": 3`},
		{name: "ping bad json", method: "POST", path: "/api/v1/ping", body: `{"peer":`, status: 400, want: "body"},
		{name: "ping unknown field", method: "POST", path: "/api/v1/ping", body: `{"peer":"cd","count":1,"x":1}`, status: 400, want: "unknown field"},
		{name: "ping too big", method: "POST", path: "/api/v1/ping", body: `{"peer":"` + strings.Repeat("a", MaxBodySize) + `","count":1}`, status: 400},
		{name: "ping not found", method: "POST", path: "/api/v1/ping", body: `{"peer":"zz","count":1}`, pingE: fmt.Errorf("%w: no peer", ErrNotFound), status: 404, want: "no peer"},
		{name: "ping unavailable", method: "POST", path: "/api/v1/ping", body: `{"peer":"zz","count":1}`, pingE: ErrUnavailable, status: 503},
		{name: "ping bad backend", method: "POST", path: "/api/v1/ping", body: `{"peer":"zz","count":1}`, pingE: ErrBadRequest, status: 400},
		{name: "ping timeout", method: "POST", path: "/api/v1/ping", body: `{"peer":"zz","count":1}`, pingE: context.DeadlineExceeded, status: 504},
		{name: "ping internal", method: "POST", path: "/api/v1/ping", body: `{"peer":"zz","count":1}`, pingE: errors.New("boom"), status: 500, want: "boom"},
		{name: "token missing", token: "s3cret", method: "GET", path: "/api/v1/node", status: 401, want: "bearer token"},
		{name: "token wrong", token: "s3cret", header: "Bearer nope", method: "GET", path: "/api/v1/node", status: 401},
		{name: "token right", token: "s3cret", header: "Bearer s3cret", method: "GET", path: "/api/v1/node", status: 200},
		{name: "health needs no token", token: "s3cret", method: "GET", path: "/healthz", status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &fakeBackend{ready: tt.ready, pingErr: tt.pingE}
			h := NewHandler(b, Options{Token: tt.token})
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), tt.want) {
				t.Fatalf("body %q does not contain %q", rec.Body, tt.want)
			}
			if tt.status >= 400 {
				var e struct{ Error string }
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
					t.Fatalf("error body %q is not {\"error\": ...}", rec.Body)
				}
			}
		})
	}
}

func TestMetricsRoute(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("x0tta6bl4_peers 1\n")) })
	tests := []struct {
		opt    Options
		header string
		status int
	}{
		{Options{}, "", 404},
		{Options{Metrics: metrics}, "", 200},
		{Options{Metrics: metrics, Token: "t"}, "", 401},
		{Options{Metrics: metrics, Token: "t"}, "Bearer t", 200},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if tt.header != "" {
			req.Header.Set("Authorization", tt.header)
		}
		rec := httptest.NewRecorder()
		NewHandler(&fakeBackend{}, tt.opt).ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("%+v: status %d, want %d", tt.opt, rec.Code, tt.status)
		}
		if tt.status == 200 && !strings.Contains(rec.Body.String(), "x0tta6bl4_peers") {
			t.Errorf("body %q", rec.Body)
		}
	}
}

func TestDecodePingRequest(t *testing.T) {
	tests := []struct {
		body string
		want string // substring of the error; empty means valid
	}{
		{`{"peer":"a","count":1}`, ""},
		{`{"peer":"a","count":1,"size":1200,"window":1024,"timeout_seconds":300}`, ""},
		{`{"count":1}`, "peer: required"},
		{`{"peer":"a","count":0}`, "count"},
		{`{"peer":"a","count":100001}`, "count"},
		{`{"peer":"a","count":1,"size":-1}`, "size"},
		{`{"peer":"a","count":1,"size":1201}`, "size"},
		{`{"peer":"a","count":1,"window":-1}`, "window"},
		{`{"peer":"a","count":1,"window":1025}`, "window"},
		{`{"peer":"a","count":1,"timeout_seconds":-1}`, "timeout_seconds"},
		{`{"peer":"a","count":1,"timeout_seconds":301}`, "timeout_seconds"},
		{`{"peer":"a","count":1} {}`, "trailing data"},
		{`[]`, "body"},
	}
	for _, tt := range tests {
		req, err := DecodePingRequest(strings.NewReader(tt.body))
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.body, err)
			} else if req.Window == 0 || req.Timeout == 0 {
				t.Errorf("%s: defaults not applied: %+v", tt.body, req)
			}
			continue
		}
		if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want ErrBadRequest mentioning %q", tt.body, err, tt.want)
		}
	}
}

func FuzzDecodePingRequest(f *testing.F) {
	f.Add([]byte(`{"peer":"a","count":1}`))
	f.Add([]byte(`{"peer":"abc","count":100000,"size":1200,"window":5,"timeout_seconds":1.5}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodePingRequest(strings.NewReader(string(body)))
		if err != nil {
			return
		}
		if req.Peer == "" || req.Count < 1 || req.Count > MaxPingCount || req.Size < 0 || req.Size > MaxPingSize ||
			req.Window < 1 || req.Window > MaxPingWindow || !(req.Timeout > 0 && req.Timeout <= MaxPingTimeout.Seconds()) {
			t.Fatalf("accepted invalid request %+v", req)
		}
	})
}

func TestClient(t *testing.T) {
	b := &fakeBackend{ready: true}
	srv := httptest.NewServer(NewHandler(b, Options{Token: "tok"}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := &Client{Base: srv.URL + "/", Token: "tok"}
	n, err := c.Node(ctx)
	if err != nil || n.Name != "alpha" {
		t.Fatalf("Node = %+v, %v", n, err)
	}
	p, err := c.Peers(ctx)
	if err != nil || len(p) != 1 || p[0].Name != "beta" {
		t.Fatalf("Peers = %+v, %v", p, err)
	}
	rt, err := c.Routes(ctx)
	if err != nil || len(rt) != 1 || rt[0].Metric != 256 {
		t.Fatalf("Routes = %+v, %v", rt, err)
	}
	r, err := c.Ping(ctx, PingRequest{Peer: "cd", Count: 5})
	if err != nil || r.Received != 5 || b.got.Window != DefaultPingWindow {
		t.Fatalf("Ping = %+v, %v (backend got %+v)", r, err, b.got)
	}
	bad := &Client{Base: srv.URL}
	if _, err := bad.Node(ctx); err == nil || !strings.Contains(err.Error(), "bearer token") || !strings.Contains(err.Error(), "401") {
		t.Fatalf("unauthenticated Node err = %v", err)
	}
	if _, err := (&Client{Base: srv.URL, Token: "tok"}).Ping(ctx, PingRequest{}); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("bad ping err = %v", err)
	}
	gone := &Client{Base: "http://127.0.0.1:1", HTTP: &http.Client{Timeout: time.Second}}
	if _, err := gone.Peers(ctx); err == nil || !strings.Contains(err.Error(), "is the node running") {
		t.Fatalf("unreachable err = %v", err)
	}
	if _, err := (&Client{Base: "://bad"}).Peers(ctx); err == nil {
		t.Fatal("bad URL accepted")
	}
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/node" {
			w.WriteHeader(502)
			return
		}
		w.Write([]byte("not json"))
	}))
	defer plain.Close()
	if _, err := (&Client{Base: plain.URL}).Node(ctx); err == nil || !strings.Contains(err.Error(), "status 502") {
		t.Fatalf("502 err = %v", err)
	}
	if _, err := (&Client{Base: plain.URL}).Peers(ctx); err == nil || !strings.Contains(err.Error(), "decoding") {
		t.Fatalf("non-JSON err = %v", err)
	}
}
