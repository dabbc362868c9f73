package node

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/meshdetect"
	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/modelsync"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/registry"
	"github.com/x0tta6bl4/x0tta6bl4/internal/sim"
)

var (
	detOnce sync.Once
	detFile []byte
	detErr  error
)

// detectorFile returns a small detector file, trained once per test run on one simulated grid.
func detectorFile(t *testing.T) []byte {
	t.Helper()
	detOnce.Do(func() {
		ctx := context.Background()
		frames, err := meshdetect.Generate(ctx, []meshdetect.Spec{{Topology: sim.Grid, Nodes: meshdetect.MinScenarioNodes, Seed: 1}}, 1)
		if err != nil {
			detErr = err
			return
		}
		opt := meshdetect.DefaultTrainOptions()
		opt.Config.Hidden, opt.Config.Epochs, opt.Config.Patience = 4, 2, 1
		d, _, err := meshdetect.Train(ctx, frames, frames, opt)
		if err != nil {
			detErr = err
			return
		}
		var b bytes.Buffer
		detErr = d.Save(&b)
		detFile = b.Bytes()
	})
	if detErr != nil {
		t.Fatalf("training a detector: %v", detErr)
	}
	return detFile
}

// modelNode is a Node with self-healing and a model store, and a coordinator of its network.
type modelNode struct {
	n     *Node
	log   *logBuffer
	store *registry.Store
	coord *member
}

