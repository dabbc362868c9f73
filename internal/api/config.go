package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/config"
)

// ErrNoConfig is the error of GET /api/v1/config (404) when the handler was given no configuration,
// as for the in-process demos, which are not started from a configuration file.
var ErrNoConfig = fmt.Errorf("%w: this node was not started from a configuration file", ErrNotFound)

// ConfigInfo is a node's effective configuration, as served at GET /api/v1/config: the
// configuration file after defaults, under the file's field names. Durations are Go duration
// strings such as "100ms", relative paths are resolved against the file's directory, and lists are
// never null. Encoded as YAML it is a configuration file that yields the same ConfigInfo.
//
// NewConfigInfo builds it; see there for what is redacted.
type ConfigInfo struct {
	Name      string          `json:"name" yaml:"name"`
	Listen    string          `json:"listen" yaml:"listen"`
	Identity  ConfigIdentity  `json:"identity" yaml:"identity"`
	Peers     []ConfigPeer    `json:"peers" yaml:"peers"`
	MinPeers  int             `json:"min_peers" yaml:"min_peers"`
	SOCKS     ConfigSOCKS     `json:"socks" yaml:"socks"`
	Exit      ConfigExit      `json:"exit" yaml:"exit"`
	Forward   []ConfigForward `json:"forward" yaml:"forward"`
	API       ConfigAPI       `json:"api" yaml:"api"`
	Log       ConfigLog       `json:"log" yaml:"log"`
	Timers    ConfigTimers    `json:"timers" yaml:"timers"`
	Discovery ConfigDiscovery `json:"discovery" yaml:"discovery"`
	Healing   ConfigHealing   `json:"healing" yaml:"healing"`
	Chaos     ConfigChaos     `json:"chaos" yaml:"chaos"`
	Obfs      ConfigObfs      `json:"obfs" yaml:"obfs"`
	Camo      ConfigCamo      `json:"camo" yaml:"camo"`
	Models    ConfigModels    `json:"models" yaml:"models"`
}

// ConfigIdentity is the identity section: paths of the node's key, certificate, network CA and
// revocation list. The files are never read by the API.
type ConfigIdentity struct {
	Key            string `json:"key" yaml:"key"`
	Cert           string `json:"cert" yaml:"cert"`
	CA             string `json:"ca" yaml:"ca"`
	RevocationList string `json:"revocation_list" yaml:"revocation_list"`
}

// ConfigPeer is one static peer.
type ConfigPeer struct {
	Address string `json:"address" yaml:"address"`
	NodeID  string `json:"node_id" yaml:"node_id"`
}

// ConfigSOCKS is the socks section.
type ConfigSOCKS struct {
	Listen string `json:"listen" yaml:"listen"`
	Exit   string `json:"exit" yaml:"exit"`
}

// ConfigExit is the exit section.
type ConfigExit struct {
	Allow        []string `json:"allow" yaml:"allow"`
	ResolveNames bool     `json:"resolve_names" yaml:"resolve_names"`
}

// ConfigForward is one forward entry.
type ConfigForward struct {
	Listen string `json:"listen" yaml:"listen"`
	Exit   string `json:"exit" yaml:"exit"`
	Target string `json:"target" yaml:"target"`
}

// ConfigAPI is the api section. TokenFile is the path of the token file, never its contents.
type ConfigAPI struct {
	Listen    string `json:"listen" yaml:"listen"`
	TokenFile string `json:"token_file" yaml:"token_file"`
}

// ConfigLog is the log section.
type ConfigLog struct {
	Level  string `json:"level" yaml:"level"`
	Format string `json:"format" yaml:"format"`
}

// ConfigTimers is the timers section, durations as Go duration strings.
type ConfigTimers struct {
	Keepalive string `json:"keepalive" yaml:"keepalive"`
	Reload    string `json:"reload" yaml:"reload"`
}

// ConfigDiscovery is the discovery section.
type ConfigDiscovery struct {
	LAN      bool   `json:"lan" yaml:"lan"`
	Group    string `json:"group" yaml:"group"`
	Interval string `json:"interval" yaml:"interval"`
}

