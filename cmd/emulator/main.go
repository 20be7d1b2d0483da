// Command emulator serves the local AWS endpoint of internal/emulator.
//
//	go run ./cmd/emulator -listen 127.0.0.1:4566 [-state FILE] [-function NAME=PATH]...
//
// Each -function registers an executable as the Lambda function NAME
// (arn:aws:lambda:us-east-1:123456789012:function:NAME), run as Lambda runs a
// provided.al2023 bootstrap, with its AWS endpoint pointing back at the emulator.
//
// It prints "emulator listening on http://ADDR" once it accepts connections, and writes the
// state file (when given) on SIGINT or SIGTERM before it exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "emulator:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fl := flag.NewFlagSet("emulator", flag.ContinueOnError)
	listen := fl.String("listen", "127.0.0.1:4566", "address to listen on")
	statePath := fl.String("state", "", "file that keeps the state across restarts (none: state is lost on exit)")
	allowRemote := fl.Bool("allow-remote", false, "allow a listen address that is not loopback")
	verbose := fl.Bool("v", false, "log every request")
	var functions functionFlags
	fl.Var(&functions, "function", "register an executable as a Lambda function: NAME=PATH (repeatable)")
	timeout := fl.Duration("function-timeout", 30*time.Second, "timeout of each -function invocation")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if err := checkLoopback(*listen, *allowRemote); err != nil {
		return err
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	srv, err := emulator.New(emulator.Options{StatePath: *statePath, Logger: logger})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	srv.SetEndpoint("http://" + ln.Addr().String())
	for _, f := range functions {
		arn, err := srv.RegisterExecutable(f.name, f.path, emulator.FunctionConfig{Timeout: *timeout})
		if err != nil {
			_ = ln.Close()
			_ = srv.Close()
			return fmt.Errorf("-function %s=%s: %w", f.name, f.path, err)
		}
		logger.Info("function registered", "arn", arn, "path", f.path)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("emulator listening on http://%s\n", ln.Addr())

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		_ = srv.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Warn("shutdown", "error", err)
	}
	if err := srv.Close(); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// checkLoopback refuses to expose the emulator beyond this machine unless asked to: it has
// no authentication.
func checkLoopback(addr string, allowRemote bool) error {
	if allowRemote {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-listen %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-listen %q is not a loopback address; the emulator has no authentication, pass -allow-remote to expose it anyway", addr)
	}
	return nil
}

type functionFlag struct{ name, path string }

// functionFlags collects repeated -function NAME=PATH flags.
type functionFlags []functionFlag

func (f *functionFlags) String() string { return fmt.Sprint(*f) }

func (f *functionFlags) Set(v string) error {
	name, path, ok := strings.Cut(v, "=")
	if !ok || name == "" || path == "" {
		return fmt.Errorf("want NAME=PATH, got %q", v)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	*f = append(*f, functionFlag{name: name, path: abs})
	return nil
}
