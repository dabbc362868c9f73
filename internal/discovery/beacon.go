// Package discovery finds other nodes of the same mesh on the local network segment.
//
// Every node that enables it sends a small UDP beacon to an IPv4 multicast group every interval and
// listens for the beacons of others. A beacon names the network (the hash of the CA certificate, so
// that different meshes on one LAN ignore each other), the sending node's ID and the UDP port its
// transport listens on; the beacon's source address and that port make a candidate address.
//
// Beacons are unauthenticated hints. They can only make a node try a handshake, and the hybrid
// post-quantum handshake authenticates the peer against the CA and the advertised node ID. Since
// anyone on the segment can send them, everything a beacon can cost is bounded: the number of
// tracked candidates, their lifetime and the beacon rate of each source address.
//
// The package has three layers: a pure encoding (AppendBeacon, DecodeBeacon), a pure candidate
// table driven by the caller's clock (Table), and a thin runtime (Discoverer) over an injectable
// PacketConn, with a real multicast UDP implementation (ListenMulticast).
package discovery

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Errors returned by this package; test with errors.Is.
var (
	// ErrMalformed reports a datagram that is not a well-formed beacon.
	ErrMalformed = errors.New("discovery: malformed beacon")
	// ErrVersion reports a beacon of a version this package does not read.
	ErrVersion = errors.New("discovery: unsupported beacon version")
	// ErrOwnBeacon reports a node's own beacon, looped back by the network.
	ErrOwnBeacon = errors.New("discovery: own beacon")
	// ErrForeignNetwork reports a beacon of another mesh.
	ErrForeignNetwork = errors.New("discovery: beacon of another network")
	// ErrBadSource reports a beacon from an address no peer can have.
	ErrBadSource = errors.New("discovery: unusable source address")
	// ErrRateLimited reports a beacon dropped by the per-source rate limit.
	ErrRateLimited = errors.New("discovery: source rate-limited")
	// ErrTableFull reports a new candidate dropped because MaxCandidates are tracked.
	ErrTableFull = errors.New("discovery: candidate table full")
	// ErrConfig reports an invalid runtime configuration.
	ErrConfig = errors.New("discovery: invalid configuration")
	// ErrNoInterface reports that no network interface could join the multicast group.
	ErrNoInterface = errors.New("discovery: no multicast interface")
)

// Beacon is the content of one announcement.
type Beacon struct {
	// Network identifies the mesh: identity.NetworkID of its CA certificate.
	Network [NetworkIDSize]byte
	// NodeID is the sender's node ID.
	NodeID identity.NodeID
	// Port is the UDP port of the sender's transport.
	Port uint16
}

// AppendBeacon appends the encoding of b to dst:
//
//	0    4   magic "x0tb"
//	4    1   version 1
//	5   32   network ID
//	37  32   node ID
//	69   2   port, big endian
func AppendBeacon(dst []byte, b Beacon) []byte {
	bb := cryptobyte.NewBuilder(dst)
	bb.AddBytes([]byte(Magic))
	bb.AddUint8(Version)
	bb.AddBytes(b.Network[:])
	bb.AddBytes(b.NodeID[:])
	bb.AddUint16(b.Port)
	return bb.BytesOrPanic() // cannot fail: fixed-size fields, no length prefixes
}

// DecodeBeacon decodes exactly one beacon. It refuses any other length, another magic or version, a
// zero network or node ID and port 0.
func DecodeBeacon(p []byte) (Beacon, error) {
	if len(p) < len(Magic)+1 {
		return Beacon{}, fmt.Errorf("%w: %d bytes", ErrMalformed, len(p))
	}
	s := cryptobyte.String(p)
	var magic []byte
	var version uint8
	if !s.ReadBytes(&magic, len(Magic)) || string(magic) != Magic {
		return Beacon{}, fmt.Errorf("%w: bad magic", ErrMalformed)
	}
	if !s.ReadUint8(&version) || version != Version {
		return Beacon{}, fmt.Errorf("%w: version %d", ErrVersion, version)
	}
	if len(p) != BeaconSize {
		return Beacon{}, fmt.Errorf("%w: %d bytes, want %d", ErrMalformed, len(p), BeaconSize)
	}
	var b Beacon
	if !s.CopyBytes(b.Network[:]) || !s.CopyBytes(b.NodeID[:]) || !s.ReadUint16(&b.Port) || !s.Empty() {
		return Beacon{}, fmt.Errorf("%w: truncated", ErrMalformed) // unreachable after the length check
	}
	switch {
	case b.Network == [NetworkIDSize]byte{}:
		return Beacon{}, fmt.Errorf("%w: zero network ID", ErrMalformed)
	case b.NodeID.IsZero():
		return Beacon{}, fmt.Errorf("%w: zero node ID", ErrMalformed)
	case b.Port == 0:
		return Beacon{}, fmt.Errorf("%w: port 0", ErrMalformed)
	}
	return b, nil
}
