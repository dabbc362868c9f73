package route

import (
	"fmt"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"golang.org/x/crypto/cryptobyte"
)

// TLV types. In a message each type appears at most once, in increasing order.
const (
	// TypeUpdate is the type of a TLV of Update entries.
	TypeUpdate = 1
	// TypeRouteRequest is the type of a TLV of RouteRequest entries.
	TypeRouteRequest = 2
	// TypeSeqnoRequest is the type of a TLV of SeqnoRequest entries.
	TypeSeqnoRequest = 3
)

// Sizes of the parts of a message, in bytes.
const (
	// HeaderSize is the size of the message header: the version byte.
	HeaderSize = 1
	// TLVHeaderSize is the size of a TLV header: type (1) and body length (2, big endian).
	TLVHeaderSize = 3
	// UpdateSize is the size of an Update entry: node ID (32), seqno (2), metric (2) and
	// interval (2).
	UpdateSize = identity.NodeIDSize + 6
	// RouteRequestSize is the size of a RouteRequest entry: the node ID.
	RouteRequestSize = identity.NodeIDSize
	// SeqnoRequestSize is the size of a SeqnoRequest entry: node ID (32), seqno (2) and hop
	// count (1).
	SeqnoRequestSize = identity.NodeIDSize + 3
	// MaxUpdatesPerMessage is the number of Update entries that fit one message (31).
	MaxUpdatesPerMessage = (MaxMessageSize - HeaderSize - TLVHeaderSize) / UpdateSize
)

// Update announces a route: the sender reaches Dst with Metric, under the source's sequence
// number Seqno, and will refresh it every Interval (in IntervalUnit). A Metric of Infinity
// retracts the route.
type Update struct {
	Dst      identity.NodeID
	Seqno    uint16
	Metric   uint16
	Interval uint16
}

// RouteRequest asks the neighbour for an update about Dst, or for its whole table when Dst is
// the zero ID.
type RouteRequest struct {
	Dst identity.NodeID
}

// SeqnoRequest asks for a route to Dst with a sequence number at least Seqno. HopCount is
// decremented at each forwarding; a request arriving with HopCount 1 is not forwarded.
type SeqnoRequest struct {
	Dst      identity.NodeID
	Seqno    uint16
	HopCount uint8
}

// Message is one routing message: batches of entries of each TLV type. At least one batch is
// non-empty.
type Message struct {
	Updates       []Update
	RouteRequests []RouteRequest
	SeqnoRequests []SeqnoRequest
}

// Size returns the length of the encoding of m.
func (m *Message) Size() int {
	n := HeaderSize
	if len(m.Updates) > 0 {
		n += TLVHeaderSize + len(m.Updates)*UpdateSize
	}
	if len(m.RouteRequests) > 0 {
		n += TLVHeaderSize + len(m.RouteRequests)*RouteRequestSize
	}
	if len(m.SeqnoRequests) > 0 {
		n += TLVHeaderSize + len(m.SeqnoRequests)*SeqnoRequestSize
	}
	return n
}

// validate checks what Encode and Decode both require of the entries.
func (m *Message) validate() error {
	if len(m.Updates)+len(m.RouteRequests)+len(m.SeqnoRequests) == 0 {
		return fmt.Errorf("%w: message has no entries", ErrMalformed)
	}
	for i, u := range m.Updates {
		if u.Dst.IsZero() {
			return fmt.Errorf("%w: update %d has a zero node ID", ErrMalformed, i)
		}
		if u.Interval == 0 {
			return fmt.Errorf("%w: update %d has a zero interval", ErrMalformed, i)
		}
	}
	for i, s := range m.SeqnoRequests {
		if s.Dst.IsZero() {
			return fmt.Errorf("%w: seqno request %d has a zero node ID", ErrMalformed, i)
		}
		if s.HopCount == 0 {
			return fmt.Errorf("%w: seqno request %d has a zero hop count", ErrMalformed, i)
		}
	}
	return nil
}

// Encode returns the wire form of m. It fails with ErrTooLarge if the message would exceed
// MaxMessageSize, and with ErrMalformed if m has no entries or an entry Decode would refuse.
func (m *Message) Encode() ([]byte, error) {
	if n := m.Size(); n > MaxMessageSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, n, MaxMessageSize)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	b := cryptobyte.NewFixedBuilder(make([]byte, 0, m.Size()))
	b.AddUint8(Version)
	if len(m.Updates) > 0 {
		b.AddUint8(TypeUpdate)
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, u := range m.Updates {
				b.AddBytes(u.Dst[:])
				b.AddUint16(u.Seqno)
				b.AddUint16(u.Metric)
				b.AddUint16(u.Interval)
			}
		})
	}
	if len(m.RouteRequests) > 0 {
		b.AddUint8(TypeRouteRequest)
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, r := range m.RouteRequests {
				b.AddBytes(r.Dst[:])
			}
		})
	}
	if len(m.SeqnoRequests) > 0 {
		b.AddUint8(TypeSeqnoRequest)
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, s := range m.SeqnoRequests {
				b.AddBytes(s.Dst[:])
				b.AddUint16(s.Seqno)
				b.AddUint8(s.HopCount)
			}
		})
	}
	return b.Bytes()
}

