// Command lambdapack builds rotation functions as Lambda deployment packages for the
// provided.al2023 runtime: a zip holding one executable named bootstrap.
//
//	go run ./internal/tools/lambdapack -out dist postgres mysql sshkey apikey
//
// For each name it writes dist/<name>.zip (linux/arm64, the modules' default architecture)
// and dist/<name>-x86_64.zip (linux/amd64). Builds are reproducible: the same sources and Go
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
	"path/filepath"
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
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: lambdapack [-out DIR] NAME... (rotators under lambdas/NAME/lambda)")
		os.Exit(2)
	}
	ctx := context.Background()
	for _, name := range flag.Args() {
		for _, a := range archs {
			dst := filepath.Join(*out, name+a.suffix+".zip")
			if err := pack(ctx, "./lambdas/"+name+"/lambda", a.goarch, dst); err != nil {
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
	archive, err := zipBootstrap(data)
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

// zipBootstrap returns a zip holding data as the executable file "bootstrap".
func zipBootstrap(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: zipTime}
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
