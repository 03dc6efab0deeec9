package data

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// inputSA is the input separableness S_x of one sample: prototypes of the image's
// channel vectors over object and background, nearest-prototype map, Dice with the
// mask (1 when both are empty).
func inputSA(img []float32, mask []uint8, c int) float64 {
	n := len(mask)
	ct, cb := make([]float64, c), make([]float64, c)
	var nt, nb float64
	for i := range n {
		p, q := cb, &nb
		if mask[i] != 0 {
			p, q = ct, &nt
		}
		for k := range c {
			p[k] += float64(img[i*c+k])
		}
		*q++
	}
	for k := range c {
		ct[k] /= max(nt, 1)
		cb[k] /= max(nb, 1)
	}
	var inter, sumP, sumM float64
	for i := range n {
		var dt, db float64
		for k := range c {
			x := float64(img[i*c+k])
			dt += (x - ct[k]) * (x - ct[k])
			db += (x - cb[k]) * (x - cb[k])
		}
		pred := dt < db
		m := mask[i] != 0
		if pred {
			sumP++
		}
		if m {
			sumM++
		}
		if pred && m {
			inter++
		}
	}
	if sumP+sumM == 0 {
		return 1
	}
	return 2 * inter / (sumP + sumM)
}

// pearson returns the correlation of x and y.
func pearson(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

// TestSynthSeparableness checks that the stand-ins' input separableness S_x is
// ordered like the paper's Table 3 (BraTS .657, ISIC .667, COVID .411, Prostate
// .230, Pancreas .030), near those values, and that per-image S_x rises with the
// recorded per-image contrast.
func TestSynthSeparableness(t *testing.T) {
	want := map[string][2]float64{ // accepted range of mean S_x
		"brats-synth":    {0.55, 0.78},
		"isic-synth":     {0.55, 0.78},
		"covid-synth":    {0.32, 0.48},
		"prostate-synth": {0.15, 0.30},
		"pancreas-synth": {0.0, 0.08},
	}
	sa := map[string]float64{}
	for _, name := range []string{"brats-synth", "isic-synth", "covid-synth", "prostate-synth", "pancreas-synth"} {
		d, err := Load(name, Options{Seed: 1, TrainCount: 1, TestCount: 60})
		if err != nil {
			t.Fatal(err)
		}
		per := make([]float64, len(d.Test))
		contrast := make([]float64, len(d.Test))
		var frac float64
		for i, x := range d.Test {
			per[i] = inputSA(x.Image, x.Mask, d.Channels)
			contrast[i] = math.Abs(x.Meta["contrast"])
			sa[name] += per[i] / float64(len(d.Test))
			frac += x.Meta["object_fraction"] / float64(len(d.Test))
		}
		rho := pearson(contrast, per)
		t.Logf("%-15s S_x = %.3f  mean object fraction %.3f  corr(S_x, |contrast|) = %.2f", name, sa[name], frac, rho)
		if lo, hi := want[name][0], want[name][1]; sa[name] < lo || sa[name] > hi {
			t.Errorf("%s: mean S_x %.3f outside [%.2f, %.2f]", name, sa[name], lo, hi)
		}
		if name != "pancreas-synth" && rho < 0.2 {
			t.Errorf("%s: per-image S_x does not track contrast: correlation %.2f", name, rho)
		}
	}
	if min(sa["brats-synth"], sa["isic-synth"]) < sa["covid-synth"]+0.1 ||
		sa["covid-synth"] < sa["prostate-synth"]+0.07 || sa["prostate-synth"] < sa["pancreas-synth"]+0.07 {
		t.Errorf("S_x order (with margins) broken: %v, want BraTS, ISIC > COVID > Prostate > Pancreas", sa)
	}
}

func TestSynthDeterministic(t *testing.T) {
	for name := range synthSpecs {
		a, err := Load(name, Options{Seed: 7, TrainCount: 3, TestCount: 2})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Load(name, Options{Seed: 7, TrainCount: 5, TestCount: 2})
		c, _ := Load(name, Options{Seed: 8, TrainCount: 3, TestCount: 2})
		if a.Channels != synthSpecs[name].channels || a.Height != 64 || a.Width != 64 || len(a.Train) != 3 || len(a.Test) != 2 {
			t.Fatalf("%s: %d channels %d×%d, %d/%d samples", name, a.Channels, a.Height, a.Width, len(a.Train), len(a.Test))
		}
		for i := range a.Train {
			if !slices.Equal(a.Train[i].Image, b.Train[i].Image) || !slices.Equal(a.Train[i].Mask, b.Train[i].Mask) {
				t.Errorf("%s: train %d differs between two runs with seed 7", name, i)
			}
		}
		for i := range a.Test {
			if !slices.Equal(a.Test[i].Image, b.Test[i].Image) {
				t.Errorf("%s: test %d depends on the train count", name, i)
			}
		}
		if slices.Equal(a.Train[0].Image, c.Train[0].Image) {
			t.Errorf("%s: seeds 7 and 8 give the same image", name)
		}
		for _, s := range append(a.Train, a.Test...) {
			if len(s.Image) != 64*64*a.Channels || len(s.Mask) != 64*64 {
				t.Fatalf("%s: sample sizes %d, %d", name, len(s.Image), len(s.Mask))
			}
			if objectFraction(s.Mask) == 0 {
				t.Errorf("%s %s: empty mask", name, s.Subject)
			}
			for _, k := range []string{"contrast", "size", "blur", "noise", "object_fraction"} {
				if _, ok := s.Meta[k]; !ok {
					t.Errorf("%s %s: Meta lacks %q", name, s.Subject, k)
				}
			}
			for _, v := range s.Image {
				if !(v >= 0 && v <= 1) {
					t.Fatalf("%s %s: value %g outside [0,1]", name, s.Subject, v)
				}
			}
		}
	}
	d, err := Load("covid-synth", Options{Size: 96, TrainCount: 1, TestCount: 1})
	if err != nil || d.Height != 96 || len(d.Train[0].Mask) != 96*96 {
		t.Errorf("size 96: %v", err)
	}
}

func BenchmarkSynth(b *testing.B) {
	for name := range synthSpecs {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Load(name, Options{TrainCount: 160, TestCount: 48})
			}
		})
	}
}

func TestWritePreviews(t *testing.T) {
	dir := os.Getenv("PROTOSEG_PREVIEW_DIR")
	if dir == "" {
		t.Skip("set PROTOSEG_PREVIEW_DIR to write previews")
	}
	for name := range synthSpecs {
		d, err := Load(name, Options{Seed: 1, TrainCount: 1, TestCount: 16})
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(dir, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		png.Encode(f, d.Preview(d.Test, 4, 3))
		f.Close()
	}
}
