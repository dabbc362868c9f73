package round

import (
	"bytes"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// drawIDs draws an ascending list of distinct node IDs.
func drawIDs(t *rapid.T, label string, max int) []NodeID {
	n := rapid.IntRange(0, max).Draw(t, label+" count")
	seen := map[NodeID]bool{}
	var out []NodeID
	for range n {
		var id NodeID
		copy(id[:], rapid.SliceOfN(rapid.Byte(), idSize, idSize).Draw(t, label))
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	slices.SortFunc(out, compareIDs)
	return out
}

// drawMessage draws a valid message of any type.
func drawMessage(t *rapid.T) Message {
	vec := rapid.SliceOfN(rapid.Float64Range(-1e6, 1e6), 1, 64)
	epoch := rapid.Uint32().Draw(t, "epoch")
	round := rapid.Uint64Range(1, MaxRound).Draw(t, "round")
	switch rapid.IntRange(0, 4).Draw(t, "type") {
	case 0:
		m := &RoundStart{Epoch: epoch, Round: round, Parent: rapid.Uint64Range(0, round-1).Draw(t, "parent"),
			Timeout:     time.Duration(rapid.Int64Range(1, int64(MaxRoundTimeout/time.Millisecond)).Draw(t, "ms")) * time.Millisecond,
			LocalEpochs: rapid.IntRange(1, MaxLocalEpochs).Draw(t, "epochs"), Params: vec.Draw(t, "params")}
		if rapid.Bool().Draw(t, "dp") {
			m.DP = &DPSettings{ClipNorm: rapid.Float64Range(1e-9, 1e9).Draw(t, "clip"), NoiseMultiplier: rapid.Float64Range(1e-6, 100).Draw(t, "z")}
		}
		if rapid.Bool().Draw(t, "secagg") {
			n := rapid.IntRange(1, MaxClients).Draw(t, "clients")
			m.SecAgg = &SecAggSettings{ID: secaggID(rapid.IntRange(0, n-1).Draw(t, "id")), Clients: n,
				Threshold: rapid.IntRange(1, n).Draw(t, "t"), Neighbours: rapid.IntRange(0, MaxClients).Draw(t, "k"),
				Clip: rapid.Float64Range(1e-6, 1e6).Draw(t, "sclip"), Scale: rapid.Float64Range(1, 1e12).Draw(t, "scale")}
		}
		return m
	case 1:
		return &Update{Epoch: epoch, Round: round, NumSamples: rapid.IntRange(0, MaxNumSamples).Draw(t, "n"), Delta: vec.Draw(t, "delta")}
	case 2:
		return &Refusal{Epoch: epoch, Round: round, Reason: Reason(rapid.IntRange(1, int(maxReason)).Draw(t, "reason")),
			Detail: rapid.StringN(0, 60, MaxDetailLength).Draw(t, "detail")}
	case 3:
		return &SecAgg{Epoch: epoch, Round: round, Kind: SecAggKind(rapid.IntRange(1, int(maxSecAggKind)).Draw(t, "kind")),
			Payload: rapid.SliceOfN(rapid.Byte(), 1, 300).Draw(t, "payload")}
	}
	mr := rapid.Uint64Range(0, MaxRound-1).Draw(t, "model round")
	var parent uint64
	if mr > 0 {
		parent = rapid.Uint64Range(0, mr-1).Draw(t, "parent")
	}
	completed := rapid.IntRange(0, 1000).Draw(t, "completed")
	dpRounds := rapid.IntRange(0, completed).Draw(t, "dp rounds")
	m := &Checkpoint{Epoch: epoch, NextRound: rapid.Uint64Range(mr+1, MaxRound).Draw(t, "next"), Completed: completed,
		DPRounds: dpRounds, Model: GlobalModel{Round: mr, Parent: parent,
			Strategy: rapid.StringN(0, 20, MaxStrategyName).Draw(t, "strategy"),
			Epsilon:  rapid.Float64Range(0, 1e6).Draw(t, "eps"), Delta: rapid.Float64Range(0, 0.5).Draw(t, "delta"),
			Participants: drawIDs(t, "participants", 5), Params: vec.Draw(t, "params")},
		Excluded: drawIDs(t, "excluded", 5)}
	if dpRounds > 0 {
		for _, id := range drawIDs(t, "participation", 5) {
			m.Participation = append(m.Participation, Participation{Client: id, Rounds: rapid.IntRange(1, dpRounds).Draw(t, "rounds")})
		}
	}
	return m
}

// TestCodecProperty round-trips random valid messages: decoding gives the
// message back and re-encoding the same bytes; the encoding is as long as
// its fixed fields plus its data.
func TestCodecProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := drawMessage(t)
		b, err := Encode(m)
		if err != nil {
			t.Fatalf("valid %T does not encode: %v", m, err)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("decoded %+v, want %+v", got, m)
		}
		again, _ := Encode(got)
		if !bytes.Equal(again, b) {
			t.Fatal("re-encoding differs")
		}
		if n := decodedSize(got); n > len(b) || len(b) > n+headerSize+256 {
			t.Fatalf("%d bytes for %d bytes of data", len(b), n)
		}
	})
}

// TestFedAvgProperty runs one plain round with random deltas and sample
// counts: the new model is the sample-weighted mean, exactly as
// strategy.FedAvg computes it, whatever the delivery order.
func TestFedAvgProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(2, 6).Draw(rt, "clients")
		deltas := make(map[NodeID][]float64)
		samples := make(map[NodeID]int)
		cfg := testConfig()
		cfg.Rounds = 1
		h := newHarness(t, cfg, 1, n)
		for i := range n {
			id := clientID(i)
			deltas[id] = rapid.SliceOfN(rapid.Float64Range(-10, 10), 4, 4).Draw(rt, "delta")
			samples[id] = rapid.IntRange(1, 100).Draw(rt, "samples")
			c, err := NewClient(ClientConfig{Self: id, Coordinators: []NodeID{coordID(0)}, NumSamples: samples[id]})
			if err != nil {
				rt.Fatal(err)
			}
			h.clients[id] = c
		}
		h.tick(0)
		h.deliver(nil)
		perm := rapid.Permutation(h.jobs).Draw(rt, "order")
		h.jobs = perm
		h.train(nil, func(id NodeID, p []float64) []float64 {
			for j := range p {
				p[j] += deltas[id][j]
			}
			return p
		})
		h.deliver(nil)
		got := h.lastModel().Params
		var total float64
		for _, s := range samples {
			total += float64(s)
		}
		for j := range got {
			var want float64
			for i := range n {
				id := clientID(i)
				want += float64(samples[id]) / total * deltas[id][j]
			}
			if math.Abs(got[j]-want) > 1e-9 {
				rt.Fatalf("coordinate %d: %v, want %v", j, got[j], want)
			}
		}
	})
}
