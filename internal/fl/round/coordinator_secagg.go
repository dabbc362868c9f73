package round

import (
	"encoding"
	"fmt"
	"math"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/dp"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/secagg"
)

// saPhase is the phase of a secure round at the coordinator, named after
// the client messages it collects.
type saPhase uint8

const (
	phaseAdvertise saPhase = iota // AdvertiseKeys, closed by Roster
	phaseKeys                     // KeyCiphertexts, closed by KeyDeliveries
	phaseShares                   // ShareKeys, closed by ShareDeliveries
	phaseMasked                   // MaskedInput, closed by UnmaskRequests
	phaseUnmask                   // UnmaskResponse, closed by Finish
)

// collects returns the kind of client message phase p collects.
func (p saPhase) collects() SecAggKind {
	return [...]SecAggKind{KindAdvertiseKeys, KindKeyCiphertexts, KindShareKeys, KindMaskedInput, KindUnmaskResponse}[p]
}

// secureRound is the secure-aggregation state of the open round.
type secureRound struct {
	srv      *secagg.Server
	phase    saPhase
	deadline time.Time
	expect   map[NodeID]bool // clients the phase waits for
	got      map[NodeID]bool // clients heard from in the phase
	byID     map[secagg.ClientID]NodeID
}

// secaggID returns the secagg client ID of the i-th selected client.
func secaggID(i int) secagg.ClientID { return secagg.ClientID(i + 1) }

// secureRoundID returns the secagg round of a round: unique per epoch and
// round, so nothing of one secure round can be replayed in another.
func secureRoundID(epoch uint32, round uint64) uint64 { return uint64(epoch)<<32 | round }

// quantScale returns the largest power-of-two quantisation scale, at most
// maxQuantScale, at which the sum of n values in [-clip, clip] fits in
// quantBits bits.
func quantScale(clip float64, n int) (float64, error) {
	s := math.Exp2(math.Floor(math.Log2(float64(uint64(1)<<quantBits-1) / (2 * clip * float64(n)))))
	s = min(s, maxQuantScale)
	for range 4 {
		q, err := secagg.NewQuantizer(clip, s)
		if err != nil {
			return 0, fmt.Errorf("%w: clip %v for %d clients: %w", ErrConfig, clip, n, err)
		}
		if q.CheckClients(n) == nil {
			return s, nil
		}
		s /= 2 // rounding of 2*clip*s pushed the level over
	}
	return 0, fmt.Errorf("%w: no quantisation scale for clip %v and %d clients", ErrConfig, clip, n)
}

// secureParams returns the secagg parameters of a round with n clients.
func (c *Coordinator) secureParams(epoch uint32, round uint64, n int) (secagg.Params, error) {
	k := c.cfg.SecAgg.Neighbours
	holders := n
	if k > 0 && k < n-1 {
		holders = k + 1
	} else {
		k = 0
	}
	scale, err := quantScale(c.cfg.SecAgg.Clip, n)
	if err != nil {
		return secagg.Params{}, err
	}
	return secagg.Params{Round: secureRoundID(epoch, round), Dim: len(c.model.Params),
		Threshold: secagg.DefaultThreshold(holders), Neighbours: k, Clip: c.cfg.SecAgg.Clip, Scale: scale}, nil
}

// openSecure sets up the secure aggregation of round r and returns the
// settings every RoundStart carries (without the recipient's ID).
func (c *Coordinator) openSecure(now time.Time, r *coordRound) (*SecAggSettings, error) {
	p, err := c.secureParams(r.epoch, r.round, len(r.selected))
	if err != nil {
		return nil, err
	}
	srv, err := secagg.NewServer(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSecAgg, err)
	}
	sa := &secureRound{srv: srv, phase: phaseAdvertise, deadline: now.Add(c.cfg.SecAggPhaseTimeout),
		expect: make(map[NodeID]bool), got: make(map[NodeID]bool), byID: make(map[secagg.ClientID]NodeID)}
	for i, id := range r.selected {
		sa.expect[id] = true
		sa.byID[secaggID(i)] = id
	}
	r.sa = sa
	return &SecAggSettings{Clients: len(r.selected), Threshold: p.Threshold, Neighbours: p.Neighbours,
		Clip: p.Clip, Scale: p.Scale}, nil
}

