package study

import (
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/protoseg-go/protoseg-go/plots"
)

// PoolOverSeeds combines the intervals of one effect measured on several seeds
// (independent training runs) by a two-stage bootstrap: replicate b draws as many
// seeds as there are, with replacement, and averages their b-th image-level
// replicates, so the interval covers both run-to-run and image-to-image
// variation. The effect is the mean over seeds. With one seed it is that seed's
// interval.
func PoolOverSeeds(ivs []Interval, seed uint64) (Interval, error) {
	if len(ivs) == 0 {
		return Interval{}, fmt.Errorf("study: pooling no seeds")
	}
	if len(ivs) == 1 {
		return ivs[0], nil
	}
	m, effect := alignReplicates(ivs)
	if m == 0 {
		return Interval{}, fmt.Errorf("study: pooling seeds without replicates")
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	reps := make([]float64, m)
	for b := range m {
		for range ivs {
			reps[b] += ivs[rng.IntN(len(ivs))].Replicates[b]
		}
		reps[b] /= float64(len(ivs))
	}
	lo, hi := percentileInterval(reps)
	return Interval{Effect: effect, Low: lo, High: hi, Replicates: reps}, nil
}

// CombineSeeds combines the findings of several seeds (each from [Findings] on
// the same datasets): per dataset, the effect is the mean over seeds with a
// two-stage bootstrap interval ([PoolOverSeeds]: seeds, then test images), and
// the verdict judges that interval with the claim's band, so it agrees with the
// printed interval; over datasets, as in [Findings]. A claim
// or dataset missing from some seed is combined over the seeds that have it.
func CombineSeeds(perSeed [][]Finding) []Finding {
	if len(perSeed) == 0 {
		return nil
	}
	var out []Finding
	for _, f0 := range perSeed[0] {
		f := Finding{Claim: f0.Claim, Band: f0.Band}
		for _, d0 := range f0.PerDataset {
			ivs, seedVerdicts := seedIntervals(perSeed, f0.Claim, d0.Name)
			d := DatasetFinding{Name: d0.Name, Verdict: Inconclusive}
			if iv, err := PoolOverSeeds(ivs, BootstrapSeed); err != nil {
				d.Detail = "undefined: " + err.Error()
			} else {
				d.Defined, d.Effect, d.CILow, d.CIHigh, d.replicates = true, iv.Effect, iv.Low, iv.High, iv.Replicates
				d.Verdict = f.Band.Judge(iv)
				d.Detail = fmt.Sprintf("%s over %s (per seed: %s)", ciText(iv), seedCount(len(ivs)), strings.Join(seedVerdicts, ", "))
			}
			f.PerDataset = append(f.PerDataset, d)
		}
		f.combine()
		out = append(out, f)
	}
	return out
}

// seedCaptions describe the figures of [SeedFigures], by file name.
var seedCaptions = map[string]string{
	"fig05": "Fig. 5 over seeds — mean SA per layer, the mean over seeds with the range (minimum to maximum) across seeds shaded.",
	"fig10": "Fig. 10 over seeds — every seed's test images pooled; the legend gives each score's Pearson r with Dice as the mean over seeds and its range.",
	"fig11": "Fig. 11 over seeds — mean Dice per percentile bucket of μ and of VoG: bars are the mean over seeds, whiskers the range across seeds.",
}

// writeSeedFigures saves the seed figures into dir and adds them to page.
func writeSeedFigures(page *strings.Builder, dir string, figs []*plots.Figure) error {
	page.WriteString("<h2>Spread over seeds</h2>\n")
	for _, f := range figs {
		if err := saveFigure(dir, f, f.Name); err != nil {
			return err
		}
		page.WriteString(figureHTML(f.Name, f.Title, seedCaptions[f.Name]))
	}
	return nil
}

// seedCount is "1 seed" or "n seeds".
func seedCount(n int) string {
	if n == 1 {
		return "1 seed"
	}
	return fmt.Sprintf("%d seeds", n)
}

// seedIntervals returns, over the seeds, the defined intervals of one claim on
// one dataset and every seed's verdict.
func seedIntervals(perSeed [][]Finding, claim, dataset string) (ivs []Interval, verdicts []string) {
	for _, fs := range perSeed {
		for _, g := range fs {
			if g.Claim != claim {
				continue
			}
			for _, d := range g.PerDataset {
				if d.Name != dataset {
					continue
				}
				verdicts = append(verdicts, d.Verdict)
				if d.Defined {
					ivs = append(ivs, Interval{Effect: d.Effect, Low: d.CILow, High: d.CIHigh, Replicates: d.replicates})
				}
			}
		}
	}
	return ivs, verdicts
}

// SeedSetup gives the backend and the trainer of one seed, whose progress goes
// to log. Seeds may run concurrently, so each gets its own backend.
type SeedSetup func(seed uint64, log io.Writer) (backends.Backend, Trainer, error)

// RunSeeds runs the study once per seed. One seed is [Run] into cfg.Out. With
// several, seed s runs into cfg.Out/seed<s> (its own report and results.json),
// and cfg.Out gets index.html and results.json with the findings combined over
// seeds ([CombineSeeds]), the calibration over seeds, Figs. 5, 10 and 11 with
// their spread, and links to every seed's report. Up to cfg.SeedWorkers seeds
// run at once ([DefaultSeedWorkers]); each seed's log lines go to log prefixed
// "[seed s] ", and results do not depend on the concurrency.
func RunSeeds(cfg Config, seeds []uint64, setup SeedSetup, log io.Writer) error {
	if len(seeds) == 0 {
		return fmt.Errorf("study: no seeds")
	}
	if len(seeds) == 1 {
		c := cfg
		c.Seed, c.Data.Seed = seeds[0], seeds[0]
		backend, trainer, err := setup(seeds[0], log)
		if err != nil {
			return err
		}
		_, err = Run(c, backend, trainer, log)
		return err
	}
	results, backendName, err := runSeedsConcurrently(cfg, seeds, setup, log)
	if err != nil {
		return err
	}
	var perSeed [][]Finding
	var links []string
	for i, s := range seeds {
		perSeed = append(perSeed, Findings(results[i]))
		links = append(links, fmt.Sprintf("<a href=\"seed%d/index.html\">seed %d</a>", s, s))
	}
	combined := CombineSeeds(perSeed)
	var page strings.Builder
	page.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>ProtoSeg study over seeds</title>\n<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto} table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:.3em .6em} .ok{color:#1a7f37} .no{color:#b3261e} .maybe{color:#8a6d00} figure img{max-width:100%}</style></head><body>\n")
	fmt.Fprintf(&page, "<h1>ProtoSeg study over %d seeds</h1>\n<p>%s</p>\n<p>Every seed's full report: %s.</p>\n", len(seeds), html.EscapeString(cfg.Describe), strings.Join(links, " · "))
	page.WriteString("<p>Per dataset, the effect is the mean over seeds with a two-stage bootstrap interval (seeds, then test images), and the verdict judges that interval. Over datasets, a finding holds when it holds on every dataset, fails when it fails on one, and is inconclusive otherwise; the overall effect and interval are those of the dataset that decides the verdict.</p>\n")
	page.WriteString(FindingsHTML(combined))
	datasets := SeedsDatasetsJSON(results, seeds)
	page.WriteString("<h2>Calibration over seeds</h2>\n")
	page.WriteString(calibrationTable(datasets, fmt.Sprintf("the mean over the %d seeds", len(seeds))).HTML())
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return fmt.Errorf("study: %w", err)
	}
	figs, err := SeedFigures(results)
	if err != nil {
		return err
	}
	if err := writeSeedFigures(&page, cfg.Out, figs); err != nil {
		return err
	}
	app, err := SeedsAppendix(results)
	if err != nil {
		return err
	}
	if err := writeAppendix(&page, cfg.Out, app); err != nil {
		return err
	}
	page.WriteString("</body></html>\n")
	if err := os.WriteFile(filepath.Join(cfg.Out, "index.html"), []byte(page.String()), 0o644); err != nil {
		return fmt.Errorf("study: %w", err)
	}
	res := GatherResults(nil, combined, ReportInfo{Config: cfg.Describe, Backend: backendName})
	res.Seeds, res.Datasets, res.QCJSON = seeds, datasets, seedsQCJSON(results, seeds)
	for _, a := range app {
		res.Metrics = append(res.Metrics, MetricJSON{Metric: a.Metric, Datasets: []MetricDatasetJSON{}, Findings: findingsJSON(a.Findings)})
	}
	return WriteResults(cfg.Out, res)
}

