package fault

import "time"

// Limits of the delay queue (SetDelay).
const (
	// MaxDelay bounds the delay SetDelay accepts: a longer one is clamped to it.
	MaxDelay = 10 * time.Second
	// MaxDelayedDatagrams bounds the datagrams waiting in the delay queue; a datagram sent while
	// it is full is dropped and counted in Stats.QueueDrops.
	MaxDelayedDatagrams = 4096
	// MaxDelayedBytes bounds the bytes waiting in the delay queue, so that large datagrams cannot
	// hold more than this much memory; a datagram that would exceed it is dropped and counted in
	// Stats.QueueDrops.
	MaxDelayedBytes = 4 << 20
)
