package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/x0tta6bl4/x0tta6bl4/internal/config"
)

// Node IDs of the test configurations.
const (
	hexA = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
	hexB = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
)

// fullConfig sets every field of the configuration to a value other than its default.
const fullConfig = `
name: alpha
listen: 127.0.0.1:7000
identity: {key: /k/node.key, cert: /k/node.crt, ca: /k/ca.crt, revocation_list: /k/crl}
peers:
  - address: 192.0.2.10:7000
    node_id: ` + hexA + `
  - address: "[2001:db8::1]:7000"
min_peers: 3
socks: {listen: 127.0.0.1:1080, exit: ` + hexA + `}
exit: {allow: ["10.0.0.0/8:22", "0.0.0.0/0:443-444"], resolve_names: true}
forward:
  - {listen: 127.0.0.1:2222, exit: ` + hexB + `, target: git.internal:22}
api: {listen: 127.0.0.1:7101, token_file: /k/api.token}
log: {level: debug, format: json}
timers: {keepalive: 1500ms, reload: 1m}
discovery: {lan: true, group: 239.255.1.2:7199, interval: 2s}
healing: {enabled: false, period: 250ms, knowledge: /var/lib/k.db, model: /var/lib/m.model}
chaos: {seed: 18446744073709551615, drop: 0.25, delay: 20ms, blackhole: [` + hexB + `]}
obfs: {key_file: /k/obfs.key, shape: false, junk: 2, max_padding: 256, jitter: 5ms}
`

// camoConfig sets every field of the camo section, which excludes obfs, to a value other than its
// default.
const camoConfig = minimalConfig + `camo: {listen: 0.0.0.0:443, key_file: /k/camo.key, server_name: www.example.com,
  certificate: /k/tls.crt, certificate_key: /k/tls.key, verify_server: true, mode: websocket, path: /ws,
  proxy: "http://proxy:3128", decoy_proxy: "https://www.example.com/", handshake_timeout: 5s, max_pending: 16, max_peers: 32}
`

// minimalConfig sets only the required fields.
const minimalConfig = "listen: 127.0.0.1:7000\nidentity: {key: k, cert: c, ca: ca}\n"

func parseConfig(t testing.TB, y string) *config.Config {
	t.Helper()
	c, err := config.Parse(strings.NewReader(y))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return c
}

// docConfig is the configuration the OpenAPI response tests serve.
func docConfig(t testing.TB) *config.Config { return parseConfig(t, fullConfig) }

