package study

import (
	"fmt"
	"sort"

	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/plots"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// DatasetResults gathers everything the figures and tables need of one dataset.
type DatasetResults struct {
	// Dataset is the test data (images and ground truth).
	Dataset *data.Dataset
	// Offline and Online are the two trained models' results on the test set.
	Offline, Online *ModelResults
	// Sx is SA(S_x, G) of every test image: input separableness; SxMaps are the
	// input SAMs S_x.
	Sx     []float64
	SxMaps [][]uint8
	// VoG is the VoG score of every test image (online model); nil when fewer
	// than two checkpoints exist. VoGDegenerate flags the images predicted empty
	// at every checkpoint; rank and correlate by [DatasetResults.VoGHardness].
	VoG           []float64
	VoGDegenerate []bool
	// VoGCheckpoints is K, the number of checkpoints VoG was computed from.
	VoGCheckpoints int
	// QC holds the quality-control scores of the online model and their
	// failure-detection metrics (Table 4, Fig. 17).
	QC *QCResults
	// NoiseLevels and Noise are the noise study of the offline model:
	// Noise[i][l] = mean SA(noisy) − SA(clean) at level i, layer l+1.
	NoiseLevels []float64
	Noise       [][]float64
	// Pruning is the inertia-unit pruning experiment (offline model), when the
	// model supports it.
	Pruning *PruneResult
	// Weights relates the offline model's last-layer units to their output
	// weights (Fig. 18), when the model exposes them.
	Weights *WeightRelation
	// ByMetric holds both models' measures with the SA scored by each metric of
	// the appendix (Config.Metrics).
	ByMetric []*MetricResults
}

// Fig11Buckets is the number of percentile buckets of Fig. 11 (fewer when the
// test set is smaller).
const Fig11Buckets = 5

// bucketsOf returns Fig. 11's buckets of the online model's Dice by μ and by
// VoG ([DatasetResults.VoGHardness]) on one dataset with VoG scores.
func bucketsOf(r *DatasetResults) (plots.Buckets, error) {
	on := r.Online
	k := min(Fig11Buckets, len(on.Dice))
	b := plots.Buckets{Dataset: r.Dataset.Name}
	bm, err := protoseg.PercentileBuckets(on.Dice, on.Mu, k)
	if err != nil {
		return b, fmt.Errorf("study: figure 11: %s: %w", r.Dataset.Name, err)
	}
	bv, err := protoseg.PercentileBuckets(on.Dice, r.VoGHardness(), k)
	if err != nil {
		return b, fmt.Errorf("study: figure 11: %s: %w", r.Dataset.Name, err)
	}
	for i := range bm {
		b.Edges = append(b.Edges, bm[i].From)
		b.Mu = append(b.Mu, bm[i].MeanDice)
		b.VoG = append(b.VoG, bv[i].MeanDice)
	}
	b.Edges = append(b.Edges, 100)
	return b, nil
}

// fig14Dataset is the dataset Fig. 14 shows: the ISIC one (real or stand-in),
// as in the paper, when it has S_x maps; else the first that has them; nil if
// none has.
func fig14Dataset(rs []*DatasetResults) *DatasetResults {
	var first *DatasetResults
	for _, r := range rs {
		if r.Sx == nil || r.SxMaps == nil {
			continue
		}
		if plots.PaperDataset(r.Dataset.Name) == "ISIC" {
			return r
		}
		if first == nil {
			first = r
		}
	}
	return first
}

// VoGHardness is the VoG score to rank and correlate by: VoG, with the
// degenerate images ranked hardest ([protoseg.VoGHardness]).
func (r *DatasetResults) VoGHardness() []float64 {
	return protoseg.VoGHardness(r.VoG, r.VoGDegenerate)
}

// Coverages are the coverage fractions of Table 2 (the paper prints 70 in its
// table and 75 in its caption: both are reported).
var Coverages = []float64{1, 0.9, 0.75, 0.7, 0.5}

// FirstFigure and LastFigure are the numbers of the paper's figures reproduced.
const (
	FirstFigure = 5
	LastFigure  = 16
)

// Figures returns the paper's figures 5–16 from the results of every dataset, in
// order (Figs. 17 and 18, beyond the paper: [QCFigure], [WeightFigure]).
func Figures(rs []*DatasetResults) ([]*plots.Figure, error) {
	builders, err := figureBuilders(rs)
	if err != nil {
		return nil, err
	}
	var figs []*plots.Figure
	for i, b := range builders {
		f, err := b()
		if err != nil {
			return nil, fmt.Errorf("study: figure %d: %w", i+FirstFigure, err)
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// Figure returns figure n (5–16) from the results of every dataset.
func Figure(n int, rs []*DatasetResults) (*plots.Figure, error) {
	if n < FirstFigure || n > LastFigure {
		return nil, fmt.Errorf("study: figure %d is not one of the paper's figures %d–%d", n, FirstFigure, LastFigure)
	}
	builders, err := figureBuilders(rs)
	if err != nil {
		return nil, err
	}
	f, err := builders[n-FirstFigure]()
	if err != nil {
		return nil, fmt.Errorf("study: figure %d: %w", n, err)
	}
	return f, nil
}

// figureBuilders gathers the plot inputs of figures 5–16 (cheap) and returns one
// function per figure that renders it (the expensive part).
func figureBuilders(rs []*DatasetResults) ([]func() (*plots.Figure, error), error) {
	if len(rs) == 0 {
		return nil, fmt.Errorf("study: no dataset results to plot")
	}
	var (
		f5  []plots.LayerSA
		f6  []plots.LayerSAMs
		f7  []plots.UnitSA
		f8  []plots.UnitSAMs
		f9  []plots.HeatMap
		f10 []plots.QualityScores
		f11 []plots.Buckets
		f12 []plots.RankedPanels
		f13 []plots.Example13
		f14 []plots.RankedPanels
		f15 []plots.Separableness
		f16 []plots.NoiseSA
	)
	for _, r := range rs {
		ds := r.Dataset
		name := ds.Name
		f5 = append(f5, plots.LayerSA{Dataset: name, Offline: meanColumns(r.Offline.LayerSA), Online: meanColumns(r.Online.LayerSA)})
		if len(r.Offline.Examples) > 0 && len(r.Online.Examples) > 0 {
			ex := pickExample(r.Online)
			off, on := r.Offline.exampleOf(ex), r.Online.exampleOf(ex)
			if off != nil && on != nil {
				f6 = append(f6, plots.LayerSAMs{Dataset: name, Image: image(ds, ex), GT: ds.Test[ex].Mask,
					Offline: off.LayerSAM, Online: on.LayerSAM,
					OfflineSA: r.Offline.LayerSA[ex], OnlineSA: r.Online.LayerSA[ex]})
				f8 = append(f8, unitSAMs(ds, r.Offline, off))
				f9 = append(f9, plots.HeatMap{Dataset: name, Image: image(ds, ex), GT: ds.Test[ex].Mask, Heat: r.Offline.Heat[ex]})
			}
		}
		unitMean := meanColumns(r.Offline.UnitSA)
		dice, _ := protoseg.MeanSD(r.Offline.Dice)
		f7 = append(f7, plots.UnitSA{Dataset: name, SA: unitMean, Threshold: activeThreshold(unitMean), OutputDice: dice})

		on := r.Online
		if r.VoG != nil {
			vog := r.VoGHardness()
			f10 = append(f10, plots.QualityScores{Dataset: name, Dice: on.Dice, Mu: on.Mu, VoG: vog})
			b, err := bucketsOf(r)
			if err != nil {
				return nil, err
			}
			f11 = append(f11, b)
		}
		f12 = append(f12, ranked(ds, on.Mu, on.Output, func(i int) string { return fmt.Sprintf("Dice %.2f", on.Dice[i]) }, 6))
		lo, hi := argmin(on.Mu), argmax(on.Mu)
		for _, i := range []int{lo, hi} {
			f13 = append(f13, plots.Example13{Dataset: name, Image: image(ds, i), GT: ds.Test[i].Mask, Heat: on.Heat1718[i],
				Output: on.Output[i], Mu: on.Mu[i], Dice: on.Dice[i], Degenerate: i < len(on.Degenerate) && on.Degenerate[i]})
		}
		if r.Sx != nil {
			f15 = append(f15, plots.Separableness{Dataset: name, SASx: r.Sx, Dice: on.Dice})
		}
		if r.Noise != nil {
			f16 = append(f16, plots.NoiseSA{Dataset: name, Levels: r.NoiseLevels, Diff: r.Noise})
		}
	}
	// Fig. 14 shows one dataset: ISIC, as the paper, when present; else the first
	// with S_x maps.
	if r := fig14Dataset(rs); r != nil {
		f14 = append(f14, ranked(r.Dataset, r.Sx, r.SxMaps, func(i int) string { return fmt.Sprintf("S_x %.2f", r.Sx[i]) }, 6))
	}
	return []func() (*plots.Figure, error){
		func() (*plots.Figure, error) { return plots.Fig5LayerSA(f5) },
		func() (*plots.Figure, error) { return plots.Fig6LayerSAMs(f6) },
		func() (*plots.Figure, error) { return plots.Fig7UnitSA(f7) },
		func() (*plots.Figure, error) { return plots.Fig8UnitSAMs(f8, unitsPerGroup(f8)) },
		func() (*plots.Figure, error) { return plots.Fig9HeatMaps(f9) },
		func() (*plots.Figure, error) { return plots.Fig10Scatter(f10) },
		func() (*plots.Figure, error) { return plots.Fig11Buckets(f11) },
		func() (*plots.Figure, error) { return plots.Fig12RankedByMu(f12) },
		func() (*plots.Figure, error) { return plots.Fig13Examples(f13) },
		func() (*plots.Figure, error) { return plots.Fig14Separableness(f14) },
		func() (*plots.Figure, error) { return plots.Fig15Separableness(f15) },
		func() (*plots.Figure, error) { return plots.Fig16Noise(f16) },
	}, nil
}

// Tables returns the paper's Tables 1–3, the pruning table, Table 4 (failure
// detection, beyond the paper) when QC results exist, and the calibration table.
func Tables(rs []*DatasetResults) ([]*plots.Table, error) {
	var t1 []plots.Table1Row
	var t2 []plots.CoverageRow
	var t3 []plots.SeparablenessRow
	for _, r := range rs {
		name := r.Dataset.Name
		t1 = append(t1, plots.Table1Row{Dataset: name,
			OfflineB: meanSD(r.Offline.Dice), OfflineS18: meanSD(column(r.Offline.LayerSA, -1)),
			OnlineB: meanSD(r.Online.Dice), OnlineS18: meanSD(column(r.Online.LayerSA, -1))})
		row := plots.CoverageRow{Dataset: name}
		for _, c := range Coverages {
			kept, err := protoseg.KeptAtCoverage(r.Online.Mu, c)
			if err != nil {
				return nil, err
			}
			var dice []float64
			for _, i := range kept {
				dice = append(dice, r.Online.Dice[i])
			}
			row.Coverage = append(row.Coverage, 100*c)
			row.Dice = append(row.Dice, meanSD(dice))
		}
		t2 = append(t2, row)
		if r.Sx != nil {
			_, md, err := protoseg.SeparablenessGap(r.Online.Dice, r.Sx)
			if err != nil {
				return nil, err
			}
			sx, _ := protoseg.MeanSD(r.Sx)
			b, _ := protoseg.MeanSD(r.Online.Dice)
			t3 = append(t3, plots.SeparablenessRow{Dataset: name, SASx: sx, DiceB: b, MD: md})
		}
	}
	ours := oursLabel(rs)
	var tables []*plots.Table
	for i, b := range []func() (*plots.Table, error){
		func() (*plots.Table, error) { return plots.Table1(t1, ours) },
		func() (*plots.Table, error) { return plots.Table2(t2, ours) },
		func() (*plots.Table, error) { return plots.Table3(t3, ours) },
	} {
		t, err := b()
		if err != nil {
			return nil, fmt.Errorf("study: table %d: %w", i+1, err)
		}
		tables = append(tables, t)
	}
	if t := PruneTable(rs); t != nil {
		tables = append(tables, t)
	}
	t4, err := QCTable(rs)
	if err != nil {
		return nil, err
	}
	if t4 != nil {
		tables = append(tables, t4)
	}
	tables = append(tables, CalibrationTable(rs))
	return tables, nil
}

// oursLabel labels our table columns: "ours (stand-in)" when every dataset is a
// synthetic stand-in, "ours" when none is, and says which when they are mixed.
// A real dataset is never called a stand-in.
func oursLabel(rs []*DatasetResults) string {
	synth := 0
	for _, r := range rs {
		if data.Synthetic(r.Dataset.Name) {
			synth++
		}
	}
	switch synth {
	case len(rs):
		return "ours (stand-in)"
	case 0:
		return "ours"
	}
	return "ours (stand-in for -synth rows)"
}

// unitsPerGroup is how many units Fig. 8 shows per group (lowest, middle,
// highest): 3, or fewer when a layer has fewer than 9 units.
func unitsPerGroup(us []plots.UnitSAMs) int {
	k := 3
	for _, u := range us {
		k = min(k, len(u.Units)/3)
	}
	return max(k, 1)
}

func meanSD(x []float64) plots.MeanSD {
	m, sd := protoseg.MeanSD(x)
	return plots.MeanSD{Mean: m, SD: sd}
}

// column returns column j of a per-image table (negative j counts from the end).
func column(rows [][]float64, j int) []float64 {
	out := make([]float64, len(rows))
	for i, r := range rows {
		k := j
		if k < 0 {
			k += len(r)
		}
		out[i] = r[k]
	}
	return out
}

// meanColumns averages a per-image table over images.
func meanColumns(rows [][]float64) []float64 {
	if len(rows) == 0 {
		return nil
	}
	out := make([]float64, len(rows[0]))
	for _, r := range rows {
		for j, v := range r {
			out[j] += v
		}
	}
	for j := range out {
		out[j] /= float64(len(rows))
	}
	return out
}

// activeThreshold is Fig. 7's split of the unit SA ([protoseg.ActiveThreshold];
// +Inf without a split, drawn as no active unit, as [protoseg.ActiveUnits] counts).
func activeThreshold(sa []float64) float64 { return protoseg.ActiveThreshold(sa) }
func image(ds *data.Dataset, i int) plots.Image {
	return plots.Image{Pix: ds.Test[i].Image, H: ds.Height, W: ds.Width, C: ds.Channels}
}

// pickExample chooses the example image of Fig. 6/8/9: among the kept examples,
// the one whose output is best (a clear object to look at).
func pickExample(m *ModelResults) int {
	best := m.Examples[0].Index
	for _, ex := range m.Examples {
		if m.Dice[ex.Index] > m.Dice[best] {
			best = ex.Index
		}
	}
	return best
}

func (m *ModelResults) exampleOf(i int) *Example {
	for k := range m.Examples {
		if m.Examples[k].Index == i {
			return &m.Examples[k]
		}
	}
	return nil
}

// unitSAMs builds Fig. 8's panel: the units of the last layer with their SA on the
// example image.
func unitSAMs(ds *data.Dataset, m *ModelResults, ex *Example) plots.UnitSAMs {
	u := plots.UnitSAMs{Dataset: ds.Name, Image: image(ds, ex.Index), GT: ds.Test[ex.Index].Mask}
	for k, sam := range ex.UnitSAM {
		u.Units = append(u.Units, plots.UnitMap{Unit: k, SA: m.UnitSA[ex.Index][k], SAM: sam})
	}
	return u
}

// ranked picks count test images spread evenly over the ranking by score (lowest,
// …, highest) for Fig. 12 and 14.
func ranked(ds *data.Dataset, score []float64, masks [][]uint8, label func(int) string, count int) plots.RankedPanels {
	order := make([]int, len(score))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return score[order[a]] < score[order[b]] })
	count = min(count, len(order))
	r := plots.RankedPanels{Dataset: ds.Name}
	for k := range count {
		i := order[0]
		if count > 1 {
			i = order[k*(len(order)-1)/(count-1)]
		}
		r.Panels = append(r.Panels, plots.Panel{Image: image(ds, i), GT: ds.Test[i].Mask, Mask: masks[i], Label: label(i)})
		r.Scores = append(r.Scores, score[i])
	}
	return r
}

func argmin(x []float64) int {
	k := 0
	for i, v := range x {
		if v < x[k] {
			k = i
		}
	}
	return k
}

func argmax(x []float64) int {
	k := 0
	for i, v := range x {
		if v > x[k] {
			k = i
		}
	}
	return k
}
