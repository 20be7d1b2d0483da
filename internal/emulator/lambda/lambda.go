// Package lambda is the emulator's Lambda: a registry of functions and the Invoke REST operation.
//
// A function is either an in-process Handler (for unit tests) or an executable run the way
// Lambda runs a provided.al2023 function: the emulator hosts a Lambda Runtime API for it
// (runtime.go) and starts the executable with the environment Lambda gives a function.
// Functions are region-scoped: arn:aws:lambda:REGION:ACCOUNT:function:NAME.
//
// Invoke (POST /2015-03-31/functions/{FunctionName}/invocations) accepts a name, a full ARN
// or a partial ARN (ACCOUNT:function:NAME), optionally qualified with $LATEST (the only version
// the emulator has), and the invocation types RequestResponse (default), Event (202, run in
// the background, not retried) and DryRun (204). A function that fails answers 200 with
// X-Amz-Function-Error: Unhandled and the error document as the payload, as Lambda does.
//
// Choices where the emulator and Lambda differ, documented here:
//   - The default timeout is 30 s, what rotation functions are usually given; Lambda's is 3 s.
//   - The timeout runs from the moment an invocation gets its execution environment, so a cold
//     start counts against it (in Lambda, init has a separate 10 s budget).
//   - Each executable function has one execution environment: invocations of one function run
//     one at a time, in arrival order; the time spent queued does not count against the
//     timeout. In-process handlers run concurrently.
//   - Event invocations are not retried, and there are no destinations or dead-letter queues.
//   - The Runtime API serves the runtime routes and the Extensions API (extensions.go);
//     the Logs and Telemetry APIs answer 404.
//   - Every function error is reported "Unhandled"; "Handled" belonged to retired runtimes.
//   - An oversized request body is refused with 413 RequestEntityTooLargeException and a
//     "Message", as Lambda's front end answers, not the model's RequestTooLargeException.
//     The limits are 6 MB for RequestResponse and 1 MB for Event.

package lambda

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// Handler is an in-process function: payload in, result out; an error is a function error.
type Handler func(ctx context.Context, payload []byte) ([]byte, error)

// FunctionConfig configures a registered function.
type FunctionConfig struct {
	// Timeout of one invocation. Zero means 30 s: rotation functions are usually given tens
	// of seconds, and a short default would fail them in slow CI. (Lambda's default is 3 s.)
	Timeout time.Duration
	// Env is extra environment for executables. It is applied last and may override the
	// defaults (PATH, for instance), except AWS_LAMBDA_RUNTIME_API.
	Env map[string]string
	// Region of the function; awsapi.DefaultRegion when empty.
	Region string
	// Handler is the function's handler setting, given to executables as _HANDLER (a
	// Python runtime's "module.function", say). Empty means the executable's file name.
	Handler string
	// Extensions are executables started beside an executable function, as Lambda starts
	// a layer's /opt/extensions/*: in this order, with the function's environment, and
	// speaking the Extensions API at AWS_LAMBDA_RUNTIME_API (extensions.go). Each
	// registers under its file name; the names must differ.
	Extensions []string
}

const (
	defaultFunctionTimeout = 30 * time.Second
	// functionMemoryMB is the memory size reported to functions (Lambda's default).
	functionMemoryMB = 128
	// maxSyncPayload is Lambda's limit on a RequestResponse request body (6 MB).
	maxSyncPayload = 6 * 1024 * 1024
	// maxAsyncPayload is Lambda's limit on an Event request body (1 MB).
	maxAsyncPayload = 1024 * 1024
	// maxResponsePayload is the largest function result, as the Runtime API Interface
	// Emulator counts it (6 MiB + 100 bytes).
	maxResponsePayload = 6*1024*1024 + 100
	// functionLogBytes bounds the output kept per function for FunctionLogs.
	functionLogBytes = 64 << 10
	// logTailBytes is how much log Invoke returns with LogType Tail (Lambda's 4 KB).
	logTailBytes = 4096
	// latestVersion is the only version a function has.
	latestVersion = "$LATEST"
)

