package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// Version IDs of the fake model store.
const (
	idM1 = "1111111111111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	idM2 = "2222222222222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	idM3 = "3333333333333333cccccccccccccccccccccccccccccccccccccccccccccccc"
)

// fakeModels is a fakeBackend that also implements api.ModelBackend with a fixed store: only
// Models and ModelHistory are used by the page.
type fakeModels struct {
	*fakeBackend
	models  []api.ModelInfo
	history []api.ModelChange
	listErr error
	histErr error
}

var _ api.ModelBackend = (*fakeModels)(nil)

func (f *fakeModels) Models() ([]api.ModelInfo, error)         { return f.models, f.listErr }
func (f *fakeModels) ModelHistory() ([]api.ModelChange, error) { return f.history, f.histErr }
func (f *fakeModels) Model(string) (api.ModelDetail, error) {
	return api.ModelDetail{}, errors.New("not used")
}
func (f *fakeModels) ModelPayload(string) ([]byte, error) { return nil, errors.New("not used") }
func (f *fakeModels) ModelRecord(string) ([]byte, error)  { return nil, errors.New("not used") }
func (f *fakeModels) RollbackModel(api.ModelRollbackRequest) (api.ModelChange, error) {
	return api.ModelChange{}, errors.New("not used")
}

// modelStore is a store of three versions where round 3 was rolled back to round 2.
func modelStore() *fakeModels {
	return &fakeModels{
		fakeBackend: busyMesh(),
		models: []api.ModelInfo{
			{ID: idM1, Round: 1, Kind: "meshdetect/v1", Strategy: "fedavg", Participants: 4, CreatedAt: t0.Add(-3 * time.Hour), AcceptedAt: t0.Add(-3 * time.Hour)},
			{ID: idM2, Round: 2, Kind: "meshdetect/v1", Strategy: "fedprox", EpsilonRound: 0.5, EpsilonTotal: 1.25, Delta: 1e-5, Participants: 5,
				Parent: idM1, CreatedAt: t0.Add(-2 * time.Hour), AcceptedAt: t0.Add(-2 * time.Hour), Current: true},
			{ID: idM3, Round: 3, Kind: "meshdetect/v1", Strategy: "krum", EpsilonRound: 0.5, EpsilonTotal: 1.75, Delta: 1e-5, Participants: 3,
				Parent: idM2, CreatedAt: t0.Add(-time.Hour), AcceptedAt: t0.Add(-time.Hour)},
		},
		history: []api.ModelChange{
			{Seq: 1, At: t0.Add(-3 * time.Hour), Action: "accept", To: idM1, Round: 1, Reason: "from coordinator"},
			{Seq: 2, At: t0.Add(-2 * time.Hour), Action: "accept", From: idM1, To: idM2, Round: 2, Reason: "from coordinator"},
			{Seq: 3, At: t0.Add(-time.Hour), Action: "accept", From: idM2, To: idM3, Round: 3, Reason: "from coordinator"},
			{Seq: 4, At: t0.Add(-10 * time.Minute), Action: "rollback", From: idM3, To: idM2, Round: 2, Reason: "false alarms <b>up</b>\u202e"},
		},
	}
}

// Patterns of tableRows: a row, a cell, a tag.
var (
	rowRE  = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	cellRE = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
	tagRE  = regexp.MustCompile(`<[^>]+>`)
)

// tableRows returns the rows of the tbody of the table captioned caption, with tags stripped and
// whitespace collapsed; it fails the test when the table is missing.
func tableRows(t *testing.T, body, caption string) []string {
	t.Helper()
	i := strings.Index(body, "<caption>"+caption+"</caption>")
	if i < 0 {
		t.Fatalf("no table captioned %q", caption)
	}
	table := body[i:]
	table = table[:strings.Index(table, "</table>")]
	tb := table[strings.Index(table, "<tbody>"):]
	var rows []string
	for _, r := range rowRE.FindAllStringSubmatch(tb, -1) {
		var text []string
		for _, c := range cellRE.FindAllStringSubmatch(r[1], -1) {
			text = append(text, strings.Join(strings.Fields(tagRE.ReplaceAllString(c[1], "")), " "))
		}
		rows = append(rows, strings.Join(text, " | "))
	}
	return rows
}

