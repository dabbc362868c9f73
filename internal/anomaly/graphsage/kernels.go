package graphsage

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
)

// sparseMat is a matrix in compressed sparse row form with explicit values.
type sparseMat struct {
	rows, cols int
	rowPtr     []int
	col        []int
	val        []float64
}

// input is a layer's input matrix: sparse for sparse features, dense (row-major) otherwise.
type input struct {
	rows, cols int
	sparse     *sparseMat
	dense      []float64
}

// mul sets dst (the first rows × n values) to the first rows rows of the input times w (cols × n).
// Dense products go to gonum's BLAS; sparse ones to a CSR loop whose cost is nnz·n.
func (in input) mul(w []float64, n int, dst []float64, rows int) {
	dst = dst[:rows*n]
	if in.sparse == nil {
		gemm(blas.NoTrans, blas.NoTrans, rows, n, in.cols, in.dense, in.cols, w, n, 0, dst, n)
		return
	}
	s := in.sparse
	clear(dst)
	for i := 0; i < rows; i++ {
		d := dst[i*n : (i+1)*n]
		for e := s.rowPtr[i]; e < s.rowPtr[i+1]; e++ {
			j := s.col[e]
			floats.AddScaled(d, s.val[e], w[j*n:(j+1)*n])
		}
	}
}

// mulTAcc adds the transpose of the first rows rows of the input times dp (rows × n) to dw (cols × n).
func (in input) mulTAcc(dp []float64, n int, dw []float64, rows int) {
	if in.sparse == nil {
		gemm(blas.Trans, blas.NoTrans, in.cols, n, rows, in.dense, in.cols, dp, n, 1, dw, n)
		return
	}
	s := in.sparse
	for i := 0; i < rows; i++ {
		d := dp[i*n : (i+1)*n]
		for e := s.rowPtr[i]; e < s.rowPtr[i+1]; e++ {
			j := s.col[e]
			floats.AddScaled(dw[j*n:(j+1)*n], s.val[e], d)
		}
	}
}

// gemm computes c = a·b + beta·c on row-major matrices through gonum's BLAS, skipping empty products.
func gemm(tA, tB blas.Transpose, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		if beta == 0 {
			clear(c[:m*ldc])
		}
		return
	}
	blas64.Implementation().Dgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
}

// grow returns buf resliced to n values, reallocating if its capacity is too small. The content is
// unspecified.
func grow(buf []float64, n int) []float64 {
	if cap(buf) < n {
		return make([]float64, n)
	}
	return buf[:n]
}

func growInts(buf []int, n int) []int {
	if cap(buf) < n {
		return make([]int, n)
	}
	return buf[:n]
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// softmax writes the softmax of z into p.
func softmax(z, p []float64) {
	zmax := floats.Max(z)
	sum := 0.0
	for i, x := range z {
		p[i] = math.Exp(x - zmax)
		sum += p[i]
	}
	floats.Scale(1/sum, p)
}

// nodeLoss returns the loss of one node's logits z for label y and the predicted class. If dz is not
// nil it receives scale times the gradient of the loss with respect to z.
func nodeLoss(head Head, z []float64, y int, dz []float64, scale float64) (loss float64, pred int) {
	if head == HeadBinary {
		x := z[0]
		t := float64(y)
		// Stable binary cross-entropy with logits: max(x,0) - x·t + log(1+e^-|x|).
		loss = math.Max(x, 0) - x*t + math.Log1p(math.Exp(-math.Abs(x)))
		if dz != nil {
			dz[0] = scale * (sigmoid(x) - t)
		}
		if x > 0 {
			pred = 1
		}
		return loss, pred
	}
	zmax := math.Inf(-1)
	for i, x := range z {
		if x > zmax {
			zmax, pred = x, i
		}
	}
	sum := 0.0
	for _, x := range z {
		sum += math.Exp(x - zmax)
	}
	lse := zmax + math.Log(sum)
	loss = lse - z[y]
	if dz != nil {
		for i, x := range z {
			dz[i] = scale * math.Exp(x-lse)
		}
		dz[y] -= scale
	}
	return loss, pred
}
