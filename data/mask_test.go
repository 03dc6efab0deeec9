package data

import (
	"slices"
	"testing"
)

func TestObjectRule(t *testing.T) {
	values := []float32{-1, 0, 0.4, 0.6, 1, 1.4, 1.6, 2, 4}
	for label, want := range map[int][]bool{
		-1: {false, false, true, true, true, true, true, true, true},
		0:  {false, false, true, false, false, false, false, false, false},
		1:  {false, false, false, true, true, true, false, false, false},
		2:  {false, false, false, false, false, false, true, true, false},
		4:  {false, false, false, false, false, false, false, false, true},
	} {
		rule := ObjectRule(label)
		for i, v := range values {
			if got := rule(v); got != want[i] {
				t.Errorf("ObjectRule(%d)(%g) = %v, want %v", label, v, got, want[i])
			}
		}
	}
}

func TestObjectMask(t *testing.T) {
	// 2×3 pixels of 2 channels: a pixel is object when either channel is.
	im := &Image{Height: 2, Width: 3, Channels: 2, Pix: []float32{
		0, 0, 1, 0, 0, 2,
		4, 4, 0, 0, 2, 1,
	}}
	for _, c := range []struct {
		label   int
		mask    []uint8
		objects int
	}{
		{-1, []uint8{0, 1, 1, 1, 0, 1}, 4},
		{1, []uint8{0, 1, 0, 0, 0, 1}, 2},
		{2, []uint8{0, 0, 1, 0, 0, 1}, 2},
		{3, []uint8{0, 0, 0, 0, 0, 0}, 0},
	} {
		mask, n := ObjectMask(im, ObjectRule(c.label))
		if !slices.Equal(mask, c.mask) || n != c.objects {
			t.Errorf("label %d: mask %v with %d objects, want %v with %d", c.label, mask, n, c.mask, c.objects)
		}
	}
}
