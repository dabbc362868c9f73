package api

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ErrConflict maps to 409: the request contradicts the resource's state, such as a rollback to a
// model version that is not older than the current one.
var ErrConflict = errors.New("conflict")

// errNoModels is the 501 answer of a Backend without a model registry.
var errNoModels = errors.New("not implemented: this node has no federated model registry")

// ModelInfo summarizes one stored global model version (docs/models.md).
type ModelInfo struct {
	// ID is the version's ID: the SHA-256 of its signed body, 64 hexadecimal digits.
	ID string `json:"id"`
	// Round is the federated round that produced the version.
	Round uint64 `json:"round"`
	// Kind names the payload's format, such as meshdetect/v1.
	Kind string `json:"kind"`
	// Strategy names the aggregation strategy.
	Strategy string `json:"strategy"`
	// EpsilonRound and EpsilonTotal are the differential-privacy ε spent by the round and by all
	// rounds up to it, Delta the δ they hold for; all 0 when the rounds were not accounted.
	EpsilonRound float64 `json:"epsilon_round"`
	EpsilonTotal float64 `json:"epsilon_total"`
	Delta        float64 `json:"delta"`
	// Participants counts the nodes whose updates the round aggregated.
	Participants int `json:"participants"`
	// Parent is the ID of the version this one was trained from; absent for a first version.
	Parent string `json:"parent,omitempty"`
	// Coordinator is the node ID of the coordinator that signed the version.
	Coordinator string `json:"coordinator"`
	// PayloadSize and PayloadSHA256 describe the model file.
	PayloadSize   int    `json:"payload_size"`
	PayloadSHA256 string `json:"payload_sha256"`
	// CreatedAt is when the coordinator made the version; AcceptedAt when this node accepted it.
	CreatedAt  time.Time `json:"created_at"`
	AcceptedAt time.Time `json:"accepted_at"`
	// Current reports whether the node uses this version now.
	Current bool `json:"current"`
}

// ModelDetail is one stored model version with its participants, coordinator and lineage.
type ModelDetail struct {
	// Model summarizes the version.
	Model ModelInfo `json:"model"`
	// Participants are the node IDs whose updates the round aggregated, ascending.
	Participants []string `json:"participants"`
	// CoordinatorName and CoordinatorSerial identify the coordinator's certificate.
	CoordinatorName   string `json:"coordinator_name"`
	CoordinatorSerial string `json:"coordinator_serial"`
	// Lineage lists the ancestors the node still stores, parent first.
	Lineage []ModelInfo `json:"lineage"`
	// LineageComplete reports whether Lineage reaches a first version; false when an ancestor
	// was pruned.
	LineageComplete bool `json:"lineage_complete"`
}

// ModelChange is one change of the node's current model version.
type ModelChange struct {
	// Seq numbers the changes from 1.
	Seq uint64 `json:"seq"`
	// At is when the change was made.
	At time.Time `json:"at"`
	// Action is accept (a new version from a coordinator) or rollback (an operator's return to an
	// earlier version).
	Action string `json:"action"`
	// From is the version current before; absent for the first acceptance.
	From string `json:"from,omitempty"`
	// To is the version current after.
	To string `json:"to"`
	// Round is the round of To.
	Round uint64 `json:"round"`
	// Reason says why.
	Reason string `json:"reason"`
}

// ModelRollbackRequest asks the node to make the stored version ID (all 64 hexadecimal digits)
// current again, for Reason (optional, at most MaxRollbackReasonSize bytes of text).
type ModelRollbackRequest struct {
	ID     string `json:"id"`
	Reason string `json:"reason,omitempty"`
}

// ModelBackend is what the model endpoints need from a node. A Backend that also implements it
// serves them; with any other Backend they answer 501. Errors wrapping ErrNotFound, ErrBadRequest,
// ErrConflict or ErrUnavailable map to 404, 400, 409 and 503. An id argument is a version ID or a
// unique prefix of one.
type ModelBackend interface {
	// Models lists the stored versions by ascending round.
	Models() ([]ModelInfo, error)
	// Model describes one stored version.
	Model(id string) (ModelDetail, error)
	// ModelHistory lists the changes of the current version, oldest first.
	ModelHistory() ([]ModelChange, error)
	// ModelPayload returns a stored version's model file.
	ModelPayload(id string) ([]byte, error)
	// ModelRecord returns a stored version's signed record (docs/models.md), which a peer can
	// verify with only the network's CA certificate.
	ModelRecord(id string) ([]byte, error)
	// RollbackModel makes an earlier stored version current again.
	RollbackModel(req ModelRollbackRequest) (ModelChange, error)
}

