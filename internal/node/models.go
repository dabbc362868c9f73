package node

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/meshdetect"
	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/modelsync"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/registry"
)

// ModelKind is the only payload kind a node loads as its anomaly model: a meshdetect detector
// file (internal/anomaly/meshdetect).
const ModelKind = "meshdetect/v1"

// ErrModelsOff reports a model query on a node without a model store (models.registry is empty);
// it wraps api.ErrUnavailable.
var ErrModelsOff = fmt.Errorf("%w: this node keeps no model store (models.registry is empty)", api.ErrUnavailable)

// ErrNotDetector reports a model version whose payload is not a detector the node can run.
var ErrNotDetector = fmt.Errorf("node: model payload is not a usable detector: %w", modelsync.ErrUnusable)

// ModelOptions give the node a store of signed global model versions (internal/fl/registry,
// docs/models.md). The node serves it on the API, accepts versions with AcceptModel and runs the
// current version as the self-healing loop's Scorer.
type ModelOptions struct {
	// Store is the model store; nil turns models off. The caller opens it before New and closes
	// it after Run returns.
	Store *registry.Store
	// CoordinatorGroup, when set, admits only versions signed by a node of this group
	// (registry.Verifier.CoordinatorGroup).
	CoordinatorGroup string
}

// models is the node's model state. store, verify and api are set by New and never change;
// loaded is guarded by Node.mu.
type models struct {
	mu     sync.Mutex // serializes UseCurrentModel
	store  *registry.Store
	verify *registry.Verifier
	api    *registry.APIBackend
	loaded registry.ID // the version whose detector the loop runs; zero for none
}

// Node implements api.ModelBackend.
var _ api.ModelBackend = (*Node)(nil)

// newModels sets up the model store of opt and runs its current version, if any: a version that
// is not a usable detector is logged as an error and the scorer of HealingOptions stays. Called
// by New after newHealing.
func (n *Node) newModels(opt ModelOptions) error {
	if opt.Store == nil {
		return nil
	}
	m := &models{store: opt.Store, verify: &registry.Verifier{Identity: n.verifier, CoordinatorGroup: opt.CoordinatorGroup}}
	m.api = registry.NewAPIBackend(opt.Store, time.Now, func(c registry.Change) {
		n.log.Info("model rolled back", "to", c.To.Short(), "round", c.Round, "reason", c.Reason)
		if err := n.UseCurrentModel(); err != nil {
			n.log.Error("the model rolled back to cannot run: keeping the previous scorer", "id", c.To.Short(), "err", err)
		}
	})
	n.models = m
	switch err := n.UseCurrentModel(); {
	case errors.Is(err, registry.ErrNotFound):
	case errors.Is(err, ErrNotDetector):
		n.log.Error("the current model version cannot run: keeping the scorer of healing.model, if any", "err", err)
	case err != nil:
		return err
	}
	return nil
}

// LoadScorer returns the Scorer of r's payload: r must be of ModelKind and its payload a valid
// meshdetect detector, else the error wraps ErrNotDetector.
func LoadScorer(r *registry.Record) (*meshdetect.Scorer, error) {
	if r.Kind != ModelKind {
		return nil, fmt.Errorf("%w: version %s is of kind %q, want %q", ErrNotDetector, r.ID.Short(), r.Kind, ModelKind)
	}
	d, err := meshdetect.Load(bytes.NewReader(r.Payload))
	if err != nil {
		return nil, fmt.Errorf("%w: version %s: %w", ErrNotDetector, r.ID.Short(), err)
	}
	s, err := meshdetect.NewScorer(d)
	if err != nil {
		return nil, fmt.Errorf("%w: version %s: %w", ErrNotDetector, r.ID.Short(), err)
	}
	return s, nil
}

