package session

import (
	"slices"
	"testing"
)

func TestSlots(t *testing.T) {
	a, b, c, d := &Session{}, &Session{}, &Session{}, &Session{}
	var sl Slots
	if got := sl.All(); len(got) != 0 {
		t.Fatalf("empty All = %v", got)
	}
	steps := []struct {
		name    string
		do      func() *Session
		evicted *Session
		want    Slots
	}{
		{"first", func() *Session { return sl.Rotate(a) }, nil, Slots{Current: a}},
		{"second", func() *Session { return sl.Rotate(b) }, nil, Slots{Current: b, Previous: a}},
		{"next waits", func() *Session { sl.Next = c; return nil }, nil, Slots{Current: b, Previous: a, Next: c}},
		{"next confirmed", func() *Session { return sl.Rotate(c) }, a, Slots{Current: c, Previous: b}},
		{"remove previous", func() *Session { sl.Remove(b); return nil }, nil, Slots{Current: c}},
		{"fourth", func() *Session { return sl.Rotate(d) }, nil, Slots{Current: d, Previous: c}},
	}
	for _, st := range steps {
		if got := st.do(); got != st.evicted {
			t.Fatalf("%s: evicted %p, want %p", st.name, got, st.evicted)
		}
		if sl != st.want {
			t.Fatalf("%s: slots %+v, want %+v", st.name, sl, st.want)
		}
	}
	if got := sl.All(); !slices.Equal(got, []*Session{d, c}) {
		t.Fatalf("All = %v", got)
	}
	for _, s := range []*Session{nil, a} {
		if sl.Remove(s) {
			t.Fatalf("Remove(%p) reported a slot", s)
		}
	}
	sl.Next = a
	for _, s := range []*Session{a, c, d} {
		if !sl.Remove(s) {
			t.Fatalf("Remove(%p) found nothing", s)
		}
	}
	if sl != (Slots{}) {
		t.Fatalf("slots not empty: %+v", sl)
	}
}
