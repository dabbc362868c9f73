// Package chaos runs fault scenarios against the simulator (internal/sim)
// with every node's self-healing agent on, and measures how the mesh and
// its MAPE-K loops cope: time to detect (MTTD) and to repair (MTTR) each
// injected fault, the delivery ratio of probe traffic before, during and
// after the faults, the healing actions taken and those that were false
// positives, forwarding loops left after convergence, and the time to full
// reachability after a partition heals.
//
// A scenario is a pure function of the sim.Options (which carry the seed)
// and the Params: the same inputs give the same Report, byte for byte in
// JSON, except WallTime, the real time the run took.
//
// Probe traffic: every ProbeInterval of virtual time, each sampled pair
// (src, dst) whose ends are running and connected in the surviving graph
// sends a datagram on its end-to-end session. A fault's MTTR is the time
// from its onset until every probed pair still connected delivers again:
// for each pair, the delivery of the first datagram sent after its last
// loss in the fault's window (zero for a pair that lost nothing).
package chaos
