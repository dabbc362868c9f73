package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Sizes and timers of TestNamespaceTransferSurvivesLinkCut.
const (
	cutTransferBytes = 24 << 20                // bytes of the transfer that runs across the cut
	cutTransferRate  = 6 << 20                 // its pace in bytes/s, so that it lasts about 4 s
	cutAfter         = 1500 * time.Millisecond // time from the transfer's start to the cut
	cutTimeout       = 2 * time.Minute         // bound on the whole transfer
)

// TestNamespaceTransferSurvivesLinkCut runs three node processes in three network namespaces joined
// by veth pairs in a triangle (a-b, b-c, a-c), with the SOCKS5 proxy on a and the exit on c. A
// paced stream transfer runs from a sender process in a, through the proxy, to a sink process in c.
// While it runs, a's end of the direct a-c link is taken down. The transfer must complete with every
// byte confirmed by the sink (count and CRC-32C), and a's route to c must have moved to b; the longest
// pause the sink saw between two reads (the stall) is logged.
func TestNamespaceTransferSurvivesLinkCut(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and creates network namespaces")
	}
	if err := checkNetns(); err != nil {
		t.Skip(err)
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
	for _, h := range []string{"a", "b", "c"} {
		if ns[h], err = lab.addNS("x0ct" + h + suffix); err != nil {
			t.Fatal(err)
		}
	}
	// One /24 per link; x gets .1 and y .2.
	links := []struct{ x, y, prefix string }{{"a", "b", "10.234.1."}, {"b", "c", "10.234.2."}, {"a", "c", "10.234.3."}}
	addr := map[[2]string]string{} // (host, peer) -> host's address on the link to peer
	for _, l := range links {
		if err := lab.link(ns[l.x], ns[l.y], "v"+l.x+l.y+suffix, "v"+l.y+l.x+suffix, l.prefix+"1", l.prefix+"2"); err != nil {
			t.Fatal(err)
		}
		addr[[2]string{l.x, l.y}], addr[[2]string{l.y, l.x}] = l.prefix+"1", l.prefix+"2"
	}
	ctx, cancel := context.WithTimeout(context.Background(), cutTimeout)
	defer cancel()
	sink, sinkAddr, err := startSink(ctx, []string{"ip", "netns", "exec", ns["c"]}, bin, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sink.stop(); err != nil {
			t.Error(err)
		}
	})

	dir := t.TempDir()
	ids, err := writeStreamIdentities(dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"a", "b", "c"}
	dials := map[string][]string{"a": {"b", "c"}, "b": {"c"}}
	const socks = "127.0.0.1:7500"
	for i, h := range names {
		var peers []string
		for _, p := range dials[h] {
			peers = append(peers, fmt.Sprintf("{address: '%s:7000'}", addr[[2]string{p, h}]))
		}
		cfg := fmt.Sprintf("listen: 0.0.0.0:7000\nidentity: {key: n%d.key, cert: n%d.crt, ca: ca.crt}\npeers: [%s]\nmin_peers: -1\napi: {listen: 127.0.0.1:7100}\nlog: {level: info}\n",
			i, i, strings.Join(peers, ", "))
		switch h {
		case "a":
			cfg += fmt.Sprintf("socks: {listen: '%s', exit: %s}\n", socks, ids[2])
		case "c":
			cfg += fmt.Sprintf("exit: {allow: ['127.0.0.1/32:%d']}\n", sinkAddr.Port())
		}
		path := filepath.Join(dir, h+".yaml")
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := startBenchProc("node "+h, []string{"ip", "netns", "exec", ns[h], bin, "node", "--config", path}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := p.stop(); err != nil {
				t.Error(err)
			}
			if t.Failed() {
				t.Logf("log of %s:\n%s", p.name, p.out)
			}
		})
	}
	// The names in the routes come from the certificates: n0, n1, n2 for a, b, c.
	waitFor(t, "a to route to c directly", 30*time.Second, func() bool { return nsNextHop(bin, ns["a"], "n2") == "n2" })
	inA := []string{"ip", "netns", "exec", ns["a"]}
	sinkAtC := sinkAddr.String()
	if _, err := runSender(ctx, inA, bin, sinkAtC, socks, 1024, 0); err != nil {
		t.Fatalf("warm-up transfer: %v", err)
	}

	type result struct {
		tr  streamTransfer
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		tr, err := runSender(ctx, inA, bin, sinkAtC, socks, cutTransferBytes, cutTransferRate)
		done <- result{tr, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("the transfer ended before the cut: %+v, %v", r.tr, r.err)
	case <-time.After(cutAfter):
	}
	if err := ipRun("-n", ns["a"], "link", "set", "vac"+suffix, "down"); err != nil {
		t.Fatal(err)
	}
	cut := time.Since(start)
	r := <-done
	if r.err != nil {
		t.Fatalf("transfer across the cut: %v", r.err)
	}
	if !r.tr.Intact || r.tr.Delivered != cutTransferBytes {
		t.Fatalf("transfer across the cut: %+v", r.tr)
	}
	if cut >= time.Duration(r.tr.Seconds*float64(time.Second)) {
		t.Fatalf("the cut at %v came after the transfer's %.2f s", cut, r.tr.Seconds)
	}
	if via := nsNextHop(bin, ns["a"], "n2"); via != "n1" {
		t.Fatalf("after the cut a routes to c via %q, want n1 (b)", via)
	}
	t.Logf("%d bytes intact in %.2f s (paced at %d B/s), link cut at %v; longest stall at the sink %.0f ms",
		r.tr.Delivered, r.tr.Seconds, cutTransferRate, cut.Round(time.Millisecond), r.tr.MaxGapMS)
}

// TestNetnsLabErrors checks that a failing ip(8) command is reported with its output.
func TestNetnsLabErrors(t *testing.T) {
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip(8) from iproute2 is not installed")
	}
	err := ipRun("link", "show", "dev", "x0t-no-such-dev")
	if err == nil || !strings.Contains(err.Error(), "x0t-no-such-dev") {
		t.Fatalf("ipRun on a missing device: %v", err)
	}
}
