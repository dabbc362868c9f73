package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

const testToken = "s3cret"

func loadDoc(t *testing.T) *oaDoc {
	t.Helper()
	d, err := parseDoc(OpenAPI())
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return d
}

// docBackend is a Backend with fully populated data, so that every field reaches the schemas.
type docBackend struct {
	ready     bool
	empty     bool
	pingErr   error
	healErr   error // returned by Incidents and Actions (healing_test.go)
	modelErr  error // returned by the ModelBackend methods (models_test.go)
	backupErr error // returned by BackupKnowledge (knowledge_test.go)
}

func (b *docBackend) Node() NodeInfo {
	if b.empty {
		return NodeInfo{} // groups null, zero times
	}
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	return NodeInfo{ID: strings.Repeat("ab", 32), Name: "alpha", Groups: []string{"eu"}, Network: "0011223344556677",
		Listen: "127.0.0.1:7000", Version: "test", StartedAt: t0, NotAfter: t0.AddDate(1, 0, 0)}
}

func (b *docBackend) Peers() []PeerInfo {
	if b.empty {
		return nil
	}
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.FixedZone("x", 3600))
	return []PeerInfo{
		{ID: strings.Repeat("cd", 32), Name: "beta", Address: "192.0.2.1:7000", State: "up", SessionAge: 1.5,
			LastHandshake: t0, LastReceived: t0.Add(time.Second), RxBytes: 1<<64 - 1, TxBytes: 2, RxFrames: 3, TxFrames: 4},
		{Address: "192.0.2.2:7000", State: "connecting"},
	}
}

func (b *docBackend) Routes() []RouteInfo {
	if b.empty {
		return nil
	}
	return []RouteInfo{{Destination: "cd", NextHop: "cd", Metric: 65535, Seqno: 3, Feasible: true}}
}

func (b *docBackend) Ready() (bool, string) { return b.ready, "no peer is connected" }

func (b *docBackend) Topology() Topology {
	if b.empty {
		return Topology{} // nil lists: the handler must still send []
	}
	self, nb, far := strings.Repeat("ab", 32), strings.Repeat("cd", 32), strings.Repeat("ef", 32)
	return Topology{
		Self: self,
		Nodes: []TopologyNode{
			{ID: far, Metric: MetricInfinity},
			{ID: self, Name: "alpha", Self: true, Reachable: true},
			{ID: nb, Name: "beta", Neighbour: true, Reachable: true, Metric: 256, NextHop: nb},
		},
		Links:  []TopologyLink{{From: self, To: nb, Up: true, RTT: 0.5, RTTVar: 0.25, RxLoss: 1, TxLoss: 0.125, Cost: MetricInfinity}},
		Routes: []TopologyRoute{{Destination: nb, NextHop: nb, Metric: MetricInfinity - 1}},
	}
}

func (b *docBackend) Ping(_ context.Context, req PingRequest) (PingResult, error) {
	if b.pingErr != nil {
		return PingResult{}, b.pingErr
	}
	return PingResult{Peer: req.Peer, Sent: req.Count, Received: req.Count - 1, Lost: 1,
		RTTMin: 0.1, RTTAvg: 0.2, RTTMax: 0.3, Seconds: 0.01}, nil
}

func testMetrics() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		fmt.Fprintln(w, "x0tta6bl4_peers 1")
	})
}

func opKey(method, path string) string { return strings.ToUpper(method) + " " + path }

// TestOpenAPIRoutes checks that the router and the document agree on every path, method and on
// which routes need the token.
func TestOpenAPIRoutes(t *testing.T) {
	d := loadDoc(t)
	if d.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q", d.OpenAPI)
	}
	if sc, ok := d.Components.SecuritySchemes["bearerAuth"]; !ok || sc.Type != "http" || sc.Scheme != "bearer" {
		t.Errorf("bearerAuth scheme = %+v", sc)
	}
	if !reflect.DeepEqual(d.Security, []map[string][]string{{"bearerAuth": {}}}) {
		t.Errorf("global security = %v, want bearerAuth", d.Security)
	}
	served := map[string]route{}
	for _, r := range (&server{opt: Options{Metrics: testMetrics()}}).routeTable() {
		served[opKey(r.method, r.path)] = r
	}
	documented := map[string]*oaOperation{}
	for path, item := range d.Paths {
		for method, op := range item {
			documented[opKey(method, path)] = op
		}
	}
	for k, r := range served {
		op, ok := documented[k]
		if !ok {
			t.Errorf("%s is served but not documented", k)
			continue
		}
		public := op.Security != nil && len(*op.Security) == 0
		if public != r.public {
			t.Errorf("%s: documented public=%v, served public=%v", k, public, r.public)
		}
	}
	for k := range documented {
		if _, ok := served[k]; !ok {
			t.Errorf("%s is documented but not served", k)
		}
	}
	without := (&server{}).routeTable()
	if len(without) != len(served)-1 || slices.ContainsFunc(without, func(r route) bool { return r.path == "/metrics" }) {
		t.Errorf("route table without metrics = %d routes", len(without))
	}
}

