package round

import (
	"bytes"
	"fmt"
	"math"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/secagg"
	"golang.org/x/crypto/cryptobyte"
)

// Each message has a check method holding every rule its fields must
// follow. MarshalBinary refuses a message that breaks one, and
// UnmarshalBinary applies the same check after parsing, so whatever decodes
// also encodes, to the same bytes.

// checkHeader checks the round number of a message.
func checkHeader(t msgType, round uint64) error {
	if round < 1 || round > MaxRound {
		return fmt.Errorf("%w: %v: round %d not in [1, %d]", ErrMalformed, t, round, uint64(MaxRound))
	}
	return nil
}

// finitePositive reports whether x is in (0, MaxAbsValue].
func finitePositive(x float64) bool { return x > 0 && x <= MaxAbsValue }

func (m *RoundStart) check() error {
	t := typeRoundStart
	if err := checkHeader(t, m.Round); err != nil {
		return err
	}
	switch {
	case m.Parent >= m.Round:
		return fmt.Errorf("%w: %v: parent %d is not before round %d", ErrMalformed, t, m.Parent, m.Round)
	case m.Timeout < time.Millisecond || m.Timeout > MaxRoundTimeout:
		return fmt.Errorf("%w: %v: timeout %v not in [1ms, %v]", ErrMalformed, t, m.Timeout, MaxRoundTimeout)
	case m.LocalEpochs < 1 || m.LocalEpochs > MaxLocalEpochs:
		return fmt.Errorf("%w: %v: %d local epochs not in [1, %d]", ErrMalformed, t, m.LocalEpochs, MaxLocalEpochs)
	case len(m.Params) == 0:
		return fmt.Errorf("%w: %v: empty model", ErrMalformed, t)
	}
	if d := m.DP; d != nil && !(finitePositive(d.ClipNorm) && finitePositive(d.NoiseMultiplier)) {
		return fmt.Errorf("%w: %v: DP clip %v and noise multiplier %v must be positive and finite", ErrMalformed, t, d.ClipNorm, d.NoiseMultiplier)
	}
	if s := m.SecAgg; s != nil {
		switch {
		case s.Clients < 1 || s.Clients > MaxClients:
			return fmt.Errorf("%w: %v: %d secagg clients not in [1, %d]", ErrMalformed, t, s.Clients, MaxClients)
		case s.ID < 1 || int(s.ID) > s.Clients:
			return fmt.Errorf("%w: %v: secagg ID %d not in [1, %d]", ErrMalformed, t, s.ID, s.Clients)
		case s.Threshold < 1 || s.Threshold > s.Clients:
			return fmt.Errorf("%w: %v: threshold %d not in [1, %d]", ErrMalformed, t, s.Threshold, s.Clients)
		case s.Neighbours < 0 || s.Neighbours > MaxClients:
			return fmt.Errorf("%w: %v: %d neighbours not in [0, %d]", ErrMalformed, t, s.Neighbours, MaxClients)
		case !finitePositive(s.Clip) || !finitePositive(s.Scale):
			return fmt.Errorf("%w: %v: secagg clip %v and scale %v must be positive and finite", ErrMalformed, t, s.Clip, s.Scale)
		}
	}
	return checkVector(t, "model", m.Params)
}

// MarshalBinary encodes m.
func (m *RoundStart) MarshalBinary() ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	b := newBuilder(typeRoundStart, m.Epoch, m.Round, 64+8*len(m.Params))
	b.AddUint64(m.Parent)
	b.AddUint32(uint32(m.Timeout / time.Millisecond))
	b.AddUint16(uint16(m.LocalEpochs))
	var flags uint8
	if m.DP != nil {
		flags |= flagDP
	}
	if m.SecAgg != nil {
		flags |= flagSecAgg
	}
	b.AddUint8(flags)
	if d := m.DP; d != nil {
		addFloat(b, d.ClipNorm)
		addFloat(b, d.NoiseMultiplier)
	}
	if s := m.SecAgg; s != nil {
		b.AddUint32(uint32(s.ID))
		b.AddUint16(uint16(s.Clients))
		b.AddUint16(uint16(s.Threshold))
		b.AddUint16(uint16(s.Neighbours))
		addFloat(b, s.Clip)
		addFloat(b, s.Scale)
	}
	addVector(b, m.Params)
	return finish(typeRoundStart, b)
}

