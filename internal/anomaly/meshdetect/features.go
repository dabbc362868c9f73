package meshdetect

import "math"

// Offsets of the blocks of a feature vector (NodeFeatures).
const (
	offSelf     = 1
	offInbound  = offSelf + NumSelfFeatures
	offOutbound = offInbound + linkBlock
	// linkBlock is a known flag, log1p of the number of views, their mean and their maximum.
	linkBlock = 2 + 2*NumLinkFeatures
)

// NodeFeatures is the one function that turns telemetry into a model input, used for training
// and for inference alike. self is the node's own summary, or nil when whoever computes the
// features cannot know it (a neighbour seen from outside). inbound are measurements of the node
// made by its neighbours (nil: unknown), outbound the node's own measurements of its neighbours
// (nil: unknown). The vector is
//
//	0 self known (1/0)        1..13 self (zeros when unknown)
//	14 inbound known          15 log1p len(inbound)    16..29 mean    30..43 maximum
//	44 outbound known         45 log1p len(outbound)   46..59 mean    60..73 maximum
//
// so link measurements enter the model folded into the nodes at either end (mean and maximum
// over incident links), and GraphSAGE's aggregation then mixes them across the graph. In the
// mesh-wide graph every block is known; in a local graph the centre knows self and outbound, a
// leaf only its one inbound view.
func NodeFeatures(self *SelfView, inbound, outbound []LinkView) [NumFeatures]float64 {
	var f [NumFeatures]float64
	if self != nil {
		f[0] = 1
		copy(f[offSelf:offSelf+NumSelfFeatures], self[:])
	}
	linkSummary(f[offInbound:offInbound+linkBlock], inbound)
	linkSummary(f[offOutbound:offOutbound+linkBlock], outbound)
	return f
}

// linkSummary fills one link block from views; a nil views leaves it zero (unknown).
func linkSummary(dst []float64, views []LinkView) {
	if views == nil {
		return
	}
	dst[0] = 1
	dst[1] = math.Log1p(float64(len(views)))
	if len(views) == 0 {
		return
	}
	mean := dst[2 : 2+NumLinkFeatures]
	mx := dst[2+NumLinkFeatures:]
	for j := range mx {
		mx[j] = math.Inf(-1)
	}
	for _, l := range views {
		for j, x := range l {
			mean[j] += x
			mx[j] = math.Max(mx[j], x)
		}
	}
	for j := range mean {
		mean[j] /= float64(len(views))
	}
}
