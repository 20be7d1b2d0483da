package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
)

// scene is one part of `make demo-all`: one feature, shown with a short before and after.
// Each starts what it needs (servers, the emulator) and removes it when it ends, also when
// it fails or is interrupted.
type scene struct {
	name  string // for -scenes
	title string
	run   func(context.Context, *stage) error
}

// scenes are demo-all's scenes, in the order they run.
var scenes = []scene{
	{"mariadb", "MariaDB: alternating users with a master secret", sceneMariaDB},
	{"ssh", "SSH: one key rotated on two sshd hosts", sceneSSH},
	{"apikey", "API key: rotated against a local key service", sceneAPIKey},
	{"replica", "Replication: a second region receives the rotated value", sceneReplica},
	{"agent", "Cache agent: a client sees the rotation", sceneAgent},
}

// The programs the scenes run, built once: the rotators as Lambda bootstraps (as `make
// package` builds them, for this machine) and the cache agent.
// dir is the Go module the package is in, relative to the repository's root: the cache
// agent is in secretcache's own module.
var scenePrograms = []struct{ name, dir, pkg string }{
	{"mysql", ".", "./lambdas/mysql/lambda"},
	{"sshkey", ".", "./lambdas/sshkey/lambda"},
	{"apikey", ".", "./lambdas/apikey/lambda"},
	{"secretcache-agent", "secretcache", "./cmd/secretcache-agent"},
}

// AllOptions configure RunAll.
type AllOptions struct {
	Root    string
	Out     io.Writer
	Verbose bool
	// Scenes are the names of the scenes to run; every scene when empty.
	Scenes []string
	// Go is the go command; "go" from PATH when empty.
	Go string

	// onStep, for tests, is called as each step of a scene begins.
	onStep func(scene, step string)
}

// SceneResult is how one scene went.
type SceneResult struct {
	Name string
	Took time.Duration
	Err  error
}

// RunAll builds the programs, then runs the scenes one after the other; each cleans up
// after itself. It stops at the first failure or when ctx ends, and returns every scene's
// result so far with the first error.
func RunAll(ctx context.Context, opts AllOptions) ([]SceneResult, error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Go == "" {
		opts.Go = "go"
	}
	chosen, err := chooseScenes(opts.Scenes)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	fmt.Fprintf(opts.Out, "secretsmanager demo-all: %d scene(s), each with its own emulator and servers on this machine.\n\n", len(chosen))

	dir, err := os.MkdirTemp("", "secretsmanager-demo-all-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintf(opts.Out, "could not remove %s: %v\n", dir, err)
			return
		}
		fmt.Fprintf(opts.Out, "cleaned up: %s removed\n", dir)
	}()
	fmt.Fprint(opts.Out, "build the rotators (mysql, sshkey, apikey) and the cache agent ... ")
	t0 := time.Now()
	bins, err := buildPrograms(ctx, opts, dir)
	if err != nil {
		fmt.Fprintf(opts.Out, "FAILED (%s)\n", roundDuration(time.Since(t0)))
		return nil, fmt.Errorf("build: %w", err)
	}
	fmt.Fprintf(opts.Out, "ok (%s)\n", roundDuration(time.Since(t0)))

	var results []SceneResult
	for i, sc := range chosen {
		fmt.Fprintf(opts.Out, "\n[%d/%d] %s\n", i+1, len(chosen), sc.title)
		took, err := runScene(ctx, opts, sc, bins, dir)
		results = append(results, SceneResult{Name: sc.name, Took: took, Err: err})
		if err != nil {
			verb := "FAILED"
			if ctx.Err() != nil {
				verb = "interrupted"
			}
			fmt.Fprintf(opts.Out, "  scene %s %s after %s: %v\n", sc.name, verb, roundDuration(took), err)
			return results, fmt.Errorf("scene %s: %w", sc.name, err)
		}
		fmt.Fprintf(opts.Out, "  scene done, everything it started removed (%s)\n", roundDuration(took))
	}
	fmt.Fprintf(opts.Out, "\nAll %d scenes passed in %s:", len(results), roundDuration(time.Since(start)))
	for _, r := range results {
		fmt.Fprintf(opts.Out, " %s %s", r.Name, roundDuration(r.Took))
	}
	fmt.Fprintln(opts.Out)
	return results, nil
}