// UnmarshalBinary decodes data into m.
func (m *RoundStart) UnmarshalBinary(data []byte) error {
	r, epoch, round, err := newReader(typeRoundStart, data)
	if err != nil {
		return err
	}
	out := RoundStart{Epoch: epoch, Round: round}
	out.Parent = r.u64("parent")
	out.Timeout = r.millis("timeout")
	out.LocalEpochs = int(r.u16("local epochs"))
	flags := r.u8("flags")
	if r.err == nil && flags&^knownFlags != 0 {
		r.fail(ErrMalformed, "unknown flags %#x", flags)
	}
	if flags&flagDP != 0 {
		out.DP = &DPSettings{ClipNorm: r.float("DP clip"), NoiseMultiplier: r.float("DP noise multiplier")}
	}
	if flags&flagSecAgg != 0 {
		out.SecAgg = &SecAggSettings{
			ID:         secagg.ClientID(r.u32("secagg ID")),
			Clients:    int(r.u16("secagg clients")),
			Threshold:  int(r.u16("secagg threshold")),
			Neighbours: int(r.u16("secagg neighbours")),
			Clip:       r.float("secagg clip"),
			Scale:      r.float("secagg scale"),
		}
	}
	out.Params = r.vector("model")
	if err := r.end(); err != nil {
		return err
	}
	if err := out.check(); err != nil {
		return err
	}
	*m = out
	return nil
}

func (m *Update) check() error {
	t := typeUpdate
	if err := checkHeader(t, m.Round); err != nil {
		return err
	}
	if m.NumSamples < 0 || m.NumSamples > MaxNumSamples {
		return fmt.Errorf("%w: %v: %d samples not in [0, %d]", ErrMalformed, t, m.NumSamples, MaxNumSamples)
	}
	if len(m.Delta) == 0 {
		return fmt.Errorf("%w: %v: empty delta", ErrMalformed, t)
	}
	return checkVector(t, "delta", m.Delta)
}

// MarshalBinary encodes m.
func (m *Update) MarshalBinary() ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	b := newBuilder(typeUpdate, m.Epoch, m.Round, 8+8*len(m.Delta))
	b.AddUint32(uint32(m.NumSamples))
	addVector(b, m.Delta)
	return finish(typeUpdate, b)
}

// UnmarshalBinary decodes data into m.
func (m *Update) UnmarshalBinary(data []byte) error {
	r, epoch, round, err := newReader(typeUpdate, data)
	if err != nil {
		return err
	}
	out := Update{Epoch: epoch, Round: round}
	out.NumSamples = int(r.u32("sample count"))
	out.Delta = r.vector("delta")
	if err := r.end(); err != nil {
		return err
	}
	if err := out.check(); err != nil {
		return err
	}
	*m = out
	return nil
}

func (m *Refusal) check() error {
	t := typeRefusal
	if err := checkHeader(t, m.Round); err != nil {
		return err
	}
	if m.Reason == 0 || m.Reason > maxReason {
		return fmt.Errorf("%w: %v: unknown reason %d", ErrMalformed, t, m.Reason)
	}
	if len(m.Detail) > MaxDetailLength {
		return fmt.Errorf("%w: %v: detail of %d bytes, at most %d", ErrLimit, t, len(m.Detail), MaxDetailLength)
	}
	return nil
}

