package lambda

// The execution environment of an executable function: the process and the Lambda Runtime
// API (2018-06-01) it polls, served on its own loopback listener. The behaviour follows AWS's
// Runtime Interface Emulator (github.com/aws/aws-lambda-runtime-interface-emulator):
//
//	GET  /2018-06-01/runtime/invocation/next           long poll; the event and its headers
//	POST /2018-06-01/runtime/invocation/{id}/response  202 {"status":"OK"}
//	POST /2018-06-01/runtime/invocation/{id}/error     202; the body is the error document
//	POST /2018-06-01/runtime/init/error                202 before the first /next, else 403
//	GET  /2018-06-01/ping                              "pong"
//
// Requests out of order get the RIE's answers: an id that is not the invocation in flight
// 400 {"errorType":"InvalidRequestID"}; a transition the runtime state machine refuses (a
// second answer while the first is being read, /init/error after /next) 403
// {"errorType":"InvalidStateTransition"}; an unknown path 404; a wrong method 405; a result
// over 6 MiB + 100 bytes 413, and the invocation fails with Function.ResponseSizeTooLarge.
// A /next while an invocation is in flight hands out that invocation again, as the RIE does.
//
// A process that exits, or an invocation that overruns its timeout, fails the invocation the
// way Lambda records it (Runtime.ExitError, Sandbox.Timedout); the whole process group is then
// killed, and the next invocation starts a new process. A process that exits between
// invocations is restarted for the next one without failing it, as Lambda re-initialises;
// one that fails before its first /next (crash or /init/error) fails the invocation.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// runtimeAPIPrefix is the version prefix of the Runtime API.
const runtimeAPIPrefix = "/2018-06-01"

// stopGrace bounds how long stopping an environment waits for its process and output pipes.
const stopGrace = 5 * time.Second

var errFunctionClosed = errors.New("function stopped: the emulator is closing or the function was replaced")

// Runtime states, named as the RIE names them in its InvalidStateTransition messages.
const (
	stStarted       = "Started"
	stReady         = "Ready"
	stRunning       = "Running"
	stResponse      = "InvocationResponse"
	stErrorResponse = "InvocationErrorResponse"
	stResponseSent  = "RuntimeResponseSentState"
	stInitError     = "InitError"
)

// sandbox is one execution environment: a process and its Runtime API server.
type sandbox struct {
	fn      *function
	ln      net.Listener
	srv     *http.Server
	cmd     *exec.Cmd
	pid     int
	started time.Time

	next       chan *invocation // unbuffered: an invocation is handed to a /next request
	exited     chan struct{}    // closed when the process has exited; exitErr is then set
	exitErr    error
	initFailed chan struct{} // closed when the runtime posted /init/error
	stopping   chan struct{} // closed when the environment is being discarded
	stopOnce   sync.Once
	output     sync.WaitGroup // stdout and stderr readers
	pipes      []*os.File     // read ends of stdout and stderr

	mu        sync.Mutex
	state     string
	active    *invocation // delivered by /next, not yet answered
	served    int         // invocations delivered
	initErr   invokeResult
	initReady time.Duration // process start to first /next

	// The runtime starts after the extensions have registered; halted stops a late start.
	runtimeStarted, halted bool

	ext           extState
	extStop       chan struct{} // closed at the end of the shutdown phase: ends extension polls
	extFailed     chan struct{} // closed at the first extension failure
	extFailOnce   sync.Once
	extFailType   string
	extFailReason string
}

// ---- the invoker's side ----

