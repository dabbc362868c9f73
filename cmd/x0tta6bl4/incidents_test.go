package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/config"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/store"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/fault"
)

// topoBackend (topology_test.go) has no self-healing.
func (b *topoBackend) Incidents(bool) ([]api.IncidentInfo, error) { return nil, errHealOff }
func (b *topoBackend) Actions() ([]api.ActionInfo, error)         { return nil, errHealOff }

var errHealOff = fmt.Errorf("%w: self-healing is disabled on this node", api.ErrUnavailable)

// healBackend serves fixed incidents and actions through the real API handler.
type healBackend struct {
	topoBackend
	incidents []api.IncidentInfo
	actions   []api.ActionInfo
}

func (b *healBackend) Incidents(all bool) ([]api.IncidentInfo, error) {
	var out []api.IncidentInfo
	for _, i := range b.incidents {
		if all || i.ResolvedAt.IsZero() {
			out = append(out, i)
		}
	}
	return out, nil
}

func (b *healBackend) Actions() ([]api.ActionInfo, error) { return b.actions, nil }

func TestIncidentsAndActionsCmds(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	b := &healBackend{
		incidents: []api.IncidentInfo{
			{ID: 1, Kind: "dead-link", Subject: topoB, Decider: "rules", DetectedAt: t0, AnalyzedAt: t0.Add(300 * time.Millisecond),
				ResolvedAt: t0.Add(2 * time.Minute), LastSeen: t0, PeakSeverity: 1, Actions: 2, MTTD: 0.3, MTTR: 120},
			{ID: 2, Kind: "node-overloaded", Subject: api.SubjectLocal, Decider: "rules", DetectedAt: t0, AnalyzedAt: t0,
				MitigatedAt: t0.Add(31 * time.Second), LastSeen: t0, PeakSeverity: 0.5, Actions: 1, MTTD: 0.1234, MTTR: 31},
			{ID: 3, Kind: "degraded-link", Subject: topoC, Decider: "scorer", DetectedAt: t0, AnalyzedAt: t0, LastSeen: t0, PeakSeverity: 0.25},
		},
		actions: []api.ActionInfo{
			{ID: 7, Incident: 1, Kind: "connect-spares", Subject: topoB, Reason: "dead-link, rung 0", AppliedAt: t0, VerifiedAt: t0.Add(30 * time.Second), Outcome: "effective"},
			{ID: 8, Incident: 2, Kind: "restart", Subject: api.SubjectLocal, Reason: "node-overloaded, rung 1: heal: action not supported", AppliedAt: t0, Outcome: "failed"},
		},
	}
	srv := httptest.NewServer(api.NewHandler(b, api.Options{Token: "tok"}))
	t.Cleanup(srv.Close)
	off := httptest.NewServer(api.NewHandler(&topoBackend{}, api.Options{}))
	t.Cleanup(off.Close)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("tok\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	auth := []string{"--api", srv.URL, "--token-file", tokenFile}
	tests := []struct {
		name    string
		args    []string
		want    []string // substrings, in order
		notWant []string
	}{
		{"open incidents", append([]string{"incidents"}, auth...),
			[]string{"ID", "KIND", "SUBJECT", "DETECTED", "MTTD", "MTTR", "STATE",
				"2", "node-overloaded", "local", "123ms", "31s", "mitigated",
				"3", "degraded-link", topoC[:16], "-", "open"},
			[]string{"dead-link", "resolved"}},
		{"all incidents", append([]string{"incidents", "--all"}, auth...),
			[]string{"1", "dead-link", topoB[:16], "300ms", "2m0s", "resolved", "2", "node-overloaded", "3", "degraded-link"},
			[]string{topoB[:17]}},
		{"actions", append([]string{"actions"}, auth...),
			[]string{"ID", "INCIDENT", "KIND", "OUTCOME", "REASON", "7", "1", "connect-spares", "effective", "dead-link, rung 0",
				"8", "2", "restart", "local", "failed", "action not supported"},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := mustCLI(t, tt.args...)
			rest := out
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output lacks %q (in order):\n%s", w, out)
				}
				rest = rest[i+len(w):]
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Fatalf("output has %q:\n%s", w, out)
				}
			}
		})
	}
	var incs []api.IncidentInfo
	if err := json.Unmarshal([]byte(mustCLI(t, append([]string{"incidents", "--json", "--all"}, auth...)...)), &incs); err != nil || len(incs) != 3 || incs[0].MTTR != 120 {
		t.Fatalf("incidents --json: %+v, %v", incs, err)
	}
	var acts []api.ActionInfo
	if err := json.Unmarshal([]byte(mustCLI(t, append([]string{"actions", "--json"}, auth...)...)), &acts); err != nil || len(acts) != 2 || acts[1].Outcome != "failed" {
		t.Fatalf("actions --json: %+v, %v", acts, err)
	}
	// Errors: no token, healing off, missing token file, no node.
	for _, args := range [][]string{
		{"incidents", "--api", srv.URL},
		{"actions", "--api", srv.URL},
		{"incidents", "--api", off.URL},
		{"actions", "--api", off.URL},
		{"incidents", "--token-file", filepath.Join(t.TempDir(), "missing")},
		{"actions", "--token-file", filepath.Join(t.TempDir(), "missing")},
	} {
		code, _, errs := runCLI(context.Background(), args...)
		if code == 0 || !strings.Contains(errs, "error:") {
			t.Errorf("x0tta6bl4 %s: exit %d, stderr %q", strings.Join(args, " "), code, errs)
		}
	}
	if _, _, errs := runCLI(context.Background(), "incidents", "--api", off.URL); !strings.Contains(errs, "self-healing is disabled") || !strings.Contains(errs, "503") {
		t.Errorf("healing off: %q", errs)
	}
}

