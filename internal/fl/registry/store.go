package registry

import (
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/x0tta6bl4/x0tta6bl4/internal/boltfile"
)

// Bucket names and the keys of the meta bucket.
const (
	bucketMeta     = boltfile.MetaBucket
	bucketVersions = "versions"         // ID -> encodeVersion
	bucketPayloads = "payloads"         // ID -> payload
	bucketRounds   = "rounds"           // round (u64) -> ID
	bucketHistory  = "history"          // seq (u64) -> encodeChange
	keySchema      = boltfile.SchemaKey // u32 SchemaVersion
	keyCurrent     = "current"          // ID of the current version
	keyMaxRound    = "maxround"         // u64, the highest round ever accepted
)

// Options configure Open. Zero fields take their defaults.
type Options struct {
	// LockTimeout is how long Open waits for the file lock
	// (DefaultLockTimeout).
	LockTimeout time.Duration
	// Retain is how many versions the store keeps, 1 to MaxRetain
	// (DefaultRetain). The current version is never deleted.
	Retain int
}

func (o Options) withDefaults() (Options, error) {
	if o.LockTimeout < 0 || o.Retain < 0 || o.Retain > MaxRetain {
		return o, fmt.Errorf("%w: options %+v: lock timeout must be ≥ 0 and retain 0 to %d", ErrInvalid, o, MaxRetain)
	}
	if o.LockTimeout == 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if o.Retain == 0 {
		o.Retain = DefaultRetain
	}
	return o, nil
}

// Store is an open model store. It is safe for concurrent use; bbolt
// serializes writers and readers see committed states only.
type Store struct {
	opts Options
	mu   sync.RWMutex // guards db against Close
	db   *bolt.DB
}

// guard runs f, turning a panic of bbolt on a corrupt page into ErrCorrupt.
func guard(f func() error) error { return boltfile.Guard(ErrCorrupt, f) }

// Open opens or creates the store at path. It waits at most
// Options.LockTimeout for the file lock (ErrLocked), creates missing
// buckets and checks the file: a truncated, overwritten or inconsistent
// file, one of another schema, or a current version that is not stored
// gives ErrCorrupt, and the file is left as it is.
func Open(path string, opts Options) (*Store, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	db, err := boltfile.Open(path, boltfile.Options{Name: "registry", Mode: FileMode, LockTimeout: opts.LockTimeout,
		Locked: ErrLocked, Corrupt: ErrCorrupt, Schema: SchemaVersion, Buckets: []string{bucketVersions, bucketPayloads, bucketRounds, bucketHistory}})
	if err != nil {
		return nil, err
	}
	s := &Store{opts: opts, db: db}
	if err := guard(s.init); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// init checks that the current version is stored and the highest round decodes.
func (s *Store) init() error {
	return s.db.View(func(tx *bolt.Tx) error {
		cur, ok, err := current(tx)
		if err != nil {
			return err
		}
		if _, err := maxRound(tx); err != nil {
			return err
		}
		if ok && tx.Bucket([]byte(bucketVersions)).Get(cur[:]) == nil {
			return fmt.Errorf("%w: current version %s is not stored", ErrCorrupt, cur.Short())
		}
		return nil
	})
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

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// current returns the current version's ID, if there is one.
func current(tx *bolt.Tx) (ID, bool, error) {
	v := tx.Bucket([]byte(bucketMeta)).Get([]byte(keyCurrent))
	if v == nil {
		return ID{}, false, nil
	}
	if len(v) != IDSize {
		return ID{}, false, fmt.Errorf("%w: current version of %d bytes", ErrCorrupt, len(v))
	}
	return ID(v), true, nil
}

// maxRound returns the highest round ever accepted, 0 before the first.
func maxRound(tx *bolt.Tx) (uint64, error) {
	v := tx.Bucket([]byte(bucketMeta)).Get([]byte(keyMaxRound))
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: highest round of %d bytes", ErrCorrupt, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// version decodes the stored version id, or returns ErrNotFound. The
// Record is valid only inside tx.
func version(tx *bolt.Tx, id ID) (Version, *Record, error) {
	v := tx.Bucket([]byte(bucketVersions)).Get(id[:])
	if v == nil {
		return Version{}, nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	ver, r, err := decodeVersion(id[:], v)
	if err != nil {
		return Version{}, nil, fmt.Errorf("%w: version %s: %w", ErrCorrupt, id.Short(), err)
	}
	return ver, r, nil
}
