package secagg

import (
	"bytes"
	"encoding"
	"encoding/binary"
	"math"
	"reflect"
	"testing"
)

func TestMessagesRoundTrip(t *testing.T) {
	for name, b := range sampleMessages(t) {
		t.Run(name, func(t *testing.T) {
			m := decoderFor(name)
			if err := m.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			out, err := m.(encoding.BinaryMarshaler).MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, b) {
				t.Fatal("re-encoding differs")
			}
			m2 := decoderFor(name)
			if err := m2.UnmarshalBinary(out); err != nil || !reflect.DeepEqual(m, m2) {
				t.Fatalf("second decode: %v", err)
			}
			for v, data := range seedVariants(b) {
				if v == "valid" || (v == "length-byte+1" && name == "FuzzAdvertiseKeys") {
					// AdvertiseKeys has no list: that byte is in the key.
					continue
				}
				if err := decoderFor(name).UnmarshalBinary(data); err == nil {
					t.Errorf("%s variant decoded", v)
				}
			}
		})
	}
}

// decoderFor returns an empty message of the type a fuzz target decodes.
func decoderFor(name string) encoding.BinaryUnmarshaler {
	return map[string]encoding.BinaryUnmarshaler{
		"FuzzAdvertiseKeys": &AdvertiseKeys{}, "FuzzRoster": &Roster{},
		"FuzzKeyCiphertexts": &KeyCiphertexts{}, "FuzzKeyDelivery": &KeyDelivery{},
		"FuzzShareKeys": &ShareKeys{}, "FuzzShareDelivery": &ShareDelivery{},
		"FuzzMaskedInput": &MaskedInput{}, "FuzzUnmaskRequest": &UnmaskRequest{},
		"FuzzUnmaskResponse": &UnmaskResponse{},
	}[name]
}

// header returns a message header for type t.
func header(t msgType) []byte {
	b := []byte{Version, byte(t)}
	return binary.BigEndian.AppendUint64(b, 7)
}