// invokeExec runs inv in the function's execution environment, starting one if needed. It
// returns the result and, for a cold start, the init duration.
func (fn *function) invokeExec(ctx context.Context, endpoint string, inv *invocation) (invokeResult, time.Duration) {
	select {
	case fn.slot <- struct{}{}:
	case <-ctx.Done():
		return invokeResult{err: fmt.Errorf("invoke %s: %w", fn.name, context.Cause(ctx))}, 0
	}
	defer func() { <-fn.slot }()

	inv.deadline = time.Now().Add(fn.timeout)
	timer := time.NewTimer(time.Until(inv.deadline))
	defer timer.Stop()
	for {
		sb, cold, err := fn.sandbox(endpoint)
		if errors.Is(err, errFunctionClosed) {
			return invokeResult{err: fmt.Errorf("invoke %s: %w", fn.name, err)}, 0
		}
		if err != nil {
			return platformError(inv.id, errTypeEntrypoint, err.Error(), false), 0
		}
		res, retry := sb.run(ctx, timer.C, inv)
		if res.reset || retry {
			reason := shutdownFailure
			if res.errorType == errTypeTimeout {
				reason = shutdownTimeout
			}
			fn.discard(sb, reason)
		}
		if retry {
			continue // the warm process had exited before it took the event: start another
		}
		var initDuration time.Duration
		if cold {
			sb.mu.Lock()
			initDuration = sb.initReady
			sb.mu.Unlock()
		}
		return res, initDuration
	}
}

// run hands inv to the runtime and waits for its outcome. retry reports that the process had
// already exited (between invocations) before taking the event.
func (sb *sandbox) run(ctx context.Context, timeout <-chan time.Time, inv *invocation) (res invokeResult, retry bool) {
	fn := sb.fn
	// The event goes to the runtime only when every extension waits for it.
handOver:
	for {
		sb.mu.Lock()
		next, changed := sb.next, sb.ext.changed
		if !sb.extensionsIdleLocked() {
			next = nil
		}
		warm := sb.served > 0
		sb.mu.Unlock()
		select {
		case next <- inv:
			break handOver
		case <-changed:
			continue
		case <-sb.exited:
			if warm {
				return invokeResult{}, true
			}
			inv.finish(sb.exitResult(inv.id))
		case <-sb.extFailed:
			if warm {
				return invokeResult{}, true
			}
			inv.finish(sb.extFailure(inv.id))
		case <-sb.initFailed:
			sb.mu.Lock()
			res := sb.initErr
			sb.mu.Unlock()
			inv.finish(res)
		case <-sb.stopping:
			inv.finish(invokeResult{err: fmt.Errorf("invoke %s: %w", fn.name, errFunctionClosed)})
		case <-timeout:
			inv.finish(timeoutResult(inv.id, fn.timeout))
		case <-ctx.Done():
			inv.finish(invokeResult{err: fmt.Errorf("invoke %s: %w", fn.name, context.Cause(ctx)), reset: true})
		}
		break
	}
	select {
	case res = <-inv.done:
		return res, false
	case <-sb.exited:
		inv.finish(sb.exitResult(inv.id))
	case <-sb.extFailed:
		inv.finish(sb.extFailure(inv.id))
	case <-sb.stopping:
		inv.finish(invokeResult{err: fmt.Errorf("invoke %s: %w", fn.name, errFunctionClosed)})
	case <-timeout:
		inv.finish(timeoutResult(inv.id, fn.timeout))
	case <-ctx.Done():
		// Nobody waits for the result any more; the environment is discarded rather than left
		// busy with an invocation whose answer would go nowhere.
		inv.finish(invokeResult{err: fmt.Errorf("invoke %s: %w", fn.name, context.Cause(ctx)), reset: true})
	}
	return <-inv.done, false
}

// exitResult is the failure Lambda records when the runtime process exits during an invocation.
func (sb *sandbox) exitResult(requestID string) invokeResult {
	reason := "Runtime exited without providing a reason"
	if sb.exitErr != nil {
		reason = "Runtime exited with error: " + sb.exitErr.Error()
	}
	return platformError(requestID, errTypeExit, reason, true)
}

