package secretcachetest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The secretcache module keeps its own copy of internal/schedule (the rotation-window
// arithmetic), since a module of its own cannot import the provider's internal packages.
// The copy must stay identical: when internal/schedule changes, copy it over with
//
//	cp internal/schedule/*.go secretcache/internal/schedule/
func TestScheduleCopyIsIdentical(t *testing.T) {
	orig, err := filepath.Glob("../schedule/*.go")
	if err != nil || len(orig) == 0 {
		t.Fatalf("no internal/schedule sources: %v", err)
	}
	copies, _ := filepath.Glob("../../secretcache/internal/schedule/*.go")
	if len(copies) != len(orig) {
		t.Errorf("internal/schedule has %d files, secretcache/internal/schedule %d", len(orig), len(copies))
	}
	for _, p := range orig {
		a, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join("../../secretcache/internal/schedule", filepath.Base(p)))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("secretcache/internal/schedule/%s differs from internal/schedule (%v): cp internal/schedule/*.go secretcache/internal/schedule/", filepath.Base(p), err)
		}
	}
}
