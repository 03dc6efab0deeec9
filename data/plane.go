package data

import "fmt"

// ReadPlane reads one 2D image from path: a PNG or JPEG ([ReadImage]), or slice
// k along the third array axis of a NIfTI volume (.nii or .nii.gz by name; the
// middle slice when k < 0) with every frame of the fourth axis as a channel. It
// returns the slice index used, −1 for a PNG or JPEG.
func ReadPlane(path string, k int) (*Image, int, error) {
	if _, ok := niftiBase(path); !ok {
		img, err := ReadImage(path)
		return img, -1, err
	}
	vol, err := ReadNIfTI(path)
	if err != nil {
		return nil, -1, err
	}
	if k < 0 {
		k = vol.NumSlices() / 2
	}
	var out *Image
	for t := range vol.NumFrames() {
		plane, err := vol.Slice(k, t)
		if err != nil {
			return nil, k, fmt.Errorf("%s: %w", path, err)
		}
		if out == nil {
			out = &Image{Height: plane.Height, Width: plane.Width}
		}
		out = StackChannels(out, plane)
	}
	return out, k, nil
}

// ReadStacked reads one plane of each file ([ReadPlane] with slice k) and stacks
// their channels in file order, e.g. BraTS' four modalities. Every plane must be
// non-empty and as large as the first; NaN and ±Inf values are set to 0 when
// zeroNonFinite, and are otherwise a [*NonFiniteError]. It returns the slice index
// used for the last NIfTI file, or −1 when none is one.
func ReadStacked(paths []string, k int, zeroNonFinite bool) (*Image, int, error) {
	var img *Image
	used := -1
	for _, path := range paths {
		plane, pk, err := ReadPlane(path, k)
		if err != nil {
			return nil, used, err
		}
		if pk >= 0 {
			used = pk
		}
		if err := CheckFinite(path, plane, zeroNonFinite); err != nil {
			return nil, used, err
		}
		if plane.Height*plane.Width == 0 {
			return nil, used, fmt.Errorf("%s: empty image (%d×%d)", path, plane.Height, plane.Width)
		}
		if img == nil {
			img = &Image{Height: plane.Height, Width: plane.Width}
		} else if plane.Height != img.Height || plane.Width != img.Width {
			return nil, used, fmt.Errorf("%s: image is %d×%d but %s is %d×%d", path, plane.Height, plane.Width,
				paths[0], img.Height, img.Width)
		}
		img = StackChannels(img, plane)
	}
	return img, used, nil
}

// StackChannels returns an image with the channels of a followed by those of b
// (of the same height and width) at every pixel.
func StackChannels(a, b *Image) *Image {
	out := &Image{Height: a.Height, Width: a.Width, Channels: a.Channels + b.Channels}
	out.Pix = make([]float32, out.Height*out.Width*out.Channels)
	for i := range out.Height * out.Width {
		copy(out.Pix[i*out.Channels:], a.Pix[i*a.Channels:(i+1)*a.Channels])
		copy(out.Pix[i*out.Channels+a.Channels:], b.Pix[i*b.Channels:(i+1)*b.Channels])
	}
	return out
}
