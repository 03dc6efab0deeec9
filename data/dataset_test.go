package data

import (
	"slices"
	"strings"
	"testing"
)

// volumeDataset returns a 2-channel 3×2×2 volumetric dataset of two samples
// whose values count up from the sample's index·100.
func volumeDataset() *Dataset {
	d := &Dataset{Name: "vol", Channels: 2, Depth: 3, Height: 2, Width: 2}
	for n := range 2 {
		s := Sample{Image: make([]float32, 24), Mask: make([]uint8, 12), Subject: "s" + string(rune('a'+n))}
		for i := range s.Image {
			s.Image[i] = float32(100*n + i)
		}
		s.Mask[5+n] = 1
		d.Train = append(d.Train, s)
	}
	return d
}

// TestBatch3D checks a volumetric batch: shapes [N, D, H, W, C] and
// [N, D, H, W], values in place, and the size check.
func TestBatch3D(t *testing.T) {
	d := volumeDataset()
	images, masks, err := d.Batch(d.Train)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(images.Shape().Dimensions, []int{2, 3, 2, 2, 2}) || !slices.Equal(masks.Shape().Dimensions, []int{2, 3, 2, 2}) {
		t.Fatalf("shapes %v and %v, want [2 3 2 2 2] and [2 3 2 2]", images.Shape(), masks.Shape())
	}
	img := images.Value().([][][][][]float32)
	msk := masks.Value().([][][][]float32)
	// Sample 1, slice 2, row 1, column 0, channel 1: flat index ((2·2+1)·2+0)·2+1 = 21.
	if img[1][2][1][0][1] != 121 || msk[0][1][0][1] != 1 || msk[1][1][1][0] != 1 || msk[1][1][0][1] != 0 {
		t.Errorf("image[1][2][1][0][1] = %g (want 121), masks %v", img[1][2][1][0][1], msk)
	}
	d.Train[1].Mask = d.Train[1].Mask[:4]
	if _, _, err := d.Batch(d.Train); err == nil || !strings.Contains(err.Error(), "want 24 and 12") {
		t.Errorf("short mask: error %v", err)
	}
}

// TestSliceOf checks that SliceOf cuts out one slice of a volume, and refuses
// 2D data and slices out of range.
func TestSliceOf(t *testing.T) {
	d := volumeDataset()
	s, err := d.SliceOf(d.Train[1], 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Image, []float32{108, 109, 110, 111, 112, 113, 114, 115}) || !slices.Equal(s.Mask, []uint8{0, 0, 1, 0}) || s.Slice != 1 || s.Subject != "sb" {
		t.Errorf("slice 1 of sb: %+v", s)
	}
	if _, err := d.SliceOf(d.Train[0], 3); err == nil || !strings.Contains(err.Error(), "slice 3 out of range [0, 3)") {
		t.Errorf("slice 3: error %v", err)
	}
	if _, err := (&Dataset{Name: "flat", Height: 2, Width: 2}).SliceOf(d.Train[0], 0); err == nil {
		t.Error("SliceOf on 2D data: no error")
	}
	if p := d.Preview(d.Train, 2, 1); p.Bounds().Dx() != 2*(2+2)+2 || p.Bounds().Dy() != 2+2+2 {
		t.Errorf("preview of volumes: %v, want two 2×2 cells", p.Bounds())
	}
	if st := d.Summary().String(); !strings.Contains(st, "3×2×2 volumes") {
		t.Errorf("summary %q does not give the volume shape", st)
	}
}

// TestFingerprintDepth checks that Depth 0 and 1 leave a 2D dataset's
// fingerprint as it was before volumes existed, and that a volumetric shape
// enters it.
func TestFingerprintDepth(t *testing.T) {
	d, err := Load("covid-synth", Options{Seed: 1, TrainCount: 2, TestCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	fp := d.Fingerprint()
	d.Depth = 1
	if d.Fingerprint() != fp {
		t.Errorf("Depth 1 changes a 2D fingerprint")
	}
	d.Depth = 2
	if d.Fingerprint() == fp {
		t.Errorf("Depth 2 leaves the fingerprint %s", fp)
	}
}