// modelBackend returns the Backend's ModelBackend, or answers 501 and returns false.
func (s *server) modelBackend(w http.ResponseWriter, r *http.Request) (ModelBackend, bool) {
	mb, ok := s.b.(ModelBackend)
	if !ok {
		s.fail(w, r, http.StatusNotImplemented, errNoModels)
	}
	return mb, ok
}

func (s *server) models(w http.ResponseWriter, r *http.Request) {
	mb, ok := s.modelBackend(w, r)
	if !ok {
		return
	}
	list, err := mb.Models()
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	if list == nil {
		list = []ModelInfo{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *server) modelHistory(w http.ResponseWriter, r *http.Request) {
	mb, ok := s.modelBackend(w, r)
	if !ok {
		return
	}
	list, err := mb.ModelHistory()
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	if list == nil {
		list = []ModelChange{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *server) model(w http.ResponseWriter, r *http.Request) {
	mb, ok := s.modelBackend(w, r)
	if !ok {
		return
	}
	d, err := mb.Model(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	if d.Participants == nil {
		d.Participants = []string{}
	}
	if d.Lineage == nil {
		d.Lineage = []ModelInfo{}
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *server) modelPayload(w http.ResponseWriter, r *http.Request) {
	s.modelBytes(w, r, ModelBackend.ModelPayload)
}

func (s *server) modelRecord(w http.ResponseWriter, r *http.Request) {
	s.modelBytes(w, r, ModelBackend.ModelRecord)
}

// modelBytes serves the bytes get returns for the version in the path.
func (s *server) modelBytes(w http.ResponseWriter, r *http.Request, get func(ModelBackend, string) ([]byte, error)) {
	mb, ok := s.modelBackend(w, r)
	if !ok {
		return
	}
	b, err := get(mb, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func (s *server) rollbackModel(w http.ResponseWriter, r *http.Request) {
	mb, ok := s.modelBackend(w, r)
	if !ok {
		return
	}
	req, err := DecodeModelRollbackRequest(http.MaxBytesReader(w, r.Body, MaxBodySize))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	c, err := mb.RollbackModel(req)
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// DecodeModelRollbackRequest strictly decodes and validates a rollback request body: one JSON
// object with a full 64-digit hexadecimal id (returned in lower case) and an optional reason of at
// most MaxRollbackReasonSize bytes without control characters.
func DecodeModelRollbackRequest(r io.Reader) (ModelRollbackRequest, error) {
	var req ModelRollbackRequest
	dec := json.NewDecoder(io.LimitReader(r, MaxBodySize+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return ModelRollbackRequest{}, fmt.Errorf("%w: body: %v", ErrBadRequest, err)
	}
	if dec.More() {
		return ModelRollbackRequest{}, fmt.Errorf("%w: body: trailing data after the JSON object", ErrBadRequest)
	}
	req.ID = strings.ToLower(req.ID)
	if _, err := hex.DecodeString(req.ID); err != nil || len(req.ID) != 2*ModelIDSize {
		return ModelRollbackRequest{}, fmt.Errorf("%w: id: %q is not %d hexadecimal digits", ErrBadRequest, req.ID, 2*ModelIDSize)
	}
	if len(req.Reason) > MaxRollbackReasonSize {
		return ModelRollbackRequest{}, fmt.Errorf("%w: reason: %d bytes, at most %d", ErrBadRequest, len(req.Reason), MaxRollbackReasonSize)
	}
	if i := strings.IndexFunc(req.Reason, unicode.IsControl); i >= 0 {
		return ModelRollbackRequest{}, fmt.Errorf("%w: reason: control character at byte %d", ErrBadRequest, i)
	}
	return req, nil
}

// Models fetches /api/v1/models.
func (c *Client) Models(ctx context.Context) ([]ModelInfo, error) {
	var list []ModelInfo
	return list, c.do(ctx, http.MethodGet, "/api/v1/models", nil, &list)
}

// Model fetches /api/v1/models/{id}; id is a version ID or a unique prefix of one.
func (c *Client) Model(ctx context.Context, id string) (ModelDetail, error) {
	var d ModelDetail
	if id == "" || strings.ContainsAny(id, "/?#%") {
		return d, fmt.Errorf("api: %q is not a model version ID", id)
	}
	return d, c.do(ctx, http.MethodGet, "/api/v1/models/"+id, nil, &d)
}

// ModelHistory fetches /api/v1/models/history.
func (c *Client) ModelHistory(ctx context.Context) ([]ModelChange, error) {
	var list []ModelChange
	return list, c.do(ctx, http.MethodGet, "/api/v1/models/history", nil, &list)
}

// RollbackModel asks the node to make an earlier stored version current again.
func (c *Client) RollbackModel(ctx context.Context, req ModelRollbackRequest) (ModelChange, error) {
	var ch ModelChange
	return ch, c.do(ctx, http.MethodPost, "/api/v1/models/rollback", req, &ch)
}
