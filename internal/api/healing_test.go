package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// errHealingOff is what a node without self-healing returns.
var errHealingOff = fmt.Errorf("%w: self-healing is disabled on this node (healing.enabled: false)", ErrUnavailable)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func (b *docBackend) Incidents(all bool) ([]IncidentInfo, error) {
	if b.healErr != nil {
		return nil, b.healErr
	}
	if b.empty {
		return nil, nil
	}
	list := []IncidentInfo{{ID: 3, Kind: "dead-link", Subject: strings.Repeat("cd", 32), Decider: "rules",
		DetectedAt: t0, AnalyzedAt: t0.Add(300 * time.Millisecond), MitigatedAt: t0.Add(31 * time.Second),
		LastSeen: t0.Add(30 * time.Second), PeakSeverity: 1, Actions: 1, MTTD: 0.3, MTTR: 31}}
	if all {
		list = append(list, IncidentInfo{ID: 4, Kind: "node-overloaded", Subject: SubjectLocal, Decider: "scorer",
			DetectedAt: t0, AnalyzedAt: t0, ResolvedAt: t0.Add(time.Minute), LastSeen: t0, PeakSeverity: 0.5, MTTD: 0, MTTR: 60})
	}
	return list, nil
}

func (b *docBackend) Actions() ([]ActionInfo, error) {
	if b.healErr != nil {
		return nil, b.healErr
	}
	if b.empty {
		return nil, nil
	}
	return []ActionInfo{
		{ID: 1, Incident: 3, Kind: "connect-spares", Subject: strings.Repeat("cd", 32), Reason: "dead-link, rung 0",
			AppliedAt: t0, VerifiedAt: t0.Add(30 * time.Second), Outcome: "effective"},
		{ID: 2, Incident: 4, Kind: "restart", Subject: SubjectLocal, Reason: "node-overloaded, rung 1: heal: action not supported",
			AppliedAt: t0, Outcome: "failed"},
	}, nil
}

// healBackend records the state the handler asked for.
type healBackend struct {
	fakeBackend
	all []bool
	err error
}

func (f *fakeBackend) Incidents(bool) ([]IncidentInfo, error) { return nil, nil }
func (f *fakeBackend) Actions() ([]ActionInfo, error)         { return nil, nil }

func (h *healBackend) Incidents(all bool) ([]IncidentInfo, error) {
	h.all = append(h.all, all)
	return []IncidentInfo{{ID: 1, Kind: "dead-link", Subject: SubjectLocal}}, h.err
}

func (h *healBackend) Actions() ([]ActionInfo, error) {
	return []ActionInfo{{ID: 1, Incident: 1, Kind: "rekey", Outcome: "pending"}}, h.err
}

func TestIncidentsState(t *testing.T) {
	tests := []struct {
		query   string
		status  int
		wantAll []bool
	}{
		{"", 200, []bool{false}},
		{"?state=open", 200, []bool{false}},
		{"?state=all", 200, []bool{true}},
		{"?state=ALL", 400, nil},
		{"?state=resolved", 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			b := &healBackend{}
			h := NewHandler(b, Options{})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/incidents"+tt.query, nil))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if !reflect.DeepEqual(b.all, tt.wantAll) {
				t.Fatalf("backend asked for all=%v, want %v", b.all, tt.wantAll)
			}
		})
	}
}

func TestClientIncidentsAndActions(t *testing.T) {
	b := &healBackend{}
	srv := httptest.NewServer(NewHandler(b, Options{Token: "tok"}))
	defer srv.Close()
	c := &Client{Base: srv.URL, Token: "tok"}
	ctx := context.Background()
	for _, all := range []bool{false, true} {
		list, err := c.Incidents(ctx, all)
		if err != nil || len(list) != 1 || list[0].Kind != "dead-link" || list[0].Subject != SubjectLocal {
			t.Fatalf("Incidents(%v) = %+v, %v", all, list, err)
		}
	}
	if !reflect.DeepEqual(b.all, []bool{false, true}) {
		t.Fatalf("states asked: %v", b.all)
	}
	acts, err := c.Actions(ctx)
	if err != nil || len(acts) != 1 || acts[0].Kind != "rekey" || acts[0].Outcome != "pending" {
		t.Fatalf("Actions = %+v, %v", acts, err)
	}
	// A node with self-healing off answers 503 with the reason, which the client reports.
	b.err = errHealingOff
	if _, err := c.Incidents(ctx, false); err == nil || !strings.Contains(err.Error(), "self-healing is disabled") || !strings.Contains(err.Error(), "503") {
		t.Fatalf("Incidents with healing off: %v", err)
	}
	if _, err := c.Actions(ctx); err == nil || !strings.Contains(err.Error(), "(503)") {
		t.Fatalf("Actions with healing off: %v", err)
	}
	b.err = errors.New("boom")
	if _, err := c.Actions(ctx); err == nil || !strings.Contains(err.Error(), "(500)") {
		t.Fatalf("Actions failing: %v", err)
	}
	if resp, err := http.Get(srv.URL + "/api/v1/actions"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("actions without the token: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}
