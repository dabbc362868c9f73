package round

import (
	"encoding"
	"fmt"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/secagg"
)

// openSecure creates the round's secagg client and returns its
// advertisement.
func (c *Client) openSecure(r *clientRound, s *SecAggSettings) (Output, error) {
	if c.cfg.Random == nil {
		return nil, fmt.Errorf("%w: client has no random source for secure aggregation", ErrSecAgg)
	}
	p := secagg.Params{Round: secureRoundID(r.epoch, r.round), Dim: len(r.global), Threshold: s.Threshold,
		Neighbours: s.Neighbours, Clip: s.Clip, Scale: s.Scale}
	sa, err := secagg.NewClient(p, s.ID, c.cfg.Random)
	if err != nil {
		return nil, errSecAggClient(err)
	}
	adv, err := sa.Advertise()
	if err != nil {
		return nil, errSecAggClient(err)
	}
	r.sa = sa
	return c.sendSecure(r, KindAdvertiseKeys, adv)
}

// sendSecure wraps a secagg client message for the coordinator.
func (c *Client) sendSecure(r *clientRound, kind SecAggKind, m encoding.BinaryMarshaler) (Output, error) {
	b, err := m.MarshalBinary()
	if err != nil {
		return nil, errSecAggClient(err)
	}
	return Send{To: r.coordinator, Msg: &SecAgg{Epoch: r.epoch, Round: r.round, Kind: kind, Payload: b}}, nil
}

// handleSecAgg answers the coordinator's secure-aggregation messages of
// the client's round. A failure abandons the round: the coordinator counts
// the client as dropped.
func (c *Client) handleSecAgg(from NodeID, m *SecAgg) []Output {
	r := c.cur
	if r == nil || r.sa == nil || from != r.coordinator || m.Epoch != r.epoch || m.Round != r.round {
		return []Output{MessageRefused{From: from, Epoch: m.Epoch, Round: m.Round,
			Err: fmt.Errorf("%w: secure message for a round the client is not in", ErrStale)}}
	}
	out, err := c.stepSecure(r, m)
	if err != nil {
		c.cur = nil
		err = errSecAggClient(err)
		fail := []Output{RoundFailed{Epoch: r.epoch, Round: r.round, Err: err}}
		return append(fail, c.refuse(from, r.round, err)...)
	}
	return out
}

// stepSecure runs one step of the secagg client.
func (c *Client) stepSecure(r *clientRound, m *SecAgg) ([]Output, error) {
	var (
		reply encoding.BinaryMarshaler
		kind  SecAggKind
		err   error
	)
	switch m.Kind {
	case KindRoster:
		v := new(secagg.Roster)
		if err = v.UnmarshalBinary(m.Payload); err == nil {
			reply, err = r.sa.HandleRoster(v)
			kind = KindKeyCiphertexts
		}
	case KindKeyDelivery:
		v := new(secagg.KeyDelivery)
		if err = v.UnmarshalBinary(m.Payload); err == nil {
			reply, err = r.sa.HandleKeyDelivery(v)
			kind = KindShareKeys
		}
	case KindShareDelivery:
		v := new(secagg.ShareDelivery)
		if err = v.UnmarshalBinary(m.Payload); err != nil {
			return nil, err
		}
		r.pending = v
		if r.delta == nil {
			return nil, nil // masks once trained
		}
		return c.maskRound(r)
	case KindUnmaskRequest:
		v := new(secagg.UnmaskRequest)
		if err = v.UnmarshalBinary(m.Payload); err == nil {
			reply, err = r.sa.HandleUnmaskRequest(v)
			kind = KindUnmaskResponse
		}
	default:
		return nil, fmt.Errorf("%w: clients do not accept %v", secagg.ErrPhase, m.Kind)
	}
	if err != nil {
		return nil, err
	}
	o, err := c.sendSecure(r, kind, reply)
	if err != nil {
		return nil, err
	}
	return []Output{o}, nil
}

// mask sends the masked input of the current round, whose trained delta
// and share delivery are both in, reporting failures like handleSecAgg.
func (c *Client) mask() []Output {
	r := c.cur
	out, err := c.maskRound(r)
	if err != nil {
		c.cur = nil
		err = errSecAggClient(err)
		fail := []Output{RoundFailed{Epoch: r.epoch, Round: r.round, Err: err}}
		return append(fail, c.refuse(r.coordinator, r.round, err)...)
	}
	return out
}

// maskRound masks the trained delta with the delivered shares.
func (c *Client) maskRound(r *clientRound) ([]Output, error) {
	mi, err := r.sa.HandleShareDelivery(r.pending, r.delta)
	if err != nil {
		return nil, err
	}
	r.pending, r.delta = nil, nil
	o, err := c.sendSecure(r, KindMaskedInput, mi)
	if err != nil {
		return nil, err
	}
	return []Output{o}, nil
}
