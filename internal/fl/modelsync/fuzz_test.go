package modelsync

import (
	"bytes"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/registry"
)

// FuzzDecode feeds arbitrary bytes to every decoder of the protocol: none may panic, and whatever
// decodes re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	n := newNet(f, 2)
	r := n.chain(f, 1)[0]
	raw := r.Raw()
	hdr, _ := AppendRecordHeader(nil, raw)
	req, _ := AppendRequest(nil, Request{Op: OpRecord, ID: r.ID})
	notFound, _ := AppendRecordHeader(nil, nil)
	for _, seed := range [][]byte{
		{ProtocolVersion, OpCurrent}, req, AppendCurrent(nil, Current{ID: r.ID, Round: 1}, true),
		AppendCurrent(nil, Current{}, false), notFound, append(hdr, raw...), {StatusOK, 0xFF, 0xFF, 0xFF, 0xFF}, {},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if q, err := ReadRequest(bytes.NewReader(b)); err == nil {
			enc, err := AppendRequest(nil, q)
			if err != nil || !bytes.HasPrefix(b, enc) {
				t.Fatalf("request %+v re-encodes to %x, %v", q, enc, err)
			}
		}
		if c, err := ReadCurrent(bytes.NewReader(b)); err == nil {
			if enc := AppendCurrent(nil, c, true); !bytes.Equal(enc, b) {
				t.Fatalf("current %+v re-encodes to %x", c, enc)
			}
		}
		var want registry.ID
		if len(b) > 5+registry.IDSize {
			want = r.ID
		}
		if got, err := ReadRecord(bytes.NewReader(b), want); err == nil {
			enc, _ := AppendRecordHeader(nil, got.Raw())
			if !bytes.Equal(append(enc, got.Raw()...), b) {
				t.Fatalf("record %s re-encodes differently", got.ID.Short())
			}
		}
	})
}
