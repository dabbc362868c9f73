package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

// encode returns ValueVersion followed by the JSON of v, after check.
func encode[T any](v *T, check func(*T) error) ([]byte, error) {
	if err := check(v); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteByte(ValueVersion)
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	if len(out) > MaxValueSize {
		return nil, fmt.Errorf("%w: encoded value is %d bytes, at most %d", ErrInvalid, len(out), MaxValueSize)
	}
	return out, nil
}

// decode parses a value written by encode: version byte, exactly one JSON
// object with known fields only, then check.
func decode[T any](b []byte, check func(*T) error) (T, error) {
	var v T
	if len(b) > MaxValueSize {
		return v, fmt.Errorf("%w: value is %d bytes, at most %d", ErrMalformed, len(b), MaxValueSize)
	}
	if len(b) == 0 || b[0] != ValueVersion {
		return v, fmt.Errorf("%w: unknown value version", ErrMalformed)
	}
	d := json.NewDecoder(bytes.NewReader(b[1:]))
	d.DisallowUnknownFields()
	if err := d.Decode(&v); err != nil {
		return v, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if _, err := d.Token(); err != io.EOF {
		return v, fmt.Errorf("%w: trailing data", ErrMalformed)
	}
	if err := check(&v); err != nil {
		return v, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return v, nil
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func validDecider(d mapek.Decider) bool {
	return d == mapek.DecidedByRules || d == mapek.DecidedByScorer
}

func checkIncident(i *mapek.Incident) error {
	switch {
	case i.ID == 0:
		return fmt.Errorf("%w: incident ID 0", ErrInvalid)
	case !i.Kind.Valid():
		return fmt.Errorf("%w: incident %d: unknown kind %v", ErrInvalid, i.ID, i.Kind)
	case !validDecider(i.Decider):
		return fmt.Errorf("%w: incident %d: unknown decider %v", ErrInvalid, i.ID, i.Decider)
	case i.Rung < 0 || i.Rung > MaxRung || i.Actions < 0:
		return fmt.Errorf("%w: incident %d: rung %d, %d actions", ErrInvalid, i.ID, i.Rung, i.Actions)
	case !finite(i.PeakSeverity) || i.PeakSeverity < 0 || i.PeakSeverity > 1:
		return fmt.Errorf("%w: incident %d: severity %v", ErrInvalid, i.ID, i.PeakSeverity)
	}
	return nil
}

func checkAction(a *mapek.Action) error {
	switch {
	case a.ID == 0:
		return fmt.Errorf("%w: action ID 0", ErrInvalid)
	case !a.Kind.Valid() || !a.Symptom.Valid() || !a.Outcome.Valid():
		return fmt.Errorf("%w: action %d: unknown kind, symptom or outcome", ErrInvalid, a.ID)
	case a.Rung < 0 || a.Rung > MaxRung:
		return fmt.Errorf("%w: action %d: rung %d", ErrInvalid, a.ID, a.Rung)
	case len(a.Err) > MaxTextSize:
		return fmt.Errorf("%w: action %d: error text of %d bytes", ErrInvalid, a.ID, len(a.Err))
	case !finite(a.MetricBefore, a.MetricAfter):
		return fmt.Errorf("%w: action %d: non-finite metric", ErrInvalid, a.ID)
	}
	return nil
}

func checkAudit(r *mapek.AuditRecord) error {
	switch {
	case !r.Stage.Valid():
		return fmt.Errorf("%w: audit: unknown stage %v", ErrInvalid, r.Stage)
	case len(r.Event) == 0 || len(r.Event) > MaxNameSize:
		return fmt.Errorf("%w: audit: event of %d bytes", ErrInvalid, len(r.Event))
	case r.Symptom != 0 && !r.Symptom.Valid(), r.Action != 0 && !r.Action.Valid(), r.Decider != 0 && !validDecider(r.Decider):
		return fmt.Errorf("%w: audit: unknown symptom, action or decider", ErrInvalid)
	case len(r.Detail) > MaxTextSize:
		return fmt.Errorf("%w: audit: detail of %d bytes", ErrInvalid, len(r.Detail))
	case len(r.Evidence) > MaxEvidence:
		return fmt.Errorf("%w: audit: %d evidence entries", ErrInvalid, len(r.Evidence))
	}
	for k, v := range r.Evidence {
		if len(k) == 0 || len(k) > MaxNameSize || !finite(v) {
			return fmt.Errorf("%w: audit: evidence %q = %v", ErrInvalid, k, v)
		}
	}
	return nil
}

func checkBaseline(b *mapek.Baseline) error {
	if b.Peer.IsZero() || !finite(b.Loss) || b.Loss < 0 || b.Loss > 1 || b.RTT < 0 {
		return fmt.Errorf("%w: baseline of %s: loss %v, RTT %v", ErrInvalid, b.Peer.Short(), b.Loss, b.RTT)
	}
	return nil
}

// EncodeIncident, EncodeAction, EncodeAudit and EncodeBaseline return the
// stored encoding of a record; the errors wrap ErrInvalid.
func EncodeIncident(i mapek.Incident) ([]byte, error) { return encode(&i, checkIncident) }

// EncodeAction returns the stored encoding of an action.
func EncodeAction(a mapek.Action) ([]byte, error) { return encode(&a, checkAction) }

// EncodeAudit returns the stored encoding of an audit record.
func EncodeAudit(r mapek.AuditRecord) ([]byte, error) { return encode(&r, checkAudit) }

// EncodeBaseline returns the stored encoding of a baseline.
func EncodeBaseline(b mapek.Baseline) ([]byte, error) { return encode(&b, checkBaseline) }

// DecodeIncident, DecodeAction, DecodeAudit and DecodeBaseline parse the
// stored encoding of a record strictly; the errors wrap ErrMalformed.
func DecodeIncident(b []byte) (mapek.Incident, error) { return decode(b, checkIncident) }

// DecodeAction parses the stored encoding of an action.
func DecodeAction(b []byte) (mapek.Action, error) { return decode(b, checkAction) }

// DecodeAudit parses the stored encoding of an audit record.
func DecodeAudit(b []byte) (mapek.AuditRecord, error) { return decode(b, checkAudit) }

// DecodeBaseline parses the stored encoding of a baseline.
func DecodeBaseline(b []byte) (mapek.Baseline, error) { return decode(b, checkBaseline) }