// TestOpenAPISchemas checks every schema is well formed and every example validates against the
// schema next to it.
func TestOpenAPISchemas(t *testing.T) {
	d := loadDoc(t)
	for name, s := range d.Components.Schemas {
		if err := d.checkSchema(s, name); err != nil {
			t.Error(err)
		}
	}
	type media struct {
		at string
		m  oaMedia
	}
	var all []media
	for path, item := range d.Paths {
		for method, op := range item {
			k := opKey(method, path)
			if op.OperationID == "" || op.Summary == "" || len(op.Responses) == 0 {
				t.Errorf("%s: operationId, summary and responses are required", k)
			}
			if op.RequestBody != nil {
				for ct, m := range op.RequestBody.Content {
					all = append(all, media{k + " request " + ct, m})
				}
			}
			for status, r := range op.Responses {
				if r.Description == "" || len(r.Content) == 0 {
					t.Errorf("%s %s: description and content are required", k, status)
				}
				for ct, m := range r.Content {
					all = append(all, media{k + " " + status + " " + ct, m})
				}
				for h, hd := range r.Headers {
					if err := d.checkSchema(hd.Schema, k+" "+status+" header "+h); err != nil {
						t.Error(err)
					}
				}
			}
		}
	}
	for _, m := range all {
		if err := d.checkSchema(m.m.Schema, m.at); err != nil {
			t.Error(err)
			continue
		}
		if m.m.Example == nil {
			t.Errorf("%s: no example", m.at)
			continue
		}
		if err := d.validate(m.m.Schema, m.m.Example); err != nil {
			t.Errorf("%s: example: %v", m.at, err)
		}
	}
}

// TestOpenAPIExamplesDecode checks the examples of the Go types decode strictly into them.
func TestOpenAPIExamplesDecode(t *testing.T) {
	d := loadDoc(t)
	tests := []struct {
		key, status string
		into        any
	}{
		{"GET /api/v1/node", "200", new(NodeInfo)},
		{"GET /api/v1/peers", "200", new([]PeerInfo)},
		{"GET /api/v1/routes", "200", new([]RouteInfo)},
		{"GET /api/v1/topology", "200", new(Topology)},
		{"POST /api/v1/ping", "200", new(PingResult)},
		{"GET /api/v1/incidents", "200", new([]IncidentInfo)},
		{"GET /api/v1/actions", "200", new([]ActionInfo)},
		{"GET /api/v1/config", "200", new(ConfigInfo)},
	}
	for _, tt := range tests {
		method, path, _ := strings.Cut(tt.key, " ")
		ex := d.Paths[path][strings.ToLower(method)].Responses[tt.status].Content["application/json"].Example
		dec := json.NewDecoder(bytes.NewReader(ex))
		dec.DisallowUnknownFields()
		if err := dec.Decode(tt.into); err != nil {
			t.Errorf("%s %s example: %v", tt.key, tt.status, err)
		}
	}
	ex := d.Paths["/api/v1/ping"]["post"].RequestBody.Content["application/json"].Example
	if _, err := DecodePingRequest(bytes.NewReader(ex)); err != nil {
		t.Errorf("ping request example: %v", err)
	}
}

type exchange struct {
	name    string
	backend docBackend
	token   string // the handler's token; requests carry it unless noAuth
	noAuth  bool
	method  string
	path    string
	body    string
	status  int

	// noConfig leaves Options.Config nil; otherwise the handler serves docConfig (config_test.go).
	noConfig bool
	// noModels serves through a Backend without ModelBackend (models_test.go).
	noModels bool
}

