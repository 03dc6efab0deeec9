package study

import (
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/protoseg-go/protoseg-go/study/claims"
	"github.com/protoseg-go/protoseg-go/study/measure"
	"github.com/protoseg-go/protoseg-go/study/report"
)

// SeedSetup gives the backend and the trainer of one seed, whose progress goes
// to log. Seeds may run concurrently, so each gets its own backend.
type SeedSetup func(seed uint64, log io.Writer) (backends.Backend, Trainer, error)

// RunSeeds runs the study once per seed. One seed is [Run] into cfg.Out. With
// several, seed s runs into cfg.Out/seed<s> (its own report and results.json),
// and cfg.Out gets index.html and results.json with the findings combined over
// seeds ([CombineSeeds]), the calibration over seeds, Figs. 5, 10 and 11 with
// their spread, and links to every seed's report. Up to cfg.SeedWorkers seeds
// run at once ([DefaultSeedWorkers]), and with fewer seeds than that each seed
// runs cfg.DatasetWorkers datasets at once; each seed's log lines go to log
// prefixed "[seed s] " (and each dataset's "[name] " when datasets run at
// once), and results do not depend on the concurrency.
func RunSeeds(cfg Config, seeds []uint64, setup SeedSetup, log io.Writer) error {
	if len(seeds) == 0 {
		return fmt.Errorf("study: no seeds")
	}
	if len(seeds) == 1 {
		c := cfg
		c.Seed, c.Data.Seed = seeds[0], seeds[0]
		_, err := runWorkers(c, seedWorker(setup, seeds[0]), datasetWorkers(cfg, 1), log)
		return err
	}
	results, backendName, err := runSeedsConcurrently(cfg, seeds, setup, log)
	if err != nil {
		return err
	}
	return writeSeedsSummary(cfg, seeds, results, backendName)
}

// writeSeedsSummary writes into cfg.Out the summary of a multi-seed run: the
// findings combined over seeds, the calibration over seeds, Figs. 5, 10 and 11
// with their spread, the metric appendix (index.html) and results.json.
func writeSeedsSummary(cfg Config, seeds []uint64, results [][]*measure.DatasetResults, backendName string) error {
	var perSeed [][]claims.Finding
	var links []string
	for i, s := range seeds {
		perSeed = append(perSeed, claims.Findings(results[i]))
		links = append(links, fmt.Sprintf("<a href=\"seed%d/index.html\">seed %d</a>", s, s))
	}
	combined := claims.CombineSeeds(perSeed)
	var page strings.Builder
	page.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>ProtoSeg study over seeds</title>\n<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto} table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:.3em .6em} .ok{color:#1a7f37} .no{color:#b3261e} .maybe{color:#8a6d00} figure img{max-width:100%}</style></head><body>\n")
	fmt.Fprintf(&page, "<h1>ProtoSeg study over %d seeds</h1>\n<p>%s</p>\n<p>Every seed's full report: %s.</p>\n", len(seeds), html.EscapeString(cfg.Describe), strings.Join(links, " · "))
	page.WriteString("<p>Per dataset, the effect is the mean over seeds with a two-stage bootstrap interval (seeds, then test images), and the verdict judges that interval. Over datasets, a finding holds when it holds on every dataset, fails when it fails on one, and is inconclusive otherwise; the overall effect and interval are those of the dataset that decides the verdict.</p>\n")
	page.WriteString(report.FindingsHTML(combined))
	datasets := report.SeedsDatasetsJSON(results, seeds)
	page.WriteString("<h2>Calibration over seeds</h2>\n")
	page.WriteString(report.CalibrationTableFor(datasets, fmt.Sprintf("the mean over the %d seeds", len(seeds))).HTML())
	app, err := writeSeedsFigures(&page, cfg.Out, results)
	if err != nil {
		return err
	}
	page.WriteString("</body></html>\n")
	if err := os.WriteFile(filepath.Join(cfg.Out, "index.html"), []byte(page.String()), 0o644); err != nil {
		return fmt.Errorf("study: %w", err)
	}
	res := report.GatherResults(nil, combined, report.ReportInfo{Config: cfg.Describe, Backend: backendName})
	res.Seeds, res.Datasets, res.QCJSON = seeds, datasets, report.SeedsQCJSON(results, seeds)
	res.Dims = report.DimsOf(results[0])
	for _, a := range app {
		res.Metrics = append(res.Metrics, report.MetricJSON{Metric: a.Metric, Datasets: []report.MetricDatasetJSON{}, Findings: report.FindingsJSON(a.Findings)})
	}
	return report.WriteResults(cfg.Out, res)
}

