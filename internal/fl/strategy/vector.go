package strategy

// weightedSum sets dst to sum_i w[i]*ups[i].Vector.
func weightedSum(dst []float64, ups []Update, w []float64) {
	clear(dst)
	for i, u := range ups {
		axpy(dst, w[i], u.Vector)
	}
}

// mean sets dst to the unweighted mean of the vectors of ups[i] for each i
// in idx.
func mean(dst []float64, ups []Update, idx []int) {
	clear(dst)
	for _, i := range idx {
		axpy(dst, 1, ups[i].Vector)
	}
	scale(dst, 1/float64(len(idx)))
}

// axpy sets dst += a*x.
func axpy(dst []float64, a float64, x []float64) {
	x = x[:len(dst)]
	for j := range dst {
		dst[j] += a * x[j]
	}
}

// scale sets v *= a.
func scale(v []float64, a float64) {
	for j := range v {
		v[j] *= a
	}
}

// sqDist returns the squared Euclidean distance between a and b, which
// have the same length.
func sqDist(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1 float64
	j := 0
	for ; j+1 < len(a); j += 2 {
		d0 := a[j] - b[j]
		d1 := a[j+1] - b[j+1]
		s0 += d0 * d0
		s1 += d1 * d1
	}
	if j < len(a) {
		d := a[j] - b[j]
		s0 += d * d
	}
	return s0 + s1
}

// addGlobal adds global to delta in place and returns delta.
func addGlobal(delta, global []float64) []float64 {
	global = global[:len(delta)]
	for j := range delta {
		delta[j] += global[j]
	}
	return delta
}

// column copies coordinate j of every update into col.
func column(col []float64, ups []Update, j int) {
	for i := range ups {
		col[i] = ups[i].Vector[j]
	}
}
