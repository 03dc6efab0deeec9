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

	"github.com/protoseg-go/protoseg-go/cpubackend"
	"github.com/protoseg-go/protoseg-go/explore"
	"github.com/protoseg-go/protoseg-go/study"
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
	b, err := cpubackend.New("")
	if err != nil {
		return err
	}
	s, err := study.NotebookSession(b, os.Stderr)
	if err != nil {
		return err
	}
	if dataset == "" {
		dataset = s.Config.Datasets[0]
	}
	e, err := explore.FromSession(s)
	if err != nil {
		return err
	}
	order, err := e.Order(dataset)
	if err != nil {
		return err
	}
	if rank < 0 || rank >= len(order) {
		return fmt.Errorf("rank %d outside 0…%d", rank, len(order)-1)
	}
	idx := order[rank]
	r, err := s.Results(dataset)
	if err != nil {
		return err
	}
	mr := r.Online
	if mode == unet.Offline {
		mr = r.Offline
	}
	ds, err := s.Dataset(dataset)
	if err != nil {
		return err
	}
	model, err := s.Model(dataset, mode)
	if err != nil {
		return err
	}
	start := idx / unet.DefaultBatchSize * unet.DefaultBatchSize
	images, gt, err := ds.Batch(ds.Test[start:min(start+unet.DefaultBatchSize, len(ds.Test))])
	if err != nil {
		return err
	}
	out, err := model.Forward(images)
	if err != nil {
		return err
	}
	var res []expected
	for _, st := range strings.Split(steps, ",") {
		layer, unit, ok := strings.Cut(st, ":")
		l, err1 := strconv.Atoi(layer)
		u, err2 := strconv.Atoi(unit)
		if !ok || err1 != nil || err2 != nil || l < 1 || l > unet.NumLayers || u < 0 {
			return fmt.Errorf("step %q: want layer:unit-rank", st)
		}
		name := fmt.Sprintf("layer%02d", l)
		f := out.Features[l-1]
		lr, err := s.Analyzer.Layer(name, f, out.Mask, gt, nil)
		if err != nil {
			return err
		}
		ur, err := s.Analyzer.Units(name, f, out.Mask, gt, nil, true)
		if err != nil {
			return err
		}
		i := idx - start
		x := expected{Dataset: dataset, Mode: mode, Rank: rank, Index: idx, Layer: l, UnitRank: u, Unit: -1,
			LayerSA: mr.LayerSA[idx][l-1], UnitSA: -1, Mu: mr.Mu[idx], Dice: mr.Dice[idx]}
		x.SA = x.LayerSA
		sam := lr.SAM[i]
		if u > 0 {
			sa := ur.SA[i]
			byRank := make([]int, len(sa))
			for k := range byRank {
				byRank[k] = k
			}
			slices.SortStableFunc(byRank, func(a, b int) int { return cmp.Compare(sa[b], sa[a]) })
			u = min(u, len(sa))
			x.UnitRank, x.Unit = u, byRank[u-1]
			x.UnitSA = sa[x.Unit]
			x.SA = x.UnitSA
			sam = ur.SAMs[i][x.Unit]
		}
		for _, v := range sam {
			if v != 0 {
				x.SAMPixels++
			}
		}
		v, err := e.View(explore.Choice{Dataset: dataset, Rank: rank, Mode: mode, Layer: l, Unit: u})
		if err != nil {
			return err
		}
		sum := sha256.Sum256(v.PNG)
		x.PNGSHA256 = hex.EncodeToString(sum[:])
		res = append(res, x)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}
