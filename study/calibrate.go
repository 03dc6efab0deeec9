package study

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/report"
	"github.com/protoseg-go/protoseg-go/unet"
)

// CalibrationSeed is one seed's calibration measurement: the offline model of
// the preset trained on the stand-in drawn with that seed.
type CalibrationSeed struct {
	Seed uint64
	// Calibration holds mean S_x and the Dice mean and SD, with the paper's values.
	report.Calibration
	// ImageDice and ImageSx are per test image; Meta the test images' difficulty
	// parameters (Sample.Meta).
	ImageDice, ImageSx []float64
	Meta               []map[string]float64
	// Elapsed is the time to train (or reload) and measure.
	Elapsed time.Duration
}

// CalibrationRow is a stand-in's calibration over seeds: every seed's numbers and
// their means, which the targets apply to.
type CalibrationRow struct {
	Dataset string
	Seeds   []CalibrationSeed
	// Mean holds the means over seeds of S_x, Dice mean and Dice SD, and the
	// paper's values (nil where the paper has no such dataset).
	Mean report.Calibration
}

// CalibrationPass tells, per target, whether the mean over seeds is within the
// tolerance of the paper's value (false when the paper has no value).
type CalibrationPass struct {
	DiceMean, DiceSD, Sx bool
}

// All tells whether every target is met.
func (p CalibrationPass) All() bool { return p.DiceMean && p.DiceSD && p.Sx }

// Pass checks the row's means against the targets.
func (r *CalibrationRow) Pass() CalibrationPass {
	within := func(ours float64, paper *float64, tol float64) bool {
		return paper != nil && math.Abs(ours-*paper) <= tol
	}
	m := r.Mean
	return CalibrationPass{
		DiceMean: within(m.DiceMean, m.DiceMeanPaper, report.CalibrationDiceTolerance),
		DiceSD:   within(m.DiceSD, m.DiceSDPaper, report.CalibrationDiceTolerance),
		Sx:       within(m.Sx, m.SxPaper, report.CalibrationSxTolerance),
	}
}

// PresetSeeds returns the seeds reproduce runs by default with preset p: 1, 2,
// …, p.Seeds (at least one). The calibration targets apply to their mean.
func PresetSeeds(p Preset) []uint64 {
	seeds := []uint64{1}
	for s := uint64(2); s <= uint64(p.Seeds); s++ {
		seeds = append(seeds, s)
	}
	return seeds
}

// Calibrate trains the offline model of preset p on the stand-in name once per
// seed, exactly as [NewSession] (and reproduce) configure it, and measures the
// calibration row. Models are cached under out/seed<s>/<name>/offline; a cached
// model is reused only when it was trained on the same data (unet.Train discards
// a run on data with another fingerprint), so out must not be a folder of
// reproduce or the notebooks. Progress goes to log.
func Calibrate(backend backends.Backend, p Preset, name string, seeds []uint64, out string, log io.Writer) (*CalibrationRow, error) {
	if len(seeds) == 0 {
		return nil, fmt.Errorf("study: calibrating %s: no seeds", name)
	}
	row := &CalibrationRow{Dataset: name}
	for _, s := range seeds {
		cs, err := CalibrateSeed(backend, p, name, s, filepath.Join(out, fmt.Sprintf("seed%d", s)), log)
		if err != nil {
			return nil, err
		}
		row.Seeds = append(row.Seeds, cs)
	}
	n := float64(len(row.Seeds))
	row.Mean = row.Seeds[0].Calibration
	row.Mean.Sx, row.Mean.DiceMean, row.Mean.DiceSD = 0, 0, 0
	for _, cs := range row.Seeds {
		row.Mean.Sx += cs.Sx / n
		row.Mean.DiceMean += cs.DiceMean / n
		row.Mean.DiceSD += cs.DiceSD / n
	}
	return row, nil
}

// CalibrateSeed trains (or reloads from out) the offline model of preset p on the
// stand-in name drawn with seed, and measures its test-set output Dice and the
// input separableness S_x as the report does ([DatasetCalibration]).
func CalibrateSeed(backend backends.Backend, p Preset, name string, seed uint64, out string, log io.Writer) (CalibrationSeed, error) {
	t0 := time.Now()
	s, err := NewSession(backend, []string{name}, p, out, seed, log)
	if err != nil {
		return CalibrationSeed{}, fmt.Errorf("study: calibrating %s, seed %d: %w", name, seed, err)
	}
	ds, err := s.Dataset(name)
	if err != nil {
		return CalibrationSeed{}, fmt.Errorf("study: calibrating %s, seed %d: %w", name, seed, err)
	}
	m, err := s.Model(name, unet.Offline)
	if err != nil {
		return CalibrationSeed{}, fmt.Errorf("study: calibrating %s, seed %d: %w", name, seed, err)
	}
	batch := p.BatchSize
	if batch <= 0 {
		batch = unet.DefaultBatchSize
	}
	dice, err := OutputDice(m, ds, batch)
	if err != nil {
		return CalibrationSeed{}, err
	}
	sx, _, err := measure.Separableness(s.Analyzer, ds, batch)
	if err != nil {
		return CalibrationSeed{}, err
	}
	cs := CalibrationSeed{Seed: seed, ImageDice: dice, ImageSx: sx, Elapsed: time.Since(t0)}
	cs.Calibration = report.DatasetCalibration(&measure.DatasetResults{Dataset: ds, Offline: &measure.ModelResults{Dice: dice}, Sx: sx})
	for _, x := range ds.Test {
		cs.Meta = append(cs.Meta, x.Meta)
	}
	return cs, nil
}

