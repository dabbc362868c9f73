package registry

import (
	"errors"
	"testing"

	"pgregory.net/rapid"
)

// TestStoreProperty drives a store with random sequences of acceptances
// (valid, stale, forked, replayed) and rollbacks and checks it against a
// model of the rules: the current version, the highest round, what is
// refused and with which error, retention, and Check after every step.
func TestStoreProperty(t *testing.T) {
	n := newNet(t, 70)
	rapid.Check(t, func(rt *rapid.T) {
		retainN := rapid.IntRange(1, 4).Draw(rt, "retain")
		s, err := Open(t.TempDir()+"/p.db", Options{Retain: retainN})
		if err != nil {
			rt.Fatal(err)
		}
		defer s.Close()
		type stored struct {
			id    ID
			round uint64
		}
		var (
			kept    []stored // by round, as the store should hold them
			cur     ID
			high    uint64
			history int
			seen    []*Record // every record accepted, for replays
		)
		steps := rapid.IntRange(1, 12).Draw(rt, "steps")
		for range steps {
			op := rapid.SampledFrom([]string{"next", "next", "stale", "fork", "replay", "rollback"}).Draw(rt, "op")
			var want error
			var r *Record
			switch op {
			case "next":
				r = n.sign(rt, params(high+1+rapid.Uint64Range(0, 3).Draw(rt, "gap"), cur))
			case "stale":
				if high == 0 {
					continue
				}
				p := params(rapid.Uint64Range(1, high).Draw(rt, "round"), cur)
				p.Strategy = "stale"
				r, want = n.sign(rt, p), ErrStale
			case "fork":
				if high == 0 {
					continue
				}
				r, want = n.sign(rt, params(high+1, ID{0xf0})), ErrFork
			case "replay":
				if len(seen) == 0 {
					continue
				}
				r, want = seen[rapid.IntRange(0, len(seen)-1).Draw(rt, "replayed")], ErrStale
				for _, k := range kept {
					if k.id == r.ID {
						want = ErrDuplicate // still stored; a pruned one is merely old
					}
				}
			case "rollback":
				if len(kept) < 2 {
					continue
				}
				i := rapid.IntRange(0, len(kept)-1).Draw(rt, "target")
				target := kept[i]
				var curRound uint64
				for _, k := range kept {
					if k.id == cur {
						curRound = k.round
					}
				}
				_, err := s.Rollback(target.id, "property", t0)
				if target.round >= curRound {
					if !errors.Is(err, ErrNotEarlier) {
						rt.Fatalf("rollback to round %d from %d: %v", target.round, curRound, err)
					}
				} else if err != nil {
					rt.Fatalf("rollback: %v", err)
				} else {
					cur, history = target.id, history+1
				}
			}
			if r != nil {
				_, err := s.Accept(r, n.verify, t0)
				if want != nil {
					if !errors.Is(err, want) {
						rt.Fatalf("%s: err = %v, want %v", op, err, want)
					}
				} else if err != nil {
					rt.Fatalf("%s: %v", op, err)
				} else {
					seen = append(seen, r)
					kept = append(kept, stored{r.ID, r.Round})
					cur, high, history = r.ID, r.Round, history+1
					if len(kept) > retainN {
						kept = kept[len(kept)-retainN:] // the newest are kept: the current is the newest
					}
				}
			}
			if err := s.Check(); err != nil {
				rt.Fatal(err)
			}
			list, err := s.List()
			if err != nil || len(list) != len(kept) {
				rt.Fatalf("List = %d versions, model %d: %v", len(list), len(kept), err)
			}
			for i, v := range list {
				if v.ID != kept[i].id || v.Current != (v.ID == cur) {
					rt.Fatalf("list[%d] = round %d current %v", i, v.Round, v.Current)
				}
			}
			if got, _ := s.MaxRound(); got != high {
				rt.Fatalf("MaxRound = %d, model %d", got, high)
			}
			if h, _ := s.History(); len(h) != history {
				rt.Fatalf("history %d, model %d", len(h), history)
			}
		}
	})
}
