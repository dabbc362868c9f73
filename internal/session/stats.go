package session

import "sync/atomic"

// Stats is a snapshot of a session's counters. Byte counts are whole frames as sent on the wire
// (header, ciphertext and tag), like WireGuard's rx_bytes and tx_bytes.
type Stats struct {
	// FramesSealed and BytesSealed count the frames Seal produced.
	FramesSealed, BytesSealed uint64
	// FramesOpened and BytesOpened count the frames Open accepted.
	FramesOpened, BytesOpened uint64

	// RejectedMalformed counts frames of a bad size, type or reserved bytes.
	RejectedMalformed uint64
	// RejectedIndex counts frames addressed to another receiver index.
	RejectedIndex uint64
	// RejectedExpired counts frames that arrived after the session expired.
	RejectedExpired uint64
	// RejectedExhausted counts frames whose counter is at or above RejectAfterMessages.
	RejectedExhausted uint64
	// RejectedAuth counts frames that failed authentication.
	RejectedAuth uint64
	// RejectedReplay counts authentic frames whose counter had already been opened.
	RejectedReplay uint64
	// RejectedTooOld counts authentic frames that fell out of the replay window.
	RejectedTooOld uint64
	// RejectedClosed counts frames offered to Open after Close.
	RejectedClosed uint64
}

// Rejected returns the total number of frames Open refused.
func (s Stats) Rejected() uint64 {
	return s.RejectedMalformed + s.RejectedIndex + s.RejectedExpired + s.RejectedExhausted +
		s.RejectedAuth + s.RejectedReplay + s.RejectedTooOld + s.RejectedClosed
}

// stats are the live counters behind Stats.
type stats struct {
	framesSealed, bytesSealed atomic.Uint64
	framesOpened, bytesOpened atomic.Uint64

	rejectedMalformed, rejectedIndex, rejectedExpired, rejectedExhausted atomic.Uint64
	rejectedAuth, rejectedReplay, rejectedTooOld, rejectedClosed         atomic.Uint64
}

// Stats returns a snapshot of the session's counters. Each counter is read atomically; the
// snapshot as a whole is not, so concurrent traffic may be half counted.
func (s *Session) Stats() Stats {
	st := &s.st
	return Stats{
		FramesSealed:      st.framesSealed.Load(),
		BytesSealed:       st.bytesSealed.Load(),
		FramesOpened:      st.framesOpened.Load(),
		BytesOpened:       st.bytesOpened.Load(),
		RejectedMalformed: st.rejectedMalformed.Load(),
		RejectedIndex:     st.rejectedIndex.Load(),
		RejectedExpired:   st.rejectedExpired.Load(),
		RejectedExhausted: st.rejectedExhausted.Load(),
		RejectedAuth:      st.rejectedAuth.Load(),
		RejectedReplay:    st.rejectedReplay.Load(),
		RejectedTooOld:    st.rejectedTooOld.Load(),
		RejectedClosed:    st.rejectedClosed.Load(),
	}
}
