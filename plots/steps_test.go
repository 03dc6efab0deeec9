package plots

import (
	"bytes"
	"image/png"
	"testing"
)

func TestProtoSegSteps(t *testing.T) {
	const h, w = 16, 16
	s := Steps{Image: Image{Pix: make([]float32, h*w), H: h, W: w, C: 1}, GT: make([]uint8, h*w), SAM: make([]uint8, h*w),
		DT: make([]float32, h*w), DB: make([]float32, h*w), PT: make([]float32, h*w), SA: 0.75}
	for i := range s.GT {
		if i%w > 4 && i%w < 10 && i/w > 4 && i/w < 10 {
			s.GT[i], s.SAM[i], s.Image.Pix[i], s.PT[i] = 1, 1, 1, 0.9
		}
		s.DT[i], s.DB[i] = float32(i%w), float32(i/w)
	}
	f, err := ProtoSegSteps(s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() < 500 {
		t.Fatalf("figure is %v wide", img.Bounds())
	}
	s.PT = s.PT[:3]
	if _, err := ProtoSegSteps(s); err == nil {
		t.Fatal("short p_t: no error")
	}
}
