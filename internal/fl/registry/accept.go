package registry

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Accept verifies r with v at time now and, if the acceptance rules allow
// it, stores it as the new current version and records the change, all in
// one transaction; it returns the change. The rules, checked in this
// order:
//
//   - a version already stored is refused with ErrDuplicate, which is
//     harmless: a replay changes nothing;
//   - a round not above the highest round ever accepted (rollbacks do not
//     lower it) is refused with ErrStale;
//   - a parent other than the current version is refused with ErrFork,
//     except for the first version a store accepts;
//   - a record that does not verify is refused with Verifier.Verify's
//     error (ErrPayloadHash, ErrUntrusted, ErrNotCoordinator,
//     ErrSignature).
//
// The cheap rules are checked before the signature, so replays cost no
// verification. The oldest versions beyond Options.Retain, never the
// current one, are deleted in the same transaction.
func (s *Store) Accept(r *Record, v *Verifier, now time.Time) (Change, error) {
	if r == nil || r.raw == nil {
		return Change{}, fmt.Errorf("%w: no parsed or signed record", ErrInvalid)
	}
	if err := checkTime(now); err != nil {
		return Change{}, fmt.Errorf("%w: acceptance %w", ErrInvalid, err)
	}
	own, err := parseRecord(r.raw)
	if err != nil {
		return Change{}, err
	}
	if err := s.view(func(tx *bolt.Tx) error {
		_, err := checkAccept(tx, own)
		return err
	}); err != nil {
		return Change{}, err
	}
	if err := v.verify(own, now); err != nil {
		return Change{}, err
	}
	c := Change{At: now, Kind: ChangeAccept, To: own.ID, Round: own.Round,
		Reason: fmt.Sprintf("round %d by coordinator %q (%s), %d participants, strategy %s",
			own.Round, own.Certificate.Name, own.Coordinator.Short(), len(own.Participants), own.Strategy)}
	err = s.update(func(tx *bolt.Tx) error {
		cur, err := checkAccept(tx, own)
		if err != nil {
			return err
		}
		c.From = cur
		versions, rounds, meta := tx.Bucket([]byte(bucketVersions)), tx.Bucket([]byte(bucketRounds)), tx.Bucket([]byte(bucketMeta))
		for _, p := range []struct {
			b    *bolt.Bucket
			k, v []byte
		}{
			{versions, own.ID[:], encodeVersion(now, own.envelope())},
			{tx.Bucket([]byte(bucketPayloads)), own.ID[:], own.Payload},
			{rounds, u64(own.Round), own.ID[:]},
			{meta, []byte(keyCurrent), own.ID[:]},
			{meta, []byte(keyMaxRound), u64(own.Round)},
		} {
			if err := p.b.Put(p.k, p.v); err != nil {
				return err
			}
		}
		if c.Seq, err = appendChange(tx, c); err != nil {
			return err
		}
		return retain(tx, s.opts.Retain, own.ID)
	})
	if err != nil {
		return Change{}, err
	}
	return c, nil
}

// checkAccept applies the acceptance rules other than verification to r
// and returns the current version (zero if none).
func checkAccept(tx *bolt.Tx, r *Record) (ID, error) {
	if tx.Bucket([]byte(bucketVersions)).Get(r.ID[:]) != nil {
		return ID{}, fmt.Errorf("%w: %s (round %d)", ErrDuplicate, r.ID.Short(), r.Round)
	}
	high, err := maxRound(tx)
	if err != nil {
		return ID{}, err
	}
	if r.Round <= high {
		return ID{}, fmt.Errorf("%w: version %s has round %d, the highest round accepted is %d", ErrStale, r.ID.Short(), r.Round, high)
	}
	cur, ok, err := current(tx)
	if err != nil {
		return ID{}, err
	}
	if ok && r.Parent != cur {
		return ID{}, fmt.Errorf("%w: version %s (round %d) has parent %s, the current version is %s",
			ErrFork, r.ID.Short(), r.Round, describeParent(r.Parent), cur.Short())
	}
	return cur, nil
}

func describeParent(p ID) string {
	if p.IsZero() {
		return "none"
	}
	return p.Short()
}

// Rollback makes the stored version id current again, at time now, for
// the given reason (1 to MaxReasonSize bytes of UTF-8 text), and returns
// the change recorded. The version must be older (a lower round) than the
// current one (ErrNotEarlier); ErrNotFound reports a version not stored.
// The highest round seen is unchanged: the next version accepted must
// still have a higher round, and the rolled-back-to version as its parent.
func (s *Store) Rollback(id ID, reason string, now time.Time) (Change, error) {
	if err := checkReason(reason); err != nil {
		return Change{}, fmt.Errorf("%w: rollback: %w", ErrInvalid, err)
	}
	if err := checkTime(now); err != nil {
		return Change{}, fmt.Errorf("%w: rollback %w", ErrInvalid, err)
	}
	c := Change{At: now, Kind: ChangeRollback, To: id, Reason: reason}
	err := s.update(func(tx *bolt.Tx) error {
		target, _, err := version(tx, id)
		if err != nil {
			return err
		}
		cur, ok, err := current(tx)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: version %s is stored but none is current", ErrCorrupt, id.Short())
		}
		curVer, _, err := version(tx, cur)
		if err != nil {
			return err
		}
		if target.Round >= curVer.Round {
			return fmt.Errorf("%w: version %s has round %d, the current version %s has round %d",
				ErrNotEarlier, id.Short(), target.Round, cur.Short(), curVer.Round)
		}
		c.From, c.Round = cur, target.Round
		if err := tx.Bucket([]byte(bucketMeta)).Put([]byte(keyCurrent), id[:]); err != nil {
			return err
		}
		c.Seq, err = appendChange(tx, c)
		return err
	})
	if err != nil {
		return Change{}, err
	}
	return c, nil
}

// appendChange appends c to the history under the next sequence number,
// pruning the oldest changes beyond MaxHistory, and returns the number.
func appendChange(tx *bolt.Tx, c Change) (uint64, error) {
	v, err := encodeChange(c)
	if err != nil {
		return 0, err
	}
	h := tx.Bucket([]byte(bucketHistory))
	seq, err := h.NextSequence()
	if err != nil {
		return 0, err
	}
	if err := h.Put(u64(seq), v); err != nil {
		return 0, err
	}
	if seq <= MaxHistory {
		return seq, nil
	}
	keep := seq - MaxHistory + 1 // first sequence kept
	cur := h.Cursor()
	for k, _ := cur.First(); k != nil && (len(k) != 8 || binary.BigEndian.Uint64(k) < keep); k, _ = cur.First() {
		if err := cur.Delete(); err != nil {
			return 0, err
		}
	}
	return seq, nil
}

// retain deletes the oldest versions (by round) beyond keep, never the
// current version cur.
func retain(tx *bolt.Tx, keep int, cur ID) error {
	rounds := tx.Bucket([]byte(bucketRounds))
	type entry struct{ round, id []byte }
	var all []entry
	c := rounds.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		all = append(all, entry{append([]byte(nil), k...), append([]byte(nil), v...)})
	}
	excess := len(all) - keep
	for _, e := range all {
		if excess <= 0 {
			break
		}
		if string(e.id) == string(cur[:]) {
			continue
		}
		if err := rounds.Delete(e.round); err != nil {
			return err
		}
		if err := tx.Bucket([]byte(bucketVersions)).Delete(e.id); err != nil {
			return err
		}
		if err := tx.Bucket([]byte(bucketPayloads)).Delete(e.id); err != nil {
			return err
		}
		excess--
	}
	return nil
}
