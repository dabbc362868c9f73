package graphsage

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/floats"
)

// layerState holds the activations of one layer in one pass, kept for the backward pass.
type layerState struct {
	in   input
	sx   sparseMat // storage of a sparse first-layer input
	x    []float64 // storage of a dense input: gathered features, or the previous layer's output after dropout
	mask []float64 // dropout mask of a dense hidden input (nil without dropout)
	p    []float64 // input times the weights, nSrc rows
	q    []float64 // pool: ReLU(input·W_pool + b_pool), nSrc × pool
	m    []float64 // pool: per-coordinate maximum over neighbours, nDst × pool
	arg  []int     // pool: source row of each maximum, -1 for none
	z    []float64 // pre-activation, nDst × out
	h    []float64 // output: ReLU (and L2 normalisation) of z, or z itself in the last layer
	norm []float64 // L2 normalisation divisors, one per row
	dz   []float64 // gradient with respect to z
}

// workspace holds the buffers of forward and backward passes and is reused between them.
type workspace struct {
	layers []layerState
	dp, dq []float64
	dm, dx []float64
}

// forward runs the model over batch b and returns the last layer's output, one row per target.
// With dropout > 0, inputs are dropped using rng (training mode).
func (m *Model) forward(g *Graph, b *batch, ws *workspace, dropout float64, rng *rand.Rand) []float64 {
	nl := len(m.shapes)
	if len(ws.layers) != nl {
		ws.layers = make([]layerState, nl)
	}
	for k, s := range m.shapes {
		st := &ws.layers[k]
		if k == 0 {
			st.in = st.featureInput(g.x, b.nodes[0], m.arch.RowNormalize, dropout, rng)
		} else {
			st.in = st.hiddenInput(ws.layers[k-1].h, b.blocks[k].nSrc, s.in, dropout, rng)
		}
		m.layerForward(s, s.view(m.params), &b.blocks[k], st, k == nl-1)
	}
	return ws.layers[nl-1].z
}

// featureInput gathers the feature rows of nodes, scaled to unit L1 norm if rowNorm, with dropout.
func (st *layerState) featureInput(x *Features, nodes []int, rowNorm bool, dropout float64, rng *rand.Rand) input {
	keep := 1 / (1 - dropout)
	scaleOf := func(v int) float64 {
		if !rowNorm {
			return 1
		}
		if s := x.rowL1(v); s > 0 {
			return 1 / s
		}
		return 0
	}
	if x.dense != nil {
		c := x.cols
		st.x = grow(st.x, len(nodes)*c)
		for i, v := range nodes {
			row := st.x[i*c : (i+1)*c]
			floats.ScaleTo(row, scaleOf(v), x.dense[v*c:(v+1)*c])
			if dropout > 0 {
				for j := range row {
					if rng.Float64() < dropout {
						row[j] = 0
					} else {
						row[j] *= keep
					}
				}
			}
		}
		return input{rows: len(nodes), cols: c, dense: st.x}
	}
	s := &st.sx
	s.rows, s.cols = len(nodes), x.cols
	s.rowPtr = append(s.rowPtr[:0], 0)
	s.col, s.val = s.col[:0], s.val[:0]
	for _, v := range nodes {
		scale := scaleOf(v)
		lo, hi := x.rowPtr[v], x.rowPtr[v+1]
		for e := lo; e < hi; e++ {
			val := scale
			if x.val != nil {
				val *= x.val[e]
			}
			if dropout > 0 {
				if rng.Float64() < dropout {
					continue // a dropped entry is simply not stored
				}
				val *= keep
			}
			s.col = append(s.col, x.colIdx[e])
			s.val = append(s.val, val)
		}
		s.rowPtr = append(s.rowPtr, len(s.col))
	}
	return input{rows: s.rows, cols: s.cols, sparse: s}
}

// hiddenInput is the previous layer's output h (rows × cols), with dropout.
func (st *layerState) hiddenInput(h []float64, rows, cols int, dropout float64, rng *rand.Rand) input {
	h = h[:rows*cols]
	if dropout == 0 {
		st.mask = st.mask[:0]
		return input{rows: rows, cols: cols, dense: h}
	}
	keep := 1 / (1 - dropout)
	st.x = grow(st.x, len(h))
	st.mask = grow(st.mask, len(h))
	for i, v := range h {
		if rng.Float64() < dropout {
			st.mask[i] = 0
		} else {
			st.mask[i] = keep
		}
		st.x[i] = v * st.mask[i]
	}
	return input{rows: rows, cols: cols, dense: st.x}
}

