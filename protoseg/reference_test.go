package protoseg

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// sharedBackend is the pure-Go backend, so that tests run anywhere. Its ops run one
// after the other (ops_sequential), which avoids simplego's nested-pool stall
// (docs/design.md §7) without its stdout message of parallelism=-1; one instance,
// because a tensor once used on a backend instance is bound to it.
var sharedBackend = sync.OnceValues(func() (backends.Backend, error) { return simplego.New("ops_sequential") })

func testBackend(t testing.TB) backends.Backend {
	t.Helper()
	b, err := sharedBackend()
	if err != nil {
		t.Fatalf("simplego backend: %v", err)
	}
	return b
}

// nd is a dense float64 array decoded from the reference JSON (nested lists).
type nd struct {
	dims []int
	data []float64
}

func (a *nd) UnmarshalJSON(b []byte) error {
	var raw any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	a.dims, a.data = nil, nil
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		switch x := v.(type) {
		case []any:
			if len(a.dims) == depth {
				a.dims = append(a.dims, len(x))
			}
			for _, e := range x {
				walk(e, depth+1)
			}
		case float64:
			a.data = append(a.data, x)
		}
	}
	walk(raw, 0)
	return nil
}

// nhwc converts an NCHW reference array to GoMLX's channels-last NHWC tensor.
func (a nd) nhwc() *tensors.Tensor {
	n, c, h, w := a.dims[0], a.dims[1], a.dims[2], a.dims[3]
	out := make([]float64, len(a.data))
	for in := range n {
		for ic := range c {
			for ih := range h {
				for iw := range w {
					out[((in*h+ih)*w+iw)*c+ic] = a.data[((in*c+ic)*h+ih)*w+iw]
				}
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(out, n, h, w, c)
}

// mask converts an [N,1,H,W] reference array to an [N,H,W] tensor.
func (a nd) mask() *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(append([]float64(nil), a.data...), a.dims[0], a.dims[2], a.dims[3])
}

type refOutputs struct {
	CT         nd        `json:"c_t"`
	CB         nd        `json:"c_b"`
	PT         nd        `json:"p_t"`
	SAM        nd        `json:"sam"`
	Dice       float64   `json:"dice_vs_G"`
	UnitDice   []float64 `json:"unit_dice_vs_G"`
	Unit0PT    *nd       `json:"unit0_p_t"`
	FUpsampled *nd       `json:"f_upsampled"`
}

type refCase struct {
	Inputs struct {
		F       nd  `json:"f"`
		BBinary *nd `json:"B_binary"`
		BProb   *nd `json:"B_prob"`
		B       *nd `json:"B"`
		G       nd  `json:"G"`
	} `json:"inputs"`
	Outputs map[string]refOutputs `json:"outputs"`
}

func loadRef[T any](t *testing.T, name string) T {
	t.Helper()
	var v T
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func flat(t *testing.T, x *tensors.Tensor) []float64 {
	t.Helper()
	v, err := tensors.CopyFlatData[float64](x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func assertClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol || math.IsNaN(got[i]) {
			t.Fatalf("%s[%d] = %.10g, want %.10g (tol %g)", what, i, got[i], want[i], tol)
		}
	}
}

// channelsLast reorders a [1,C,1,1] prototype array to [1,C].
func protoVals(a nd) []float64 { return a.data }

func TestReferenceVectors(t *testing.T) {
	backend := testBackend(t)
	exec := MustNewExec(backend, func(f, b, g *Node) []*Node {
		ct, cb := Prototypes(f, b, nil)
		logit := ObjectLogit(f, b, nil, Bilinear)
		sam := SAM(logit, nil)
		units := UnitLogits(f, b, nil, Bilinear)
		return []*Node{ct, cb, Sigmoid(logit), sam, Dice(sam, g),
			Dice(SAM(units, nil), g), Sigmoid(SliceAxis(units, -1, AxisElem(0)))}
	})
	for _, name := range []string{"case0_C1_H8.json", "case1_C4_H12.json", "case2_C16_H8.json"} {
		ref := loadRef[refCase](t, name)
		for kind, mask := range map[string]*nd{"binary": ref.Inputs.BBinary, "prob": ref.Inputs.BProb} {
			t.Run(name+"/"+kind, func(t *testing.T) {
				want := ref.Outputs[kind]
				out := exec.MustExec(ref.Inputs.F.nhwc(), mask.mask(), ref.Inputs.G.mask())
				// Epsilon in the denominators perturbs prototypes by ~1e-7 relative.
				assertClose(t, "c_t", flat(t, out[0]), protoVals(want.CT), 1e-6)
				assertClose(t, "c_b", flat(t, out[1]), protoVals(want.CB), 1e-6)
				assertClose(t, "p_t", flat(t, out[2]), want.PT.data, 1e-6)
				assertClose(t, "sam", flat(t, out[3]), want.SAM.data, 0)
				assertClose(t, "dice", flat(t, out[4]), []float64{want.Dice}, 1e-12)
				assertClose(t, "unit dice", flat(t, out[5]), want.UnitDice, 1e-12)
				if want.Unit0PT != nil {
					assertClose(t, "unit0 p_t", flat(t, out[6]), want.Unit0PT.data, 1e-6)
				}
			})
		}
	}
}

func TestReferenceUpsample(t *testing.T) {
	type upRef struct {
		Weights [][]float64 `json:"bilinear_weight_matrix_12x6"`
		Nearest []int       `json:"nearest_src_index"`
		refCase
	}
	ref := loadRef[upRef](t, "upsample_6to12.json")
	w := InterpolationMatrix(Bilinear, 6, 12)
	for i := range w {
		assertClose(t, "bilinear weights", w[i], ref.Weights[i], 1e-15)
	}
	wn := InterpolationMatrix(Nearest, 6, 12)
	for i, j := range ref.Nearest {
		if wn[i][j] != 1 {
			t.Fatalf("nearest row %d: %v, want source %d", i, wn[i], j)
		}
	}
	backend := testBackend(t)
	for _, method := range []ResizeMethod{Bilinear, Nearest} {
		t.Run(method.String(), func(t *testing.T) {
			want := ref.Outputs[method.String()]
			exec := MustNewExec(backend, func(f, b, g *Node) []*Node {
				logit := ObjectLogit(f, b, nil, method)
				sam := SAM(logit, nil)
				return []*Node{Resize(f, method, 12, 12), Sigmoid(logit), sam, Dice(sam, g),
					Dice(SAM(UnitLogits(f, b, nil, method), nil), g)}
			})
			out := exec.MustExec(ref.Inputs.F.nhwc(), ref.Inputs.B.mask(), ref.Inputs.G.mask())
			assertClose(t, "f_upsampled", flat(t, out[0]), flat(t, want.FUpsampled.nhwc()), 1e-12)
			assertClose(t, "p_t", flat(t, out[1]), want.PT.data, 1e-6)
			assertClose(t, "sam", flat(t, out[2]), want.SAM.data, 0)
			assertClose(t, "dice", flat(t, out[3]), []float64{want.Dice}, 1e-12)
			assertClose(t, "unit dice", flat(t, out[4]), want.UnitDice, 1e-12)
		})
	}
}