func TestDecodeErrors(t *testing.T) {
	u24 := func(n int) []byte { return []byte{byte(n >> 16), byte(n >> 8), byte(n)} }
	u32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	share := func(owner uint32, kind byte, v byte) []byte {
		return cat(u32(owner), []byte{kind}, bytes.Repeat([]byte{v}, SecretSize))
	}
	for _, tc := range []struct {
		name string
		m    encoding.BinaryUnmarshaler
		in   []byte
		want error
	}{
		{"empty", &AdvertiseKeys{}, nil, ErrMalformed},
		{"version", &AdvertiseKeys{}, append([]byte{9}, header(typeAdvertiseKeys)[1:]...), ErrVersion},
		{"type", &AdvertiseKeys{}, header(typeRoster), ErrMalformed},
		{"client 0", &MaskedInput{}, cat(header(typeMaskedInput), u32(0), u32(4), u32(1)), ErrMalformed},
		{"masked odd", &MaskedInput{}, cat(header(typeMaskedInput), u32(1), u32(3), []byte{1, 2, 3}), ErrMalformed},
		{"masked empty", &MaskedInput{}, cat(header(typeMaskedInput), u32(1), u32(0)), ErrMalformed},
		{"masked huge", &MaskedInput{}, cat(header(typeMaskedInput), u32(1), u32(4*MaxDim+4)), ErrLimit},
		{"masked short", &MaskedInput{}, cat(header(typeMaskedInput), u32(1), u32(8), u32(1)), ErrMalformed},
		{"ids unsorted", &UnmaskRequest{}, cat(header(typeUnmaskRequest), u32(1), u24(8), u32(5), u32(4), u24(0)), ErrMalformed},
		{"ids zero", &UnmaskRequest{}, cat(header(typeUnmaskRequest), u32(1), u24(4), u32(0), u24(0)), ErrMalformed},
		{"ids ragged", &UnmaskRequest{}, cat(header(typeUnmaskRequest), u32(1), u24(3), []byte{1, 2, 3}, u24(0)), ErrMalformed},
		{"ids too many", &UnmaskRequest{}, cat(header(typeUnmaskRequest), u32(1), u24(4*(MaxClients+1)), make([]byte, 4*(MaxClients+1)), u24(0)), ErrLimit},
		{"list truncated", &UnmaskRequest{}, cat(header(typeUnmaskRequest), u32(1), u24(8), u32(5)), ErrMalformed},
		{"share kind", &UnmaskResponse{}, cat(header(typeUnmaskResponse), u32(1), u24(revealedSize), share(2, 3, 0)), ErrMalformed},
		{"share not canonical", &UnmaskResponse{}, cat(header(typeUnmaskResponse), u32(1), u24(revealedSize), share(2, 1, 0xff)), ErrMalformed},
		{"shares unsorted", &UnmaskResponse{}, cat(header(typeUnmaskResponse), u32(1), u24(2*revealedSize), share(3, 1, 0), share(2, 1, 0)), ErrMalformed},
		{"roster truncated", &Roster{}, cat(header(typeRoster), u32(1)), ErrMalformed},
		{"roster params", &Roster{}, cat(header(typeRoster), u32(0), []byte{0, 2, 0, 0}, u32(0), u32(0), u32(0), u32(0), make([]byte, 32), u24(0)), ErrMalformed},
		{"key ct truncated", &KeyCiphertexts{}, cat(header(typeKeyCiphertexts), u32(1)), ErrMalformed},
		{"share keys truncated", &ShareKeys{}, cat(header(typeShareKeys), u32(1), u24(shareEntrySize)), ErrMalformed},
		{"share keys unsorted", &ShareKeys{}, cat(header(typeShareKeys), u32(1), u24(2*shareEntrySize),
			u32(3), make([]byte, shareEntrySize-4), u32(2), make([]byte, shareEntrySize-4)), ErrMalformed},
		{"peer list unsorted", &ShareDelivery{}, cat(header(typeShareDelivery), u32(1), u24(2*(4+ShareCiphertextSize)),
			u32(3), make([]byte, ShareCiphertextSize), u32(3), make([]byte, ShareCiphertextSize)), ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustErr(t, tc.m.UnmarshalBinary(tc.in), tc.want)
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	pk := make([]byte, PublicKeySize)
	for _, tc := range []struct {
		name string
		m    encoding.BinaryMarshaler
		want error
	}{
		{"advertise from 0", &AdvertiseKeys{PublicKey: pk}, ErrMalformed},
		{"advertise short key", &AdvertiseKeys{From: 1, PublicKey: pk[1:]}, ErrMalformed},
		{"roster params", &Roster{}, ErrMalformed},
		{"roster key", &Roster{Params: testParams(3, 1, 0), Clients: []RosterEntry{{ID: 1}}}, ErrMalformed},
		{"roster order", &Roster{Params: testParams(3, 1, 0), Clients: []RosterEntry{{ID: 2, PublicKey: pk}, {ID: 1, PublicKey: pk}}}, ErrMalformed},
		{"key ct size", &KeyCiphertexts{From: 1, Ciphertexts: []PeerCiphertext{{Peer: 2}}}, ErrMalformed},
		{"key ct order", &KeyCiphertexts{From: 1, Ciphertexts: make([]PeerCiphertext, 2)}, ErrMalformed},
		{"key ct from 0", &KeyCiphertexts{}, ErrMalformed},
		{"key delivery active", &KeyDelivery{To: 1, Active: []ClientID{3, 2}}, ErrMalformed},
		{"key delivery too many", &KeyDelivery{To: 1, Active: make([]ClientID, MaxClients+1)}, ErrLimit},
		{"key delivery to 0", &KeyDelivery{}, ErrMalformed},
		{"share keys from 0", &ShareKeys{}, ErrMalformed},
		{"share keys ct", &ShareKeys{From: 1, Shares: []OutgoingShare{{To: 2}}}, ErrMalformed},
		{"share keys escrow", &ShareKeys{From: 1, Shares: []OutgoingShare{{To: 2, Ciphertext: make([]byte, ShareCiphertextSize)}}}, ErrMalformed},
		{"share keys order", &ShareKeys{From: 1, Shares: []OutgoingShare{
			{To: 2, Ciphertext: make([]byte, ShareCiphertextSize), Escrow: make([]byte, EscrowSize)},
			{To: 2, Ciphertext: make([]byte, ShareCiphertextSize), Escrow: make([]byte, EscrowSize)}}}, ErrMalformed},
		{"masked from 0", &MaskedInput{Masked: []uint32{1}}, ErrMalformed},
		{"masked empty", &MaskedInput{From: 1}, ErrLimit},
		{"request to 0", &UnmaskRequest{}, ErrMalformed},
		{"request alive", &UnmaskRequest{To: 1, Alive: []ClientID{0}}, ErrMalformed},
		{"request dropped", &UnmaskRequest{To: 1, Dropped: []ClientID{2, 2}}, ErrMalformed},
		{"response from 0", &UnmaskResponse{}, ErrMalformed},
		{"response kind", &UnmaskResponse{From: 1, Shares: []RevealedShare{{Owner: 1}}}, ErrMalformed},
		{"response order", &UnmaskResponse{From: 1, Shares: []RevealedShare{{Owner: 2, Kind: 1}, {Owner: 1, Kind: 1}}}, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.m.MarshalBinary()
			mustErr(t, err, tc.want)
		})
	}
	if typeUnmaskResponse.String() != "UnmaskResponse" || msgType(42).String() != "type 42" {
		t.Fatal("msgType.String")
	}
	if SelfMaskShare.String() != "self-mask" || RecoveryShare.String() != "recovery" || ShareKind(9).String() != "kind 9" {
		t.Fatal("ShareKind.String")
	}
}

func TestParamsValidate(t *testing.T) {
	ok := Params{Dim: 10, Threshold: 3, Clip: 1, Scale: 100}
	for _, tc := range []struct {
		name string
		f    func(p *Params)
		want error
	}{
		{"ok", func(p *Params) {}, nil},
		{"sparse ok", func(p *Params) { p.Neighbours = 4 }, nil},
		{"dim 0", func(p *Params) { p.Dim = 0 }, ErrParams},
		{"dim big", func(p *Params) { p.Dim = MaxDim + 1 }, ErrParams},
		{"t 1", func(p *Params) { p.Threshold = 1 }, ErrParams},
		{"k odd", func(p *Params) { p.Neighbours = 3 }, ErrParams},
		{"k < t", func(p *Params) { p.Neighbours = 4; p.Threshold = 6 }, ErrParams},
		{"t minority", func(p *Params) { p.Neighbours = 8; p.Threshold = 4 }, ErrParams},
		{"clip 0", func(p *Params) { p.Clip = 0 }, ErrParams},
		{"clip NaN", func(p *Params) { p.Clip = math.NaN() }, ErrParams},
		{"scale inf", func(p *Params) { p.Scale = math.Inf(1) }, ErrParams},
		{"level 0", func(p *Params) { p.Scale = 0.1 }, ErrParams},
		{"level big", func(p *Params) { p.Scale = 1 << 40 }, ErrParams},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.f(&p)
			mustErr(t, p.Validate(), tc.want)
		})
	}
}

