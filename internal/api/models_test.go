package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// docModelID is the ID the exchanges ask for in place of {id}.
const docModelID = "647a33d1f39582788674165e9c00572c902ebfe7dae665161264e40dfc980456"

func docModel(round uint64, current bool) ModelInfo {
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	return ModelInfo{ID: docModelID, Round: round, Kind: "meshdetect/v1", Strategy: "fedavg", EpsilonRound: 0.5,
		EpsilonTotal: 1, Delta: 1e-5, Participants: 2, Parent: strings.Repeat("09", 32), Coordinator: strings.Repeat("c0", 32),
		PayloadSize: 5, PayloadSHA256: strings.Repeat("8b", 32), CreatedAt: t0, AcceptedAt: t0.Add(time.Second), Current: current}
}

func (b *docBackend) Models() ([]ModelInfo, error) {
	if b.modelErr != nil || b.empty {
		return nil, b.modelErr
	}
	first := docModel(1, false)
	first.Parent = ""
	return []ModelInfo{first, docModel(2, true)}, nil
}

func (b *docBackend) Model(id string) (ModelDetail, error) {
	if b.modelErr != nil {
		return ModelDetail{}, b.modelErr
	}
	if b.empty {
		return ModelDetail{Model: docModel(2, true)}, nil // nil lists: the handler must still send []
	}
	return ModelDetail{Model: docModel(2, true), Participants: []string{strings.Repeat("7c", 32), strings.Repeat("a7", 32)},
		CoordinatorName: "coord", CoordinatorSerial: strings.Repeat("1c", 16), Lineage: []ModelInfo{docModel(1, false)}, LineageComplete: true}, nil
}

func (b *docBackend) ModelHistory() ([]ModelChange, error) {
	if b.modelErr != nil || b.empty {
		return nil, b.modelErr
	}
	return []ModelChange{{Seq: 1, At: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC), Action: "accept", To: docModelID, Round: 2, Reason: "round 2"}}, nil
}

func (b *docBackend) ModelPayload(id string) ([]byte, error) {
	if b.modelErr != nil || b.empty {
		return nil, b.modelErr
	}
	return []byte("model"), nil
}

func (b *docBackend) ModelRecord(id string) ([]byte, error) {
	if b.modelErr != nil || b.empty {
		return nil, b.modelErr
	}
	return []byte("X0MODEL\x00\x01 record"), nil
}

func (b *docBackend) RollbackModel(req ModelRollbackRequest) (ModelChange, error) {
	if b.modelErr != nil {
		return ModelChange{}, b.modelErr
	}
	return ModelChange{Seq: 4, At: time.Date(2025, 6, 1, 13, 0, 0, 0, time.UTC), Action: "rollback", From: strings.Repeat("2e", 32),
		To: req.ID, Round: 1, Reason: req.Reason}, nil
}

// plainBackend hides the ModelBackend methods of a Backend.
type plainBackend struct{ Backend }

// handlerBackend is the Backend the exchange's handler serves.
func (ex *exchange) handlerBackend() Backend {
	if ex.noModels {
		return plainBackend{&ex.backend}
	}
	return &ex.backend
}

// modelExample returns the request body and path of route path: a version ID for {id} and a
// rollback body; other routes keep body and path.
func modelExample(path, body string) (string, string) {
	if path == "/api/v1/models/rollback" {
		body = `{"id":"` + docModelID + `","reason":"drill"}`
	}
	return body, strings.ReplaceAll(path, "{id}", docModelID[:16])
}

// documentedPath returns the path of the document that request path p is for: without the query,
// and with {id} where p has a version ID.
func documentedPath(d *oaDoc, p string) string {
	p, _, _ = strings.Cut(p, "?")
	if _, ok := d.Paths[p]; ok {
		return p
	}
	for dp := range d.Paths {
		if strings.Contains(dp, "{") && matchPattern(dp, p) {
			return dp
		}
	}
	return p
}

