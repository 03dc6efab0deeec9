package unet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Epoch is one line of the history file history.jsonl.
type Epoch struct {
	Epoch        int     `json:"epoch"`
	TrainLoss    float64 `json:"train_loss"`
	TestDice     float64 `json:"test_dice"`
	LearningRate float64 `json:"learning_rate"`
	Seconds      float64 `json:"seconds"`
}

// historyFile is the per-epoch log (JSON lines) beside the checkpoints.
const historyFile = "history.jsonl"

// ReadHistory reads the per-epoch history of a training run in dir (nil if the
// run has not finished an epoch yet).
func ReadHistory(dir string) ([]Epoch, error) {
	f, err := os.Open(filepath.Join(dir, historyFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("unet: history: %w", err)
	}
	defer f.Close()
	var hist []Epoch
	dec := json.NewDecoder(f)
	for {
		var e Epoch
		if err := dec.Decode(&e); err == io.EOF {
			return hist, nil
		} else if err != nil {
			return nil, fmt.Errorf("unet: %s: %w", filepath.Join(dir, historyFile), err)
		}
		hist = append(hist, e)
	}
}

// appendHistory adds one epoch's line to the history file of dir.
func appendHistory(dir string, e Epoch) error {
	f, err := os.OpenFile(filepath.Join(dir, historyFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("unet: history: %w", err)
	}
	if err := json.NewEncoder(f).Encode(e); err != nil {
		f.Close()
		return fmt.Errorf("unet: history: %w", err)
	}
	return f.Close()
}

// rewriteHistory replaces the history file of dir by hist.
func rewriteHistory(dir string, hist []Epoch) error {
	if err := os.Remove(filepath.Join(dir, historyFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("unet: history: %w", err)
	}
	for _, e := range hist {
		if err := appendHistory(dir, e); err != nil {
			return err
		}
	}
	return nil
}
