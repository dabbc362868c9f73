package registry

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Current returns the current version, or ErrNotFound before the first
// acceptance.
func (s *Store) Current() (Version, error) {
	var out Version
	err := s.view(func(tx *bolt.Tx) error {
		cur, ok, err := current(tx)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: no version accepted yet", ErrNotFound)
		}
		out, _, err = version(tx, cur)
		out.Current = true
		return err
	})
	return out, err
}

// MaxRound returns the highest round ever accepted, 0 before the first.
func (s *Store) MaxRound() (uint64, error) {
	var high uint64
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		high, err = maxRound(tx)
		return err
	})
	return high, err
}

// List returns the stored versions by ascending round.
func (s *Store) List() ([]Version, error) {
	var out []Version
	err := s.view(func(tx *bolt.Tx) error {
		cur, _, err := current(tx)
		if err != nil {
			return err
		}
		c := tx.Bucket([]byte(bucketRounds)).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) != 8 || len(v) != IDSize {
				return fmt.Errorf("%w: round index entry %x -> %x", ErrCorrupt, k, v)
			}
			ver, _, err := version(tx, ID(v))
			if err != nil {
				return fmt.Errorf("%w: round %d: %w", ErrCorrupt, binary.BigEndian.Uint64(k), err)
			}
			ver.Current = ver.ID == cur
			out = append(out, ver)
		}
		return nil
	})
	return out, err
}

// Info returns the stored version id without its payload (ErrNotFound if
// it is not stored).
func (s *Store) Info(id ID) (Version, error) {
	var out Version
	err := s.view(func(tx *bolt.Tx) error {
		cur, _, err := current(tx)
		if err != nil {
			return err
		}
		out, _, err = version(tx, id)
		out.Current = id == cur
		return err
	})
	return out, err
}

// Get returns the stored version id with its payload, checked against the
// hash in its body (a mismatch is ErrCorrupt). ErrNotFound reports a
// version not stored.
func (s *Store) Get(id ID) (*Record, error) {
	var raw []byte
	err := s.view(func(tx *bolt.Tx) error {
		_, r, err := version(tx, id)
		if err != nil {
			return err
		}
		p := tx.Bucket([]byte(bucketPayloads)).Get(id[:])
		if p == nil {
			return fmt.Errorf("%w: version %s has no payload", ErrCorrupt, id.Short())
		}
		if len(p) != r.PayloadSize || sha256.Sum256(p) != r.PayloadHash {
			return fmt.Errorf("%w: version %s: %w", ErrCorrupt, id.Short(), ErrPayloadHash)
		}
		env := r.envelope()
		raw = make([]byte, 0, len(env)+len(p))
		raw = append(append(raw, env...), p...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	r, err := parseRecord(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: version %s: %w", ErrCorrupt, id.Short(), err)
	}
	return r, nil
}

// History returns the recorded changes of the current version, oldest
// first (at most MaxHistory).
func (s *Store) History() ([]Change, error) {
	var out []Change
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte(bucketHistory)).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) != 8 {
				return fmt.Errorf("%w: history key of %d bytes", ErrCorrupt, len(k))
			}
			ch, err := decodeChange(binary.BigEndian.Uint64(k), v)
			if err != nil {
				return fmt.Errorf("%w: history %d: %w", ErrCorrupt, binary.BigEndian.Uint64(k), err)
			}
			out = append(out, ch)
		}
		return nil
	})
	return out, err
}

// Lineage returns the stored ancestors of the stored version id, its
// parent first. complete reports whether the walk reached a first version
// (zero parent); it stops early at an ancestor no longer stored.
func (s *Store) Lineage(id ID) (ancestors []Version, complete bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		cur, _, err := current(tx)
		if err != nil {
			return err
		}
		v, _, err := version(tx, id)
		if err != nil {
			return err
		}
		for range maxLineage {
			if v.Parent.IsZero() {
				complete = true
				return nil
			}
			if tx.Bucket([]byte(bucketVersions)).Get(v.Parent[:]) == nil {
				return nil
			}
			p, _, err := version(tx, v.Parent)
			if err != nil {
				return err
			}
			if p.Round >= v.Round {
				return fmt.Errorf("%w: parent %s of %s has round %d, not below %d", ErrCorrupt, p.ID.Short(), v.ID.Short(), p.Round, v.Round)
			}
			p.Current = p.ID == cur
			ancestors = append(ancestors, p)
			v = p
		}
		return fmt.Errorf("%w: lineage of %s longer than %d", ErrCorrupt, id.Short(), maxLineage)
	})
	if err != nil {
		return nil, false, err
	}
	return ancestors, complete, nil
}

