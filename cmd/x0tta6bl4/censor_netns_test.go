package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// Bounds of TestCensorMiddlebox.
const (
	censorConnectBound = 15 * time.Second // a case that must connect has this long to show both peers up
	censorStoppedBound = 8 * time.Second  // a case that must be stopped is watched this long for a session
)

// censorRules are the nft rule sets the middlebox of TestCensorMiddlebox applies to the traffic it
// forwards, by case name; "" is no rule at all. Every rule has a counter.
var censorRules = map[string]string{
	"none": "",
	// Every UDP datagram, whatever it carries.
	"block UDP": "meta l4proto udp counter drop",
	// The fixed header of the plain handshake (docs/protocol.md): a handshake message (type 0x01-0x03,
	// 0x06-0x08) with its three reserved bytes zero, or a Fragment (type 0x05) with a count of 2 to 16
	// and its reserved byte 3 zero. The UDP payload starts at bit 64 of the transport header.
	"block by signature": "udp length > 11 @th,64,8 { 1, 2, 3, 6, 7, 8 } @th,72,24 0 counter drop\n" +
		"    udp length > 11 @th,64,8 5 @th,80,8 2-16 @th,88,8 0 counter drop",
}

// censorTransport is one transport of TestCensorMiddlebox: the port the nodes listen on (and peers
// name) and the configuration lines that select the transport.
type censorTransport struct {
	name  string
	port  int
	extra string
}

var censorTransports = []censorTransport{
	{"plain UDP", 7000, ""},
	{"obfs (shape on)", 7000, "obfs: {key_file: obfs.key, shape: true}\n"},
	{"camo (tls over TCP)", 7443, "camo: {listen: 0.0.0.0:7443, key_file: camo.key, server_name: www.example.com, mode: tls}\n"},
}

// censorResult is the outcome of one case of TestCensorMiddlebox.
type censorResult struct {
	rule, transport string
	connected       bool
	took            time.Duration // to both peers up, when connected
	dropped         int           // packets the rule set's counters matched
	perRule         []int         // the same, per rule
}

// TestCensorMiddlebox runs two node processes in namespaces a and b joined through a middlebox
// namespace m that routes between them and filters what it forwards with an nft rule set: none (the
// control), all UDP dropped, or UDP datagrams carrying the plain handshake's fixed header dropped.
// For each rule and each transport (plain UDP, obfuscated UDP with shaping, TLS camouflage over TCP)
// b dials a, and the test asserts what a censor with that rule gets: with no rule all connect;
// blocking UDP stops plain and obfs while camo connects; blocking the signature stops plain while
// obfs and camo connect. Connected means both nodes' peers API shows the other up within
// censorConnectBound and 5 echoes from b to a all come back; stopped means no session on either node
// for censorStoppedBound, both APIs answering, and the rule's counters showing dropped packets.
func TestCensorMiddlebox(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and creates network namespaces")
	}
	if err := checkNetns(); err != nil {
		t.Skip(err)
	}
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("nft(8) from nftables is not installed")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	suffix := fmt.Sprint(os.Getpid() % 10000)
	lab := &netnsLab{}
	t.Cleanup(func() {
		if err := lab.close(); err != nil {
			t.Error(err)
		}
	})
	ns := map[string]string{}
	for _, h := range []string{"a", "m", "b"} {
		if ns[h], err = lab.addNS("x0cm" + h + suffix); err != nil {
			t.Fatal(err)
		}
	}
	// a (10.241.1.1) - m (10.241.1.2 | 10.241.2.2) - b (10.241.2.1); a and b route through m.
	const aAddr = "10.241.1.1"
	if err := lab.link(ns["a"], ns["m"], "vam"+suffix, "vma"+suffix, aAddr, "10.241.1.2"); err != nil {
		t.Fatal(err)
	}
	if err := lab.link(ns["b"], ns["m"], "vbm"+suffix, "vmb"+suffix, "10.241.2.1", "10.241.2.2"); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-n", ns["a"], "route", "add", "10.241.2.0/24", "via", "10.241.1.2"},
		{"-n", ns["b"], "route", "add", "10.241.1.0/24", "via", "10.241.2.2"},
		{"netns", "exec", ns["m"], "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"},
	} {
		if err := ipRun(args...); err != nil {
			t.Fatal(err)
		}
	}

	dir := t.TempDir()
	cli(t, bin, dir, "ca", "init", "--dir", "ca")
	for _, h := range []string{"a", "b"} {
		cli(t, bin, dir, "keygen", "--out", h+".key")
		cli(t, bin, dir, "ca", "sign", "--dir", "ca", "--pub", h+".pub", "--name", h)
	}
	cli(t, bin, dir, "obfs", "genkey", "--out", "obfs.key")
	cli(t, bin, dir, "camo", "genkey", "--out", "camo.key")

	tests := []struct {
		rule    string
		stopped map[string]bool // transports the rule must stop
	}{
		{"none", nil},
		{"block UDP", map[string]bool{"plain UDP": true, "obfs (shape on)": true}},
		{"block by signature", map[string]bool{"plain UDP": true}},
	}
	var results []censorResult
	for _, tt := range tests {
		for _, tr := range censorTransports {
			t.Run(tt.rule+"/"+tr.name, func(t *testing.T) {
				if err := setCensorRules(ns["m"], censorRules[tt.rule]); err != nil {
					t.Fatal(err)
				}
				r := runCensorCase(t, bin, dir, ns, aAddr, tr, tt.stopped[tr.name])
				r.rule = tt.rule
				if tt.rule != "none" {
					var err error
					if r.dropped, r.perRule, err = censorDropped(ns["m"]); err != nil {
						t.Fatal(err)
					}
				}
				if tt.stopped[tr.name] && r.dropped == 0 {
					t.Fatalf("%s was stopped, but the rule matched no packet", tr.name)
				}
				took := "-"
				if r.connected {
					took = r.took.Round(10 * time.Millisecond).String()
				}
				t.Logf("%s / %s: connected=%v time to connect %s, packets dropped by the rule set %d (per rule %v)", tt.rule, tr.name, r.connected, took, r.dropped, r.perRule)
				results = append(results, r)
			})
		}
	}
	var b strings.Builder
	b.WriteString("\n| censor rule | transport | outcome | time to connect | packets dropped |\n|---|---|---|---|---|\n")
	for _, r := range results {
		outcome, took := fmt.Sprintf("stopped (no session in %v)", censorStoppedBound), "-"
		if r.connected {
			outcome, took = "connected", fmt.Sprintf("%.2f s", r.took.Seconds())
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d |\n", r.rule, r.transport, outcome, took, r.dropped)
	}
	t.Log(b.String())
}