// MarshalBinary encodes m.
func (m *Refusal) MarshalBinary() ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	b := newBuilder(typeRefusal, m.Epoch, m.Round, 2+len(m.Detail))
	b.AddUint8(uint8(m.Reason))
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(m.Detail)) })
	return finish(typeRefusal, b)
}

// UnmarshalBinary decodes data into m.
func (m *Refusal) UnmarshalBinary(data []byte) error {
	r, epoch, round, err := newReader(typeRefusal, data)
	if err != nil {
		return err
	}
	out := Refusal{Epoch: epoch, Round: round}
	out.Reason = Reason(r.u8("reason"))
	out.Detail = r.string8("detail", MaxDetailLength)
	if err := r.end(); err != nil {
		return err
	}
	if err := out.check(); err != nil {
		return err
	}
	*m = out
	return nil
}

func (m *SecAgg) check() error {
	t := typeSecAgg
	if err := checkHeader(t, m.Round); err != nil {
		return err
	}
	switch {
	case m.Kind == 0 || m.Kind > maxSecAggKind:
		return fmt.Errorf("%w: %v: unknown kind %d", ErrMalformed, t, m.Kind)
	case len(m.Payload) == 0:
		return fmt.Errorf("%w: %v: empty payload", ErrMalformed, t)
	case len(m.Payload) > MaxSecAggPayload:
		return fmt.Errorf("%w: %v: payload of %d bytes, at most %d", ErrLimit, t, len(m.Payload), MaxSecAggPayload)
	}
	return nil
}

// MarshalBinary encodes m.
func (m *SecAgg) MarshalBinary() ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	b := newBuilder(typeSecAgg, m.Epoch, m.Round, 5+len(m.Payload))
	b.AddUint8(uint8(m.Kind))
	b.AddUint32(uint32(len(m.Payload)))
	b.AddBytes(m.Payload)
	return finish(typeSecAgg, b)
}

// UnmarshalBinary decodes data into m.
func (m *SecAgg) UnmarshalBinary(data []byte) error {
	r, epoch, round, err := newReader(typeSecAgg, data)
	if err != nil {
		return err
	}
	out := SecAgg{Epoch: epoch, Round: round}
	out.Kind = SecAggKind(r.u8("kind"))
	n := r.u32("payload length")
	if r.err == nil && n > MaxSecAggPayload {
		r.fail(ErrLimit, "payload of %d bytes, at most %d", n, MaxSecAggPayload)
	}
	var p []byte
	if r.err == nil && !r.s.ReadBytes(&p, int(n)) {
		r.fail(ErrMalformed, "truncated payload")
	}
	out.Payload = bytes.Clone(p)
	if err := r.end(); err != nil {
		return err
	}
	if err := out.check(); err != nil {
		return err
	}
	*m = out
	return nil
}

// checkModel checks a global model about to be encoded or just decoded.
func checkModel(t msgType, g *GlobalModel) error {
	switch {
	case g.Round > MaxRound || g.Parent > g.Round || (g.Round > 0 && g.Parent == g.Round):
		return fmt.Errorf("%w: %v: model round %d with parent %d", ErrMalformed, t, g.Round, g.Parent)
	case len(g.Strategy) > MaxStrategyName:
		return fmt.Errorf("%w: %v: strategy name of %d bytes, at most %d", ErrLimit, t, len(g.Strategy), MaxStrategyName)
	case !(g.Epsilon >= 0 && g.Epsilon <= MaxAbsValue) || !(g.Delta >= 0 && g.Delta < 1):
		return fmt.Errorf("%w: %v: epsilon %v, delta %v", ErrMalformed, t, g.Epsilon, g.Delta)
	case len(g.Params) == 0:
		return fmt.Errorf("%w: %v: empty model", ErrMalformed, t)
	}
	if err := checkIDs(t, "participants", g.Participants); err != nil {
		return err
	}
	return checkVector(t, "model", g.Params)
}

