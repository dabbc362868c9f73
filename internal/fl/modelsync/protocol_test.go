package modelsync

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/registry"
)

func TestRequestRoundTrip(t *testing.T) {
	id := registry.ID{1, 2, 3}
	tests := []struct {
		name string
		q    Request
		ok   bool
	}{
		{"current", Request{Op: OpCurrent}, true},
		{"record", Request{Op: OpRecord, ID: id}, true},
		{"current with ID", Request{Op: OpCurrent, ID: id}, false},
		{"record without ID", Request{Op: OpRecord}, false},
		{"unknown op", Request{Op: 9}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := AppendRequest(nil, tt.q)
			if !tt.ok {
				if !errors.Is(err, ErrProtocol) {
					t.Fatalf("err = %v, want ErrProtocol", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := ReadRequest(bytes.NewReader(b))
			if err != nil || got != tt.q {
				t.Fatalf("ReadRequest = %+v, %v; want %+v", got, err, tt.q)
			}
		})
	}
}

func TestReadRequestBad(t *testing.T) {
	id := registry.ID{7}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"one byte", []byte{ProtocolVersion}},
		{"other version", []byte{2, OpCurrent}},
		{"unknown op", []byte{ProtocolVersion, 3}},
		{"short ID", append([]byte{ProtocolVersion, OpRecord}, id[:31]...)},
		{"zero ID", append([]byte{ProtocolVersion, OpRecord}, make([]byte, 32)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if q, err := ReadRequest(bytes.NewReader(tt.in)); !errors.Is(err, ErrProtocol) {
				t.Fatalf("ReadRequest = %+v, %v; want ErrProtocol", q, err)
			}
		})
	}
}

func TestReadCurrent(t *testing.T) {
	c := Current{ID: registry.ID{9}, Round: 4}
	good := AppendCurrent(nil, c, true)
	tests := []struct {
		name string
		in   []byte
		want error // nil: c
	}{
		{"ok", good, nil},
		{"none", AppendCurrent(nil, Current{}, false), ErrNotFound},
		{"none with trailing", append(AppendCurrent(nil, Current{}, false), 0), ErrProtocol},
		{"empty", nil, ErrProtocol},
		{"bad status", []byte{StatusNotFound}, ErrProtocol},
		{"short", good[:len(good)-1], ErrProtocol},
		{"trailing", append(bytes.Clone(good), 0), ErrProtocol},
		{"zero ID", AppendCurrent(nil, Current{Round: 4}, true), ErrProtocol},
		{"round 0", AppendCurrent(nil, Current{ID: c.ID}, true), ErrProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadCurrent(bytes.NewReader(tt.in))
			if tt.want == nil {
				if err != nil || got != c {
					t.Fatalf("ReadCurrent = %+v, %v; want %+v", got, err, c)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestReadRecord(t *testing.T) {
	n := newNet(t, 1)
	rs := n.chain(t, 2)
	raw := rs[0].Raw()
	hdr, err := AppendRecordHeader(nil, raw)
	if err != nil {
		t.Fatal(err)
	}
	good := append(bytes.Clone(hdr), raw...)
	notFound, _ := AppendRecordHeader(nil, nil)
	huge := binary.BigEndian.AppendUint32([]byte{StatusOK}, uint32(MaxRecordSize)+1)
	broken := append(bytes.Clone(hdr), raw...)
	broken[len(hdr)] ^= 0xFF // the magic
	tests := []struct {
		name string
		in   []byte
		want error // nil: rs[0]
		id   registry.ID
	}{
		{"ok", good, nil, rs[0].ID},
		{"not found", notFound, ErrNotFound, rs[0].ID},
		{"bad status", []byte{StatusNone}, ErrProtocol, rs[0].ID},
		{"no length", []byte{StatusOK, 0}, ErrProtocol, rs[0].ID},
		{"zero length", []byte{StatusOK, 0, 0, 0, 0}, ErrProtocol, rs[0].ID},
		{"over the limit", huge, ErrProtocol, rs[0].ID},
		{"short", good[:len(good)-1], ErrProtocol, rs[0].ID},
		{"trailing", append(bytes.Clone(good), 1), ErrProtocol, rs[0].ID},
		{"not a record", broken, ErrProtocol, rs[0].ID},
		{"another version", good, ErrMismatch, rs[1].ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadRecord(bytes.NewReader(tt.in), tt.id)
			if tt.want == nil {
				if err != nil || got.ID != rs[0].ID {
					t.Fatalf("ReadRecord = %v, %v", got, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := AppendRecordHeader(nil, []byte{}); !errors.Is(err, ErrProtocol) {
		t.Errorf("empty record header: err = %v", err)
	}
}
