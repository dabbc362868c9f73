package demo

import "time"

// Defaults of Options.
const (
	// DefaultNodes is the size of the demo mesh.
	DefaultNodes = 25
	// DefaultChaosEvery is how often a fault is injected.
	DefaultChaosEvery = 20 * time.Second
	// DefaultTrafficRate is the application datagrams per second sent
	// between random pairs of running nodes (all pairs together), so that
	// routes carry traffic and a grayhole has something to drop.
	DefaultTrafficRate = 20
)

// Pacing.
const (
	// StepInterval is how often Run advances the simulation to the wall
	// clock.
	StepInterval = 25 * time.Millisecond
	// MaxLag is the most virtual time one Advance catches up; when the
	// simulation falls further behind the wall clock (a busy machine),
	// the rest is skipped, so the mesh slows down rather than racing.
	MaxLag = 250 * time.Millisecond
	// ConvergeLimit is how much virtual time New allows for every node to
	// have a route to every other before the demo starts.
	ConvergeLimit = 30 * time.Second
	// IncidentPoll is how often, in virtual time, new incidents are looked
	// for and logged.
	IncidentPoll = time.Second
	// DatagramSize is the size of a demo traffic datagram.
	DatagramSize = 64
)

// Chaos.
const (
	// FirstFault is how long after the start the first fault comes (or
	// ChaosEvery, when that is shorter).
	FirstFault = 5 * time.Second
	// MaxFaultHold is the longest a fault lasts before it is reverted; a
	// fault lasts half of ChaosEvery up to this, so faults never overlap.
	MaxFaultHold = 10 * time.Second
	// MinChaosEvery is the shortest chaos period accepted.
	MinChaosEvery = time.Second
	// FlapPeriod is the period of a flapping link: down for half of it, up
	// for the other half.
	FlapPeriod = 2 * time.Second
	// GrayholeFraction is the fraction of transit packets a grayhole drops.
	GrayholeFraction = 0.5
	// BusyCandidates is how many of the busiest relays a crash or grayhole
	// target is drawn from, so that the demo does not always hit the same
	// node.
	BusyCandidates = 3
	// MaxFaults is how many faults the demo remembers for Status.
	MaxFaults = 64
	// MaxStatusIncidents is how many of the newest incidents Status lists.
	MaxStatusIncidents = 200
)

// purposeDemo seeds the demo's own random choices (traffic pairs, fault
// targets) with the simulation's seed, apart from the simulator's streams.
const purposeDemo uint64 = 0x64656d6f00000000 // "demo"
