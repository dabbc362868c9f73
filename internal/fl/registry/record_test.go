package registry

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

func TestSignParseRoundTrip(t *testing.T) {
	n := newNet(t, 1)
	p := params(7, ID{9})
	r := n.sign(t, p)
	if r.ID != sha256.Sum256(r.raw[:r.bodyLen]) {
		t.Fatal("ID is not the SHA-256 of the body")
	}
	if !slices.IsSortedFunc(r.Participants, compareNodeIDs) || len(r.Participants) != 3 || r.Participants[0] != nid(1) {
		t.Errorf("participants %v", r.Participants)
	}
	if !bytes.Equal(r.Payload, p.Payload) || r.PayloadHash != sha256.Sum256(p.Payload) || r.PayloadSize != len(p.Payload) {
		t.Error("payload not bound")
	}
	if r.Coordinator != n.coord.ID() || r.Certificate.Subject != n.coord.ID() || len(r.Signature) != pqc.SignatureSize {
		t.Error("coordinator not bound")
	}
	if !r.Created.Equal(p.Created) || r.Created.Location() != time.UTC {
		t.Errorf("created %v", r.Created)
	}
	got, err := ParseRecord(r.Raw())
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != r.ID || got.Round != 7 || got.Parent != (ID{9}) || got.Kind != p.Kind || got.Strategy != p.Strategy ||
		got.EpsilonRound != p.EpsilonRound || got.EpsilonTotal != p.EpsilonTotal || got.Delta != p.Delta ||
		!slices.Equal(got.Participants, r.Participants) || !got.Created.Equal(p.Created) {
		t.Errorf("parsed %+v", got.Header)
	}
	re, err := reencode(got)
	if err != nil || !bytes.Equal(re, r.Raw()) {
		t.Fatalf("fields re-encode to other bytes: %v", err)
	}
	raw := r.Raw()
	raw[0] ^= 1
	if r.Raw()[0] == raw[0] {
		t.Error("Raw returns the record's own buffer")
	}
	// Signing is hedged: the same parameters give another signature but
	// the same body, so the same ID.
	again := n.sign(t, p)
	if again.ID != r.ID || bytes.Equal(again.Signature, r.Signature) {
		t.Errorf("re-signed: same ID %v, same signature %v", again.ID == r.ID, bytes.Equal(again.Signature, r.Signature))
	}
	// An empty payload and no participants are valid.
	e := n.sign(t, Params{Kind: "k", Strategy: "s", Round: 1, Created: time.Unix(0, 0)})
	if e.PayloadSize != 0 || e.Participants != nil {
		t.Errorf("empty: %+v", e.Header)
	}
	if _, err := ParseRecord(e.Raw()); err != nil {
		t.Fatal(err)
	}
}

func TestSignInvalid(t *testing.T) {
	n := newNet(t, 2)
	many := make([]identity.NodeID, MaxParticipants+1)
	for i := range many {
		many[i] = nid(i)
	}
	tests := []struct {
		name string
		edit func(*Params)
		want string
	}{
		{"empty kind", func(p *Params) { p.Kind = "" }, "kind is 0 bytes"},
		{"long kind", func(p *Params) { p.Kind = strings.Repeat("k", MaxKindSize+1) }, "kind is 65 bytes"},
		{"kind with space", func(p *Params) { p.Kind = "mesh detect" }, "printable ASCII"},
		{"kind with DEL", func(p *Params) { p.Kind = "a\x7f" }, "printable ASCII"},
		{"empty strategy", func(p *Params) { p.Strategy = "" }, "strategy is 0 bytes"},
		{"strategy non-ASCII", func(p *Params) { p.Strategy = "fédavg" }, "printable ASCII"},
		{"round 0", func(p *Params) { p.Round = 0 }, "round 0"},
		{"negative ε", func(p *Params) { p.EpsilonRound = -1 }, "ε round is -1"},
		{"NaN ε", func(p *Params) { p.EpsilonTotal = math.NaN() }, "ε total is NaN"},
		{"infinite ε", func(p *Params) { p.EpsilonTotal = math.Inf(1) }, "ε total is +Inf"},
		{"negative zero δ", func(p *Params) { p.Delta = math.Copysign(0, -1) }, "δ is -0"},
		{"total below round", func(p *Params) { p.EpsilonRound, p.EpsilonTotal = 2, 1 }, "below ε of the round"},
		{"δ of 1", func(p *Params) { p.Delta = 1 }, "want below 1"},
		{"zero time", func(p *Params) { p.Created = time.Time{} }, "out of range"},
		{"time after 2262", func(p *Params) { p.Created = time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC) }, "out of range"},
		{"too many participants", func(p *Params) { p.Participants = many }, "4097 participants"},
		{"duplicate participant", func(p *Params) { p.Participants = []identity.NodeID{nid(1), nid(2), nid(1)} }, "listed twice"},
		{"payload too large", func(p *Params) { p.Payload = make([]byte, MaxPayloadSize+1) }, "payload is 16777217 bytes"},
	}
	for _, tt := range tests {
		p := params(3, ID{})
		tt.edit(&p)
		_, err := Sign(p, n.coord.Signing, n.cert)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want ErrInvalid with %q", tt.name, err, tt.want)
		}
	}
	keyErrs := []struct {
		name string
		key  *pqc.SigningKey
		cert *identity.Certificate
	}{
		{"nil key", nil, n.cert},
		{"nil certificate", n.coord.Signing, nil},
		{"key of another node", n.other.Signing, n.cert},
		{"CA certificate", n.ca.Identity.Signing, n.ca.Cert},
	}
	for _, tt := range keyErrs {
		if _, err := Sign(params(1, ID{}), tt.key, tt.cert); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", tt.name, err)
		}
	}
}

