package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/demo"
)

// TestMeshDemo runs `demo` for 3 s on a random port: it serves the API, the health probe, the
// whole-mesh status and the dashboard, injects faults, shuts down with a live-update stream still
// open, exits 0 and leaks no goroutine.
func TestMeshDemo(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var out syncBuffer
	done := make(chan int, 1)
	go func() {
		var errb bytes.Buffer
		code := run(context.Background(), []string{"demo", "--nodes", "9", "--topology", "grid", "--listen", "127.0.0.1:0",
			"--chaos-every", "1s", "--duration", "3s"}, &out, &errb)
		if code != 0 {
			t.Errorf("demo: exit %d: %s", code, errb.String())
		}
		done <- code
	}()
	urlRE := regexp.MustCompile(`dashboard: (http://127\.0\.0\.1:\d+/)`)
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no dashboard URL printed:\n%s", out.String())
		}
	}
	client := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) (int, string, string) {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
	}
	code, _, body := get("api/v1/topology")
	var topo api.Topology
	if err := json.Unmarshal([]byte(body), &topo); code != 200 || err != nil || topo.Self == "" || len(topo.Links) != 2 {
		t.Fatalf("topology: %d %v %s", code, err, body)
	}
	if code, _, body := get("healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("healthz: %d %s", code, body)
	}
	code, _, body = get(strings.TrimPrefix(demo.StatusPath, "/"))
	var st demo.Status
	if err := json.Unmarshal([]byte(body), &st); code != 200 || err != nil || st.Nodes != 9 || st.FederatedLearning != demo.FederatedLearningStatus {
		t.Fatalf("status: %d %v %s", code, err, body)
	}
	if code, ctype, body := get(""); code != 200 || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(body, "node0") {
		t.Fatalf("dashboard: %d %s %.200s", code, ctype, body)
	}
	if code, _, body := get("api/v1/nosuch"); code != 404 || !strings.Contains(body, `"error"`) {
		t.Fatalf("unknown API path: %d %s", code, body)
	}
	// A live-update stream stays open until the demo stops.
	resp, err := http.Get(base + "ui/events")
	if err != nil {
		t.Fatal(err)
	}
	streamDone := make(chan struct{})
	go func() {
		defer close(streamDone)
		_, _ = io.Copy(io.Discard, bufio.NewReader(resp.Body))
		resp.Body.Close()
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("demo did not stop:\n%s", out.String())
	}
	<-streamDone
	if resp.StatusCode != 200 {
		t.Fatalf("events: %d", resp.StatusCode)
	}
	for _, want := range []string{"building a 9-node grid mesh (seed 1)", "mesh up: 9 nodes, grid, 12 links", "chaos    crash node",
		"federated learning rounds are not built yet", "stopped after"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	client.CloseIdleConnections()
}

func TestMeshDemoRefused(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"demo", "--topology", "torus"}, "--topology"},
		{[]string{"demo", "--duration", "-1s"}, "--duration"},
		{[]string{"demo", "--nodes", "1"}, "Nodes"},
		{[]string{"demo", "--view", "99"}, "View"},
		{[]string{"demo", "--chaos-every", "10ms"}, "ChaosEvery"},
		{[]string{"demo", "--nodes", "4", "--listen", "256.0.0.1:1"}, "--listen"},
	}
	for _, c := range cases {
		code, _, errs := runCLI(context.Background(), c.args...)
		if code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("x0tta6bl4 %s: exit %d, stderr %q, want an error with %q", strings.Join(c.args, " "), code, errs, c.want)
		}
	}
}

// TestDemoUDPFlag: --udp still runs the three-node UDP demo with checked datagrams.
func TestDemoUDPFlag(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code, out, errs := runCLI(ctx, "demo", "--udp", "--count", "20")
	if code != 0 || !strings.Contains(out, "connected: alpha <-> beta <-> gamma") || !strings.Contains(out, "exchanged 20 encrypted datagrams: 20 echoed back") {
		t.Fatalf("demo --udp: exit %d\n%s%s", code, out, errs)
	}
}
