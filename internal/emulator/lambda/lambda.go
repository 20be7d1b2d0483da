package emulator

// Lambda: a registry of functions and the Invoke REST operation.
//
// A function is either an in-process Handler (for unit tests) or an executable run the way
// Lambda runs a provided.al2023 function: the emulator hosts a Lambda Runtime API for it
// (lambda_runtime.go) and starts the executable with the environment Lambda gives a function.
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
//   - The Runtime API serves the runtime routes and the Extensions API (lambda_extensions.go);
//     the Logs and Telemetry APIs answer 404.
//   - Every function error is reported "Unhandled"; "Handled" belonged to retired runtimes.
//   - An oversized request body is refused with 413 RequestEntityTooLargeException and a
//     "Message", as Lambda's front end answers, not the model's RequestTooLargeException.
//     The limits are 6 MB for RequestResponse and 1 MB for Event.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
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
	// Region of the function; DefaultRegion when empty.
	Region string
	// Handler is the function's handler setting, given to executables as _HANDLER (a
	// Python runtime's "module.function", say). Empty means the executable's file name.
	Handler string
	// Extensions are executables started beside an executable function, as Lambda starts
	// a layer's /opt/extensions/*: in this order, with the function's environment, and
	// speaking the Extensions API at AWS_LAMBDA_RUNTIME_API (lambda_extensions.go). Each
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

// lambdaState is the function registry. Its zero value is ready to use; its mutex is separate
// from Server.mu because invocations call back into the emulator over HTTP.
type lambdaState struct {
	mu       sync.Mutex
	endpoint string
	fns      map[string]*function // by unqualified ARN
	closed   bool
	ctx      context.Context // ends at Close; Event invocations run under it
	cancel   context.CancelFunc
	async    sync.WaitGroup
}

