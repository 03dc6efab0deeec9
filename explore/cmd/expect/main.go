// Command expect prints, as JSON, what the explorer must show for a list of
// (layer, unit) choices on one test image, computed the library's way and apart
// from the explorer's own caches: the layer SA is the study's ModelResults.LayerSA,
// and the unit SA and SAM sizes come from a forward pass of the image's whole batch
// and protoseg.Analyzer on that batch. The PNG digest is the explorer core's
// rendering of the same choice (so a browser test can check the image it shows).
//
// For a volume ($PROTOSEG_DIMS=3) a step may also name the slice shown,
// layer:unit-rank:axis:slice (axis axial, coronal or sagittal; slice −1 or
// left out: through the centre of mass of the ground-truth object); the SA and
// SAM sizes are the whole volume's, the digest is the slice's rendering, and
// the output adds the axis, the slice and the object's centre [d, h, w]
// (computed here with measure.ObjectCentre). 2D output is as it was.
//
// It uses study.NotebookSession, so it sees the notebooks' cache and size knob
// ($PROTOSEG_QUICK, $PROTOSEG_DATASETS, $PROTOSEG_CACHE, $PROTOSEG_DIMS).
//
//	go run ./explore/cmd/expect -rank 0 -mode online -steps 18:0,5:0,12:1
//	PROTOSEG_DIMS=3 PROTOSEG_QUICK=1 go run ./explore/cmd/expect -steps 18:0,18:0:coronal:3
package main

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/protoseg-go/protoseg-go/cpubackend"
	"github.com/protoseg-go/protoseg-go/explore"
	"github.com/protoseg-go/protoseg-go/study"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/unet"
)

type expected struct {
	Dataset   string    `json:"dataset"`
	Mode      unet.Mode `json:"mode"`
	Rank      int       `json:"rank"`
	Index     int       `json:"index"`
	Layer     int       `json:"layer"`
	UnitRank  int       `json:"unitRank"`
	Unit      int       `json:"unit"`
	LayerSA   float64   `json:"layerSA"`
	UnitSA    float64   `json:"unitSA"` // −1 for all units
	SA        float64   `json:"sa"`     // of what is shown
	Mu        float64   `json:"mu"`
	Dice      float64   `json:"dice"`
	SAMPixels int       `json:"samPixels"`
	PNGSHA256 string    `json:"pngSha256"`
	// For a volume: the axis and slice shown and the object's centre.
	Axis   string `json:"axis,omitempty"`
	Slice  *int   `json:"slice,omitempty"`
	Centre []int  `json:"centre,omitempty"`
}

// step is one choice of the command line: a layer, a unit rank and, for a
// volume, an axis ("" for axial) and a slice (−1: the centre).
type step struct {
	layer, unitRank int
	axis            string
	slice           int
}

func main() {
	dataset := flag.String("dataset", "", "dataset (default: the session's first)")
	rank := flag.Int("rank", 0, "test image rank by online μ, 0 = lowest")
	mode := flag.String("mode", unet.Online.String(), "offline or online")
	steps := flag.String("steps", "18:0", "comma-separated layer:unit-rank[:axis[:slice]] choices (unit rank 0 = all units; axis and slice for volumes)")
	flag.Parse()
	if err := run(*dataset, *rank, unet.Mode(*mode), *steps); err != nil {
		fmt.Fprintln(os.Stderr, "expect:", err)
		os.Exit(1)
	}
}

