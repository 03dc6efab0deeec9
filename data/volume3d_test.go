package data

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestResample3 checks the volume resampling: linear interpolation with
// centres aligned and edges clamped, a box average before shrinking 2× or
// more, and nearest neighbour for masks.
func TestResample3(t *testing.T) {
	// A ramp along depth 0, 1 (2×1×1) upsampled to 4: centres at −0.25, 0.25,
	// 0.75, 1.25 of the input → 0, 0.25, 0.75, 1.
	if got := resampleLinear([]float32{0, 1}, shape3{2, 1, 1}, shape3{4, 1, 1}); !slices.Equal(got, []float32{0, 0.25, 0.75, 1}) {
		t.Errorf("2→4 along depth: %v", got)
	}
	// Stripes 0/1 along width shrunk 8 → 2: the box average gives 0.5, not aliasing.
	stripes := make([]float32, 2*1*8)
	for i := range stripes {
		stripes[i] = float32(i % 2)
	}
	if got := resampleLinear(stripes, shape3{2, 1, 8}, shape3{1, 1, 2}); !slices.Equal(got, []float32{0.5, 0.5}) {
		t.Errorf("8→2 of stripes: %v, want 0.5 0.5", got)
	}
	// 3→2 along height (no box): centres at 0.25 and 1.75 → 0.25·v1 and 0.75·v1 + 0.25·v2.
	if got := resampleLinear([]float32{0, 4, 8}, shape3{1, 3, 1}, shape3{1, 2, 1}); !slices.Equal(got, []float32{1, 7}) {
		t.Errorf("3→2: %v, want 1 7", got)
	}
	// Nearest: a 2×2×2 mask with one voxel set, doubled: that voxel's 8 children.
	m := make([]uint8, 8)
	m[(1*2+0)*2+1] = 1 // z 1, y 0, x 1
	big := resampleNearest(m, shape3{2, 2, 2}, shape3{4, 4, 4})
	n := 0
	for z := range 4 {
		for y := range 4 {
			for x := range 4 {
				if big[(z*4+y)*4+x] == 1 {
					n++
					if z < 2 || y > 1 || x < 2 {
						t.Errorf("nearest: voxel (%d,%d,%d) set", z, y, x)
					}
				}
			}
		}
	}
	if n != 8 {
		t.Errorf("nearest 2→4: %d voxels set, want 8", n)
	}
}

// voxel returns channel c of voxel (z, y, x) of s in d.
func voxel(d *Dataset, s Sample, z, y, x, c int) float64 {
	return float64(s.Image[((z*d.Height+y)*d.Width+x)*d.Channels+c])
}

// maskCount returns the number of object voxels of s, and of them in slice z.
func maskCount(d *Dataset, s Sample, z int) (all, inSlice int) {
	hw := d.Height * d.Width
	for i, m := range s.Mask {
		all += int(m)
		if i/hw == z {
			inSlice += int(m)
		}
	}
	return all, inSlice
}

