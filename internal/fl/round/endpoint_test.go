package round

import (
	"errors"
	"testing"
	"time"
)

// memTransport records what an Endpoint sends, or fails.
type memTransport struct {
	sent [][]byte
	fail error
}

func (m *memTransport) Send(_ NodeID, b []byte) error {
	if m.fail != nil {
		return m.fail
	}
	m.sent = append(m.sent, b)
	return nil
}

// TestEndpoint drives a coordinator and a client through Endpoints and
// checks the traffic counts and error paths.
func TestEndpoint(t *testing.T) {
	cfg := testConfig()
	cfg.Self, cfg.Coordinators, cfg.Clients, cfg.MinClients = coordID(0), []NodeID{coordID(0)}, []NodeID{clientID(0)}, 1
	co, err := NewCoordinator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := NewClient(ClientConfig{Self: clientID(0), Coordinators: cfg.Coordinators, NumSamples: 3})
	if err != nil {
		t.Fatal(err)
	}
	ct, lt := &memTransport{}, &memTransport{}
	ce, le := NewEndpoint(co, ct), NewEndpoint(cl, lt)
	if ce.Core() != Core(co) {
		t.Fatal("Core")
	}
	now := time.Unix(0, 0)
	outs, err := ce.Tick(now)
	if err != nil || len(outs) != 1 || len(ct.sent) != 1 {
		t.Fatalf("tick: %v %v, sent %d", outs, err, len(ct.sent))
	}
	outs, err = le.Deliver(now, coordID(0), ct.sent[0])
	if err != nil || len(outs) != 1 {
		t.Fatalf("deliver: %v %v", outs, err)
	}
	tr := outs[0].(Train)
	params := append([]float64(nil), tr.Params...)
	params[0] += 1
	if _, err := le.Dispatch(cl.Trained(now, TrainResult{Epoch: tr.Epoch, Round: tr.Round, Params: params})); err != nil {
		t.Fatal(err)
	}
	outs, err = ce.Deliver(now, clientID(0), lt.sent[0])
	if err != nil {
		t.Fatal(err)
	}
	var model bool
	for _, o := range outs {
		if m, ok := o.(ModelReady); ok && m.Model.Params[0] == 1 {
			model = true
		}
	}
	if !model {
		t.Fatalf("no model: %v", outs)
	}
	s := ce.Stats()
	if s.MessagesSent != 2 || s.MessagesReceived != 1 || s.BytesSent != len(ct.sent[0])+len(ct.sent[1]) || s.BytesReceived != len(lt.sent[0]) {
		t.Fatalf("stats %+v", s)
	}
	// Garbage is counted and refused; a failing transport is reported.
	if _, err := ce.Deliver(now, clientID(0), []byte{1, 2, 3}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("garbage: %v", err)
	}
	ct.fail = errors.New("link down")
	_, err = ce.Dispatch([]Output{Send{To: clientID(0), Msg: &Refusal{Round: 1, Reason: ReasonLate}},
		Send{To: clientID(0), Msg: &Refusal{Round: 0, Reason: ReasonLate}}})
	if err == nil || ce.Stats().SendErrors != 2 || ce.Stats().DecodeErrors != 1 {
		t.Fatalf("send errors: %v %+v", err, ce.Stats())
	}
	if outs, err := le.PeerDown(now, coordID(0)); err != nil || len(outs) != 1 {
		t.Fatalf("peer down: %v %v", outs, err)
	}
}
