package modelsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/registry"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Config configures a Syncer. Store, Accept, Dial and Neighbours are required.
type Config struct {
	// Store is the node's model store: a Syncer compares neighbours' versions with its highest
	// round.
	Store *registry.Store
	// Accept verifies a record and, if the store's rules allow, makes it the node's current
	// version (and switches to it); source says where it came from, for the log. Its error is
	// classified and counted (Stats).
	Accept func(r *registry.Record, source string) error
	// Dial opens a stream to Port on a neighbour (stream.Endpoint.Dial).
	Dial func(ctx context.Context, to identity.NodeID) (net.Conn, error)
	// Neighbours returns the neighbours that are up now.
	Neighbours func() []identity.NodeID
	// Interval is how often the Syncer polls, jittered by ±JitterFraction; zero means
	// DefaultInterval.
	Interval time.Duration
	// Inbox, when set, is a directory whose *.record files the Syncer offers to Accept every
	// Interval (docs/models.md, "Distribution").
	Inbox string
	// Logger receives the Syncer's logs; nil discards them.
	Logger *slog.Logger
}

// Syncer pulls newer model versions from the node's neighbours and its inbox.
type Syncer struct {
	cfg Config
	log *slog.Logger

	mu         sync.Mutex
	counts     map[string]uint64    // outcomes of offers, by Outcome
	refusedIDs map[registry.ID]bool // versions refused, not fetched again
	seen       map[inboxKey]bool    // inbox files already offered
}

// Outcomes of an offered record, the keys of Stats.
const (
	OutcomeAccepted    = "accepted"
	OutcomeDuplicate   = "duplicate"
	OutcomeStale       = "stale"
	OutcomeFork        = "fork"
	OutcomeUntrusted   = "untrusted"
	OutcomeSignature   = "signature"
	OutcomePayloadHash = "payload-hash"
	OutcomeCoordinator = "not-coordinator"
	OutcomeMalformed   = "malformed"
	OutcomeUnusable    = "unusable"
	OutcomeOther       = "other"
)

// New returns a Syncer for cfg.
func New(cfg Config) (*Syncer, error) {
	if cfg.Store == nil || cfg.Accept == nil || cfg.Dial == nil || cfg.Neighbours == nil {
		return nil, fmt.Errorf("%w: Store, Accept, Dial and Neighbours are required", ErrInvalidConfig)
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Interval < MinInterval || cfg.Interval > MaxInterval {
		return nil, fmt.Errorf("%w: interval %v not in [%v, %v]", ErrInvalidConfig, cfg.Interval, MinInterval, MaxInterval)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Syncer{cfg: cfg, log: log, counts: make(map[string]uint64), refusedIDs: make(map[registry.ID]bool), seen: make(map[inboxKey]bool)}, nil
}

// Stats returns how many offered records ended with each outcome (Outcome* keys).
func (s *Syncer) Stats() map[string]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]uint64, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// Run polls every jittered Interval until ctx ends, starting with one round at once.
func (s *Syncer) Run(ctx context.Context) error {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		s.Round(ctx)
		t.Reset(jitter(s.cfg.Interval))
	}
}

// jitter returns d spread uniformly over ±JitterFraction.
func jitter(d time.Duration) time.Duration {
	spread := time.Duration(float64(d) * JitterFraction)
	if spread <= 0 {
		return d
	}
	return d - spread + rand.N(2*spread+1)
}

// Round runs one round: the inbox, then each up neighbour (at most MaxNeighbours).
func (s *Syncer) Round(ctx context.Context) {
	if s.cfg.Inbox != "" {
		s.scanInbox()
	}
	ns := s.cfg.Neighbours()
	if len(ns) > MaxNeighbours {
		ns = ns[:MaxNeighbours]
	}
	for _, id := range ns {
		if ctx.Err() != nil {
			return
		}
		if err := s.Pull(ctx, id); err != nil && !errors.Is(err, ErrNotFound) && ctx.Err() == nil {
			s.log.Debug("model sync with neighbour failed", "peer", id.Short(), "err", err)
		}
	}
}

