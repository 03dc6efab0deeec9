package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/study/report"
)

func TestParseRoots(t *testing.T) {
	names, roots, err := parseRoots("isic=/d/ISIC2017, brats=/d/BraTS2020")
	if err != nil || !reflect.DeepEqual(names, []string{"isic", "brats"}) ||
		!reflect.DeepEqual(roots, map[string]string{"isic": "/d/ISIC2017", "brats": "/d/BraTS2020"}) {
		t.Fatalf("got %v %v %v", names, roots, err)
	}
	if names, roots, err := parseRoots("/data/BraTS2020"); err != nil || names != nil || roots != nil {
		t.Fatalf("single folder: got %v %v %v, want the single-folder form", names, roots, err)
	}
	for _, bad := range []string{"isic=", "=x", "isic=a,isic=b", "nope=/x", "isic-synth=/x", "isic=/a,/b"} {
		if _, _, err := parseRoots(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if err := checkRoots(map[string]string{"isic": "/a"}, []string{"isic", "covid"}); err == nil || !strings.Contains(err.Error(), "covid") {
		t.Errorf("dataset without a folder: %v", err)
	}
}

// writeISICFixture writes n ISIC-2017-layout photos (<id>.jpg) and masks
// (<id>_segmentation.png), 40×30, with a dark lesion whose size varies.
func writeISICFixture(t *testing.T, root string, n int) {
	t.Helper()
	for _, sub := range []string{"ISIC-2017_Training_Data", "ISIC-2017_Training_Part1_GroundTruth"} {
		if err := os.MkdirAll(filepath.Join(root, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for k := range n {
		id := "ISIC_00000" + string(rune('a'+k))
		photo := image.NewRGBA(image.Rect(0, 0, 40, 30))
		mask := image.NewGray(image.Rect(0, 0, 40, 30))
		for y := range 30 {
			for x := range 40 {
				c := color.RGBA{220, 170, 150, 255}
				if x >= 8+k%4 && x < 28+k%5 && y >= 6+k%3 && y < 22 {
					c = color.RGBA{90, 50, 30, 255}
					mask.SetGray(x, y, color.Gray{255})
				}
				photo.SetRGBA(x, y, c)
			}
		}
		var jb, pb bytes.Buffer
		if err := jpeg.Encode(&jb, photo, &jpeg.Options{Quality: 95}); err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(&pb, mask); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(root, "ISIC-2017_Training_Data", id+".jpg"), jb.Bytes(), 0o644)
		os.WriteFile(filepath.Join(root, "ISIC-2017_Training_Part1_GroundTruth", id+"_segmentation.png"), pb.Bytes(), 0o644)
	}
}

// writeCOVIDFixture writes a medicalsegmentation.com-layout COVID CT volume
// (tr_im.nii.gz, tr_mask.nii.gz) of 16×16×slices with a lesion (label 1) in every
// slice, its size varying with the slice.
func writeCOVIDFixture(t *testing.T, root string, slices int) {
	t.Helper()
	dims := [3]int{16, 16, slices}
	img := make([]int16, dims[0]*dims[1]*dims[2])
	lab := make([]int16, len(img))
	for k := range slices {
		for y := range 16 {
			for x := range 16 {
				i := (k*16+y)*16 + x
				img[i] = -1000
				if x >= 3 && x < 9+k%4 && y >= 4 && y < 11+k%3 {
					img[i], lab[i] = -300, 1
				}
			}
		}
	}
	writeNIfTI(t, filepath.Join(root, "tr_im.nii.gz"), dims, img)
	writeNIfTI(t, filepath.Join(root, "tr_mask.nii.gz"), dims, lab)
}

// TestReproduceTwoRealDatasets runs reproduce --quick on two real-layout folders
// given as --root name=dir pairs: one report, both datasets in it, in the order
// given, and none labelled a stand-in.
func TestReproduceTwoRealDatasets(t *testing.T) {
	isic, covid, out := t.TempDir(), t.TempDir(), t.TempDir()
	writeISICFixture(t, isic, 10)
	writeCOVIDFixture(t, covid, 10)
	args := []string{"reproduce", "--quick", "--size", "16", "--base", "4", "--epochs", "2", "--seeds", "1",
		"--root", "isic=" + isic + ",covid=" + covid, "--out", out}
	stdout, stderr, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	raw, err := os.ReadFile(filepath.Join(out, report.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var res report.Results
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range res.Datasets {
		names = append(names, d.Name)
		if d.Synthetic {
			t.Errorf("%s: labelled synthetic", d.Name)
		}
	}
	if !reflect.DeepEqual(names, []string{"isic", "covid"}) {
		t.Fatalf("datasets in results.json: %v, want [isic covid]", names)
	}
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(page, []byte("ours (stand-in")) || bytes.Contains(page, []byte("isic-synth")) {
		t.Errorf("index.html labels a real dataset a stand-in")
	}
	for _, n := range names {
		if !bytes.Contains(page, []byte(n)) {
			t.Errorf("index.html does not name %s", n)
		}
	}
}