// ConfigHealing is the healing section, with enabled resolved to true or false.
type ConfigHealing struct {
	Enabled   bool   `json:"enabled" yaml:"enabled"`
	Period    string `json:"period" yaml:"period"`
	Knowledge string `json:"knowledge" yaml:"knowledge"`
	Model     string `json:"model" yaml:"model"`
}

// ConfigObfs is the obfs section. KeyFile is the path of the obfuscation key, never the key;
// Shape is resolved to true or false.
type ConfigObfs struct {
	KeyFile    string `json:"key_file" yaml:"key_file"`
	Shape      bool   `json:"shape" yaml:"shape"`
	Junk       int    `json:"junk" yaml:"junk"`
	MaxPadding int    `json:"max_padding" yaml:"max_padding"`
	Jitter     string `json:"jitter" yaml:"jitter"`
}

// ConfigModels is the models section, with sync_interval resolved to its default ("0s" when the
// section is off).
type ConfigModels struct {
	Registry         string `json:"registry" yaml:"registry"`
	CoordinatorGroup string `json:"coordinator_group" yaml:"coordinator_group"`
	SyncInterval     string `json:"sync_interval" yaml:"sync_interval"`
	Inbox            string `json:"inbox" yaml:"inbox"`
}

// ConfigCamo is the camo section. KeyFile, Certificate and CertificateKey are paths, never the
// key material; Mode and Path are resolved ("tls", "/") when the section is on, empty otherwise.
type ConfigCamo struct {
	Listen           string `json:"listen" yaml:"listen"`
	KeyFile          string `json:"key_file" yaml:"key_file"`
	ServerName       string `json:"server_name" yaml:"server_name"`
	Certificate      string `json:"certificate" yaml:"certificate"`
	CertificateKey   string `json:"certificate_key" yaml:"certificate_key"`
	VerifyServer     bool   `json:"verify_server" yaml:"verify_server"`
	Mode             string `json:"mode" yaml:"mode"`
	Path             string `json:"path" yaml:"path"`
	Proxy            string `json:"proxy" yaml:"proxy"`
	DecoyPage        string `json:"decoy_page" yaml:"decoy_page"`
	DecoyProxy       string `json:"decoy_proxy" yaml:"decoy_proxy"`
	HandshakeTimeout string `json:"handshake_timeout" yaml:"handshake_timeout"`
	MaxPending       int    `json:"max_pending" yaml:"max_pending"`
	MaxPeers         int    `json:"max_peers" yaml:"max_peers"`
}

// ConfigChaos is the chaos section: the faults injected on the node's own transport. It is always
// shown, so that an operator sees when faults are being injected.
type ConfigChaos struct {
	Seed      uint64   `json:"seed" yaml:"seed"`
	Drop      float64  `json:"drop" yaml:"drop"`
	Delay     string   `json:"delay" yaml:"delay"`
	Blackhole []string `json:"blackhole" yaml:"blackhole"`
}

// On reports whether any fault is configured, as config.Chaos.On does.
func (c ConfigChaos) On() bool {
	d, _ := time.ParseDuration(c.Delay)
	return c.Drop > 0 || d > 0 || len(c.Blackhole) > 0
}

