package main

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestPackReproducible builds a small rotation function as a Lambda zip twice for arm64 and
// once for amd64: the arm64 zips are byte-identical, and each holds one executable bootstrap
// for the right machine.
func TestPackReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles a Lambda function; skipped with -short")
	}
	// Run from the module root, as `make package` does.
	t.Chdir(filepath.Join("..", "..", ".."))
	const pkg = "./lambdas/rotation/internal/testrotator"
	dir := t.TempDir()
	tests := []struct {
		goarch  string
		machine elf.Machine
		zips    []string
	}{
		{"arm64", elf.EM_AARCH64, []string{"a.zip", "b.zip"}},
		{"amd64", elf.EM_X86_64, []string{"c.zip"}},
	}
	for _, tc := range tests {
		var first []byte
		for _, name := range tc.zips {
			dst := filepath.Join(dir, name)
			if err := pack(t.Context(), pkg, tc.goarch, dst); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = data
			} else if !bytes.Equal(first, data) {
				t.Fatalf("%s: two builds differ (%d and %d bytes)", tc.goarch, len(first), len(data))
			}
			checkZip(t, data, tc.machine)
		}
	}
}

func checkZip(t *testing.T, data []byte, machine elf.Machine) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode().Perm() != 0o755 {
		t.Fatalf("zip entries: want one executable bootstrap, got %d (first %q %v)", len(zr.File), zr.File[0].Name, zr.File[0].Mode())
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	bin, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("bootstrap is not an ELF executable: %v", err)
	}
	if f.Machine != machine || f.Type != elf.ET_EXEC {
		t.Fatalf("bootstrap is %v %v, want %v executable", f.Machine, f.Type, machine)
	}
	if f.Section(".symtab") != nil {
		t.Fatal("bootstrap is not stripped")
	}
}
