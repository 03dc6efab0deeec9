package unet

import (
	"fmt"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// BenchmarkConvLayer compares the two ways of computing a 3×3 convolution (im2col
// and the backend's ConvGeneral) on one layer of a Base-8 U-Net at 64×64, batch 10:
// forward pass plus the gradients w.r.t. input and weights.
func BenchmarkConvLayer(b *testing.B) {
	for _, mode := range []string{ConvIm2Col, ConvBackend} {
		for _, ch := range [][2]int{{8, 8}, {16, 16}} {
			b.Run(fmt.Sprintf("%s/in=%d/out=%d", mode, ch[0], ch[1]), func(b *testing.B) {
				backend := testBackend(b)
				ctx := context.New()
				exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, x *Node) []*Node {
					y := conv3x3(ctx.In("conv"), mode, x, ch[1])
					loss := ReduceAllSum(Square(y))
					w := ctx.In("conv").GetVariable("weights").ValueGraph(x.Graph())
					return Gradient(loss, x, w)
				})
				if err != nil {
					b.Fatal(err)
				}
				x := tensors.FromFlatDataAndDimensions(make([]float32, 10*64*64*ch[0]), 10, 64, 64, ch[0])
				if _, err := exec.Exec(x); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for range b.N {
					if _, err := exec.Exec(x); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
