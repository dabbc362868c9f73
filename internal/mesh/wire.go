package mesh

import (
	"fmt"
	"net/netip"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Header is the routing header of a forwarded packet, the only part of a
// packet that relays read. Its encoding is HeaderSize bytes:
//
//	0   kind      KindPacket
//	1   hop limit hops left, at least 1; a relay that receives 1 drops the packet
//	2   reserved  two zero bytes
//	4   source      NodeID of the originator (32 bytes)
//	36  destination NodeID of the final receiver (32 bytes)
//
// An end-to-end message of 1 to MaxInnerSize bytes follows.
type Header struct {
	// HopLimit is how many more hops the packet may take.
	HopLimit uint8
	// Src is the originator and Dst the final receiver.
	Src, Dst identity.NodeID
}

// Append appends the HeaderSize-byte encoding of h to b.
func (h Header) Append(b []byte) []byte {
	b = append(b, KindPacket, h.HopLimit, 0, 0)
	b = append(b, h.Src[:]...)
	return append(b, h.Dst[:]...)
}

// DecodeHeader decodes the header of the packet pkt and returns it with the
// end-to-end message that follows (a subslice of pkt). It accepts exactly
// the packets Append followed by a message of 1 to MaxInnerSize bytes can
// produce with a valid header: any other input gives an error wrapping
// ErrMalformed.
func DecodeHeader(pkt []byte) (Header, []byte, error) {
	switch {
	case len(pkt) < HeaderSize:
		return Header{}, nil, fmt.Errorf("%w: packet of %d bytes is shorter than the %d-byte header", ErrMalformed, len(pkt), HeaderSize)
	case len(pkt) == HeaderSize:
		return Header{}, nil, fmt.Errorf("%w: packet carries no message", ErrMalformed)
	case len(pkt) > MaxPayloadSize:
		return Header{}, nil, fmt.Errorf("%w: packet of %d bytes exceeds %d", ErrMalformed, len(pkt), MaxPayloadSize)
	case pkt[0] != KindPacket:
		return Header{}, nil, fmt.Errorf("%w: kind %#02x is not a packet", ErrMalformed, pkt[0])
	case pkt[1] == 0:
		return Header{}, nil, fmt.Errorf("%w: hop limit 0", ErrMalformed)
	case pkt[2]|pkt[3] != 0:
		return Header{}, nil, fmt.Errorf("%w: reserved bytes %x are not zero", ErrMalformed, pkt[2:4])
	}
	h := Header{HopLimit: pkt[1]}
	copy(h.Src[:], pkt[4:])
	copy(h.Dst[:], pkt[4+identity.NodeIDSize:])
	switch {
	case h.Src.IsZero():
		return Header{}, nil, fmt.Errorf("%w: zero source", ErrMalformed)
	case h.Dst.IsZero():
		return Header{}, nil, fmt.Errorf("%w: zero destination", ErrMalformed)
	case h.Src == h.Dst:
		return Header{}, nil, fmt.Errorf("%w: source and destination are both %s", ErrMalformed, h.Src.Short())
	}
	return h, pkt[HeaderSize:], nil
}

// OverlayAddr returns the overlay address of the node id: the fd00::/8
// address whose last 15 bytes are the first 15 bytes of id, with port
// OverlayPort. The end-to-end handshake Machine knows peers by it.
func OverlayAddr(id identity.NodeID) netip.AddrPort {
	var a [16]byte
	a[0] = OverlayPrefix
	copy(a[1:], id[:15])
	return netip.AddrPortFrom(netip.AddrFrom16(a), OverlayPort)
}