func (m *Checkpoint) check() error {
	t := typeCheckpoint
	switch {
	case m.NextRound < 1 || m.NextRound > MaxRound || m.NextRound <= m.Model.Round:
		return fmt.Errorf("%w: %v: next round %d after model round %d", ErrMalformed, t, m.NextRound, m.Model.Round)
	case m.Completed < 0 || m.Completed > math.MaxUint32 || m.DPRounds < 0 || m.DPRounds > m.Completed:
		return fmt.Errorf("%w: %v: %d completed rounds, %d private", ErrMalformed, t, m.Completed, m.DPRounds)
	case len(m.Participation) > MaxClients:
		return fmt.Errorf("%w: %v: %d participation entries, at most %d", ErrLimit, t, len(m.Participation), MaxClients)
	}
	if err := checkModel(t, &m.Model); err != nil {
		return err
	}
	if err := checkIDs(t, "excluded clients", m.Excluded); err != nil {
		return err
	}
	for i, p := range m.Participation {
		if p.Rounds < 1 || p.Rounds > m.DPRounds {
			return fmt.Errorf("%w: %v: client with %d private rounds of %d", ErrMalformed, t, p.Rounds, m.DPRounds)
		}
		if i > 0 && bytes.Compare(m.Participation[i-1].Client[:], p.Client[:]) >= 0 {
			return fmt.Errorf("%w: %v: participation not strictly ascending at index %d", ErrMalformed, t, i)
		}
	}
	return nil
}

// MarshalBinary encodes m.
func (m *Checkpoint) MarshalBinary() ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	g := &m.Model
	size := 128 + idSize*(len(g.Participants)+len(m.Excluded)) + (idSize+4)*len(m.Participation) + 8*len(g.Params)
	b := newBuilder(typeCheckpoint, m.Epoch, g.Round, size)
	b.AddUint64(m.NextRound)
	b.AddUint32(uint32(m.Completed))
	b.AddUint32(uint32(m.DPRounds))
	b.AddUint64(g.Parent)
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(g.Strategy)) })
	addFloat(b, g.Epsilon)
	addFloat(b, g.Delta)
	addIDs(b, g.Participants)
	addVector(b, g.Params)
	addIDs(b, m.Excluded)
	b.AddUint16(uint16(len(m.Participation)))
	for _, p := range m.Participation {
		b.AddBytes(p.Client[:])
		b.AddUint32(uint32(p.Rounds))
	}
	return finish(typeCheckpoint, b)
}

// UnmarshalBinary decodes data into m.
func (m *Checkpoint) UnmarshalBinary(data []byte) error {
	r, epoch, round, err := newReader(typeCheckpoint, data)
	if err != nil {
		return err
	}
	out := Checkpoint{Epoch: epoch, Model: GlobalModel{Round: round}}
	out.NextRound = r.u64("next round")
	out.Completed = int(r.u32("completed rounds"))
	out.DPRounds = int(r.u32("private rounds"))
	g := &out.Model
	g.Parent = r.u64("parent")
	g.Strategy = r.string8("strategy", MaxStrategyName)
	g.Epsilon = r.float("epsilon")
	g.Delta = r.float("delta")
	g.Participants = r.ids("participants")
	g.Params = r.vector("model")
	out.Excluded = r.ids("excluded clients")
	n := int(r.u16("participation count"))
	if r.err == nil && n > MaxClients {
		r.fail(ErrLimit, "%d participation entries, at most %d", n, MaxClients)
	}
	if r.err == nil && len(r.s) < n*(idSize+4) {
		r.fail(ErrMalformed, "truncated participation list")
	}
	if r.err == nil && n > 0 {
		out.Participation = make([]Participation, n)
		for i := range out.Participation {
			p := &out.Participation[i]
			r.s.CopyBytes(p.Client[:])
			p.Rounds = int(r.u32("participation"))
		}
	}
	if err := r.end(); err != nil {
		return err
	}
	if err := out.check(); err != nil {
		return err
	}
	*m = out
	return nil
}
