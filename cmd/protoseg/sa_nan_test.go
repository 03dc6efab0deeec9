package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFloatNIfTI writes an uncompressed NIfTI-1 float32 volume with dims [i, j, k].
func writeFloatNIfTI(t *testing.T, path string, dims [3]int, v []float32) {
	t.Helper()
	le := binary.LittleEndian
	var raw bytes.Buffer
	raw.Write(niftiHeader(dims, 16, 32)) // float32
	binary.Write(&raw, le, v)
	if err := os.WriteFile(path, raw.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSANaNPolicy(t *testing.T) {
	dir := t.TempDir()
	dims := [3]int{8, 6, 1}
	img := make([]float32, 48)
	mask := make([]float32, 48)
	for i := range img {
		x := i % 8
		if x >= 4 {
			img[i], mask[i] = 10, 1
		}
		if x == 0 && i < 24 {
			img[i] = float32(math.NaN()) // 3 NaN outside the object
		}
	}
	img[47] = float32(math.Inf(1))
	ip, mp := filepath.Join(dir, "t1.nii"), filepath.Join(dir, "seg.nii")
	writeFloatNIfTI(t, ip, dims, img)
	writeFloatNIfTI(t, mp, dims, mask)
	var out bytes.Buffer
	err := runSA([]string{"--mask", mp, ip}, &out)
	if err == nil || !strings.Contains(err.Error(), ip) || !strings.Contains(err.Error(), "4 NaN or Inf") {
		t.Fatalf("NaN image: error %v, want one naming %s and the count 4", err, ip)
	}
	out.Reset()
	if err := runSA([]string{"--mask", mp, "--nan", "zero", ip}, &out); err != nil {
		t.Fatal(err)
	}
	var rep saReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	// With the NaN set to 0 the object (10) and background (0) separate exactly,
	// except the Inf voxel, now 0, inside the object: Dice = 2·23/(23+24).
	if want := 2.0 * 23 / 47; math.Abs(rep.SA-want) > 1e-9 {
		t.Fatalf("--nan zero: SA %g, want %g", rep.SA, want)
	}
	if err := runSA([]string{"--mask", mp, "--nan", "skip", ip}, &out); err == nil {
		t.Fatal("--nan skip accepted")
	}
}
