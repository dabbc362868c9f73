package node

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// kindPeerExchange is the payload kind of a peer exchange message: a neighbour's list of other
// peers it is connected to, so that a node can reconnect through spare peers when its own links fail.
//
//	0      1   kind 0x04
//	1      1   count n, 1..MaxExchangePeers
//	2      n × 50: node ID (32), IPv6 or IPv4-mapped address (16), port (u16, big endian)
const kindPeerExchange = 0x04

// pexEntrySize is the size of one peer exchange entry.
const pexEntrySize = identity.NodeIDSize + 16 + 2

// errPeerExchange reports a malformed peer exchange message.
var errPeerExchange = errors.New("node: malformed peer exchange")

// pexEntry is one advertised peer.
type pexEntry struct {
	id   identity.NodeID
	addr netip.AddrPort
}

// encodePeerExchange encodes at most MaxExchangePeers entries; it returns nil for none.
func encodePeerExchange(entries []pexEntry) []byte {
	if len(entries) == 0 {
		return nil
	}
	entries = entries[:min(len(entries), MaxExchangePeers)]
	b := make([]byte, 2, 2+len(entries)*pexEntrySize)
	b[0], b[1] = kindPeerExchange, byte(len(entries))
	for _, e := range entries {
		b = append(b, e.id[:]...)
		ip := e.addr.Addr().As16()
		b = append(b, ip[:]...)
		b = binary.BigEndian.AppendUint16(b, e.addr.Port())
	}
	return b
}

// decodePeerExchange decodes a peer exchange message, refusing any other length, zero IDs, invalid
// or unspecified addresses and port 0.
func decodePeerExchange(b []byte) ([]pexEntry, error) {
	if len(b) < 2 || b[0] != kindPeerExchange {
		return nil, fmt.Errorf("%w: too short or wrong kind", errPeerExchange)
	}
	n := int(b[1])
	if n < 1 || n > MaxExchangePeers || len(b) != 2+n*pexEntrySize {
		return nil, fmt.Errorf("%w: %d entries in %d bytes", errPeerExchange, n, len(b))
	}
	out := make([]pexEntry, 0, n)
	for off := 2; off < len(b); off += pexEntrySize {
		var e pexEntry
		copy(e.id[:], b[off:])
		ip := netip.AddrFrom16([16]byte(b[off+identity.NodeIDSize:])).Unmap()
		e.addr = netip.AddrPortFrom(ip, binary.BigEndian.Uint16(b[off+identity.NodeIDSize+16:]))
		if e.id.IsZero() || !ip.IsValid() || ip.IsUnspecified() || ip.IsMulticast() || e.addr.Port() == 0 {
			return nil, fmt.Errorf("%w: entry at byte %d", errPeerExchange, off)
		}
		out = append(out, e)
	}
	return out, nil
}

// sendPeerExchange tells every up peer about the node's other up peers. Called with n.mu held.
func (n *Node) sendPeerExchange(now time.Time) {
	up := n.upPeers()
	for _, to := range up {
		var entries []pexEntry
		for _, p := range up {
			if p != to {
				entries = append(entries, pexEntry{id: p.id, addr: p.addr})
			}
		}
		if msg := encodePeerExchange(entries); msg != nil {
			_ = n.sealLocked(to, msg)
		}
	}
	n.pexSent = now
}

// upPeers returns the peers with a usable session, ordered by node ID. Called with n.mu held.
func (n *Node) upPeers() []*peer {
	var up []*peer
	for _, p := range n.peers {
		if p.up && p.sessions.Current != nil {
			up = append(up, p)
		}
	}
	slices.SortFunc(up, func(a, b *peer) int { return slices.Compare(a.id[:], b.id[:]) })
	return up
}

// receivePeerExchange records the spare peers a neighbour advertised. Called with n.mu held.
func (n *Node) receivePeerExchange(from *peer, msg []byte) {
	entries, err := decodePeerExchange(msg)
	if err != nil {
		n.log.Debug("dropped peer exchange", "from", from.id.Short(), "err", err)
		return
	}
	for _, e := range entries {
		if e.id == n.id || n.peers[e.id] != nil {
			continue
		}
		if _, ok := n.spares[e.id]; !ok && len(n.spares) >= MaxSparePeers {
			continue
		}
		n.spares[e.id] = e.addr
	}
}

// dialSpares connects to spare peers while fewer than Options.MinPeers peers are up. A spare is dialled with
// its advertised node ID as a pin, so the address cannot be answered by another member. Called with
// n.mu held.
func (n *Node) dialSpares() {
	missing := n.opt.MinPeers - len(n.upPeers())
	if missing <= 0 || len(n.spares) == 0 {
		return
	}
	ids := make([]identity.NodeID, 0, len(n.spares))
	for id := range n.spares {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b identity.NodeID) int { return slices.Compare(a[:], b[:]) })
	for _, id := range ids[:min(missing, len(ids))] {
		addr := n.spares[id]
		delete(n.spares, id)
		if n.byAddr[addr] != nil || len(n.byAddr) >= MaxPeers {
			continue
		}
		n.byAddr[addr] = &peer{addr: addr, static: true, pin: id}
		n.log.Info("dialling spare peer", "peer", id.Short(), "addr", addr.String())
	}
}
