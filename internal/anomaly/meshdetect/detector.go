package meshdetect

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/graphsage"
)

// Detector is a trained mesh anomaly classifier: the feature standardisation learnt on the
// training rows and a GraphSAGE model with a softmax over the NumClasses classes. It is safe for
// concurrent use.
type Detector struct {
	mean, std [NumFeatures]float64
	model     *graphsage.Model
}

// TrainOptions configure Train.
type TrainOptions struct {
	// Config is the GraphSAGE configuration; its Head must be HeadSoftmax.
	Config graphsage.Config
	// NormalRatio is how many normal rows the training and validation splits keep per anomalous
	// row of the average fault class (the rest are left out, so that the normal class does not
	// swamp the loss); 0 keeps every normal row.
	NormalRatio float64
	// Seed drives the normal-row subsampling and graphsage.Train.
	Seed uint64
}

// DefaultTrainOptions returns the options the documented table was made with: GraphSAGE-mean,
// 2 layers of 64, no row normalisation (the features are standardised instead), dropout 0.2,
// Adam at 0.01 with weight decay 5e-4, at most 400 full-batch epochs with patience 60, and 3
// normal rows per fault-class row.
func DefaultTrainOptions() TrainOptions {
	cfg := graphsage.DefaultConfig()
	cfg.Aggregator = graphsage.AggregatorMean
	cfg.Hidden = 64
	cfg.RowNormalize = false
	cfg.Dropout = 0.2
	cfg.Epochs = 400
	cfg.Patience = 60
	return TrainOptions{Config: cfg, NormalRatio: 3, Seed: 1}
}

// Train fits a Detector on the mesh-wide and local graphs of the train frames, choosing the epoch
// by accuracy on the (likewise balanced) rows of the val frames.
func Train(ctx context.Context, train, val []Frame, opt TrainOptions) (*Detector, graphsage.TrainReport, error) {
	if opt.Config.Head != graphsage.HeadSoftmax {
		return nil, graphsage.TrainReport{}, fmt.Errorf("%w: the detector needs the softmax head", ErrInvalidSpec)
	}
	if !(opt.NormalRatio >= 0) || math.IsInf(opt.NormalRatio, 0) {
		return nil, graphsage.TrainReport{}, fmt.Errorf("%w: NormalRatio %v", ErrInvalidSpec, opt.NormalRatio)
	}
	if len(train) == 0 || len(val) == 0 {
		return nil, graphsage.TrainReport{}, fmt.Errorf("%w: training needs train and validation frames", ErrEmptyDataset)
	}
	var r rows
	for fi := range train {
		r.addMesh(train, fi)
		r.addLocal(train, fi)
	}
	nTrain := len(r.x)
	for fi := range val {
		r.addMesh(val, fi)
		r.addLocal(val, fi)
	}
	d := &Detector{}
	d.fit(r.x[:nTrain])
	rng := rand.New(rand.NewPCG(opt.Seed, purposeFaults))
	all := r.all()
	split := graphsage.Split{Train: balance(&r, all[:nTrain], opt.NormalRatio, rng), Val: balance(&r, all[nTrain:], opt.NormalRatio, rng)}
	x, err := graphsage.NewDenseFeatures(len(r.x), NumFeatures, d.standardize(r.x))
	if err != nil {
		return nil, graphsage.TrainReport{}, err
	}
	g, err := graphsage.NewGraph(x, r.edges, r.labels, int(NumClasses), split)
	if err != nil {
		return nil, graphsage.TrainReport{}, err
	}
	m, rep, err := graphsage.Train(ctx, g, opt.Config, rand.New(rand.NewPCG(opt.Seed, opt.Seed^purposeRuntime)))
	if err != nil {
		return nil, rep, err
	}
	d.model = m
	return d, rep, nil
}

// balance keeps every anomalous row of ids and ratio × (anomalous rows / fault classes) normal
// rows drawn from rng, in id order.
func balance(r *rows, ids []int, ratio float64, rng *rand.Rand) []int {
	by := r.byLabel(ids)
	anomalous := 0
	for c := Class(1); c < NumClasses; c++ {
		anomalous += len(by[c])
	}
	keep := len(by[Normal])
	if ratio > 0 {
		keep = min(keep, int(math.Ceil(ratio*float64(anomalous)/float64(NumClasses-1))))
	}
	chosen := make(map[int]bool, keep)
	for _, k := range rng.Perm(len(by[Normal]))[:keep] {
		chosen[by[Normal][k]] = true
	}
	out := make([]int, 0, anomalous+keep)
	for _, i := range ids {
		if r.labels[i] != int(Normal) || chosen[i] {
			out = append(out, i)
		}
	}
	return out
}

// fit learns the per-feature mean and standard deviation of x.
func (d *Detector) fit(x [][NumFeatures]float64) {
	n := float64(len(x))
	for i := range x {
		for j, v := range x[i] {
			d.mean[j] += v
		}
	}
	for j := range d.mean {
		d.mean[j] /= n
	}
	for i := range x {
		for j, v := range x[i] {
			d.std[j] += (v - d.mean[j]) * (v - d.mean[j])
		}
	}
	for j := range d.std {
		d.std[j] = math.Max(math.Sqrt(d.std[j]/n), minStd)
	}
}

// standardize returns x standardised and clipped to ±FeatureClip, row-major.
func (d *Detector) standardize(x [][NumFeatures]float64) []float64 {
	out := make([]float64, 0, len(x)*NumFeatures)
	for i := range x {
		for j, v := range x[i] {
			z := (v - d.mean[j]) / d.std[j]
			out = append(out, math.Max(-FeatureClip, math.Min(FeatureClip, z)))
		}
	}
	return out
}

// Predict returns the class probabilities of every row of the graph with feature rows x (as
// NodeFeatures makes them) and undirected edges between row indices.
func (d *Detector) Predict(x [][NumFeatures]float64, edges [][2]int) ([][]float64, error) {
	if len(x) == 0 {
		return nil, fmt.Errorf("%w: no rows to score", ErrEmptyDataset)
	}
	f, err := graphsage.NewDenseFeatures(len(x), NumFeatures, d.standardize(x))
	if err != nil {
		return nil, err
	}
	g, err := graphsage.NewGraph(f, edges, nil, 0, graphsage.Split{})
	if err != nil {
		return nil, err
	}
	return d.model.Predict(g)
}

// Model returns the GraphSAGE model.
func (d *Detector) Model() *graphsage.Model { return d.model }

// Hash returns the hex SHA-256 of the detector file Save writes: equal hashes mean equal
// detectors.
func (d *Detector) Hash() (string, error) {
	var b bytes.Buffer
	if err := d.Save(&b); err != nil {
		return "", err
	}
	h := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(h[:]), nil
}

// argmax returns the index of the largest value of p.
func argmax(p []float64) Class {
	best := 0
	for c := range p {
		if p[c] > p[best] {
			best = c
		}
	}
	return Class(best)
}