// DefaultSeedWorkers is how many runs (seeds, or datasets of a seed) [RunSeeds]
// keeps going at once by default: twice the number of CPUs. One run keeps only about 1.2 of 2 cores busy, two
// runs about 1.95, and more runs than 2 per core gain nothing; running every
// seed of a small study at once avoids a last seed that runs alone. Each
// concurrent seed of the default preset holds about 0.9 GB.
func DefaultSeedWorkers() int { return 2 * runtime.NumCPU() }

// runSeedsConcurrently runs [Run] for every seed into cfg.Out/seed<s>, up to
// cfg.SeedWorkers at once, and returns the results in seed order and the name
// of the first seed's backend.
func runSeedsConcurrently(cfg Config, seeds []uint64, setup SeedSetup, log io.Writer) ([][]*measure.DatasetResults, string, error) {
	workers := cfg.SeedWorkers
	if workers <= 0 {
		workers = DefaultSeedWorkers()
	}
	workers = max(1, min(workers, len(seeds)))
	dsWorkers := datasetWorkers(cfg, workers)
	results := make([][]*measure.DatasetResults, len(seeds))
	names := make([]string, len(seeds))
	errs := make([]error, len(seeds))
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], names[i], errs[i] = runSeed(cfg, seeds[i], setup, dsWorkers, &lineLog{mu: &mu, w: log, prefix: fmt.Sprintf("[seed %d] ", seeds[i])})
			}
		}()
	}
	for i := range seeds {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, "", fmt.Errorf("study: seed %d: %w", seeds[i], err)
		}
	}
	return results, names[0], nil
}

// runSeed runs the study of one seed into cfg.Out/seed<s>, its datasets on up to
// workers goroutines, each on a backend of its own, and returns the backends' name.
func runSeed(cfg Config, s uint64, setup SeedSetup, workers int, log *lineLog) ([]*measure.DatasetResults, string, error) {
	defer log.flush()
	c := cfg
	c.Seed, c.Data.Seed = s, s
	c.Out = filepath.Join(cfg.Out, fmt.Sprintf("seed%d", s))
	c.Describe = fmt.Sprintf("%s (seed %d)", cfg.Describe, s)
	var once sync.Once
	name := ""
	named := func(w io.Writer) (backends.Backend, Trainer, error) {
		b, t, err := setup(s, w)
		if err == nil {
			once.Do(func() { name = b.Name() })
		}
		return b, t, err
	}
	rs, err := runWorkers(c, named, workers, log)
	return rs, name, err
}

// seedWorker is the dataset workers' setup of seed s.
func seedWorker(setup SeedSetup, s uint64) workerSetup {
	return func(log io.Writer) (backends.Backend, Trainer, error) { return setup(s, log) }
}

// MaxVolumeWorkers caps the default [Config.DatasetWorkers] of a volumetric run:
// one 3D dataset of the default 3D preset holds a few GB.
const MaxVolumeWorkers = 2

// datasetWorkers is how many datasets of one seed run at once when seedsAtOnce
// seeds run together ([Config.DatasetWorkers]).
func datasetWorkers(cfg Config, seedsAtOnce int) int {
	if cfg.DatasetWorkers > 0 {
		return cfg.DatasetWorkers
	}
	budget := cfg.SeedWorkers
	if budget <= 0 {
		budget = DefaultSeedWorkers()
	}
	w := max(1, budget/max(1, seedsAtOnce))
	if cfg.Data.Depth > 1 {
		w = min(w, MaxVolumeWorkers)
	}
	return w
}

// writeSeedsFigures saves into dir and writes into the page the figures with
// their spread over seeds and the metric appendix, which it returns.
func writeSeedsFigures(page *strings.Builder, dir string, results [][]*measure.DatasetResults) ([]report.MetricAppendix, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("study: %w", err)
	}
	figs, err := report.SeedFigures(results)
	if err != nil {
		return nil, err
	}
	if err := report.WriteSeedFigures(page, dir, figs); err != nil {
		return nil, err
	}
	app, err := report.SeedsAppendix(results)
	if err != nil {
		return nil, err
	}
	return app, report.WriteAppendix(page, dir, app)
}
