package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/store"
)

// healNet is a network CA and signed members in a test directory.
type healNet struct {
	bin, dir string
}

func newHealNet(t *testing.T, names ...string) *healNet {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and runs processes")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	h := &healNet{bin: bin, dir: t.TempDir()}
	cli(t, bin, h.dir, "ca", "init", "--dir", "ca")
	for _, n := range names {
		cli(t, bin, h.dir, "keygen", "--out", n+".key")
		cli(t, bin, h.dir, "ca", "sign", "--dir", "ca", "--pub", n+".pub", "--name", n)
	}
	return h
}

func (h *healNet) start(t *testing.T, name string, udp int, peers []int, extra ...string) *proc {
	t.Helper()
	p := startNode(t, h.bin, h.dir, name, "ca/ca.crt", udp, peers, extra...)
	waitFor(t, name+" API", 20*time.Second, func() bool {
		resp, err := http.Get(p.api + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return p
}

func client(p *proc) *api.Client { return &api.Client{Base: p.api} }

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func nodeID(t *testing.T, p *proc) string {
	t.Helper()
	info, err := client(p).Node(ctx5(t))
	if err != nil {
		t.Fatal(err)
	}
	return info.ID
}

// upPeers counts the peers p has a session with.
func upPeers(t *testing.T, p *proc) int {
	list, err := client(p).Peers(ctx5(t))
	if err != nil {
		return 0
	}
	up := 0
	for _, x := range list {
		if x.State == "up" {
			up++
		}
	}
	return up
}

// deadLink returns p's dead-link incident about subject, if any.
func deadLink(t *testing.T, p *proc, subject string, all bool) (api.IncidentInfo, bool) {
	list, err := client(p).Incidents(ctx5(t), all)
	if err != nil {
		return api.IncidentInfo{}, false
	}
	for _, i := range list {
		if i.Kind == "dead-link" && i.Subject == subject {
			return i, true
		}
	}
	return api.IncidentInfo{}, false
}

// TestHealingKillInTriangle runs three node processes in a triangle on 127.0.0.1 and kills one
// with SIGKILL: each survivor's incidents API shows a dead-link incident about it detected within
// a second of the kill, and traffic between the survivors still flows.
func TestHealingKillInTriangle(t *testing.T) {
	h := newHealNet(t, "alpha", "beta", "gamma")
	pa, pb, pc := freePort(t, "udp"), freePort(t, "udp"), freePort(t, "udp")
	gamma := h.start(t, "gamma", pc, nil)
	beta := h.start(t, "beta", pb, []int{pc})
	alpha := h.start(t, "alpha", pa, []int{pb, pc})
	for _, p := range []*proc{alpha, beta, gamma} {
		waitFor(t, "a full triangle", 20*time.Second, func() bool { return upPeers(t, p) == 2 })
	}
	time.Sleep(1500 * time.Millisecond) // healthy samples in the loop's windows
	gid := nodeID(t, gamma)
	for _, p := range []*proc{alpha, beta} {
		if list, err := client(p).Incidents(ctx5(t), true); err != nil || len(list) != 0 {
			t.Fatalf("incidents in a healthy triangle: %+v %v", list, err)
		}
	}
	killed := time.Now()
	if err := gamma.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*proc{"alpha": alpha, "beta": beta} {
		var inc api.IncidentInfo
		waitFor(t, name+"'s dead-link incident", 10*time.Second, func() bool {
			var ok bool
			inc, ok = deadLink(t, p, gid, false)
			return ok
		})
		d := inc.DetectedAt.Sub(killed)
		t.Logf("%s: dead-link incident %d detected %v after the kill (mttd %.3f s)", name, inc.ID, d.Round(time.Millisecond), inc.MTTD)
		if d < 0 || d > time.Second {
			t.Errorf("%s detected the dead link %v after the kill, want within 1 s", name, d)
		}
	}
	out := cli(t, h.bin, h.dir, "ping", "--api", alpha.api, "--count", "200", "--json", "beta")
	var res api.PingResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Received != 200 || res.Lost+res.Corrupted+res.Duplicated != 0 {
		t.Fatalf("ping between the survivors: %+v %v (%q)", res, err, out)
	}
}

// TestHealingChaosBlackhole configures chaos.blackhole towards a peer: the node logs a loud
// warning, the link comes up, then dies, and the node reports a dead-link incident about that
// peer through the CLI, the API and its metrics.
func TestHealingChaosBlackhole(t *testing.T) {
	h := newHealNet(t, "alpha", "beta")
	pa, pb := freePort(t, "udp"), freePort(t, "udp")
	beta := h.start(t, "beta", pb, nil)
	bid := nodeID(t, beta)
	alpha := h.start(t, "alpha", pa, []int{pb}, fmt.Sprintf("chaos: {seed: 1, drop: 0.0, delay: 0s, blackhole: [%s]}\n", bid))
	var inc api.IncidentInfo
	waitFor(t, "a dead-link incident about the blackholed peer", 20*time.Second, func() bool {
		var ok bool
		inc, ok = deadLink(t, alpha, bid, false)
		return ok
	})
	for _, want := range []string{"CHAOS: fault injection is ON", "CHAOS: blackholing peer"} {
		if !strings.Contains(alpha.log.String(), want) {
			t.Errorf("alpha's log lacks %q", want)
		}
	}
	out := cli(t, h.bin, h.dir, "incidents", "--api", alpha.api)
	if !strings.Contains(out, "dead-link") || !strings.Contains(out, bid[:16]) || !strings.Contains(out, fmt.Sprint(inc.ID)) {
		t.Errorf("x0tta6bl4 incidents:\n%s", out)
	}
	resp, err := http.Get(alpha.api + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`x0tta6bl4_incidents_total{kind="dead-link"} 1`, `x0tta6bl4_incidents_open{kind="dead-link"} 1`,
		`x0tta6bl4_mttd_seconds_count{kind="dead-link"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestHealingKnowledgeSurvivesSIGKILL kills a node with SIGKILL while its loop writes its
// Knowledge every 10 ms (a blackholed peer keeps incidents and actions coming), then restarts it
// on the same file: the file opens, every incident the API showed before the kill is intact, and
// the next incident continues the IDs.
func TestHealingKnowledgeSurvivesSIGKILL(t *testing.T) {
	h := newHealNet(t, "alpha", "beta")
	pa, pb := freePort(t, "udp"), freePort(t, "udp")
	beta := h.start(t, "beta", pb, nil)
	bid := nodeID(t, beta)
	db := filepath.Join(h.dir, "alpha.db")
	extra := []string{"healing: {enabled: true, period: 10ms, knowledge: alpha.db}\n",
		fmt.Sprintf("chaos: {blackhole: [%s]}\n", bid)}
	alpha := h.start(t, "alpha", pa, []int{pb}, extra...)
	waitFor(t, "a dead-link incident", 20*time.Second, func() bool { _, ok := deadLink(t, alpha, bid, false); return ok })
	time.Sleep(300 * time.Millisecond) // more steps written
	before, err := client(alpha).Incidents(ctx5(t), true)
	if err != nil || len(before) == 0 {
		t.Fatalf("incidents before the kill: %+v %v", before, err)
	}
	// A hot backup of the running node verifies and holds what the API showed.
	backup := filepath.Join(h.dir, "backup.db")
	var msg strings.Builder
	if err := backupKnowledge(ctx5(t), client(alpha), backup, &msg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg.String(), "verified") {
		t.Errorf("backup output %q", msg.String())
	}
	if summary, err := checkKnowledge(backup); err != nil || strings.HasPrefix(summary, "0 incidents") {
		t.Errorf("backup holds %q, %v", summary, err)
	}
	if _, err := checkKnowledge(db); !errors.Is(err, store.ErrLocked) {
		t.Errorf("check of the running node's own file: %v, want ErrLocked", err)
	}
	if err := alpha.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = alpha.cmd.Wait()

	// The file opens and holds everything the API showed.
	s, err := store.Open(db, store.Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatalf("store after SIGKILL: %v", err)
	}
	stored, err := s.Incidents()
	if err != nil {
		t.Fatal(err)
	}
	lastInc, _, err := s.LastIDs()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	byID := map[uint64]mapek.Incident{}
	for _, i := range stored {
		byID[i.ID] = i
	}
	for _, b := range before {
		got, ok := byID[b.ID]
		if !ok || got.Kind.String() != b.Kind || !got.DetectedAt.Equal(b.DetectedAt) || !got.AnalyzedAt.Equal(b.AnalyzedAt) {
			t.Fatalf("incident %d shown before the kill: %+v; stored: %+v (%v)", b.ID, b, got, ok)
		}
	}

	// Restarted on the same file, alpha shows them and numbers the next incident after them.
	alpha = h.start(t, "alpha", pa, []int{pb}, extra...)
	var next api.IncidentInfo
	waitFor(t, "a new dead-link incident", 20*time.Second, func() bool {
		list, err := client(alpha).Incidents(ctx5(t), false)
		for _, i := range list {
			if err == nil && i.Kind == "dead-link" && i.Subject == bid {
				next = i
				return true
			}
		}
		return false
	})
	if next.ID != lastInc+1 {
		t.Errorf("new incident ID %d, want %d (the stored last ID + 1)", next.ID, lastInc+1)
	}
	after, err := client(alpha).Incidents(ctx5(t), true)
	if err != nil {
		t.Fatal(err)
	}
	shown := map[uint64]api.IncidentInfo{}
	for _, i := range after {
		shown[i.ID] = i
	}
	for _, b := range before {
		if got := shown[b.ID]; got.Kind != b.Kind || !got.DetectedAt.Equal(b.DetectedAt) || got.Subject != b.Subject {
			t.Errorf("after restart incident %d = %+v, want %+v", b.ID, got, b)
		}
	}
}
