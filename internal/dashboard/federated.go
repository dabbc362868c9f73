package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// modelView is one row of the model versions table.
type modelView struct {
	// ID is the version ID's first ShortIDLength digits; FullID all of them.
	ID, FullID string
	// Round is the federated round that produced the version.
	Round uint64
	// Kind and Strategy name the payload format and the aggregation strategy.
	Kind, Strategy string
	// Epsilon is the ε spent by all rounds up to this one, with its δ, or a note that the rounds
	// were not accounted.
	Epsilon string
	// Participants counts the nodes whose updates the round aggregated.
	Participants int
	// Created is when the coordinator made the version, Accepted when this node took it.
	Created, Accepted Time
	// Current marks the version the node uses now.
	Current bool
}

// changeView is one row of the current-version history table.
type changeView struct {
	// Seq numbers the change; At is when it was made.
	Seq uint64
	At  Time
	// Action is accept or rollback.
	Action string
	// From and To are the short IDs of the versions current before and after; From is empty for
	// the first acceptance.
	From, To string
	// Round is the round of To.
	Round uint64
	// Reason says why.
	Reason string
}

// federatedView is the data of the federated learning page. With On false the node keeps no
// model store and the page says how to turn it on.
type federatedView struct {
	// On reports whether the node keeps a model store.
	On bool
	// Versions are the stored versions, newest round first; Changes the changes of the current
	// version, newest first. Each is cut to MaxListed.
	Versions []modelView
	Changes  []changeView
	// Current is the row of the current version, if any.
	Current *modelView
	// HiddenVersions and HiddenChanges count the rows cut.
	HiddenVersions, HiddenChanges int
}

// modelsOff reports whether err from a ModelBackend means the node keeps no model store, which
// the page shows rather than fails on.
func modelsOff(err error) bool { return errors.Is(err, api.ErrUnavailable) }

// readModels reads the node's model versions and their history; the view's On is false when the
// backend has no model store (it does not implement api.ModelBackend, or answers ErrUnavailable).
func (h *Handler) readModels() (fv federatedView, err error) {
	mb, ok := h.b.(api.ModelBackend)
	if !ok {
		return fv, nil
	}
	list, err := mb.Models()
	if modelsOff(err) {
		return fv, nil
	}
	if err != nil {
		return fv, fmt.Errorf("dashboard: models: %w", err)
	}
	hist, err := mb.ModelHistory()
	if modelsOff(err) {
		return fv, nil
	}
	if err != nil {
		return fv, fmt.Errorf("dashboard: model history: %w", err)
	}
	fv.On = true
	now := h.opt.Clock.Now()
	for _, m := range slices.Backward(list) {
		v := modelView{
			ID: shortID(m.ID), FullID: clean(m.ID, 2*api.ModelIDSize), Round: m.Round,
			Kind: clean(m.Kind, MaxNameLength), Strategy: clean(m.Strategy, MaxNameLength),
			Epsilon: epsilon(m.EpsilonTotal, m.Delta), Participants: m.Participants,
			Created: mkTime(m.CreatedAt, now), Accepted: mkTime(m.AcceptedAt, now), Current: m.Current,
		}
		fv.Versions = append(fv.Versions, v)
		if v.Current {
			fv.Current = &v
		}
	}
	for _, c := range slices.Backward(hist) {
		cv := changeView{
			Seq: c.Seq, At: mkTime(c.At, now), Action: clean(c.Action, MaxNameLength), To: shortID(c.To),
			Round: c.Round, Reason: clean(c.Reason, 4*MaxNameLength),
		}
		if c.From != "" {
			cv.From = shortID(c.From)
		}
		fv.Changes = append(fv.Changes, cv)
	}
	fv.HiddenVersions, fv.HiddenChanges = max(0, len(fv.Versions)-MaxListed), max(0, len(fv.Changes)-MaxListed)
	fv.Versions, fv.Changes = firstN(fv.Versions), firstN(fv.Changes)
	return fv, nil
}

// epsilon writes a version's total ε with its δ, or says the rounds were not accounted.
func epsilon(eps, delta float64) string {
	if eps <= 0 {
		return "not accounted"
	}
	s := strconv.FormatFloat(eps, 'g', 4, 64)
	if delta > 0 {
		s += " (δ " + strconv.FormatFloat(delta, 'g', 3, 64) + ")"
	}
	return s
}

func (h *Handler) federated(*http.Request) (string, *view, int, error) {
	fv, err := h.readModels()
	if err != nil {
		return "", nil, http.StatusInternalServerError, err
	}
	now := h.opt.Clock.Now()
	return "federated", &view{Title: "Federated learning", Nav: "federated", Now: mkTime(now, now), Data: fv}, 0, nil
}