func TestParseMalformed(t *testing.T) {
	n := newNet(t, 3)
	r := n.sign(t, params(5, ID{1}))
	good := fieldsOf(r)
	if !bytes.Equal(good.encode(), r.Raw()) {
		t.Fatal("test encoder differs from the package's")
	}
	edit := func(f func(*rawFields)) []byte {
		g := good
		g.parts = slices.Clone(good.parts)
		f(&g)
		return g.encode()
	}
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "magic"},
		{"wrong magic", edit(func(f *rawFields) { f.magic = "X0MDET\x00\x00" }), "magic"},
		{"version 2", edit(func(f *rawFields) { f.version = 2 }), "version 2"},
		{"only magic", []byte(Magic), "truncated"},
		{"trailing byte", edit(func(f *rawFields) { f.tail = []byte{0} }), "payload is"},
		{"payload short", edit(func(f *rawFields) { f.payload = f.payload[1:] }), "payload is"},
		{"oversize payload field", edit(func(f *rawFields) { f.size = MaxPayloadSize + 1 }), "the limit is"},
		{"kind too long", edit(func(f *rawFields) { f.kind = strings.Repeat("k", 200) }), "kind is 200 bytes"},
		{"kind control", edit(func(f *rawFields) { f.kind = "k\n" }), "printable"},
		{"round 0", edit(func(f *rawFields) { f.round = 0 }), "round 0"},
		{"NaN", edit(func(f *rawFields) { f.er = math.NaN() }), "NaN"},
		{"created overflow", edit(func(f *rawFields) { f.created = math.MaxInt64 + 1 }), "out of range"},
		{"too many participants", edit(func(f *rawFields) { f.count = MaxParticipants + 1 }), "4097 participants"},
		{"participant count beyond data", edit(func(f *rawFields) { f.count = 4 }), ""},
		{"unsorted participants", edit(func(f *rawFields) { f.parts[0], f.parts[1] = f.parts[1], f.parts[0] }), "strictly ascending"},
		{"duplicate participants", edit(func(f *rawFields) { f.parts[1] = f.parts[0] }), "strictly ascending"},
		{"coordinator not subject", edit(func(f *rawFields) { f.coord[0] ^= 1 }), "not the subject"},
		{"CA certificate", edit(func(f *rawFields) { f.cert, f.coord = n.ca.Cert.Raw(), n.ca.Cert.Subject }), "CA certificate"},
		{"bad certificate", edit(func(f *rawFields) { f.cert = f.cert[:100] }), "coordinator certificate"},
		{"oversize record", make([]byte, MaxRecordSize+1), "the limit is"},
	}
	for _, tt := range tests {
		_, err := ParseRecord(tt.b)
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want ErrMalformed with %q", tt.name, err, tt.want)
		}
	}
	// Every truncation of a valid record is refused.
	raw := r.Raw()
	for i := range len(raw) {
		if _, err := ParseRecord(raw[:i]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("truncated to %d bytes: err = %v", i, err)
		}
	}
}

