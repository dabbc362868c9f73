package dashboard

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/clock"
)

// fastClock is the wall clock's timers with time running fast: Now advances by step on every call,
// and a timer of a minute or more fires after short instead, so keepalives and stream lifetimes
// happen within a test.
type fastClock struct {
	mu    sync.Mutex
	now   time.Time
	step  time.Duration
	short time.Duration
}

func (c *fastClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(c.step)
	return c.now
}

func (c *fastClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

func (c *fastClock) NewTimer(d time.Duration) clock.Timer {
	if d >= time.Minute {
		d = c.short
	}
	return clock.Real().NewTimer(d)
}

func (c *fastClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	return clock.Real().AfterFunc(d, f)
}

// stream is an open /ui/events response.
type stream struct {
	resp   *http.Response
	r      *bufio.Reader
	cancel context.CancelFunc
}

func openStream(t *testing.T, url string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/ui/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	return &stream{resp: resp, r: bufio.NewReader(resp.Body), cancel: cancel}
}

func (s *stream) close() {
	s.cancel()
	s.resp.Body.Close()
}

// next reads the next message (up to a blank line) and returns its lines.
func (s *stream) next(t *testing.T) []string {
	t.Helper()
	var lines []string
	for {
		l, err := s.r.ReadString('\n')
		if err != nil {
			if len(lines) == 0 {
				return nil
			}
			t.Fatalf("stream: %v after %q", err, lines)
		}
		l = strings.TrimSuffix(l, "\n")
		if l == "" {
			return lines
		}
		lines = append(lines, l)
	}
}

// nextState reads messages until a state event and decodes it.
func (s *stream) nextState(t *testing.T) liveEvent {
	t.Helper()
	for {
		msg := s.next(t)
		if msg == nil {
			t.Fatal("stream ended")
		}
		if len(msg) == 2 && msg[0] == "event: state" {
			var ev liveEvent
			if err := json.Unmarshal([]byte(strings.TrimPrefix(msg[1], "data: ")), &ev); err != nil {
				t.Fatal(err)
			}
			return ev
		}
	}
}

func TestEventsStreamChanges(t *testing.T) {
	b := busyMesh()
	h := New(b, Options{PollInterval: 5 * time.Millisecond})
	srv := httptest.NewServer(h)
	defer srv.Close()
	s := openStream(t, srv.URL)
	defer s.close()
	if ct := s.resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	if msg := s.next(t); len(msg) != 1 || msg[0] != "retry: 3000" {
		t.Fatalf("first message %q", msg)
	}
	ev := s.nextState(t)
	if ev.Incidents != 3 || ev.OpenIncidents != 2 || !ev.Healing || ev.LatestIncident != 3 || len(ev.New) != 0 || !ev.Ready {
		t.Fatalf("first event %+v", ev)
	}
	b.addIncident(api.IncidentInfo{ID: 4, Kind: "dead-link", Subject: idBeta, DetectedAt: t0})
	ev2 := s.nextState(t)
	if ev2.Incidents != 4 || len(ev2.New) != 1 || ev2.New[0].ID != 4 || ev2.New[0].Text != "New incident 4: dead-link on beta, open." {
		t.Fatalf("second event %+v", ev2)
	}
	if ev2.Digest == ev.Digest {
		t.Error("digest did not change")
	}
	// A resolved incident changes the digest but announces nothing.
	b.mu.Lock()
	b.incidents[3].ResolvedAt = t0.Add(time.Second)
	b.mu.Unlock()
	ev3 := s.nextState(t)
	if ev3.OpenIncidents != 2 || len(ev3.New) != 0 || ev3.Digest == ev2.Digest {
		t.Fatalf("third event %+v", ev3)
	}
}

func TestEventsStopWithRequest(t *testing.T) {
	b := busyMesh()
	h := New(b, Options{PollInterval: time.Millisecond, MaxStreams: 1})
	srv := httptest.NewServer(h)
	defer srv.Close()
	for range 3 {
		// The single slot is freed each time the client goes away.
		s := openStream(t, srv.URL)
		s.nextState(t)
		s.close()
		deadline := time.Now().Add(5 * time.Second)
		for len(h.streams) != 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if len(h.streams) != 0 {
			t.Fatal("stream slot not freed after the client left")
		}
	}
}

func TestEventsCap(t *testing.T) {
	h := New(busyMesh(), Options{PollInterval: 5 * time.Millisecond, MaxStreams: 2})
	srv := httptest.NewServer(h)
	defer srv.Close()
	a, b := openStream(t, srv.URL), openStream(t, srv.URL)
	defer a.close()
	defer b.close()
	a.nextState(t)
	b.nextState(t)
	resp, err := http.Get(srv.URL + "/ui/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "3" {
		t.Fatalf("third stream: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if New(busyMesh(), Options{}).opt.MaxStreams != DefaultMaxStreams {
		t.Error("default cap")
	}
}

func TestEventsKeepaliveAndLifetime(t *testing.T) {
	clk := &fastClock{now: t0, step: KeepaliveInterval, short: 200 * time.Millisecond}
	h := New(busyMesh(), Options{PollInterval: 5 * time.Millisecond, Clock: clk})
	srv := httptest.NewServer(h)
	defer srv.Close()
	s := openStream(t, srv.URL)
	defer s.close()
	s.nextState(t)
	keepalives := 0
	for {
		msg := s.next(t)
		if msg == nil {
			break // the stream ended after its (shortened) lifetime
		}
		if len(msg) == 1 && msg[0] == ": keepalive" {
			keepalives++
		} else {
			t.Fatalf("unexpected message %q", msg)
		}
	}
	if keepalives == 0 {
		t.Fatal("no keepalive")
	}
}

func TestEventsEndOnBackendError(t *testing.T) {
	b := busyMesh()
	h := New(b, Options{PollInterval: 5 * time.Millisecond})
	srv := httptest.NewServer(h)
	defer srv.Close()
	s := openStream(t, srv.URL)
	defer s.close()
	s.nextState(t)
	b.mu.Lock()
	b.healErr = errors.New("store broken")
	b.mu.Unlock()
	for msg := s.next(t); msg != nil; msg = s.next(t) {
	}
}

// A writer that cannot flush cannot stream: the handler gives up after its first write.
func TestEventsWithoutFlusher(t *testing.T) {
	h := New(busyMesh(), Options{PollInterval: time.Millisecond})
	w := &noFlush{header: http.Header{}}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	h.ServeHTTP(w, httptest.NewRequestWithContext(ctx, http.MethodGet, "/ui/events", nil))
	if w.writes != 1 || ctx.Err() != nil {
		t.Fatalf("%d writes went through a writer that cannot flush (context: %v)", w.writes, ctx.Err())
	}
}

// noFlush is a ResponseWriter without Flush: the stream must give up at once.
type noFlush struct {
	header http.Header
	writes int
}

func (w *noFlush) Header() http.Header         { return w.header }
func (w *noFlush) WriteHeader(int)             {}
func (w *noFlush) Write(p []byte) (int, error) { w.writes++; return len(p), nil }

func TestNewIncidentsBounded(t *testing.T) {
	s := &snapshot{names: names{}}
	for i := range MaxLiveIncidents + 5 {
		s.incidents = append(s.incidents, api.IncidentInfo{ID: uint64(MaxLiveIncidents + 5 - i), Kind: "dead-link", Subject: api.SubjectLocal})
	}
	got := newIncidents(s, 2)
	if len(got) != MaxLiveIncidents || got[0].ID != 6 || got[len(got)-1].ID != MaxLiveIncidents+5 {
		t.Fatalf("%d incidents, first %d", len(got), got[0].ID)
	}
	if want := fmt.Sprintf("New incident %d: dead-link on this node, open.", got[0].ID); got[0].Text != want {
		t.Errorf("%q", got[0].Text)
	}
}
