package dashboard

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"time"
)

// liveIncident is a new incident announced by a live event.
type liveIncident struct {
	ID   uint64 `json:"id"`
	Text string `json:"text"`
}

// liveEvent is the data of one "state" event on /ui/events.
type liveEvent struct {
	counts
	// Digest changes whenever the timeline does (a new incident, a state change, a new action);
	// the script then reloads the timeline.
	Digest string `json:"digest"`
	// New lists the incidents raised since the stream's previous event, oldest first; never on
	// the first event, whose incidents the page already shows.
	New []liveIncident `json:"new"`
}

// digest summarises the timeline of s.
func digest(s *snapshot) string {
	var b bytes.Buffer
	for _, in := range s.incidents {
		fmt.Fprintf(&b, "%d:%s;", in.ID, state(in))
	}
	for _, a := range s.actions {
		fmt.Fprintf(&b, "a%d:%s;", a.ID, a.Outcome)
	}
	f := fnv.New64a()
	f.Write(b.Bytes())
	return fmt.Sprintf("%d/%x", b.Len(), f.Sum64())
}

// events streams "state" events: one at once, then one whenever the counts or the timeline change,
// checked every PollInterval, with a keepalive comment after KeepaliveInterval of silence. The
// stream ends with the request, after MaxStreamLifetime, or on a failed write; at most MaxStreams
// run at once.
func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
	select {
	case h.streams <- struct{}{}:
		defer func() { <-h.streams }()
	default:
		w.Header().Set("Retry-After", fmt.Sprint(int(ReconnectDelay.Seconds())))
		h.fail(w, r, http.StatusServiceUnavailable, fmt.Errorf("%w: %d open", ErrTooManyStreams, cap(h.streams)))
		return
	}
	rc := http.NewResponseController(w)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	clk := h.opt.Clock
	write := func(p []byte) bool {
		// A connection's deadline is on the wall clock, whatever clock paces the stream.
		if err := rc.SetWriteDeadline(time.Now().Add(StreamWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return false
		}
		if _, err := w.Write(p); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write(fmt.Appendf(nil, "retry: %d\n\n", ReconnectDelay.Milliseconds())) {
		return
	}
	poll := clk.NewTimer(0)
	defer poll.Stop()
	end := clk.NewTimer(MaxStreamLifetime)
	defer end.Stop()
	var last liveEvent
	lastWrite := clk.Now()
	first := true
	for {
		select {
		case <-r.Context().Done():
			return
		case <-end.C():
			return
		case <-poll.C():
		}
		poll.Reset(h.opt.PollInterval)
		s, err := h.read()
		if err != nil {
			h.opt.Logger.Info("dashboard live update", "err", err)
			return
		}
		ev := liveEvent{counts: s.counts, Digest: digest(s), New: []liveIncident{}}
		if !first {
			ev.New = newIncidents(s, last.LatestIncident)
		}
		switch {
		case first || ev.counts != last.counts || ev.Digest != last.Digest:
			data, _ := json.Marshal(ev)
			if !write(fmt.Appendf(nil, "event: state\ndata: %s\n\n", data)) {
				return
			}
			lastWrite = clk.Now()
		case clk.Since(lastWrite) >= KeepaliveInterval:
			if !write([]byte(": keepalive\n\n")) {
				return
			}
			lastWrite = clk.Now()
		}
		first = false
		last = ev
	}
}

// newIncidents lists the incidents of s numbered after seen, oldest first, at most
// MaxLiveIncidents (the newest of them).
func newIncidents(s *snapshot, seen uint64) []liveIncident {
	out := []liveIncident{}
	for _, in := range s.incidents {
		if in.ID > seen {
			out = append(out, liveIncident{ID: in.ID,
				Text: fmt.Sprintf("New incident %d: %s on %s, %s.", in.ID, clean(in.Kind, MaxNameLength), s.names.label(in.Subject), state(in))})
		}
	}
	slices.SortFunc(out, func(a, b liveIncident) int { return cmp.Compare(a.ID, b.ID) })
	if len(out) > MaxLiveIncidents {
		out = out[len(out)-MaxLiveIncidents:]
	}
	return out
}
