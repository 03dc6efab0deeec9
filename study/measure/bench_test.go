package measure

import (
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/protoseg-go/protoseg-go/bench/cputime"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
	"github.com/protoseg-go/protoseg-go/unet"
)

// BenchmarkFullAnalysis compares the whole ProtoSeg analysis of a batch with the
// forward pass that produced its features: a U-Net of Base 8 (untrained weights) on
// 10 synthetic 64×64 images on the cpu backend. Each iteration times (a) one forward
// pass returning the logits and the 18 features and (b) the analysis of that batch given the
// features: layer SAM + SA of all 18 layers and unit SAMs + SA of every unit of
// every layer, one [protoseg.Analyzer.LayerUnits] call a layer. It reports the
// ms of each and their ratio, analysis/forward, in "forward-passes", and the
// CPU time of the analysis, all threads together ("analysis-cpu-ms"; on a
// shared machine it moves less with the load than the wall times do).
func BenchmarkFullAnalysis(b *testing.B) {
	const base, batch = 8, 10
	backend, ds, images, gt := fullAnalysisData(b, batch, batch)
	features := untrainedForward(b, backend, unet.Config{Base: base, InChannels: ds.Channels}, images)
	// The untrained network's output is degenerate; prototypes come from the
	// ground truth (as for input separableness), which costs the same.
	timeFullAnalysis(b, backend, features, gt, true)
}

// BenchmarkFullAnalysisNoSAMs is BenchmarkFullAnalysis without keeping the
// unit SAMs (keepSAMs false): layer SAM + SA of all 18 layers, unit
// SA and heat-map of every unit. It is the study's path: its Units calls keep
// the unit SAMs only for the example images' last layer (study/measure/layers.go),
// and the 3.75 MB of unit SAM bits a batch would otherwise return are not made.
func BenchmarkFullAnalysisNoSAMs(b *testing.B) {
	const base, batch = 8, 10
	backend, ds, images, gt := fullAnalysisData(b, batch, batch)
	forward := untrainedForward(b, backend, unet.Config{Base: base, InChannels: ds.Channels}, images)
	timeFullAnalysis(b, backend, forward, gt, false)
}

// BenchmarkFullAnalysisTrained is BenchmarkFullAnalysis on the features of a
// trained network (Base 8, 3 epochs on 60 covid-synth images, trained once into
// a temporary folder before timing): smooth, structured unit maps instead of
// near noise. The forward pass is the network's inference (its mask and
// probability besides the features); prototypes come from the ground truth, as
// in BenchmarkFullAnalysis.
func BenchmarkFullAnalysisTrained(b *testing.B) {
	const base, batch = 8, 10
	backend, ds, images, gt := fullAnalysisData(b, 60, batch)
	cfg := unet.Config{Base: base, InChannels: ds.Channels}
	tc := unet.TrainConfig{Epochs: 3, BatchSize: batch, Seed: 1, ObjectWeight: unet.AutoObjectWeight}
	net, err := unet.Train(backend, cfg, tc, ds, b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	features := func() []*tensors.Tensor {
		pred, err := net.Forward(images)
		if err != nil {
			b.Fatal(err)
		}
		return pred.Features
	}
	timeFullAnalysis(b, backend, features, gt, true)
}

// untrainedForward returns the forward pass of an untrained U-Net of cfg on
// images: its 18 features (the logits are computed and dropped, as a forward
// pass computes them).
func untrainedForward(b *testing.B, backend backends.Backend, cfg unet.Config, images *tensors.Tensor) func() []*tensors.Tensor {
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	forward, err := context.NewExec(backend, context.New().Checked(false),
		func(ctx *context.Context, images *graph.Node) []*graph.Node {
			out := unet.Model(ctx, cfg, images)
			return append([]*graph.Node{out.Logits}, out.Features...)
		})
	if err != nil {
		b.Fatal(err)
	}
	return func() []*tensors.Tensor {
		feats, err := forward.Exec(images)
		if err != nil {
			b.Fatal(err)
		}
		if len(feats) != 19 {
			b.Fatalf("forward pass gave %d outputs, want the logits and 18 features", len(feats))
		}
		return feats[1:]
	}
}

// fullAnalysisData loads covid-synth at 64×64 (train images, and test images of
// which the first batch is returned) on the benchmark backend.
func fullAnalysisData(b *testing.B, train, batch int) (backends.Backend, *data.Dataset, *tensors.Tensor, *tensors.Tensor) {
	backend, err := fixture.Backend()
	if err != nil {
		b.Fatal(err)
	}
	ds, err := data.Load("covid-synth", data.Options{Size: 64, Seed: 1, TrainCount: train, TestCount: batch})
	if err != nil {
		b.Fatal(err)
	}
	images, gt, err := ds.Batch(ds.Test[:batch])
	if err != nil {
		b.Fatal(err)
	}
	return backend, ds, images, gt
}

// timeFullAnalysis times features() (the forward pass) and the analysis of its
// 18 features against gt (LayerUnits per layer: layer and unit level, the unit
// SAMs kept when keepSAMs) over b.N iterations after one untimed round, and
// reports the metrics of BenchmarkFullAnalysis.
func timeFullAnalysis(b *testing.B, backend backends.Backend, features func() []*tensors.Tensor, gt *tensors.Tensor, keepSAMs bool) {
	a, err := protoseg.NewAnalyzer(backend, protoseg.Bilinear)
	if err != nil {
		b.Fatal(err)
	}
	analyse := func(feats []*tensors.Tensor) {
		for l, f := range feats {
			if _, _, err := a.LayerUnits(unet.LayerName(l+1), f, gt, gt, nil, keepSAMs); err != nil {
				b.Fatal(err)
			}
		}
	}
	analyse(features()) // compile every graph once
	var fwd, ana, cpu time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		feats := features()
		t1, c1 := time.Now(), cputime.Process()
		analyse(feats)
		fwd, ana, cpu = fwd+t1.Sub(t0), ana+time.Since(t1), cpu+cputime.Process()-c1
		for _, f := range feats { // released, as a loop over batches does: the next forward pass reuses the buffers
			if err := f.FinalizeAll(); err != nil {
				b.Fatal(err)
			}
		}
	}
	ms := func(d time.Duration) float64 { return d.Seconds() * 1e3 / float64(b.N) }
	b.ReportMetric(ms(fwd), "forward-ms")
	b.ReportMetric(ms(ana), "analysis-ms")
	b.ReportMetric(ms(cpu), "analysis-cpu-ms")
	b.ReportMetric(ana.Seconds()/fwd.Seconds(), "forward-passes")
}
