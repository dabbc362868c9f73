// Package api serves a node's local HTTP endpoint: JSON resources under /api/v1 and the health
// probes /healthz and /readyz. The node runtime supplies the data through the Backend interface.
//
// Request bodies are limited to MaxBodySize; every error is a JSON body {"error": "..."} with a 4xx or
// 5xx status. When a token is configured every request except the health probes must carry it as
// "Authorization: Bearer TOKEN".
package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/config"
)

// Errors a Backend may return to get a specific status code.
var (
	// ErrNotFound maps to 404.
	ErrNotFound = errors.New("not found")
	// ErrBadRequest maps to 400.
	ErrBadRequest = errors.New("bad request")
	// ErrUnavailable maps to 503.
	ErrUnavailable = errors.New("unavailable")
)

// NodeInfo describes the local node.
type NodeInfo struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Groups    []string  `json:"groups"`
	Network   string    `json:"network"`
	Listen    string    `json:"listen"`
	Version   string    `json:"version"`
	StartedAt time.Time `json:"started_at"`
	NotAfter  time.Time `json:"cert_not_after"`
}

// PeerInfo describes one peer as the local node sees it.
type PeerInfo struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Address       string    `json:"address"`
	State         string    `json:"state"`
	SessionAge    float64   `json:"session_age_seconds"`
	LastHandshake time.Time `json:"last_handshake,omitzero"`
	LastReceived  time.Time `json:"last_received,omitzero"`
	RxBytes       uint64    `json:"rx_bytes"`
	TxBytes       uint64    `json:"tx_bytes"`
	RxFrames      uint64    `json:"rx_frames"`
	TxFrames      uint64    `json:"tx_frames"`
}

// RouteInfo is one entry of the node's routing table.
type RouteInfo struct {
	Destination string `json:"destination"`
	NextHop     string `json:"next_hop"`
	Metric      int    `json:"metric"`
	Seqno       int    `json:"seqno"`
	Feasible    bool   `json:"feasible"`
	Selected    bool   `json:"selected"`
}

// PingRequest asks the node to send Count numbered echo datagrams of Size bytes to Peer (a node ID or
// a unique prefix of one, or a peer name), with at most Window in flight, and to verify the echoes.
type PingRequest struct {
	Peer    string  `json:"peer"`
	Count   int     `json:"count"`
	Size    int     `json:"size"`
	Window  int     `json:"window"`
	Timeout float64 `json:"timeout_seconds"`
}

// PingResult reports a ping: every echo is checked for its sequence number and content.
type PingResult struct {
	Peer       string  `json:"peer"`
	Sent       int     `json:"sent"`
	Received   int     `json:"received"`
	Lost       int     `json:"lost"`
	Duplicated int     `json:"duplicated"`
	Corrupted  int     `json:"corrupted"`
	RTTMin     float64 `json:"rtt_min_ms"`
	RTTAvg     float64 `json:"rtt_avg_ms"`
	RTTMax     float64 `json:"rtt_max_ms"`
	Seconds    float64 `json:"seconds"`
}

// Backend is what the API needs from a node.
type Backend interface {
	// Node describes the local node.
	Node() NodeInfo
	// Peers lists the configured and connected peers.
	Peers() []PeerInfo
	// Routes lists the routing table: every route to every destination, the selected ones marked.
	Routes() []RouteInfo
	// Ready reports whether the node can carry traffic, with a reason when it cannot.
	Ready() (bool, string)
	// Ping runs a validated ping request.
	Ping(ctx context.Context, req PingRequest) (PingResult, error)
	// Topology describes the mesh as the node sees it; the handler sorts it and replaces nil lists
	// with empty ones (Topology.Normalize).
	Topology() Topology
	// Incidents lists the self-healing incidents, oldest first: the open ones, or with all every
	// one the node remembers. An error wrapping ErrUnavailable means self-healing is off.
	Incidents(all bool) ([]IncidentInfo, error)
	// Actions lists the self-healing actions the node remembers, oldest first. An error wrapping
	// ErrUnavailable means self-healing is off.
	Actions() ([]ActionInfo, error)
}

// Options configures the handler.
type Options struct {
	// Token, when not empty, is required as a bearer token on every /api/ request.
	Token string
	// Logger receives one line per failed request; nil discards.
	Logger *slog.Logger
	// Metrics, when set, is served at GET /metrics (Prometheus exposition), behind the token.
	Metrics http.Handler
	// Config, when set, is the node's configuration, served redacted at GET /api/v1/config
	// (NewConfigInfo); nil answers 404. The handler keeps a copy taken by NewHandler.
	Config *config.Config
}

type server struct {
	b    Backend
	opt  Options
	conf *ConfigInfo // nil without Options.Config
}

// route is one entry of the router: a method and exact path, and whether the handler is public
// (served without the bearer token).
type route struct {
	method, path string
	public       bool
	h            http.HandlerFunc
}

