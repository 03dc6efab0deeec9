package unet

import (
	"encoding/json"
	"fmt"
	"os"
)

// NumLayers is the number of convolution layers with an exposed feature map.
const NumLayers = 18

// LayerGroup is one of the paper's groups of the 18 layers (Fig. 4), 1-based
// and inclusive.
type LayerGroup struct {
	Name        string
	First, Last int
}

// The paper's layer groups (§3, Fig. 4): "early layers which contain the first
// four convolutional layers, deep abstract layers which contain the layers from
// 5–14 layers and late layers which contain the last four layers".
var (
	EarlyLayers    = LayerGroup{"early", 1, 4}
	AbstractLayers = LayerGroup{"abstract", 5, 14}
	LateLayers     = LayerGroup{"late", 15, 18}
)

// LayerGroups returns the three groups in layer order.
func LayerGroups() []LayerGroup { return []LayerGroup{EarlyLayers, AbstractLayers, LateLayers} }

// GroupOf returns the name of the group of layer l (1-based), "" outside 1…18.
func GroupOf(l int) string {
	for _, g := range LayerGroups() {
		if l >= g.First && l <= g.Last {
			return g.Name
		}
	}
	return ""
}

// widthMultipliers are the layer widths of the paper's U-Net in units of Base.
var widthMultipliers = [NumLayers]int{1, 1, 2, 2, 4, 4, 8, 8, 16, 16, 8, 8, 4, 4, 2, 2, 1, 1}

// LayerName returns the name of layer l (1-based): "layer01" … "layer18".
func LayerName(l int) string { return fmt.Sprintf("layer%02d", l) }

// Config describes the network.
type Config struct {
	// Base is the width of the first layer (64 in the paper); every width scales with it.
	Base int `json:"base"`
	// InChannels is the number of input channels (e.g. 4 for BraTS, 3 for ISIC).
	InChannels int `json:"in_channels"`
	// Classes is the number of output classes (2: background, object).
	Classes int `json:"classes"`
	// Upsample is UpsampleTranspose (default: 2×2 stride-2 transposed
	// convolution, as the original U-Net) or UpsampleResize (nearest-neighbour
	// 2×, no parameters).
	Upsample Upsample `json:"upsample"`
	// Conv is how the 3×3 convolutions are computed: "im2col" (default: nine shifted
	// slices and one matrix product) or "backend" (the backend's ConvGeneral). Both
	// use the same weights, so checkpoints of one load into the other.
	Conv string `json:"conv,omitempty"`
	// Dims is the number of spatial axes: 0 or 2 for images [N, H, W, C]
	// (3×3 convolutions, 2×2 pooling), 3 for volumes [N, D, H, W, C] (3×3×3
	// convolutions, 2×2×2 pooling). 0 is written as nothing in config.json, so
	// the 2D network and its checkpoints are unchanged.
	Dims int `json:"dims,omitempty"`
}

// Ways of computing the 3×3 convolutions (Config.Conv).
const (
	// ConvIm2Col gathers the nine shifted copies of the input on the channel axis
	// and multiplies them by the weights in one matrix product.
	ConvIm2Col = "im2col"
	// ConvBackend uses the backend's ConvGeneral (graph.Convolve).
	ConvBackend = "backend"
)

// Width returns the number of channels of layer l (1-based).
func (c Config) Width(l int) int { return c.Base * widthMultipliers[l-1] }

// Validate checks the configuration and fills defaults (Classes 2, Upsample
// UpsampleTranspose, Conv ConvIm2Col).
func (c *Config) Validate() error {
	if c.Classes == 0 {
		c.Classes = 2
	}
	if c.Upsample == "" {
		c.Upsample = UpsampleTranspose
	}
	if c.Conv == "" {
		c.Conv = ConvIm2Col
	}
	switch {
	case c.Base < 1:
		return fmt.Errorf("unet: Base must be ≥ 1, got %d", c.Base)
	case c.InChannels < 1:
		return fmt.Errorf("unet: InChannels must be ≥ 1, got %d", c.InChannels)
	case c.Classes < 2:
		return fmt.Errorf("unet: Classes must be ≥ 2, got %d", c.Classes)
	}
	if _, err := ParseUpsample(string(c.Upsample)); err != nil {
		return err
	}
	if c.Conv != ConvIm2Col && c.Conv != ConvBackend {
		return fmt.Errorf("unet: Conv must be %q or %q, got %q", ConvIm2Col, ConvBackend, c.Conv)
	}
	if c.Dims != 0 && c.Dims != 2 && c.Dims != 3 {
		return fmt.Errorf("unet: Dims must be 2 or 3 (0 means 2), got %d", c.Dims)
	}
	return nil
}

// SpatialDims returns the number of spatial axes of the network's input: 2
// (images [N, H, W, C]) or 3 (volumes [N, D, H, W, C]).
func (c Config) SpatialDims() int {
	if c.Dims == 3 {
		return 3
	}
	return 2
}

// CheckSpatial returns an error unless the spatial sizes (H, W for 2D; D, H, W
// for 3D) match the network's number of spatial axes and can pass through the
// four 2× poolings (every side a positive multiple of 16).
func (c Config) CheckSpatial(sizes ...int) error {
	if len(sizes) != c.SpatialDims() {
		return fmt.Errorf("unet: %d spatial sizes %v for a %dD network", len(sizes), sizes, c.SpatialDims())
	}
	if len(sizes) == 2 {
		return CheckSize(sizes[0], sizes[1])
	}
	for _, s := range sizes {
		if s%16 != 0 || s == 0 {
			return fmt.Errorf("unet: volume size %d×%d×%d must be a positive multiple of 16 on every side (four 2×2×2 poolings)",
				sizes[0], sizes[1], sizes[2])
		}
	}
	return nil
}

// CheckSize returns an error unless images of the given height and width can pass
// through the four 2×2 poolings.
func CheckSize(h, w int) error {
	if h%16 != 0 || w%16 != 0 || h == 0 || w == 0 {
		return fmt.Errorf("unet: image size %d×%d must be a positive multiple of 16 (four 2×2 poolings)", h, w)
	}
	return nil
}

// writeJSON writes v as indented JSON to path.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// readJSON reads JSON from path into v.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