// modelExchanges draws the error responses of the model routes.
func modelExchanges() []exchange {
	var ex []exchange
	boom := errors.New("registry: corrupt store: version 647a33d1f3958278: registry: payload does not match its hash")
	off := fmt.Errorf("%w: registry: store closed", ErrUnavailable)
	for _, r := range (&server{}).routeTable() {
		if !strings.HasPrefix(r.path, "/api/v1/models") {
			continue
		}
		body, path := modelExample(r.path, "")
		add := func(name string, b docBackend, noModels bool, status int) {
			ex = append(ex, exchange{name: r.path + " " + name, backend: b, noModels: noModels, method: r.method, path: path, body: body, status: status})
		}
		add("failed", docBackend{modelErr: boom}, false, 500)
		add("no registry", docBackend{}, true, 501)
		add("unavailable", docBackend{modelErr: off}, false, 503)
		if strings.Contains(r.path, "{id}") || r.method == http.MethodPost {
			add("not found", docBackend{modelErr: fmt.Errorf("%w: no version 0000", ErrNotFound)}, false, 404)
			add("bad id", docBackend{modelErr: fmt.Errorf("%w: version ID %q", ErrBadRequest, "64")}, false, 400)
		}
	}
	return append(ex,
		exchange{name: "rollback bad body", method: "POST", path: "/api/v1/models/rollback", body: `{"id":"647a33d1"}`, status: 400},
		exchange{name: "rollback not earlier", backend: docBackend{modelErr: fmt.Errorf("%w: round 3 is not below round 2", ErrConflict)},
			method: "POST", path: "/api/v1/models/rollback", body: `{"id":"` + docModelID + `"}`, status: 409},
		exchange{name: "GET on the rollback path", method: "GET", path: "/api/v1/models/rollback", status: 405},
	)
}

// TestModelExamplesDecode checks the document's model examples decode strictly into the Go types.
func TestModelExamplesDecode(t *testing.T) {
	d := loadDoc(t)
	for _, tt := range []struct {
		path, method string
		into         any
	}{
		{"/api/v1/models", "get", new([]ModelInfo)},
		{"/api/v1/models/history", "get", new([]ModelChange)},
		{"/api/v1/models/{id}", "get", new(ModelDetail)},
		{"/api/v1/models/rollback", "post", new(ModelChange)},
	} {
		ex := d.Paths[tt.path][tt.method].Responses["200"].Content["application/json"].Example
		dec := json.NewDecoder(bytes.NewReader(ex))
		dec.DisallowUnknownFields()
		if err := dec.Decode(tt.into); err != nil {
			t.Errorf("%s example: %v", tt.path, err)
		}
	}
	ex := d.Paths["/api/v1/models/rollback"]["post"].RequestBody.Content["application/json"].Example
	if _, err := DecodeModelRollbackRequest(bytes.NewReader(ex)); err != nil {
		t.Errorf("rollback request example: %v", err)
	}
	for _, name := range []string{"ModelInfo", "ModelDetail", "ModelChange", "ModelRollbackRequest"} {
		if s := d.Components.Schemas[name]; s == nil || s.Description == "" {
			t.Errorf("schema %s missing or without description", name)
		}
	}
	if p := d.Components.Schemas["ModelInfo"].Properties.get("payload_size"); p == nil || *p.Maximum != 16<<20 {
		t.Error("ModelInfo.payload_size maximum is not the registry's MaxPayloadSize")
	}
	if p := d.Components.Schemas["ModelInfo"].Properties.get("participants"); p == nil || *p.Maximum != 4096 {
		t.Error("ModelInfo.participants maximum is not the registry's MaxParticipants")
	}
}

func TestDecodeModelRollbackRequest(t *testing.T) {
	id := strings.Repeat("Ab", 32)
	tests := []struct {
		body string
		want string // "" for success
	}{
		{`{"id":"` + id + `"}`, ""},
		{`{"id":"` + id + `","reason":"accuracy fell — back to round 2"}`, ""},
		{`{"id":"` + id + `","reason":"` + strings.Repeat("r", MaxRollbackReasonSize) + `"}`, ""},
		{`{"id":"` + id + `","reason":"` + strings.Repeat("r", MaxRollbackReasonSize+1) + `"}`, "reason: 513 bytes"},
		{`{"id":"` + id + `","reason":"two\nlines"}`, "control character"},
		{`{"id":"` + id[:62] + `"}`, "not 64 hexadecimal digits"},
		{`{"id":"` + strings.Repeat("zz", 32) + `"}`, "not 64 hexadecimal digits"},
		{`{}`, "not 64 hexadecimal digits"},
		{`{"id":"` + id + `","force":true}`, "unknown field"},
		{`{"id":"` + id + `"} {}`, "trailing data"},
		{`[`, "body"},
		{``, "EOF"},
		{`{"id":"` + id + `","pad":"` + strings.Repeat("x", MaxBodySize) + `"}`, "body"},
	}
	for _, tt := range tests {
		req, err := DecodeModelRollbackRequest(strings.NewReader(tt.body))
		if tt.want == "" {
			if err != nil || req.ID != strings.ToLower(id) {
				t.Errorf("%.60s: %+v, %v", tt.body, req, err)
			}
			continue
		}
		if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%.60s: err = %v, want ErrBadRequest with %q", tt.body, err, tt.want)
		}
	}
}

