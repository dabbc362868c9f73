package meshdetect

// Comparison is the model and the rule-based detector scored on the same samples.
type Comparison struct {
	// Model and Rules are the two detectors' scores.
	Model Metrics `json:"model"`
	Rules Metrics `json:"rules"`
}

// Evaluation scores a Detector on frames two ways.
type Evaluation struct {
	// Mesh classifies every running node of every frame on the mesh-wide graph (its own
	// telemetry and all its neighbours' measurements of it); the rules' verdict is
	// MeshRuleVerdict.
	Mesh Comparison `json:"mesh"`
	// Local classifies every neighbour entry of every running node from that node's local graph
	// alone — what the Scorer gives MAPE-K; the rules' verdict is that node's own rules about the
	// entry (RuleClassOf).
	Local Comparison `json:"local"`
}

// Evaluate scores d and the rules on frames.
func (d *Detector) Evaluate(frames []Frame) (Evaluation, error) {
	var ev Evaluation
	if len(frames) == 0 {
		return ev, ErrEmptyDataset
	}
	var mesh, local rows
	for fi := range frames {
		mesh.addMesh(frames, fi)
		local.addLocal(frames, fi)
	}
	score := func(r *rows, keep func(Ref) bool, rule func(Ref) Class) (Comparison, error) {
		p, err := d.Predict(r.x, r.edges)
		if err != nil {
			return Comparison{}, err
		}
		var truth, model, rules []Class
		for i, ref := range r.refs {
			if !keep(ref) {
				continue
			}
			truth = append(truth, Class(r.labels[i]))
			model = append(model, argmax(p[i]))
			rules = append(rules, rule(ref))
		}
		var c Comparison
		if c.Model, err = NewMetrics(truth, model); err != nil {
			return c, err
		}
		c.Rules, err = NewMetrics(truth, rules)
		return c, err
	}
	var err error
	ev.Mesh, err = score(&mesh, func(Ref) bool { return true }, func(ref Ref) Class { return MeshRuleVerdict(&frames[ref.Frame], ref.Node) })
	if err != nil {
		return ev, err
	}
	ev.Local, err = score(&local, func(ref Ref) bool { return ref.Entry >= 0 }, func(ref Ref) Class {
		return frames[ref.Frame].Nodes[ref.Observer].Out[ref.Entry].Rule
	})
	return ev, err
}
