package study

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
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
	// SeedWorkers is how many runs [RunSeeds] keeps going at once (default
	// [DefaultSeedWorkers]): seeds first, and when there are fewer seeds than
	// that, the datasets of each seed share the rest (see DatasetWorkers).
	SeedWorkers int
	// DatasetWorkers is how many datasets of one seed [RunSeeds] runs at once,
	// each on its own backend (default: SeedWorkers divided by the seeds running
	// at once, at least 1, and at most [MaxVolumeWorkers] for volumes).
	DatasetWorkers int
	// Metrics are the SA metrics beyond Dice of the report's appendix (none by
	// default; reproduce asks for all, see [ParseMetrics]).
	Metrics []protoseg.Metric
}

// Run trains (or reuses) the offline and online model on every dataset, runs every
// analysis, and writes the figures, tables and index.html into cfg.Out. Progress
// goes to log. The datasets run one after another on backend ([RunSeeds] runs
// them concurrently, each on a backend of its own, when the cores allow).
func Run(cfg Config, backend backends.Backend, trainer Trainer, log io.Writer) ([]*measure.DatasetResults, error) {
	return runWorkers(cfg, func(io.Writer) (backends.Backend, Trainer, error) { return backend, trainer, nil }, 1, log)
}

// workerSetup gives a dataset worker its own backend and trainer, the trainer's
// progress going to log.
type workerSetup func(log io.Writer) (backends.Backend, Trainer, error)

// runWorkers is [Run] with the datasets spread over up to workers goroutines,
// each with the backend, analyzer and trainer of its own setup call. Results do
// not depend on workers (each dataset's training and analyses are deterministic
// on their own backend).
func runWorkers(cfg Config, setup workerSetup, workers int, log io.Writer) ([]*measure.DatasetResults, error) {
	start := time.Now()
	if len(cfg.Datasets) == 0 {
		return nil, fmt.Errorf("study: no datasets given")
	}
	results, backendName, err := runDatasets(cfg, setup, workers, log)
	if err != nil {
		return nil, err
	}
	return results, writeRun(cfg, results, backendName, start, log)
}

// runDatasets runs [runDataset] for every dataset of cfg on up to workers
// goroutines and returns the results in cfg.Datasets' order and the first
// worker's backend name. With more than one worker, each dataset's log lines
// are prefixed "[name] ".
func runDatasets(cfg Config, setup workerSetup, workers int, log io.Writer) ([]*measure.DatasetResults, string, error) {
	workers = max(1, min(workers, len(cfg.Datasets)))
	results := make([]*measure.DatasetResults, len(cfg.Datasets))
	errs := make([]error, len(cfg.Datasets))
	var mu sync.Mutex
	var wg sync.WaitGroup
	var backendName string
	next := make(chan int)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wlog := &switchLog{w: log}
			backend, trainer, err := setup(wlog)
			var a *protoseg.Analyzer
			if err == nil {
				a, err = protoseg.NewAnalyzer(backend, protoseg.Bilinear)
			}
			if err == nil && w == 0 {
				backendName = backend.Name()
			}
			for i := range next {
				if err != nil {
					errs[i] = err
					continue
				}
				name := cfg.Datasets[i]
				if workers == 1 {
					results[i], errs[i] = runDataset(cfg, name, a, trainer, log)
					continue
				}
				dlog := &lineLog{mu: &mu, w: log, prefix: "[" + name + "] "}
				wlog.w = dlog
				results[i], errs[i] = runDataset(cfg, name, a, trainer, dlog)
				dlog.flush()
			}
		}()
	}
	for i := range cfg.Datasets {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, "", err
	}
	return results, backendName, nil
}

// switchLog forwards writes to w, which a dataset worker points at the log of
// the dataset it runs.
type switchLog struct{ w io.Writer }

// Write implements io.Writer.
func (s *switchLog) Write(p []byte) (int, error) { return s.w.Write(p) }

// writeRun writes the figures, tables, findings, index.html and results.json of
// a run started at start into cfg.Out.
func writeRun(cfg Config, results []*measure.DatasetResults, backendName string, start time.Time, log io.Writer) error {
	fmt.Fprintf(log, "writing figures and report to %s\n", cfg.Out)
	figs, err := report.Figures(results)
	if err != nil {
		return err
	}
	tables, err := report.Tables(results)
	if err != nil {
		return err
	}
	info := report.ReportInfo{Config: cfg.Describe, Elapsed: time.Since(start), Backend: backendName}
	info.Summary, info.CaptionNotes = report.RunSummary(results)
	if info.Appendix, err = report.Appendix(results); err != nil {
		return err
	}
	findings := claims.Findings(results)
	if err := report.WriteReport(cfg.Out, figs, tables, findings, info); err != nil {
		return err
	}
	if err := report.WriteResults(cfg.Out, report.GatherResults(results, findings, info)); err != nil {
		return err
	}
	fmt.Fprintf(log, "done in %s: %s\n", time.Since(start).Round(time.Second), filepath.Join(cfg.Out, "index.html"))
	return nil
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
