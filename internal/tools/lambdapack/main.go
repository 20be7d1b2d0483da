// Command lambdapack builds rotation functions as Lambda deployment packages for the
// provided.al2023 runtime: a zip holding one executable named bootstrap.
//
//	go run ./internal/tools/lambdapack -out dist postgres mysql sshkey apikey
//
// For each name it writes dist/<name>.zip (linux/arm64, the modules' default architecture)
// and dist/<name>-x86_64.zip (linux/amd64).
//
// -extension ZIP=PKG builds the command PKG as a Lambda extension layer instead: ZIP.zip and
// ZIP-x86_64.zip holding extensions/<last element of PKG>, where Lambda starts external
// extensions (the layer is unpacked under /opt):
//
//	go run ./internal/tools/lambdapack -out dist \
//	  -extension secretcache-extension=github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache/cmd/secretcache-agent Builds are reproducible: the same sources and Go
//
// version give byte-identical zips (CGO off, -trimpath, no build id or VCS stamp, stripped,
// fixed file times and modes in the zip).
package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// arch is one Lambda architecture and the Go architecture that targets it.
type arch struct {
	goarch string
	suffix string // appended to the zip name; empty for the default
}

var archs = []arch{{goarch: "arm64"}, {goarch: "amd64", suffix: "-x86_64"}}

// zipTime is the time recorded for the bootstrap entry. The zip format cannot store times
// before 1980; a fixed time keeps the archive reproducible.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	out := flag.String("out", "dist", "directory for the zips")
	var exts []string
	flag.Func("extension", "ZIP=PKG: build the command PKG as a Lambda extension layer ZIP.zip (repeatable)", func(v string) error {
		if zipName, pkg, ok := strings.Cut(v, "="); !ok || zipName == "" || pkg == "" {
			return errors.New("want ZIP=PKG, e.g. secretcache-extension=./secretcache/cmd/secretcache-agent")
		}
		exts = append(exts, v)
		return nil
	})
	only := flag.String("goarch", "", "build for this Go architecture only (arm64 or amd64); default both")
	flag.Parse()
	if *only != "" {
		archs = slices.DeleteFunc(archs, func(a arch) bool { return a.goarch != *only })
		if len(archs) == 0 {
			fmt.Fprintf(os.Stderr, "lambdapack: -goarch %q: want arm64 or amd64\n", *only)
			os.Exit(2)
		}
	}
	if flag.NArg() == 0 && len(exts) == 0 {
		fmt.Fprintln(os.Stderr, "usage: lambdapack [-out DIR] [-extension ZIP=PKG]... NAME... (rotators under lambdas/NAME/lambda)")
		os.Exit(2)
	}
	ctx := context.Background()
	type job struct{ name, pkg, entry string }
	var jobs []job
	for _, name := range flag.Args() {
		jobs = append(jobs, job{name, "./lambdas/" + name + "/lambda", "bootstrap"})
	}
	for _, e := range exts {
		zipName, pkg, _ := strings.Cut(e, "=")
		jobs = append(jobs, job{zipName, pkg, "extensions/" + path.Base(pkg)})
	}
	for _, j := range jobs {
		name := j.name
		for _, a := range archs {
			dst := filepath.Join(*out, name+a.suffix+".zip")
			if err := packAs(ctx, j.pkg, a.goarch, dst, j.entry); err != nil {
				fmt.Fprintf(os.Stderr, "lambdapack: %s (%s): %v\n", name, a.goarch, err)
				os.Exit(1)
			}
			st, err := os.Stat(dst)
			if err != nil {
				fmt.Fprintf(os.Stderr, "lambdapack: %v\n", err)
				os.Exit(1)
			}
			fmt.Printf("%-28s %7.1f KiB  linux/%s\n", dst, float64(st.Size())/1024, a.goarch)
		}
	}
}

// pack builds the main package pkg for linux/goarch and writes it as bootstrap into the zip dst.
func pack(ctx context.Context, pkg, goarch, dst string) error {
	return packAs(ctx, pkg, goarch, dst, "bootstrap")
}

// packAs builds the main package pkg for linux/goarch and writes it as the executable entry
// (a path in the zip) into the zip dst.
func packAs(ctx context.Context, pkg, goarch, dst, entry string) error {
	tmp, err := os.MkdirTemp("", "lambdapack-")
	if err != nil {
		return fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc",
		"-ldflags", "-s -w -buildid=", "-o", bin, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch, "GOFLAGS=-mod=readonly")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, stderr.String())
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return fmt.Errorf("read the built bootstrap: %w", err)
	}
	archive, err := zipExecutable(entry, data)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(dst), err)
	}
	// Write beside the destination and rename, so a failed run never leaves a half zip.
	part := dst + ".part"
	if err := os.WriteFile(part, archive, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", part, err)
	}
	if err := os.Rename(part, dst); err != nil {
		return errors.Join(fmt.Errorf("rename %s: %w", part, err), os.Remove(part))
	}
	return nil
}

// zipExecutable returns a zip holding data as the executable file name, with an entry for
// each directory above it (as zip tools write them).
func zipExecutable(name string, data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
		dh := &zip.FileHeader{Name: dir + "/", Method: zip.Store, Modified: zipTime}
		dh.SetMode(0o755 | os.ModeDir)
		if _, err := zw.CreateHeader(dh); err != nil {
			return nil, fmt.Errorf("zip: %w", err)
		}
	}
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipTime}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	if _, err := io.Copy(w, bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	return buf.Bytes(), nil
}
