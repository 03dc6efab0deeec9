package cpubackend

import (
	"testing"

	"golang.org/x/sys/cpu"

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
			// The feature side runs on the host (protoseg/lowdirect.go) on both
			// of its kernel levels: this backend's matrix–vector products sum in
			// the order it reproduces.
			if check.Host["host-go"] == 0 || (cpu.X86.HasAVX2 && check.Host["host-avx2"] == 0) || check.HostRefused != 0 {
				t.Fatalf("%s: the feature side did not run on the host on every level and shape: %+v, %d shapes refused",
					path.name, check.Host, check.HostRefused)
			}
			t.Logf("%s (%s): %+v", path.name, gemm.KernelName(), check)
		})
	}
}