// runCensorCase starts a node in a and one in b that dials a, both over transport tr, and checks that
// they connect (both up, then 5 echoes b to a) or, when stopped, that neither has a session for
// censorStoppedBound. The nodes are stopped when the (sub)test ends.
func runCensorCase(t *testing.T, bin, dir string, ns map[string]string, aAddr string, tr censorTransport, stopped bool) censorResult {
	t.Helper()
	config := func(name, peers string) string {
		return fmt.Sprintf("listen: 0.0.0.0:%d\nidentity: {key: %s.key, cert: %s.crt, ca: ca/ca.crt}\npeers: [%s]\nmin_peers: -1\napi: {listen: 127.0.0.1:7100}\nlog: {level: debug}\ntimers: {keepalive: 1s}\n",
			tr.port, name, name, peers) + tr.extra
	}
	startNodeInNS(t, bin, dir, ns["a"], "a", config("a", ""))
	waitFor(t, "a's API", 10*time.Second, func() bool { _, ok := nsPeerUp(bin, ns["a"], "b"); return ok })
	start := time.Now()
	startNodeInNS(t, bin, dir, ns["b"], "b", config("b", fmt.Sprintf("{address: '%s:%d'}", aAddr, tr.port)))
	both := func() (up, answered bool) {
		upA, okA := nsPeerUp(bin, ns["a"], "b")
		upB, okB := nsPeerUp(bin, ns["b"], "a")
		return upA && upB, okA && okB
	}
	r := censorResult{transport: tr.name}
	if stopped {
		answered := false
		for time.Since(start) < censorStoppedBound {
			up, ok := both()
			if up {
				t.Fatalf("a and b have a session after %v, want none", time.Since(start).Round(time.Millisecond))
			}
			answered = answered || ok
			time.Sleep(100 * time.Millisecond)
		}
		if _, ok := both(); !answered || !ok {
			t.Fatal("a node's API does not answer: the node is not running")
		}
		return r
	}
	waitFor(t, "a and b to show each other up", censorConnectBound, func() bool { up, _ := both(); return up })
	r.connected, r.took = true, time.Since(start)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", "netns", "exec", ns["b"], bin, "ping", "--json", "--count", "5", "--timeout", "5", "a").CombinedOutput()
	var res api.PingResult
	if err != nil || json.Unmarshal(out, &res) != nil || res.Sent != 5 || res.Received != 5 {
		t.Fatalf("ping b->a over %s: %+v, %v\n%s", tr.name, res, err, out)
	}
	return r
}

// nsPeerUp reports whether the node in ns shows peer named name up, and whether its API answered.
func nsPeerUp(bin, ns, name string) (up, answered bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", "netns", "exec", ns, bin, "peers", "--json").Output()
	if err != nil {
		return false, false
	}
	var peers []api.PeerInfo
	if json.Unmarshal(out, &peers) != nil {
		return false, false
	}
	for _, p := range peers {
		if p.Name == name && p.State == "up" {
			return true, true
		}
	}
	return false, true
}

// setCensorRules replaces the middlebox's table inet x0censor with one whose forward chain holds
// rules (one per line), or removes it when rules is "".
func setCensorRules(ns, rules string) error {
	script := "table inet x0censor {}\ndelete table inet x0censor\n"
	if rules != "" {
		script += "table inet x0censor {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n    " + rules + "\n  }\n}\n"
	}
	cmd := exec.Command("ip", "netns", "exec", ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft -f in %s: %w: %s", ns, err, out)
	}
	return nil
}

var nftCounter = regexp.MustCompile(`counter packets (\d+) bytes`)

// censorDropped returns the packet counters of the middlebox's rules, in rule order, and their sum.
func censorDropped(ns string) (total int, perRule []int, err error) {
	out, err := exec.Command("ip", "netns", "exec", ns, "nft", "list", "table", "inet", "x0censor").CombinedOutput()
	if err != nil {
		return 0, nil, fmt.Errorf("nft list in %s: %w: %s", ns, err, out)
	}
	ms := nftCounter.FindAllStringSubmatch(string(out), -1)
	if len(ms) == 0 {
		return 0, nil, fmt.Errorf("no counter in the rule set of %s:\n%s", ns, out)
	}
	for _, m := range ms {
		n, err := strconv.Atoi(m[1])
		if err != nil {
			return 0, nil, err
		}
		perRule = append(perRule, n)
		total += n
	}
	return total, perRule, nil
}