// sandbox returns the running execution environment, starting one when there is none or the
// last one has exited. cold reports a new one.
func (fn *function) sandbox(endpoint string) (sb *sandbox, cold bool, err error) {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if fn.closed {
		return nil, false, errFunctionClosed
	}
	if fn.sb != nil {
		select {
		case <-fn.sb.exited:
			// It exited between invocations (after a panic, say): Lambda starts a new one.
			fn.sb.stop(shutdownFailure)
			fn.sb = nil
		case <-fn.sb.extFailed:
			// An extension failed between invocations.
			fn.sb.stop(shutdownFailure)
			fn.sb = nil
		default:
			return fn.sb, false, nil
		}
	}
	sb, err = fn.start(endpoint)
	if err != nil {
		return nil, false, err
	}
	fn.sb = sb
	return sb, true, nil
}

// discard stops sb and forgets it, so that the next invocation starts a new process.
func (fn *function) discard(sb *sandbox, reason string) {
	fn.mu.Lock()
	if fn.sb == sb {
		fn.sb = nil
	}
	fn.mu.Unlock()
	sb.stop(reason)
}

// close stops the function's process for good.
func (fn *function) close() {
	fn.mu.Lock()
	fn.closed = true
	sb := fn.sb
	fn.sb = nil
	fn.mu.Unlock()
	if sb != nil {
		sb.stop(shutdownSpindown)
	}
}

// start launches the extensions and the executable with a new Runtime API listener. With
// extensions, the executable starts in the background once they have registered.
func (fn *function) start(endpoint string) (*sandbox, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API listener for %s: %w", fn.name, err)
	}
	sb := &sandbox{
		fn:         fn,
		ln:         ln,
		next:       make(chan *invocation),
		exited:     make(chan struct{}),
		initFailed: make(chan struct{}),
		stopping:   make(chan struct{}),
		extStop:    make(chan struct{}),
		extFailed:  make(chan struct{}),
		state:      stStarted,
		ext:        extState{changed: make(chan struct{})},
	}
	sb.srv = &http.Server{
		Handler:           sb.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(fn.log.Handler(), slog.LevelDebug),
	}
	go func() { _ = sb.srv.Serve(ln) }()
	if endpoint == "" {
		fn.log.Warn("starting a function without an emulator endpoint: call SetEndpoint so that its AWS SDK calls reach the emulator")
	}
	env := fn.environ(ln.Addr().String(), endpoint)
	sb.mu.Lock()
	sb.started = time.Now()
	sb.mu.Unlock()
	if len(fn.extensions) == 0 {
		if err := sb.startRuntime(env); err != nil {
			_ = sb.srv.Close()
			return nil, err // "fork/exec PATH: REASON", as Lambda reports a bad entry point
		}
		return sb, nil
	}
	if err := sb.startExtensions(env); err != nil {
		sb.stop(shutdownFailure)
		return nil, err
	}
	go sb.boot(env)
	return sb, nil
}

// startRuntime launches the function's executable.
func (sb *sandbox) startRuntime(env []string) error {
	fn := sb.fn
	outR, outW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("stdout pipe for %s: %w", fn.name, err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		_, _ = outR.Close(), outW.Close()
		return fmt.Errorf("stderr pipe for %s: %w", fn.name, err)
	}
	cmd := exec.Command(fn.path)
	cmd.Dir = filepath.Dir(fn.path)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = outW, errW
	cmd.SysProcAttr = functionProcAttr()
	sb.mu.Lock()
	if sb.halted {
		sb.mu.Unlock()
		_, _, _, _ = outR.Close(), outW.Close(), errR.Close(), errW.Close()
		return errFunctionClosed
	}
	err = cmd.Start()
	_, _ = outW.Close(), errW.Close()
	if err != nil {
		sb.mu.Unlock()
		_, _ = outR.Close(), errR.Close()
		return err
	}
	sb.runtimeStarted = true
	sb.cmd, sb.pid = cmd, cmd.Process.Pid
	sb.pipes = append(sb.pipes, outR, errR)
	sb.mu.Unlock()
	pid := cmd.Process.Pid
	sb.output.Add(2)
	go sb.copyOutput(outR, "stdout", pid)
	go sb.copyOutput(errR, "stderr", pid)
	go func() {
		err := cmd.Wait()
		sb.exitErr = err
		killProcessGroup(pid) // whatever the runtime left behind
		close(sb.exited)
		sb.mu.Lock()
		state := sb.state
		sb.mu.Unlock()
		fn.log.Debug("function process exited", "pid", pid, "state", state, "error", err)
	}()
	fn.log.Debug("function process started", "pid", pid, "runtime_api", sb.ln.Addr().String())
	return nil
}