// seedsQCJSON gathers the quality-control fields of every seed, keyed
// "<dataset>/seed<s>".
func seedsQCJSON(perSeed [][]*DatasetResults, seeds []uint64) QCJSON {
	out := QCJSON{FailureDetection: map[string]map[string]FailureJSON{}, QCScores: map[string]map[string][]float64{}, QCDice: map[string][]float64{}}
	for i, rs := range perSeed {
		q := QCResultsJSON(rs)
		suffix := fmt.Sprintf("/seed%d", seeds[i])
		for k, v := range q.FailureDetection {
			out.FailureDetection[k+suffix] = v
		}
		for k, v := range q.QCScores {
			out.QCScores[k+suffix] = v
		}
		for k, v := range q.QCDice {
			out.QCDice[k+suffix] = v
		}
	}
	return out
}

// DefaultSeedWorkers is how many seeds [RunSeeds] runs at once by default:
// twice the number of CPUs. One run keeps only about 1.2 of 2 cores busy, two
// runs about 1.95, and more runs than 2 per core gain nothing; running every
// seed of a small study at once avoids a last seed that runs alone. Each
// concurrent seed of the default preset holds about 0.9 GB.
func DefaultSeedWorkers() int { return 2 * runtime.NumCPU() }

// runSeedsConcurrently runs [Run] for every seed into cfg.Out/seed<s>, up to
// cfg.SeedWorkers at once, and returns the results in seed order and the name
// of the first seed's backend.
func runSeedsConcurrently(cfg Config, seeds []uint64, setup SeedSetup, log io.Writer) ([][]*DatasetResults, string, error) {
	workers := cfg.SeedWorkers
	if workers <= 0 {
		workers = DefaultSeedWorkers()
	}
	workers = max(1, min(workers, len(seeds)))
	results := make([][]*DatasetResults, len(seeds))
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
				results[i], names[i], errs[i] = runSeed(cfg, seeds[i], setup, &lineLog{mu: &mu, w: log, prefix: fmt.Sprintf("[seed %d] ", seeds[i])})
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

// runSeed runs the study of one seed into cfg.Out/seed<s> on its own backend,
// whose name it returns.
func runSeed(cfg Config, s uint64, setup SeedSetup, log *lineLog) ([]*DatasetResults, string, error) {
	defer log.flush()
	c := cfg
	c.Seed, c.Data.Seed = s, s
	c.Out = filepath.Join(cfg.Out, fmt.Sprintf("seed%d", s))
	c.Describe = fmt.Sprintf("%s (seed %d)", cfg.Describe, s)
	backend, trainer, err := setup(s, log)
	if err != nil {
		return nil, "", err
	}
	rs, err := Run(c, backend, trainer, log)
	return rs, backend.Name(), err
}