func TestQuantizer(t *testing.T) {
	q, err := NewQuantizer(2, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if q.Level() != 4000 {
		t.Fatalf("level %d", q.Level())
	}
	x := []float64{-3, -2, -1.0004, 0, 0.0006, 2, math.Inf(1), math.Inf(-1)}
	v := make([]uint32, len(x))
	if err := q.Encode(v, x); err != nil {
		t.Fatal(err)
	}
	want := []uint32{0, 0, 1000, 2000, 2001, 4000, 4000, 0}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("Encode = %v, want %v", v, want)
	}
	got := q.Decode([]uint32{4000, 2000}, 2)
	if got[0] != 0 || got[1] != -2 {
		t.Fatalf("Decode = %v", got)
	}
	mustErr(t, q.Encode(v[:1], x), ErrInput)
	mustErr(t, q.CheckClients(0), ErrParams)
	if err := q.CheckClients(1 << 20); err != nil {
		t.Fatal(err)
	}
	mustErr(t, q.CheckClients(1<<21), ErrOverflow)
	big, _ := NewQuantizer(1, float64(MaxQuantLevel)/2)
	if err := big.CheckClients(1); err != nil {
		t.Fatal(err)
	}
	mustErr(t, big.CheckClients(2), ErrOverflow)
	if DefaultThreshold(3) != 2 || DefaultThreshold(100) != 67 || DefaultThreshold(1) != 2 {
		t.Fatal("DefaultThreshold")
	}
}

func TestGraph(t *testing.T) {
	ids := make([]ClientID, 30)
	for i := range ids {
		ids[i] = ClientID(i + 1)
	}
	var seed [GraphSeedSize]byte
	g := newGraph(ids, 6, 1, &seed)
	for _, u := range ids {
		nb := g.neighbours(u)
		if len(nb) != 6 {
			t.Fatalf("client %d has %d neighbours", u, len(nb))
		}
		for _, v := range nb {
			if !g.adjacent(u, v) || !g.adjacent(v, u) {
				t.Fatalf("%d-%d not symmetric", u, v)
			}
		}
	}
	if g.adjacent(3, 3) {
		t.Fatal("self-adjacent")
	}
	seed[0] = 1
	if h := newGraph(ids, 6, 1, &seed); reflect.DeepEqual(h.cycle, g.cycle) {
		t.Fatal("the seed does not change the graph")
	}
	if c := newGraph(ids, 30, 1, &seed); !c.complete || len(c.neighbours(5)) != 29 {
		t.Fatal("k >= n-1 is not the complete graph")
	}
	if c := newGraph(ids, 28, 1, &seed); c.complete || len(c.neighbours(5)) != 28 || c.adjacent(5, c.cycle[(c.pos[5]+15)%30]) {
		t.Fatal("k = n-2 is not the Harary graph")
	}
}
