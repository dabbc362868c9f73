package store

import (
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/x0tta6bl4/x0tta6bl4/internal/boltfile"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

// Bucket names and the key of the schema version in bucketMeta.
const (
	bucketMeta      = boltfile.MetaBucket
	bucketIncidents = "incidents"
	bucketActions   = "actions"
	bucketAudit     = "audit"
	bucketBaselines = "baselines"
	keySchema       = boltfile.SchemaKey
)

// Options configure Open. Zero fields take their defaults.
type Options struct {
	// LockTimeout is how long Open waits for the file lock
	// (DefaultLockTimeout).
	LockTimeout time.Duration
	// MaxAuditRecords, MaxActions and MaxIncidents bound the records kept
	// (DefaultMaxAuditRecords, DefaultMaxActions, DefaultMaxIncidents).
	MaxAuditRecords, MaxActions, MaxIncidents int
}

func (o Options) withDefaults() (Options, error) {
	if o.LockTimeout < 0 || o.MaxAuditRecords < 0 || o.MaxActions < 0 || o.MaxIncidents < 0 {
		return o, fmt.Errorf("%w: negative value in %+v", ErrInvalidOptions, o)
	}
	if o.LockTimeout == 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if o.MaxAuditRecords == 0 {
		o.MaxAuditRecords = DefaultMaxAuditRecords
	}
	if o.MaxActions == 0 {
		o.MaxActions = DefaultMaxActions
	}
	if o.MaxIncidents == 0 {
		o.MaxIncidents = DefaultMaxIncidents
	}
	return o, nil
}

// Store is an open Knowledge store.
type Store struct {
	opts Options
	mu   sync.RWMutex // guards db against Close
	db   *bolt.DB
}

// AuditEntry is an audit record with its sequence number.
type AuditEntry struct {
	Seq    uint64
	Record mapek.AuditRecord
}

// guard runs f, turning a panic of bbolt on a corrupt page into ErrCorrupt.
func guard(f func() error) error { return boltfile.Guard(ErrCorrupt, f) }

// Open opens or creates the store at path. It waits at most LockTimeout for
// the file lock (ErrLocked), creates missing buckets, and verifies the file:
// a truncated, overwritten or inconsistent file, or one of another schema,
// gives ErrCorrupt.
func Open(path string, opts Options) (*Store, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	db, err := boltfile.Open(path, boltfile.Options{Name: "store", Mode: FileMode, LockTimeout: opts.LockTimeout,
		Locked: ErrLocked, Corrupt: ErrCorrupt, Schema: SchemaVersion, Buckets: []string{bucketIncidents, bucketActions, bucketAudit, bucketBaselines}})
	if err != nil {
		return nil, err
	}
	return &Store{opts: opts, db: db}, nil
}

// Close closes the store; later calls return ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return ErrClosed
	}
	err := s.db.Close()
	s.db = nil
	return err
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// update runs f in a write transaction.
func (s *Store) update(f func(tx *bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	return guard(func() error { return s.db.Update(f) })
}

// view runs f in a read transaction.
func (s *Store) view(f func(tx *bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	return guard(func() error { return s.db.View(f) })
}

// WriteStep stores everything r holds, in one transaction: incidents and
// actions (replacing earlier versions of the same ID), baselines, and the
// audit records appended under new sequence numbers. It prunes the oldest
// records beyond the limits in the same transaction and returns the sequence
// of the last audit record written (0 if none). A record that cannot be
// encoded fails the whole Step with ErrInvalid; nothing is written then.
func (s *Store) WriteStep(r mapek.StepResult) (last uint64, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		inc, act, aud, base := tx.Bucket([]byte(bucketIncidents)), tx.Bucket([]byte(bucketActions)), tx.Bucket([]byte(bucketAudit)), tx.Bucket([]byte(bucketBaselines))
		for _, i := range r.Incidents {
			v, err := EncodeIncident(i)
			if err != nil {
				return err
			}
			if err := inc.Put(u64(i.ID), v); err != nil {
				return err
			}
		}
		for _, a := range r.Actions {
			v, err := EncodeAction(a)
			if err != nil {
				return err
			}
			if err := act.Put(u64(a.ID), v); err != nil {
				return err
			}
		}
		for _, b := range r.Baselines {
			v, err := EncodeBaseline(b)
			if err != nil {
				return err
			}
			if err := base.Put(b.Peer[:], v); err != nil {
				return err
			}
		}
		for _, a := range r.Audit {
			v, err := EncodeAudit(a)
			if err != nil {
				return err
			}
			seq, err := aud.NextSequence()
			if err != nil {
				return err
			}
			if err := aud.Put(u64(seq), v); err != nil {
				return err
			}
			last = seq
		}
		for _, p := range []struct {
			b   *bolt.Bucket
			max int
		}{{aud, s.opts.MaxAuditRecords}, {act, s.opts.MaxActions}, {inc, s.opts.MaxIncidents}} {
			if err := prune(p.b, p.max); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return last, nil
}

// prune deletes the oldest keys of b (8-byte big-endian IDs, oldest first)
// so that the key range from the first to the last key spans at most max
// IDs; since IDs are never reused this keeps at most max records, and costs
// only the deletions.
func prune(b *bolt.Bucket, max int) error {
	c := b.Cursor()
	lk, _ := c.Last()
	if lk == nil {
		return nil
	}
	if len(lk) != 8 {
		return fmt.Errorf("%w: key of %d bytes", ErrCorrupt, len(lk))
	}
	last := binary.BigEndian.Uint64(lk)
	if last < uint64(max) {
		return nil
	}
	keep := last - uint64(max) + 1 // first ID kept
	for k, _ := c.First(); k != nil && (len(k) != 8 || binary.BigEndian.Uint64(k) < keep); k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// LastIDs returns the highest incident and action IDs stored (0 if none),
// for mapek.Loop.ResumeIDs after a restart.
func (s *Store) LastIDs() (incident, action uint64, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		for _, p := range []struct {
			b  string
			to *uint64
		}{{bucketIncidents, &incident}, {bucketActions, &action}} {
			k, _ := tx.Bucket([]byte(p.b)).Cursor().Last()
			if k == nil {
				continue
			}
			if len(k) != 8 {
				return fmt.Errorf("%w: %s key of %d bytes", ErrCorrupt, p.b, len(k))
			}
			*p.to = binary.BigEndian.Uint64(k)
		}
		return nil
	})
	return incident, action, err
}

// LastSeq returns the sequence of the last audit record ever written (0 if
// none); pruning does not lower it.
func (s *Store) LastSeq() (seq uint64, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		seq = tx.Bucket([]byte(bucketAudit)).Sequence()
		return nil
	})
	return seq, err
}