func TestHealingOptions(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	dir := t.TempDir()
	off := false
	opt, closeStore, err := healingOptions(&config.Config{Healing: config.Healing{Enabled: &off}}, log)
	if err != nil || opt.Enabled {
		t.Fatalf("disabled: %+v, %v", opt, err)
	}
	closeStore()
	opt, closeStore, err = healingOptions(&config.Config{Healing: config.Healing{Period: config.Duration(250 * time.Millisecond)}}, log)
	if err != nil || !opt.Enabled || opt.Period != 250*time.Millisecond || opt.Store != nil {
		t.Fatalf("in memory: %+v, %v", opt, err)
	}
	closeStore()

	path := filepath.Join(dir, "k.db")
	cfg := &config.Config{Healing: config.Healing{Knowledge: path}}
	opt, closeStore, err = healingOptions(cfg, log)
	if err != nil || opt.Store == nil {
		t.Fatalf("store: %+v, %v", opt, err)
	}
	if _, err := opt.Store.WriteStep(mapek.StepResult{Incidents: []mapek.Incident{{ID: 1, Kind: mapek.SymptomDeadLink, Decider: mapek.DecidedByRules}}}); err != nil {
		t.Fatal(err)
	}
	// A second node on the same file is refused (with a short lock timeout to keep the test fast
	// the store is opened directly; healingOptions uses the default).
	if _, err := store.Open(path, store.Options{LockTimeout: 50 * time.Millisecond}); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
	closeStore()

	// A corrupt file is an error naming it, and is left in place.
	bad := filepath.Join(dir, "bad.db")
	junk := make([]byte, 64<<10)
	for i := range junk {
		junk[i] = byte(i * 7)
	}
	if err := os.WriteFile(bad, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = healingOptions(&config.Config{Healing: config.Healing{Knowledge: bad}}, log)
	if !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "move it away") {
		t.Fatalf("corrupt store: %v", err)
	}
	if got, err := os.ReadFile(bad); err != nil || len(got) != len(junk) {
		t.Fatalf("corrupt store was changed: %d bytes, %v", len(got), err)
	}
	// A directory that does not exist.
	if _, _, err := healingOptions(&config.Config{Healing: config.Healing{Knowledge: filepath.Join(dir, "no", "k.db")}}, log); err == nil || !strings.Contains(err.Error(), "healing.knowledge") {
		t.Fatalf("missing directory: %v", err)
	}
}

// nopConn is a transport.Conn that discards what it is sent.
type nopConn struct{ closed chan struct{} }

func (c *nopConn) ReadFrom([]byte) (int, netip.AddrPort, error) {
	<-c.closed
	return 0, netip.AddrPort{}, transport.ErrClosed
}
func (c *nopConn) WriteTo([]byte, netip.AddrPort) error { return nil }
func (c *nopConn) LocalAddr() netip.AddrPort            { return netip.MustParseAddrPort("127.0.0.1:9") }
func (c *nopConn) Close() error                         { close(c.closed); return nil }

func TestChaosTransport(t *testing.T) {
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	inner := &nopConn{closed: make(chan struct{})}
	conn, opt, err := chaosTransport(inner, config.Chaos{Seed: 1}, log)
	if err != nil || conn != transport.Conn(inner) || opt.Faults != nil || logs.Len() != 0 {
		t.Fatalf("chaos off: %v %+v %v %q", conn, opt, err, logs.String())
	}
	if _, _, err := chaosTransport(inner, config.Chaos{Blackhole: []string{"zz"}}, log); err == nil {
		t.Fatal("bad blackhole ID accepted")
	}
	conn, opt, err = chaosTransport(inner, config.Chaos{Seed: 3, Drop: 1, Delay: config.Duration(time.Millisecond), Blackhole: []string{strings.ToUpper(topoB)}}, log)
	if err != nil {
		t.Fatal(err)
	}
	fc, ok := conn.(*fault.Conn)
	if !ok || opt.Faults != fc || len(opt.Blackhole) != 1 || opt.Blackhole[0].String() != topoB {
		t.Fatalf("chaos on: %T %+v", conn, opt)
	}
	if !strings.Contains(logs.String(), "CHAOS") || !strings.Contains(logs.String(), "level=WARN") {
		t.Fatalf("no loud warning: %q", logs.String())
	}
	for range 10 {
		_ = conn.WriteTo([]byte("x"), netip.MustParseAddrPort("127.0.0.1:10"))
	}
	if st := fc.Stats(); st.DroppedOut != 10 {
		t.Fatalf("drop 1 dropped %d of 10", st.DroppedOut)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
}
