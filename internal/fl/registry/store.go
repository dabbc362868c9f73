package registry

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Bucket names and the keys of the meta bucket.
const (
	bucketMeta     = "meta"
	bucketVersions = "versions" // ID -> encodeVersion
	bucketPayloads = "payloads" // ID -> payload
	bucketRounds   = "rounds"   // round (u64) -> ID
	bucketHistory  = "history"  // seq (u64) -> encodeChange
	keySchema      = "schema"   // u32 SchemaVersion
	keyCurrent     = "current"  // ID of the current version
	keyMaxRound    = "maxround" // u64, the highest round ever accepted
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
func guard(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, p)
		}
	}()
	return f()
}

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
	// bbolt panics on some corrupt pages while opening, after it has taken
	// the file lock; keep the file so that the lock can be released then.
	var file *os.File
	openFile := func(name string, flag int, perm os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, perm)
		file = f
		return f, err
	}
	var db *bolt.DB
	err = guard(func() error {
		var err error
		db, err = bolt.Open(path, FileMode, &bolt.Options{Timeout: opts.LockTimeout, OpenFile: openFile})
		return err
	})
	if errors.Is(err, ErrCorrupt) && file != nil {
		release(file)
	}
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%w: %s: %w", ErrLocked, path, err)
	case errors.Is(err, ErrCorrupt):
		return nil, fmt.Errorf("%s: %w", path, err)
	case err != nil:
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("registry: open %s: %w", path, err)
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, path, err)
	}
	s := &Store{opts: opts, db: db}
	if err := guard(s.init); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// init checks the file's pages and schema, creates the buckets and checks
// that the current version is stored.
func (s *Store) init() error {
	if err := s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return nil
	}); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
		if err != nil {
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		switch v := meta.Get([]byte(keySchema)); {
		case v == nil:
			if err := meta.Put([]byte(keySchema), binary.BigEndian.AppendUint32(nil, SchemaVersion)); err != nil {
				return err
			}
		case len(v) != 4 || binary.BigEndian.Uint32(v) != SchemaVersion:
			return fmt.Errorf("%w: schema version %x, want %d", ErrCorrupt, v, SchemaVersion)
		}
		for _, b := range []string{bucketVersions, bucketPayloads, bucketRounds, bucketHistory} {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return fmt.Errorf("%w: %w", ErrCorrupt, err)
			}
		}
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