// Service is the emulator's Lambda: the function registry and the Invoke operation. It is
// safe for concurrent use; its mutex is its own because invocations call back into the
// emulator over HTTP.
type Service struct {
	account string
	log     *slog.Logger
	// before runs ahead of every Invoke with the operation's name ("lambda.Invoke"): the
	// server's call counting and fault injection.
	before func(ctx context.Context, op string) error

	mu       sync.Mutex
	endpoint string
	fns      map[string]*function // by unqualified ARN
	closed   bool
	ctx      context.Context // ends at Close; Event invocations run under it
	cancel   context.CancelFunc
	async    sync.WaitGroup
}

// New returns the Lambda service of account. before, when not nil, runs ahead of every
// invocation and may refuse it with an AWS error; log receives debug lines (nil discards them).
func New(account string, log *slog.Logger, before func(ctx context.Context, op string) error) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if before == nil {
		before = func(context.Context, string) error { return nil }
	}
	return &Service{account: account, log: log, before: before}
}

// initLocked prepares the registry; s.mu is held.
func (s *Service) initLocked() {
	if s.fns == nil {
		s.fns = map[string]*function{}
		s.ctx, s.cancel = context.WithCancel(context.Background())
	}
}

// function is one registered function.
type function struct {
	name, region, arn string
	account           string
	timeout           time.Duration
	env               map[string]string
	handlerSetting    string   // _HANDLER; the file name when empty
	extensions        []string // absolute paths of extension executables
	handler           Handler  // in-process, or
	path              string   // executable
	logs              *logRing
	log               *slog.Logger

	// slot serializes the invocations of an executable: one execution environment.
	slot chan struct{}

	mu     sync.Mutex // guards sb and closed
	sb     *sandbox
	closed bool
}

var functionNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)

func (s *Service) newFunction(name string, cfg FunctionConfig) (*function, error) {
	if !functionNameRE.MatchString(name) {
		return nil, fmt.Errorf("function name %q: must be 1 to 64 letters, digits, hyphens or underscores", name)
	}
	region := cfg.Region
	if region == "" {
		region = awsapi.DefaultRegion
	}
	if !regionRE.MatchString(region) {
		return nil, fmt.Errorf("function %s: region %q is not a region name", name, region)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultFunctionTimeout
	}
	arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, s.account, name)
	return &function{
		name:    name,
		region:  region,
		arn:     arn,
		account: s.account,
		timeout: timeout,
		env:     maps.Clone(cfg.Env),
		logs:    &logRing{},
		log:     s.log.With("function", arn),
		slot:    make(chan struct{}, 1),
	}, nil
}

// RegisterHandler registers an in-process function and returns its ARN. A function of the
// same name in the same region is replaced. It panics on an invalid name or region, or a nil
// handler, as these are programming errors.
func (s *Service) RegisterHandler(name string, h Handler, cfg FunctionConfig) (arn string) {
	if h == nil {
		panic("emulator: RegisterHandler: nil Handler")
	}
	fn, err := s.newFunction(name, cfg)
	if err != nil {
		panic("emulator: RegisterHandler: " + err.Error())
	}
	fn.handler = h
	s.addFunction(fn)
	return fn.arn
}

// RegisterExecutable registers an executable function (a Lambda "bootstrap") and returns its
// ARN. The process starts at the first invocation. A function of the same name in the same
// region is replaced, and its process stopped.
func (s *Service) RegisterExecutable(name, path string, cfg FunctionConfig) (arn string, err error) {
	fn, err := s.newFunction(name, cfg)
	if err != nil {
		return "", fmt.Errorf("register executable: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("register executable %s: %w", name, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("register executable %s: %w", name, err)
	}
	if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("register executable %s: %s is not an executable file", name, abs)
	}
	fn.path = abs
	fn.handlerSetting = cfg.Handler
	seen := map[string]bool{}
	for _, p := range cfg.Extensions {
		ext, err := executablePath(p)
		if err != nil {
			return "", fmt.Errorf("register executable %s: extension: %w", name, err)
		}
		if seen[filepath.Base(ext)] {
			return "", fmt.Errorf("register executable %s: two extensions are named %s; an extension registers under its file name, so the names must differ", name, filepath.Base(ext))
		}
		seen[filepath.Base(ext)] = true
		fn.extensions = append(fn.extensions, ext)
	}
	if len(fn.extensions) > maxExtensions {
		return "", fmt.Errorf("register executable %s: %d extensions; Lambda allows at most %d", name, len(fn.extensions), maxExtensions)
	}
	s.addFunction(fn)
	return fn.arn, nil
}