// Pull asks the neighbour id for its current version and, when its round is above every round
// the local store accepted, fetches it (and, to bridge missed rounds, up to MaxCatchUp of its
// ancestors) and offers them to Accept, oldest first.
func (s *Syncer) Pull(ctx context.Context, id identity.NodeID) error {
	cur, err := s.FetchCurrent(ctx, id)
	if err != nil {
		return err
	}
	high, err := s.cfg.Store.MaxRound()
	if err != nil {
		return fmt.Errorf("modelsync: highest round: %w", err)
	}
	if cur.Round <= high {
		return nil
	}
	own, err := s.cfg.Store.Current()
	if err != nil && !errors.Is(err, registry.ErrNotFound) {
		return fmt.Errorf("modelsync: current version: %w", err)
	}
	var chain []*registry.Record
	for want := cur.ID; len(chain) < MaxCatchUp && !s.refused(want); {
		r, err := s.FetchRecord(ctx, id, want)
		if err != nil {
			if len(chain) == 0 {
				return err
			}
			break // the neighbour lacks an ancestor: offer what it has
		}
		if len(chain) == 0 && r.Round != cur.Round || len(chain) > 0 && r.Round >= chain[len(chain)-1].Round {
			return fmt.Errorf("%w: version %s has round %d", ErrMismatch, r.ID.Short(), r.Round)
		}
		if r.Round <= high {
			break // an ancestor older than what the store accepted cannot bridge
		}
		chain = append(chain, r)
		if own.ID.IsZero() || r.Parent.IsZero() || r.Parent == own.ID {
			break
		}
		if _, err := s.cfg.Store.Info(r.Parent); err == nil {
			break // the parent is stored but not current: Accept reports the fork
		}
		want = r.Parent
	}
	source := "neighbour " + id.Short()
	for i := len(chain) - 1; i >= 0; i-- {
		if err := s.Offer(chain[i], source); err != nil {
			if o := Classify(err); o != OutcomeDuplicate && o != OutcomeOther {
				s.remember(cur.ID) // the announced version cannot be reached through this chain
			}
			return err
		}
	}
	return nil
}

// FetchCurrent asks the neighbour id for its current version (ErrNotFound if it has none).
func (s *Syncer) FetchCurrent(ctx context.Context, id identity.NodeID) (Current, error) {
	var c Current
	err := s.request(ctx, id, Request{Op: OpCurrent}, func(conn net.Conn) error {
		var err error
		c, err = ReadCurrent(conn)
		return err
	})
	return c, err
}

// FetchRecord fetches the record of version want from the neighbour id.
func (s *Syncer) FetchRecord(ctx context.Context, id identity.NodeID, want registry.ID) (*registry.Record, error) {
	var r *registry.Record
	err := s.request(ctx, id, Request{Op: OpRecord, ID: want}, func(conn net.Conn) error {
		var err error
		r, err = ReadRecord(conn, want)
		return err
	})
	return r, err
}

// request sends q to the neighbour id on a new stream and reads the answer with read, all within
// RequestTimeout.
func (s *Syncer) request(ctx context.Context, id identity.NodeID, q Request, read func(net.Conn) error) error {
	ctx, cancel := context.WithTimeout(ctx, RequestTimeout)
	defer cancel()
	b, err := AppendRequest(nil, q)
	if err != nil {
		return err
	}
	conn, err := s.cfg.Dial(ctx, id)
	if err != nil {
		return fmt.Errorf("modelsync: dial %s: %w", id.Short(), err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			return fmt.Errorf("modelsync: deadline: %w", err)
		}
	}
	if _, err := conn.Write(b); err != nil {
		return fmt.Errorf("modelsync: request to %s: %w", id.Short(), err)
	}
	if err := read(conn); err != nil {
		return fmt.Errorf("modelsync: answer of %s: %w", id.Short(), err)
	}
	return nil
}

// refused reports whether version id was refused before, so that it is not fetched again.
func (s *Syncer) refused(id registry.ID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refusedIDs[id]
}

// remember marks version id as refused.
func (s *Syncer) remember(id registry.ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.refusedIDs) >= MaxRefused {
		clear(s.refusedIDs)
	}
	s.refusedIDs[id] = true
}

// Offer hands r to Accept, then counts and logs the outcome; it returns Accept's error. A record
// refused definitively (not a duplicate, not an unclassified failure) is remembered and not fetched from neighbours again.
func (s *Syncer) Offer(r *registry.Record, source string) error {
	err := s.cfg.Accept(r, source)
	outcome := Classify(err)
	s.mu.Lock()
	s.counts[outcome]++
	s.mu.Unlock()
	if err != nil && outcome != OutcomeDuplicate && outcome != OutcomeOther {
		s.remember(r.ID) // a definitive refusal; a failure such as a full disk may pass
	}
	attrs := []any{"id", r.ID.Short(), "round", r.Round, "source", source}
	switch outcome {
	case OutcomeAccepted:
		s.log.Info("model version accepted", attrs...)
	case OutcomeDuplicate:
		s.log.Debug("model version already stored", attrs...)
	default:
		s.log.Warn("model version refused", append(attrs, "reason", outcome, "err", err)...)
	}
	return err
}

// Classify names the outcome of an Accept error (nil is OutcomeAccepted).
func Classify(err error) string {
	for _, c := range []struct {
		err     error
		outcome string
	}{
		{registry.ErrDuplicate, OutcomeDuplicate}, {registry.ErrStale, OutcomeStale}, {registry.ErrFork, OutcomeFork},
		{registry.ErrUntrusted, OutcomeUntrusted}, {registry.ErrSignature, OutcomeSignature},
		{registry.ErrPayloadHash, OutcomePayloadHash}, {registry.ErrNotCoordinator, OutcomeCoordinator},
		{registry.ErrMalformed, OutcomeMalformed}, {ErrUnusable, OutcomeUnusable},
	} {
		if errors.Is(err, c.err) {
			return c.outcome
		}
	}
	if err == nil {
		return OutcomeAccepted
	}
	return OutcomeOther
}
