package measure

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/protoseg-go/protoseg-go/study/internal/fixture"
)

func TestObjectCentreAndViews(t *testing.T) {
	// A 4 × 6 × 5 volume whose value codes its coordinates: v = 100d + 10h + w.
	dims := []int{4, 6, 5}
	vol := make([]float32, fixture.Prod(dims))
	for i := range vol {
		x := fixture.Coords(i, dims)
		vol[i] = float32(100*x[0] + 10*x[1] + x[2])
	}
	// B: two voxels, (1, 2, 3) and (3, 4, 3): centre (2, 3, 3).
	b := make([]float32, len(vol))
	b[(1*6+2)*5+3], b[(3*6+4)*5+3] = 1, 0.9
	c := ObjectCentre(b, dims)
	if !reflect.DeepEqual(c, []int{2, 3, 3}) {
		t.Fatalf("centre %v, want [2 3 3]", c)
	}
	if c := ObjectCentre(make([]float32, len(vol)), dims); !reflect.DeepEqual(c, []int{2, 3, 2}) {
		t.Fatalf("centre of an empty B %v, want the middle [2 3 2]", c)
	}
	planes, err := ViewPlanes(dims, []int{2, 3, 3})
	if err != nil {
		t.Fatal(err)
	}
	// axial: d = 2, H × W; coronal: h = 3, D × W; sagittal: w = 3, D × H.
	want := []struct {
		h, w int
		at   func(y, x int) float32
	}{
		{6, 5, func(y, x int) float32 { return float32(200 + 10*y + x) }},
		{4, 5, func(y, x int) float32 { return float32(100*y + 30 + x) }},
		{4, 6, func(y, x int) float32 { return float32(100*y + 10*x + 3) }},
	}
	for i, p := range planes {
		if !strings.HasPrefix(p.Name, ViewNames[i]) || p.H != want[i].h || p.W != want[i].w {
			t.Fatalf("view %d: %q %d×%d, want %s %d×%d", i, p.Name, p.H, p.W, ViewNames[i], want[i].h, want[i].w)
		}
		s := SlicePlane(vol, p)
		for y := range p.H {
			for x := range p.W {
				if s[y*p.W+x] != want[i].at(y, x) {
					t.Fatalf("%s (%d, %d) = %g, want %g", p.Name, y, x, s[y*p.W+x], want[i].at(y, x))
				}
			}
		}
	}
	if _, err := ViewPlanes([]int{7}, []int{3}); err == nil {
		t.Error("1D map: no error")
	}
}

func TestShownLayersAndRankPicks(t *testing.T) {
	if got := ShownLayers(18, 6); !reflect.DeepEqual(got, []int{0, 3, 7, 10, 14, 17}) {
		t.Errorf("ShownLayers(18, 6) = %v", got)
	}
	if got := ShownLayers(4, 6); !reflect.DeepEqual(got, []int{0, 1, 2, 3}) {
		t.Errorf("ShownLayers(4, 6) = %v", got)
	}
	mu := []float64{0.5, 0.1, 0.9, 0.3, 0.7}
	if got := RankPicks(mu, 3); !reflect.DeepEqual(got, []int{1, 0, 2}) {
		t.Errorf("rankPicks lowest/median/highest = %v, want [1 0 2]", got)
	}
	if got := RankPicks(mu[:2], 3); !reflect.DeepEqual(got, []int{1, 0}) {
		t.Errorf("rankPicks of 2 = %v, want [1 0] (no repeats)", got)
	}
}

// TestFigureMapsStream: with 12 cases the figure pass reads again only the 3
// detail cases (with layers) and the 8 ranked ones (output only), each once and in
// case order, and keeps only 2D views of them.
func TestFigureMapsStream(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	paths, _ := fixture.CasePaths(t, rng, []int{6, 8, 8}, 12)
	b := fixture.MustBackend(t)
	a := fixture.Analyzer(t)
	rep, err := AnalyzeCases(b, a, paths, CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var opened, withLayers []int
	onFigureCase = func(i int, detail bool) {
		opened = append(opened, i)
		if detail {
			withLayers = append(withLayers, i)
		}
	}
	defer func() { onFigureCase = nil }()
	maps, err := CaseFigureMaps(a, paths, rep, CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]bool{}
	for _, i := range RankPicks(rep.Mu, ShownRanked) {
		want[i] = true
	}
	for _, i := range RankPicks(rep.Mu, ShownDetail) {
		want[i] = true
	}
	if len(opened) != len(want) || !slices.IsSorted(opened) || len(withLayers) != ShownDetail || len(maps.Ranked) != ShownRanked {
		t.Fatalf("opened %v (want each of %v once, in order), with layers %v, %d ranked", opened, want, withLayers, len(maps.Ranked))
	}
	for _, i := range opened {
		if !want[i] {
			t.Errorf("case %d read again but not shown", i)
		}
	}
	for _, c := range append(append([]ShownCase{}, maps.Detail...), maps.Ranked...) {
		for _, v := range c.Views {
			if len(v.Output) != v.H*v.W || v.H*v.W > 8*8 {
				t.Errorf("case %s view %q: %d values for %d×%d", c.Name, v.Name, len(v.Output), v.H, v.W)
			}
		}
		if c.Views[0].SAMs != nil && !slices.Contains(withLayers, c.Index) {
			t.Errorf("case %s has SAMs without its layers read", c.Name)
		}
	}
}
