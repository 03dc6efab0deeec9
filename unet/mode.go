package unet

import "fmt"

// Mode is how a network is trained: Offline (cross-entropy only) or Online
// (cross-entropy plus the SA term). Its value is the name written in
// TrainConfig's JSON and used for the folders of trained models.
type Mode string

// Training modes.
const (
	// Offline trains with cross-entropy only.
	Offline Mode = "offline"
	// Online adds the mean over layers of 1 − soft SA to the loss.
	Online Mode = "online"
)

// Modes returns the training modes, offline first (the study's order).
func Modes() []Mode { return []Mode{Offline, Online} }

// String returns the mode's name, e.g. "offline".
func (m Mode) String() string { return string(m) }

// ParseMode returns the mode named s ("offline" or "online").
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case Offline, Online:
		return m, nil
	}
	return "", fmt.Errorf("unet: mode must be %q or %q, got %q", Offline, Online, s)
}