func TestNewConfigInfo(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want ConfigInfo
	}{
		{"minimal: every default filled in", minimalConfig, ConfigInfo{
			Listen:    "127.0.0.1:7000",
			Identity:  ConfigIdentity{Key: "k", Cert: "c", CA: "ca"},
			Peers:     []ConfigPeer{},
			Exit:      ConfigExit{Allow: []string{}},
			Forward:   []ConfigForward{},
			API:       ConfigAPI{Listen: config.DefaultAPIListen},
			Log:       ConfigLog{Level: "info", Format: "text"},
			Timers:    ConfigTimers{Keepalive: "10s", Reload: "10s"},
			Discovery: ConfigDiscovery{Group: "239.255.116.52:7199", Interval: "5s"},
			Healing:   ConfigHealing{Enabled: true, Period: "100ms"},
			Chaos:     ConfigChaos{Delay: "0s", Blackhole: []string{}},
			Obfs:      ConfigObfs{Jitter: "0s"},
			Camo:      ConfigCamo{HandshakeTimeout: "0s"},
			Models:    ConfigModels{SyncInterval: "0s"},
		}},
		{"camo defaults resolved", minimalConfig + "camo: {listen: 127.0.0.1:7443, key_file: c.key, server_name: a.example, decoy_page: i.html}\n", ConfigInfo{
			Listen:    "127.0.0.1:7000",
			Identity:  ConfigIdentity{Key: "k", Cert: "c", CA: "ca"},
			Peers:     []ConfigPeer{},
			Exit:      ConfigExit{Allow: []string{}},
			Forward:   []ConfigForward{},
			API:       ConfigAPI{Listen: config.DefaultAPIListen},
			Log:       ConfigLog{Level: "info", Format: "text"},
			Timers:    ConfigTimers{Keepalive: "10s", Reload: "10s"},
			Discovery: ConfigDiscovery{Group: "239.255.116.52:7199", Interval: "5s"},
			Healing:   ConfigHealing{Enabled: true, Period: "100ms"},
			Chaos:     ConfigChaos{Delay: "0s", Blackhole: []string{}},
			Obfs:      ConfigObfs{Jitter: "0s"},
			Camo: ConfigCamo{Listen: "127.0.0.1:7443", KeyFile: "c.key", ServerName: "a.example", Mode: "tls", Path: "/",
				DecoyPage: "i.html", HandshakeTimeout: "0s"},
			Models: ConfigModels{SyncInterval: "0s"},
		}},
		{"camo full", camoConfig, ConfigInfo{
			Listen:    "127.0.0.1:7000",
			Identity:  ConfigIdentity{Key: "k", Cert: "c", CA: "ca"},
			Peers:     []ConfigPeer{},
			Exit:      ConfigExit{Allow: []string{}},
			Forward:   []ConfigForward{},
			API:       ConfigAPI{Listen: config.DefaultAPIListen},
			Log:       ConfigLog{Level: "info", Format: "text"},
			Timers:    ConfigTimers{Keepalive: "10s", Reload: "10s"},
			Discovery: ConfigDiscovery{Group: "239.255.116.52:7199", Interval: "5s"},
			Healing:   ConfigHealing{Enabled: true, Period: "100ms"},
			Chaos:     ConfigChaos{Delay: "0s", Blackhole: []string{}},
			Obfs:      ConfigObfs{Jitter: "0s"},
			Camo: ConfigCamo{Listen: "0.0.0.0:443", KeyFile: "/k/camo.key", ServerName: "www.example.com", Certificate: "/k/tls.crt",
				CertificateKey: "/k/tls.key", VerifyServer: true, Mode: "websocket", Path: "/ws", Proxy: "http://proxy:3128",
				DecoyProxy: "https://www.example.com/", HandshakeTimeout: "5s", MaxPending: 16, MaxPeers: 32},
			Models: ConfigModels{SyncInterval: "0s"},
		}},
		{"models default interval", minimalConfig + "models: {registry: m.db, coordinator_group: fl-coord, inbox: in}\n", ConfigInfo{
			Listen:    "127.0.0.1:7000",
			Identity:  ConfigIdentity{Key: "k", Cert: "c", CA: "ca"},
			Peers:     []ConfigPeer{},
			Exit:      ConfigExit{Allow: []string{}},
			Forward:   []ConfigForward{},
			API:       ConfigAPI{Listen: config.DefaultAPIListen},
			Log:       ConfigLog{Level: "info", Format: "text"},
			Timers:    ConfigTimers{Keepalive: "10s", Reload: "10s"},
			Discovery: ConfigDiscovery{Group: "239.255.116.52:7199", Interval: "5s"},
			Healing:   ConfigHealing{Enabled: true, Period: "100ms"},
			Chaos:     ConfigChaos{Delay: "0s", Blackhole: []string{}},
			Obfs:      ConfigObfs{Jitter: "0s"},
			Camo:      ConfigCamo{HandshakeTimeout: "0s"},
			Models:    ConfigModels{Registry: "m.db", CoordinatorGroup: "fl-coord", SyncInterval: "10s", Inbox: "in"},
		}},
		{"models interval set", minimalConfig + "models: {registry: m.db, sync_interval: 2s}\n", ConfigInfo{
			Listen:    "127.0.0.1:7000",
			Identity:  ConfigIdentity{Key: "k", Cert: "c", CA: "ca"},
			Peers:     []ConfigPeer{},
			Exit:      ConfigExit{Allow: []string{}},
			Forward:   []ConfigForward{},
			API:       ConfigAPI{Listen: config.DefaultAPIListen},
			Log:       ConfigLog{Level: "info", Format: "text"},
			Timers:    ConfigTimers{Keepalive: "10s", Reload: "10s"},
			Discovery: ConfigDiscovery{Group: "239.255.116.52:7199", Interval: "5s"},
			Healing:   ConfigHealing{Enabled: true, Period: "100ms"},
			Chaos:     ConfigChaos{Delay: "0s", Blackhole: []string{}},
			Obfs:      ConfigObfs{Jitter: "0s"},
			Camo:      ConfigCamo{HandshakeTimeout: "0s"},
			Models:    ConfigModels{Registry: "m.db", SyncInterval: "2s"},
		}},
		{"full", fullConfig, ConfigInfo{
			Name:      "alpha",
			Listen:    "127.0.0.1:7000",
			Identity:  ConfigIdentity{Key: "/k/node.key", Cert: "/k/node.crt", CA: "/k/ca.crt", RevocationList: "/k/crl"},
			Peers:     []ConfigPeer{{Address: "192.0.2.10:7000", NodeID: hexA}, {Address: "[2001:db8::1]:7000"}},
			MinPeers:  3,
			SOCKS:     ConfigSOCKS{Listen: "127.0.0.1:1080", Exit: hexA},
			Exit:      ConfigExit{Allow: []string{"10.0.0.0/8:22", "0.0.0.0/0:443-444"}, ResolveNames: true},
			Forward:   []ConfigForward{{Listen: "127.0.0.1:2222", Exit: hexB, Target: "git.internal:22"}},
			API:       ConfigAPI{Listen: "127.0.0.1:7101", TokenFile: "/k/api.token"},
			Log:       ConfigLog{Level: "debug", Format: "json"},
			Timers:    ConfigTimers{Keepalive: "1.5s", Reload: "1m0s"},
			Discovery: ConfigDiscovery{LAN: true, Group: "239.255.1.2:7199", Interval: "2s"},
			Healing:   ConfigHealing{Enabled: false, Period: "250ms", Knowledge: "/var/lib/k.db", Model: "/var/lib/m.model"},
			Chaos:     ConfigChaos{Seed: 1<<64 - 1, Drop: 0.25, Delay: "20ms", Blackhole: []string{hexB}},
			Obfs:      ConfigObfs{KeyFile: "/k/obfs.key", Junk: 2, MaxPadding: 256, Jitter: "5ms"},
			Camo:      ConfigCamo{HandshakeTimeout: "0s"},
			Models:    ConfigModels{SyncInterval: "0s"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := parseConfig(t, tt.yaml)
			got := NewConfigInfo(c)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
			// The copy shares nothing with c.
			if len(c.Exit.Allow) > 0 {
				c.Exit.Allow[0] = "changed"
				c.Chaos.Blackhole[0] = "changed"
				if got.Exit.Allow[0] == "changed" || got.Chaos.Blackhole[0] == "changed" {
					t.Fatal("ConfigInfo aliases the configuration's lists")
				}
			}
			assertConfigRoundTrip(t, got)
		})
	}
}