// layerForward computes z and h of one layer from st.in.
func (m *Model) layerForward(s layerShape, pv layerView, blk *block, st *layerState, last bool) {
	nSrc, nDst, out := blk.nSrc, blk.nDst, s.out
	st.z = grow(st.z, nDst*out)
	switch s.agg {
	case AggregatorMean:
		pw := 2 * out
		st.p = grow(st.p, nSrc*pw)
		st.in.mul(pv.w, pw, st.p, nSrc)
		for v := 0; v < nDst; v++ {
			zv := st.z[v*out : (v+1)*out]
			floats.AddTo(zv, st.p[v*pw:v*pw+out], pv.b)
			for e := blk.rowPtr[v]; e < blk.rowPtr[v+1]; e++ {
				u := blk.col[e]
				floats.AddScaled(zv, blk.w[e], st.p[u*pw+out:(u+1)*pw])
			}
		}
	case AggregatorGCN:
		st.p = grow(st.p, nSrc*out)
		st.in.mul(pv.w, out, st.p, nSrc)
		for v := 0; v < nDst; v++ {
			zv := st.z[v*out : (v+1)*out]
			copy(zv, pv.b)
			floats.AddScaled(zv, blk.selfW[v], st.p[v*out:(v+1)*out])
			for e := blk.rowPtr[v]; e < blk.rowPtr[v+1]; e++ {
				u := blk.col[e]
				floats.AddScaled(zv, blk.w[e], st.p[u*out:(u+1)*out])
			}
		}
	case AggregatorPool:
		pd := s.pool
		st.q = grow(st.q, nSrc*pd)
		st.in.mul(pv.wp, pd, st.q, nSrc)
		for u := 0; u < nSrc; u++ {
			row := st.q[u*pd : (u+1)*pd]
			floats.Add(row, pv.bp)
			for j, x := range row {
				row[j] = math.Max(x, 0)
			}
		}
		st.m = grow(st.m, nDst*pd)
		st.arg = growInts(st.arg, nDst*pd)
		for v := 0; v < nDst; v++ {
			mv, av := st.m[v*pd:(v+1)*pd], st.arg[v*pd:(v+1)*pd]
			lo, hi := blk.rowPtr[v], blk.rowPtr[v+1]
			if lo == hi {
				clear(mv)
				for j := range av {
					av[j] = -1
				}
				continue
			}
			u := blk.col[lo]
			copy(mv, st.q[u*pd:(u+1)*pd])
			for j := range av {
				av[j] = u
			}
			for e := lo + 1; e < hi; e++ {
				u := blk.col[e]
				for j, x := range st.q[u*pd : (u+1)*pd] {
					if x > mv[j] {
						mv[j], av[j] = x, u
					}
				}
			}
		}
		st.in.mul(pv.w, out, st.z, nDst)
		gemm(blas.NoTrans, blas.NoTrans, nDst, out, pd, st.m, pd, pv.wn, out, 1, st.z, out)
		for v := 0; v < nDst; v++ {
			floats.Add(st.z[v*out:(v+1)*out], pv.b)
		}
	}
	if last {
		st.h = st.z
		return
	}
	st.h = grow(st.h, nDst*out)
	for i, x := range st.z[:nDst*out] {
		st.h[i] = math.Max(x, 0)
	}
	if m.arch.Normalize {
		st.norm = grow(st.norm, nDst)
		for v := 0; v < nDst; v++ {
			row := st.h[v*out : (v+1)*out]
			n := math.Max(floats.Norm(row, 2), normEpsilon)
			st.norm[v] = n
			floats.Scale(1/n, row)
		}
	}
}

// backward propagates dz, the gradient of the loss with respect to the last layer's output (one row
// per target), through the pass that forward last ran on b, adding the parameter gradients to grad.
func (m *Model) backward(b *batch, ws *workspace, dz []float64, grad []float64) {
	nl := len(m.shapes)
	ws.layers[nl-1].dz = dz
	for k := nl - 1; k >= 0; k-- {
		s := m.shapes[k]
		st := &ws.layers[k]
		blk := &b.blocks[k]
		m.layerBackward(s, s.view(m.params), s.view(grad), blk, st, ws, k > 0)
		if k == 0 {
			break
		}
		// ws.dx is the gradient with respect to this layer's input: the previous layer's output h
		// after dropout. Undo dropout, then L2 normalisation and ReLU of the previous layer.
		prev := &ws.layers[k-1]
		rows, cols := blk.nSrc, s.in
		dh := ws.dx[:rows*cols]
		if len(st.mask) > 0 {
			floats.Mul(dh, st.mask[:rows*cols])
		}
		if m.arch.Normalize {
			for v := 0; v < rows; v++ {
				hv, gv := prev.h[v*cols:(v+1)*cols], dh[v*cols:(v+1)*cols]
				floats.AddScaled(gv, -floats.Dot(hv, gv), hv)
				floats.Scale(1/prev.norm[v], gv)
			}
		}
		prev.dz = grow(prev.dz, rows*cols)
		for i, x := range prev.z[:rows*cols] {
			if x > 0 {
				prev.dz[i] = dh[i]
			} else {
				prev.dz[i] = 0
			}
		}
	}
}

