package raster

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"
)

func TestU8(t *testing.T) {
	nan := float32(math.NaN())
	for _, c := range []struct {
		in   float32
		want uint8
	}{
		{nan, 0}, {-nan, 0}, {float32(math.Inf(-1)), 0}, {-3, 0}, {0, 0}, {0.49, 0}, {0.5, 1},
		{127.5, 128}, {254.4, 254}, {254.5, 255}, {255, 255}, {1e9, 255}, {float32(math.Inf(1)), 255},
	} {
		if got := U8(c.in); got != c.want {
			t.Errorf("U8(%v) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestScaleAndWidth(t *testing.T) {
	// 256 / 30 = 8.53…: 9× brings 30 to 270 ≥ 256; 8× would give 240.
	if k := Scale(30, 17, 256); k != 9 {
		t.Errorf("Scale(30, 17, 256) = %d, want 9", k)
	}
	if k := Scale(512, 512, 256); k != 1 {
		t.Errorf("Scale(512, 512, 256) = %d, want 1", k)
	}
	for k, want := range map[int]int{1: 2, 2: 2, 4: 3, 10: 7, 32: 22} {
		if got := ContourWidth(k); got != want {
			t.Errorf("ContourWidth(%d) = %d, want %d", k, got, want)
		}
	}
}

// square is an n×n mask with an s×s object whose top-left pixel is (x0, y0).
func square(n, s, x0, y0 int) []uint8 {
	m := make([]uint8, n*n)
	for y := y0; y < y0+s; y++ {
		for x := x0; x < x0+s; x++ {
			m[y*n+x] = 1
		}
	}
	return m
}

// count is the number of pixels of img coloured col.
func count(img *image.RGBA, col color.RGBA) int {
	n := 0
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			if img.RGBAAt(x, y) == col {
				n++
			}
		}
	}
	return n
}

// A 3×3 object up-scaled 2× is a 6×6 block: a ring of width w outside it along
// rows and columns covers 4·6·w pixels (no corners), one inside it the block
// less its (6−2w)² core.
func TestContourClosedForm(t *testing.T) {
	red := color.RGBA{255, 0, 0, 255}
	m := square(5, 3, 1, 1)
	for w := 1; w <= 2; w++ {
		tile := Tile{H: 5, W: 5, K: 2}
		out := image.NewRGBA(tile.Bounds())
		if err := tile.DrawContour(out, m, w, red, true); err != nil {
			t.Fatal(err)
		}
		if got, want := count(out, red), 4*6*w; got != want {
			t.Errorf("outer ring of width %d: %d pixels, want %d", w, got, want)
		}
		out = image.NewRGBA(tile.Bounds())
		if err := tile.DrawContour(out, m, w, red, false); err != nil {
			t.Fatal(err)
		}
		if got, want := count(out, red), 36-(6-2*w)*(6-2*w); got != want {
			t.Errorf("inner ring of width %d: %d pixels, want %d", w, got, want)
		}
	}
	// An object filling the image: no outer ring, the inner ring on the image edge.
	tile := Tile{H: 2, W: 2, K: 2, At: image.Pt(3, 1)}
	out := image.NewRGBA(image.Rect(0, 0, 8, 6))
	if err := tile.DrawContour(out, []uint8{1, 1, 1, 1}, 1, red, true); err != nil || count(out, red) != 0 {
		t.Errorf("full object, outer: %d pixels (%v), want 0", count(out, red), err)
	}
	if err := tile.DrawContour(out, []uint8{1, 1, 1, 1}, 1, red, false); err != nil || count(out, red) != 12 {
		t.Errorf("full object, inner: %d pixels (%v), want the 12 of the 4×4 block's edge", count(out, red), err)
	}
	if c := out.RGBAAt(3, 1); c != red {
		t.Errorf("the tile's corner at (3, 1) is %v, want red", c)
	}
}

func TestDrawImageStretchAndNaN(t *testing.T) {
	tile := Tile{H: 1, W: 3, K: 1}
	out := image.NewRGBA(tile.Bounds())
	// 2, 3, 4 stretch to 0, 127.5 → 128, 255.
	if err := tile.DrawImage(out, []float32{2, 3, 4}, 1); err != nil {
		t.Fatal(err)
	}
	for x, want := range []uint8{0, 128, 255} {
		if c := out.RGBAAt(x, 0); c != (color.RGBA{want, want, want, 255}) {
			t.Errorf("pixel %d is %v, want grey %d", x, c, want)
		}
	}
	// A NaN makes the stretch NaN: every pixel is black by U8's rule.
	if err := tile.DrawImage(out, []float32{2, float32(math.NaN()), 4}, 1); err != nil {
		t.Fatal(err)
	}
	if n := count(out, color.RGBA{0, 0, 0, 255}); n != 3 {
		t.Errorf("image with a NaN: %d black pixels, want 3", n)
	}
}

func TestSizesChecked(t *testing.T) {
	tile := Tile{H: 2, W: 2, K: 2}
	out := image.NewRGBA(tile.Bounds())
	for name, err := range map[string]error{
		"short mask":  tile.DrawMask(out, []uint8{1, 0, 1}),
		"short image": tile.DrawImage(out, make([]float32, 11), 3),
		"outside":     Tile{H: 2, W: 2, K: 2, At: image.Pt(1, 0)}.DrawMask(out, make([]uint8, 4)),
		"no scale":    Tile{H: 2, W: 2}.DrawHeat(out, make([]float32, 4), func(float64) color.RGBA { return color.RGBA{} }),
		"no cmap":     tile.DrawHeat(out, make([]float32, 4), nil),
		"width 0":     tile.DrawContour(out, make([]uint8, 4), 0, color.RGBA{}, true),
	} {
		if err == nil || !strings.HasPrefix(err.Error(), "raster: ") {
			t.Errorf("%s: error %v", name, err)
		}
	}
}

// A 2×2 object in a 4×4 mask, up-scaled 2×, with a ring of width 1 outside it
// (G) and one inside it (S).
func ExampleTile_DrawContour() {
	green, red := color.RGBA{0, 176, 0, 255}, color.RGBA{224, 0, 0, 255}
	m := []uint8{
		0, 0, 0, 0,
		0, 1, 1, 0,
		0, 1, 1, 0,
		0, 0, 0, 0,
	}
	tile := Tile{H: 4, W: 4, K: 2}
	out := image.NewRGBA(tile.Bounds())
	if err := tile.DrawMask(out, m); err != nil {
		fmt.Println(err)
		return
	}
	if err := tile.DrawContour(out, m, 1, green, true); err != nil {
		fmt.Println(err)
		return
	}
	if err := tile.DrawContour(out, m, 1, red, false); err != nil {
		fmt.Println(err)
		return
	}
	sym := map[color.RGBA]string{green: "G", red: "S", {255, 255, 255, 255}: "#", {0, 0, 0, 255}: "."}
	for y := 0; y < 8; y++ {
		for x := 0; x < 8; x++ {
			fmt.Print(sym[out.RGBAAt(x, y)])
		}
		fmt.Println()
	}
	// Output:
	// ........
	// ..GGGG..
	// .GSSSSG.
	// .GS##SG.
	// .GS##SG.
	// .GSSSSG.
	// ..GGGG..
	// ........
}