// NewConfigInfo returns the effective configuration c as the API serves it. c must come from
// config.Load or config.Parse, which fill in the defaults.
//
// Redaction. NewConfigInfo copies c field by field, so nothing reaches the API by accident: a field
// added to config.Config is not served until it is added here, and the tests fail until it is
// either added or explicitly withheld. The configuration itself holds no secret; a node's secrets
// are in the files it names, and those files are never opened here:
//   - api.token_file: the bearer token that guards this API. The path is served, the token never.
//   - identity.key: the node's private signing and KEM keys. The path is served, key material never.
//   - obfs.key_file: the network's obfuscation key. The path is served, the key never.
//   - camo.key_file, camo.certificate_key: the network's camouflage key and the TLS private key.
//     The paths are served, the keys never. camo.proxy and camo.decoy_proxy cannot hold
//     credentials (config refuses them).
//
// The paths are served because an operator needs them to check a deployment. Everything else is
// served as is, in particular the chaos section.
func NewConfigInfo(c *config.Config) ConfigInfo {
	info := ConfigInfo{
		Name:   c.Name,
		Listen: c.Listen,
		Identity: ConfigIdentity{
			Key: c.Identity.Key, Cert: c.Identity.Cert, CA: c.Identity.CA, RevocationList: c.Identity.RevocationList,
		},
		Peers:     make([]ConfigPeer, 0, len(c.Peers)),
		MinPeers:  c.MinPeers,
		SOCKS:     ConfigSOCKS{Listen: c.SOCKS.Listen, Exit: c.SOCKS.Exit},
		Exit:      ConfigExit{Allow: nonNil(c.Exit.Allow), ResolveNames: c.Exit.ResolveNames},
		Forward:   make([]ConfigForward, 0, len(c.Forward)),
		API:       ConfigAPI{Listen: c.API.Listen, TokenFile: c.API.TokenFile},
		Log:       ConfigLog{Level: c.Log.Level, Format: c.Log.Format},
		Timers:    ConfigTimers{Keepalive: durationString(c.Timers.Keepalive), Reload: durationString(c.Timers.Reload)},
		Discovery: ConfigDiscovery{LAN: c.Discovery.LAN, Group: c.Discovery.Group, Interval: durationString(c.Discovery.Interval)},
		Healing: ConfigHealing{
			Enabled: c.Healing.On(), Period: durationString(c.Healing.Period), Knowledge: c.Healing.Knowledge,
			Model: c.Healing.Model,
		},
		Chaos: ConfigChaos{
			Seed: c.Chaos.Seed, Drop: c.Chaos.Drop, Delay: durationString(c.Chaos.Delay), Blackhole: nonNil(c.Chaos.Blackhole),
		},
		Obfs: ConfigObfs{
			KeyFile: c.Obfs.KeyFile, Shape: c.Obfs.On() && (c.Obfs.Shape == nil || *c.Obfs.Shape), Junk: c.Obfs.Junk,
			MaxPadding: c.Obfs.MaxPadding, Jitter: durationString(c.Obfs.Jitter),
		},
		Camo:   newConfigCamo(c.Camo),
		Models: newConfigModels(c.Models),
	}
	for _, p := range c.Peers {
		info.Peers = append(info.Peers, ConfigPeer{Address: p.Address, NodeID: p.NodeID})
	}
	for _, f := range c.Forward {
		info.Forward = append(info.Forward, ConfigForward{Listen: f.Listen, Exit: f.Exit, Target: f.Target})
	}
	return info
}

func durationString(d config.Duration) string { return time.Duration(d).String() }

// nonNil returns a copy of s, empty rather than nil.
func nonNil(s []string) []string { return append(make([]string, 0, len(s)), s...) }

func (s *server) config(w http.ResponseWriter, r *http.Request) {
	if s.conf == nil {
		s.fail(w, r, http.StatusNotFound, ErrNoConfig)
		return
	}
	writeJSON(w, http.StatusOK, s.conf)
}

// Config fetches /api/v1/config, the node's effective configuration.
func (c *Client) Config(ctx context.Context) (ConfigInfo, error) {
	var info ConfigInfo
	return info, c.do(ctx, http.MethodGet, "/api/v1/config", nil, &info)
}

// newConfigCamo copies the camo section, resolving mode and path when it is on ("0s" and 0 for the
// limits mean the transport's defaults).
func newConfigCamo(s config.Camo) ConfigCamo {
	cc := ConfigCamo{
		Listen: s.Listen, KeyFile: s.KeyFile, ServerName: s.ServerName, Certificate: s.Certificate,
		CertificateKey: s.CertificateKey, VerifyServer: s.VerifyServer, Mode: s.Mode, Path: s.Path,
		Proxy: s.Proxy, DecoyPage: s.DecoyPage, DecoyProxy: s.DecoyProxy, HandshakeTimeout: durationString(s.HandshakeTimeout),
		MaxPending: s.MaxPending, MaxPeers: s.MaxPeers,
	}
	if s.On() {
		cc.Mode = s.ModeName()
		if cc.Path == "" {
			cc.Path = "/"
		}
	}
	return cc
}

// newConfigModels copies the models section, resolving sync_interval when it is on.
func newConfigModels(m config.Models) ConfigModels {
	cm := ConfigModels{Registry: m.Registry, CoordinatorGroup: m.CoordinatorGroup, SyncInterval: "0s", Inbox: m.Inbox}
	if m.On() {
		cm.SyncInterval = m.Interval().String()
	}
	return cm
}
