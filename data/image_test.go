package data

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadImage(t *testing.T) {
	dir := t.TempDir()
	gray := image.NewGray(image.Rect(0, 0, 3, 2))
	gray16 := image.NewGray16(image.Rect(0, 0, 3, 2))
	rgba := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for y := range 2 {
		for x := range 3 {
			gray.SetGray(x, y, color.Gray{uint8(10*y + x)})
			gray16.SetGray16(x, y, color.Gray16{uint16(1000*y + x)})
			rgba.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), 200, 17})
		}
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Names deliberately disagree with content: the format is sniffed.
	im, err := ReadImage(write("gray.jpg", encodePNG(t, gray)))
	if err != nil {
		t.Fatal(err)
	}
	if im.Channels != 1 || im.Height != 2 || im.Width != 3 || im.At(1, 2, 0) != 12 {
		t.Errorf("gray: %d×%d×%d, (1,2) = %g; want 2×3×1 and 12", im.Height, im.Width, im.Channels, im.At(1, 2, 0))
	}
	im, err = ReadImage(write("gray16.png", encodePNG(t, gray16)))
	if err != nil {
		t.Fatal(err)
	}
	if im.Channels != 1 || im.At(1, 1, 0) != 1001 {
		t.Errorf("gray16: channels %d, (1,1) = %g; want 1 and 1001", im.Channels, im.At(1, 1, 0))
	}
	im, err = ReadImage(write("rgba.png", encodePNG(t, rgba)))
	if err != nil {
		t.Fatal(err)
	}
	if im.Channels != 3 || im.At(1, 2, 0) != 2 || im.At(1, 2, 1) != 1 || im.At(1, 2, 2) != 200 {
		t.Errorf("rgba: channels %d, (1,2) = %v; want 3 and [2 1 200] (alpha dropped, not premultiplied)", im.Channels, im.Pix[15:18])
	}
	// JPEG colour: a flat colour survives compression within a few units.
	flat := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := 0; i < len(flat.Pix); i += 4 {
		copy(flat.Pix[i:], []uint8{200, 120, 90, 255})
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, flat, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	im, err = ReadImage(write("photo.png", jb.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if im.Channels != 3 || im.Height != 16 {
		t.Fatalf("jpeg: %d×%d×%d", im.Height, im.Width, im.Channels)
	}
	for c, want := range []float32{200, 120, 90} {
		if d := im.At(8, 8, c) - want; d < -4 || d > 4 {
			t.Errorf("jpeg channel %d = %g, want %g ± 4", c, im.At(8, 8, c), want)
		}
	}
	// Palette of greys → 1 channel.
	pal := image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Gray{0}, color.Gray{255}})
	pal.SetColorIndex(1, 1, 1)
	im, err = ReadImage(write("pal.png", encodePNG(t, pal)))
	if err != nil {
		t.Fatal(err)
	}
	if im.Channels != 1 || im.At(1, 1, 0) != 255 || im.At(0, 0, 0) != 0 {
		t.Errorf("grey palette: channels %d pix %v", im.Channels, im.Pix)
	}
	// Errors name the file.
	good := encodePNG(t, gray)
	for name, b := range map[string][]byte{"empty.png": nil, "trunc.png": good[:len(good)-20], "text.png": []byte("hello")} {
		p := write(name, b)
		if _, err := ReadImage(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v, want one naming the file", name, err)
		}
	}
}

func FuzzReadImage(f *testing.F) {
	g := image.NewGray(image.Rect(0, 0, 4, 3))
	g.Pix[5] = 9
	f.Add(encodePNG(f, g))
	c := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	c.Pix[0] = 7
	f.Add(encodePNG(f, c))
	var jb bytes.Buffer
	jpeg.Encode(&jb, c, nil)
	f.Add(jb.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		im, err := decodeImage(bytes.NewReader(b), "fuzz.png", 1<<16)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.png") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(im.Pix) != im.Height*im.Width*im.Channels || (im.Channels != 1 && im.Channels != 3) {
			t.Fatalf("shape %d×%d×%d but %d values", im.Height, im.Width, im.Channels, len(im.Pix))
		}
	})
}