func newModelNode(t *testing.T, group string, healing bool) *modelNode {
	t.Helper()
	h := newHarness(t)
	a := h.member("alpha", "127.0.0.1:1001", h.ca)
	conn, err := h.net.Listen(a.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	s, err := registry.Open(filepath.Join(t.TempDir(), "models.db"), registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	n, err := New(Options{Identity: a.id, Cert: a.cert, CA: h.ca.Cert, Conn: conn, Rand: crand.Reader, Logger: slog.New(slog.NewTextHandler(a.log, nil)),
		Healing: HealingOptions{Enabled: healing}, Models: ModelOptions{Store: s, CoordinatorGroup: group}})
	if err != nil {
		t.Fatal(err)
	}
	return &modelNode{n: n, log: a.log, store: s, coord: h.member("coord", "127.0.0.1:1002", h.ca)}
}

// sign signs payload as round with parent, by the node's coordinator.
func (m *modelNode) sign(t *testing.T, round uint64, parent registry.ID, kind string, payload []byte) *registry.Record {
	t.Helper()
	r, err := registry.Sign(registry.Params{Kind: kind, Payload: payload, Parent: parent, Round: round, Strategy: "fedavg",
		Created: time.Now()}, m.coord.id.Signing, m.coord.cert)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAcceptModel: an authentic detector becomes current and the loop's scorer; a forged one, one
// that is not a detector, one of another kind, one from outside the coordinator group and a
// replay are refused and the scorer stays.
func TestAcceptModel(t *testing.T) {
	det := detectorFile(t)
	m := newModelNode(t, "", true)
	r1 := m.sign(t, 1, registry.ID{}, ModelKind, det)
	raw := m.sign(t, 2, r1.ID, ModelKind, det).Raw()
	raw[len(raw)-1] ^= 1
	forged, err := registry.ParseRecord(raw)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		r    *registry.Record
		want error // nil: accepted
	}{
		{"detector", r1, nil},
		{"replay", r1, registry.ErrDuplicate},
		{"forged", forged, registry.ErrPayloadHash},
		{"not a detector", m.sign(t, 2, r1.ID, ModelKind, []byte("no model here")), ErrNotDetector},
		{"other kind", m.sign(t, 2, r1.ID, "onnx/v1", det), modelsync.ErrUnusable},
		{"stale", m.sign(t, 1, registry.ID{}, ModelKind, det), registry.ErrStale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := m.n.AcceptModel(tt.r, "test")
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if id, ok := m.n.LoadedModel(); !ok || id != r1.ID {
				t.Fatalf("loaded %s, %v; want %s", id.Short(), ok, r1.ID.Short())
			}
		})
	}
	if !strings.Contains(m.log.String(), "self-healing scorer switched to model version") {
		t.Errorf("no switch logged:\n%s", m.log)
	}
}

// TestModelAPIAndRollback: the node serves its store through api.ModelBackend, and a rollback
// through it switches the scorer back; a node without a store reports ErrModelsOff.
func TestModelAPIAndRollback(t *testing.T) {
	det := detectorFile(t)
	m := newModelNode(t, "", true)
	r1 := m.sign(t, 1, registry.ID{}, ModelKind, det)
	r2 := m.sign(t, 2, r1.ID, ModelKind, det)
	for _, r := range []*registry.Record{r1, r2} {
		if err := m.n.AcceptModel(r, "test"); err != nil {
			t.Fatal(err)
		}
	}
	list, err := m.n.Models()
	if err != nil || len(list) != 2 || !list[1].Current || list[1].ID != r2.ID.String() {
		t.Fatalf("Models = %+v, %v", list, err)
	}
	if d, err := m.n.Model(r1.ID.Short()); err != nil || d.Model.Round != 1 {
		t.Fatalf("Model = %+v, %v", d, err)
	}
	if p, err := m.n.ModelPayload(r1.ID.String()); err != nil || !bytes.Equal(p, det) {
		t.Fatalf("ModelPayload: %v", err)
	}
	if b, err := m.n.ModelRecord(r2.ID.String()); err != nil || !bytes.Equal(b, r2.Raw()) {
		t.Fatalf("ModelRecord: %v", err)
	}
	if _, err := m.n.RollbackModel(api.ModelRollbackRequest{ID: r1.ID.String(), Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	if id, _ := m.n.LoadedModel(); id != r1.ID {
		t.Fatalf("after rollback the node runs %s, want %s", id.Short(), r1.ID.Short())
	}
	if h, err := m.n.ModelHistory(); err != nil || len(h) != 3 {
		t.Fatalf("ModelHistory = %+v, %v", h, err)
	}

	off := testNode(t, 0)
	for name, call := range map[string]func() error{
		"Models":       func() error { _, err := off.Models(); return err },
		"Model":        func() error { _, err := off.Model("x"); return err },
		"ModelHistory": func() error { _, err := off.ModelHistory(); return err },
		"ModelPayload": func() error { _, err := off.ModelPayload("x"); return err },
		"ModelRecord":  func() error { _, err := off.ModelRecord("x"); return err },
		"Rollback":     func() error { _, err := off.RollbackModel(api.ModelRollbackRequest{}); return err },
		"Accept":       func() error { return off.AcceptModel(r1, "test") },
		"UseCurrent":   off.UseCurrentModel,
	} {
		if err := call(); !errors.Is(err, ErrModelsOff) || !errors.Is(err, api.ErrUnavailable) {
			t.Errorf("%s on a node without models: %v", name, err)
		}
	}
	if _, ok := off.LoadedModel(); ok {
		t.Error("a node without models runs one")
	}
}

// TestModelCoordinatorGroup: with a coordinator group, a version signed outside it is refused.
func TestModelCoordinatorGroup(t *testing.T) {
	m := newModelNode(t, "fl-coord", false)
	err := m.n.AcceptModel(m.sign(t, 1, registry.ID{}, ModelKind, detectorFile(t)), "test")
	if !errors.Is(err, registry.ErrNotCoordinator) {
		t.Fatalf("err = %v, want ErrNotCoordinator", err)
	}
}

// TestModelAtStart: a node started on a store whose current version is a detector runs it, even
// with self-healing off; one whose current version is not a detector logs the error and starts.
func TestModelAtStart(t *testing.T) {
	for _, tt := range []struct {
		name    string
		payload []byte
		healing bool
		loaded  bool
		log     string
	}{
		{"detector, healing on", detectorFile(t), true, true, "self-healing scorer switched"},
		{"detector, healing off", detectorFile(t), false, true, "self-healing is off"},
		{"not a detector", []byte("junk"), true, false, "cannot run"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := newModelNode(t, "", tt.healing)
			r := m.sign(t, 1, registry.ID{}, ModelKind, tt.payload)
			if _, err := m.store.Accept(r, m.n.models.verify, time.Now()); err != nil {
				t.Fatal(err)
			}
			conn, err := newHarness(t).net.Listen(m.n.conn.LocalAddr())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			lb := &logBuffer{}
			o := m.n.opt
			o.Conn, o.Logger = conn, slog.New(slog.NewTextHandler(lb, nil))
			n2, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := n2.LoadedModel(); ok != tt.loaded {
				t.Errorf("loaded %v, want %v", ok, tt.loaded)
			}
			if !strings.Contains(lb.String(), tt.log) {
				t.Errorf("log lacks %q:\n%s", tt.log, lb)
			}
		})
	}
}
