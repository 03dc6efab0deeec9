package unet

import "fmt"

// Upsample is how the decoder doubles the spatial size (Config.Upsample). Its
// value is the name written in config.json beside the checkpoints.
type Upsample string

// Ways of up-sampling.
const (
	// UpsampleTranspose is the original U-Net's 2×2 stride-2 transposed
	// convolution (the default).
	UpsampleTranspose Upsample = "transpose"
	// UpsampleResize is nearest-neighbour 2×, without parameters.
	UpsampleResize Upsample = "resize"
)

// String returns the way's name, e.g. "transpose".
func (u Upsample) String() string { return string(u) }

// ParseUpsample returns the way of up-sampling named s ("transpose" or "resize").
func ParseUpsample(s string) (Upsample, error) {
	switch u := Upsample(s); u {
	case UpsampleTranspose, UpsampleResize:
		return u, nil
	}
	return "", fmt.Errorf("unet: Upsample must be %q or %q, got %q", UpsampleTranspose, UpsampleResize, s)
}