// assertConfigRoundTrip checks that info survives JSON and that, written as YAML, it is a
// configuration file that yields info again.
func assertConfigRoundTrip(t testing.TB, info ConfigInfo) {
	t.Helper()
	j, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	var back ConfigInfo
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&back); err != nil {
		t.Fatalf("JSON %s: %v", j, err)
	}
	if !reflect.DeepEqual(back, info) {
		t.Fatalf("JSON round trip:\n got %+v\nwant %+v", back, info)
	}
	var generic any
	if err := json.Unmarshal(j, &generic); err != nil || hasNull(generic) {
		t.Fatalf("JSON has null (%v): %s", err, j)
	}
	y, err := yaml.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Parse(bytes.NewReader(y))
	if err != nil {
		t.Fatalf("YAML output is not a valid configuration: %v\n%s", err, y)
	}
	if again := NewConfigInfo(c); !reflect.DeepEqual(again, info) {
		t.Fatalf("YAML round trip:\n got %+v\nwant %+v\n%s", again, info, y)
	}
}

// hasNull reports whether a decoded JSON value holds a null anywhere.
func hasNull(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, e := range v {
			if hasNull(e) {
				return true
			}
		}
	case []any:
		return slices.ContainsFunc(v, hasNull)
	}
	return false
}

// TestConfigExampleIsAConfig checks that the documented example is a real effective configuration.
func TestConfigExampleIsAConfig(t *testing.T) {
	ex := loadDoc(t).Paths["/api/v1/config"]["get"].Responses["200"].Content["application/json"].Example
	var info ConfigInfo
	if err := json.Unmarshal(ex, &info); err != nil {
		t.Fatal(err)
	}
	assertConfigRoundTrip(t, info)
}

