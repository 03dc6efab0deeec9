package data

import (
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vol3 builds NIfTI-order values of an ni×nj×nk volume from f(i, j, k).
func vol3(ni, nj, nk int, f func(i, j, k int) float64) []float64 {
	v := make([]float64, ni*nj*nk)
	for k := range nk {
		for j := range nj {
			for i := range ni {
				v[(k*nj+j)*ni+i] = f(i, j, k)
			}
		}
	}
	return v
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkSplit verifies that no subject is in both splits and every sample is valid.
func checkSplit(t *testing.T, d *Dataset) {
	t.Helper()
	train := map[string]bool{}
	for _, s := range d.Train {
		train[s.Subject] = true
	}
	for _, s := range d.Test {
		if train[s.Subject] {
			t.Errorf("%s: subject %s in both splits", d.Name, s.Subject)
		}
	}
	if len(d.Train) == 0 || len(d.Test) == 0 {
		t.Errorf("%s: %d train and %d test samples", d.Name, len(d.Train), len(d.Test))
	}
	for _, s := range append(append([]Sample{}, d.Train...), d.Test...) {
		if len(s.Image) != d.Voxels()*d.Channels || len(s.Mask) != d.Voxels() {
			t.Fatalf("%s: sample %s/%d has %d, %d values", d.Name, s.Subject, s.Slice, len(s.Image), len(s.Mask))
		}
		for _, v := range s.Image {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("%s: value %g outside [0,1]", d.Name, v)
			}
		}
	}
	if _, _, err := d.Batch(d.Train); err != nil {
		t.Error(err)
	}
}

func allSamples(d *Dataset) []Sample { return append(append([]Sample{}, d.Train...), d.Test...) }

// writeBraTS writes five BraTS subjects of n×n×5 voxels under root (HGG/LGG
// sub-folders and the flat 2020 layout): labels 1 (i < 2), 2 (i < 4) and 4
// (i = 4, j < 3) in slices 1–3, flair = i, t1 = j, t1ce = 7 − i, t2 = 7 − j.
func writeBraTS(t *testing.T, root string, n int) {
	seg := vol3(n, n, 5, func(i, j, k int) float64 {
		if k == 0 || k == 4 {
			return 0
		}
		switch {
		case i < 2:
			return 1
		case i < 4:
			return 2
		case i == 4 && j < 3:
			return 4
		}
		return 0
	})
	mods := map[string]func(i, j, k int) float64{
		"flair": func(i, j, k int) float64 { return float64(i) },
		"t1":    func(i, j, k int) float64 { return float64(j) },
		"t1ce":  func(i, j, k int) float64 { return float64(7 - i) },
		"t2":    func(i, j, k int) float64 { return float64(7 - j) },
	}
	for s, sub := range []string{"HGG/Brats18_A_1", "HGG/Brats18_B_2", "LGG/Brats18_C_3", "LGG/Brats18_D_4", "Brats18_E_5"} {
		id := filepath.Base(sub)
		for m, f := range mods {
			writeNIfTI(t, filepath.Join(root, sub, id+"_"+m+".nii.gz"), niftiSpec{dims: []int{n, n, 5}, datatype: 4}, vol3(n, n, 5, f))
		}
		dt := int16(2)
		if s == 1 {
			dt = 16 // some releases store seg as float
		}
		writeNIfTI(t, filepath.Join(root, sub, id+"_seg.nii.gz"), niftiSpec{dims: []int{n, n, 5}, datatype: dt}, seg)
		writeFile(t, filepath.Join(root, sub, "._"+id+"_seg.nii.gz"), []byte("macOS junk"))
	}
}

func TestLoadBraTS(t *testing.T) {
	root := t.TempDir()
	const n = 8
	writeBraTS(t, root, n)
	d, err := Load("brats", Options{Root: root, Size: n, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, d)
	if d.Channels != 4 || len(allSamples(d)) != 15 {
		t.Fatalf("channels %d, %d samples; want 4 and 5 subjects × 3 slices", d.Channels, len(allSamples(d)))
	}
	st := d.Summary()
	if st.TrainSubjects+st.TestSubjects != 5 || st.TestSubjects != 1 {
		t.Errorf("subjects %d train + %d test, want 4 + 1", st.TrainSubjects, st.TestSubjects)
	}
	for _, s := range allSamples(d) {
		if s.Slice < 1 || s.Slice > 3 {
			t.Errorf("slice %d kept, want only 1..3 (0 and 4 are empty)", s.Slice)
		}
		ones := 0
		for _, m := range s.Mask {
			ones += int(m)
		}
		if ones != 2*n+2*n+3 {
			t.Errorf("%s slice %d: %d object pixels, want %d (labels 1, 2, 4 merged)", s.Subject, s.Slice, ones, 2*n+2*n+3)
		}
		// Pixel row 2, column 5: flair = i/7, t1 = j/7, t1ce = 1−i/7, t2 = 1−j/7.
		p := s.Image[(2*n+5)*4:]
		want := []float32{5. / 7, 2. / 7, 2. / 7, 5. / 7}
		for c := range 4 {
			if math.Abs(float64(p[c]-want[c])) > 0.02 {
				t.Fatalf("%s: channel %d at (2,5) = %g, want %g (order flair, t1, t1ce, t2)", s.Subject, c, p[c], want[c])
			}
		}
	}
	d2, err := Load("brats", Options{Root: root, Size: 16, Seed: 3, KeepEmpty: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(allSamples(d2)) != 25 || d2.Height != 16 || d2.Summary().Empty != 10 {
		t.Errorf("KeepEmpty: %d samples (%d empty) of %d×%d, want 25 (10) of 16×16", len(allSamples(d2)), d2.Summary().Empty, d2.Height, d2.Width)
	}
	for i := range d.Test {
		if d.Test[i].Subject != d2.Test[0].Subject {
			t.Errorf("split depends on KeepEmpty/Size: %s vs %s", d.Test[i].Subject, d2.Test[0].Subject)
		}
	}
	os.Remove(filepath.Join(root, "Brats18_E_5", "Brats18_E_5_t1ce.nii.gz"))
	if _, err := Load("brats", Options{Root: root}); err == nil || !strings.Contains(err.Error(), "Brats18_E_5_t1ce") {
		t.Errorf("missing modality: error %v", err)
	}
	if _, err := Load("brats", Options{Root: filepath.Join(root, "nope")}); err == nil || !strings.Contains(err.Error(), "expected") {
		t.Errorf("missing root: error %v", err)
	}
}

func TestLoadISIC(t *testing.T) {
	root := t.TempDir()
	for k := range 5 {
		id := "ISIC_000000" + string(rune('0'+k))
		photo := image.NewRGBA(image.Rect(0, 0, 40, 30))
		mask := image.NewGray(image.Rect(0, 0, 40, 30))
		for y := range 30 {
			for x := range 40 {
				c := color.RGBA{220, 170, 150, 255}
				if x >= 10 && x < 30 && y >= 8 && y < 23 {
					c = color.RGBA{90, 50, 30, 255}
					mask.SetGray(x, y, color.Gray{255})
				}
				photo.SetRGBA(x, y, c)
			}
		}
		f, _ := os.Create(filepath.Join(root, "p.jpg"))
		jpeg.Encode(f, photo, &jpeg.Options{Quality: 95})
		f.Close()
		b, _ := os.ReadFile(filepath.Join(root, "p.jpg"))
		os.Remove(filepath.Join(root, "p.jpg"))
		writeFile(t, filepath.Join(root, "ISIC-2017_Training_Data", id+".jpg"), b)
		writeFile(t, filepath.Join(root, "ISIC-2017_Training_Data", id+"_superpixels.png"), encodePNG(t, mask))
		writeFile(t, filepath.Join(root, "ISIC-2017_Training_Data", "._"+id+".jpg"), []byte("junk"))
		if k < 4 {
			writeFile(t, filepath.Join(root, "ISIC-2017_Training_Part1_GroundTruth", id+"_segmentation.png"), encodePNG(t, mask))
		}
	}
	d, err := Load("isic", Options{Root: root, Size: 16, Seed: 1, TestFraction: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, d)
	if d.Channels != 3 || len(d.Train) != 3 || len(d.Test) != 1 {
		t.Fatalf("channels %d, %d/%d samples; want 3 and 3/1 (photo without mask skipped)", d.Channels, len(d.Train), len(d.Test))
	}
	s := d.Train[0]
	if f := objectFraction(s.Mask); math.Abs(f-0.25) > 0.03 {
		t.Errorf("object fraction %g, want 0.25", f)
	}
	lesion, skin := s.Image[(8*16+8)*3:], s.Image[(1*16+1)*3:]
	if math.Abs(float64(lesion[0])-90./255) > 0.03 || math.Abs(float64(skin[0])-220./255) > 0.03 || math.Abs(float64(skin[2])-150./255) > 0.03 {
		t.Errorf("lesion RGB %v, skin RGB %v; want ≈ (90,50,30)/255 and (220,170,150)/255", lesion[:3], skin[:3])
	}
	if _, err := Load("isic", Options{Root: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "_segmentation.png") {
		t.Errorf("empty root: error %v", err)
	}
}

func TestLoadCOVIDMedSeg(t *testing.T) {
	root := t.TempDir()
	// 6 slices: labels 1 and 2 in slices 0–3, only 3 (effusion) in slice 4, none in 5.
	lab := vol3(8, 8, 6, func(i, j, k int) float64 {
		switch {
		case k < 4 && i < 2:
			return 1
		case k < 4 && i < 3:
			return 2
		case k == 4 && i < 3:
			return 3
		}
		return 0
	})
	img := vol3(8, 8, 6, func(i, j, k int) float64 {
		if i < 3 {
			return -300
		}
		return -1000
	})
	writeNIfTI(t, filepath.Join(root, "tr_im.nii.gz"), niftiSpec{dims: []int{8, 8, 6}, datatype: 16}, img)
	writeNIfTI(t, filepath.Join(root, "tr_mask.nii.gz"), niftiSpec{dims: []int{8, 8, 6}, datatype: 16}, lab)
	d, err := Load("covid", Options{Root: root, Size: 8})
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, d)
	all := allSamples(d)
	if len(all) != 4 || d.Summary().TrainSubjects+d.Summary().TestSubjects != 4 {
		t.Fatalf("%d samples, %+v; want 4 slices, each its own subject", len(all), d.Summary())
	}
	for _, s := range all {
		if objectFraction(s.Mask) != 3./8 {
			t.Errorf("slice %d: object fraction %g, want 3/8 (labels 1, 2)", s.Slice, objectFraction(s.Mask))
		}
		if math.Abs(float64(s.Image[0])-0.5) > 1e-6 || s.Image[7] != 0 {
			t.Errorf("lung window: -300 HU → %g (want 0.5), -1000 HU → %g (want 0)", s.Image[0], s.Image[7])
		}
	}
}

func TestLoadCOVIDMa(t *testing.T) {
	root := t.TempDir()
	lab := vol3(8, 8, 3, func(i, j, k int) float64 {
		if k == 1 && j < 2 {
			return 1
		}
		return 0
	})
	for _, c := range []struct {
		img, mask string
		dt        int16
		val       float64
	}{
		{"coronacases_org_001", "coronacases_001", 4, -300},
		{"coronacases_org_002", "coronacases_002", 4, -300},
		{"radiopaedia_org_covid-19-pneumonia-4_85506_1-dcm", "radiopaedia_4_85506_1", 2, 51},
	} {
		writeNIfTI(t, filepath.Join(root, "COVID-19-CT-Seg_20cases", c.img+".nii.gz"), niftiSpec{dims: []int{8, 8, 3}, datatype: c.dt}, vol3(8, 8, 3, func(i, j, k int) float64 { return c.val }))
		writeNIfTI(t, filepath.Join(root, "Infection_Mask", c.mask+".nii.gz"), niftiSpec{dims: []int{8, 8, 3}, datatype: 2}, lab)
	}
	d, err := Load("covid", Options{Root: root, Size: 8, TestFraction: 0.34})
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, d)
	if len(allSamples(d)) != 3 {
		t.Fatalf("%d samples, want 3 (one slice per case)", len(allSamples(d)))
	}
	for _, s := range allSamples(d) {
		want := float32(0.5)
		if strings.HasPrefix(s.Subject, "radiopaedia") {
			want = 0.2 // already windowed to 0..255
		}
		if math.Abs(float64(s.Image[0]-want)) > 1e-6 || s.Slice != 1 || objectFraction(s.Mask) != 0.25 {
			t.Errorf("%s slice %d: value %g (want %g), object %g (want 0.25)", s.Subject, s.Slice, s.Image[0], want, objectFraction(s.Mask))
		}
	}
	if _, err := Load("covid", Options{Root: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "tr_im.nii.gz") || !strings.Contains(err.Error(), "Infection_Mask") {
		t.Errorf("empty root: error %v", err)
	}
}

// writeProstate writes three MSD Task05 cases of 8×8×4 voxels under
// root/Task05_Prostate (T2 = 100·i, ADC = j; labels 1 and 2 in a 4×4 square of
// slices 1–2) and one test image, and returns the task folder and the image
// values.
func writeProstate(t *testing.T, root string) (task string, img []float64) {
	task = filepath.Join(root, "Task05_Prostate")
	const nk = 4
	img = make([]float64, 0, 8*8*nk*2)
	img = append(img, vol3(8, 8, nk, func(i, j, k int) float64 { return float64(100 * i) })...) // T2
	img = append(img, vol3(8, 8, nk, func(i, j, k int) float64 { return float64(j) })...)       // ADC
	lab := vol3(8, 8, nk, func(i, j, k int) float64 {
		if k >= 1 && k <= 2 && i >= 2 && i < 6 && j >= 2 && j < 6 {
			if i < 4 {
				return 1
			}
			return 2
		}
		return 0
	})
	for _, id := range []string{"prostate_00", "prostate_01", "prostate_02"} {
		writeNIfTI(t, filepath.Join(task, "imagesTr", id+".nii.gz"), niftiSpec{dims: []int{8, 8, nk, 2}, datatype: 16}, img)
		writeNIfTI(t, filepath.Join(task, "labelsTr", id+".nii.gz"), niftiSpec{dims: []int{8, 8, nk}, datatype: 2}, lab)
		writeFile(t, filepath.Join(task, "imagesTr", "._"+id+".nii.gz"), []byte("junk"))
	}
	writeNIfTI(t, filepath.Join(task, "imagesTs", "prostate_03.nii.gz"), niftiSpec{dims: []int{8, 8, nk, 2}, datatype: 16}, img)
	return task, img
}

func TestLoadProstate(t *testing.T) {
	root := t.TempDir()
	task, img := writeProstate(t, root)
	const nk = 4
	d, err := Load("prostate", Options{Root: root, Size: 8})
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, d)
	all := allSamples(d)
	if d.Channels != 2 || len(all) != 6 {
		t.Fatalf("channels %d, %d samples; want 2 and 3 cases × 2 slices", d.Channels, len(all))
	}
	for _, s := range all {
		if objectFraction(s.Mask) != 16./64 {
			t.Errorf("object fraction %g, want 16/64 (labels 1, 2 merged)", objectFraction(s.Mask))
		}
		p := s.Image[(3*8+6)*2:]
		if math.Abs(float64(p[0])-6./7) > 0.02 || math.Abs(float64(p[1])-3./7) > 0.02 {
			t.Errorf("(3,6) = %v, want T2 6/7, ADC 3/7", p[:2])
		}
	}
	// A 3D image where a 4D one is expected.
	writeNIfTI(t, filepath.Join(task, "imagesTr", "prostate_00.nii.gz"), niftiSpec{dims: []int{8, 8, nk}, datatype: 16}, img[:8*8*nk])
	if _, err := Load("prostate", Options{Root: task}); err == nil || !strings.Contains(err.Error(), "4th axis") {
		t.Errorf("3D prostate image: error %v", err)
	}
	if _, err := Load("prostate", Options{Root: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "imagesTr") {
		t.Errorf("empty root: error %v", err)
	}
}

// writePancreas writes three MSD Task07 cases of 16×16×3 voxels at 70 HU
// (int16 with scl_inter −1024): labels 1 (a 4×4 square) and 2 (a 1×4 bar) in
// slice 2.
func writePancreas(t *testing.T, root string) {
	lab := vol3(16, 16, 3, func(i, j, k int) float64 {
		switch {
		case k == 2 && i >= 4 && i < 8 && j >= 4 && j < 8:
			return 1
		case k == 2 && i == 9 && j >= 4 && j < 8:
			return 2
		}
		return 0
	})
	for _, id := range []string{"pancreas_001", "pancreas_004", "pancreas_005"} {
		writeNIfTI(t, filepath.Join(root, "imagesTr", id+".nii.gz"), niftiSpec{dims: []int{16, 16, 3}, datatype: 4, slope: 1, inter: -1024},
			vol3(16, 16, 3, func(i, j, k int) float64 { return 1024 + 70 }))
		writeNIfTI(t, filepath.Join(root, "labelsTr", id+".nii.gz"), niftiSpec{dims: []int{16, 16, 3}, datatype: 2}, lab)
	}
}

func TestLoadPancreas(t *testing.T) {
	root := t.TempDir()
	writePancreas(t, root)
	d, err := Load("pancreas", Options{Root: root, Size: 8})
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, d)
	for _, s := range allSamples(d) {
		if s.Slice != 2 || objectFraction(s.Mask) != 6./64 {
			t.Errorf("slice %d: object fraction %g, want slice 2 and 6/64 after nearest resize", s.Slice, objectFraction(s.Mask))
		}
		if math.Abs(float64(s.Image[0])-0.5) > 1e-5 {
			t.Errorf("abdomen window: 70 HU → %g, want 0.5", s.Image[0])
		}
	}
	os.Remove(filepath.Join(root, "labelsTr", "pancreas_004.nii.gz"))
	if _, err := Load("pancreas", Options{Root: root}); err == nil || !strings.Contains(err.Error(), "pancreas_004") {
		t.Errorf("missing label: error %v", err)
	}
}

func TestResize(t *testing.T) {
	im := &Image{Height: 2, Width: 2, Channels: 1, Pix: []float32{0, 1, 2, 3}}
	r := resizeImage(im, 4, 4)
	// Half-pixel centres: output (0,0) clamps to input (0,0); output (1,1) sits at 0.25.
	if r.Pix[0] != 0 || math.Abs(float64(r.Pix[5])-0.75) > 1e-6 || r.Pix[15] != 3 {
		t.Errorf("bilinear 2→4: %v", r.Pix)
	}
	big := &Image{Height: 8, Width: 8, Channels: 1, Pix: make([]float32, 64)}
	for i := range big.Pix {
		big.Pix[i] = float32(i % 2) // stripes alias without a box filter
	}
	small := resizeImage(big, 2, 2)
	for _, v := range small.Pix {
		if v != 0.5 {
			t.Errorf("8→2 of 0/1 stripes: %v, want all 0.5", small.Pix)
			break
		}
	}
	m := resizeMask([]uint8{0, 1, 1, 0}, 2, 2, 4, 4)
	if m[0] != 0 || m[3] != 1 || m[12] != 1 || m[15] != 0 {
		t.Errorf("nearest mask 2→4: %v", m)
	}
}

func TestSplitSubjects(t *testing.T) {
	ids := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	t1, err := splitSubjects(ids, 0.3, 5)
	if err != nil {
		t.Fatal(err)
	}
	rev := []string{"j", "i", "h", "g", "f", "e", "d", "c", "b", "a"}
	t2, _ := splitSubjects(rev, 0.3, 5)
	if len(t1) != 3 || len(t2) != 3 {
		t.Fatalf("test sizes %d, %d, want 3", len(t1), len(t2))
	}
	for id := range t1 {
		if !t2[id] {
			t.Errorf("split depends on input order")
		}
	}
	if _, err := splitSubjects([]string{"a"}, 0.2, 1); err == nil {
		t.Error("one subject: no error")
	}
}