// TestFederatedModels: with a model store the page lists the versions newest round first, marks
// the current one in text, and lists the changes of the current version newest first, in tables
// with a caption and scoped header cells.
func TestFederatedModels(t *testing.T) {
	resp, body := get(t, newTest(modelStore(), Options{}), "/ui/federated")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	mustContain(t, body, `<th scope="col">Version ID</th>`, `<th scope="col">ε total</th>`, `<th scope="col">Reason</th>`,
		`<th scope="row"><code class="id" title="`+idM2+`">2222222222222222</code></th>`,
		"Current version: <strong><code class=\"id\">2222222222222222</code></strong>, round 2, ε total 1.25 (δ 1e-05).",
		`<code>x0tta6bl4 fl sim</code>`)
	if strings.Contains(body, "Models are off") {
		t.Error("a node with a model store is said to have models off")
	}
	versions := tableRows(t, body, "Stored model versions, newest round first")
	wantVersions := []string{
		"3333333333333333 | stored | 3 | meshdetect/v1 | krum | 1.75 (δ 1e-05) | 3 | 2025-06-01 11:00:00 UTC (1 h ago) | 2025-06-01 11:00:00 UTC (1 h ago)",
		"2222222222222222 | current | 2 | meshdetect/v1 | fedprox | 1.25 (δ 1e-05) | 5 | 2025-06-01 10:00:00 UTC (2 h ago) | 2025-06-01 10:00:00 UTC (2 h ago)",
		"1111111111111111 | stored | 1 | meshdetect/v1 | fedavg | not accounted | 4 | 2025-06-01 09:00:00 UTC (3 h ago) | 2025-06-01 09:00:00 UTC (3 h ago)",
	}
	if strings.Join(versions, "\n") != strings.Join(wantVersions, "\n") {
		t.Errorf("version rows:\n%s\nwant:\n%s", strings.Join(versions, "\n"), strings.Join(wantVersions, "\n"))
	}
	changes := tableRows(t, body, "Acceptances and rollbacks of the current version, newest first")
	wantChanges := []string{
		"4 | rollback | 2025-06-01 11:50:00 UTC (10 min ago) | 3333333333333333 | 2222222222222222 | 2 | false alarms &lt;b&gt;up&lt;/b&gt;\ufffd",
		"3 | accept | 2025-06-01 11:00:00 UTC (1 h ago) | 2222222222222222 | 3333333333333333 | 3 | from coordinator",
		"2 | accept | 2025-06-01 10:00:00 UTC (2 h ago) | 1111111111111111 | 2222222222222222 | 2 | from coordinator",
		"1 | accept | 2025-06-01 09:00:00 UTC (3 h ago) | — | 1111111111111111 | 1 | from coordinator",
	}
	if strings.Join(changes, "\n") != strings.Join(wantChanges, "\n") {
		t.Errorf("change rows:\n%s\nwant:\n%s", strings.Join(changes, "\n"), strings.Join(wantChanges, "\n"))
	}
	// Every header cell is scoped, and each table has one row header per body row.
	if n, scoped := len(regexp.MustCompile(`<th[ >]`).FindAllString(body, -1)), strings.Count(body, `<th scope="`); n != scoped || n == 0 {
		t.Errorf("%d header cells, %d scoped", n, scoped)
	}
	if n := strings.Count(body, `<th scope="row">`); n != len(wantVersions)+len(wantChanges) {
		t.Errorf("%d row headers, want %d", n, len(wantVersions)+len(wantChanges))
	}
}

// TestFederatedStates: an empty store, a long store cut to MaxListed, a store that answers
// ErrUnavailable (models off) and one that fails.
func TestFederatedStates(t *testing.T) {
	empty := &fakeModels{fakeBackend: emptyMesh()}
	long := &fakeModels{fakeBackend: emptyMesh()}
	for i := range MaxListed + 3 {
		id := fmt.Sprintf("%016x", i+1) + strings.Repeat("f", 48)
		long.models = append(long.models, api.ModelInfo{ID: id, Round: uint64(i + 1), Strategy: "fedavg", Current: i == MaxListed+2})
		long.history = append(long.history, api.ModelChange{Seq: uint64(i + 1), Action: "accept", To: id, Round: uint64(i + 1)})
	}
	off := &fakeModels{fakeBackend: emptyMesh(), listErr: fmt.Errorf("node: %w", api.ErrUnavailable)}
	histOff := &fakeModels{fakeBackend: emptyMesh(), histErr: fmt.Errorf("node: %w", api.ErrUnavailable)}
	broken := &fakeModels{fakeBackend: emptyMesh(), listErr: errors.New("disk on fire")}
	histBroken := &fakeModels{fakeBackend: emptyMesh(), histErr: errors.New("history on fire")}
	tests := []struct {
		name   string
		b      api.Backend
		status int
		want   []string
		avoid  []string
	}{
		{"empty store", empty, http.StatusOK, []string{"No current version", "No model versions stored yet.", "No changes yet."}, []string{"Models are off", "not listed"}},
		{"long store", long, http.StatusOK, []string{"Current version: <strong><code class=\"id\">00000000000001f7</code></strong>, round 503, ε total not accounted.",
			"3 older versions are not listed", "3 older changes are not listed"}, []string{">0000000000000003<"}},
		{"models off", off, http.StatusOK, []string{"Models are off on this node"}, []string{"<table"}},
		{"history off", histOff, http.StatusOK, []string{"Models are off on this node"}, []string{"<table"}},
		{"store fails", broken, http.StatusInternalServerError, []string{"dashboard: models: disk on fire"}, []string{"<table"}},
		{"history fails", histBroken, http.StatusInternalServerError, []string{"dashboard: model history: history on fire"}, []string{"<table"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, newTest(tt.b, Options{}), "/ui/federated")
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			mustContain(t, body, tt.want...)
			for _, a := range tt.avoid {
				if strings.Contains(body, a) {
					t.Errorf("body has %q", a)
				}
			}
		})
	}
	if n := len(tableRows(t, mustBody(t, long), "Stored model versions, newest round first")); n != MaxListed {
		t.Errorf("long store: %d version rows, want %d", n, MaxListed)
	}
}

// mustBody fetches the federated page of b.
func mustBody(t *testing.T, b api.Backend) string {
	t.Helper()
	_, body := get(t, newTest(b, Options{}), "/ui/federated")
	return body
}

func TestEpsilon(t *testing.T) {
	for _, tt := range []struct {
		eps, delta float64
		want       string
	}{{0, 0, "not accounted"}, {2, 0, "2"}, {1.23456, 1e-6, "1.235 (δ 1e-06)"}} {
		if got := epsilon(tt.eps, tt.delta); got != tt.want {
			t.Errorf("epsilon(%v, %v) = %q, want %q", tt.eps, tt.delta, got, tt.want)
		}
	}
}