// stop kills the runtime's process group, gives the extensions their SHUTDOWN event (with
// reason), kills them, waits for the processes and their output, and closes the Runtime API
// server. It is idempotent.
func (sb *sandbox) stop(reason string) {
	sb.stopOnce.Do(func() {
		close(sb.stopping)
		sb.mu.Lock()
		sb.halted = true
		started, pid := sb.runtimeStarted, sb.pid
		sb.mu.Unlock()
		if started {
			select {
			case <-sb.exited:
			default:
				killProcessGroup(pid)
			}
			select {
			case <-sb.exited:
			case <-time.After(stopGrace):
				sb.fn.log.Error("function process did not exit after SIGKILL", "pid", pid)
			}
		}
		sb.shutdownExtensions(reason)
		sb.stopExtensions()
		close(sb.extStop)
		_ = sb.srv.Close()
		done := make(chan struct{})
		go func() { sb.output.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Second):
			// A descendant that left the process group still holds the pipes: stop reading.
			sb.mu.Lock()
			pipes := sb.pipes
			sb.mu.Unlock()
			for _, p := range pipes {
				_ = p.Close()
			}
			<-done
		}
	})
}

// copyOutput sends the process's output, line by line, to the logger and the function's log.
// A line longer than the reader's buffer is cut into several.
func (sb *sandbox) copyOutput(r *os.File, stream string, pid int) {
	defer sb.output.Done()
	defer r.Close()
	br := bufio.NewReaderSize(r, 16<<10)
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			line := trimNewline(chunk)
			sb.fn.logs.write(append(bytes.Clone(line), '\n'))
			sb.fn.log.Debug("function output", "stream", stream, "pid", pid, "line", string(line))
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// environ is the environment Lambda gives a provided.al2023 function, pointed at the emulator.
func (fn *function) environ(runtimeAPI, endpoint string) []string {
	now := time.Now().UTC()
	env := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          runtimeAPI,
		"AWS_REGION":                      fn.region,
		"AWS_DEFAULT_REGION":              fn.region,
		"AWS_ACCESS_KEY_ID":               "AKIAEMULATOREXAMPLE0",
		"AWS_SECRET_ACCESS_KEY":           "emulator/secret/access/key/not/checked",
		"AWS_SESSION_TOKEN":               "emulator-session-token",
		"AWS_LAMBDA_FUNCTION_NAME":        fn.name,
		"AWS_LAMBDA_FUNCTION_VERSION":     latestVersion,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(functionMemoryMB),
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + fn.name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      now.Format("2006/01/02") + "/[" + latestVersion + "]" + newUUIDHex(),
		"AWS_XRAY_CONTEXT_MISSING":        "LOG_ERROR",
		"LAMBDA_TASK_ROOT":                filepath.Dir(fn.path),
		"LAMBDA_RUNTIME_DIR":              filepath.Dir(fn.path),
		"_HANDLER":                        fn.handlerName(),
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"PATH":                            "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"LD_LIBRARY_PATH":                 "/lib64:/usr/lib64:" + filepath.Dir(fn.path) + ":" + filepath.Join(filepath.Dir(fn.path), "lib") + ":/opt/lib",
	}
	if endpoint != "" {
		env["AWS_ENDPOINT_URL"] = endpoint
		env["SECRETS_MANAGER_ENDPOINT"] = endpoint
	}
	for k, v := range fn.env {
		if k != "AWS_LAMBDA_RUNTIME_API" {
			env[k] = v
		}
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func newUUIDHex() string {
	u := awsapi.NewUUID()
	return u[0:8] + u[9:13] + u[14:18] + u[19:23] + u[24:]
}
