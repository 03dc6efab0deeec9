// Command expect prints, as JSON, what the explorer must show for a list of
// (layer, unit) choices on one test image, computed the library's way and apart
// from the explorer's own caches: the layer SA is the study's ModelResults.LayerSA,
// and the unit SA and SAM sizes come from a forward pass of the image's whole batch
// and protoseg.Analyzer on that batch. The PNG digest is the explorer core's
// rendering of the same choice (so a browser test can check the image it shows).
//
// It uses study.NotebookSession, so it sees the notebooks' cache and size knob
// ($PROTOSEG_QUICK, $PROTOSEG_DATASETS, $PROTOSEG_CACHE).
//
//	go run ./explore/cmd/expect -rank 0 -mode online -steps 18:0,5:0,12:1
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
}

func main() {
	dataset := flag.String("dataset", "", "dataset (default: the session's first)")
	rank := flag.Int("rank", 0, "test image rank by online μ, 0 = lowest")
	mode := flag.String("mode", unet.Online.String(), "offline or online")
	steps := flag.String("steps", "18:0", "comma-separated layer:unit-rank choices (unit rank 0 = all units)")
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
		l, u, err := parseStep(st)
		if err != nil {
			return err
		}
		x, err := c.expect(l, u)
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

// parseStep reads a "layer:unit-rank" step.
func parseStep(st string) (layer, unitRank int, err error) {
	ls, us, ok := strings.Cut(st, ":")
	l, err1 := strconv.Atoi(ls)
	u, err2 := strconv.Atoi(us)
	if !ok || err1 != nil || err2 != nil || l < 1 || l > unet.NumLayers || u < 0 {
		return 0, 0, fmt.Errorf("step %q: want layer:unit-rank", st)
	}
	return l, u, nil
}

// expect computes what the explorer must show for layer l and unit rank u
// (0 = all units) of the chosen image.
func (c *choice) expect(l, u int) (expected, error) {
	name := unet.LayerName(l)
	f := c.out.Features[l-1]
	lr, err := c.s.Analyzer.Layer(name, f, c.out.Mask, c.gt, nil)
	if err != nil {
		return expected{}, err
	}
	ur, err := c.s.Analyzer.Units(name, f, c.out.Mask, c.gt, nil, true)
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
		sam = ur.SAMs[i][x.Unit]
	}
	for _, v := range sam {
		if v != 0 {
			x.SAMPixels++
		}
	}
	v, err := c.e.View(explore.Choice{Dataset: c.dataset, Rank: c.rank, Mode: c.mode, Layer: l, Unit: u})
	if err != nil {
		return expected{}, err
	}
	sum := sha256.Sum256(v.PNG)
	x.PNGSHA256 = hex.EncodeToString(sum[:])
	return x, nil
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
