package round

import (
	"errors"
	"fmt"
	"time"
)

// Transport carries encoded messages to other nodes of the federation,
// best effort: a message may be lost, and the protocol's deadlines cope.
// The in-memory network of package roundsim implements it; the node is
// meant to implement it over the mesh's streams. Received bytes go to
// Endpoint.Deliver.
type Transport interface {
	// Send queues msg for delivery to node to. It must not keep msg after
	// returning.
	Send(to NodeID, msg []byte) error
}

// Core is the interface Coordinator and Client share: the inputs of a pure
// state machine and its next timer.
type Core interface {
	// Handle processes a decoded message from a peer.
	Handle(now time.Time, from NodeID, msg Message) []Output
	// Tick runs the timers that are due at now.
	Tick(now time.Time) []Output
	// PeerDown processes the runtime's report that a node is dead.
	PeerDown(now time.Time, id NodeID) []Output
	// Deadline returns when Tick must next be called, if at all.
	Deadline() (time.Time, bool)
}

var (
	_ Core = (*Coordinator)(nil)
	_ Core = (*Client)(nil)
)

// Stats counts an Endpoint's traffic.
type Stats struct {
	// MessagesSent and BytesSent count the messages handed to the
	// transport and their encoded size.
	MessagesSent, BytesSent int
	// MessagesReceived and BytesReceived count the messages delivered
	// that decoded.
	MessagesReceived, BytesReceived int
	// DecodeErrors counts delivered byte strings that did not decode.
	DecodeErrors int
	// SendErrors counts messages the transport refused or that did not
	// encode.
	SendErrors int
}

// Endpoint connects a Core to a Transport: it decodes what is delivered,
// sends the Send outputs in their encoding and hands the other outputs
// back to the runtime. It is the thin layer a runtime (the simulator, or
// the node over the mesh) needs around a core.
type Endpoint struct {
	core  Core
	tr    Transport
	stats Stats
}

// NewEndpoint returns an endpoint for core that sends through tr.
func NewEndpoint(core Core, tr Transport) *Endpoint { return &Endpoint{core: core, tr: tr} }

// Core returns the endpoint's core.
func (e *Endpoint) Core() Core { return e.core }

// Stats returns the traffic counts so far.
func (e *Endpoint) Stats() Stats { return e.stats }

// Deliver decodes bytes received from a peer and hands the message to the
// core. Bytes that do not decode are dropped with an error wrapping
// ErrMalformed, ErrVersion or ErrLimit, and the core does not see them.
func (e *Endpoint) Deliver(now time.Time, from NodeID, b []byte) ([]Output, error) {
	m, err := Decode(b)
	if err != nil {
		e.stats.DecodeErrors++
		return nil, fmt.Errorf("message from %v: %w", from, err)
	}
	e.stats.MessagesReceived++
	e.stats.BytesReceived += len(b)
	return e.Dispatch(e.core.Handle(now, from, m))
}

// Tick runs the core's timers.
func (e *Endpoint) Tick(now time.Time) ([]Output, error) { return e.Dispatch(e.core.Tick(now)) }

// PeerDown reports a dead node to the core.
func (e *Endpoint) PeerDown(now time.Time, id NodeID) ([]Output, error) {
	return e.Dispatch(e.core.PeerDown(now, id))
}

// Dispatch sends the Send outputs of outs and returns the others. It tries
// every message; the error joins those that failed.
func (e *Endpoint) Dispatch(outs []Output) ([]Output, error) {
	var rest []Output
	var errs []error
	for _, o := range outs {
		s, ok := o.(Send)
		if !ok {
			rest = append(rest, o)
			continue
		}
		b, err := Encode(s.Msg)
		if err == nil {
			err = e.tr.Send(s.To, b)
		}
		if err != nil {
			e.stats.SendErrors++
			errs = append(errs, fmt.Errorf("sending %v to %v: %w", s.Msg.msgType(), s.To, err))
			continue
		}
		e.stats.MessagesSent++
		e.stats.BytesSent += len(b)
	}
	return rest, errors.Join(errs...)
}
