package modelsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/registry"
)

// Source is the model store a server answers from: *registry.Store.
type Source interface {
	// Current returns the current version, or an error wrapping registry.ErrNotFound.
	Current() (registry.Version, error)
	// Get returns a stored version, or an error wrapping registry.ErrNotFound.
	Get(id registry.ID) (*registry.Record, error)
}

// Serve answers model requests on the streams l accepts, one request per stream, until ctx ends
// or l fails; it closes l and waits for the requests in progress before returning (nil when ctx
// ended). At most MaxConcurrentRequests are handled at once and each within RequestTimeout.
func Serve(ctx context.Context, l net.Listener, src Source, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer func() {
		stop()
		l.Close()
		wg.Wait()
	}()
	sem := make(chan struct{}, MaxConcurrentRequests)
	for {
		c, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("modelsync: accept: %w", err)
		}
		select {
		case sem <- struct{}{}:
		default:
			log.Debug("model sync: too many requests, refusing one", "from", c.RemoteAddr().String())
			c.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := handle(c, src, time.Now().Add(RequestTimeout)); err != nil {
				log.Debug("model sync request failed", "from", c.RemoteAddr().String(), "err", err)
			}
		}()
	}
}

// handle answers the one request on c and closes it.
func handle(c net.Conn, src Source, deadline time.Time) error {
	defer c.Close()
	if err := c.SetDeadline(deadline); err != nil {
		return fmt.Errorf("modelsync: deadline: %w", err)
	}
	q, err := ReadRequest(c)
	if err != nil {
		return err
	}
	var out []byte
	switch q.Op {
	case OpCurrent:
		v, err := src.Current()
		switch {
		case errors.Is(err, registry.ErrNotFound):
			out = AppendCurrent(nil, Current{}, false)
		case err != nil:
			return fmt.Errorf("modelsync: current version: %w", err)
		default:
			out = AppendCurrent(nil, Current{ID: v.ID, Round: v.Round}, true)
		}
	default: // OpRecord: ReadRequest admits no other op
		r, err := src.Get(q.ID)
		switch {
		case errors.Is(err, registry.ErrNotFound):
			out, _ = AppendRecordHeader(nil, nil)
		case err != nil:
			return fmt.Errorf("modelsync: version %s: %w", q.ID.Short(), err)
		default:
			raw := r.Raw()
			if out, err = AppendRecordHeader(make([]byte, 0, 5+len(raw)), raw); err != nil {
				return err
			}
			out = append(out, raw...)
		}
	}
	if _, err := c.Write(out); err != nil {
		return fmt.Errorf("modelsync: answer: %w", err)
	}
	return nil
}