func TestEnvelopeAndChangeDecoding(t *testing.T) {
	n := newNet(t, 4)
	r := n.sign(t, params(2, ID{}))
	if _, err := parseEnvelope(r.envelope()); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"with payload":  r.Raw(),
		"no signature":  r.raw[:r.bodyLen],
		"bad body":      r.raw[1:],
		"oversize":      make([]byte, MaxEnvelopeSize+1),
		"short version": {valueVersion, 1, 2},
	} {
		if _, err := parseEnvelope(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("envelope %s: err = %v", name, err)
		}
	}
	val := encodeVersion(t0, r.envelope())
	if v, _, err := decodeVersion(r.ID[:], val); err != nil || v.ID != r.ID || !v.AcceptedAt.Equal(t0) {
		t.Fatalf("decodeVersion = %+v, %v", v, err)
	}
	for name, tc := range map[string]struct{ k, v []byte }{
		"other key":     {make([]byte, IDSize), val},
		"value version": {r.ID[:], append([]byte{2}, val[1:]...)},
		"short":         {r.ID[:], val[:5]},
		"time overflow": {r.ID[:], append([]byte{valueVersion, 0xff, 0, 0, 0, 0, 0, 0, 0}, val[9:]...)},
		"envelope":      {r.ID[:], val[:len(val)-1]},
		"empty":         {r.ID[:], nil},
	} {
		if _, _, err := decodeVersion(tc.k, tc.v); !errors.Is(err, ErrMalformed) {
			t.Errorf("version %s: err = %v", name, err)
		}
	}

	c := Change{Seq: 4, At: t0, Kind: ChangeRollback, From: ID{1}, To: ID{2}, Round: 3, Reason: "bad accuracy — rolled back"}
	b, err := encodeChange(c)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := decodeChange(4, b); err != nil || got != c {
		t.Fatalf("decodeChange = %+v, %v", got, err)
	}
	badChanges := map[string][]byte{
		"empty":         nil,
		"version":       append([]byte{9}, b[1:]...),
		"trailing":      append(slices.Clone(b), 0),
		"truncated":     b[:len(b)-1],
		"kind":          func() []byte { x := slices.Clone(b); x[9] = 7; return x }(),
		"time overflow": func() []byte { x := slices.Clone(b); x[1] = 0x80; return x }(),
		"empty reason":  func() []byte { x := slices.Clone(b[:len(b)-len(c.Reason)]); x[len(x)-1], x[len(x)-2] = 0, 0; return x }(),
	}
	for name, v := range badChanges {
		if _, err := decodeChange(1, v); !errors.Is(err, ErrMalformed) {
			t.Errorf("change %s: err = %v", name, err)
		}
	}
	for name, c := range map[string]Change{
		"kind":   {At: t0, Kind: 9, Reason: "x"},
		"time":   {At: time.Time{}, Kind: ChangeAccept, Reason: "x"},
		"reason": {At: t0, Kind: ChangeAccept, Reason: "line\nbreak"},
	} {
		if _, err := encodeChange(c); !errors.Is(err, ErrInvalid) {
			t.Errorf("encodeChange %s: err = %v", name, err)
		}
	}
	if ChangeAccept.String() != "accept" || ChangeRollback.String() != "rollback" || ChangeKind(9).String() != "change(9)" {
		t.Error("ChangeKind.String")
	}
}

func TestCheckReason(t *testing.T) {
	tests := []struct {
		s  string
		ok bool
	}{
		{"accuracy dropped 4 %", true},
		{"откат: точность упала", true},
		{"", false},
		{strings.Repeat("x", MaxReasonSize), true},
		{strings.Repeat("x", MaxReasonSize+1), false},
		{"tab\there", false},
		{"del\x7f", false},
		{"c1 \u0085", false},
		{"bad \xff utf-8", false},
	}
	for _, tt := range tests {
		if err := checkReason(tt.s); (err == nil) != tt.ok {
			t.Errorf("checkReason(%.20q) = %v, want ok %v", tt.s, err, tt.ok)
		}
	}
}

func TestID(t *testing.T) {
	id := ID(sha256.Sum256([]byte("x")))
	got, err := ParseID(strings.ToUpper(id.String()))
	if err != nil || got != id {
		t.Fatalf("ParseID = %v, %v", got, err)
	}
	if id.Short() != id.String()[:16] || id.IsZero() || !(ID{}).IsZero() {
		t.Error("Short or IsZero")
	}
	text, _ := id.MarshalText()
	var back ID
	if err := back.UnmarshalText(text); err != nil || back != id {
		t.Errorf("text round trip: %v", err)
	}
	for _, s := range []string{"", "abc", strings.Repeat("g", 64), strings.Repeat("a", 66)} {
		if _, err := ParseID(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseID(%q) = %v", s, err)
		}
		if err := back.UnmarshalText([]byte(s)); !errors.Is(err, ErrInvalid) || back != id {
			t.Errorf("UnmarshalText(%q) = %v, changed %v", s, err, back != id)
		}
	}
}
