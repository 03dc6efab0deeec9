package main

import "testing"

func TestParseStep(t *testing.T) {
	for _, c := range []struct {
		in   string
		want step
	}{
		{"18:0", step{layer: 18, unitRank: 0, slice: -1}},
		{"6:2:coronal", step{layer: 6, unitRank: 2, axis: "coronal", slice: -1}},
		{"6:2:sagittal:0", step{layer: 6, unitRank: 2, axis: "sagittal", slice: 0}},
		{"1:1:axial:15", step{layer: 1, unitRank: 1, axis: "axial", slice: 15}},
	} {
		got, err := parseStep(c.in)
		if err != nil || got != c.want {
			t.Errorf("%q: %+v (%v), want %+v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"18", "0:0", "19:0", "5:-1", "5:1:oblique", "5:1:axial:x", "5:1:axial:3:4", "a:b"} {
		if _, err := parseStep(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
