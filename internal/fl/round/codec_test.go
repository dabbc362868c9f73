package round

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sampleMessages returns one message of every type and variant, keyed by
// a name, with every optional field and list filled.
func sampleMessages() map[string]Message {
	ids := []NodeID{clientID(1), clientID(2), clientID(9)}
	return map[string]Message{
		"roundstart": &RoundStart{Epoch: 1, Round: 7, Parent: 5, Timeout: 2500 * time.Millisecond, LocalEpochs: 5,
			Params: []float64{0.5, -1, 3e-7}},
		"roundstart-dp-secagg": &RoundStart{Epoch: 2, Round: 9, Parent: 8, Timeout: time.Second, LocalEpochs: 1,
			DP:     &DPSettings{ClipNorm: 0.1, NoiseMultiplier: 1.1},
			SecAgg: &SecAggSettings{ID: 3, Clients: 20, Threshold: 14, Neighbours: 8, Clip: 1, Scale: 1 << 20},
			Params: []float64{1, 2}},
		"update":  &Update{Epoch: 1, Round: 7, NumSamples: 7, Delta: []float64{-0.01, 0, 0.02}},
		"refusal": &Refusal{Epoch: 1, Round: 7, Reason: ReasonLate, Detail: "round 7 is closed"},
		"secagg":  &SecAgg{Epoch: 1, Round: 7, Kind: KindMaskedInput, Payload: []byte{1, 2, 3}},
		"checkpoint": &Checkpoint{Epoch: 1, NextRound: 8, Completed: 6, DPRounds: 4,
			Model: GlobalModel{Round: 7, Parent: 5, Strategy: "dp-fedavg", Epsilon: 1.5, Delta: 1e-5,
				Participants: ids, Params: []float64{1, -2, 3}},
			Excluded:      []NodeID{clientID(3)},
			Participation: []Participation{{Client: clientID(1), Rounds: 4}, {Client: clientID(2), Rounds: 1}}},
		"checkpoint-initial": &Checkpoint{NextRound: 1, Model: GlobalModel{Params: []float64{0}}},
	}
}

// TestCodecRoundTrip encodes and decodes every sample: the decoded message
// equals the original and re-encodes to the same bytes.
func TestCodecRoundTrip(t *testing.T) {
	for name, m := range sampleMessages() {
		t.Run(name, func(t *testing.T) {
			b, err := Encode(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, m) {
				t.Fatalf("decoded %+v, want %+v", got, m)
			}
			again, err := got.MarshalBinary()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("re-encoding differs: %v", err)
			}
			e, r := got.Header()
			if we, wr := m.Header(); e != we || r != wr {
				t.Fatalf("header %d/%d, want %d/%d", e, r, we, wr)
			}
			// Every proper prefix fails to decode, with an error.
			for i := range b {
				if _, err := Decode(b[:i]); err == nil {
					t.Fatalf("prefix of %d bytes decoded", i)
				}
			}
			// So does the message with a trailing byte.
			if _, err := Decode(append(b, 0)); !errors.Is(err, ErrMalformed) {
				t.Fatalf("trailing byte: %v", err)
			}
		})
	}
}

