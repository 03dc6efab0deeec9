package unet

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// checkpointGlob matches the files GoMLX writes for one checkpoint (.bin, .json).
const checkpointGlob = "checkpoint-*"

// discardStaleRun removes the training run in dir when it was trained on other
// data than the dataset with fingerprint fp (config.json records the data's
// [data.Dataset.Fingerprint]; a run without one predates the fingerprint and is
// stale too), so that a changed generator or dataset never resumes or reuses a
// model trained on the old data. It removes only what [Train] writes: the
// checkpoint files, the vog/ folder, the history and config.json. It reports
// whether a run was discarded.
func discardStaleRun(dir, name, fp string, progress io.Writer) (bool, error) {
	var saved savedConfig
	err := readJSON(filepath.Join(dir, configFile), &saved)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err == nil && saved.Dataset == name && saved.DataFingerprint == fp {
		return false, nil
	}
	was := saved.DataFingerprint
	if err != nil {
		was = "unreadable config: " + err.Error()
	} else if was == "" {
		was = "no fingerprint"
	}
	ckpts, err := filepath.Glob(filepath.Join(dir, checkpointGlob))
	if err != nil {
		return false, fmt.Errorf("unet: listing checkpoints in %s: %w", dir, err)
	}
	for _, p := range append(ckpts, filepath.Join(dir, historyFile), filepath.Join(dir, configFile)) {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, fmt.Errorf("unet: discarding the stale run in %s: %w", dir, err)
		}
	}
	if err := os.RemoveAll(filepath.Join(dir, vogDir)); err != nil {
		return false, fmt.Errorf("unet: discarding the stale run in %s: %w", dir, err)
	}
	fmt.Fprintf(progress, "%s: discarded the run in %s, trained on other data (%s %s; now %s)\n", name, dir, saved.Dataset, was, fp)
	return true, nil
}
