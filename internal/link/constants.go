package link

import "time"

// Wire format.
const (
	// Version is the version of the message format, carried in the high
	// four bits of the first byte of every message.
	Version = 1

	// TypeHello is the first byte of a Hello: Version in the high four bits,
	// message type 1 in the low four.
	TypeHello byte = Version<<4 | 1

	// TypeHelloAck is the first byte of a HelloAck: Version in the high four
	// bits, message type 2 in the low four.
	TypeHelloAck byte = Version<<4 | 2

	// HelloSize is the size of an encoded Hello: type (1), reserved (1),
	// RxCount (1), RxWindow (1), Seq (4) and Timestamp (8).
	HelloSize = 16

	// HelloAckSize is the size of an encoded HelloAck: type (1), reserved
	// (3), Seq (4), Timestamp (8) and Hold in nanoseconds (4).
	HelloAckSize = 20

	// MaxAckHold is the longest hold time a HelloAck may report. An ack held
	// longer says nothing useful about the link.
	MaxAckHold = time.Second
)

// Default timers and RTT smoothing, the values of DefaultConfig.
const (
	// DefaultHelloInterval is the nominal time between two hellos to the
	// same neighbour. Hellos are sent whether or not the link carries data.
	DefaultHelloInterval = 50 * time.Millisecond

	// DefaultHelloJitter is the largest random amount taken off each hello
	// interval, so that neighbours do not synchronise; the actual interval
	// is uniform in [HelloInterval-HelloJitter, HelloInterval].
	DefaultHelloJitter = DefaultHelloInterval / 4

	// DefaultDeadInterval is how long a neighbour may stay silent (no valid
	// hello or ack) before it is declared down: five hello intervals, so a
	// failure is detected within 0.25 s, under the 0.3 s goal.
	DefaultDeadInterval = 250 * time.Millisecond

	// DefaultMinRTT is the lower clamp of an RTT sample.
	DefaultMinRTT = time.Microsecond

	// DefaultMaxRTT is the upper clamp of an RTT sample.
	DefaultMaxRTT = time.Second

	// DefaultRTTAlpha is the gain of the smoothed RTT (RFC 6298 alpha):
	// SRTT = (1-alpha)*SRTT + alpha*R.
	DefaultRTTAlpha = 1.0 / 8

	// DefaultRTTBeta is the gain of the RTT variance (RFC 6298 beta):
	// RTTVAR = (1-beta)*RTTVAR + beta*|SRTT-R|.
	DefaultRTTBeta = 1.0 / 4

	// DefaultCostHysteresis is the change, in percent of the cost last
	// reported, that a new cost must exceed to be reported.
	DefaultCostHysteresis = 10
)

// Limits on Config values, checked by Config.Validate.
const (
	// MinHelloInterval is the shortest HelloInterval accepted.
	MinHelloInterval = time.Millisecond

	// MaxHelloInterval is the longest HelloInterval accepted.
	MaxHelloInterval = 10 * time.Second

	// MinDeadHellos is the least number of hello intervals DeadInterval must
	// span, so that a single lost hello never takes a link down.
	MinDeadHellos = 2

	// MaxDeadInterval is the longest DeadInterval accepted.
	MaxDeadInterval = time.Minute

	// MaxCostHysteresis is the largest CostHysteresis accepted, in percent.
	MaxCostHysteresis = 100
)

// Loss estimation.
const (
	// HelloWindow is the number of most recent hellos over which the
	// delivery ratio of each direction is measured (the width of the
	// receive bitmap, like the 16-bit history of Babel).
	HelloWindow = 32

	// SentHistory is how many of its most recent hellos a Table remembers
	// per neighbour to match acks against; an ack for an older hello is
	// refused.
	SentHistory = 32

	// SeqRestartGap is how far a hello's sequence number may be from the
	// highest one received before the neighbour is taken to have restarted
	// and its receive history is started again.
	SeqRestartGap = 1024

	// missGraceDivisor sets how late a hello may be before it is counted as
	// missed: HelloInterval + HelloInterval/missGraceDivisor after the last
	// one, and then every HelloInterval.
	missGraceDivisor = 2
)

// Link cost.
const (
	// ETXScale is the cost of a perfect link's ETX of 1.
	ETXScale = 256

	// RTTCostUnit is the smoothed RTT that adds one unit of cost.
	RTTCostUnit = time.Millisecond

	// MinCost is the lowest cost of a usable link: a perfect link with no
	// delay.
	MinCost uint16 = ETXScale

	// MaxCost is the highest cost of a usable link.
	MaxCost uint16 = 0xFFFE

	// CostInfinity is the cost of an unusable link: down, or with a delivery
	// ratio of zero in one direction.
	CostInfinity uint16 = 0xFFFF
)

// Events.
const (
	// MaxPendingEvents is how many events a Table queues until Events is
	// called; when the queue is full the oldest event is dropped (Stats
	// always tells the current state).
	MaxPendingEvents = 1024
)