func chooseScenes(names []string) ([]scene, error) {
	if len(names) == 0 {
		return scenes, nil
	}
	var out []scene
	for _, n := range names {
		found := false
		for _, sc := range scenes {
			if sc.name == n {
				out = append(out, sc)
				found = true
			}
		}
		if !found {
			var all []string
			for _, sc := range scenes {
				all = append(all, sc.name)
			}
			return nil, fmt.Errorf("unknown scene %q; the scenes are %s", n, strings.Join(all, ", "))
		}
	}
	return out, nil
}

// buildPrograms builds every program at once (they share the build cache) and returns
// their paths by name; a rotator is named bootstrap in a directory of its own, as Lambda
// runs it.
func buildPrograms(ctx context.Context, opts AllOptions, dir string) (map[string]string, error) {
	bins := map[string]string{}
	errs := make([]error, len(scenePrograms))
	var wg sync.WaitGroup
	for i, p := range scenePrograms {
		out := filepath.Join(dir, p.name, "bootstrap")
		if !strings.HasPrefix(p.pkg, "./lambdas/") {
			out = filepath.Join(dir, p.name, p.name)
		}
		bins[p.name] = out
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The settings of `make demo` and `make package`: static, without the RPC mode.
			cmd := exec.CommandContext(ctx, opts.Go, "build", "-tags", "lambda.norpc", "-o", out, p.pkg)
			cmd.Dir = filepath.Join(opts.Root, p.dir)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if b, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("go build %s: %w\n%s", p.pkg, err, tailLines(string(b), 20))
			}
		}()
	}
	wg.Wait()
	return bins, errors.Join(errs...)
}

// runScene runs one scene with a stage of its own and always cleans the stage up.
func runScene(ctx context.Context, opts AllOptions, sc scene, bins map[string]string, parent string) (took time.Duration, err error) {
	start := time.Now()
	dir, err := os.MkdirTemp(parent, sc.name+"-")
	if err != nil {
		return 0, err
	}
	st := &stage{ctx: ctx, out: opts.Out, verbose: opts.Verbose, bins: bins, dir: dir, t: newSceneT(ctx)}
	if opts.onStep != nil {
		st.onStep = func(step string) { opts.onStep(sc.name, step) }
	}
	defer func() {
		if cerr := st.close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("clean-up: %w", cerr))
		}
		took = time.Since(start)
	}()
	err = sc.run(ctx, st)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return 0, err
}

// stage is what a scene works with: its directory, the built programs, the servers it
// started and what to remove at its end.
type stage struct {
	ctx      context.Context
	out      io.Writer
	verbose  bool
	bins     map[string]string
	dir      string
	t        *sceneT
	onStep   func(step string)
	mu       sync.Mutex
	cleanups []func() error
}

// defer queues f for the scene's end (last queued, first run).
func (s *stage) defer_(f func() error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cleanups = append(s.cleanups, f)
}

func (s *stage) close() error {
	s.mu.Lock()
	cs := s.cleanups
	s.cleanups = nil
	s.mu.Unlock()
	var errs []error
	for i := len(cs) - 1; i >= 0; i-- {
		if err := cs[i](); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, s.t.close())
	return errors.Join(errs...)
}