// Resolve returns the ID of the stored version whose hexadecimal ID is s
// or starts with s (at least MinIDPrefix digits, any case). ErrNotFound
// reports no match, ErrAmbiguous several, ErrInvalid a malformed prefix.
func (s *Store) Resolve(prefix string) (ID, error) {
	p := strings.ToLower(prefix)
	if len(p) < MinIDPrefix || len(p) > 2*IDSize {
		return ID{}, fmt.Errorf("%w: version ID %q: want %d to %d hexadecimal digits", ErrInvalid, prefix, MinIDPrefix, 2*IDSize)
	}
	if strings.Trim(p, "0123456789abcdef") != "" {
		return ID{}, fmt.Errorf("%w: version ID %q is not hexadecimal", ErrInvalid, prefix)
	}
	even, _ := hex.DecodeString(p[:len(p)&^1]) // all digits are hexadecimal: cannot fail
	var found []ID
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte(bucketVersions)).Cursor()
		for k, _ := c.Seek(even); k != nil && bytes.HasPrefix(k, even) && len(found) < 2; k, _ = c.Next() {
			if len(k) == IDSize && strings.HasPrefix(hex.EncodeToString(k), p) {
				found = append(found, ID(k))
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return ID{}, err
	case len(found) == 0:
		return ID{}, fmt.Errorf("%w: no version %s", ErrNotFound, p)
	case len(found) > 1:
		return ID{}, fmt.Errorf("%w: %s matches %s and %s at least", ErrAmbiguous, p, found[0].Short(), found[1].Short())
	}
	return found[0], nil
}

// Check reads the whole store and checks its invariants: every version
// decodes and is stored under its ID with its round indexed and a payload
// matching its hash, the index names only stored versions, the current
// version is stored, no round exceeds the highest round accepted, and
// every change of the history decodes. It returns the first violation,
// wrapping ErrCorrupt.
func (s *Store) Check() error {
	return s.view(func(tx *bolt.Tx) error {
		cur, ok, err := current(tx)
		if err != nil {
			return err
		}
		high, err := maxRound(tx)
		if err != nil {
			return err
		}
		versions, payloads, rounds := tx.Bucket([]byte(bucketVersions)), tx.Bucket([]byte(bucketPayloads)), tx.Bucket([]byte(bucketRounds))
		n := 0
		c := versions.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			n++
			ver, _, err := decodeVersion(k, v)
			if err != nil {
				return fmt.Errorf("%w: version %x: %w", ErrCorrupt, k, err)
			}
			if idx := rounds.Get(u64(ver.Round)); !bytes.Equal(idx, k) {
				return fmt.Errorf("%w: round %d indexes %x, not version %s", ErrCorrupt, ver.Round, idx, ver.ID.Short())
			}
			if ver.Round > high {
				return fmt.Errorf("%w: version %s has round %d above the highest accepted %d", ErrCorrupt, ver.ID.Short(), ver.Round, high)
			}
			if p := payloads.Get(k); p == nil || len(p) != ver.PayloadSize || sha256.Sum256(p) != ver.PayloadHash {
				return fmt.Errorf("%w: version %s: payload missing or %w", ErrCorrupt, ver.ID.Short(), ErrPayloadHash)
			}
		}
		if k := rounds.Stats().KeyN; k != n {
			return fmt.Errorf("%w: %d versions but %d rounds indexed", ErrCorrupt, n, k)
		}
		if k := payloads.Stats().KeyN; k != n {
			return fmt.Errorf("%w: %d versions but %d payloads", ErrCorrupt, n, k)
		}
		if ok != (n > 0) {
			return fmt.Errorf("%w: %d versions, current version set: %v", ErrCorrupt, n, ok)
		}
		if ok && versions.Get(cur[:]) == nil {
			return fmt.Errorf("%w: current version %s is not stored", ErrCorrupt, cur.Short())
		}
		hc := tx.Bucket([]byte(bucketHistory)).Cursor()
		for k, v := hc.First(); k != nil; k, v = hc.Next() {
			if len(k) != 8 {
				return fmt.Errorf("%w: history key of %d bytes", ErrCorrupt, len(k))
			}
			if _, err := decodeChange(binary.BigEndian.Uint64(k), v); err != nil {
				return fmt.Errorf("%w: history %x: %w", ErrCorrupt, k, err)
			}
		}
		return nil
	})
}