// exchanges returns requests that together draw every documented response from the handler.
func exchanges() []exchange {
	var ex []exchange
	for _, r := range (&server{opt: Options{Metrics: testMetrics()}}).routeTable() {
		body := ""
		if r.path == "/api/v1/ping" {
			body = `{"peer":"beta","count":3}`
		}
		body, path := modelExample(r.path, body) // models_test.go: an ID for {id}, a rollback body
		ex = append(ex,
			exchange{name: r.path + " ok", backend: docBackend{ready: true}, token: testToken, method: r.method, path: path, body: body, status: 200},
			exchange{name: r.path + " ok empty", backend: docBackend{ready: true, empty: true}, method: r.method, path: path, body: body, status: 200},
			exchange{name: r.path + " wrong method", method: "PATCH", path: r.path, status: 405},
		)
		if !r.public {
			ex = append(ex, exchange{name: r.path + " no token", token: testToken, noAuth: true, method: r.method, path: path, body: body, status: 401})
		}
	}
	ex = append(ex, modelExchanges()...)
	ex = append(ex, knowledgeExchanges()...)
	ping := func(name, body string, err error, status int) exchange {
		return exchange{name: name, backend: docBackend{pingErr: err}, method: "POST", path: "/api/v1/ping", body: body, status: status}
	}
	return append(ex,
		exchange{name: "readyz not ready", method: "GET", path: "/readyz", status: 503},
		exchange{name: "unknown path", method: "GET", path: "/api/v1/nothing", status: 404},
		ping("ping bad body", `{"peer":`, nil, 400),
		ping("ping out of range", `{"peer":"b","count":0}`, nil, 400),
		ping("ping ambiguous", `{"peer":"b","count":1}`, fmt.Errorf("%w: %q matches more than one peer", ErrBadRequest, "b"), 400),
		ping("ping not found", `{"peer":"b","count":1}`, fmt.Errorf("%w: no peer", ErrNotFound), 404),
		ping("ping failed", `{"peer":"b","count":1}`, errors.New("boom"), 500),
		ping("ping unavailable", `{"peer":"b","count":1}`, ErrUnavailable, 503),
		ping("ping timeout", `{"peer":"b","count":1}`, context.DeadlineExceeded, 504),
		exchange{name: "incidents bad state", method: "GET", path: "/api/v1/incidents?state=closed", status: 400},
		exchange{name: "incidents disabled", backend: docBackend{healErr: errHealingOff}, method: "GET", path: "/api/v1/incidents", status: 503},
		exchange{name: "actions disabled", backend: docBackend{healErr: errHealingOff}, method: "GET", path: "/api/v1/actions", status: 503},
		exchange{name: "config not configured", noConfig: true, method: "GET", path: "/api/v1/config", status: 404},
	)
}

// TestOpenAPIResponses sends real requests to the handler and validates every response against
// the document: status, content type, headers and body. Every documented response must be drawn.
func TestOpenAPIResponses(t *testing.T) {
	d := loadDoc(t)
	seen := map[string]bool{}
	for _, ex := range exchanges() {
		t.Run(ex.name, func(t *testing.T) {
			opt := Options{Token: ex.token, Metrics: testMetrics()}
			if !ex.noConfig {
				opt.Config = docConfig(t)
			}
			h := NewHandler(ex.handlerBackend(), opt)
			req := httptest.NewRequest(ex.method, ex.path, strings.NewReader(ex.body))
			if ex.token != "" && !ex.noAuth {
				req.Header.Set("Authorization", "Bearer "+ex.token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != ex.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, ex.status, rec.Body)
			}
			status := fmt.Sprint(rec.Code)
			ct, _, err := mime.ParseMediaType(rec.Header().Get("Content-Type"))
			if err != nil {
				t.Fatalf("content type %q: %v", rec.Header().Get("Content-Type"), err)
			}
			path := documentedPath(d, ex.path) // models_test.go: without the query, {id} for an ID
			item, known := d.Paths[path]
			if !known {
				if ct != "application/json" {
					t.Fatalf("content type %q", ct)
				}
				if err := d.validate(&schema{Ref: schemaRefPrefix + "Error"}, rec.Body.Bytes()); err != nil {
					t.Fatalf("body %s: %v", rec.Body, err)
				}
				return
			}
			op, key := item[strings.ToLower(ex.method)], opKey(ex.method, path)
			if op == nil && rec.Code == http.StatusMethodNotAllowed && len(item) == 1 {
				for m, o := range item {
					op, key = o, opKey(m, path)
				}
			}
			if op == nil {
				t.Fatalf("no documented operation for %s %s", ex.method, ex.path)
			}
			resp, ok := op.Responses[status]
			if !ok {
				t.Fatalf("%s: status %s is not documented", key, status)
			}
			seen[key+" "+status] = true
			for name, hd := range resp.Headers {
				v := rec.Header().Get(name)
				if v == "" {
					t.Errorf("header %s missing", name)
				} else if err := d.validateValue(hd.Schema, v, name); err != nil {
					t.Errorf("header %s: %v", name, err)
				}
			}
			m, ok := resp.Content[ct]
			if !ok {
				t.Fatalf("%s %s: content type %q is not documented", key, status, ct)
			}
			if ct == "application/json" {
				err = d.validate(m.Schema, rec.Body.Bytes())
			} else {
				err = d.validateValue(m.Schema, rec.Body.String(), "$")
			}
			if err != nil {
				t.Fatalf("%s %s: body %s: %v", key, status, rec.Body, err)
			}
		})
	}
	for path, item := range d.Paths {
		for method, op := range item {
			for status := range op.Responses {
				if k := opKey(method, path) + " " + status; !seen[k] {
					t.Errorf("documented response %s never drawn from the handler", k)
				}
			}
		}
	}
}

