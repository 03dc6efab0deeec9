package study

import (
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/protoseg-go/protoseg-go/data"
)

// Environment variables read by [NotebookSession].
const (
	// EnvQuick set to "1" selects QuickPreset (CI, first looks) over DefaultPreset.
	EnvQuick = "PROTOSEG_QUICK"
	// EnvDatasets is a comma-separated list of datasets (default: the five stand-ins).
	EnvDatasets = "PROTOSEG_DATASETS"
	// EnvCache is the folder where trained models and results are cached (default:
	// .cache beside the notebook, i.e. $GONB_DIR/.cache).
	EnvCache = "PROTOSEG_CACHE"
	// EnvDims set to "3" selects the volumetric presets (Default3DPreset,
	// Quick3DPreset) and the 3D stand-ins (default datasets "all3d").
	EnvDims = "PROTOSEG_DIMS"
)

// NotebookSession returns the session every notebook shares: the preset is
// QuickPreset() when $PROTOSEG_QUICK is "1" and DefaultPreset() otherwise (their
// 3D twins when $PROTOSEG_DIMS is "3"), and trained models and results are
// cached in one folder ($PROTOSEG_CACHE, default $GONB_DIR/.cache), so a
// notebook reuses what an earlier one trained and trains it itself when
// missing. Quick and default, 2D and 3D runs are cached apart.
func NotebookSession(backend backends.Backend, log io.Writer) (*Session, error) {
	preset, tag := DefaultPreset(), "default"
	if IsQuick() {
		preset, tag = QuickPreset(), "quick"
	}
	datasets := os.Getenv(EnvDatasets)
	if strings.TrimSpace(os.Getenv(EnvDims)) == "3" {
		preset, tag = Default3DPreset(), "default3d"
		if IsQuick() {
			preset, tag = Quick3DPreset(), "quick3d"
		}
		if datasets == "" {
			datasets = "all3d"
		}
	}
	names, err := data.ParseNames(datasets)
	if err != nil {
		return nil, err
	}
	cache := os.Getenv(EnvCache)
	if cache == "" {
		dir := os.Getenv("GONB_DIR")
		if dir == "" {
			dir = "."
		}
		cache = filepath.Join(dir, ".cache")
	}
	return NewSession(backend, names, preset, filepath.Join(cache, tag), 1, log)
}

// IsQuick tells whether notebooks run in the quick configuration.
func IsQuick() bool { return strings.TrimSpace(os.Getenv(EnvQuick)) == "1" }