// layerBackward adds the gradients of one layer's parameters to gv and, if needDX, leaves the
// gradient with respect to the layer's input in ws.dx.
func (m *Model) layerBackward(s layerShape, pv, gv layerView, blk *block, st *layerState, ws *workspace, needDX bool) {
	nSrc, nDst, out := blk.nSrc, blk.nDst, s.out
	dz := st.dz[:nDst*out]
	for v := 0; v < nDst; v++ {
		floats.Add(gv.b, dz[v*out:(v+1)*out])
	}
	if needDX {
		ws.dx = grow(ws.dx, nSrc*s.in)
	}
	switch s.agg {
	case AggregatorMean, AggregatorGCN:
		pw := out
		if s.agg == AggregatorMean {
			pw = 2 * out
		}
		ws.dp = grow(ws.dp, nSrc*pw)
		clear(ws.dp)
		for v := 0; v < nDst; v++ {
			dzv := dz[v*out : (v+1)*out]
			if s.agg == AggregatorMean {
				copy(ws.dp[v*pw:v*pw+out], dzv)
			} else {
				floats.AddScaled(ws.dp[v*pw:v*pw+out], blk.selfW[v], dzv)
			}
			off := pw - out // neighbour columns: [out, 2·out) for mean, [0, out) for gcn
			for e := blk.rowPtr[v]; e < blk.rowPtr[v+1]; e++ {
				u := blk.col[e]
				floats.AddScaled(ws.dp[u*pw+off:(u+1)*pw], blk.w[e], dzv)
			}
		}
		st.in.mulTAcc(ws.dp, pw, gv.w, nSrc)
		if needDX {
			gemm(blas.NoTrans, blas.Trans, nSrc, s.in, pw, ws.dp, pw, pv.w, pw, 0, ws.dx, s.in)
		}
	case AggregatorPool:
		pd := s.pool
		st.in.mulTAcc(dz, out, gv.w, nDst)
		gemm(blas.Trans, blas.NoTrans, pd, out, nDst, st.m, pd, dz, out, 1, gv.wn, out)
		ws.dm = grow(ws.dm, nDst*pd)
		gemm(blas.NoTrans, blas.Trans, nDst, pd, out, dz, out, pv.wn, out, 0, ws.dm, pd)
		ws.dq = grow(ws.dq, nSrc*pd)
		clear(ws.dq)
		for i, a := range st.arg[:nDst*pd] {
			if a >= 0 {
				ws.dq[a*pd+i%pd] += ws.dm[i]
			}
		}
		for i, x := range st.q[:nSrc*pd] {
			if x <= 0 {
				ws.dq[i] = 0
			}
		}
		for u := 0; u < nSrc; u++ {
			floats.Add(gv.bp, ws.dq[u*pd:(u+1)*pd])
		}
		st.in.mulTAcc(ws.dq, pd, gv.wp, nSrc)
		if needDX {
			gemm(blas.NoTrans, blas.Trans, nSrc, s.in, pd, ws.dq, pd, pv.wp, pd, 0, ws.dx, s.in)
			gemm(blas.NoTrans, blas.Trans, nDst, s.in, out, dz, out, pv.w, out, 1, ws.dx, s.in)
		}
	}
}

// lossGrad returns the mean loss of logits over the targets of b and writes its gradient into dz.
func lossGrad(arch Architecture, g *Graph, targets []int, logits, dz []float64) float64 {
	od := arch.outDim()
	scale := 1 / float64(len(targets))
	total := 0.0
	for i, v := range targets {
		l, _ := nodeLoss(arch.Head, logits[i*od:(i+1)*od], g.Label(v), dz[i*od:(i+1)*od], scale)
		total += l
	}
	return total * scale
}