// routeTable lists every route the handler serves with s.opt; the OpenAPI document is checked
// against it.
func (s *server) routeTable() []route {
	routes := []route{
		{"GET", "/healthz", true, s.healthz},
		{"GET", "/readyz", true, s.readyz},
		{"GET", "/api/v1/node", false, s.node},
		{"GET", "/api/v1/peers", false, s.peers},
		{"GET", "/api/v1/routes", false, s.routes},
		{"GET", "/api/v1/topology", false, s.topology},
		{"GET", "/api/v1/incidents", false, s.incidents},
		{"GET", "/api/v1/actions", false, s.actions},
		{"POST", "/api/v1/ping", false, s.ping},
		{"GET", "/api/v1/openapi.json", false, serveOpenAPI},
		{"GET", "/api/v1/config", false, s.config},
		{"GET", "/api/v1/models", false, s.models},
		{"GET", "/api/v1/models/history", false, s.modelHistory},
		{"GET", "/api/v1/models/{id}", false, s.model},
		{"GET", "/api/v1/models/{id}/payload", false, s.modelPayload},
		{"GET", "/api/v1/models/{id}/record", false, s.modelRecord},
		{"POST", "/api/v1/models/rollback", false, s.rollbackModel},
		{"GET", "/api/v1/knowledge/backup", false, s.backupKnowledge},
	}
	if s.opt.Metrics != nil {
		routes = append(routes, route{"GET", "/metrics", false, s.opt.Metrics.ServeHTTP})
	}
	return routes
}

// NewHandler returns the HTTP handler of the API.
func NewHandler(b Backend, opt Options) http.Handler {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	s := &server{b: b, opt: opt}
	if opt.Config != nil {
		info := NewConfigInfo(opt.Config)
		s.conf = &info
	}
	mux := http.NewServeMux()
	allowed := map[string]string{}
	for _, r := range s.routeTable() {
		var h http.Handler = r.h
		if !r.public {
			h = s.auth(r.h)
		}
		mux.Handle(r.method+" "+r.path, h)
		allowed[r.path] = r.method
	}
	shadowedPaths(mux, allowed)
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m, ok := allowedMethod(allowed, r.URL.Path); ok {
			methodNotAllowed(m).ServeHTTP(w, r)
			return
		}
		writeError(w, http.StatusNotFound, fmt.Errorf("no resource %s %s", r.Method, r.URL.Path))
	}))
	return mux
}

func (s *server) auth(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opt.Token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.opt.Token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="x0tta6bl4"`)
				writeError(w, http.StatusUnauthorized, errors.New("missing or wrong bearer token"))
				return
			}
		}
		h(w, r)
	})
}

func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *server) readyz(w http.ResponseWriter, _ *http.Request) {
	if ok, why := s.b.Ready(); !ok {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "error": why})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *server) node(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.b.Node())
}

func (s *server) peers(w http.ResponseWriter, _ *http.Request) {
	p := s.b.Peers()
	if p == nil {
		p = []PeerInfo{}
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *server) routes(w http.ResponseWriter, _ *http.Request) {
	r := s.b.Routes()
	if r == nil {
		r = []RouteInfo{}
	}
	writeJSON(w, http.StatusOK, r)
}

func (s *server) ping(w http.ResponseWriter, r *http.Request) {
	req, err := DecodePingRequest(http.MaxBytesReader(w, r.Body, MaxBodySize))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	res, err := s.b.Ping(r.Context(), req)
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// DecodePingRequest strictly decodes and validates a ping request body, filling in defaults.
func DecodePingRequest(r io.Reader) (PingRequest, error) {
	var req PingRequest
	dec := json.NewDecoder(io.LimitReader(r, MaxBodySize+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return PingRequest{}, fmt.Errorf("%w: body: %v", ErrBadRequest, err)
	}
	if dec.More() {
		return PingRequest{}, fmt.Errorf("%w: body: trailing data after the JSON object", ErrBadRequest)
	}
	if req.Window == 0 {
		req.Window = DefaultPingWindow
	}
	if req.Timeout == 0 {
		req.Timeout = DefaultPingTimeout.Seconds()
	}
	switch {
	case req.Peer == "":
		return PingRequest{}, fmt.Errorf("%w: peer: required", ErrBadRequest)
	case req.Count < 1 || req.Count > MaxPingCount:
		return PingRequest{}, fmt.Errorf("%w: count: %d not in 1..%d", ErrBadRequest, req.Count, MaxPingCount)
	case req.Size < 0 || req.Size > MaxPingSize:
		return PingRequest{}, fmt.Errorf("%w: size: %d not in 0..%d", ErrBadRequest, req.Size, MaxPingSize)
	case req.Window < 1 || req.Window > MaxPingWindow:
		return PingRequest{}, fmt.Errorf("%w: window: %d not in 1..%d", ErrBadRequest, req.Window, MaxPingWindow)
	case !(req.Timeout > 0 && req.Timeout <= MaxPingTimeout.Seconds()):
		return PingRequest{}, fmt.Errorf("%w: timeout_seconds: %v not in (0, %v]", ErrBadRequest, req.Timeout, MaxPingTimeout.Seconds())
	}
	return req, nil
}

func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, ErrConflict):
		return http.StatusConflict
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

func (s *server) fail(w http.ResponseWriter, r *http.Request, code int, err error) {
	s.opt.Logger.Info("api request failed", "method", r.Method, "path", r.URL.Path, "status", code, "err", err)
	writeError(w, code, err)
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