// fieldPaths lists the leaf fields of a struct type by their tag names ("peers[].address").
func fieldPaths(t *testing.T, typ reflect.Type, tag, prefix string, out map[string]bool) {
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get(tag), ",")
		if name == "" || name == "-" {
			t.Errorf("%s%s: no %s name", prefix, f.Name, tag)
			continue
		}
		ft := f.Type
		path := prefix + name
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			ft, path = ft.Elem(), path+"[]"
		}
		if ft.Kind() == reflect.Struct {
			fieldPaths(t, ft, tag, path+".", out)
			continue
		}
		out[path] = true
	}
}

// TestConfigInfoFields checks that ConfigInfo serves exactly the fields of config.Config, under the
// same names in JSON and YAML. A field added to config.Config fails this test until it is added to
// ConfigInfo (and NewConfigInfo) or listed in withheld with the reason, following the redaction
// policy of NewConfigInfo.
func TestConfigInfoFields(t *testing.T) {
	// withheld lists the configuration fields never served. None today: the configuration names the
	// secret files (api.token_file, identity.key) but holds no secret itself.
	withheld := map[string]string{}
	cfg, info, infoYAML := map[string]bool{}, map[string]bool{}, map[string]bool{}
	fieldPaths(t, reflect.TypeFor[config.Config](), "yaml", "", cfg)
	fieldPaths(t, reflect.TypeFor[ConfigInfo](), "json", "", info)
	fieldPaths(t, reflect.TypeFor[ConfigInfo](), "yaml", "", infoYAML)
	for p := range withheld {
		delete(cfg, p)
	}
	keys := func(m map[string]bool) []string { return slices.Sorted(mapKeys(m)) }
	if !slices.Equal(keys(cfg), keys(info)) {
		t.Errorf("config.Config fields %v\nConfigInfo JSON fields %v", keys(cfg), keys(info))
	}
	if !slices.Equal(keys(info), keys(infoYAML)) {
		t.Errorf("JSON names %v differ from YAML names %v", keys(info), keys(infoYAML))
	}
	for _, secret := range []string{"api.token_file", "identity.key", "obfs.key_file", "camo.key_file", "camo.certificate_key"} {
		if !info[secret] {
			t.Errorf("%s: the path of a secret file should be shown", secret)
		}
	}
}

