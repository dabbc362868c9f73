package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/config"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/registry"
)

// currentModel returns the ID of the version p lists as current, or "".
func currentModel(t *testing.T, p *proc) string {
	list, err := client(p).Models(ctx5(t))
	if err != nil {
		return ""
	}
	for _, m := range list {
		if m.Current {
			return m.ID
		}
	}
	return ""
}

// TestModelSyncNodes runs three node processes in a line alpha—beta—gamma, each with a model
// store: a detector signed by a coordinator of the network and published into alpha's inbox
// reaches gamma, two hops away, which runs it as its self-healing scorer; a forged record (one
// payload byte flipped) published at alpha is refused there and never reaches beta or gamma.
func TestModelSyncNodes(t *testing.T) {
	h := newHealNet(t, "alpha", "beta", "gamma", "coord")
	model := filepath.Join(h.dir, "m.model")
	o := benchAnomalyOptions{nodes: 12, trainSeeds: 1, testSeeds: 1, workers: 2, seed: 1, out: model}
	if err := runBenchAnomaly(context.Background(), io.Discard, o, time.Now); err != nil {
		t.Fatal(err)
	}
	sign := func(round, parent, out string) string {
		args := []string{"model", "sign", "--key", "coord.key", "--cert", "coord.crt", "--payload", model, "--kind", "meshdetect/v1",
			"--round", round, "--strategy", "fedavg", "--out", out}
		if parent != "" {
			args = append(args, "--parent", parent)
		}
		outp := cli(t, h.bin, h.dir, args...)
		id := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(outp, "\n", 2)[0], "signed model version "))
		if _, err := registry.ParseID(id); err != nil {
			t.Fatalf("sign output: %s", outp)
		}
		return id
	}
	id1 := sign("1", "", "r1.record")
	id2 := sign("2", id1, "r2.record")
	raw, err := os.ReadFile(filepath.Join(h.dir, "r2.record"))
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 1 // the last payload byte: the record parses, its payload hash does not match
	if err := os.WriteFile(filepath.Join(h.dir, "forged.record"), raw, 0o644); err != nil {
		t.Fatal(err)
	}

	udp := map[string]int{"alpha": freePort(t, "udp"), "beta": freePort(t, "udp"), "gamma": freePort(t, "udp")}
	peers := map[string][]int{"alpha": {udp["beta"]}, "beta": {udp["alpha"], udp["gamma"]}, "gamma": {udp["beta"]}}
	procs := map[string]*proc{}
	for _, name := range []string{"alpha", "beta", "gamma"} {
		if err := os.Mkdir(filepath.Join(h.dir, name+"-inbox"), 0o755); err != nil {
			t.Fatal(err)
		}
		procs[name] = h.start(t, name, udp[name], peers[name],
			"min_peers: -1\nmodels: {registry: "+name+"-models.db, sync_interval: 1s, inbox: "+name+"-inbox}\n")
	}
	waitFor(t, "beta up with alpha and gamma", 20*time.Second, func() bool { return upPeers(t, procs["beta"]) == 2 })

	start := time.Now()
	cli(t, h.bin, h.dir, "model", "publish", "r1.record", "--inbox", "alpha-inbox")
	waitFor(t, "gamma to run round 1", 60*time.Second, func() bool {
		return currentModel(t, procs["gamma"]) == id1 && strings.Contains(procs["gamma"].log.String(), "self-healing scorer switched to model version")
	})
	t.Logf("round 1 published at alpha was gamma's current version %v later", time.Since(start).Round(100*time.Millisecond))
	if got := currentModel(t, procs["beta"]); got != id1 {
		t.Fatalf("beta's current version %q, want %s", got, id1)
	}

	cli(t, h.bin, h.dir, "model", "publish", "forged.record", "--inbox", "alpha-inbox")
	waitFor(t, "alpha to refuse the forged record", 20*time.Second, func() bool {
		return strings.Contains(procs["alpha"].log.String(), "reason=payload-hash")
	})
	time.Sleep(4 * time.Second) // four sync intervals: time enough to spread if it had been accepted
	for _, name := range []string{"alpha", "beta", "gamma"} {
		list, err := client(procs[name]).Models(ctx5(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ID != id1 || !list[0].Current {
			t.Errorf("%s stores %+v, want only round 1 (%s)", name, list, id1)
		}
		if strings.Contains(procs[name].log.String(), id2[:16]) && name != "alpha" {
			t.Errorf("%s saw the forged version %s", name, id2[:16])
		}
	}
}

// TestModelOptions: models.registry opens the store, a locked or corrupt file is an error naming
// it, and no registry means no store.
func TestModelOptions(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	good := filepath.Join(dir, "good.db")
	held, err := registry.Open(filepath.Join(dir, "held.db"), registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	corrupt := filepath.Join(dir, "corrupt.db")
	if err := os.WriteFile(corrupt, bytes.Repeat([]byte{0xAB}, 8192), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       error // nil: opens (or off with an empty path)
	}{
		{"off", "", nil},
		{"new file", good, nil},
		{"locked", filepath.Join(dir, "held.db"), registry.ErrLocked},
		{"corrupt", corrupt, registry.ErrCorrupt},
		{"unopenable", filepath.Join(dir, "missing", "x.db"), os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == registry.ErrLocked && testing.Short() {
				t.Skip("waits for the lock timeout")
			}
			cfg := &config.Config{Models: config.Models{Registry: tt.path}}
			opt, closeStore, err := modelOptions(cfg, log)
			defer closeStore()
			if tt.want == nil {
				if err != nil || (opt.Store != nil) != (tt.path != "") {
					t.Fatalf("store %v, err %v", opt.Store, err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("err = %v, want %v naming %s", err, tt.want, tt.path)
			}
		})
	}
}

// TestModelPublishCmd: publish copies a well-formed record into the inbox under its ID and refuses
// a missing inbox or a file that is not a record.
func TestModelPublishCmd(t *testing.T) {
	n := newModelNet(t)
	rec, id := n.sign(t, 1, "", []byte("payload of round one"))
	inbox := filepath.Join(n.dir, "inbox")
	if err := os.Mkdir(inbox, 0o755); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(n.dir, "junk.record")
	if err := os.WriteFile(junk, []byte("not a record"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string // in the error; empty: succeeds
	}{
		{"published", []string{rec, "--inbox", inbox}, ""},
		{"no inbox flag", []string{rec}, "--inbox is required"},
		{"missing inbox", []string{rec, "--inbox", filepath.Join(n.dir, "none")}, "not a directory"},
		{"not a record", []string{junk, "--inbox", inbox}, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(context.Background(), append([]string{"model", "publish"}, tt.args...)...)
			if tt.want != "" {
				if code == 0 || !strings.Contains(errs, tt.want) {
					t.Fatalf("exit %d, stderr %q, want %q", code, errs, tt.want)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			got, err := registry.LoadRecordFile(filepath.Join(inbox, id+".record"))
			if err != nil || got.ID.String() != id || !strings.Contains(out, id) {
				t.Fatalf("inbox record %v, err %v, output %q", got, err, out)
			}
		})
	}
}
