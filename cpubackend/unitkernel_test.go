package cpubackend

import (
	"testing"

	"github.com/protoseg-go/protoseg-go/cpubackend/gemm"
	"github.com/protoseg-go/protoseg-go/protoseg"
)

// TestUnitKernelExact checks that protoseg's unit kernel agrees bit for bit with
// the graph path on the cpu backend (protoseg.VerifyUnitKernel: random and
// adversarial inputs), on each matrix-kernel path of package gemm: the portable
// Go kernel (products and sums rounded separately on amd64) and, where the CPU
// has them, the AVX2 and AVX-512 kernels (fused multiply-adds). The kernel probes
// the rounding of each backend; this test fails if a path rounds in a way it does
// not reproduce.
func TestUnitKernelExact(t *testing.T) {
	for _, path := range []struct {
		name         string
		avx2, avx512 bool
	}{{"portable", false, false}, {"avx2", true, false}, {"avx512", true, true}} {
		t.Run(path.name, func(t *testing.T) {
			restore := gemm.UseKernels(path.avx2, path.avx512)
			defer restore()
			backend, err := New("")
			if err != nil {
				t.Fatal(err)
			}
			defer backend.Finalize()
			check, err := protoseg.VerifyUnitKernel(backend, 7)
			if err != nil {
				t.Fatalf("%s (%s): %v", path.name, gemm.KernelName(), err)
			}
			if check.OnKernel == 0 {
				t.Fatalf("%s: no case ran on the unit kernel: %+v", path.name, check)
			}
			t.Logf("%s (%s): %+v", path.name, gemm.KernelName(), check)
		})
	}
}