// Audit returns up to limit audit records (at most MaxReadRecords) with a
// sequence of at least from, in sequence order.
func (s *Store) Audit(from uint64, limit int) ([]AuditEntry, error) {
	limit = min(max(limit, 0), MaxReadRecords)
	var out []AuditEntry
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte(bucketAudit)).Cursor()
		for k, v := c.Seek(u64(from)); k != nil && len(out) < limit; k, v = c.Next() {
			if len(k) != 8 {
				return fmt.Errorf("%w: audit key of %d bytes", ErrCorrupt, len(k))
			}
			r, err := DecodeAudit(v)
			if err != nil {
				return fmt.Errorf("%w: audit %x: %w", ErrCorrupt, k, err)
			}
			out = append(out, AuditEntry{Seq: binary.BigEndian.Uint64(k), Record: r})
		}
		return nil
	})
	return out, err
}

// readAll decodes every value of a bucket, up to MaxReadRecords.
func readAll[T any](s *Store, bucket string, dec func([]byte) (T, error)) ([]T, error) {
	var out []T
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte(bucket)).Cursor()
		for k, v := c.First(); k != nil && len(out) < MaxReadRecords; k, v = c.Next() {
			r, err := dec(v)
			if err != nil {
				return fmt.Errorf("%w: %s %x: %w", ErrCorrupt, bucket, k, err)
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// Incidents returns the stored incidents in ID order.
func (s *Store) Incidents() ([]mapek.Incident, error) {
	return readAll(s, bucketIncidents, DecodeIncident)
}

// Actions returns the stored actions in ID order.
func (s *Store) Actions() ([]mapek.Action, error) { return readAll(s, bucketActions, DecodeAction) }

// Baselines returns the stored baselines in peer order, for
// mapek.Loop.RestoreBaselines.
func (s *Store) Baselines() ([]mapek.Baseline, error) {
	return readAll(s, bucketBaselines, DecodeBaseline)
}
