package data

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestSynth3D checks the volumetric stand-ins' shape (Depth 0 gives
// DefaultDepth×64×64; Depth and Size are honoured), Batch's 5D tensors,
// determinism (same seed, same bytes; the test set does not depend on the
// train count; another seed differs), Meta, values in [0,1] and non-empty
// masks.
func TestSynth3D(t *testing.T) {
	for name, spec := range synth3DSpecs {
		a, err := Load(name, Options{Seed: 7, TrainCount: 3, TestCount: 2})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Load(name, Options{Seed: 7, TrainCount: 4, TestCount: 2})
		c, _ := Load(name, Options{Seed: 8, TrainCount: 3, TestCount: 2})
		if a.Channels != spec.channels || a.Depth != DefaultDepth || a.Height != 64 || a.Width != 64 || !a.Volumetric() || a.Voxels() != 32*64*64 {
			t.Fatalf("%s: %d channels, %d×%d×%d", name, a.Channels, a.Depth, a.Height, a.Width)
		}
		for i := range a.Train {
			if !slices.Equal(a.Train[i].Image, b.Train[i].Image) || !slices.Equal(a.Train[i].Mask, b.Train[i].Mask) {
				t.Errorf("%s: train %d differs between two runs with seed 7", name, i)
			}
		}
		if !slices.Equal(a.Test[1].Image, b.Test[1].Image) || a.Fingerprint() == b.Fingerprint() {
			t.Errorf("%s: test set depends on the train count, or the fingerprint does not", name)
		}
		if slices.Equal(a.Train[0].Image, c.Train[0].Image) {
			t.Errorf("%s: seeds 7 and 8 give the same volume", name)
		}
		for _, s := range allSamples(a) {
			checkVolume(t, a, s)
		}
		images, masks, err := a.Batch(a.Train)
		if err != nil || !slices.Equal(images.Shape().Dimensions, []int{3, 32, 64, 64, spec.channels}) || !slices.Equal(masks.Shape().Dimensions, []int{3, 32, 64, 64}) {
			t.Errorf("%s: Batch gives %v and %v (%v), want [3 32 64 64 %d] and [3 32 64 64]", name, images.Shape(), masks.Shape(), err, spec.channels)
		}
	}
	// Volumes are drawn in parallel; one goroutine gives the same bytes.
	a, _ := Load("pancreas-synth3d", Options{Seed: 3, Size: 32, Depth: 8, TrainCount: 5, TestCount: 1})
	procs := runtime.GOMAXPROCS(1)
	b, _ := Load("pancreas-synth3d", Options{Seed: 3, Size: 32, Depth: 8, TrainCount: 5, TestCount: 1})
	runtime.GOMAXPROCS(procs)
	if a.Fingerprint() != b.Fingerprint() {
		t.Errorf("GOMAXPROCS %d and 1 give fingerprints %s and %s", procs, a.Fingerprint(), b.Fingerprint())
	}
	d, err := Load("prostate-synth3d", Options{Depth: 12, Size: 32, TrainCount: 1, TestCount: 1})
	if err != nil || d.Depth != 12 || d.Height != 32 || len(d.Train[0].Mask) != 12*32*32 || len(d.Train[0].Image) != 12*32*32*2 {
		t.Errorf("depth 12, size 32: %v", err)
	}
}

// checkVolume checks one volume's sizes, Meta, value range and mask.
func checkVolume(t *testing.T, d *Dataset, s Sample) {
	t.Helper()
	if len(s.Image) != d.Voxels()*d.Channels || len(s.Mask) != d.Voxels() {
		t.Fatalf("%s %s: sizes %d, %d", d.Name, s.Subject, len(s.Image), len(s.Mask))
	}
	if f := objectFraction(s.Mask); f == 0 || f != s.Meta["object_fraction"] {
		t.Errorf("%s %s: object fraction %g, Meta %g", d.Name, s.Subject, f, s.Meta["object_fraction"])
	}
	for _, k := range []string{"contrast", "size", "blur", "noise", "artefacts", "hard"} {
		if _, ok := s.Meta[k]; !ok {
			t.Errorf("%s %s: Meta lacks %q", d.Name, s.Subject, k)
		}
	}
	for _, v := range s.Image {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("%s %s: value %g outside [0,1]", d.Name, s.Subject, v)
		}
	}
}

// paperSx3D maps each volumetric stand-in to its 2D counterpart's S_x target.
var paperSx3D = map[string]float64{"brats-synth3d": paperSx["brats-synth"], "covid-synth3d": paperSx["covid-synth"], "prostate-synth3d": paperSx["prostate-synth"], "pancreas-synth3d": paperSx["pancreas-synth"]}