// handleSecAgg feeds a client's secure-aggregation message to the secagg
// server and closes the phase once every expected client was heard from.
func (c *Coordinator) handleSecAgg(now time.Time, from NodeID, m *SecAgg) []Output {
	if err := c.checkRoundMessage(from, m.Epoch, m.Round); err != nil {
		return c.refuse(from, m.Epoch, m.Round, err)
	}
	sa := c.cur.sa
	if sa == nil {
		return c.refuse(from, m.Epoch, m.Round, fmt.Errorf("%w: round %d is not secure", ErrSecAgg, m.Round))
	}
	if want := sa.phase.collects(); m.Kind != want || !sa.expect[from] {
		if m.Kind < want || (m.Kind == want && !sa.expect[from]) {
			return c.refuse(from, m.Epoch, m.Round, fmt.Errorf("%w: %v after the phase closed", ErrLate, m.Kind))
		}
		return c.refuse(from, m.Epoch, m.Round, fmt.Errorf("%w: %v while collecting %v", ErrSecAgg, m.Kind, want))
	}
	if sa.got[from] {
		return c.refuse(from, m.Epoch, m.Round, fmt.Errorf("%w: second %v", ErrDuplicate, m.Kind))
	}
	if err := c.feedServer(sa, secaggID(c.cur.index[from]), m); err != nil {
		return c.refuse(from, m.Epoch, m.Round, fmt.Errorf("%w: %w", ErrSecAgg, err))
	}
	sa.got[from] = true
	if len(sa.got) == len(sa.expect) {
		return c.advanceSecure(now)
	}
	return nil
}

// feedServer decodes a client message of the collecting phase, checks that
// it claims the sender's own secagg ID, and hands it to the server.
func (c *Coordinator) feedServer(sa *secureRound, id secagg.ClientID, m *SecAgg) error {
	switch m.Kind {
	case KindAdvertiseKeys:
		v := new(secagg.AdvertiseKeys)
		if err := decodeFrom(v, m.Payload, &v.From, id); err != nil {
			return err
		}
		return sa.srv.HandleAdvertise(v)
	case KindKeyCiphertexts:
		v := new(secagg.KeyCiphertexts)
		if err := decodeFrom(v, m.Payload, &v.From, id); err != nil {
			return err
		}
		return sa.srv.HandleKeyCiphertexts(v)
	case KindShareKeys:
		v := new(secagg.ShareKeys)
		if err := decodeFrom(v, m.Payload, &v.From, id); err != nil {
			return err
		}
		return sa.srv.HandleShareKeys(v)
	case KindMaskedInput:
		v := new(secagg.MaskedInput)
		if err := decodeFrom(v, m.Payload, &v.From, id); err != nil {
			return err
		}
		return sa.srv.HandleMaskedInput(v)
	}
	v := new(secagg.UnmaskResponse) // the only other kind collects returns
	if err := decodeFrom(v, m.Payload, &v.From, id); err != nil {
		return err
	}
	return sa.srv.HandleUnmaskResponse(v)
}

// decodeFrom decodes payload into v and checks that the sender field it
// fills, *from, is the sender's secagg ID: a client cannot speak for
// another.
func decodeFrom(v encoding.BinaryUnmarshaler, payload []byte, from *secagg.ClientID, id secagg.ClientID) error {
	if err := v.UnmarshalBinary(payload); err != nil {
		return err
	}
	if *from != id {
		return fmt.Errorf("%w: message claims client %d, sender is client %d", secagg.ErrUnknownClient, *from, id)
	}
	return nil
}

// addressed is a server message and its recipient.
type addressed struct {
	to  secagg.ClientID
	msg encoding.BinaryMarshaler
}

// sendSecure returns one Send per server message, and makes the
// recipients the clients the next phase waits for.
func (c *Coordinator) sendSecure(kind SecAggKind, msgs []addressed) ([]Output, error) {
	r := c.cur
	out := make([]Output, 0, len(msgs))
	clear(r.sa.expect)
	clear(r.sa.got)
	for _, m := range msgs {
		b, err := m.msg.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSecAgg, err)
		}
		id := r.sa.byID[m.to]
		r.sa.expect[id] = true
		out = append(out, Send{To: id, Msg: &SecAgg{Epoch: r.epoch, Round: r.round, Kind: kind, Payload: b}})
	}
	return out, nil
}

