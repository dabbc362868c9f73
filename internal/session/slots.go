package session

// Slots holds the sessions of one peer the way WireGuard holds a peer's keypairs: the current
// session for sending, the previous one still accepted for receiving until it expires, and a
// responder's next session waiting for the initiator's first frame. It only tracks pointers; the
// caller closes sessions that leave it. It is not safe for concurrent use.
type Slots struct {
	// Current is the session used for sending.
	Current *Session
	// Previous is the session Current replaced; frames still in flight on it are accepted.
	Previous *Session
	// Next is a responder session that is not confirmed yet.
	Next *Session
}

// Rotate makes s the current session and the old current one the previous. If s was Next it leaves
// that slot. It returns the old previous session, which left the slots, or nil.
func (sl *Slots) Rotate(s *Session) (evicted *Session) {
	if sl.Next == s {
		sl.Next = nil
	}
	evicted = sl.Previous
	sl.Previous, sl.Current = sl.Current, s
	return evicted
}

// Remove empties the slot that holds s and reports whether one did.
func (sl *Slots) Remove(s *Session) bool {
	switch {
	case s == nil:
		return false
	case sl.Current == s:
		sl.Current = nil
	case sl.Previous == s:
		sl.Previous = nil
	case sl.Next == s:
		sl.Next = nil
	default:
		return false
	}
	return true
}

// All returns the sessions in the slots — current, previous, next — without empty ones.
func (sl *Slots) All() []*Session {
	out := make([]*Session, 0, 3)
	for _, s := range []*Session{sl.Current, sl.Previous, sl.Next} {
		if s != nil {
			out = append(out, s)
		}
	}
	return out
}