// FuzzDecodeModelRollbackRequest checks that any body is refused with ErrBadRequest or gives a
// request with a lower-case 64-digit hexadecimal ID and a bounded reason without control
// characters, which encodes and decodes back to itself.
func FuzzDecodeModelRollbackRequest(f *testing.F) {
	f.Add([]byte(`{"id":"` + docModelID + `","reason":"drill"}`))
	f.Add([]byte(`{"id":"` + strings.ToUpper(docModelID) + `"}`))
	f.Add([]byte(`{"id":"647a33d1"}`))
	f.Add([]byte(`{"id":"` + docModelID + `","reason":"\u0000"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeModelRollbackRequest(bytes.NewReader(body))
		if err != nil {
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("error does not wrap ErrBadRequest: %v", err)
			}
			return
		}
		if len(req.ID) != 2*ModelIDSize || strings.Trim(req.ID, "0123456789abcdef") != "" || len(req.Reason) > MaxRollbackReasonSize {
			t.Fatalf("accepted invalid request %+v", req)
		}
		b, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeModelRollbackRequest(bytes.NewReader(b))
		if err != nil || again != req {
			t.Fatalf("request does not round-trip: %+v, %v", again, err)
		}
	})
}

func TestModelRouting(t *testing.T) {
	h := NewHandler(&docBackend{}, Options{})
	for _, tt := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/api/v1/models/rollback", 405, "POST"},
		{"PUT", "/api/v1/models/rollback", 405, "POST"},
		{"DELETE", "/api/v1/models/abc", 405, "GET"},
		{"POST", "/api/v1/models/abc/record", 405, "GET"},
		{"GET", "/api/v1/models/abc/other", 404, ""},
		{"DELETE", "/api/v1/models/abc/other", 404, ""},
		{"HEAD", "/api/v1/models/" + docModelID + "/payload", 200, ""},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != tt.status || rec.Header().Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d Allow %q, want %d %q", tt.method, tt.path, rec.Code, rec.Header().Get("Allow"), tt.status, tt.allow)
		}
	}
	for _, tt := range []struct {
		pattern, path string
		ok            bool
	}{
		{"/a/{id}", "/a/b", true},
		{"/a/{id}", "/a/", false},
		{"/a/{id}", "/a/b/c", false},
		{"/a/{id}/x", "/a/b/x", true},
		{"/a/{id}/x", "/a/b/y", false},
	} {
		if got := matchPattern(tt.pattern, tt.path); got != tt.ok {
			t.Errorf("matchPattern(%q, %q) = %v", tt.pattern, tt.path, got)
		}
	}
}

func TestModelClient(t *testing.T) {
	srv := httptest.NewServer(NewHandler(&docBackend{}, Options{Token: "tok"}))
	defer srv.Close()
	ctx := context.Background()
	c := &Client{Base: srv.URL, Token: "tok"}
	if list, err := c.Models(ctx); err != nil || len(list) != 2 || !list[1].Current {
		t.Errorf("Models = %+v, %v", list, err)
	}
	if d, err := c.Model(ctx, docModelID[:8]); err != nil || d.Model.ID != docModelID || len(d.Lineage) != 1 {
		t.Errorf("Model = %+v, %v", d, err)
	}
	if h, err := c.ModelHistory(ctx); err != nil || len(h) != 1 || h[0].Action != "accept" {
		t.Errorf("ModelHistory = %+v, %v", h, err)
	}
	if ch, err := c.RollbackModel(ctx, ModelRollbackRequest{ID: docModelID, Reason: "r"}); err != nil || ch.To != docModelID || ch.Reason != "r" {
		t.Errorf("RollbackModel = %+v, %v", ch, err)
	}
	for _, id := range []string{"", "a/b", "a?b", "a#b", "a%2f"} {
		if _, err := c.Model(ctx, id); err == nil || !strings.Contains(err.Error(), "not a model version ID") {
			t.Errorf("Model(%q) = %v", id, err)
		}
	}
	off := httptest.NewServer(NewHandler(plainBackend{&docBackend{}}, Options{}))
	defer off.Close()
	if _, err := (&Client{Base: off.URL}).Models(ctx); err == nil || !strings.Contains(err.Error(), "(501)") {
		t.Errorf("Models without a registry: %v", err)
	}
}
