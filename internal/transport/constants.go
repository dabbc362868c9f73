package transport

// MaxDatagramSize is the largest datagram WriteTo accepts and the buffer size ReadFrom callers
// should use: the largest value of the UDP length field. Real paths carry less (IPv4 limits a
// UDP payload to 65507 bytes), and the kernel refuses what does not fit with its own error.
const MaxDatagramSize = 65535

// MaxBatchSize is the most datagrams one ReadBatch or WriteBatch system call moves; longer
// batches are split (WriteBatch) or shortened (ReadBatch). wireguard-go's IdealBatchSize is 128;
// 64 keeps the kernel's per-call iovec and address arrays small while already amortising the
// system call over a congestion window's worth of 1,400-byte frames.
const MaxBatchSize = 64

// UDP generic segmentation offload (Linux): WriteBatch hands the kernel a run of equal-sized
// datagrams to one destination as one buffer, which it cuts into those datagrams (the receiver
// sees ordinary datagrams). The wire format is unchanged.
const (
	// gsoMaxSegments is the most datagrams in one offloaded buffer (the kernel's UDP_MAX_SEGMENTS is
	// 64 before Linux 6.8 and 128 after).
	gsoMaxSegments = 64
	// gsoMaxSegment is the largest datagram offloaded: an IPv6 packet of 1,500 bytes (the Ethernet
	// MTU) less its IPv6 and UDP headers, so that no segment exceeds a common MTU (the kernel
	// refuses segments larger than the path's). Larger datagrams are sent one by one.
	gsoMaxSegment = 1500 - 40 - 8
	// gsoMaxBytes bounds one offloaded buffer: the largest UDP payload over IPv6, less slack.
	gsoMaxBytes = 65000
)