// advanceSecure closes the collecting phase, with the clients heard from
// so far, and sends the server's messages of the next phase. When the
// unmasking phase closes it aggregates the secure sum.
func (c *Coordinator) advanceSecure(now time.Time) []Output {
	r := c.cur
	sa := r.sa
	var (
		out []Output
		err error
	)
	next := sa.phase + 1
	switch sa.phase {
	case phaseAdvertise:
		var roster *secagg.Roster
		if roster, err = sa.srv.Roster(c.cfg.Random); err == nil {
			msgs := make([]addressed, len(roster.Clients))
			for i, e := range roster.Clients {
				msgs[i] = addressed{to: e.ID, msg: roster}
			}
			out, err = c.sendSecure(KindRoster, msgs)
		}
	case phaseKeys:
		var ds []*secagg.KeyDelivery
		if ds, err = sa.srv.KeyDeliveries(); err == nil {
			out, err = c.sendSecure(KindKeyDelivery, recipients(ds, func(d *secagg.KeyDelivery) secagg.ClientID { return d.To }))
		}
	case phaseShares:
		var ds []*secagg.ShareDelivery
		if ds, err = sa.srv.ShareDeliveries(); err == nil {
			out, err = c.sendSecure(KindShareDelivery, recipients(ds, func(d *secagg.ShareDelivery) secagg.ClientID { return d.To }))
		}
	case phaseMasked:
		var rs []*secagg.UnmaskRequest
		if rs, err = sa.srv.UnmaskRequests(); err == nil {
			out, err = c.sendSecure(KindUnmaskRequest, recipients(rs, func(q *secagg.UnmaskRequest) secagg.ClientID { return q.To }))
		}
	default: // phaseUnmask
		var res *secagg.Result
		if res, err = sa.srv.Finish(); err == nil {
			return c.completeSecure(now, res)
		}
	}
	if err != nil {
		return c.abort(now, fmt.Errorf("%w: %v phase: %w", ErrSecAgg, sa.phase.collects(), err))
	}
	sa.phase = next
	sa.deadline = now.Add(c.cfg.SecAggPhaseTimeout)
	if next == phaseMasked && sa.deadline.Before(r.deadline) {
		sa.deadline = r.deadline // masked inputs need the trained deltas
	}
	return out
}

// recipients pairs each server message with its recipient.
func recipients[M encoding.BinaryMarshaler](msgs []M, to func(M) secagg.ClientID) []addressed {
	out := make([]addressed, len(msgs))
	for i, m := range msgs {
		out[i] = addressed{to: to(m), msg: m}
	}
	return out
}

// completeSecure turns the secure sum of the contributors' clipped deltas
// into the next model: their mean, or with DP the noised sum divided by
// the expected number of clients.
func (c *Coordinator) completeSecure(now time.Time, res *secagg.Result) []Output {
	r := c.cur
	ids := make([]NodeID, len(res.Contributors))
	for i, id := range res.Contributors {
		ids[i] = r.sa.byID[id]
	}
	out := c.countMisses(r, ids)
	if len(ids) < c.cfg.MinClients {
		return append(out, c.abort(now, fmt.Errorf("%w: %d secure contributors, %d needed", ErrTooFewReplies, len(ids), c.cfg.MinClients))...)
	}
	sum := res.Values
	den, name := float64(len(ids)), "fedavg+secagg"
	if d := c.cfg.DP; d != nil {
		if err := dp.NewGaussian(c.cfg.Random).AddNoise(sum, d.NoiseMultiplier*d.ClipNorm); err != nil {
			return append(out, c.abort(now, err)...)
		}
		den, name = r.expected, "dp-fedavg+secagg"
	}
	next := make([]float64, len(sum))
	for j, g := range c.model.Params {
		next[j] = g + sum[j]/den
	}
	if i := badValue(next); i >= 0 {
		return append(out, c.abort(now, fmt.Errorf("%w: aggregate value %v at index %d", ErrInvalidUpdate, next[i], i))...)
	}
	return append(out, c.completeRound(now, next, name, ids)...)
}
