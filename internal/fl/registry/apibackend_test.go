package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// modelNode is a node Backend with a model store, as the node wires it: it
// embeds the APIBackend.
type modelNode struct {
	api.Backend
	*APIBackend
}

// noBackend is the rest of a Backend, never called by the model endpoints.
type noBackend struct{ api.Backend }

// TestLimitsMatchAPI checks that the API's constants and its OpenAPI
// document state this package's limits.
func TestLimitsMatchAPI(t *testing.T) {
	if api.MaxRollbackReasonSize != MaxReasonSize || api.ModelIDSize != IDSize {
		t.Fatalf("api limits %d/%d, registry %d/%d", api.MaxRollbackReasonSize, api.ModelIDSize, MaxReasonSize, IDSize)
	}
	var doc struct {
		Paths      map[string]map[string]struct{ Description string }
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct{ Maximum *float64 }
			}
		}
	}
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	props := doc.Components.Schemas["ModelInfo"].Properties
	for name, want := range map[string]float64{"payload_size": MaxPayloadSize, "participants": MaxParticipants} {
		if m := props[name].Maximum; m == nil || *m != want {
			t.Errorf("OpenAPI ModelInfo.%s maximum %v, want %v", name, m, want)
		}
	}
	for path, want := range map[string]string{
		"/api/v1/models":          fmt.Sprintf("(%d by default)", DefaultRetain),
		"/api/v1/models/history":  fmt.Sprintf("The latest %d changes", MaxHistory),
		"/api/v1/models/rollback": DefaultRollbackReason,
	} {
		d := doc.Paths[path]["get"].Description + doc.Paths[path]["post"].Description
		if path == "/api/v1/models/rollback" {
			d = string(api.OpenAPI()) // the default reason is in the request schema
		}
		if !strings.Contains(d, want) {
			t.Errorf("OpenAPI %s does not state %q", path, want)
		}
	}
}

func TestAPIBackend(t *testing.T) {
	n := newNet(t, 50)
	s, _ := openTemp(t, Options{})
	rs := n.chain(t, 3)
	for i, r := range rs {
		mustAccept(t, s, n, r, t0.Add(time.Duration(i)*time.Minute))
	}
	now := t0.Add(time.Hour)
	rolled := make(chan Change, 4) // the handler runs on the server's goroutines
	srv := httptest.NewServer(api.NewHandler(modelNode{noBackend{}, NewAPIBackend(s, func() time.Time { return now },
		func(c Change) { rolled <- c })}, api.Options{Token: "tok"}))
	defer srv.Close()
	ctx := context.Background()
	c := &api.Client{Base: srv.URL, Token: "tok"}

	list, err := c.Models(ctx)
	if err != nil || len(list) != 3 {
		t.Fatalf("Models = %d, %v", len(list), err)
	}
	if m := list[2]; m.ID != rs[2].ID.String() || m.Round != 3 || !m.Current || m.Parent != rs[1].ID.String() ||
		m.Participants != 3 || m.Coordinator != n.coord.ID().String() || m.PayloadSize != rs[2].PayloadSize ||
		m.Kind != "meshdetect/v1" || m.Strategy != "fedavg" || m.EpsilonTotal != 0.75 || !m.AcceptedAt.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("list[2] = %+v", m)
	}
	if list[0].Parent != "" || list[0].Current {
		t.Errorf("list[0] = %+v", list[0])
	}
	d, err := c.Model(ctx, rs[2].ID.Short())
	if err != nil {
		t.Fatal(err)
	}
	if d.Model.ID != rs[2].ID.String() || len(d.Participants) != 3 || d.CoordinatorName != "coord" || len(d.CoordinatorSerial) != 32 ||
		len(d.Lineage) != 2 || d.Lineage[0].Round != 2 || !d.LineageComplete {
		t.Errorf("detail = %+v", d)
	}
	get := func(path string) (int, []byte) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if code, b := get("/api/v1/models/" + rs[1].ID.String() + "/payload"); code != 200 || !bytes.Equal(b, rs[1].Payload) {
		t.Errorf("payload: %d, %d bytes", code, len(b))
	}
	code, b := get("/api/v1/models/" + rs[1].ID.Short() + "/record")
	if code != 200 {
		t.Fatalf("record: %d %s", code, b)
	}
	pulled, err := ParseRecord(b)
	if err != nil || pulled.ID != rs[1].ID {
		t.Fatalf("pulled record: %v", err)
	}
	if err := n.verify.Verify(pulled, t0); err != nil {
		t.Errorf("pulled record does not verify: %v", err)
	}
	for _, tt := range []struct {
		path string
		code int
	}{
		{"/api/v1/models/" + strings.Repeat("0", 64), 404},
		{"/api/v1/models/abc", 400},
		{"/api/v1/models/zzzzzzzzzz/payload", 400},
		{"/api/v1/models/" + strings.Repeat("f", 16) + "/record", 404},
	} {
		if code, b := get(tt.path); code != tt.code {
			t.Errorf("GET %s: %d, want %d: %s", tt.path, code, tt.code, b)
		}
	}

	ch, err := c.RollbackModel(ctx, api.ModelRollbackRequest{ID: rs[0].ID.String(), Reason: "round 2 and 3 overfit"})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Action != "rollback" || ch.From != rs[2].ID.String() || ch.To != rs[0].ID.String() || ch.Round != 1 ||
		ch.Seq != 4 || !ch.At.Equal(now) || ch.Reason != "round 2 and 3 overfit" {
		t.Errorf("rollback = %+v", ch)
	}
	if cur, _ := s.Current(); cur.ID != rs[0].ID {
		t.Error("rollback did not change the store")
	}
	if len(rolled) != 1 {
		t.Fatalf("rollback callback called %d times", len(rolled))
	}
	if c := <-rolled; c.To != rs[0].ID || c.Kind != ChangeRollback {
		t.Errorf("rollback callback got %+v", c)
	}
	ch, err = c.RollbackModel(ctx, api.ModelRollbackRequest{ID: strings.ToUpper(rs[0].ID.String())})
	if err == nil || !strings.Contains(err.Error(), "(409)") {
		t.Errorf("rollback to the current version: %v %+v", err, ch)
	}
	if _, err := c.RollbackModel(ctx, api.ModelRollbackRequest{ID: strings.Repeat("0", 64)}); err == nil || !strings.Contains(err.Error(), "(404)") {
		t.Errorf("rollback to an unknown version: %v", err)
	}
	if _, err := c.RollbackModel(ctx, api.ModelRollbackRequest{ID: rs[0].ID.Short()}); err == nil || !strings.Contains(err.Error(), "(400)") {
		t.Errorf("rollback to a prefix: %v", err)
	}
	if len(rolled) != 0 {
		t.Error("a refused rollback called the callback")
	}
	hist, err := c.ModelHistory(ctx)
	if err != nil || len(hist) != 4 || hist[0].From != "" || hist[3].Action != "rollback" {
		t.Errorf("history = %+v, %v", hist, err)
	}
	// The default reason, through the backend directly.
	be := NewAPIBackend(s, func() time.Time { return now }, nil)
	mustAccept(t, s, n, n.sign(t, params(4, rs[0].ID)), t0)
	if ch, err := be.RollbackModel(api.ModelRollbackRequest{ID: rs[0].ID.String()}); err != nil || ch.Reason != DefaultRollbackReason {
		t.Errorf("default reason: %+v, %v", ch, err)
	}
	if _, err := be.Model(strings.Repeat("1", 64)); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("Model unknown: %v", err)
	}

	// A closed store is unavailable; a corrupt one is a server error.
	s.Close()
	for name, f := range map[string]func() error{
		"Models":        func() error { _, err := be.Models(); return err },
		"Model":         func() error { _, err := be.Model(rs[0].ID.String()); return err },
		"ModelHistory":  func() error { _, err := be.ModelHistory(); return err },
		"ModelPayload":  func() error { _, err := be.ModelPayload(rs[0].ID.String()); return err },
		"ModelRecord":   func() error { _, err := be.ModelRecord(rs[0].ID.String()); return err },
		"RollbackModel": func() error { _, err := be.RollbackModel(api.ModelRollbackRequest{ID: rs[0].ID.String()}); return err },
	} {
		if err := f(); !errors.Is(err, api.ErrUnavailable) || !errors.Is(err, ErrClosed) {
			t.Errorf("%s on a closed store: %v", name, err)
		}
	}
}

