// Package link measures the links to a node's direct neighbours: whether
// each is alive, its round-trip time, its loss in both directions and the
// cost that routing gives it.
//
// A Table holds one neighbour per peer with a session. Every HelloInterval
// (less a random jitter) it sends each neighbour a Hello carrying a sequence
// number, the sender's timestamp and what the sender has received of that
// neighbour's hellos. The receiver answers every Hello with a HelloAck that
// echoes the sequence number and timestamp and says how long the ack was
// held, so the sender measures RTT = now - echoed send time - hold time, as
// in NTP and the BFD echo function. RTT is smoothed as in RFC 6298.
//
// Receive loss is read from the gaps in the neighbour's hello sequence
// numbers over the last HelloWindow hellos (a late hello fills its gap, a
// duplicate is not counted twice, and a hello that does not arrive in time
// is counted as missed, as in Babel, RFC 8966 appendix A.1). Send loss is
// what the neighbour reports of ours in its hellos. A neighbour is up from
// the first valid ack and down after DeadInterval without a valid hello or
// ack from it.
//
// The cost of an up link is ETX-like (see Cost and docs/link.md):
//
//	ETX  = 1 / (df * dr)
//	cost = round(ETXScale * ETX + SRTT / RTTCostUnit), clamped to [MinCost, MaxCost]
//
// where df and dr are the delivery ratios towards and from the neighbour. A
// down link, or one with a delivery ratio of zero, costs CostInfinity. A new
// cost is reported only when it moves by more than CostHysteresis percent
// from the last one reported.
//
// The Table is a pure state machine: it has no goroutines, reads no clock
// (every call takes the time), and draws its jitter from an injected
// *rand.Rand. It is not safe for concurrent use.
package link
