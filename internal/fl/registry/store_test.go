package registry

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func mustAccept(t *testing.T, s *Store, n *testNet, r *Record, at time.Time) Change {
	t.Helper()
	c, err := s.Accept(r, n.verify, at)
	if err != nil {
		t.Fatalf("accept round %d: %v", r.Round, err)
	}
	return c
}

func currentID(t *testing.T, s *Store) ID {
	t.Helper()
	v, err := s.Current()
	if err != nil {
		t.Fatal(err)
	}
	if !v.Current {
		t.Error("Current() not flagged current")
	}
	return v.ID
}

func TestAcceptChain(t *testing.T) {
	n := newNet(t, 20)
	s, path := openTemp(t, Options{})
	if _, err := s.Current(); !errors.Is(err, ErrNotFound) {
		t.Errorf("Current of an empty store: %v", err)
	}
	rs := n.chain(t, 3)
	for i, r := range rs {
		c := mustAccept(t, s, n, r, t0.Add(time.Duration(i)*time.Hour))
		if c.Seq != uint64(i+1) || c.Kind != ChangeAccept || c.To != r.ID || c.Round != r.Round ||
			(i > 0 && c.From != rs[i-1].ID) || (i == 0 && !c.From.IsZero()) || !strings.Contains(c.Reason, `coordinator "coord"`) {
			t.Errorf("change %d = %+v", i, c)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	if currentID(t, s) != rs[2].ID {
		t.Error("current is not round 3")
	}
	if high, err := s.MaxRound(); high != 3 || err != nil {
		t.Errorf("MaxRound = %d, %v", high, err)
	}
	list, err := s.List()
	if err != nil || len(list) != 3 {
		t.Fatalf("List = %d, %v", len(list), err)
	}
	for i, v := range list {
		if v.ID != rs[i].ID || v.Round != uint64(i+1) || v.Current != (i == 2) || !v.AcceptedAt.Equal(t0.Add(time.Duration(i)*time.Hour)) {
			t.Errorf("list[%d] = %s round %d current %v accepted %v", i, v.ID.Short(), v.Round, v.Current, v.AcceptedAt)
		}
	}
	got, err := s.Get(rs[1].ID)
	if err != nil || !bytes.Equal(got.Raw(), rs[1].Raw()) {
		t.Fatalf("Get: %v", err)
	}
	if err := n.verify.Verify(got, t0); err != nil {
		t.Errorf("stored record no longer verifies: %v", err)
	}
	info, err := s.Info(rs[0].ID)
	if err != nil || info.Current || info.Round != 1 {
		t.Errorf("Info = %+v, %v", info, err)
	}
	h, err := s.History()
	if err != nil || len(h) != 3 || h[2].To != rs[2].ID {
		t.Errorf("History = %+v, %v", h, err)
	}
	anc, complete, err := s.Lineage(rs[2].ID)
	if err != nil || !complete || len(anc) != 2 || anc[0].ID != rs[1].ID || anc[1].ID != rs[0].ID {
		t.Errorf("Lineage = %v %v %v", anc, complete, err)
	}
	for _, f := range []func() error{
		func() error { _, err := s.Get(ID{1}); return err },
		func() error { _, err := s.Info(ID{1}); return err },
		func() error { _, _, err := s.Lineage(ID{1}); return err },
	} {
		if err := f(); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown version: %v", err)
		}
	}
}

func TestAcceptRules(t *testing.T) {
	n := newNet(t, 21)
	s, _ := openTemp(t, Options{})
	rs := n.chain(t, 3)
	// The first version a store accepts may have any parent: a node can
	// join after round 1.
	mustAccept(t, s, n, rs[1], t0)
	mustAccept(t, s, n, rs[2], t0)
	cur := rs[2].ID
	same := n.sign(t, params(3, rs[1].ID)) // the same body, another signature
	sameBody := fieldsOf(rs[2])
	sameBody.sig = flip(sameBody.sig, 5) // and a forged one
	forgedReplay, err := ParseRecord(sameBody.encode())
	if err != nil {
		t.Fatal(err)
	}
	p4 := params(4, cur)
	p4.Strategy = "krum"
	stale := params(3, cur)
	stale.Kind = "other/v1"
	tests := []struct {
		name string
		r    *Record
		want error
	}{
		{"replay", rs[2], ErrDuplicate},
		{"re-signed replay", same, ErrDuplicate},
		{"forged replay", forgedReplay, ErrDuplicate},
		{"older round", rs[0], ErrStale},
		{"equal round", n.sign(t, stale), ErrStale},
		{"fork", n.sign(t, params(4, rs[1].ID)), ErrFork},
		{"no parent", n.sign(t, params(4, ID{})), ErrFork},
		{"forged signature", func() *Record {
			r := n.sign(t, p4)
			x, _ := ParseRecord(flip(r.Raw(), r.bodyLen+40))
			return x
		}(), ErrSignature},
		{"unparsed", &Record{}, ErrInvalid},
	}
	for _, tt := range tests {
		if _, err := s.Accept(tt.r, n.verify, t0); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := s.Accept(n.sign(t, p4), nil, t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil verifier: %v", err)
	}
	if _, err := s.Accept(n.sign(t, p4), n.verify, time.Time{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("zero time: %v", err)
	}
	// Nothing refused was stored.
	if currentID(t, s) != cur {
		t.Error("current changed")
	}
	if list, _ := s.List(); len(list) != 2 {
		t.Errorf("%d versions stored", len(list))
	}
	if h, _ := s.History(); len(h) != 2 {
		t.Errorf("%d changes recorded", len(h))
	}
	if high, _ := s.MaxRound(); high != 3 {
		t.Errorf("MaxRound = %d", high)
	}
	mustAccept(t, s, n, n.sign(t, p4), t0)
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestRollback(t *testing.T) {
	n := newNet(t, 22)
	s, _ := openTemp(t, Options{})
	rs := n.chain(t, 5)
	for _, r := range rs {
		mustAccept(t, s, n, r, t0)
	}
	reason := "accuracy of round 5 dropped by 12 points"
	c, err := s.Rollback(rs[2].ID, reason, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if c.Seq != 6 || c.Kind != ChangeRollback || c.From != rs[4].ID || c.To != rs[2].ID || c.Round != 3 || c.Reason != reason || !c.At.Equal(t0.Add(time.Hour)) {
		t.Errorf("rollback change = %+v", c)
	}
	if currentID(t, s) != rs[2].ID {
		t.Fatal("current is not round 3")
	}
	if high, _ := s.MaxRound(); high != 5 {
		t.Errorf("rollback changed the highest round to %d", high)
	}
	// The next version must have a round above 5 and round 3 as parent.
	tests := []struct {
		name string
		p    Params
		want error
	}{
		{"continues from the rolled-back version", params(6, rs[4].ID), ErrFork},
		{"reuses round 4 on the rolled-back-to parent", params(4, rs[2].ID), ErrStale},
		{"reuses round 5", params(5, rs[2].ID), ErrStale},
	}
	for _, tt := range tests {
		p := tt.p
		p.Strategy = "fedprox" // a body that was never accepted
		if _, err := s.Accept(n.sign(t, p), n.verify, t0); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	r6 := n.sign(t, params(6, rs[2].ID))
	mustAccept(t, s, n, r6, t0.Add(2*time.Hour))
	anc, complete, err := s.Lineage(r6.ID)
	if err != nil || !complete || len(anc) != 3 || anc[0].ID != rs[2].ID || anc[2].ID != rs[0].ID {
		t.Errorf("lineage after rollback = %v %v %v", anc, complete, err)
	}
	// Rollback only goes back, to a stored version, for a stated reason.
	rbTests := []struct {
		name   string
		id     ID
		reason string
		want   error
	}{
		{"to the current version", r6.ID, "x", ErrNotEarlier},
		{"to an unknown version", ID{7}, "x", ErrNotFound},
		{"without reason", rs[0].ID, "", ErrInvalid},
		{"with a control character", rs[0].ID, "a\x00b", ErrInvalid},
	}
	for _, tt := range rbTests {
		if _, err := s.Rollback(tt.id, tt.reason, t0); !errors.Is(err, tt.want) {
			t.Errorf("rollback %s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := s.Rollback(rs[0].ID, "x", time.Time{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("rollback at the zero time: %v", err)
	}
	// A newer stored version than the current one is not a rollback.
	if _, err := s.Rollback(rs[0].ID, "x", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rollback(rs[4].ID, "forward again", t0); !errors.Is(err, ErrNotEarlier) {
		t.Errorf("roll forward: %v", err)
	}
	h, err := s.History()
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, c := range h {
		kinds = append(kinds, c.Kind.String())
	}
	if want := "accept accept accept accept accept rollback accept rollback"; strings.Join(kinds, " ") != want {
		t.Errorf("history %v, want %s", kinds, want)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestRetention(t *testing.T) {
	n := newNet(t, 23)
	s, path := openTemp(t, Options{Retain: 3})
	rs := n.chain(t, 6)
	for _, r := range rs[:5] {
		mustAccept(t, s, n, r, t0)
	}
	list, _ := s.List()
	if len(list) != 3 || list[0].Round != 3 || list[2].Round != 5 {
		t.Fatalf("kept %d versions from round %d", len(list), list[0].Round)
	}
	if _, err := s.Get(rs[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("pruned version: %v", err)
	}
	// Retention keeps the newest rounds, also after a rollback: round 6
	// built on round 3 pushes round 3 out.
	if _, err := s.Rollback(rs[2].ID, "roll back to the oldest kept", t0); err != nil {
		t.Fatal(err)
	}
	r6 := n.sign(t, params(6, rs[2].ID))
	mustAccept(t, s, n, r6, t0)
	list, _ = s.List()
	var rounds []uint64
	for _, v := range list {
		rounds = append(rounds, v.Round)
	}
	if !slices.Equal(rounds, []uint64{4, 5, 6}) {
		t.Errorf("kept rounds %v, want [4 5 6]", rounds)
	}
	anc, complete, err := s.Lineage(r6.ID)
	if err != nil || complete || len(anc) != 0 {
		t.Errorf("lineage past a pruned parent = %v %v %v", anc, complete, err)
	}
	// retain never deletes the current version, even the oldest one.
	if err := s.update(func(tx *bolt.Tx) error { return retain(tx, 1, list[0].ID) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.List(); len(got) != 1 || got[0].ID != list[0].ID {
		t.Errorf("retain(1, oldest) kept %d versions", len(got))
	}
	if err := s.update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketMeta)).Put([]byte(keyCurrent), list[0].ID[:])
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	// Reopening with a lower limit prunes at the next acceptance.
	s.Close()
	s, err = Open(path, Options{Retain: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustAccept(t, s, n, n.sign(t, params(7, list[0].ID)), t0)
	mustAccept(t, s, n, n.sign(t, params(8, currentID(t, s))), t0)
	if list, _ := s.List(); len(list) != 1 || list[0].Round != 8 {
		t.Errorf("Retain 1 kept %d versions", len(list))
	}
}

func TestHistoryRetention(t *testing.T) {
	n := newNet(t, 24)
	s, _ := openTemp(t, Options{})
	mustAccept(t, s, n, n.sign(t, params(1, ID{})), t0)
	// Append changes directly: thousands of signed rounds would take
	// seconds and test nothing more.
	total := MaxHistory + 10
	for done := 1; done < total; {
		if err := s.update(func(tx *bolt.Tx) error {
			for i := 0; i < 500 && done < total; i++ {
				if _, err := appendChange(tx, Change{At: t0, Kind: ChangeRollback, Round: 1, Reason: "churn"}); err != nil {
					return err
				}
				done++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	h, err := s.History()
	if err != nil || len(h) != MaxHistory {
		t.Fatalf("history kept %d changes, want %d: %v", len(h), MaxHistory, err)
	}
	if h[len(h)-1].Seq != uint64(total) || h[0].Seq != uint64(total-MaxHistory+1) {
		t.Errorf("history from %d to %d after %d changes", h[0].Seq, h[len(h)-1].Seq, total)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}