// TestConfigSecretsNeverServed loads a real configuration whose token file holds the token and
// whose key file holds key-like text, and checks neither appears in any response of any route,
// with or without the token, while the paths do appear in /api/v1/config.
func TestConfigSecretsNeverServed(t *testing.T) {
	const token, keyMaterial, camoKey = "s3cret", "PRIVATE-KEY-MATERIAL-7f3a", "CAMO-KEY-MATERIAL-9c1e"
	dir := t.TempDir()
	files := map[string]string{
		"api.token": token + "\n",
		"node.key":  keyMaterial,
		"camo.key":  camoKey,
		"node.yaml": "listen: 127.0.0.1:7000\nidentity: {key: node.key, cert: node.crt, ca: ca.crt}\n" +
			"api: {listen: 0.0.0.0:7100, token_file: api.token}\nchaos: {drop: 0.5}\n" +
			"camo: {listen: 0.0.0.0:443, key_file: camo.key, server_name: www.example.com}\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(filepath.Join(dir, "node.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := os.ReadFile(cfg.API.TokenFile) // as the node does
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Token: strings.TrimSpace(string(tok)), Metrics: testMetrics(), Config: cfg}
	h := NewHandler(&docBackend{ready: true}, opt)
	var sawConfig bool
	for _, r := range (&server{opt: opt}).routeTable() {
		for _, auth := range []string{"", "Bearer " + token, "Bearer wrong"} {
			for _, method := range []string{r.method, http.MethodHead, http.MethodDelete} {
				body := ""
				if r.path == "/api/v1/ping" {
					body = `{"peer":"beta","count":1}`
				}
				req := httptest.NewRequest(method, r.path, strings.NewReader(body))
				if auth != "" {
					req.Header.Set("Authorization", auth)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				var all bytes.Buffer
				_ = rec.Header().Write(&all)
				all.Write(rec.Body.Bytes())
				for _, secret := range []string{token, keyMaterial, camoKey} {
					if bytes.Contains(all.Bytes(), []byte(secret)) {
						t.Errorf("%s %s (%q): response contains %q:\n%s", method, r.path, auth, secret, all.Bytes())
					}
				}
				if r.path == "/api/v1/config" && method == http.MethodGet && rec.Code == http.StatusOK {
					sawConfig = true
					var got ConfigInfo
					if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
						t.Fatal(err)
					}
					if got.API.TokenFile != filepath.Join(dir, "api.token") || got.Identity.Key != filepath.Join(dir, "node.key") {
						t.Errorf("paths not shown: %+v %+v", got.API, got.Identity)
					}
					if got.Camo.KeyFile != filepath.Join(dir, "camo.key") {
						t.Errorf("camo key path not shown: %+v", got.Camo)
					}
					if !got.Chaos.On() || got.Chaos.Drop != 0.5 {
						t.Errorf("chaos not shown: %+v", got.Chaos)
					}
				}
			}
		}
	}
	if !sawConfig {
		t.Fatal("GET /api/v1/config never answered 200")
	}
}

func TestConfigEndpoint(t *testing.T) {
	cfg := docConfig(t)
	tests := []struct {
		name   string
		opt    Options
		method string
		auth   string
		status int
		want   string // substring of the body
	}{
		{"served", Options{Config: cfg}, "GET", "", 200, `"token_file": "/k/api.token"`},
		{"durations as strings", Options{Config: cfg}, "GET", "", 200, `"keepalive": "1.5s"`},
		{"head", Options{Config: cfg}, "HEAD", "", 200, ""},
		{"with token", Options{Config: cfg, Token: "t"}, "GET", "Bearer t", 200, `"min_peers": 3`},
		{"without token", Options{Config: cfg, Token: "t"}, "GET", "", 401, `"error"`},
		{"not configured", Options{}, "GET", "", 404, "not started from a configuration file"},
		{"wrong method", Options{Config: cfg}, "PUT", "", 405, "use GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "/api/v1/config", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			NewHandler(&docBackend{}, tt.opt).ServeHTTP(rec, req)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
				t.Fatalf("status %d body %s, want %d with %q", rec.Code, rec.Body, tt.status, tt.want)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("content type %q", ct)
			}
		})
	}
}

