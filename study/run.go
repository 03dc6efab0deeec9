package study

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/unet"
)

// Trainer trains the two models of the study on a dataset.
type Trainer interface {
	// Train trains the model of the given mode (unet.Offline or unet.Online) on ds, or
	// reuses a finished run in dir, and returns it together with K ≥ 2 of its
	// checkpoints for the VoG baseline (nil when unavailable).
	Train(ds *data.Dataset, mode unet.Mode, dir string) (Model, []GradientModel, error)
}

// Config configures a whole study run.
type Config struct {
	// Datasets are registry names (data.Names()), e.g. the five stand-ins.
	Datasets []string
	// Data configures loading (size, seed, counts, root folder of real data).
	Data data.Options
	// Roots maps a real dataset's name to its folder, overriding Data.Root for
	// that dataset (several real datasets in one run).
	Roots map[string]string
	// Out is the folder for checkpoints (Out/<dataset>/<mode>/) and the report.
	Out string
	// NoiseLevels for the noise study (default DefaultNoiseLevels).
	NoiseLevels []float64
	// Seed of the noise study.
	Seed uint64
	// BatchSize for analysis passes (default [unet.DefaultBatchSize], 10).
	BatchSize int
	// Describe is a one-line description of the configuration for the report.
	Describe string
	// SeedWorkers is how many seeds [RunSeeds] runs at once (default
	// [DefaultSeedWorkers]).
	SeedWorkers int
	// Metrics are the SA metrics beyond Dice of the report's appendix (none by
	// default; reproduce asks for all, see [ParseMetrics]).
	Metrics []protoseg.Metric
}

// Run trains (or reuses) the offline and online model on every dataset, runs every
// analysis, and writes the figures, tables and index.html into cfg.Out. Progress
// goes to log.
func Run(cfg Config, backend backends.Backend, trainer Trainer, log io.Writer) ([]*DatasetResults, error) {
	start := time.Now()
	if len(cfg.Datasets) == 0 {
		return nil, fmt.Errorf("study: no datasets given")
	}
	analyzer, err := protoseg.NewAnalyzer(backend, protoseg.Bilinear)
	if err != nil {
		return nil, err
	}
	var results []*DatasetResults
	for _, name := range cfg.Datasets {
		r, err := runDataset(cfg, name, analyzer, trainer, log)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	fmt.Fprintf(log, "writing figures and report to %s\n", cfg.Out)
	figs, err := Figures(results)
	if err != nil {
		return nil, err
	}
	f17, err := QCFigure(results)
	if err != nil {
		return nil, err
	}
	if f17 != nil {
		figs = append(figs, f17)
	}
	f18, err := WeightFigure(results)
	if err != nil {
		return nil, err
	}
	if f18 != nil {
		figs = append(figs, f18)
	}
	tables, err := Tables(results)
	if err != nil {
		return nil, err
	}
	info := ReportInfo{Config: cfg.Describe, Elapsed: time.Since(start), Backend: backend.Name()}
	info.Summary, info.CaptionNotes = RunSummary(results)
	if info.Appendix, err = Appendix(results); err != nil {
		return nil, err
	}
	findings := Findings(results)
	if err := WriteReport(cfg.Out, figs, tables, findings, info); err != nil {
		return nil, err
	}
	if err := WriteResults(cfg.Out, GatherResults(results, findings, info)); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "done in %s: %s\n", time.Since(start).Round(time.Second), filepath.Join(cfg.Out, "index.html"))
	return results, nil
}

