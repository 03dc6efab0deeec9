package study_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/protoseg-go/protoseg-go/cpubackend"
	"github.com/protoseg-go/protoseg-go/study"
)

// A newcomer's first call: the whole study on one stand-in at the quick preset
// (trains the offline and the online U-Net, measures, judges and writes the
// report into a folder).
func ExampleRun() {
	backend, err := cpubackend.New("")
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := os.MkdirTemp("", "protoseg-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(out)
	p := study.QuickPreset()
	cfg := p.Config([]string{"isic-synth"}, out, 1)
	results, err := study.Run(cfg, backend, p.Trainer(backend, 1, nil), io.Discard)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := results[0]
	fmt.Printf("%s: %d test images, %d layers measured per image\n", r.Dataset.Name, len(r.Online.Dice), len(r.Online.LayerSA[0]))
	for _, name := range []string{"index.html", "results.json", "fig05.png", "fig17.png"} {
		_, err := os.Stat(filepath.Join(out, name))
		fmt.Println(name, err == nil)
	}
	// Output:
	// isic-synth: 20 test images, 18 layers measured per image
	// index.html true
	// results.json true
	// fig05.png true
	// fig17.png true
}
