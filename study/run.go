package study

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/protoseg-go/protoseg-go/data"
	"github.com/protoseg-go/protoseg-go/protoseg"
	"github.com/protoseg-go/protoseg-go/study/claims"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/report"
	"github.com/protoseg-go/protoseg-go/study/stats"
	"github.com/protoseg-go/protoseg-go/unet"
)

// Trainer trains the two models of the study on a dataset.
type Trainer interface {
	// Train trains the model of the given mode (unet.Offline or unet.Online) on ds, or
	// reuses a finished run in dir, and returns it together with K ≥ 2 of its
	// checkpoints for the VoG baseline (nil when unavailable).
	Train(ds *data.Dataset, mode unet.Mode, dir string) (measure.Model, []measure.GradientModel, error)
}

// Config configures a whole study run.
type Config struct {
	// Datasets are registry names (data.Names(); data.ParseNames reads a list),
	// e.g. the five stand-ins (data.StandIns()).
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
func Run(cfg Config, backend backends.Backend, trainer Trainer, log io.Writer) ([]*measure.DatasetResults, error) {
	start := time.Now()
	if len(cfg.Datasets) == 0 {
		return nil, fmt.Errorf("study: no datasets given")
	}
	analyzer, err := protoseg.NewAnalyzer(backend, protoseg.Bilinear)
	if err != nil {
		return nil, err
	}
	var results []*measure.DatasetResults
	for _, name := range cfg.Datasets {
		r, err := runDataset(cfg, name, analyzer, trainer, log)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	fmt.Fprintf(log, "writing figures and report to %s\n", cfg.Out)
	figs, err := report.Figures(results)
	if err != nil {
		return nil, err
	}
	tables, err := report.Tables(results)
	if err != nil {
		return nil, err
	}
	info := report.ReportInfo{Config: cfg.Describe, Elapsed: time.Since(start), Backend: backend.Name()}
	info.Summary, info.CaptionNotes = report.RunSummary(results)
	if info.Appendix, err = report.Appendix(results); err != nil {
		return nil, err
	}
	findings := claims.Findings(results)
	if err := report.WriteReport(cfg.Out, figs, tables, findings, info); err != nil {
		return nil, err
	}
	if err := report.WriteResults(cfg.Out, report.GatherResults(results, findings, info)); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "done in %s: %s\n", time.Since(start).Round(time.Second), filepath.Join(cfg.Out, "index.html"))
	return results, nil
}

func runDataset(cfg Config, name string, a *protoseg.Analyzer, trainer Trainer, log io.Writer) (*measure.DatasetResults, error) {
	t0 := time.Now()
	if cfg.NoiseLevels == nil {
		cfg.NoiseLevels = measure.DefaultNoiseLevels
	}
	dopts := cfg.Data
	if root, ok := cfg.Roots[name]; ok {
		dopts.Root = root
	}
	ds, err := data.Load(name, dopts)
	if err != nil {
		return nil, err
	}
	if ds.Volumetric() != (dopts.Depth > 1) {
		return nil, fmt.Errorf("study: %s gives %s, but the run is set for %s (reproduce --dims 3 runs volumes)", name, shapeWord(ds.Volumetric()), shapeWord(dopts.Depth > 1))
	}
	if ds.Volumetric() {
		fmt.Fprintf(log, "== %s: %d train / %d test volumes, %d×%d×%d×%d\n", name, len(ds.Train), len(ds.Test), ds.Depth, ds.Height, ds.Width, ds.Channels)
	} else {
		fmt.Fprintf(log, "== %s: %d train / %d test images, %d×%d×%d\n", name, len(ds.Train), len(ds.Test), ds.Height, ds.Width, ds.Channels)
	}
	r := &measure.DatasetResults{Dataset: ds, NoiseLevels: cfg.NoiseLevels}
	m, err := trainAndAnalyze(cfg, r, a, trainer, log)
	if err != nil {
		return nil, err
	}
	if err := measureInputs(cfg, r, a); err != nil {
		return nil, err
	}
	if err := measureVoG(cfg, r, m.checkpoints, log); err != nil {
		return nil, err
	}
	if err := measureModels(cfg, r, a, m); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "   analyses done (%s)\n", time.Since(t0).Round(time.Second))
	return r, nil
}

// trained are a dataset's two models and the online model's checkpoints.
type trained struct {
	offline, online measure.Model
	checkpoints     []measure.GradientModel
}

