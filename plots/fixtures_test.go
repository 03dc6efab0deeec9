package plots

import (
	"math"
	"math/rand/v2"
)

// Made-up but plausible inputs for every figure and table.

var fixtureDatasets = []struct {
	name string
	c    int
	r    float64 // object radius
	hard float64 // 0 easy … 1 hard
}{{"BraTS", 4, 14, 0.1}, {"ISIC", 3, 18, 0.15}, {"COVID", 1, 9, 0.6}, {"Prostate", 2, 8, 0.35}, {"Pancreas", 1, 5, 0.5}}

const fixSize = 64

// blob returns an irregular disc mask centred at (cx,cy).
func blob(rng *rand.Rand, cx, cy, r float64) []uint8 {
	a1, a2, p1, p2 := rng.Float64()*0.25, rng.Float64()*0.15, rng.Float64()*6, rng.Float64()*6
	m := make([]uint8, fixSize*fixSize)
	for y := 0; y < fixSize; y++ {
		for x := 0; x < fixSize; x++ {
			dx, dy := float64(x)-cx, float64(y)-cy
			th := math.Atan2(dy, dx)
			rr := r * (1 + a1*math.Sin(3*th+p1) + a2*math.Sin(5*th+p2))
			if dx*dx+dy*dy <= rr*rr {
				m[y*fixSize+x] = 1
			}
		}
	}
	return m
}

// fakeImage: object brighter than background with smooth bias and noise.
func fakeImage(rng *rand.Rand, gt []uint8, c int, contrast, noise float64) Image {
	im := Image{H: fixSize, W: fixSize, C: c, Pix: make([]float32, fixSize*fixSize*c)}
	for y := 0; y < fixSize; y++ {
		for x := 0; x < fixSize; x++ {
			i := y*fixSize + x
			for ch := 0; ch < c; ch++ {
				v := 0.3 + 0.15*math.Sin(float64(x)/13+float64(ch)) + 0.1*math.Cos(float64(y)/17)
				if gt[i] != 0 {
					v += contrast * (1 - 0.2*float64(ch))
				}
				v += noise * rng.NormFloat64()
				im.Pix[i*c+ch] = float32(math.Max(0, math.Min(1, v)))
			}
		}
	}
	return im
}

// noisyMask flips pixels near the boundary and at random with rate p,
// and adds a spurious blob when p is large.
func noisyMask(rng *rand.Rand, gt []uint8, p float64) []uint8 {
	m := make([]uint8, len(gt))
	for i, v := range gt {
		m[i] = v
		x, y := i%fixSize, i/fixSize
		edge := false
		for _, o := range [][2]int{{2, 0}, {-2, 0}, {0, 2}, {0, -2}} {
			xx, yy := x+o[0], y+o[1]
			if xx >= 0 && yy >= 0 && xx < fixSize && yy < fixSize && gt[yy*fixSize+xx] != v {
				edge = true
			}
		}
		if (edge && rng.Float64() < 2*p) || rng.Float64() < p*p {
			m[i] = 1 - v
		}
	}
	if p > 0.25 {
		sp := blob(rng, 10+rng.Float64()*44, 10+rng.Float64()*44, 3+8*p)
		for i := range m {
			m[i] |= sp[i]
		}
	}
	return m
}

func dice(a, b []uint8) float64 {
	var inter, s int
	for i := range a {
		if a[i] != 0 && b[i] != 0 {
			inter++
		}
		s += int(a[i]) + int(b[i])
	}
	if s == 0 {
		return 1
	}
	return 2 * float64(inter) / float64(s)
}

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

// layerCurve: SA rising from early to late layers with a dip on the
// low-resolution abstract layers.
func layerCurve(rng *rand.Rand, hard, boost float64) []float64 {
	s := make([]float64, 18)
	for l := 1; l <= 18; l++ {
		base := 0.45 + 0.03*float64(l)
		if l >= 5 && l <= 14 {
			base -= 0.25 * math.Sin(math.Pi*float64(l-4)/11)
		}
		if l >= 15 {
			base += boost * float64(l-14) / 4
		}
		s[l-1] = clamp01(base*(1-0.6*hard) + 0.02*rng.NormFloat64())
	}
	return s
}

type fixtures struct {
	layerSA  []LayerSA
	layerMap []LayerSAMs
	unitSA   []UnitSA
	unitMaps []UnitSAMs
	heat     []HeatMap
	quality  []QualityScores
	buckets  []Buckets
	ranked   []RankedPanels
	ex13     []Example13
	sep      []RankedPanels
	sepSc    []Separableness
	noise    []NoiseSA
	t1       []Table1Row
	t2       []CoverageRow
	t3       []SeparablenessRow
}