// TestEncodeRefuses checks that messages breaking a rule do not encode.
func TestEncodeRefuses(t *testing.T) {
	long := make([]float64, MaxDim+1)
	many := make([]NodeID, MaxClients+1)
	for i := range many {
		many[i] = id(byte(i>>8), i)
	}
	good := func() *RoundStart {
		return &RoundStart{Round: 2, Parent: 1, Timeout: time.Second, LocalEpochs: 1, Params: []float64{1}}
	}
	with := func(f func(*RoundStart)) *RoundStart { m := good(); f(m); return m }
	cp := func(f func(*Checkpoint)) *Checkpoint {
		m := &Checkpoint{NextRound: 2, Completed: 1, DPRounds: 1, Model: GlobalModel{Round: 1, Params: []float64{1}}}
		f(m)
		return m
	}
	for i, tc := range []struct {
		m    Message
		want error
	}{
		{with(func(m *RoundStart) { m.Round = 0 }), ErrMalformed},
		{with(func(m *RoundStart) { m.Round = MaxRound + 1 }), ErrMalformed},
		{with(func(m *RoundStart) { m.Parent = 2 }), ErrMalformed},
		{with(func(m *RoundStart) { m.Timeout = 0 }), ErrMalformed},
		{with(func(m *RoundStart) { m.Timeout = MaxRoundTimeout + time.Millisecond }), ErrMalformed},
		{with(func(m *RoundStart) { m.LocalEpochs = 0 }), ErrMalformed},
		{with(func(m *RoundStart) { m.LocalEpochs = MaxLocalEpochs + 1 }), ErrMalformed},
		{with(func(m *RoundStart) { m.Params = nil }), ErrMalformed},
		{with(func(m *RoundStart) { m.Params = long }), ErrLimit},
		{with(func(m *RoundStart) { m.Params = []float64{math.NaN()} }), ErrInvalidUpdate},
		{with(func(m *RoundStart) { m.Params = []float64{math.Inf(1)} }), ErrInvalidUpdate},
		{with(func(m *RoundStart) { m.Params = []float64{2e30} }), ErrInvalidUpdate},
		{with(func(m *RoundStart) { m.DP = &DPSettings{ClipNorm: 0, NoiseMultiplier: 1} }), ErrMalformed},
		{with(func(m *RoundStart) { m.DP = &DPSettings{ClipNorm: 1, NoiseMultiplier: math.Inf(1)} }), ErrMalformed},
		{with(func(m *RoundStart) { m.SecAgg = &SecAggSettings{ID: 1, Clients: 0, Threshold: 1, Clip: 1, Scale: 1} }), ErrMalformed},
		{with(func(m *RoundStart) { m.SecAgg = &SecAggSettings{ID: 4, Clients: 3, Threshold: 1, Clip: 1, Scale: 1} }), ErrMalformed},
		{with(func(m *RoundStart) { m.SecAgg = &SecAggSettings{ID: 1, Clients: 3, Threshold: 4, Clip: 1, Scale: 1} }), ErrMalformed},
		{with(func(m *RoundStart) {
			m.SecAgg = &SecAggSettings{ID: 1, Clients: 3, Threshold: 2, Neighbours: -1, Clip: 1, Scale: 1}
		}), ErrMalformed},
		{with(func(m *RoundStart) { m.SecAgg = &SecAggSettings{ID: 1, Clients: 3, Threshold: 2, Clip: 1, Scale: 0} }), ErrMalformed},
		{&Update{Round: 1, NumSamples: -1, Delta: []float64{1}}, ErrMalformed},
		{&Update{Round: 1, NumSamples: MaxNumSamples + 1, Delta: []float64{1}}, ErrMalformed},
		{&Update{Round: 1, NumSamples: 1}, ErrMalformed},
		{&Update{Round: 0, NumSamples: 1, Delta: []float64{1}}, ErrMalformed},
		{&Refusal{Round: 1, Reason: 0}, ErrMalformed},
		{&Refusal{Round: 1, Reason: maxReason + 1}, ErrMalformed},
		{&Refusal{Round: 1, Reason: ReasonLate, Detail: strings.Repeat("x", MaxDetailLength+1)}, ErrLimit},
		{&Refusal{Round: 0, Reason: ReasonLate}, ErrMalformed},
		{&SecAgg{Round: 1, Kind: 0, Payload: []byte{1}}, ErrMalformed},
		{&SecAgg{Round: 1, Kind: maxSecAggKind + 1, Payload: []byte{1}}, ErrMalformed},
		{&SecAgg{Round: 1, Kind: KindRoster}, ErrMalformed},
		{&SecAgg{Round: 1, Kind: KindRoster, Payload: make([]byte, MaxSecAggPayload+1)}, ErrLimit},
		{&SecAgg{Round: 0, Kind: KindRoster, Payload: []byte{1}}, ErrMalformed},
		{cp(func(m *Checkpoint) { m.NextRound = 1 }), ErrMalformed},
		{cp(func(m *Checkpoint) { m.DPRounds = 2 }), ErrMalformed},
		{cp(func(m *Checkpoint) { m.Completed = -1 }), ErrMalformed},
		{cp(func(m *Checkpoint) { m.Model.Parent = 1 }), ErrMalformed},
		{cp(func(m *Checkpoint) { m.Model.Strategy = strings.Repeat("s", MaxStrategyName+1) }), ErrLimit},
		{cp(func(m *Checkpoint) { m.Model.Epsilon = -1 }), ErrMalformed},
		{cp(func(m *Checkpoint) { m.Model.Delta = 1 }), ErrMalformed},
		{cp(func(m *Checkpoint) { m.Model.Params = nil }), ErrMalformed},
		{cp(func(m *Checkpoint) { m.Model.Participants = many }), ErrLimit},
		{cp(func(m *Checkpoint) { m.Model.Participants = []NodeID{clientID(2), clientID(1)} }), ErrMalformed},
		{cp(func(m *Checkpoint) { m.Excluded = []NodeID{clientID(2), clientID(2)} }), ErrMalformed},
		{cp(func(m *Checkpoint) { m.Participation = []Participation{{clientID(1), 2}} }), ErrMalformed},
		{cp(func(m *Checkpoint) { m.Participation = []Participation{{clientID(2), 1}, {clientID(1), 1}} }), ErrMalformed},
		{cp(func(m *Checkpoint) { m.Participation = make([]Participation, MaxClients+1) }), ErrLimit},
		{cp(func(m *Checkpoint) { m.Model.Params = []float64{math.NaN()} }), ErrInvalidUpdate},
	} {
		if _, err := tc.m.MarshalBinary(); !errors.Is(err, tc.want) {
			t.Errorf("case %d (%T): %v, want %v", i, tc.m, err, tc.want)
		}
	}
}

