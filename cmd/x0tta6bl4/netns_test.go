package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// netnsHost is one test host: a network namespace with a node process in it.
type netnsHost struct {
	name, ns string
	addrs    map[string]string // peer host name -> this host's address on the link to it
}

// ipCmd runs ip(8) and fails the test with its output on error.
func ipCmd(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// nsCLI runs the CLI inside namespace ns (a node's API listens on that namespace's loopback).
func nsCLI(bin, ns string, args ...string) (string, error) {
	out, err := exec.Command("ip", append([]string{"netns", "exec", ns, bin}, args...)...).CombinedOutput()
	return string(out), err
}

// nsNextHop returns the name of the next hop of the selected route of the node in ns (its API on
// the default address) to the node named to, or "" when there is none.
func nsNextHop(bin, ns, to string) string {
	out, err := nsCLI(bin, ns, "routes", "--json")
	if err != nil {
		return ""
	}
	var routes []api.RouteInfo
	if json.Unmarshal([]byte(out), &routes) != nil {
		return ""
	}
	ids := map[string]string{}
	if out, err := nsCLI(bin, ns, "peers", "--json"); err == nil {
		var peers []api.PeerInfo
		_ = json.Unmarshal([]byte(out), &peers)
		for _, p := range peers {
			ids[p.ID] = p.Name
		}
	}
	for _, r := range routes {
		if r.Selected && ids[r.Destination] == to {
			return ids[r.NextHop]
		}
	}
	return ""
}

// TestNamespaceTriangle runs three node processes in three network namespaces joined by veth pairs
// in a triangle (a-b, b-c, a-c). It checks that a reaches c directly (1,000 checked echoes), then
// takes a's end of the a-c link down and checks that a's route to c moves to b and that the remaining
// links still carry checked echoes.
func TestNamespaceTriangle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and creates network namespaces")
	}
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root; CI runs this test as root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip(8) from iproute2 is not installed")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	suffix := fmt.Sprint(os.Getpid() % 10000)
	hosts := map[string]*netnsHost{}
	for _, h := range []string{"a", "b", "c"} {
		hosts[h] = &netnsHost{name: h, ns: "x0t" + h + suffix, addrs: map[string]string{}}
		ipCmd(t, "netns", "add", hosts[h].ns)
		ns := hosts[h].ns
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
		ipCmd(t, "-n", ns, "link", "set", "lo", "up")
	}
	// One /30 per link, inside the namespaces only.
	links := []struct{ x, y, netPrefix string }{{"a", "b", "10.231.1."}, {"b", "c", "10.231.2."}, {"a", "c", "10.231.3."}}
	for _, l := range links {
		vx, vy := "v"+l.x+l.y+suffix, "v"+l.y+l.x+suffix
		ipCmd(t, "link", "add", vx, "type", "veth", "peer", "name", vy)
		ipCmd(t, "link", "set", vx, "netns", hosts[l.x].ns)
		ipCmd(t, "link", "set", vy, "netns", hosts[l.y].ns)
		ipCmd(t, "-n", hosts[l.x].ns, "addr", "add", l.netPrefix+"1/30", "dev", vx)
		ipCmd(t, "-n", hosts[l.y].ns, "addr", "add", l.netPrefix+"2/30", "dev", vy)
		ipCmd(t, "-n", hosts[l.x].ns, "link", "set", vx, "up")
		ipCmd(t, "-n", hosts[l.y].ns, "link", "set", vy, "up")
		hosts[l.x].addrs[l.y] = l.netPrefix + "1"
		hosts[l.y].addrs[l.x] = l.netPrefix + "2"
	}
	dir := t.TempDir()
	cli(t, bin, dir, "ca", "init", "--dir", "ca")
	for h := range hosts {
		cli(t, bin, dir, "keygen", "--out", h+".key")
		cli(t, bin, dir, "ca", "sign", "--dir", "ca", "--pub", h+".pub", "--name", h)
	}
	// a dials b and c, b dials c; every node listens on all its link addresses (0.0.0.0).
	dials := map[string][]string{"a": {"b", "c"}, "b": {"c"}, "c": nil}
	logs := map[string]*syncBuffer{}
	for name, h := range hosts {
		var peers []string
		for _, p := range dials[name] {
			peers = append(peers, fmt.Sprintf("{address: '%s:7000'}", hosts[p].addrs[name]))
		}
		cfg := fmt.Sprintf("listen: 0.0.0.0:7000\nidentity: {key: %s.key, cert: %s.crt, ca: ca/ca.crt}\npeers: [%s]\nmin_peers: -1\napi: {listen: 127.0.0.1:7100}\nlog: {level: debug}\ntimers: {keepalive: 1s}\n",
			name, name, strings.Join(peers, ", "))
		logs[name] = startNodeInNS(t, bin, dir, h.ns, name, cfg)
	}
	inNS := func(h string, args ...string) (string, error) { return nsCLI(bin, hosts[h].ns, args...) }
	routeTo := func(from, to string) string { return nsNextHop(bin, hosts[from].ns, to) }
	waitFor(t, "a to route to c directly", 30*time.Second, func() bool { return routeTo("a", "c") == "c" })
	if out, err := inNS("a", "ping", "--count", "1000", "--size", "1000", "c"); err != nil {
		t.Fatalf("ping a->c: %v\n%s", err, out)
	}
	// Cut the a-c link: take a's end of the veth down.
	ipCmd(t, "-n", hosts["a"].ns, "link", "set", "vac"+suffix, "down")
	waitFor(t, "a to reroute to c through b", 10*time.Second, func() bool { return routeTo("a", "c") == "b" })
	for _, pair := range [][2]string{{"a", "b"}, {"b", "c"}} {
		if out, err := inNS(pair[0], "ping", "--count", "200", pair[1]); err != nil {
			t.Fatalf("ping %s->%s after the cut: %v\n%s", pair[0], pair[1], err, out)
		}
	}
}

// startNodeInNS writes the configuration cfg as dir/name.yaml and runs a node process with it in
// network namespace ns; the process is interrupted (killed after 10 s) when the test ends, and its
// log, returned, is printed if the test failed.
func startNodeInNS(t *testing.T, bin, dir, ns, name, cfg string) *syncBuffer {
	t.Helper()
	path := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	cmd := exec.Command("ip", "netns", "exec", ns, bin, "node", "--config", path)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("log of %s:\n%s", name, log)
		}
	})
	return log
}
