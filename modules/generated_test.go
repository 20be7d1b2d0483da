package modules_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/tools/modulegen"
)

// TestWrappersGenerated checks that the files the wrapper modules share (variables.tf,
// outputs.tf, main.tf) are what internal/tools/modulegen writes; with -update it rewrites
// them. A wrapper's own settings live in its rotator.tf, which is written by hand. (This
// file sorts before readme_test.go, so one -update run rewrites the generated files before
// TestREADMETables reads them.)
func TestWrappersGenerated(t *testing.T) {
	files, err := modulegen.Generate()
	if err != nil {
		t.Fatal(err)
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		want := files[p]
		got, err := os.ReadFile(p)
		if err == nil && bytes.Equal(got, want) {
			continue
		}
		if *update {
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", p)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v; run `go test ./modules -run 'TestWrappersGenerated|TestREADMETables' -update`", p, err)
			continue
		}
		t.Errorf("modules/%s is not what internal/tools/modulegen writes (edited by hand?); change the templates or the wrapper's description there, "+
			"or the wrapper's rotator.tf, and run `go test ./modules -run 'TestWrappersGenerated|TestREADMETables' -update`.\n%s",
			p, firstDifference(string(got), string(want)))
	}
}

// TestWrapperOwnFiles: a wrapper holds only the generated files, its rotator.tf (when the
// generator expects one) and versions.tf: a new hand-written .tf file would be a copy the
// generator does not know about.
func TestWrapperOwnFiles(t *testing.T) {
	for _, w := range modulegen.Wrappers {
		want := []string{"main.tf", "outputs.tf", "variables.tf", "versions.tf"}
		if w.RotatorFile {
			want = append(want, "rotator.tf")
		}
		sort.Strings(want)
		got, err := filepath.Glob(filepath.Join(w.Dir, "*.tf"))
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			got[i] = filepath.Base(got[i])
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: .tf files %v, want %v", w.Dir, got, want)
		}
	}
}

// TestWrappersRequireStrategy: every wrapper makes its caller choose the rotation mode
// (issue 12: the mode is the function's configuration, never the secret's shape); a
// default would choose silently. The validations and the warning for "auto" are checked by
// the wrappers' terraform tests.
func TestWrappersRequireStrategy(t *testing.T) {
	for _, w := range modulegen.Wrappers {
		cfg := parseModule(t, w.Dir)
		i := slices.IndexFunc(cfg.variables, func(v variable) bool { return v.Name == "rotation_strategy" })
		if i < 0 {
			t.Errorf("%s has no variable rotation_strategy", w.Dir)
			continue
		}
		if v := cfg.variables[i]; !v.Required {
			t.Errorf("%s: rotation_strategy has the default %s; it must be required", w.Dir, v.Default)
		}
	}
}
