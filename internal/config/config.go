// Package config reads and validates a node's YAML configuration file.
//
// Decoding is strict: unknown fields, duplicate keys and files larger than MaxFileSize are refused.
// Validation reports every problem at once, each as a *FieldError naming the field by its YAML path
// (for example "peers[1].address") and what is wrong with it.
//
// A node that offers its SOCKS5 proxy and one forwarded TCP port, both leaving the mesh at other
// nodes, might be configured as:
//
//	listen: 0.0.0.0:7000
//	identity: {key: node.key, cert: node.crt, ca: ca.crt}
//	peers:
//	  - address: 192.0.2.10:7000
//	socks: {listen: 127.0.0.1:1080, exit: <exit node ID, 64 hex characters>}
//	forward:
//	  - listen: 127.0.0.1:2222
//	    exit: <exit node ID>
//	    target: git.internal:22
//
// Each forward entry accepts TCP connections on listen and carries each over a mesh stream to the
// exit node, which connects to target if its exit.allow policy allows it.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/x0tta6bl4/x0tta6bl4/internal/discovery"
)

// Limits and defaults.
const (
	// MaxFileSize bounds the size of a configuration file.
	MaxFileSize = 1 << 20
	// MaxPeers bounds the number of static peers.
	MaxPeers = 1024
	// MaxForwards bounds the number of forward entries (each holds a listening socket).
	MaxForwards = 64
	// MaxTargetHostLen is the longest forward target host, the SOCKS5 and exit request limit.
	MaxTargetHostLen = 255
	// DefaultAPIListen is the local HTTP endpoint when none is configured.
	DefaultAPIListen = "127.0.0.1:7100"
	// DefaultKeepalive is the keepalive interval on idle sessions (WireGuard's persistent keepalive
	// default of 10 s suits NAT bindings and lets a peer notice a restart quickly).
	DefaultKeepalive = 10 * time.Second
	// DefaultReloadInterval is how often the revocation list file is checked for changes.
	DefaultReloadInterval = 10 * time.Second
	// MinInterval is the smallest accepted value of any configured interval.
	MinInterval = 100 * time.Millisecond
	// DefaultHealingPeriod is how often the self-healing loop runs when healing.period is not set
	// (internal/heal.DefaultPeriod).
	DefaultHealingPeriod = 100 * time.Millisecond
	// MinHealingPeriod and MaxHealingPeriod bound healing.period (within internal/heal's bounds).
	MinHealingPeriod, MaxHealingPeriod = 10 * time.Millisecond, time.Minute
	// MaxChaosDelay bounds chaos.delay (internal/transport/fault.MaxDelay).
	MaxChaosDelay = 10 * time.Second
)

// Errors returned by this package; test with errors.Is.
var (
	// ErrInvalid wraps every validation failure.
	ErrInvalid = errors.New("invalid configuration")
	// ErrTooLarge reports a configuration file larger than MaxFileSize.
	ErrTooLarge = errors.New("configuration file too large")
	// ErrSyntax reports YAML that does not decode into the configuration schema.
	ErrSyntax = errors.New("configuration syntax error")
)

// Config is a node's configuration.
type Config struct {
	// Name is a human-readable label for logs; the certificate's name is authoritative.
	Name string `yaml:"name"`
	// Listen is the UDP address the node's transport binds, host:port.
	Listen string `yaml:"listen"`
	// Identity names the node's key, certificate and network CA files.
	Identity Identity `yaml:"identity"`
	// Peers are the static peers the node connects to.
	Peers []Peer `yaml:"peers"`
	// MinPeers is the number of connected peers below which the node dials spare peers that its
	// peers told it about; 0 takes the node's default (2), -1 never dials spares.
	MinPeers int `yaml:"min_peers"`
	// SOCKS, when its listen address is set, runs a SOCKS5 proxy whose connections exit at a node.
	SOCKS SOCKS `yaml:"socks"`
	// Exit, when it allows any destination, lets other nodes' SOCKS5 connections exit here.
	Exit Exit `yaml:"exit"`
	// Forward lists local TCP ports forwarded through the mesh, each to a target dialed by an exit
	// node.
	Forward []Forward `yaml:"forward"`
	// API configures the local HTTP endpoint.
	API API `yaml:"api"`
	// Log configures structured logging.
	Log Log `yaml:"log"`
	// Timers overrides protocol timers; zero values take the defaults.
	Timers Timers `yaml:"timers"`
	// Discovery configures optional LAN discovery (off by default).
	Discovery Discovery `yaml:"discovery"`
	// Healing configures the self-healing MAPE-K loop (on by default).
	Healing Healing `yaml:"healing"`
	// Chaos injects faults on the node's own transport, for testing self-healing (off unless set).
	Chaos Chaos `yaml:"chaos"`
	// Obfs obfuscates the node's UDP traffic (off unless a key is set).
	Obfs Obfs `yaml:"obfs"`
	// Camo carries the node's datagrams over TLS camouflage instead of UDP (off unless set).
	Camo Camo `yaml:"camo"`
	// Models keeps signed model versions and syncs them over the mesh (off unless a registry is set).
	Models Models `yaml:"models"`
}