// initLocked prepares the zero value; l.mu is held.
func (l *lambdaState) initLocked() {
	if l.fns == nil {
		l.fns = map[string]*function{}
		l.ctx, l.cancel = context.WithCancel(context.Background())
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

func (s *Server) newFunction(name string, cfg FunctionConfig) (*function, error) {
	if !functionNameRE.MatchString(name) {
		return nil, fmt.Errorf("function name %q: must be 1 to 64 letters, digits, hyphens or underscores", name)
	}
	region := cfg.Region
	if region == "" {
		region = DefaultRegion
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
func (s *Server) RegisterHandler(name string, h Handler, cfg FunctionConfig) (arn string) {
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
func (s *Server) RegisterExecutable(name, path string, cfg FunctionConfig) (arn string, err error) {
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

func (s *Server) addFunction(fn *function) {
	l := &s.functions
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
func (s *Server) SetEndpoint(url string) {
	s.functions.mu.Lock()
	s.functions.endpoint = strings.TrimRight(url, "/")
	s.functions.mu.Unlock()
}

// FunctionLogs returns the recent output of the functions named name (a name or an ARN), in
// every region: the executable's stdout and stderr, and the START, END and REPORT lines of
// each invocation, as CloudWatch Logs would show them. At most 64 KiB per function is kept.
func (s *Server) FunctionLogs(name string) string {
	l := &s.functions
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

// closeFunctions stops every function process and waits for Event invocations to end.
func (s *Server) closeFunctions() {
	l := &s.functions
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

// invokeFunction runs a function synchronously; FunctionError is set ("Unhandled"/"Handled")
// when the function failed, with the AWS error payload as result. err is an AWS error
// (*apiError: ResourceNotFoundException, ValidationException, ...) when the invocation could
// not be made, or the context's error. It counts as a "lambda.Invoke" call for the control API.
// It must not be called with s.mu held.
func (s *Server) invokeFunction(ctx context.Context, region, nameOrARN string, payload []byte) (result []byte, functionError string, err error) {
	if err := s.beforeOperation(ctx, "lambda.Invoke"); err != nil {
		return nil, "", err
	}
	fn, invoked, err := s.resolveFunction(region, nameOrARN, "")
	if err != nil {
		return nil, "", err
	}
	if len(payload) > maxSyncPayload {
		return nil, "", errPayloadTooLarge(maxSyncPayload, "InvokeFunction")
	}
	res := s.invoke(ctx, fn, &invocation{id: newUUID(), payload: payload, invokedARN: invoked})
	return res.payload, res.functionError, res.err
}

// functionExists reports whether nameOrARN designates a registered function in region. It
// takes only the registry's lock, so it may be called with s.mu held.
func (s *Server) functionExists(region, nameOrARN string) bool {
	_, _, err := s.resolveFunction(region, nameOrARN, "")
	return err == nil
}

// invokeResult is the outcome of one invocation.
type invokeResult struct {
	payload       []byte
	functionError string // "Unhandled" when the function failed
	errorType     string // errorType of a failure the emulator reports (timeout, crash)
	reason        string // what the emulator reports about such a failure, for the log
	// reset means the execution environment must be discarded (crash, timeout, init error).
	reset   bool
	err     error  // the invocation could not complete: context ended, emulator closed
	logTail []byte // the log lines of this invocation, for LogType Tail
}

// invocation is one event on its way to a function.
type invocation struct {
	id            string
	payload       []byte
	invokedARN    string
	clientContext string
	traceID       string
	deadline      time.Time

	done     chan invokeResult // capacity 1, filled by finish
	finishMu sync.Mutex
	finished bool
}

// finish records the outcome once; later outcomes (a response racing a timeout) are dropped.
func (inv *invocation) finish(r invokeResult) bool {
	inv.finishMu.Lock()
	defer inv.finishMu.Unlock()
	if inv.finished {
		return false
	}
	inv.finished = true
	inv.done <- r
	return true
}

// invoke runs inv on fn and writes the START, END and REPORT lines Lambda logs.
func (s *Server) invoke(ctx context.Context, fn *function, inv *invocation) invokeResult {
	inv.done = make(chan invokeResult, 1)
	if inv.traceID == "" {
		inv.traceID = newTraceID()
	}
	if inv.invokedARN == "" {
		inv.invokedARN = fn.arn
	}
	mark := fn.logs.offset()
	fn.logs.printf("START RequestId: %s Version: %s\n", inv.id, latestVersion)
	start := time.Now()
	var res invokeResult
	var initDuration time.Duration
	if fn.handler != nil {
		res = fn.invokeHandler(ctx, inv)
	} else {
		res, initDuration = fn.invokeExec(ctx, s.functionEndpoint(), inv)
	}
	d := time.Since(start)
	switch {
	case res.errorType == errTypeTimeout:
		fn.logs.printf("%s %s %s\n", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.id, res.reason)
	case res.reason != "":
		fn.logs.printf("RequestId: %s Error: %s\n%s\n", inv.id, res.reason, res.errorType)
	}
	fn.logs.printf("END RequestId: %s\n", inv.id)
	report := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\t",
		inv.id, float64(d)/float64(time.Millisecond), int64(math.Ceil(float64(d)/float64(time.Millisecond))), functionMemoryMB)
	if initDuration > 0 {
		report += fmt.Sprintf("Init Duration: %.2f ms\t", float64(initDuration)/float64(time.Millisecond))
	}
	switch {
	case res.errorType == errTypeTimeout:
		report += "Status: timeout"
	case res.errorType != "":
		report += "Status: error\tError Type: " + res.errorType
	}
	fn.logs.printf("%s\n", report)
	res.logTail = fn.logs.since(mark, logTailBytes)
	if res.err != nil {
		fn.log.Debug("invocation did not complete", "request_id", inv.id, "error", res.err)
	} else if res.functionError != "" {
		fn.log.Debug("function error", "request_id", inv.id, "payload", string(truncate(res.payload, 512)))
	}
	return res
}

func (s *Server) functionEndpoint() string {
	s.functions.mu.Lock()
	defer s.functions.mu.Unlock()
	return s.functions.endpoint
}

// ---- in-process handlers ----

// invokeHandler runs an in-process handler with the deadline as its context's deadline. A
// handler that overruns is reported as timed out; its goroutine cannot be stopped and is left
// to finish on its own.
func (fn *function) invokeHandler(ctx context.Context, inv *invocation) invokeResult {
	inv.deadline = time.Now().Add(fn.timeout)
	hctx, cancel := context.WithDeadline(ctx, inv.deadline)
	defer cancel()
	go func() {
		defer func() {
			if v := recover(); v != nil {
				fn.logs.printf("%s\tpanic: %v\n", inv.id, v)
				inv.finish(functionErrorResult(handlerErrorDocument(typeName(v), fmt.Sprint(v))))
			}
		}()
		out, err := fn.handler(hctx, inv.payload)
		switch {
		case ctx.Err() != nil:
			inv.finish(invokeResult{err: fmt.Errorf("invoke %s: %w", fn.name, context.Cause(ctx))})
		case err != nil && !time.Now().Before(inv.deadline):
			// A handler that gives up at its context's deadline has timed out, as in Lambda.
			inv.finish(timeoutResult(inv.id, fn.timeout))
		case err != nil:
			inv.finish(functionErrorResult(handlerErrorDocument(typeName(err), err.Error())))
		case len(out) > maxResponsePayload:
			inv.finish(responseTooLargeResult())
		default:
			inv.finish(invokeResult{payload: out})
		}
	}()
	timer := time.NewTimer(time.Until(inv.deadline))
	defer timer.Stop()
	select {
	case res := <-inv.done:
		return res
	case <-timer.C:
		inv.finish(timeoutResult(inv.id, fn.timeout))
	case <-ctx.Done():
		inv.finish(invokeResult{err: fmt.Errorf("invoke %s: %w", fn.name, context.Cause(ctx))})
	}
	return <-inv.done
}

// typeName names an error or panic value the way aws-lambda-go does: the type's name,
// without the pointer.
func typeName(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return "nil"
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// ---- failures as Lambda reports them ----

const (
	errTypeTimeout       = "Sandbox.Timedout"
	errTypeExit          = "Runtime.ExitError"
	errTypeEntrypoint    = "Runtime.InvalidEntrypoint"
	errTypeTooLarge      = "Function.ResponseSizeTooLarge"
	errTypeTruncated     = "Runtime.TruncatedResponse"
	functionErrUnhandled = "Unhandled"
)

// errorDocument is the payload of a failure the platform reports (crash, timeout, oversized
// response): {"errorType": ..., "errorMessage": ...}, in Lambda's order.
func errorDocument(typ, msg string) []byte {
	b, _ := json.Marshal(struct {
		Type    string `json:"errorType"`
		Message string `json:"errorMessage"`
	}{typ, msg})
	return b
}

// handlerErrorDocument is the payload of an in-process handler's error, as aws-lambda-go
// writes it: {"errorMessage": ..., "errorType": ...}.
func handlerErrorDocument(typ, msg string) []byte {
	b, _ := json.Marshal(struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}{msg, typ})
	return b
}

func functionErrorResult(payload []byte) invokeResult {
	return invokeResult{payload: payload, functionError: functionErrUnhandled}
}

// platformError is a failure the emulator detects itself, worded as Lambda words it.
func platformError(requestID, typ string, reason string, reset bool) invokeResult {
	res := functionErrorResult(errorDocument(typ, fmt.Sprintf("RequestId: %s Error: %s", requestID, reason)))
	res.errorType, res.reason, res.reset = typ, reason, reset
	return res
}

func timeoutResult(requestID string, timeout time.Duration) invokeResult {
	return platformError(requestID, errTypeTimeout, fmt.Sprintf("Task timed out after %.2f seconds", timeout.Seconds()), true)
}

func responseTooLargeResult() invokeResult {
	res := functionErrorResult(errorDocument(errTypeTooLarge,
		fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", maxResponsePayload)))
	res.errorType = errTypeTooLarge
	return res
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// ---- names and ARNs ----

// functionNamePattern is the constraint AWS states for Invoke's FunctionName.
const functionNamePattern = `(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`

var functionNameArgRE = regexp.MustCompile(`^` + functionNamePattern + `$`)

var qualifierRE = regexp.MustCompile(`^(\$LATEST|[a-zA-Z0-9-_]+)$`)

var partialARNRE = regexp.MustCompile(`^(\d{12}):function:([^:]+)(?::([^:]+))?$`)

// resolveFunction finds the function that a name, ARN or partial ARN designates in region,
// with qualifier from the request (empty when none). It returns the ARN the function was
// invoked as, which the function sees as its invoked function ARN.
func (s *Server) resolveFunction(region, ref, qualifier string) (*function, string, error) {
	if len(ref) > 170 || !functionNameArgRE.MatchString(ref) {
		return nil, "", validationError("functionName", "Member must satisfy regular expression pattern: "+functionNamePattern, ref)
	}
	if qualifier != "" && (len(qualifier) > 128 || !qualifierRE.MatchString(qualifier)) {
		return nil, "", validationError("qualifier", `Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)`, qualifier)
	}
	fnRegion, account, name, derived := region, s.account, ref, ""
	if rest, ok := strings.CutPrefix(ref, "arn:"); ok {
		parts := strings.Split(rest, ":")
		if len(parts) < 6 || len(parts) > 7 || parts[1] != "lambda" || parts[4] != "function" {
			return nil, "", validationError("functionName", "Member must satisfy regular expression pattern: "+functionNamePattern, ref)
		}
		fnRegion, account, name = parts[2], parts[3], parts[5]
		if len(parts) == 7 {
			derived = parts[6]
		}
	} else if m := partialARNRE.FindStringSubmatch(ref); m != nil {
		account, name, derived = m[1], m[2], m[3]
	} else if n, q, ok := strings.Cut(ref, ":"); ok {
		name, derived = n, q
	}
	if len(name) > 64 {
		return nil, "", validationError("functionName", "Member must have length less than or equal to 64", name)
	}
	if derived != "" && qualifier != "" && derived != qualifier {
		return nil, "", newError("InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.")
	}
	if qualifier == "" {
		qualifier = derived
	}
	arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", fnRegion, account, name)
	invoked := arn
	if qualifier != "" {
		invoked += ":" + qualifier
	}
	notFound := &apiError{Type: "ResourceNotFoundException", Message: "Function not found: " + invoked, Status: http.StatusNotFound}
	if fnRegion != region || account != s.account || (qualifier != "" && qualifier != latestVersion) {
		return nil, "", notFound
	}
	s.functions.mu.Lock()
	fn := s.functions.fns[arn]
	s.functions.mu.Unlock()
	if fn == nil {
		return nil, "", notFound
	}
	return fn, invoked, nil
}

// ---- the Invoke REST operation ----

func errPayloadTooLarge(limit int, operation string) error {
	// Lambda's front end answers an oversized body with this type and a capitalised Message,
	// not with the RequestTooLargeException of the API model.
	return &apiError{Type: "RequestEntityTooLargeException",
		Message: fmt.Sprintf("Request must be smaller than %d bytes for the %s operation", limit, operation),
		Status:  http.StatusRequestEntityTooLarge}
}

// serveLambdaInvoke answers the Lambda Invoke REST operation.
func (s *Server) serveLambdaInvoke(w http.ResponseWriter, r *http.Request) {
	requestID := newUUID()
	w.Header().Set("X-Amzn-Requestid", requestID)
	rest := strings.TrimPrefix(r.URL.EscapedPath(), "/2015-03-31/functions/")
	escName, tail, _ := strings.Cut(rest, "/")
	if tail != "invocations" || r.Method != http.MethodPost {
		writeLambdaError(w, &apiError{Type: "UnknownOperationException",
			Message: fmt.Sprintf("The emulator implements only Invoke of the Lambda API, not %s %s.", r.Method, r.URL.Path),
			Status:  http.StatusNotFound})
		return
	}
	ref, err := url.PathUnescape(escName)
	if err != nil {
		writeLambdaError(w, validationError("functionName", "Member must satisfy regular expression pattern: "+functionNamePattern, escName))
		return
	}
	if err := s.beforeOperation(r.Context(), "lambda.Invoke"); err != nil {
		writeLambdaError(w, err)
		return
	}
	invType := r.Header.Get("X-Amz-Invocation-Type")
	if invType == "" {
		invType = "RequestResponse"
	}
	if !slices.Contains([]string{"Event", "RequestResponse", "DryRun"}, invType) {
		writeLambdaError(w, validationError("invocationType", "Member must satisfy enum value set: [Event, RequestResponse, DryRun]", invType))
		return
	}
	logType := r.Header.Get("X-Amz-Log-Type")
	if logType != "" && logType != "None" && logType != "Tail" {
		writeLambdaError(w, validationError("logType", "Member must satisfy enum value set: [None, Tail]", logType))
		return
	}
	fn, invoked, err := s.resolveFunction(requestRegion(r), ref, r.URL.Query().Get("Qualifier"))
	if err != nil {
		writeLambdaError(w, err)
		return
	}
	limit, opName := maxSyncPayload, "InvokeFunction"
	if invType == "Event" {
		limit, opName = maxAsyncPayload, "InvokeAsync"
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		writeLambdaError(w, newError("InvalidRequestContentException", "The request body could not be read."))
		return
	}
	if len(payload) > limit {
		writeLambdaError(w, errPayloadTooLarge(limit, opName))
		return
	}
	if len(bytes.TrimSpace(payload)) > 0 {
		var v any
		if err := json.Unmarshal(payload, &v); err != nil {
			writeLambdaError(w, newError("InvalidRequestContentException", "Could not parse request body into json: Could not parse payload into json: %v", err))
			return
		}
	}
	var clientContext string
	if cc := r.Header.Get("X-Amz-Client-Context"); cc != "" {
		raw, err := base64.StdEncoding.DecodeString(cc)
		if err != nil || len(cc) > 3583 || !json.Valid(raw) {
			writeLambdaError(w, newError("InvalidRequestContentException", "Client context must be a valid Base64-encoded JSON object of at most 3583 bytes."))
			return
		}
		clientContext = string(raw)
	}
	inv := &invocation{id: requestID, payload: payload, invokedARN: invoked, clientContext: clientContext}
	switch invType {
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
	case "Event":
		l := &s.functions
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			writeLambdaError(w, &apiError{Type: "ServiceException", Message: "The emulator is shutting down.", Status: http.StatusServiceUnavailable})
			return
		}
		l.initLocked()
		ctx := l.ctx
		l.async.Add(1)
		l.mu.Unlock()
		go func() {
			defer l.async.Done()
			res := s.invoke(ctx, fn, inv)
			if res.err == nil && res.functionError != "" {
				fn.log.Info("asynchronous invocation failed; Lambda would retry it", "request_id", inv.id, "payload", string(truncate(res.payload, 512)))
			}
		}()
		w.WriteHeader(http.StatusAccepted)
	default:
		res := s.invoke(r.Context(), fn, inv)
		if res.err != nil {
			if r.Context().Err() != nil {
				return // the client has gone
			}
			writeLambdaError(w, &apiError{Type: "ServiceException", Message: "The invocation could not complete: the emulator is shutting down.", Status: http.StatusServiceUnavailable})
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("X-Amz-Executed-Version", latestVersion)
		if res.functionError != "" {
			h.Set("X-Amz-Function-Error", res.functionError)
		}
		if logType == "Tail" {
			h.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(res.logTail))
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(res.payload)
	}
}

// writeLambdaError writes err as Lambda's REST API does: the type in X-Amzn-ErrorType, and
// {"Type": "User", "message": ...} as the body.
func writeLambdaError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{Type: "ServiceException", Message: "An internal error occurred in the emulator.", Status: http.StatusInternalServerError}
	}
	status := ae.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	var body any
	switch {
	case ae.Type == "RequestEntityTooLargeException":
		body = map[string]string{"Message": ae.Message}
	case status >= 500:
		body = map[string]string{"Type": "Service", "message": ae.Message}
	default:
		body = map[string]string{"Type": "User", "message": ae.Message}
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", ae.Type)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// ---- logs ----

// logRing keeps the last functionLogBytes bytes a function logged.
type logRing struct {
	mu    sync.Mutex
	buf   []byte
	total int64 // bytes ever written
}

func (r *logRing) write(p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf, p...)
	r.total += int64(len(p))
	if len(r.buf) > 2*functionLogBytes {
		r.buf = append(r.buf[:0:0], r.buf[len(r.buf)-functionLogBytes:]...)
	}
}

func (r *logRing) printf(format string, args ...any) {
	r.write(fmt.Appendf(nil, format, args...))
}

func (r *logRing) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return string(r.buf[max(0, len(r.buf)-functionLogBytes):])
}

func (r *logRing) offset() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

// since returns at most the last n bytes written after offset mark, as far as still kept.
func (r *logRing) since(mark int64, n int) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := min(int64(len(r.buf)), r.total-mark, int64(n))
	return bytes.Clone(r.buf[int64(len(r.buf))-k:])
}

// newTraceID returns an X-Ray trace header for an invocation, as Lambda passes one.
func newTraceID() string {
	id := strings.ReplaceAll(newUUID(), "-", "")
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), id[:24], id[16:32])
}
