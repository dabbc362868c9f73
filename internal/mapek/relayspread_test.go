package mapek

import (
	"testing"
)

// spyScorer records the features it is given and has no opinion.
type spyScorer struct{ seen []LinkFeatures }

func (s *spyScorer) Score(f LinkFeatures) (float64, bool) {
	s.seen = append(s.seen, f)
	return 0, false
}

// TestRelaySpreadEvidence: the misbehaving-relay symptom says how many
// destinations failed and whether the evidence is ambiguous, a Scorer sees
// the destination counts, and the loop quarantines the relay only on
// evidence that is not ambiguous (an ambiguous symptom is skipped with
// EventSkipAmbiguous).
func TestRelaySpreadEvidence(t *testing.T) {
	a := nid(1)
	for _, tc := range []struct {
		name              string
		dests, failing    int
		blamed, ambiguous bool
	}{
		{"no destination counts", 0, 0, true, true},
		{"one destination", 1, 1, true, true},
		{"two of two", 2, 2, true, false},
		{"one of two", 2, 1, false, false},
		{"three of four", 4, 3, false, false},
		{"four of four", 4, 4, true, false},
		{"nine of ten", 10, 9, true, false},
		{"eight of ten", 10, 8, false, false},
		{"two of four", 4, 2, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := &spyScorer{}
			l, _ := newLoop(t, Config{}, sc)
			rs := run(l, t0, 7, func(i int) Snapshot {
				n := healthy(a)
				n.Relayed, n.Dests, n.FailingDests = uint64(i)*10, tc.dests, tc.failing
				return Snapshot{Neighbours: []NeighbourSample{n}}
			})
			s := hasSymptom(rs[len(rs)-1], SymptomMisbehavingRelay, a)
			if (s != nil) != tc.blamed {
				t.Fatalf("blamed %v, want %v", s != nil, tc.blamed)
			}
			quarantined := 0
			for _, r := range rs {
				for _, act := range r.Actions {
					if act.Kind == ActionQuarantine && act.Subject == a {
						quarantined++
					}
				}
			}
			if want := tc.blamed && !tc.ambiguous; (quarantined > 0) != want {
				t.Errorf("%d quarantines, want any %v", quarantined, want)
			}
			if skipped := countEvent(rs, EventSkipAmbiguous) > 0; skipped != (tc.blamed && tc.ambiguous) {
				t.Errorf("skip-ambiguous %v, want %v", skipped, tc.blamed && tc.ambiguous)
			}
			if s != nil {
				if s.Evidence["dests"] != float64(tc.dests) || s.Evidence["failing_dests"] != float64(tc.failing) {
					t.Errorf("evidence %v", s.Evidence)
				}
				if _, amb := s.Evidence["ambiguous"]; amb != tc.ambiguous || s.Ambiguous != tc.ambiguous {
					t.Errorf("ambiguous %v (evidence %v), want %v", s.Ambiguous, amb, tc.ambiguous)
				}
			}
			f := sc.seen[len(sc.seen)-1]
			if f.Dests != tc.dests || f.FailingDests != tc.failing {
				t.Errorf("scorer saw %d/%d destinations, want %d/%d", f.FailingDests, f.Dests, tc.failing, tc.dests)
			}
		})
	}
}
