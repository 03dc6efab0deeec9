package simplego

import "github.com/gomlx/gomlx/backends"

// Reshapes of graph outputs as views.
//
// A graph output's buffer is never released nor overwritten while the graph
// runs (its output use is never consumed), yet upstream's Reshape copies it
// (its operand is not owned at its last use). package unet reshapes its
// feature maps, which are outputs, before max-pooling and the head's dense
// layer: two full copies per level into buffers each pass. A Reshape whose
// operand is a graph output instead returns a borrowed Buffer sharing the
// operand's data: the executor marks it not owned (forkResultOwned), so no op reuses
// it in place, it is never released to the free list, and, if it is an
// output itself, Execute returns a copy.

// outputReshape marks a Reshape node whose operand is a graph output.
type outputReshape struct{}

// markOutputReshapes marks the float32 Reshape nodes whose operand is a graph
// output (hook: Compile in builder.go).
func (b *Builder) markOutputReshapes() {
	if b.backend.reference {
		return
	}
	isOutput := make(map[*Node]bool, len(b.outputs))
	for _, out := range b.outputs {
		isOutput[out] = true
	}
	for _, n := range b.nodes {
		if n.opType == backends.OpTypeReshape && n.data == nil && len(n.inputs) == 1 && isOutput[n.inputs[0]] {
			n.data = outputReshape{}
		}
	}
}

// forkReshapeView returns the borrowed view of operand for a Reshape marked
// by markOutputReshapes, or nil (hook: execReshape).
func forkReshapeView(node *Node, operand *Buffer) *Buffer {
	if _, ok := node.data.(outputReshape); !ok {
		return nil
	}
	return &Buffer{shape: node.shape, valid: true, flat: operand.flat}
}

// forkResultOwned reports whether the executor owns the result of node: not
// for the views of forkReshapeView (hook: executeNode in exec.go).
func forkResultOwned(node *Node) bool {
	_, view := node.data.(outputReshape)
	return !view
}
