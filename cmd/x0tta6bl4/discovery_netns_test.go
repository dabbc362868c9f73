package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// TestNamespaceLANDiscovery runs two node processes in two network namespaces joined by one veth
// pair, with no static peers and LAN discovery on. They must find each other from their multicast
// beacons alone and establish a session, checked through each node's peers API and a ping.
func TestNamespaceLANDiscovery(t *testing.T) {
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
	names := []string{"a", "b"}
	ns := map[string]string{}
	for _, h := range names {
		ns[h] = "x0d" + h + suffix
		ipCmd(t, "netns", "add", ns[h])
		name := ns[h]
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", name).Run() }) // also removes the veth
		ipCmd(t, "-n", ns[h], "link", "set", "lo", "up")
	}
	va, vb := "vda"+suffix, "vdb"+suffix
	ipCmd(t, "link", "add", va, "type", "veth", "peer", "name", vb)
	for h, v := range map[string]string{"a": va, "b": vb} {
		ipCmd(t, "link", "set", v, "netns", ns[h])
		addr := map[string]string{"a": "10.232.1.1/24", "b": "10.232.1.2/24"}[h]
		ipCmd(t, "-n", ns[h], "addr", "add", addr, "dev", v)
		ipCmd(t, "-n", ns[h], "link", "set", v, "multicast", "on", "up")
	}
	dir := t.TempDir()
	cli(t, bin, dir, "ca", "init", "--dir", "ca")
	for _, h := range names {
		cli(t, bin, dir, "keygen", "--out", h+".key")
		cli(t, bin, dir, "ca", "sign", "--dir", "ca", "--pub", h+".pub", "--name", h)
	}
	logs := map[string]*syncBuffer{}
	for _, h := range names {
		// No peers: each node can only learn the other from its beacons (default group).
		cfg := fmt.Sprintf("listen: 0.0.0.0:7000\nidentity: {key: %s.key, cert: %s.crt, ca: ca/ca.crt}\n"+
			"discovery: {lan: true, interval: 1s}\napi: {listen: 127.0.0.1:7100}\nlog: {level: debug}\ntimers: {keepalive: 1s}\n", h, h)
		logs[h] = startNodeInNS(t, bin, dir, ns[h], h, cfg)
	}
	upPeer := func(h, want string) (api.PeerInfo, bool) {
		out, err := nsCLI(bin, ns[h], "peers", "--json")
		if err != nil {
			return api.PeerInfo{}, false
		}
		var peers []api.PeerInfo
		if json.Unmarshal([]byte(out), &peers) != nil {
			return api.PeerInfo{}, false
		}
		for _, p := range peers {
			if p.Name == want && p.State == "up" {
				return p, true
			}
		}
		return api.PeerInfo{}, false
	}
	waitFor(t, "a and b to discover each other and connect", 30*time.Second, func() bool {
		_, ab := upPeer("a", "b")
		_, ba := upPeer("b", "a")
		return ab && ba
	})
	// The session runs between the veth addresses on the transport port that the beacons carried.
	pa, _ := upPeer("a", "b")
	pb, _ := upPeer("b", "a")
	if pa.Address != "10.232.1.2:7000" || pb.Address != "10.232.1.1:7000" {
		t.Errorf("peer addresses a->b %s, b->a %s", pa.Address, pb.Address)
	}
	// The first node to hear the other's beacon dials it; the other may simply answer.
	for _, h := range names {
		if !strings.Contains(logs[h].String(), "lan discovery on") {
			t.Errorf("%s did not start discovery", h)
		}
	}
	if la, lb := logs["a"].String(), logs["b"].String(); !(strings.Contains(la, "lan candidate") && strings.Contains(la, "dialling spare peer")) &&
		!(strings.Contains(lb, "lan candidate") && strings.Contains(lb, "dialling spare peer")) {
		t.Error("neither node dialled a lan candidate")
	}
	if out, err := nsCLI(bin, ns["a"], "ping", "--count", "100", "b"); err != nil {
		t.Fatalf("ping a->b: %v\n%s", err, out)
	}
}