// Healing configures the node's self-healing loop (internal/heal over internal/mapek).
type Healing struct {
	// Enabled runs the loop; absent means true (Parse sets it).
	Enabled *bool `yaml:"enabled"`
	// Period is how often the loop runs (DefaultHealingPeriod).
	Period Duration `yaml:"period"`
	// Knowledge is the bbolt file that keeps incidents, actions, baselines and the audit log across
	// restarts; empty keeps them in memory only. A relative path is resolved against the
	// configuration file's directory.
	Knowledge string `yaml:"knowledge"`
	// Model is a GraphSAGE anomaly-detector file (internal/anomaly/meshdetect, written by
	// `x0tta6bl4 bench anomaly --out`) that Analyze consults before its rules; empty runs the
	// rules alone. A relative path is resolved against the configuration file's directory.
	Model string `yaml:"model"`
}

// On reports whether the loop runs: Enabled is absent or true.
func (h Healing) On() bool { return h.Enabled == nil || *h.Enabled }

// Chaos injects faults on the node's own transport (internal/transport/fault), so that
// self-healing can be exercised on a real deployment. Every field off means no fault.
type Chaos struct {
	// Seed seeds the random drops, so that a run can be repeated.
	Seed uint64 `yaml:"seed"`
	// Drop is the probability, 0 to 1, that a datagram to or from any address is dropped.
	Drop float64 `yaml:"drop"`
	// Delay holds every datagram the node sends for this long (at most MaxChaosDelay).
	Delay Duration `yaml:"delay"`
	// Blackhole lists node IDs (64 hexadecimal characters) whose traffic is dropped, both ways,
	// from their first completed handshake on.
	Blackhole []string `yaml:"blackhole"`
}

// On reports whether any fault is configured.
func (c Chaos) On() bool { return c.Drop > 0 || c.Delay > 0 || len(c.Blackhole) > 0 }

// Discovery configures LAN discovery: multicast beacons that let nodes of the same network on one
// segment find each other without static peers (internal/discovery, docs/discovery.md).
type Discovery struct {
	// LAN turns discovery on; it is off by default.
	LAN bool `yaml:"lan"`
	// Group is the IPv4 multicast group and UDP port of the beacons (discovery.DefaultGroup).
	Group string `yaml:"group"`
	// Interval is the beacon period (discovery.DefaultInterval), within discovery.MinInterval and
	// discovery.MaxInterval.
	Interval Duration `yaml:"interval"`
}

// Identity names the files that make up a node's membership of the network. Relative paths are
// resolved against the directory of the configuration file.
type Identity struct {
	Key            string `yaml:"key"`
	Cert           string `yaml:"cert"`
	CA             string `yaml:"ca"`
	RevocationList string `yaml:"revocation_list"`
}

// Peer is a static peer.
type Peer struct {
	// Address is the peer's transport address, host:port with a literal IP.
	Address string `yaml:"address"`
	// NodeID optionally pins the peer's node ID (64 hex characters).
	NodeID string `yaml:"node_id"`
}

// SOCKS configures the node's SOCKS5 proxy.
type SOCKS struct {
	// Listen is the TCP address of the proxy, such as 127.0.0.1:1080.
	Listen string `yaml:"listen"`
	// Exit is the node ID (64 hex characters) where proxied connections leave the mesh.
	Exit string `yaml:"exit"`
}

// Forward forwards the TCP connections accepted on Listen, each over a mesh stream to the node Exit,
// which connects to Target subject to its exit.allow policy.
type Forward struct {
	// Listen is the local TCP address, host:port, such as 127.0.0.1:2222.
	Listen string `yaml:"listen"`
	// Exit is the node ID (64 hexadecimal characters) of the node that connects to Target.
	Exit string `yaml:"exit"`
	// Target is the destination host:port as seen from Exit, such as 10.0.0.5:22 or db.lan:5432.
	Target string `yaml:"target"`
}