// patch returns a copy of b with the bytes at off replaced.
func patch(b []byte, off int, with ...byte) []byte {
	out := bytes.Clone(b)
	copy(out[off:], with)
	return out
}

// TestDecodeRefuses feeds Decode bytes that break the format.
func TestDecodeRefuses(t *testing.T) {
	msgs := sampleMessages()
	enc := func(name string) []byte {
		b, err := msgs[name].MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rs, up, cp := enc("roundstart"), enc("update"), enc("checkpoint")
	// RoundStart body: parent 8, timeout 4, epochs 2, flags 1, count 4.
	flagsAt := headerSize + 8 + 4 + 2
	countAt := flagsAt + 1
	nan := make([]byte, 8)
	binary.BigEndian.PutUint64(nan, math.Float64bits(math.NaN()))
	huge := binary.BigEndian.AppendUint32(nil, MaxDim+1)
	// Checkpoint participants list starts after next round 8, completed
	// 4, DP rounds 4, parent 8, strategy 1+9, epsilon 8, delta 8.
	partAt := headerSize + 8 + 4 + 4 + 8 + 10 + 8 + 8
	c0 := clientID(0)
	for i, tc := range []struct {
		b    []byte
		want error
	}{
		{nil, ErrMalformed},
		{[]byte{Version}, ErrMalformed},
		{[]byte{Version, 99, 0}, ErrMalformed},
		{[]byte{2, 99, 0}, ErrVersion},
		{patch(rs, 0, 2), ErrVersion},
		{patch(rs, 1, byte(typeUpdate)), ErrMalformed},
		{make([]byte, MaxMessageSize+1), ErrLimit},
		{patch(rs, flagsAt, 0x80), ErrMalformed},
		{patch(rs, countAt, huge...), ErrLimit},
		{patch(rs, countAt, 0, 0, 0, 9), ErrMalformed},
		{patch(rs, countAt+4, nan...), ErrMalformed},
		{patch(rs, headerSize+8, 0, 0, 0, 0), ErrMalformed}, // zero timeout
		{patch(up, headerSize+4+4, nan...), ErrMalformed},
		{patch(cp, partAt, 0xff, 0xff), ErrLimit},
		{patch(cp, partAt+2+idSize, c0[:]...), ErrMalformed}, // not ascending
		{patch(cp, len(cp)-2*(idSize+4)-2, 0xff, 0xff), ErrLimit},
		{patch(cp, len(cp)-2*(idSize+4)-2, 0, 3), ErrMalformed},
	} {
		if _, err := Decode(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("case %d: %v, want %v", i, err, tc.want)
		}
	}
	// Each UnmarshalBinary refuses other types, leaving the target alone.
	u := Update{Round: 3}
	if err := u.UnmarshalBinary(rs); !errors.Is(err, ErrMalformed) || u.Round != 3 {
		t.Fatalf("Update from RoundStart bytes: %v", err)
	}
}

// TestReasons maps every reason to its sentinel and back.
func TestReasons(t *testing.T) {
	for r := ReasonLate; r <= maxReason; r++ {
		if reasonOf(r.Err()) != r || r.String() == "" || strings.HasPrefix(r.String(), "fl round") {
			t.Fatalf("reason %d: %v %q", r, r.Err(), r.String())
		}
		e := &RefusalError{Reason: r}
		if !errors.Is(e, r.Err()) || !strings.Contains(e.Error(), r.String()) {
			t.Fatalf("refusal error %v", e)
		}
	}
	if Reason(0).Err() != ErrMalformed || !strings.Contains(Reason(99).String(), "99") {
		t.Fatal("unknown reasons")
	}
	if reasonOf(errors.New("other")) != ReasonInvalid {
		t.Fatal("unknown errors map to ReasonInvalid")
	}
	e := &RefusalError{Reason: ReasonLate, Detail: "closed"}
	if e.Error() != "refused: update arrived after the round closed: closed" {
		t.Fatalf("%q", e.Error())
	}
	if typeRoundStart.String() != "RoundStart" || msgType(77).String() != "unknown message" {
		t.Fatal("type names")
	}
	if KindRoster.String() != "Roster" || SecAggKind(0).String() != "unknown secagg kind" {
		t.Fatal("kind names")
	}
}
