// Command emubench compares the throughput and latency of our Secrets Manager emulator with
// moto's server, side by side in one run, and measures the emulator's memory per secret.
//
// Usage: go run ./internal/tools/emubench [-c 8] [-d 5s] [-servers ours,moto] [-mem=false]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

const (
	serverOurs = "ours"
	serverMoto = "moto"
)

// config is everything the command line sets.
type config struct {
	conns       int           // concurrent connections of the load client
	duration    time.Duration // measured time per scenario
	warmup      time.Duration // unmeasured load before each scenario
	servers     []string      // which servers to measure, in order
	secrets     int           // secrets created before the load scenarios
	python      string        // interpreter that runs moto's server
	mem         bool          // whether to measure the emulator's memory
	memSecrets  int           // secrets created for the memory figure
	memVersions int           // versions of each of those secrets
}

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		slog.Error("bad arguments", "err", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	_, err = run(ctx, cfg, os.Stdout)
	stop()
	if err != nil {
		slog.Error("emubench failed", "err", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("emubench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	var servers string
	fs.IntVar(&cfg.conns, "c", 8, "concurrent keep-alive connections of the load client")
	fs.DurationVar(&cfg.duration, "d", 5*time.Second, "measured duration of each scenario")
	fs.DurationVar(&cfg.warmup, "warmup", time.Second, "unmeasured warm-up load before each scenario")
	fs.StringVar(&servers, "servers", "ours,moto", "comma-separated servers to measure: ours, moto")
	fs.IntVar(&cfg.secrets, "secrets", 100, "secrets created before the load scenarios")
	fs.StringVar(&cfg.python, "python", "python3", "Python interpreter (looked up on PATH) that runs moto.server")
	fs.BoolVar(&cfg.mem, "mem", true, "measure the emulator's heap for many secrets and versions")
	fs.IntVar(&cfg.memSecrets, "mem-secrets", 10000, "secrets created for the memory figure")
	fs.IntVar(&cfg.memVersions, "mem-versions", 10, "versions (4 KiB each) of every secret of the memory figure")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	cfg.servers = splitServers(servers)
	return cfg, cfg.validate()
}

func splitServers(s string) []string {
	var out []string
	for name := range strings.SplitSeq(s, ",") {
		if name = strings.TrimSpace(name); name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

func (c config) validate() error {
	switch {
	case c.conns < 1:
		return fmt.Errorf("-c must be at least 1, got %d", c.conns)
	case c.duration <= 0:
		return fmt.Errorf("-d must be positive, got %s", c.duration)
	case c.warmup < 0:
		return fmt.Errorf("-warmup must not be negative, got %s", c.warmup)
	case c.secrets < 1 || c.secrets > 1000:
		return fmt.Errorf("-secrets must be within 1..1000, got %d", c.secrets)
	case c.mem && (c.memSecrets < 1 || c.memVersions < 1):
		return fmt.Errorf("-mem-secrets and -mem-versions must be at least 1")
	}
	for _, s := range c.servers {
		if s != serverOurs && s != serverMoto {
			return fmt.Errorf("unknown server %q in -servers (want %s or %s)", s, serverOurs, serverMoto)
		}
	}
	if len(c.servers) == 0 && !c.mem {
		return errors.New("nothing to do: -servers is empty and -mem=false")
	}
	return nil
}

// report is what one run measured.
type report struct {
	results     []result
	unavailable map[string]error // servers that could not be measured, and why
	memory      *memResult
}

// run measures every configured server in turn, prints the table, then the memory figure.
// It fails when our emulator cannot be measured or answers with errors; a moto that
// cannot start is reported and skipped.
func run(ctx context.Context, cfg config, stdout io.Writer) (*report, error) {
	rep := &report{unavailable: map[string]error{}}
	for _, name := range cfg.servers {
		res, err := benchServer(ctx, cfg, name)
		if ctx.Err() != nil {
			return rep, fmt.Errorf("interrupted: %w", ctx.Err())
		}
		if err != nil && name == serverOurs {
			return rep, fmt.Errorf("benchmark of %s: %w", name, err)
		}
		if err != nil {
			slog.Warn("server skipped", "server", name, "err", err)
			rep.unavailable[name] = err
			continue
		}
		rep.results = append(rep.results, res...)
	}
	if len(cfg.servers) > 0 {
		writeTable(stdout, cfg, rep)
	}
	if cfg.mem {
		m, err := measureMemory(ctx, cfg.memSecrets, cfg.memVersions)
		if err != nil {
			return rep, fmt.Errorf("memory figure: %w", err)
		}
		rep.memory = &m
		writeMemory(stdout, m)
	}
	return rep, checkOurs(rep)
}

// checkOurs fails when a scenario against our emulator had errors.
func checkOurs(rep *report) error {
	for _, r := range rep.results {
		if r.server == serverOurs && r.errors > 0 {
			return fmt.Errorf("%s %s: %d errors, first: %s", r.server, r.op, r.errors, r.firstErr)
		}
	}
	return nil
}