// Exit configures what this node lets proxied connections reach. Nothing is allowed by default.
type Exit struct {
	// Allow lists destinations as PREFIX:PORT or PREFIX:FIRST-LAST, such as 127.0.0.1/32:8080 or
	// 0.0.0.0/0:443.
	Allow []string `yaml:"allow"`
	// ResolveNames lets the exit resolve host names; their addresses must still be allowed.
	ResolveNames bool `yaml:"resolve_names"`
}

// ExitRule is one parsed Exit.Allow entry.
type ExitRule struct {
	Prefix              netip.Prefix
	FirstPort, LastPort uint16
}

// ParseExitRule parses PREFIX:PORT or PREFIX:FIRST-LAST (IPv6 prefixes in brackets are not needed:
// the port follows the last colon).
func ParseExitRule(s string) (ExitRule, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return ExitRule{}, fmt.Errorf("%q is not PREFIX:PORT or PREFIX:FIRST-LAST", s)
	}
	prefix, err := netip.ParsePrefix(s[:i])
	if err != nil {
		return ExitRule{}, fmt.Errorf("%q: %v", s, err)
	}
	first, last, ok := strings.Cut(s[i+1:], "-")
	if !ok {
		last = first
	}
	fp, err1 := strconv.ParseUint(first, 10, 16)
	lp, err2 := strconv.ParseUint(last, 10, 16)
	if err1 != nil || err2 != nil || fp == 0 || lp < fp {
		return ExitRule{}, fmt.Errorf("%q: ports must be 1..65535, first <= last", s)
	}
	return ExitRule{Prefix: prefix.Masked(), FirstPort: uint16(fp), LastPort: uint16(lp)}, nil
}

// API configures the node's local HTTP endpoint.
type API struct {
	// Listen is host:port; empty means DefaultAPIListen, "off" disables the endpoint.
	Listen string `yaml:"listen"`
	// TokenFile holds a bearer token; required when Listen is not a loopback address.
	TokenFile string `yaml:"token_file"`
}

// Log configures log/slog output.
type Log struct {
	// Level is debug, info, warn or error (default info).
	Level string `yaml:"level"`
	// Format is text or json (default text).
	Format string `yaml:"format"`
}

// Timers overrides protocol timers.
type Timers struct {
	// Keepalive is the interval of keepalives on idle sessions.
	Keepalive Duration `yaml:"keepalive"`
	// Reload is how often the revocation list is checked for changes.
	Reload Duration `yaml:"reload"`
}

// Duration is a time.Duration that decodes from YAML strings such as "250ms" or "10s".
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 500ms or 10s", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// FieldError is one validation problem.
type FieldError struct {
	// Field is the YAML path of the field, such as "peers[0].address".
	Field string
	// Problem says what is wrong.
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// Unwrap makes every FieldError match ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// Load reads, decodes and validates the configuration file at path, resolving relative file names
// against the file's directory.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	c, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	c.resolve(filepath.Dir(path))
	return c, nil
}