// TestConfigSnapshot checks the handler serves the configuration as it was when NewHandler was
// called, so a caller changing its Config later cannot race with requests.
func TestConfigSnapshot(t *testing.T) {
	cfg := docConfig(t)
	h := NewHandler(&docBackend{}, Options{Config: cfg})
	cfg.Name = "changed"
	cfg.Peers[0].Address = "changed"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/config", nil))
	if strings.Contains(rec.Body.String(), "changed") {
		t.Fatalf("served a later change: %s", rec.Body)
	}
}

func TestClientConfig(t *testing.T) {
	cfg := docConfig(t)
	on := httptest.NewServer(NewHandler(&docBackend{}, Options{Config: cfg, Token: "tok"}))
	defer on.Close()
	off := httptest.NewServer(NewHandler(&docBackend{}, Options{}))
	defer off.Close()
	got, err := (&Client{Base: on.URL, Token: "tok"}).Config(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := NewConfigInfo(cfg); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	tests := []struct {
		name string
		c    *Client
		want string
	}{
		{"no token", &Client{Base: on.URL}, "(401)"},
		{"not configured", &Client{Base: off.URL}, "(404)"},
	}
	for _, tt := range tests {
		if _, err := tt.c.Config(context.Background()); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
	if !errors.Is(ErrNoConfig, ErrNotFound) {
		t.Error("ErrNoConfig does not match ErrNotFound")
	}
}

func TestConfigChaosOn(t *testing.T) {
	tests := []struct {
		c    ConfigChaos
		want bool
	}{
		{ConfigChaos{Delay: "0s"}, false},
		{ConfigChaos{Delay: "0s", Seed: 7}, false},
		{ConfigChaos{Delay: ""}, false},
		{ConfigChaos{Delay: "1ms"}, true},
		{ConfigChaos{Delay: "0s", Drop: 0.1}, true},
		{ConfigChaos{Delay: "0s", Blackhole: []string{hexA}}, true},
	}
	for _, tt := range tests {
		if got := tt.c.On(); got != tt.want {
			t.Errorf("%+v.On() = %v, want %v", tt.c, got, tt.want)
		}
	}
	// It agrees with config.Chaos.On.
	for _, y := range []string{minimalConfig, fullConfig, minimalConfig + "chaos: {delay: 5ms}\n", minimalConfig + "chaos: {seed: 3}\n"} {
		c := parseConfig(t, y)
		if got, want := NewConfigInfo(c).Chaos.On(), c.Chaos.On(); got != want {
			t.Errorf("%q: On() = %v, config says %v", y, got, want)
		}
	}
}

// FuzzConfigInfo feeds configuration files to config.Parse and checks that every accepted one
// yields a ConfigInfo with no null list that survives JSON, and whose YAML is a configuration file
// yielding the same ConfigInfo.
func FuzzConfigInfo(f *testing.F) {
	f.Add([]byte(minimalConfig))
	f.Add([]byte(fullConfig))
	f.Add([]byte(minimalConfig + "name: \"tab\\there \\u00e9\"\nchaos: {drop: 1e-9, delay: 10s, seed: 1}\n"))
	f.Add([]byte(minimalConfig + "api: {listen: \"off\"}\nhealing: {enabled: true, period: 1m}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := config.Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		info := NewConfigInfo(c)
		assertConfigRoundTrip(t, info)
		y, err := yaml.Marshal(info)
		if err != nil {
			t.Fatal(err)
		}
		if len(y) > 4*len(data)+4096 {
			t.Fatalf("%d bytes of YAML from a %d-byte file", len(y), len(data))
		}
	})
}

// BenchmarkConfigEndpoint measures GET /api/v1/config with the full test configuration.
func BenchmarkConfigEndpoint(b *testing.B) {
	h := NewHandler(&docBackend{}, Options{Config: docConfig(b), Token: "tok"})
	req := httptest.NewRequest("GET", "/api/v1/config", nil)
	req.Header.Set("Authorization", "Bearer tok")
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}