// executablePath returns the absolute path of an executable regular file.
func executablePath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("%s is not an executable file", abs)
	}
	return abs, nil
}

// handlerName is the function's handler setting, _HANDLER.
func (fn *function) handlerName() string {
	if fn.handlerSetting != "" {
		return fn.handlerSetting
	}
	return filepath.Base(fn.path)
}

func (s *Service) addFunction(fn *function) {
	l := s
	l.mu.Lock()
	l.initLocked()
	old := l.fns[fn.arn]
	l.fns[fn.arn] = fn
	closed := l.closed
	l.mu.Unlock()
	if old != nil {
		old.close()
	}
	if closed {
		fn.close()
	}
	s.log.Debug("function registered", "arn", fn.arn, "executable", fn.path)
}

// SetEndpoint tells the server the URL clients reach it at, e.g. "http://127.0.0.1:4566".
// Executables started afterwards get it as AWS_ENDPOINT_URL and SECRETS_MANAGER_ENDPOINT, so
// that the AWS SDKs in them call the emulator.
func (s *Service) SetEndpoint(url string) {
	s.mu.Lock()
	s.endpoint = strings.TrimRight(url, "/")
	s.mu.Unlock()
}

// FunctionLogs returns the recent output of the functions named name (a name or an ARN), in
// every region: the executable's stdout and stderr, and the START, END and REPORT lines of
// each invocation, as CloudWatch Logs would show them. At most 64 KiB per function is kept.
func (s *Service) FunctionLogs(name string) string {
	l := s
	l.mu.Lock()
	var fns []*function
	for _, fn := range l.fns {
		if fn.arn == name || fn.name == name {
			fns = append(fns, fn)
		}
	}
	l.mu.Unlock()
	slices.SortFunc(fns, func(a, b *function) int { return strings.Compare(a.arn, b.arn) })
	var b strings.Builder
	for _, fn := range fns {
		b.WriteString(fn.logs.String())
	}
	return b.String()
}

// Close stops every function process and waits for Event invocations to end.
func (s *Service) Close() {
	l := s
	l.mu.Lock()
	l.initLocked()
	l.closed = true
	l.cancel()
	fns := slices.Collect(maps.Values(l.fns))
	l.mu.Unlock()
	for _, fn := range fns {
		fn.close()
	}
	l.async.Wait()
}

// Invoke runs a function synchronously; FunctionError is set ("Unhandled"/"Handled")
// when the function failed, with the AWS error payload as result. err is an AWS error
// (*awsapi.Error: ResourceNotFoundException, ValidationException, ...) when the invocation could
// not be made, or the context's error. It counts as a "lambda.Invoke" call for the control API.
// It must not be called with s.mu held.
func (s *Service) Invoke(ctx context.Context, region, nameOrARN string, payload []byte) (result []byte, functionError string, err error) {
	if err := s.before(ctx, "lambda.Invoke"); err != nil {
		return nil, "", err
	}
	fn, invoked, err := s.resolveFunction(region, nameOrARN, "")
	if err != nil {
		return nil, "", err
	}
	if len(payload) > maxSyncPayload {
		return nil, "", errPayloadTooLarge(maxSyncPayload, "InvokeFunction")
	}
	res := s.invoke(ctx, fn, &invocation{id: awsapi.NewUUID(), payload: payload, invokedARN: invoked})
	return res.payload, res.functionError, res.err
}

// Exists reports whether nameOrARN designates a registered function in region. It
// takes only the registry's lock, so it may be called with s.mu held.
func (s *Service) Exists(region, nameOrARN string) bool {
	_, _, err := s.resolveFunction(region, nameOrARN, "")
	return err == nil
}