// TestSynth3DSeparableness checks the volumetric stand-ins' calibration target
// (docs/design.md §10): on the calibration test sets (40 volumes, seeds 1 and
// 2) the mean input separableness S_x of the volumes is within ±0.05 of the 2D
// counterpart's Table 3 value, in the paper's order with margins; per-volume
// S_x tracks contrast (not for pancreas); every test set holds the hard share
// to within 2 volumes, and hard volumes have the lower S_x.
func TestSynth3DSeparableness(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 320 volumes")
	}
	sa := map[string]float64{}
	for _, name := range StandIns3D() {
		var per, contrast []float64
		for _, seed := range calibrationSeeds {
			d, err := Load(name, Options{Seed: seed, TrainCount: 1, TestCount: calibrationTest})
			if err != nil {
				t.Fatal(err)
			}
			var sx [2]float64 // ordinary, hard
			var n [2]int
			for _, x := range d.Test {
				v := inputSA(x.Image, x.Mask, d.Channels)
				per, contrast = append(per, v), append(contrast, math.Abs(x.Meta["contrast"]))
				h := int(x.Meta["hard"])
				sx[h] += v
				n[h]++
			}
			if want := synth3DKnobs[name].HardShare * calibrationTest; math.Abs(float64(n[1])-want) > 2 {
				t.Errorf("%s seed %d: %d hard volumes, want %.0f ± 2", name, seed, n[1], want)
			}
			if sx[1]/float64(n[1]) >= sx[0]/float64(n[0]) {
				t.Errorf("%s seed %d: hard volumes' S_x %.3f ≥ the others' %.3f", name, seed, sx[1]/float64(n[1]), sx[0]/float64(n[0]))
			}
		}
		for _, v := range per {
			sa[name] += v / float64(len(per))
		}
		rho := pearson(contrast, per)
		t.Logf("%-17s S_x = %.3f (2D target %.3f)  corr(S_x, |contrast|) = %.2f", name, sa[name], paperSx3D[name], rho)
		if math.Abs(sa[name]-paperSx3D[name]) > sxTolerance {
			t.Errorf("%s: mean S_x %.3f, want %.3f ± %.2f", name, sa[name], paperSx3D[name], sxTolerance)
		}
		if name != "pancreas-synth3d" && rho < 0.2 {
			t.Errorf("%s: per-volume S_x does not track contrast: correlation %.2f", name, rho)
		}
	}
	if sa["brats-synth3d"] < sa["covid-synth3d"]+0.1 || sa["covid-synth3d"] < sa["prostate-synth3d"]+0.07 || sa["prostate-synth3d"] < sa["pancreas-synth3d"]+0.07 {
		t.Errorf("S_x order (with margins) broken: %v, want BraTS > COVID > Prostate > Pancreas", sa)
	}
}

// TestSynth3DLandmarks checks that pancreas-synth3d's hard volumes, and only
// they, lack the landmarks.
func TestSynth3DLandmarks(t *testing.T) {
	d, err := Load("pancreas-synth3d", Options{Seed: 1, TrainCount: 1, TestCount: 10, Size: 32, Depth: 8})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range d.Test {
		if (x.Meta["hard"] == 1) != (x.Meta["landmarks"] == 0) {
			t.Errorf("%s: hard %g with landmarks %.2f", x.Subject, x.Meta["hard"], x.Meta["landmarks"])
		}
	}
}

// TestSynth3DErrors checks the errors for a volumetric stand-in without enough
// slices or pixels, and for a 2D stand-in asked for volumes.
func TestSynth3DErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		opts Options
		want string
	}{
		{"brats-synth3d", Options{Depth: 1}, "depth 1 too small"},
		{"pancreas-synth3d", Options{Size: 8}, "size 8 too small"},
		{"brats-synth", Options{Depth: 16}, "load brats-synth3d for volumes"},
		{"isic-synth", Options{Depth: 16}, "no volumetric counterpart"},
		{"covid-synth", Options{Depth: 16}, "load covid-synth3d for volumes"},
	} {
		if _, err := Load(c.name, c.opts); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%s %+v: error %v, want one naming it and saying %q", c.name, c.opts, err, c.want)
		}
	}
}

// TestValueNoise3 checks that 3D value noise has mean ≈ 0 and SD ≈ 1.
func TestValueNoise3(t *testing.T) {
	var s, ss float64
	n := 0
	for seed := range 20 {
		for _, v := range valueNoise3(rand.New(rand.NewPCG(uint64(seed), 1)), shape3{16, 32, 32}, 4) {
			s, ss, n = s+float64(v), ss+float64(v)*float64(v), n+1
		}
	}
	mean := s / float64(n)
	sd := math.Sqrt(ss/float64(n) - mean*mean)
	if math.Abs(mean) > 0.15 || math.Abs(sd-1) > 0.1 {
		t.Errorf("3D value noise: mean %.3f, SD %.3f; want ≈ 0 and 1", mean, sd)
	}
}

// TestBlob3 checks that an unperturbed blob is the ellipsoid it describes:
// its voxel count matches 4/3·π·rz·ry·rx of the volume within 5%.
func TestBlob3(t *testing.T) {
	s := shape3{40, 80, 80}
	b := newBlob3(rand.New(rand.NewPCG(1, 2)), s, 0.5, 0.5, 0.5, 0.3, 0.2, 0.25, 0)
	var n float64
	for _, v := range b.paint(s) {
		n += float64(v)
	}
	want := 4. / 3 * math.Pi * 0.3 * 0.2 * 0.25 * float64(s.size())
	if math.Abs(n/want-1) > 0.05 {
		t.Errorf("ellipsoid: %g voxels, want %g", n, want)
	}
}

func BenchmarkSynth3D(b *testing.B) {
	for _, name := range StandIns3D() {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Load(name, Options{})
			}
		})
	}
}