func run(dataset string, rank int, mode unet.Mode, steps string) error {
	c, err := load(dataset, rank, mode)
	if err != nil {
		return err
	}
	var res []expected
	for _, st := range strings.Split(steps, ",") {
		sp, err := parseStep(st)
		if err != nil {
			return err
		}
		x, err := c.expect(sp)
		if err != nil {
			return fmt.Errorf("step %q: %w", st, err)
		}
		res = append(res, x)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

// choice is one test image of a dataset and model with what the expected
// numbers come from: the study's results and a forward pass of the image's
// batch.
type choice struct {
	s          *study.Session
	e          *explore.Explorer
	dataset    string
	mode       unet.Mode
	rank       int
	idx, start int // the image's test index and its batch's first
	mr         *measure.ModelResults
	out        *measure.Output
	gt         *tensors.Tensor
}

// load opens the notebooks' session and runs the batch of the test image of
// the given rank by online μ (dataset "" is the session's first).
func load(dataset string, rank int, mode unet.Mode) (*choice, error) {
	b, err := cpubackend.New("")
	if err != nil {
		return nil, err
	}
	s, err := study.NotebookSession(b, os.Stderr)
	if err != nil {
		return nil, err
	}
	if dataset == "" {
		dataset = s.Config.Datasets[0]
	}
	c := &choice{s: s, dataset: dataset, mode: mode, rank: rank}
	if c.e, err = explore.FromSession(s); err != nil {
		return nil, err
	}
	order, err := c.e.Order(dataset)
	if err != nil {
		return nil, err
	}
	if rank < 0 || rank >= len(order) {
		return nil, fmt.Errorf("rank %d outside 0…%d", rank, len(order)-1)
	}
	c.idx = order[rank]
	c.start = c.idx / unet.DefaultBatchSize * unet.DefaultBatchSize
	r, err := s.Results(dataset)
	if err != nil {
		return nil, err
	}
	c.mr = r.Online
	if mode == unet.Offline {
		c.mr = r.Offline
	}
	return c, c.forward()
}

// forward runs the model on the batch of the chosen image.
func (c *choice) forward() error {
	ds, err := c.s.Dataset(c.dataset)
	if err != nil {
		return err
	}
	model, err := c.s.Model(c.dataset, c.mode)
	if err != nil {
		return err
	}
	var images *tensors.Tensor
	images, c.gt, err = ds.Batch(ds.Test[c.start:min(c.start+unet.DefaultBatchSize, len(ds.Test))])
	if err != nil {
		return err
	}
	c.out, err = model.Forward(images)
	return err
}

// parseStep reads a "layer:unit-rank[:axis[:slice]]" step.
func parseStep(st string) (step, error) {
	f := strings.Split(st, ":")
	sp := step{slice: explore.CentreSlice}
	bad := fmt.Errorf("step %q: want layer:unit-rank[:axis[:slice]]", st)
	if len(f) < 2 || len(f) > 4 {
		return sp, bad
	}
	var err1, err2, err3 error
	sp.layer, err1 = strconv.Atoi(f[0])
	sp.unitRank, err2 = strconv.Atoi(f[1])
	if len(f) > 2 {
		sp.axis = f[2]
	}
	if len(f) > 3 {
		sp.slice, err3 = strconv.Atoi(f[3])
	}
	if err1 != nil || err2 != nil || err3 != nil || sp.layer < 1 || sp.layer > unet.NumLayers || sp.unitRank < 0 ||
		(sp.axis != "" && !slices.Contains(explore.Axes(), sp.axis)) {
		return sp, bad
	}
	return sp, nil
}

// expect computes what the explorer must show for a step (layer l, unit rank u
// with 0 = all units, and for a volume the slice) of the chosen image.
func (c *choice) expect(sp step) (expected, error) {
	l, u := sp.layer, sp.unitRank
	name := unet.LayerName(l)
	f := c.out.Features[l-1]
	lr, ur, err := c.s.Analyzer.LayerUnits(name, f, c.out.Mask, c.gt, nil, true)
	if err != nil {
		return expected{}, err
	}
	i := c.idx - c.start
	x := expected{Dataset: c.dataset, Mode: c.mode, Rank: c.rank, Index: c.idx, Layer: l, UnitRank: u, Unit: -1,
		LayerSA: c.mr.LayerSA[c.idx][l-1], UnitSA: -1, Mu: c.mr.Mu[c.idx], Dice: c.mr.Dice[c.idx]}
	x.SA = x.LayerSA
	sam := lr.SAM[i]
	if u > 0 {
		sa := ur.SA[i]
		u = min(u, len(sa))
		x.UnitRank, x.Unit = u, unitOfRank(sa, u)
		x.UnitSA = sa[x.Unit]
		x.SA = x.UnitSA
		sam = ur.SAMs[i][x.Unit].Unpack(nil)
	}
	for _, v := range sam {
		if v != 0 {
			x.SAMPixels++
		}
	}
	if err := c.slice(sp, &x); err != nil {
		return expected{}, err
	}
	v, err := c.e.View(explore.Choice{Dataset: c.dataset, Rank: c.rank, Mode: c.mode, Layer: l, Unit: u, Axis: sp.axis, Slice: sp.slice})
	if err != nil {
		return expected{}, err
	}
	if x.Slice != nil && (v.Choice.Axis != x.Axis || v.Choice.Slice != *x.Slice) {
		return expected{}, fmt.Errorf("the explorer shows %s slice %d, expected %s slice %d", v.Choice.Axis, v.Choice.Slice, x.Axis, *x.Slice)
	}
	sum := sha256.Sum256(v.PNG)
	x.PNGSHA256 = hex.EncodeToString(sum[:])
	return x, nil
}

// slice fills in the axis, slice and object centre a step shows of a volume
// (nothing for 2D data): the slice through the centre of mass of the ground
// truth unless the step names one (clamped to the volume).
func (c *choice) slice(sp step, x *expected) error {
	ds, err := c.s.Dataset(c.dataset)
	if err != nil || !ds.Volumetric() {
		return err
	}
	dims := []int{ds.Depth, ds.Height, ds.Width}
	g := make([]float32, len(ds.Test[c.idx].Mask))
	for i, v := range ds.Test[c.idx].Mask {
		g[i] = float32(v)
	}
	x.Centre = measure.ObjectCentre(g, dims)
	x.Axis = cmp.Or(sp.axis, explore.Axial)
	a := slices.Index(explore.Axes(), x.Axis)
	k := x.Centre[a]
	if sp.slice >= 0 {
		k = min(sp.slice, dims[a]-1)
	}
	x.Slice = &k
	return nil
}

// unitOfRank is the unit of the u-th highest SA (u ≥ 1; ties keep unit order).
func unitOfRank(sa []float64, u int) int {
	byRank := make([]int, len(sa))
	for k := range byRank {
		byRank[k] = k
	}
	slices.SortStableFunc(byRank, func(a, b int) int { return cmp.Compare(sa[b], sa[a]) })
	return byRank[u-1]
}