// TestOpenAPIServed checks the document as served over HTTP.
func TestOpenAPIServed(t *testing.T) {
	srv := httptest.NewServer(NewHandler(&docBackend{}, Options{Token: testToken}))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/openapi.json", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !json.Valid(buf.Bytes()) || !bytes.Equal(buf.Bytes(), OpenAPI()) {
		t.Fatal("served document is not the embedded JSON document")
	}
	if _, err := parseDoc(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	b := OpenAPI()
	b[0] = 'x'
	if OpenAPI()[0] == 'x' {
		t.Fatal("OpenAPI returns the shared buffer")
	}
}

// TestOpenAPITypes checks by reflection that the JSON names and types of the Go structs are exactly
// the schema properties, and that the documented limits are the package's constants.
func TestOpenAPITypes(t *testing.T) {
	d := loadDoc(t)
	tests := []struct {
		name     string
		typ      reflect.Type
		response bool // required is exactly the fields without omitempty/omitzero
		// normalized: the handler never sends null lists (Topology.Normalize), so the schema's arrays
		// are not nullable.
		normalized bool
	}{
		{"NodeInfo", reflect.TypeFor[NodeInfo](), true, false},
		{"PeerInfo", reflect.TypeFor[PeerInfo](), true, false},
		{"RouteInfo", reflect.TypeFor[RouteInfo](), true, false},
		{"PingRequest", reflect.TypeFor[PingRequest](), false, false},
		{"PingResult", reflect.TypeFor[PingResult](), true, false},
		{"Topology", reflect.TypeFor[Topology](), true, true},
		{"TopologyNode", reflect.TypeFor[TopologyNode](), true, false},
		{"TopologyLink", reflect.TypeFor[TopologyLink](), true, false},
		{"TopologyRoute", reflect.TypeFor[TopologyRoute](), true, false},
		{"IncidentInfo", reflect.TypeFor[IncidentInfo](), true, false},
		{"ActionInfo", reflect.TypeFor[ActionInfo](), true, false},
		// NewConfigInfo never leaves a list nil.
		{"ConfigInfo", reflect.TypeFor[ConfigInfo](), true, true},
		{"ConfigIdentity", reflect.TypeFor[ConfigIdentity](), true, false},
		{"ConfigPeer", reflect.TypeFor[ConfigPeer](), true, false},
		{"ConfigSOCKS", reflect.TypeFor[ConfigSOCKS](), true, false},
		{"ConfigExit", reflect.TypeFor[ConfigExit](), true, true},
		{"ConfigForward", reflect.TypeFor[ConfigForward](), true, false},
		{"ConfigAPI", reflect.TypeFor[ConfigAPI](), true, false},
		{"ConfigLog", reflect.TypeFor[ConfigLog](), true, false},
		{"ConfigTimers", reflect.TypeFor[ConfigTimers](), true, false},
		{"ConfigDiscovery", reflect.TypeFor[ConfigDiscovery](), true, false},
		{"ConfigHealing", reflect.TypeFor[ConfigHealing](), true, false},
		{"ConfigChaos", reflect.TypeFor[ConfigChaos](), true, true},
		{"ModelInfo", reflect.TypeFor[ModelInfo](), true, false},
		// The handler never sends a null list of participants or lineage.
		{"ModelDetail", reflect.TypeFor[ModelDetail](), true, true},
		{"ModelChange", reflect.TypeFor[ModelChange](), true, false},
		{"ModelRollbackRequest", reflect.TypeFor[ModelRollbackRequest](), false, false},
	}
	for _, tt := range tests {
		s := d.Components.Schemas[tt.name]
		if s == nil {
			t.Errorf("%s: no schema", tt.name)
			continue
		}
		if s.AdditionalProperties == nil || *s.AdditionalProperties {
			t.Errorf("%s: additionalProperties must be false", tt.name)
		}
		var fields, required []string
		for f := range tt.typ.Fields() {
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" || name == "" {
				t.Errorf("%s.%s: every field needs a JSON name", tt.name, f.Name)
				continue
			}
			fields = append(fields, name)
			if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
				required = append(required, name)
			}
			p := s.Properties.get(name)
			if p == nil {
				continue
			}
			want, nullable := schemaType(f.Type)
			if tt.normalized && want == "array" {
				nullable = false
			}
			if p.Type != want || p.Nullable != nullable {
				t.Errorf("%s.%s: schema type %q nullable=%v, Go %s wants %q nullable=%v", tt.name, name, p.Type, p.Nullable, f.Type, want, nullable)
			}
			if f.Type == reflect.TypeFor[time.Time]() && p.Format != "date-time" {
				t.Errorf("%s.%s: time needs format date-time", tt.name, name)
			}
			if k := f.Type.Kind(); k >= reflect.Uint && k <= reflect.Uint64 && (p.Minimum == nil || *p.Minimum < 0) {
				t.Errorf("%s.%s: unsigned needs minimum >= 0", tt.name, name)
			}
		}
		if !slices.Equal(fields, s.Properties.names()) {
			t.Errorf("%s: Go fields %v, schema properties %v", tt.name, fields, s.Properties.names())
		}
		got := slices.Sorted(slices.Values(s.Required))
		sort.Strings(required)
		if tt.response && !slices.Equal(got, required) {
			t.Errorf("%s: schema required %v, Go always-present fields %v", tt.name, got, required)
		}
	}
	// The request limits are the constants DecodePingRequest enforces.
	pr := d.Components.Schemas["PingRequest"].Properties
	def, err := DecodePingRequest(strings.NewReader(`{"peer":"a","count":1}`))
	if err != nil {
		t.Fatal(err)
	}
	limits := []struct {
		field    string
		min, max float64
		def      any
	}{
		{"count", 1, MaxPingCount, nil},
		{"size", 0, MaxPingSize, float64(def.Size)},
		{"window", 0, MaxPingWindow, float64(def.Window)},
		{"timeout_seconds", 0, MaxPingTimeout.Seconds(), def.Timeout},
	}
	for _, l := range limits {
		p := pr.get(l.field)
		if p == nil || p.Minimum == nil || p.Maximum == nil {
			t.Errorf("PingRequest.%s: no bounds", l.field)
			continue
		}
		if *p.Minimum != l.min || *p.Maximum != l.max || p.Default != l.def {
			t.Errorf("PingRequest.%s: schema %v..%v default %v, want %v..%v default %v",
				l.field, *p.Minimum, *p.Maximum, p.Default, l.min, l.max, l.def)
		}
	}
	// Metrics and costs are bounded by MetricInfinity; a route in use is always below it.
	for _, m := range []struct {
		schema, field string
		max           float64
	}{
		{"RouteInfo", "metric", MetricInfinity},
		{"TopologyNode", "metric", MetricInfinity},
		{"TopologyLink", "cost", MetricInfinity},
		{"TopologyRoute", "metric", MetricInfinity - 1},
	} {
		p := d.Components.Schemas[m.schema].Properties.get(m.field)
		if p == nil || p.Minimum == nil || p.Maximum == nil || *p.Minimum != 0 || *p.Maximum != m.max {
			t.Errorf("%s.%s: bounds must be 0..%v", m.schema, m.field, m.max)
		}
	}
	if !strings.Contains(d.Info.Description, fmt.Sprint(MaxBodySize)) {
		t.Errorf("info.description does not state MaxBodySize %d", MaxBodySize)
	}
}

// schemaType is the schema type of a Go type as encoding/json encodes it.
func schemaType(t reflect.Type) (typ string, nullable bool) {
	if t == reflect.TypeFor[time.Time]() {
		return "string", false
	}
	switch t.Kind() {
	case reflect.String:
		return "string", false
	case reflect.Bool:
		return "boolean", false
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer", false
	case reflect.Float32, reflect.Float64:
		return "number", false
	case reflect.Struct:
		return "", false // a nested object is a $ref, which has no type of its own
	case reflect.Slice:
		return "array", true
	}
	return t.Kind().String(), false
}
