package data

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // Registers the JPEG decoder for image.Decode.
	_ "image/png"  // Registers the PNG decoder for image.Decode.
	"io"
	"os"
)

// Image is a decoded 2D image in the file's own units (e.g. 0..255 for 8-bit PNG
// and JPEG, 0..65535 for 16-bit PNG, Hounsfield units for a CT slice).
type Image struct {
	// Height, Width and Channels give the shape of Pix.
	Height, Width, Channels int
	// Pix holds Height×Width×Channels values, channels last, row-major ([y][x][c]).
	Pix []float32
}

// At returns the value at row y, column x and channel c (no bounds check beyond
// the slice's own).
func (im *Image) At(y, x, c int) float32 {
	return im.Pix[(y*im.Width+x)*im.Channels+c]
}

// maxImagePixels bounds the size a PNG or JPEG header may claim before anything is
// allocated (the largest ISIC 2017 photo has about 30 million pixels).
const maxImagePixels = 1 << 26

// ReadImage reads a PNG or JPEG file (recognised by content, not by name). Grey
// images (8- or 16-bit) give 1 channel; colour images give 3 channels (R, G, B),
// alpha is dropped. Values stay in the file's units: 0..255, or 0..65535 for
// 16-bit PNGs.
func ReadImage(path string) (*Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: reading image: %w", err)
	}
	defer f.Close()
	return decodeImage(bufio.NewReader(f), path, maxImagePixels)
}

// decodeImage decodes a PNG or JPEG from r; name is used in errors only.
func decodeImage(r io.Reader, name string, maxPixels int) (*Image, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("data: reading image %s: %w", name, err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("data: image %s: not a readable PNG or JPEG: %w", name, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxPixels/cfg.Height {
		return nil, fmt.Errorf("data: image %s: %s header claims %d×%d pixels (limit %d pixels)",
			name, format, cfg.Width, cfg.Height, maxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("data: image %s: decoding %s: %w", name, format, err)
	}
	return fromImage(img), nil
}

// fromImage converts a decoded image.Image into an Image.
func fromImage(img image.Image) *Image {
	b := img.Bounds()
	h, w := b.Dy(), b.Dx()
	switch src := img.(type) {
	case *image.Gray:
		out := &Image{Height: h, Width: w, Channels: 1, Pix: make([]float32, h*w)}
		for y := 0; y < h; y++ {
			row := src.Pix[y*src.Stride : y*src.Stride+w]
			for x, v := range row {
				out.Pix[y*w+x] = float32(v)
			}
		}
		return out
	case *image.Gray16:
		out := &Image{Height: h, Width: w, Channels: 1, Pix: make([]float32, h*w)}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				out.Pix[y*w+x] = float32(src.Gray16At(b.Min.X+x, b.Min.Y+y).Y)
			}
		}
		return out
	case *image.NRGBA:
		// Straight (non-premultiplied) alpha: read the colour bytes as they are, so that
		// translucent pixels keep their exact values.
		out := &Image{Height: h, Width: w, Channels: 3, Pix: make([]float32, h*w*3)}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				p := src.Pix[y*src.Stride+4*x:]
				o := out.Pix[(y*w+x)*3:]
				o[0], o[1], o[2] = float32(p[0]), float32(p[1]), float32(p[2])
			}
		}
		return out
	case *image.Paletted:
		if isGreyPalette(src.Palette) {
			out := &Image{Height: h, Width: w, Channels: 1, Pix: make([]float32, h*w)}
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					c := color.GrayModel.Convert(src.At(b.Min.X+x, b.Min.Y+y)).(color.Gray)
					out.Pix[y*w+x] = float32(c.Y)
				}
			}
			return out
		}
	}
	return colourImage(img)
}

// colourImage converts any other image to 3 channels (R, G, B; alpha dropped):
// 16-bit colour models keep 16-bit units, everything else 8-bit.
func colourImage(img image.Image) *Image {
	b := img.Bounds()
	h, w := b.Dy(), b.Dx()
	shift := uint(8)
	switch img.ColorModel() {
	case color.RGBA64Model, color.NRGBA64Model:
		shift = 0
	}
	out := &Image{Height: h, Width: w, Channels: 3, Pix: make([]float32, h*w*3)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA64Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
			p := out.Pix[(y*w+x)*3:]
			p[0] = float32(c.R >> shift)
			p[1] = float32(c.G >> shift)
			p[2] = float32(c.B >> shift)
		}
	}
	return out
}

func isGreyPalette(p color.Palette) bool {
	for _, c := range p {
		r, g, b, _ := c.RGBA()
		if r != g || g != b {
			return false
		}
	}
	return true
}
