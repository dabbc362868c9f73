package obfs

import (
	"container/list"
	"sync"
)

// replayFilter remembers, for each of at most MaxSenders sender IDs, which counters it has
// accepted: a ring of replayBlocks 64-bit blocks as in RFC 6479 and wireguard-go. A sender that is
// forgotten (least recently heard first) could have its old datagrams replayed, so the filter keeps
// the newest timestamp ever accepted from a forgotten sender and refuses unknown senders that are
// not newer: a replayed datagram of a forgotten sender is never newer than that.
type replayFilter struct {
	mu      sync.Mutex
	senders map[uint64]*list.Element // of *senderWindow
	lru     list.List                // most recently heard at the front
	horizon int64                    // newest timestamp (ms) accepted from a forgotten sender
}

// senderWindow is the replay state of one sender ID.
type senderWindow struct {
	id     uint64
	newest int64 // newest timestamp accepted
	top    uint64
	ring   [replayBlocks]uint64
}

func newReplayFilter() *replayFilter {
	return &replayFilter{senders: make(map[uint64]*list.Element), horizon: -1 << 63}
}

// accept reports whether the datagram (sender, counter) sent at millis is new, and records it.
func (f *replayFilter) accept(sender, counter uint64, millis int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if e, ok := f.senders[sender]; ok {
		w := e.Value.(*senderWindow)
		if !w.check(counter) {
			return false
		}
		w.newest = max(w.newest, millis)
		f.lru.MoveToFront(e)
		return true
	}
	if millis <= f.horizon {
		return false
	}
	if len(f.senders) >= MaxSenders {
		old := f.lru.Remove(f.lru.Back()).(*senderWindow)
		delete(f.senders, old.id)
		f.horizon = max(f.horizon, old.newest)
	}
	w := &senderWindow{id: sender, newest: millis, top: counter}
	w.check(counter)
	f.senders[sender] = f.lru.PushFront(w)
	return true
}

// len returns the number of senders remembered.
func (f *replayFilter) len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.senders)
}

// check accepts counter once if it is within ReplayWindow of the highest counter seen.
func (w *senderWindow) check(counter uint64) bool {
	if counter > w.top {
		cur, next := w.top/64, counter/64
		for i := uint64(1); i <= min(next-cur, replayBlocks); i++ {
			w.ring[(cur+i)%replayBlocks] = 0
		}
		w.top = counter
	} else if w.top-counter > ReplayWindow {
		return false
	}
	i, bit := (counter/64)%replayBlocks, uint64(1)<<(counter%64)
	if w.ring[i]&bit != 0 {
		return false
	}
	w.ring[i] |= bit
	return true
}
