package discovery

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Candidate is a node of the same network seen on the local segment: a hint to try a handshake.
type Candidate struct {
	// ID is the node ID the beacon advertised; dial the candidate with it as a pin.
	ID identity.NodeID
	// Addr is the beacon's source IP address with the advertised port.
	Addr netip.AddrPort
	// FirstSeen and LastSeen are the times of the first and of the latest accepted beacon.
	FirstSeen, LastSeen time.Time
}

// source is the token bucket of one source IP address.
type source struct {
	tokens float64
	at     time.Time
}

// Table tracks the candidates announced by beacons. It is pure: the caller passes the time, and it
// neither reads clocks nor touches the network. It is not safe for concurrent use.
type Table struct {
	network [NetworkIDSize]byte
	self    identity.NodeID
	ttl     time.Duration
	cands   map[identity.NodeID]Candidate
	sources map[netip.Addr]source
}

// NewTable returns an empty table for the network with the given ID, ignoring beacons of the node
// self and forgetting candidates ttl after their latest beacon.
func NewTable(network [NetworkIDSize]byte, self identity.NodeID, ttl time.Duration) *Table {
	return &Table{
		network: network,
		self:    self,
		ttl:     ttl,
		cands:   make(map[identity.NodeID]Candidate),
		sources: make(map[netip.Addr]source),
	}
}

// Observe records the beacon b received from src at now. It returns the candidate and whether it
// is new or moved to another address, or an error: ErrOwnBeacon, ErrForeignNetwork, ErrBadSource,
// ErrRateLimited or ErrTableFull.
func (t *Table) Observe(now time.Time, src netip.AddrPort, b Beacon) (Candidate, bool, error) {
	ip := src.Addr().Unmap()
	switch {
	case b.NodeID == t.self:
		return Candidate{}, false, ErrOwnBeacon
	case b.Network != t.network:
		return Candidate{}, false, ErrForeignNetwork
	case !ip.IsValid() || ip.IsUnspecified() || ip.IsMulticast() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return Candidate{}, false, fmt.Errorf("%w: %v", ErrBadSource, src)
	}
	if !t.allow(now, ip) {
		return Candidate{}, false, fmt.Errorf("%w: %v", ErrRateLimited, ip)
	}
	addr := netip.AddrPortFrom(ip, b.Port)
	c, ok := t.cands[b.NodeID]
	if ok && now.Sub(c.LastSeen) > t.ttl {
		ok = false
	}
	if !ok {
		if len(t.cands) >= MaxCandidates {
			t.Expire(now)
		}
		if len(t.cands) >= MaxCandidates {
			return Candidate{}, false, fmt.Errorf("%w: %d candidates", ErrTableFull, len(t.cands))
		}
		c = Candidate{ID: b.NodeID, Addr: addr, FirstSeen: now}
	}
	changed := !ok || c.Addr != addr
	c.Addr, c.LastSeen = addr, now
	t.cands[b.NodeID] = c
	return c, changed, nil
}

// allow takes one token from ip's bucket, refilled at one per SourceRefill up to SourceBurst.
func (t *Table) allow(now time.Time, ip netip.Addr) bool {
	s, ok := t.sources[ip]
	if !ok {
		if len(t.sources) >= MaxSources {
			t.pruneSources(now)
		}
		if len(t.sources) >= MaxSources {
			return false
		}
		s = source{tokens: SourceBurst, at: now}
	}
	if el := now.Sub(s.at); el > 0 {
		s.tokens = min(SourceBurst, s.tokens+float64(el)/float64(SourceRefill))
	}
	s.at = now
	if s.tokens < 1 {
		t.sources[ip] = s
		return false
	}
	s.tokens--
	t.sources[ip] = s
	return true
}

// pruneSources forgets the sources whose buckets have refilled: they are as good as new.
func (t *Table) pruneSources(now time.Time) {
	full := SourceBurst * SourceRefill
	for ip, s := range t.sources {
		if now.Sub(s.at) >= full {
			delete(t.sources, ip)
		}
	}
}

// Expire forgets the candidates whose latest beacon is older than the table's ttl, and the source
// buckets that have refilled.
func (t *Table) Expire(now time.Time) {
	for id, c := range t.cands {
		if now.Sub(c.LastSeen) > t.ttl {
			delete(t.cands, id)
		}
	}
	t.pruneSources(now)
}

// Candidates returns the live candidates at now, ordered by node ID.
func (t *Table) Candidates(now time.Time) []Candidate {
	out := make([]Candidate, 0, len(t.cands))
	for _, c := range t.cands {
		if now.Sub(c.LastSeen) <= t.ttl {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Candidate) int { return slices.Compare(a.ID[:], b.ID[:]) })
	return out
}

// Len returns the number of candidates held, expired ones included until Expire runs.
func (t *Table) Len() int { return len(t.cands) }