func runDataset(cfg Config, name string, a *protoseg.Analyzer, trainer Trainer, log io.Writer) (*DatasetResults, error) {
	t0 := time.Now()
	if cfg.NoiseLevels == nil {
		cfg.NoiseLevels = DefaultNoiseLevels
	}
	dopts := cfg.Data
	if root, ok := cfg.Roots[name]; ok {
		dopts.Root = root
	}
	ds, err := data.Load(name, dopts)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "== %s: %d train / %d test images, %d×%d×%d\n", name, len(ds.Train), len(ds.Test), ds.Height, ds.Width, ds.Channels)
	r := &DatasetResults{Dataset: ds, NoiseLevels: cfg.NoiseLevels}
	opts := AnalyzeOptions{BatchSize: cfg.BatchSize}
	var offline, online Model
	var onlineCkpts []GradientModel
	for _, mode := range unet.Modes() {
		dir := filepath.Join(cfg.Out, name, mode.String())
		m, ckpts, err := trainer.Train(ds, mode, dir)
		if err != nil {
			return nil, fmt.Errorf("study: %s: training %s: %w", name, mode, err)
		}
		res, err := Analyze(a, m, ds, opts)
		if err != nil {
			return nil, err
		}
		if mode == unet.Offline {
			offline, r.Offline = m, res
		} else {
			online, r.Online, onlineCkpts = m, res, ckpts
		}
		dice, _ := protoseg.MeanSD(res.Dice)
		fmt.Fprintf(log, "   %s model: test Dice %.3f, S_18 %.3f\n", mode, dice, meanOf(column(res.LayerSA, -1)))
	}
	if r.ByMetric, err = analyzeMetrics(a, cfg.Metrics, offline, online, ds, opts); err != nil {
		return nil, fmt.Errorf("study: %s: %w", name, err)
	}
	if r.Sx, r.SxMaps, err = Separableness(a, ds, cfg.BatchSize); err != nil {
		return nil, err
	}
	if len(onlineCkpts) >= 2 {
		if r.VoG, r.VoGDegenerate, err = VoGScores(onlineCkpts, ds, cfg.BatchSize); err != nil {
			return nil, err
		}
		r.VoGCheckpoints = len(onlineCkpts)
		fmt.Fprintf(log, "   VoG over K = %d checkpoints; %d of %d images predicted empty at every checkpoint\n", len(onlineCkpts), count(r.VoGDegenerate), len(r.VoG))
	} else {
		fmt.Fprintf(log, "   VoG skipped: %d checkpoints (need ≥ 2)\n", len(onlineCkpts))
	}
	// Failure detection (Table 4, Fig. 17): the online model, as in Table 2.
	var vog []float64
	if r.VoG != nil {
		vog = r.VoGHardness()
	}
	if r.QC, err = QCScores(online, ds, r.Online, vog, cfg.BatchSize); err != nil {
		return nil, err
	}
	if h, ok := offline.(HeadWeighter); ok {
		if r.Weights, err = Weights(r.Offline.UnitSA, h, cfg.Seed); err != nil {
			return nil, fmt.Errorf("study: %s: %w", name, err)
		}
	}
	if pruner, ok := offline.(Pruner); ok {
		if r.Pruning, err = Prune(offline, pruner, ds, r.Offline.UnitSA, cfg.BatchSize); err != nil {
			return nil, err
		}
	}
	if r.Noise, err = NoiseStudy(a, offline, ds, r.Offline.LayerSA, cfg.NoiseLevels, cfg.Seed, cfg.BatchSize); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "   analyses done (%s)\n", time.Since(t0).Round(time.Second))
	return r, nil
}

// count is the number of true flags.
func count(flags []bool) int {
	n := 0
	for _, f := range flags {
		if f {
			n++
		}
	}
	return n
}

func meanOf(x []float64) float64 {
	m, _ := protoseg.MeanSD(x)
	return m
}

// ParseDatasets turns "all" or a comma-separated list into registry names; "all"
// means the five synthetic stand-ins.
func ParseDatasets(s string) ([]string, error) {
	if s == "" || s == "all" {
		return []string{"brats-synth", "isic-synth", "covid-synth", "prostate-synth", "pancreas-synth"}, nil
	}
	known := map[string]bool{}
	for _, n := range data.Names() {
		known[n] = true
	}
	var out []string
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		if !known[n] {
			return nil, fmt.Errorf("study: unknown dataset %q (known: %s)", n, strings.Join(data.Names(), ", "))
		}
		out = append(out, n)
	}
	return out, nil
}