// AcceptModel offers r to the model store: it must verify against the network CA
// (registry.Verifier), its payload must be a detector the node can run (ErrNotDetector), and
// registry.Store.Accept must admit it under the forward-only rules. An accepted version becomes the self-healing loop's Scorer at once.
// source names where r came from, for the log.
func (n *Node) AcceptModel(r *registry.Record, source string) error {
	m := n.models
	if m == nil {
		return ErrModelsOff
	}
	now := time.Now()
	if err := m.verify.Verify(r, now); err != nil { // authenticity first: a forgery is reported as one
		return fmt.Errorf("node: model from %s: %w", source, err)
	}
	if _, err := LoadScorer(r); err != nil {
		return err
	}
	if _, err := m.store.Accept(r, m.verify, now); err != nil {
		return fmt.Errorf("node: model from %s: %w", source, err)
	}
	return n.UseCurrentModel()
}

// UseCurrentModel runs the store's current version as the self-healing loop's Scorer. A version
// that is not a usable detector is an error and the previous scorer stays; registry.ErrNotFound
// reports a store with no version yet.
func (n *Node) UseCurrentModel() error {
	m := n.models
	if m == nil {
		return ErrModelsOff
	}
	m.mu.Lock() // one switch at a time, each to the version current when it runs
	defer m.mu.Unlock()
	v, err := m.store.Current()
	if err != nil {
		return fmt.Errorf("node: current model: %w", err)
	}
	r, err := m.store.Get(v.ID)
	if err != nil {
		return fmt.Errorf("node: current model: %w", err)
	}
	s, err := LoadScorer(r)
	if err != nil {
		return err
	}
	n.useScorer(r, s)
	return nil
}

// useScorer makes s, the detector of r, the loop's Scorer.
func (n *Node) useScorer(r *registry.Record, s *meshdetect.Scorer) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.models.loaded = r.ID
	if n.heal == nil {
		n.log.Info("model version current; self-healing is off, so no loop runs it", "id", r.ID.Short(), "round", r.Round)
		return
	}
	n.heal.agent.SetScorer(s)
	n.log.Info("self-healing scorer switched to model version", "id", r.ID.Short(), "round", r.Round,
		"payload_sha256", fmt.Sprintf("%x", r.PayloadHash))
}

// LoadedModel returns the version whose detector the node runs, if any.
func (n *Node) LoadedModel() (registry.ID, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.models == nil || n.models.loaded.IsZero() {
		return registry.ID{}, false
	}
	return n.models.loaded, true
}

// Models lists the stored model versions (api.ModelBackend).
func (n *Node) Models() ([]api.ModelInfo, error) {
	if n.models == nil {
		return nil, ErrModelsOff
	}
	return n.models.api.Models()
}

// Model describes one stored model version (api.ModelBackend).
func (n *Node) Model(id string) (api.ModelDetail, error) {
	if n.models == nil {
		return api.ModelDetail{}, ErrModelsOff
	}
	return n.models.api.Model(id)
}

// ModelHistory lists the changes of the current model version (api.ModelBackend).
func (n *Node) ModelHistory() ([]api.ModelChange, error) {
	if n.models == nil {
		return nil, ErrModelsOff
	}
	return n.models.api.ModelHistory()
}

// ModelPayload returns a stored version's model file (api.ModelBackend).
func (n *Node) ModelPayload(id string) ([]byte, error) {
	if n.models == nil {
		return nil, ErrModelsOff
	}
	return n.models.api.ModelPayload(id)
}

// ModelRecord returns a stored version's signed record (api.ModelBackend).
func (n *Node) ModelRecord(id string) ([]byte, error) {
	if n.models == nil {
		return nil, ErrModelsOff
	}
	return n.models.api.ModelRecord(id)
}

// RollbackModel makes an earlier stored version current and runs it (api.ModelBackend).
func (n *Node) RollbackModel(req api.ModelRollbackRequest) (api.ModelChange, error) {
	if n.models == nil {
		return api.ModelChange{}, ErrModelsOff
	}
	return n.models.api.RollbackModel(req)
}
