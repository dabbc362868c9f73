package memnet

// Limits of the in-memory network.
const (
	// DefaultQueueLen is the receive queue of each Conn, in datagrams, when Options.QueueLen is
	// zero: about a small socket buffer's worth of 1400-byte frames.
	DefaultQueueLen = 256

	// MaxQueueLen bounds Options.QueueLen, so that one Conn holds at most
	// MaxQueueLen * transport.MaxDatagramSize bytes (256 MiB) even when every datagram is maximal.
	MaxQueueLen = 4096

	// EphemeralPortFirst and EphemeralPortLast delimit the ports Listen assigns for port 0: the
	// IANA dynamic range, as most operating systems use.
	EphemeralPortFirst = 49152
	// EphemeralPortLast is the last port of the ephemeral range.
	EphemeralPortLast = 65535
)
