package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// niftiHeader returns the 352-byte header (with extension flag) of an
// uncompressed little-endian NIfTI-1 volume with dims [i, j, k], unit scaling and
// the given datatype code and bits per voxel.
func niftiHeader(dims [3]int, datatype, bitpix uint16) []byte {
	hdr := make([]byte, 352)
	le := binary.LittleEndian
	le.PutUint32(hdr[0:], 348)
	le.PutUint16(hdr[40:], 3)
	for a, d := range dims {
		le.PutUint16(hdr[42+2*a:], uint16(d))
	}
	le.PutUint16(hdr[70:], datatype)
	le.PutUint16(hdr[72:], bitpix)
	for a := range 4 {
		le.PutUint32(hdr[76+4*a:], math.Float32bits(1))
	}
	le.PutUint32(hdr[108:], math.Float32bits(352)) // vox_offset
	copy(hdr[344:], "n+1\x00")
	return hdr
}

// writeNIfTI writes a little-endian NIfTI-1 int16 volume (.nii.gz) with dims
// [i, j, k]; values are indexed v[(k*j + y)*i + x].
func writeNIfTI(t *testing.T, path string, dims [3]int, v []int16) {
	t.Helper()
	le := binary.LittleEndian
	var raw bytes.Buffer
	raw.Write(niftiHeader(dims, 4, 16)) // int16
	if err := binary.Write(&raw, le, v); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw.Bytes())
	zw.Close()
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSAOnNIfTI(t *testing.T) {
	dir := t.TempDir()
	dims := [3]int{9, 7, 5}
	img := make([]int16, dims[0]*dims[1]*dims[2])
	labels := make([]int16, len(img))
	for k := range dims[2] {
		for y := range dims[1] {
			for x := range dims[0] {
				i := (k*dims[1]+y)*dims[0] + x
				img[i] = int16(100*k + 7*x - 3*y + (x*y)%5)
				if x >= 2 && x < 6 && y >= 1 && y < 4 {
					labels[i] = 1
					img[i] += 40
				}
				if x >= 4 && y >= 4 {
					labels[i] = 2
				}
			}
		}
	}
	writeNIfTI(t, filepath.Join(dir, "ct.nii.gz"), dims, img)
	writeNIfTI(t, filepath.Join(dir, "seg.nii.gz"), dims, labels)
	for _, label := range []int{-1, 1, 2} {
		args := []string{"sa", "--slice", "3", "--mask", filepath.Join(dir, "seg.nii.gz"), filepath.Join(dir, "ct.nii.gz")}
		if label >= 0 {
			args = append(args, "--label", string(rune('0'+label)))
		}
		out, errOut, code := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var rep saReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		// Independent computation on slice k = 3 (row = j, column = i).
		const k = 3
		n := dims[0] * dims[1]
		x := make([]float64, n)
		mask := make([]float64, n)
		lo, hi := math.Inf(1), math.Inf(-1)
		for p := range n {
			v := float64(img[k*n+p])
			x[p] = v
			lo, hi = min(lo, v), max(hi, v)
			l := int(labels[k*n+p])
			if (label < 0 && l > 0) || l == label {
				mask[p] = 1
			}
		}
		for p := range x {
			x[p] = (x[p] - lo) / (hi - lo)
		}
		want := directSeparableness(x, mask, 1)
		if rep.Slice == nil || *rep.Slice != 3 || rep.Height != dims[1] || rep.Width != dims[0] || math.Abs(rep.SA-want) > 1e-9 {
			t.Fatalf("label %d: report %+v, want SA %v on slice 3 (%d×%d)", label, rep, want, dims[1], dims[0])
		}
	}
	// A truncated volume is an error naming the file.
	raw, _ := os.ReadFile(filepath.Join(dir, "ct.nii.gz"))
	bad := filepath.Join(dir, "truncated.nii.gz")
	os.WriteFile(bad, raw[:len(raw)/2], 0o644)
	_, errOut, code := runCLI(t, "sa", "--mask", filepath.Join(dir, "seg.nii.gz"), bad)
	if code != 1 || !bytes.Contains([]byte(errOut), []byte("truncated.nii.gz")) {
		t.Fatalf("truncated volume: exit %d, %q", code, errOut)
	}
}