// trainAndAnalyze trains (or reuses) the offline and the online model on r's
// dataset and analyses each in one pass over the test set, scoring the SA with
// Dice and with every metric of cfg.Metrics from the same features.
func trainAndAnalyze(cfg Config, r *measure.DatasetResults, a *protoseg.Analyzer, trainer Trainer, log io.Writer) (trained, error) {
	var m trained
	ds := r.Dataset
	analyzers := []*protoseg.Analyzer{a}
	for _, metric := range cfg.Metrics {
		am, err := a.WithMetric(metric)
		if err != nil {
			return m, err
		}
		analyzers = append(analyzers, am)
		r.ByMetric = append(r.ByMetric, &measure.MetricResults{Metric: metric})
	}
	opts := measure.AnalyzeOptions{BatchSize: cfg.BatchSize}
	for _, mode := range unet.Modes() {
		model, ckpts, err := trainer.Train(ds, mode, filepath.Join(cfg.Out, ds.Name, mode.String()))
		if err != nil {
			return m, fmt.Errorf("study: %s: training %s: %w", ds.Name, mode, err)
		}
		rs, err := measure.AnalyzeWith(analyzers, model, ds, opts)
		if err != nil {
			return m, err
		}
		if mode == unet.Offline {
			m.offline, r.Offline = model, rs[0]
		} else {
			m.online, r.Online, m.checkpoints = model, rs[0], ckpts
		}
		for k, mr := range r.ByMetric {
			if mode == unet.Offline {
				mr.Offline = rs[k+1]
			} else {
				mr.Online = rs[k+1]
			}
		}
		dice, _ := protoseg.MeanSD(rs[0].Dice)
		fmt.Fprintf(log, "   %s model: test Dice %.3f, S_18 %.3f\n", mode, dice, stats.Mean(stats.Column(rs[0].LayerSA, -1)))
	}
	return m, nil
}

// measureInputs measures the input separableness S_x of r's test set.
func measureInputs(cfg Config, r *measure.DatasetResults, a *protoseg.Analyzer) error {
	var err error
	r.Sx, r.SxMaps, err = measure.Separableness(a, r.Dataset, cfg.BatchSize)
	return err
}

// measureVoG scores the test set by VoG over the online model's checkpoints
// (skipped with fewer than two).
func measureVoG(cfg Config, r *measure.DatasetResults, ckpts []measure.GradientModel, log io.Writer) error {
	if len(ckpts) < 2 {
		fmt.Fprintf(log, "   VoG skipped: %d checkpoints (need ≥ 2)\n", len(ckpts))
		return nil
	}
	var err error
	if r.VoG, r.VoGDegenerate, err = measure.VoGScores(ckpts, r.Dataset, cfg.BatchSize); err != nil {
		return err
	}
	r.VoGCheckpoints = len(ckpts)
	fmt.Fprintf(log, "   VoG over K = %d checkpoints; %d of %d images predicted empty at every checkpoint\n", len(ckpts), stats.CountTrue(r.VoGDegenerate), len(r.VoG))
	return nil
}

// measureModels runs the analyses that need their own forward passes: failure
// detection with TTA (Table 4, Fig. 17: the online model, as in Table 2), SA
// against the output weights, pruning and the noise study (offline model).
func measureModels(cfg Config, r *measure.DatasetResults, a *protoseg.Analyzer, m trained) error {
	var vog []float64
	if r.VoG != nil {
		vog = r.VoGHardness()
	}
	var err error
	if r.QC, err = measure.QCScores(m.online, r.Dataset, r.Online, vog, cfg.BatchSize); err != nil {
		return err
	}
	if h, ok := m.offline.(measure.HeadWeighter); ok {
		if r.Weights, err = measure.Weights(r.Offline.UnitSA, h, cfg.Seed); err != nil {
			return fmt.Errorf("study: %s: %w", r.Dataset.Name, err)
		}
	}
	if pruner, ok := m.offline.(measure.Pruner); ok {
		if r.Pruning, err = measure.Prune(m.offline, pruner, r.Dataset, r.Offline.UnitSA, cfg.BatchSize); err != nil {
			return err
		}
	}
	r.Noise, err = measure.NoiseStudy(a, m.offline, r.Dataset, r.Offline.LayerSA, cfg.NoiseLevels, cfg.Seed, cfg.BatchSize)
	return err
}

// shapeWord names 2D images or 3D volumes.
func shapeWord(volumes bool) string {
	if volumes {
		return "3D volumes"
	}
	return "2D images"
}
