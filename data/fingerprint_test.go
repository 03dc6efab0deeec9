package data

import "testing"

// TestFingerprint checks that the fingerprint is stable for identical data and
// changes with the seed, the counts and any single image value.
func TestFingerprint(t *testing.T) {
	load := func(seed uint64, train int) *Dataset {
		d, err := Load("covid-synth", Options{Seed: seed, TrainCount: train, TestCount: 3})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, b := load(1, 4), load(1, 4)
	if a.Fingerprint() != b.Fingerprint() {
		t.Fatalf("same data, fingerprints %s and %s", a.Fingerprint(), b.Fingerprint())
	}
	if len(a.Fingerprint()) != 16 {
		t.Errorf("fingerprint %q, want 16 hex digits", a.Fingerprint())
	}
	for what, other := range map[string]*Dataset{"seed": load(2, 4), "train count": load(1, 5)} {
		if other.Fingerprint() == a.Fingerprint() {
			t.Errorf("another %s gives the same fingerprint %s", what, a.Fingerprint())
		}
	}
	b.Test[2].Image[100] += 1e-6
	if a.Fingerprint() == b.Fingerprint() {
		t.Errorf("a changed pixel leaves the fingerprint %s", a.Fingerprint())
	}
}