// TestLoadBraTS3D loads the BraTS fixture as volumes: at its own size every
// voxel keeps its value and label; resampled to 10×4×4 the images are box
// averaged in-plane and the labels nearest, and the split is by subject as in
// 2D.
func TestLoadBraTS3D(t *testing.T) {
	root := t.TempDir()
	writeBraTS(t, root, 8)
	d, err := Load("brats", Options{Root: root, Size: 8, Depth: 5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, d)
	if d.Depth != 5 || len(d.Train) != 4 || len(d.Test) != 1 {
		t.Fatalf("depth %d, %d/%d volumes; want 5 and 4/1 (one per subject)", d.Depth, len(d.Train), len(d.Test))
	}
	d2D, _ := Load("brats", Options{Root: root, Size: 8, Seed: 3})
	if d.Test[0].Subject != d2D.Test[0].Subject {
		t.Errorf("3D test subject %s, 2D %s: split differs", d.Test[0].Subject, d2D.Test[0].Subject)
	}
	for _, s := range allSamples(d) {
		if all, mid := maskCount(d, s, 2); all != 3*35 || mid != 35 {
			t.Errorf("%s: %d object voxels (%d in slice 2), want 105 (35)", s.Subject, all, mid)
		}
		want := []float64{5. / 7, 2. / 7, 2. / 7, 5. / 7} // (z 4, row 2, column 5): flair i, t1 j, t1ce 7−i, t2 7−j
		for c := range 4 {
			if got := voxel(d, s, 4, 2, 5, c); math.Abs(got-want[c]) > 1e-6 {
				t.Fatalf("%s: channel %d at (4,2,5) = %g, want %g", s.Subject, c, got, want[c])
			}
		}
	}
	r, err := Load("brats", Options{Root: root, Size: 4, Depth: 10, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	s := r.Train[0]
	// Slices 2–7 come from slices 1–3; columns 0, 1 from i = 1, 3 (labels 1, 2).
	if all, first := maskCount(r, s, 1); all != 6*8 || first != 0 {
		t.Errorf("10×4×4: %d object voxels (%d in slice 1), want 48 (0)", all, first)
	}
	if got := voxel(r, s, 7, 3, 1, 0); math.Abs(got-2.5/7) > 1e-6 { // flair: mean of i = 2, 3
		t.Errorf("10×4×4: flair at column 1 = %g, want 2.5/7", got)
	}
	if got := voxel(r, s, 0, 1, 0, 1); math.Abs(got-2.5/7) > 1e-6 { // t1: mean of j = 2, 3
		t.Errorf("10×4×4: t1 at row 1 = %g, want 2.5/7", got)
	}
}

// TestLoadMSD3D loads the prostate (4D T2+ADC) and pancreas (CT window)
// fixtures as volumes.
func TestLoadMSD3D(t *testing.T) {
	task, _ := writeProstate(t, t.TempDir())
	d, err := Load("prostate", Options{Root: task, Size: 8, Depth: 4})
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, d)
	if d.Channels != 2 || len(allSamples(d)) != 3 {
		t.Fatalf("prostate: %d channels, %d volumes; want 2 and 3", d.Channels, len(allSamples(d)))
	}
	for _, s := range allSamples(d) {
		if all, _ := maskCount(d, s, 0); all != 32 {
			t.Errorf("prostate %s: %d object voxels, want 2 slices × 16", s.Subject, all)
		}
		if t2, adc := voxel(d, s, 3, 3, 6, 0), voxel(d, s, 3, 3, 6, 1); math.Abs(t2-6./7) > 0.02 || math.Abs(adc-3./7) > 0.02 {
			t.Errorf("prostate (3,3,6) = %g, %g; want T2 6/7, ADC 3/7", t2, adc)
		}
	}
	root := t.TempDir()
	writePancreas(t, root)
	p, err := Load("pancreas", Options{Root: root, Size: 8, Depth: 6})
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, p)
	for _, s := range allSamples(p) {
		// Depth 3 → 6: slices 4, 5 from slice 2; in-plane 16 → 8: columns 2, 3 (label 1) and 4 (label 2), rows 2, 3.
		if all, last := maskCount(p, s, 5); all != 12 || last != 6 {
			t.Errorf("pancreas %s: %d object voxels (%d in slice 5), want 12 (6)", s.Subject, all, last)
		}
		if math.Abs(voxel(p, s, 0, 0, 0, 0)-0.5) > 1e-5 {
			t.Errorf("pancreas: 70 HU → %g, want 0.5", voxel(p, s, 0, 0, 0, 0))
		}
	}
}

// TestLoadCOVID3D loads the Ma et al. layout as volumes, and refuses volumes
// from the single slices of tr_im and from ISIC photos.
func TestLoadCOVID3D(t *testing.T) {
	root := t.TempDir()
	lab := vol3(8, 8, 3, func(i, j, k int) float64 {
		if k == 1 && j < 2 {
			return 1
		}
		return 0
	})
	for _, id := range []string{"001", "002"} {
		writeNIfTI(t, filepath.Join(root, "COVID-19-CT-Seg_20cases", "coronacases_org_"+id+".nii.gz"), niftiSpec{dims: []int{8, 8, 3}, datatype: 4}, vol3(8, 8, 3, func(i, j, k int) float64 { return -300 }))
		writeNIfTI(t, filepath.Join(root, "Infection_Mask", "coronacases_"+id+".nii.gz"), niftiSpec{dims: []int{8, 8, 3}, datatype: 2}, lab)
	}
	d, err := Load("covid", Options{Root: root, Size: 8, Depth: 3})
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, d)
	for _, s := range allSamples(d) {
		if all, mid := maskCount(d, s, 1); all != 16 || mid != 16 || math.Abs(voxel(d, s, 2, 7, 7, 0)-0.5) > 1e-6 {
			t.Errorf("%s: %d object voxels (%d in slice 1), value %g; want 16 (16), 0.5", s.Subject, all, mid, voxel(d, s, 2, 7, 7, 0))
		}
	}
	writeNIfTI(t, filepath.Join(root, "tr_im.nii.gz"), niftiSpec{dims: []int{8, 8, 3}, datatype: 16}, lab)
	writeNIfTI(t, filepath.Join(root, "tr_mask.nii.gz"), niftiSpec{dims: []int{8, 8, 3}, datatype: 16}, lab)
	if _, err := Load("covid", Options{Root: root, Depth: 8}); err == nil || !strings.Contains(err.Error(), "no volumes") {
		t.Errorf("tr_im as volumes: error %v", err)
	}
	if _, err := Load("isic", Options{Root: root, Depth: 8}); err == nil || !strings.Contains(err.Error(), "no depth") {
		t.Errorf("isic as volumes: error %v", err)
	}
}
