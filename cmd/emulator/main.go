// Command emulator serves the local AWS endpoint of internal/emulator.
//
//	go run ./cmd/emulator -listen 127.0.0.1:4566 [-state FILE] [-function NAME=PATH]...
//	    [-function-env NAME:KEY=VALUE]... [-function-handler NAME=HANDLER]...
//	    [-function-extension NAME=PATH]...
//
// Each -function registers an executable as the Lambda function NAME
// (arn:aws:lambda:us-east-1:123456789012:function:NAME), run as Lambda runs a
// provided.al2023 bootstrap, with its AWS endpoint pointing back at the emulator. The other
// -function-* flags configure a function named by an earlier or later -function, as Lambda's
// function configuration does:
//
//	-function-env NAME:KEY=VALUE     an environment variable (Environment.Variables); repeatable
//	-function-handler NAME=HANDLER   the handler setting, given as _HANDLER (default: the file name)
//	-function-extension NAME=PATH    an extension executable started beside the function, as a
//	                                 layer's /opt/extensions/PATH would be; it speaks the Lambda
//	                                 Extensions API (register, event/next with INVOKE and
//	                                 SHUTDOWN) at AWS_LAMBDA_RUNTIME_API; repeatable
//
// For example, a rotator with its excluded characters, and a function with the cache agent:
//
//	-function rotate=./bootstrap -function-env rotate:EXCLUDE_CHARACTERS=/@"
//	-function app=./app -function-extension app=./secretcache-agent
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
	"regexp"
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
	fl.Func("function", "register an executable as a Lambda function: NAME=PATH (repeatable)", functions.add)
	fl.Func("function-env", "an environment variable of a -function: NAME:KEY=VALUE (repeatable)", functions.addEnv)
	fl.Func("function-handler", "the handler setting (_HANDLER) of a -function: NAME=HANDLER", functions.setHandler)
	fl.Func("function-extension", "an extension executable started beside a -function, speaking the Lambda Extensions API: NAME=PATH (repeatable)", functions.addExtension)
	timeout := fl.Duration("function-timeout", 30*time.Second, "timeout of each -function invocation")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if err := functions.check(); err != nil {
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
	for _, f := range functions.list {
		cfg := f.config
		cfg.Timeout = *timeout
		arn, err := srv.RegisterExecutable(f.name, f.path, cfg)
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

// functionFlag is one -function and the configuration the -function-* flags give it.
type functionFlag struct {
	name, path string
	config     emulator.FunctionConfig
}

// functionFlags collects the -function and -function-* flags, in any order.
type functionFlags struct {
	list []*functionFlag
	// settings of functions not (yet) named by a -function, by name: checked after parsing
	pending map[string]*functionFlag
}

// get returns the function NAME, creating a placeholder for one not given yet.
func (f *functionFlags) get(name string) *functionFlag {
	for _, fn := range f.list {
		if fn.name == name {
			return fn
		}
	}
	if f.pending == nil {
		f.pending = map[string]*functionFlag{}
	}
	fn := f.pending[name]
	if fn == nil {
		fn = &functionFlag{name: name}
		f.pending[name] = fn
	}
	return fn
}

func (f *functionFlags) add(v string) error {
	name, path, ok := strings.Cut(v, "=")
	if !ok || name == "" || path == "" {
		return fmt.Errorf("want NAME=PATH, got %q", v)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fn := f.get(name)
	if fn.path != "" {
		return fmt.Errorf("function %s is given twice", name)
	}
	fn.path = abs
	delete(f.pending, name)
	f.list = append(f.list, fn)
	return nil
}

func (f *functionFlags) addEnv(v string) error {
	name, kv, ok := strings.Cut(v, ":")
	key, value, ok2 := strings.Cut(kv, "=")
	if !ok || !ok2 || name == "" || key == "" {
		return fmt.Errorf("want NAME:KEY=VALUE (function name, then the variable), got %q", v)
	}
	if !envKeyRE.MatchString(key) {
		// Lambda's rule for Environment.Variables keys.
		return fmt.Errorf("%q: the variable name must start with a letter and hold only letters, digits and underscores", key)
	}
	fn := f.get(name)
	if fn.config.Env == nil {
		fn.config.Env = map[string]string{}
	}
	fn.config.Env[key] = value
	return nil
}

var envKeyRE = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9_])+$`)

func (f *functionFlags) setHandler(v string) error {
	name, handler, ok := strings.Cut(v, "=")
	if !ok || name == "" || handler == "" {
		return fmt.Errorf("want NAME=HANDLER, got %q", v)
	}
	f.get(name).config.Handler = handler
	return nil
}

func (f *functionFlags) addExtension(v string) error {
	name, path, ok := strings.Cut(v, "=")
	if !ok || name == "" || path == "" {
		return fmt.Errorf("want NAME=PATH, got %q", v)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fn := f.get(name)
	fn.config.Extensions = append(fn.config.Extensions, abs)
	return nil
}

// check refuses settings for a function that no -function registers.
func (f *functionFlags) check() error {
	for name := range f.pending {
		return fmt.Errorf("a -function-* flag configures function %q, but no -function %s=PATH registers it", name, name)
	}
	return nil
}