func heatFrom(rng *rand.Rand, gt []uint8, blur float64) []float32 {
	h := make([]float32, len(gt))
	for y := 0; y < fixSize; y++ {
		for x := 0; x < fixSize; x++ {
			var s, n float64
			for dy := -3; dy <= 3; dy++ {
				for dx := -3; dx <= 3; dx++ {
					xx, yy := x+dx, y+dy
					if xx >= 0 && yy >= 0 && xx < fixSize && yy < fixSize {
						s += float64(gt[yy*fixSize+xx])
						n++
					}
				}
			}
			h[y*fixSize+x] = float32(clamp01(0.85*s/n + blur*rng.Float64()*0.3))
		}
	}
	return h
}

func makeFixtures() fixtures {
	rng := rand.New(rand.NewPCG(1, 2))
	var f fixtures
	for di, d := range fixtureDatasets {
		// Fig 5
		f.layerSA = append(f.layerSA, LayerSA{Dataset: d.name, Offline: layerCurve(rng, d.hard, 0.15), Online: layerCurve(rng, d.hard, 0.25)})
		gt := blob(rng, 32, 32, d.r)
		im := fakeImage(rng, gt, d.c, 0.5*(1-d.hard)+0.1, 0.03+0.1*d.hard)
		// Fig 6
		lm := LayerSAMs{Dataset: d.name, Image: im, GT: gt}
		for l := 1; l <= 18; l++ {
			pOff := 0.35 * (1 - float64(l)/20)
			if l >= 5 && l <= 14 {
				pOff += 0.1
			}
			a, b := noisyMask(rng, gt, pOff), noisyMask(rng, gt, pOff*0.7)
			lm.Offline = append(lm.Offline, a)
			lm.Online = append(lm.Online, b)
			lm.OfflineSA = append(lm.OfflineSA, dice(a, gt))
			lm.OnlineSA = append(lm.OnlineSA, dice(b, gt))
		}
		f.layerMap = append(f.layerMap, lm)
		// Fig 7, 8
		nu := 64
		us := UnitSA{Dataset: d.name, Threshold: 0.5, OutputDice: 0.85 - 0.4*d.hard}
		um := UnitSAMs{Dataset: d.name, Image: im, GT: gt}
		active := int(float64(nu) * (0.45 - 0.3*d.hard))
		for u := 0; u < nu; u++ {
			var sa float64
			var sam []uint8
			if u < active {
				sam = noisyMask(rng, gt, 0.05+0.15*rng.Float64())
			} else {
				sam = noisyMask(rng, blob(rng, 32+10*rng.NormFloat64(), 32+10*rng.NormFloat64(), 10+15*rng.Float64()), 0.2)
			}
			sa = dice(sam, gt)
			us.SA = append(us.SA, sa)
			um.Units = append(um.Units, UnitMap{Unit: u, SA: sa, SAM: sam})
		}
		f.unitSA = append(f.unitSA, us)
		f.unitMaps = append(f.unitMaps, um)
		// Fig 9 (two examples for the first two datasets)
		f.heat = append(f.heat, HeatMap{Dataset: d.name, Image: im, GT: gt, Heat: heatFrom(rng, gt, d.hard)})
		// Fig 10, 11, 12, 14, 15
		n := 40
		q := QualityScores{Dataset: d.name}
		rp := RankedPanels{Dataset: d.name}
		sp := RankedPanels{Dataset: d.name}
		ss := Separableness{Dataset: d.name}
		for i := 0; i < n; i++ {
			diff := clamp01(d.hard + 0.25*rng.NormFloat64())
			dc := clamp01(0.95 - 0.7*diff + 0.08*rng.NormFloat64())
			q.Dice = append(q.Dice, dc)
			q.Mu = append(q.Mu, clamp01(dc*0.8+0.1+0.08*rng.NormFloat64()))
			q.VoG = append(q.VoG, 1e-3*(2+diff+0.8*rng.NormFloat64()))
			sx := clamp01(dc - (0.1 + 0.6*float64(di)/4) + 0.1*rng.NormFloat64())
			ss.SASx = append(ss.SASx, sx)
			ss.Dice = append(ss.Dice, dc)
			if i < 6 {
				g := blob(rng, 32+4*rng.NormFloat64(), 32+4*rng.NormFloat64(), d.r*(0.6+0.8*rng.Float64()))
				img := fakeImage(rng, g, d.c, 0.5*(1-diff)+0.05, 0.03+0.1*diff)
				out := noisyMask(rng, g, 0.3*diff)
				rp.Panels = append(rp.Panels, Panel{Image: img, GT: g, Mask: out, Label: ""})
				rp.Scores = append(rp.Scores, q.Mu[i])
				sp.Panels = append(sp.Panels, Panel{Image: img, GT: g, Mask: noisyMask(rng, g, 0.5*(1-sx))})
				sp.Scores = append(sp.Scores, sx)
				if i < 2 && di < 4 {
					f.ex13 = append(f.ex13, Example13{Dataset: d.name, Image: img, GT: g, Heat: heatFrom(rng, g, diff), Output: out, Mu: q.Mu[i], Dice: dice(out, g)})
				}
			}
		}
		f.quality = append(f.quality, q)
		f.ranked = append(f.ranked, rp)
		f.sep = append(f.sep, sp)
		f.sepSc = append(f.sepSc, ss)
		f.buckets = append(f.buckets, Buckets{Dataset: d.name, Edges: []float64{0, 20, 40, 60, 80, 100},
			Mu:  []float64{clamp01(0.5 - 0.3*d.hard), clamp01(0.65 - 0.3*d.hard), clamp01(0.75 - 0.3*d.hard), clamp01(0.82 - 0.3*d.hard), clamp01(0.9 - 0.3*d.hard)},
			VoG: []float64{clamp01(0.8 - 0.3*d.hard), clamp01(0.75 - 0.3*d.hard), clamp01(0.72 - 0.3*d.hard), clamp01(0.7 - 0.3*d.hard), clamp01(0.62 - 0.3*d.hard)}})
		// Fig 16
		ns := NoiseSA{Dataset: d.name}
		for lv := 1; lv <= 10; lv++ {
			level := float64(lv) / 10
			ns.Levels = append(ns.Levels, level)
			row := make([]float64, 18)
			for l := 1; l <= 18; l++ {
				sens := 1.0
				if l >= 5 && l <= 14 {
					sens = 0.3
				}
				row[l-1] = -level * sens * (0.1 + 0.2*d.hard) * (1 + 0.1*rng.NormFloat64())
			}
			ns.Diff = append(ns.Diff, row)
		}
		f.noise = append(f.noise, ns)
		// tables
		f.t1 = append(f.t1, Table1Row{Dataset: d.name + " (stand-in)", OfflineB: MeanSD{0.85 - 0.4*d.hard, 0.2}, OfflineS18: MeanSD{0.8 - 0.45*d.hard, 0.22}, OnlineB: MeanSD{0.85 - 0.4*d.hard, 0.21}, OnlineS18: MeanSD{0.86 - 0.38*d.hard, 0.2}})
		f.t2 = append(f.t2, CoverageRow{Dataset: d.name + " (stand-in)", Coverage: []float64{100, 90, 75, 70, 50},
			Dice: []MeanSD{{0.8 - 0.3*d.hard, 0.2}, {0.82 - 0.3*d.hard, 0.17}, {0.85 - 0.3*d.hard, 0.15}, {0.86 - 0.3*d.hard, 0.14}, {0.9 - 0.3*d.hard, 0.1}}})
		f.t3 = append(f.t3, SeparablenessRow{Dataset: d.name + " (stand-in)", SASx: 0.7 - 0.65*float64(di)/4, DiceB: 0.85 - 0.4*d.hard, MD: 0.15 + 0.1*float64(di)})
	}
	return f
}