// Parse decodes and validates a configuration from r, reading at most MaxFileSize bytes.
func Parse(r io.Reader) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxFileSize)
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: more than one YAML document", ErrSyntax)
	}
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) applyDefaults() {
	if c.API.Listen == "" {
		c.API.Listen = DefaultAPIListen
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	if c.Timers.Keepalive == 0 {
		c.Timers.Keepalive = Duration(DefaultKeepalive)
	}
	if c.Timers.Reload == 0 {
		c.Timers.Reload = Duration(DefaultReloadInterval)
	}
	if c.Discovery.Group == "" {
		c.Discovery.Group = discovery.DefaultGroup
	}
	if c.Discovery.Interval == 0 {
		c.Discovery.Interval = Duration(discovery.DefaultInterval)
	}
	if c.Healing.Enabled == nil {
		on := true
		c.Healing.Enabled = &on
	}
	if c.Healing.Period == 0 {
		c.Healing.Period = Duration(DefaultHealingPeriod)
	}
}

func (c *Config) resolve(dir string) {
	for _, p := range []*string{&c.Identity.Key, &c.Identity.Cert, &c.Identity.CA, &c.Identity.RevocationList, &c.API.TokenFile, &c.Healing.Knowledge, &c.Healing.Model, &c.Obfs.KeyFile, &c.Camo.KeyFile, &c.Camo.Certificate, &c.Camo.CertificateKey, &c.Camo.DecoyPage, &c.Models.Registry, &c.Models.Inbox} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}

// Validate checks every field and returns all problems joined, each a *FieldError.
func (c *Config) Validate() error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if len(c.Name) > 64 {
		add("name", "longer than 64 characters")
	}
	if c.Listen == "" {
		add("listen", "required: the UDP address to bind, such as 127.0.0.1:7000")
	} else if _, err := netip.ParseAddrPort(c.Listen); err != nil {
		add("listen", "%q is not IP:port (%v)", c.Listen, err)
	}
	for field, v := range map[string]string{"identity.key": c.Identity.Key, "identity.cert": c.Identity.Cert, "identity.ca": c.Identity.CA} {
		if v == "" {
			add(field, "required: path to the file")
		}
	}
	if c.MinPeers < -1 || c.MinPeers > MaxPeers {
		add("min_peers", "%d is outside -1..%d", c.MinPeers, MaxPeers)
	}
	if len(c.Peers) > MaxPeers {
		add("peers", "%d peers, at most %d allowed", len(c.Peers), MaxPeers)
	}
	seen := map[string]int{}
	for i, p := range c.Peers {
		field := fmt.Sprintf("peers[%d]", i)
		ap, err := netip.ParseAddrPort(p.Address)
		switch {
		case p.Address == "":
			add(field+".address", "required")
		case err != nil:
			add(field+".address", "%q is not IP:port (%v)", p.Address, err)
		case ap.Port() == 0:
			add(field+".address", "port 0 is not a peer port")
		}
		if j, dup := seen[p.Address]; dup && p.Address != "" {
			add(field+".address", "duplicate of peers[%d]", j)
		}
		seen[p.Address] = i
		if p.NodeID != "" && !isHex(p.NodeID, 64) {
			add(field+".node_id", "must be 64 hexadecimal characters")
		}
	}
	if c.SOCKS.Listen != "" {
		if _, err := netip.ParseAddrPort(c.SOCKS.Listen); err != nil {
			add("socks.listen", "%q is not IP:port (%v)", c.SOCKS.Listen, err)
		}
		if !isHex(c.SOCKS.Exit, 64) {
			add("socks.exit", "must be the exit node's ID, 64 hexadecimal characters")
		}
	} else if c.SOCKS.Exit != "" {
		add("socks.listen", "required when socks.exit is set")
	}
	for i, a := range c.Exit.Allow {
		if _, err := ParseExitRule(a); err != nil {
			add(fmt.Sprintf("exit.allow[%d]", i), "%v", err)
		}
	}
	c.validateForwards(add)
	c.validateDiscovery(add)
	if c.API.Listen != "off" {
		ap, err := netip.ParseAddrPort(c.API.Listen)
		if err != nil {
			add("api.listen", "%q is not IP:port or \"off\" (%v)", c.API.Listen, err)
		} else if !ap.Addr().IsLoopback() && c.API.TokenFile == "" {
			add("api.token_file", "required when api.listen (%s) is not a loopback address", c.API.Listen)
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		add("log.format", "%q is not text or json", c.Log.Format)
	}
	if d := time.Duration(c.Timers.Keepalive); d < MinInterval {
		add("timers.keepalive", "%v is below the minimum %v", d, MinInterval)
	}
	if d := time.Duration(c.Timers.Reload); d < MinInterval {
		add("timers.reload", "%v is below the minimum %v", d, MinInterval)
	}
	c.validateHealing(add)
	c.validateObfs(add)
	c.validateCamo(add)
	c.validateModels(add)
	if len(errs) == 0 {
		return nil
	}
	sortErrors(errs)
	return errors.Join(errs...)
}

// validateForwards checks the forward entries: each listen address is host:port and used once (also
// not by socks.listen or api.listen), each exit a node ID, each target host:port.
func (c *Config) validateForwards(add func(field, format string, args ...any)) {
	if len(c.Forward) > MaxForwards {
		add("forward", "%d entries, at most %d allowed", len(c.Forward), MaxForwards)
	}
	taken := map[string]string{}
	for _, l := range [...]struct{ field, addr string }{{"api.listen", c.API.Listen}, {"socks.listen", c.SOCKS.Listen}} {
		if k, err := hostPortKey(l.addr); err == nil {
			taken[k] = l.field
		}
	}
	for i, f := range c.Forward {
		field := fmt.Sprintf("forward[%d]", i)
		if k, err := hostPortKey(f.Listen); err != nil {
			add(field+".listen", "%q is not host:port (%v)", f.Listen, err)
		} else if prev, dup := taken[k]; dup {
			add(field+".listen", "%s is already used by %s", f.Listen, prev)
		} else {
			taken[k] = field + ".listen"
		}
		if !isHex(f.Exit, 64) {
			add(field+".exit", "must be the exit node's ID, 64 hexadecimal characters")
		}
		if _, err := hostPortKey(f.Target); err != nil {
			add(field+".target", "%q is not host:port (%v)", f.Target, err)
		}
	}
}

// validateHealing checks the healing and chaos sections.
func (c *Config) validateHealing(add func(field, format string, args ...any)) {
	if d := time.Duration(c.Healing.Period); d < MinHealingPeriod || d > MaxHealingPeriod {
		add("healing.period", "%v is outside %v..%v", d, MinHealingPeriod, MaxHealingPeriod)
	}
	if strings.ContainsRune(c.Healing.Knowledge, 0) {
		add("healing.knowledge", "contains a NUL byte")
	}
	if strings.ContainsRune(c.Healing.Model, 0) {
		add("healing.model", "contains a NUL byte")
	}
	if !(c.Chaos.Drop >= 0 && c.Chaos.Drop <= 1) {
		add("chaos.drop", "%v is not a probability in 0..1", c.Chaos.Drop)
	}
	if d := time.Duration(c.Chaos.Delay); d < 0 || d > MaxChaosDelay {
		add("chaos.delay", "%v is outside 0..%v", d, MaxChaosDelay)
	}
	if len(c.Chaos.Blackhole) > MaxPeers {
		add("chaos.blackhole", "%d entries, at most %d allowed", len(c.Chaos.Blackhole), MaxPeers)
	}
	seen := map[string]int{}
	for i, id := range c.Chaos.Blackhole {
		field := fmt.Sprintf("chaos.blackhole[%d]", i)
		if !isHex(id, 64) {
			add(field, "must be a node ID, 64 hexadecimal characters")
			continue
		}
		if j, dup := seen[strings.ToLower(id)]; dup {
			add(field, "duplicate of chaos.blackhole[%d]", j)
		}
		seen[strings.ToLower(id)] = i
	}
}

// validateDiscovery checks the discovery section: an IPv4 multicast group and port that is not the
// transport's port when discovery is on, and an interval within the discovery package's bounds.
func (c *Config) validateDiscovery(add func(field, format string, args ...any)) {
	g, err := netip.ParseAddrPort(c.Discovery.Group)
	switch {
	case err != nil:
		add("discovery.group", "%q is not IP:port (%v)", c.Discovery.Group, err)
	case !g.Addr().Is4() || !g.Addr().IsMulticast():
		add("discovery.group", "%s is not an IPv4 multicast address (224.0.0.0/4; 239.255.0.0/16 is for local use)", g.Addr())
	case g.Port() == 0:
		add("discovery.group", "port 0 is not a beacon port")
	case c.Discovery.LAN:
		if l, err := netip.ParseAddrPort(c.Listen); err == nil && l.Port() == g.Port() {
			add("discovery.group", "port %d is the transport's listen port", g.Port())
		}
	}
	if d := time.Duration(c.Discovery.Interval); d < discovery.MinInterval || d > discovery.MaxInterval {
		add("discovery.interval", "%v is outside %v..%v", d, discovery.MinInterval, discovery.MaxInterval)
	}
}

// hostPortKey checks that s is host:port with a non-empty printable host of at most
// MaxTargetHostLen bytes and a port 1..65535, and returns it in a canonical form for comparison.
func hostPortKey(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", err
	}
	p, err := strconv.ParseUint(port, 10, 16)
	switch {
	case host == "":
		return "", errors.New("empty host")
	case len(host) > MaxTargetHostLen:
		return "", fmt.Errorf("host longer than %d bytes", MaxTargetHostLen)
	case strings.ContainsFunc(host, func(r rune) bool { return r <= ' ' || r >= 0x7f }):
		return "", errors.New("host contains a space, control or non-ASCII character")
	case err != nil || p == 0:
		return "", fmt.Errorf("port %q is not 1..65535", port)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return netip.AddrPortFrom(a.Unmap(), uint16(p)).String(), nil
	}
	return strings.ToLower(host) + ":" + strconv.FormatUint(p, 10), nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	return strings.Trim(strings.ToLower(s), "0123456789abcdef") == ""
}

// sortErrors orders field errors by field name so that messages are stable.
func sortErrors(errs []error) {
	slices.SortStableFunc(errs, func(a, b error) int {
		var fa, fb *FieldError
		errors.As(a, &fa)
		errors.As(b, &fb)
		return strings.Compare(fa.Field, fb.Field)
	})
}
