package round

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"slices"
)

// compareIDs orders node IDs bytewise.
func compareIDs(a, b NodeID) int { return bytes.Compare(a[:], b[:]) }

// selectClients returns the clients of a round, ascending: each eligible
// client is taken with probability q (Poisson sampling, as the DP
// accountant assumes), and if fewer than least are taken, others are added
// uniformly at random until there are least (or all eligible clients). The
// draw is a function of seed, epoch and round only, so every coordinator
// of a federation makes the same selection. eligible must be ascending.
func selectClients(seed uint64, epoch uint32, round uint64, eligible []NodeID, q float64, least int) []NodeID {
	h := sha256.New()
	h.Write([]byte(selectionLabel))
	var buf [20]byte
	binary.BigEndian.PutUint64(buf[0:], seed)
	binary.BigEndian.PutUint32(buf[8:], epoch)
	binary.BigEndian.PutUint64(buf[12:], round)
	h.Write(buf[:])
	var key [32]byte
	h.Sum(key[:0])
	rng := rand.New(rand.NewChaCha8(key))

	var chosen, rest []NodeID
	for _, id := range eligible {
		if rng.Float64() < q {
			chosen = append(chosen, id)
		} else {
			rest = append(rest, id)
		}
	}
	if need := min(least-len(chosen), len(rest)); need > 0 {
		rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		chosen = append(chosen, rest[:need:need]...)
		slices.SortFunc(chosen, compareIDs)
	}
	return chosen
}

// succession tracks which coordinator leads each epoch and which ones are
// known to be dead. Epoch e is led by list[e mod len(list)].
type succession struct {
	list  []NodeID
	epoch uint32
	dead  map[NodeID]bool
}

func newSuccession(list []NodeID) succession {
	return succession{list: slices.Clone(list), dead: make(map[NodeID]bool)}
}

// of returns the coordinator of epoch e.
func (s *succession) of(e uint32) NodeID { return s.list[int(e)%len(s.list)] }

// current returns the coordinator of the current epoch.
func (s *succession) current() NodeID { return s.of(s.epoch) }

// down records that id is dead. If it led the current epoch, the epoch
// moves on to the next coordinator not known to be dead; changed reports
// that, and ok is false if every coordinator is dead.
func (s *succession) down(id NodeID) (changed, ok bool) {
	if !slices.Contains(s.list, id) {
		return false, true
	}
	s.dead[id] = true
	if s.current() != id {
		return false, true
	}
	for range s.list {
		s.epoch++
		if !s.dead[s.current()] {
			return true, true
		}
	}
	return true, false
}

// adopt moves to epoch e, a later epoch learned from its coordinator, and
// forgets that this coordinator was thought dead.
func (s *succession) adopt(e uint32) {
	s.epoch = e
	delete(s.dead, s.current())
}