// step runs f with a progress line: "  name ... ok: detail (took)".
func (s *stage) step(name string, f func() (string, error)) error {
	fmt.Fprintf(s.out, "  %s ... ", name)
	if s.onStep != nil {
		s.onStep(name)
	}
	start := time.Now()
	detail, err := "", s.ctx.Err()
	if err == nil {
		detail, err = f()
	}
	took := roundDuration(time.Since(start))
	if err != nil {
		if s.ctx.Err() != nil {
			fmt.Fprintf(s.out, "interrupted (%s)\n", took)
		} else {
			fmt.Fprintf(s.out, "FAILED (%s)\n", took)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	if detail != "" {
		detail = ": " + detail
	}
	fmt.Fprintf(s.out, "ok%s (%s)\n", detail, took)
	return nil
}

// show prints a before/after line.
func (s *stage) show(label, format string, args ...any) {
	fmt.Fprintf(s.out, "    %-7s %s\n", label, fmt.Sprintf(format, args...))
}

// emulator starts an emulator for the scene; it stops at the scene's end.
func (s *stage) emulator() (*emulatortest.Env, error) {
	env, stop, err := emulatortest.StartServer()
	if err != nil {
		return nil, err
	}
	s.defer_(stop)
	return env, nil
}

// function registers the built rotator name as a Lambda function with its environment.
func (s *stage) function(env *emulatortest.Env, name string, vars map[string]string) (string, error) {
	return env.Server.RegisterExecutable(name, s.bins[name], emulator.FunctionConfig{Env: vars})
}

// rotate starts a rotation of arn by fn and waits for it; a failed rotation is an error.
func (s *stage) rotate(env *emulatortest.Env, arn, fn string) (emulator.RotationRecord, error) {
	ctx, cancel := context.WithTimeout(s.ctx, rotationTimeout)
	defer cancel()
	prev, err := env.Control.Rotations(ctx)
	if err != nil {
		return emulator.RotationRecord{}, err
	}
	n := 1
	for _, r := range prev {
		if r.SecretARN == arn && r.Outcome != "running" {
			n++
		}
	}
	if _, err := env.SM.RotateSecret(ctx, emulatortest.RotateInput(arn, fn)); err != nil {
		return emulator.RotationRecord{}, fmt.Errorf("RotateSecret: %w", err)
	}
	recs, err := env.Control.WaitRotations(ctx, arn, n)
	if err != nil {
		return emulator.RotationRecord{}, fmt.Errorf("wait for the rotation: %w", err)
	}
	rec := recs[n-1]
	if rec.Outcome != "succeeded" {
		return rec, fmt.Errorf("the rotation %s: %s", rec.Outcome, rec.Error)
	}
	return rec, nil
}

// createSecret creates a secret and returns its ARN.
func (s *stage) createSecret(env *emulatortest.Env, in *secretsmanager.CreateSecretInput) (string, error) {
	out, err := env.SM.CreateSecret(s.ctx, in)
	if err != nil {
		return "", fmt.Errorf("CreateSecret %s: %w", aws.ToString(in.Name), err)
	}
	return aws.ToString(out.ARN), nil
}

// value is the secret's value at stage.
func (s *stage) value(sm *secretsmanager.Client, id, stage string) (string, error) {
	out, err := sm.GetSecretValue(s.ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id), VersionStage: aws.String(stage)})
	if err != nil {
		return "", fmt.Errorf("GetSecretValue %s %s: %w", id, stage, err)
	}
	return aws.ToString(out.SecretString), nil
}

// writeFile writes a file into the scene's directory and returns its path.
func (s *stage) writeFile(name string, data []byte) (string, error) {
	p := filepath.Join(s.dir, name)
	return p, os.WriteFile(p, data, 0o600)
}

func mark(err error) string {
	if err == nil {
		return "logs in"
	}
	return "REFUSED"
}

// logWriter receives the output of the programs a scene runs: shown with -v only.
func (s *stage) logWriter() io.Writer {
	if s.verbose {
		return s.out
	}
	return io.Discard
}

func sceneNames() string {
	var n []string
	for _, sc := range scenes {
		n = append(n, sc.name)
	}
	return strings.Join(n, ",")
}