func TestAPIBackendErrors(t *testing.T) {
	n := newNet(t, 51)
	s, path := openTemp(t, Options{})
	rs := n.chain(t, 2)
	for _, r := range rs {
		mustAccept(t, s, n, r, t0)
	}
	s.Close()
	// A version whose payload was damaged: Get, and so payload, record and
	// the listing of a broken index, fail with a server error.
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte(bucketPayloads)).Put(rs[0].ID[:], []byte("x")); err != nil {
			return err
		}
		return tx.Bucket([]byte(bucketHistory)).Put(u64(1), []byte{0})
	})
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	be := NewAPIBackend(s, time.Now, nil)
	h := api.NewHandler(modelNode{noBackend{}, be}, api.Options{})
	for _, p := range []string{"/api/v1/models/" + rs[0].ID.String() + "/payload", "/api/v1/models/history"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		var e struct{ Error string }
		if rec.Code != 500 || json.Unmarshal(rec.Body.Bytes(), &e) != nil || !strings.Contains(e.Error, "corrupt") {
			t.Errorf("GET %s: %d %s", p, rec.Code, rec.Body)
		}
	}
	rawBreak := func(f func(tx *bolt.Tx) error) {
		if err := s.update(f); err != nil {
			t.Fatal(err)
		}
	}
	rawBreak(func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketRounds)).Put(u64(1), []byte{1}) })
	if _, err := be.Models(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Models with a broken index: %v", err)
	}
	rawBreak(func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketMeta)).Put([]byte(keyCurrent), []byte{1}) })
	if _, err := be.Model(rs[1].ID.String()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Model with a broken current pointer: %v", err)
	}
	rawBreak(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte(bucketMeta)).Put([]byte(keyCurrent), rs[1].ID[:]); err != nil {
			return err
		}
		v := tx.Bucket([]byte(bucketVersions)).Get(rs[1].ID[:])
		return tx.Bucket([]byte(bucketVersions)).Put(rs[0].ID[:], bytes.Clone(v))
	})
	if _, err := be.Model(rs[1].ID.String()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Model with a broken lineage: %v", err)
	}
	rawBreak(func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketVersions)).Put(rs[1].ID[:], []byte{1}) })
	if _, err := be.Model(rs[1].ID.String()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Model of a corrupt version: %v", err)
	}
}