// renderAll builds every figure and table from the fixtures.
func renderAll(f fixtures) ([]*Figure, []*Table, error) {
	var figs []*Figure
	add := func(fig *Figure, err error) error {
		if err != nil {
			return err
		}
		figs = append(figs, fig)
		return nil
	}
	steps := []func() error{
		func() error { return add(Fig5LayerSA(f.layerSA)) },
		func() error { return add(Fig6LayerSAMs(f.layerMap)) },
		func() error { return add(Fig7UnitSA(f.unitSA)) },
		func() error { return add(Fig8UnitSAMs(f.unitMaps, 2)) },
		func() error { return add(Fig9HeatMaps(f.heat)) },
		func() error { return add(Fig10Scatter(f.quality)) },
		func() error { return add(Fig11Buckets(f.buckets)) },
		func() error { return add(Fig12RankedByMu(f.ranked)) },
		func() error { return add(Fig13Examples(f.ex13)) },
		func() error { return add(Fig14Separableness(f.sep)) },
		func() error { return add(Fig15Separableness(f.sepSc)) },
		func() error { return add(Fig16Noise(f.noise)) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, nil, err
		}
	}
	t1, err := Table1(f.t1, "ours (stand-in)")
	if err != nil {
		return nil, nil, err
	}
	t2, err := Table2(f.t2, "ours (stand-in)")
	if err != nil {
		return nil, nil, err
	}
	t3, err := Table3(f.t3, "ours (stand-in)")
	if err != nil {
		return nil, nil, err
	}
	return figs, []*Table{t1, t2, t3}, nil
}
