package route

// seqnoHalf is 2^15: sequence numbers closer than this are ordered, farther ones are not.
const seqnoHalf = 1 << 15

// seqnoLess reports whether a is older than b in the modular order of RFC 8966 §3.2.1:
// 0 < (b - a) mod 2^16 < 2^15. Two numbers exactly 2^15 apart are unordered.
func seqnoLess(a, b uint16) bool {
	d := b - a
	return d != 0 && d < seqnoHalf
}

// seqnoNewer reports whether a is newer than b.
func seqnoNewer(a, b uint16) bool { return seqnoLess(b, a) }

// addMetric returns cost + metric, saturating at Infinity. An infinite operand gives Infinity.
func addMetric(cost, metric uint16) uint16 {
	if cost == Infinity || metric == Infinity {
		return Infinity
	}
	s := uint32(cost) + uint32(metric)
	if s >= Infinity {
		return Infinity
	}
	return uint16(s)
}

// feasibility is a feasibility distance (RFC 8966 §3.5.1): the best (seqno, metric) pair this
// router has advertised for a source since the seqno last changed.
type feasibility struct {
	seqno  uint16
	metric uint16
}

// admits reports whether an update (seqno, metric) is feasible against the distance fd:
// a retraction always is; otherwise the seqno must be newer, or equal with a strictly smaller
// metric.
func (fd feasibility) admits(seqno, metric uint16) bool {
	if metric == Infinity {
		return true
	}
	return seqnoNewer(seqno, fd.seqno) || seqno == fd.seqno && metric < fd.metric
}

// lower updates fd after the router advertised (seqno, metric), a finite metric: a newer seqno
// replaces the distance, the same seqno with a smaller metric lowers it.
func (fd *feasibility) lower(seqno, metric uint16) {
	if seqnoNewer(seqno, fd.seqno) || seqno == fd.seqno && metric < fd.metric {
		fd.seqno, fd.metric = seqno, metric
	}
}