// entrySize returns the size of an entry of TLV type t, or 0 for an unknown type.
func entrySize(t uint8) int {
	switch t {
	case TypeUpdate:
		return UpdateSize
	case TypeRouteRequest:
		return RouteRequestSize
	case TypeSeqnoRequest:
		return SeqnoRequestSize
	}
	return 0
}

// Decode parses a message. It accepts exactly the encodings Encode produces: the version, then
// one to three non-empty TLVs of distinct known types in increasing order, each a whole number
// of entries, and nothing after them. Errors wrap ErrTooLarge, ErrUnsupportedVersion or
// ErrMalformed. Decode allocates at most in proportion to len(b).
func Decode(b []byte) (*Message, error) {
	if len(b) > MaxMessageSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(b), MaxMessageSize)
	}
	s := cryptobyte.String(b)
	var version uint8
	if !s.ReadUint8(&version) {
		return nil, fmt.Errorf("%w: empty message", ErrMalformed)
	}
	if version != Version {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrUnsupportedVersion, version, Version)
	}
	m := new(Message)
	var last uint8
	for !s.Empty() {
		var t uint8
		var body cryptobyte.String
		if !s.ReadUint8(&t) || !s.ReadUint16LengthPrefixed(&body) {
			return nil, fmt.Errorf("%w: truncated TLV", ErrMalformed)
		}
		size := entrySize(t)
		switch {
		case size == 0:
			return nil, fmt.Errorf("%w: unknown TLV type %d", ErrMalformed, t)
		case t <= last:
			return nil, fmt.Errorf("%w: TLV type %d after type %d", ErrMalformed, t, last)
		case len(body) == 0 || len(body)%size != 0:
			return nil, fmt.Errorf("%w: TLV type %d has %d bytes, not a positive multiple of %d", ErrMalformed, t, len(body), size)
		}
		last = t
		n := len(body) / size
		switch t {
		case TypeUpdate:
			m.Updates = make([]Update, n)
			for i := range m.Updates {
				u := &m.Updates[i]
				body.CopyBytes(u.Dst[:])
				body.ReadUint16(&u.Seqno)
				body.ReadUint16(&u.Metric)
				body.ReadUint16(&u.Interval)
			}
		case TypeRouteRequest:
			m.RouteRequests = make([]RouteRequest, n)
			for i := range m.RouteRequests {
				body.CopyBytes(m.RouteRequests[i].Dst[:])
			}
		case TypeSeqnoRequest:
			m.SeqnoRequests = make([]SeqnoRequest, n)
			for i := range m.SeqnoRequests {
				r := &m.SeqnoRequests[i]
				body.CopyBytes(r.Dst[:])
				body.ReadUint16(&r.Seqno)
				body.ReadUint8(&r.HopCount)
			}
		}
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// packer splits entries into messages of at most MaxMessageSize bytes, filling each message
// before starting the next. Entries must be added in TLV type order (updates, then route
// requests, then seqno requests) for the greedy fill to be tight.
type packer struct {
	msgs []*Message
	cur  *Message
}

// room makes sure the current message can take one more entry of size bytes of a TLV that
// the message already has (has) or not.
func (p *packer) room(size int, has bool) *Message {
	if p.cur != nil {
		n := p.cur.Size() + size
		if !has {
			n += TLVHeaderSize
		}
		if n <= MaxMessageSize {
			return p.cur
		}
	}
	p.cur = new(Message)
	p.msgs = append(p.msgs, p.cur)
	return p.cur
}

func (p *packer) update(u Update) {
	m := p.room(UpdateSize, p.cur != nil && len(p.cur.Updates) > 0)
	m.Updates = append(m.Updates, u)
}

func (p *packer) routeRequest(r RouteRequest) {
	m := p.room(RouteRequestSize, p.cur != nil && len(p.cur.RouteRequests) > 0)
	m.RouteRequests = append(m.RouteRequests, r)
}

func (p *packer) seqnoRequest(r SeqnoRequest) {
	m := p.room(SeqnoRequestSize, p.cur != nil && len(p.cur.SeqnoRequests) > 0)
	m.SeqnoRequests = append(m.SeqnoRequests, r)
}
