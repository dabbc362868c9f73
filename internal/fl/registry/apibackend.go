package registry

import (
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// DefaultRollbackReason is the reason recorded for a rollback requested
// through the API without one.
const DefaultRollbackReason = "operator rollback through the API"

// APIBackend serves a Store through the node's HTTP API: it implements
// api.ModelBackend, so a node Backend that embeds or forwards to it gets
// the /api/v1/models endpoints. It is safe for concurrent use.
type APIBackend struct {
	store      *Store
	now        func() time.Time
	onRollback func(Change)
}

var _ api.ModelBackend = (*APIBackend)(nil)

// NewAPIBackend returns the API view of s; now gives the time of
// rollbacks, and onRollback, when not nil, is called after each rollback
// made through the API has committed, so that the node can load the
// version that is now current.
func NewAPIBackend(s *Store, now func() time.Time, onRollback func(Change)) *APIBackend {
	return &APIBackend{store: s, now: now, onRollback: onRollback}
}

// apiError wraps err in the api sentinel that gives its status code.
func apiError(err error) error {
	switch {
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("%w: %w", api.ErrNotFound, err)
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrAmbiguous):
		return fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	case errors.Is(err, ErrNotEarlier):
		return fmt.Errorf("%w: %w", api.ErrConflict, err)
	case errors.Is(err, ErrClosed):
		return fmt.Errorf("%w: %w", api.ErrUnavailable, err)
	}
	return err
}

// ModelInfo converts v to its API form.
func ModelInfo(v Version) api.ModelInfo {
	m := api.ModelInfo{
		ID: v.ID.String(), Round: v.Round, Kind: v.Kind, Strategy: v.Strategy,
		EpsilonRound: v.EpsilonRound, EpsilonTotal: v.EpsilonTotal, Delta: v.Delta,
		Participants: len(v.Participants), Coordinator: v.Coordinator.String(),
		PayloadSize: v.PayloadSize, PayloadSHA256: hex.EncodeToString(v.PayloadHash[:]),
		CreatedAt: v.Created, AcceptedAt: v.AcceptedAt, Current: v.Current,
	}
	if !v.Parent.IsZero() {
		m.Parent = v.Parent.String()
	}
	return m
}

// ModelChange converts c to its API form.
func ModelChange(c Change) api.ModelChange {
	m := api.ModelChange{Seq: c.Seq, At: c.At, Action: c.Kind.String(), To: c.To.String(), Round: c.Round, Reason: c.Reason}
	if !c.From.IsZero() {
		m.From = c.From.String()
	}
	return m
}

// Models lists the stored versions by ascending round.
func (a *APIBackend) Models() ([]api.ModelInfo, error) {
	list, err := a.store.List()
	if err != nil {
		return nil, apiError(err)
	}
	out := make([]api.ModelInfo, 0, len(list))
	for _, v := range list {
		out = append(out, ModelInfo(v))
	}
	return out, nil
}

// Model describes the stored version id (an ID or a unique prefix).
func (a *APIBackend) Model(id string) (api.ModelDetail, error) {
	rid, err := a.store.Resolve(id)
	if err != nil {
		return api.ModelDetail{}, apiError(err)
	}
	v, err := a.store.Info(rid)
	if err != nil {
		return api.ModelDetail{}, apiError(err)
	}
	anc, complete, err := a.store.Lineage(rid)
	if err != nil {
		return api.ModelDetail{}, apiError(err)
	}
	d := api.ModelDetail{
		Model: ModelInfo(v), Participants: make([]string, 0, len(v.Participants)),
		CoordinatorName: v.Certificate.Name, CoordinatorSerial: hex.EncodeToString(v.Certificate.Serial[:]),
		Lineage: make([]api.ModelInfo, 0, len(anc)), LineageComplete: complete,
	}
	for _, p := range v.Participants {
		d.Participants = append(d.Participants, p.String())
	}
	for _, p := range anc {
		d.Lineage = append(d.Lineage, ModelInfo(p))
	}
	return d, nil
}

// ModelHistory lists the changes of the current version, oldest first.
func (a *APIBackend) ModelHistory() ([]api.ModelChange, error) {
	list, err := a.store.History()
	if err != nil {
		return nil, apiError(err)
	}
	out := make([]api.ModelChange, 0, len(list))
	for _, c := range list {
		out = append(out, ModelChange(c))
	}
	return out, nil
}

// get returns the stored record id (an ID or a unique prefix).
func (a *APIBackend) get(id string) (*Record, error) {
	rid, err := a.store.Resolve(id)
	if err != nil {
		return nil, apiError(err)
	}
	r, err := a.store.Get(rid)
	if err != nil {
		return nil, apiError(err)
	}
	return r, nil
}

// ModelPayload returns the model file of the stored version id.
func (a *APIBackend) ModelPayload(id string) ([]byte, error) {
	r, err := a.get(id)
	if err != nil {
		return nil, err
	}
	return r.Payload, nil
}

// ModelRecord returns the signed record of the stored version id.
func (a *APIBackend) ModelRecord(id string) ([]byte, error) {
	r, err := a.get(id)
	if err != nil {
		return nil, err
	}
	return r.Raw(), nil
}

// RollbackModel makes the stored version req.ID (a full ID) current again,
// with DefaultRollbackReason when req.Reason is empty.
func (a *APIBackend) RollbackModel(req api.ModelRollbackRequest) (api.ModelChange, error) {
	id, err := ParseID(req.ID)
	if err != nil {
		return api.ModelChange{}, apiError(err)
	}
	reason := req.Reason
	if reason == "" {
		reason = DefaultRollbackReason
	}
	c, err := a.store.Rollback(id, reason, a.now())
	if err != nil {
		return api.ModelChange{}, apiError(err)
	}
	if a.onRollback != nil {
		a.onRollback(c)
	}
	return ModelChange(c), nil
}