// OutputDice returns Dice(B, G) of the model's binarised output on every test
// image of ds, as [Analyze] computes it, without the layer analyses.
func OutputDice(m measure.Model, ds *data.Dataset, batchSize int) ([]float64, error) {
	if batchSize <= 0 {
		batchSize = unet.DefaultBatchSize
	}
	var dice []float64
	for start := 0; start < len(ds.Test); start += batchSize {
		images, gt, err := ds.Batch(ds.Test[start:min(start+batchSize, len(ds.Test))])
		if err != nil {
			return nil, err
		}
		o, err := m.Forward(images)
		if err != nil {
			return nil, fmt.Errorf("study: %s: forward pass on test images from %d: %w", ds.Name, start, err)
		}
		outMasks, gtMasks := protoseg.BinaryMaps(o.Mask), protoseg.BinaryMaps(gt)
		for i := range outMasks {
			d, err := protoseg.DiceScore(outMasks[i], gtMasks[i])
			if err != nil {
				return nil, fmt.Errorf("study: %s: test image %d: %w", ds.Name, start+i, err)
			}
			dice = append(dice, d)
		}
	}
	return dice, nil
}

// WriteCalibration prints the row: one line per seed, the mean over seeds, the
// paper's values and pass/fail per target.
func WriteCalibration(w io.Writer, r *CalibrationRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\tseed\tDice mean\tDice SD\tS_x\ttime\t\n", r.Dataset)
	for _, s := range r.Seeds {
		fmt.Fprintf(tw, "\t%d\t%.3f\t%.3f\t%.3f\t%s\t\n", s.Seed, s.DiceMean, s.DiceSD, s.Sx, s.Elapsed.Round(time.Second))
	}
	m, pass := r.Mean, r.Pass()
	fmt.Fprintf(tw, "\tmean\t%.3f\t%.3f\t%.3f\t\t\n", m.DiceMean, m.DiceSD, m.Sx)
	fmt.Fprintf(tw, "\tpaper\t%s\t%s\t%s\t\t\n", paperValue(m.DiceMeanPaper), paperValue(m.DiceSDPaper), paperValue(m.SxPaper))
	fmt.Fprintf(tw, "\ttarget\t±%.2f %s\t±%.2f %s\t±%.2f %s\t\t\n", report.CalibrationDiceTolerance, passWord(pass.DiceMean),
		report.CalibrationDiceTolerance, passWord(pass.DiceSD), report.CalibrationSxTolerance, passWord(pass.Sx))
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("study: writing the calibration of %s: %w", r.Dataset, err)
	}
	_, err := fmt.Fprintf(w, "%s: %s\n", r.Dataset, strings.ToUpper(passWord(pass.All())))
	return err
}

// WriteCalibrationImages prints, per seed and test image, the output Dice, S_x
// and the image's difficulty parameters (Sample.Meta), hardest image first, so
// one can see which difficulty makes the network fail.
func WriteCalibrationImages(w io.Writer, r *CalibrationRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
	for _, s := range r.Seeds {
		keys := metaKeys(s.Meta)
		fmt.Fprintf(tw, "seed\timage\tDice\tS_x\t%s\t\n", strings.Join(keys, "\t"))
		order := make([]int, len(s.ImageDice))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return s.ImageDice[order[a]] < s.ImageDice[order[b]] })
		for _, i := range order {
			fmt.Fprintf(tw, "%d\t%d\t%.3f\t%.3f", s.Seed, i, s.ImageDice[i], s.ImageSx[i])
			for _, k := range keys {
				fmt.Fprintf(tw, "\t%.3g", s.Meta[i][k])
			}
			fmt.Fprint(tw, "\t\n")
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("study: writing the calibration images of %s: %w", r.Dataset, err)
	}
	return nil
}

// metaKeys returns the sorted union of the keys of the images' metadata.
func metaKeys(meta []map[string]float64) []string {
	var keys []string
	for _, m := range meta {
		for k := range m {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func paperValue(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.3f", *v)
}

func passWord(ok bool) string {
	if ok {
		return "pass"
	}
	return "fail"
}
