package session

// replayResult is the verdict of the replay filter on one counter.
type replayResult int

const (
	replayOK        replayResult = iota // first time this counter is seen, inside the window
	replayDuplicate                     // counter already seen
	replayTooOld                        // counter at least ReplayWindowSize below the highest seen
)

// replayFilter is the sliding-window anti-replay filter of RFC 6479, as wireguard-go's
// replay.Filter: a ring of 64-bit blocks indexed by counter, with the window moving forward
// block by block. The zero value is a filter that has seen no counter. It is not safe for
// concurrent use; Session guards it with a mutex.
type replayFilter struct {
	last uint64 // highest counter accepted so far (0 before the first)
	ring [replayRingBlocks]uint64
}

// check reports whether counter is new and inside the window, and records it if so. Counters
// must be below RejectAfterMessages (checked by the caller), so block arithmetic cannot
// overflow.
func (f *replayFilter) check(counter uint64) replayResult {
	block := counter >> replayBlockLog
	if counter > f.last {
		cur := f.last >> replayBlockLog
		diff := block - cur
		if diff > replayRingBlocks {
			diff = replayRingBlocks // clearing the whole ring once is enough
		}
		for i := cur + 1; i <= cur+diff; i++ {
			f.ring[i&(replayRingBlocks-1)] = 0
		}
		f.last = counter
	} else if f.last-counter >= ReplayWindowSize {
		return replayTooOld
	}
	idx := block & (replayRingBlocks - 1)
	bit := uint64(1) << (counter & (replayBlockBits - 1))
	if f.ring[idx]&bit != 0 {
		return replayDuplicate
	}
	f.ring[idx] |= bit
	return replayOK
}
