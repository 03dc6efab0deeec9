package unet

import (
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestFeaturesOnlyGraph builds a forward graph whose outputs are only the 18
// layer features (not the logits) and runs it on the cpu backend. The head's
// dense layer is then dead code: it is built but reaches no output. Issue 23:
// this graph failed with "index out of range [653]".
func TestFeaturesOnlyGraph(t *testing.T) {
	backend := testBackend(t)
	cfg := Config{Base: 2, InChannels: 1}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ds := discs(4, 32, 1)
	images, _, err := ds.Batch(ds.Train[:2])
	if err != nil {
		t.Fatal(err)
	}
	exec, err := context.NewExec(backend, context.New().Checked(false),
		func(ctx *context.Context, images *graph.Node) []*graph.Node {
			return Model(ctx, cfg, images).Features
		})
	if err != nil {
		t.Fatal(err)
	}
	feats, err := exec.Exec(images)
	if err != nil {
		t.Fatalf("features-only forward pass: %v", err)
	}
	if len(feats) != 18 {
		t.Fatalf("got %d outputs, want the 18 features", len(feats))
	}
	for l, f := range feats {
		if want := cfg.Width(l + 1); f.Shape().Dimensions[3] != want {
			t.Errorf("layer %d: shape %s, want %d channels", l+1, f.Shape(), want)
		}
	}
}
