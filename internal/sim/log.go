package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// eventLog writes the event log: one line per event, "seconds node event",
// with seconds of virtual time since the start (9 decimals) and the node
// index ("-" for the network). It never contains key or ciphertext bytes.
type eventLog struct {
	w     io.Writer
	h     hash.Hash
	lines uint64
	err   error
	buf   []byte
}

func newEventLog(w io.Writer) *eventLog { return &eventLog{w: w, h: sha256.New()} }

// logf appends a line for node i (-1: the network).
func (s *Sim) logf(i int, format string, args ...any) {
	l := s.log
	d := s.now.Sub(s.start)
	l.buf = fmt.Appendf(l.buf[:0], "%d.%09d ", d/time.Second, d%time.Second)
	if i < 0 {
		l.buf = append(l.buf, "- "...)
	} else {
		l.buf = fmt.Appendf(l.buf, "%d ", i)
	}
	l.buf = fmt.Appendf(l.buf, format, args...)
	l.buf = append(l.buf, '\n')
	l.h.Write(l.buf)
	l.lines++
	if l.w != nil && l.err == nil {
		if _, err := l.w.Write(l.buf); err != nil {
			l.err = fmt.Errorf("sim: writing the event log: %w", err)
		}
	}
}

// name returns the index of a node ID, or "-" for the zero ID and "?" for an
// ID outside the network.
func (s *Sim) name(id identity.NodeID) string {
	if id.IsZero() {
		return "-"
	}
	if i, ok := s.index[id]; ok {
		return fmt.Sprint(i)
	}
	return "?"
}

// logCoreEvent logs an event of node i's Core. Error texts are left out:
// they are details of the event kind and reason already logged.
func (s *Sim) logCoreEvent(i int, e mesh.Event) {
	switch e.Kind {
	case mesh.EventLinkUp, mesh.EventLinkDown, mesh.EventLinkCost:
		s.logf(i, "%s peer=%s cost=%d", e.Kind, s.name(e.Peer), e.Cost)
	case mesh.EventRouteInstalled, mesh.EventRouteChanged, mesh.EventRouteLost:
		s.logf(i, "%s dst=%s via=%s metric=%d", e.Kind, s.name(e.Peer), s.name(e.NextHop), e.Cost)
	case mesh.EventDrop:
		s.logf(i, "drop reason=%s peer=%s", e.Reason, s.name(e.Peer))
	default:
		s.logf(i, "%s peer=%s", e.Kind, s.name(e.Peer))
	}
}

// LogSHA256 returns the SHA-256 of the event log so far, in hex.
func (s *Sim) LogSHA256() string { return hex.EncodeToString(s.log.h.Sum(nil)) }

// LogLines returns the number of lines of the event log so far.
func (s *Sim) LogLines() uint64 { return s.log.lines }

// LogErr returns the first error writing the event log, if any.
func (s *Sim) LogErr() error { return s.log.err }
