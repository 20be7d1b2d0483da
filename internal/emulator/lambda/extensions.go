package lambda

// The Lambda Extensions API (2020-01-01), served on the same listener as the Runtime API
// (AWS_LAMBDA_RUNTIME_API), for functions registered with FunctionConfig.Extensions:
//
//	POST /2020-01-01/extension/register     Lambda-Extension-Name; {"events":["INVOKE","SHUTDOWN"]}
//	GET  /2020-01-01/extension/event/next   Lambda-Extension-Identifier; long poll for an event
//	POST /2020-01-01/extension/init/error   Lambda-Extension-Function-Error-Type; init fails
//	POST /2020-01-01/extension/exit/error   Lambda-Extension-Function-Error-Type; environment reset
//
// The lifecycle follows Lambda's (docs "Lambda Extensions API") and AWS's Runtime Interface
// Emulator (lambda/rapi/handler/agent*.go, whose error types these are):
//   - Init: the extension executables start first, in the order given, with the function's
//     environment. The runtime starts once every one of them has registered (an extension is
//     registered as external when its Lambda-Extension-Name is its file name; any other name
//     registers an internal extension, allowed until the runtime's first /next). The first
//     event goes to the runtime only when every registered extension waits in /event/next.
//   - Invoke: when the runtime takes an invocation, each extension subscribed to INVOKE gets
//     an INVOKE event. The next invocation waits until every extension is back in
//     /event/next (Lambda's post-invoke phase); that wait counts against its timeout.
//   - Shutdown: when the environment is discarded (Close, a replaced function, a failure or a
//     timeout), the runtime is killed, extensions subscribed to SHUTDOWN get a SHUTDOWN event
//     (shutdownReason spindown, failure or timeout) and 2 s to exit or come back to
//     /event/next, and are then killed.
//   - An extension that exits, or posts /init/error or /exit/error, fails the invocation in
//     progress (or the next one, when it happens before init completes) with
//     Extension.Crash or the error type it posted, and the environment is discarded. One that
//     exits between invocations makes the next invocation start a new environment.
// Differences: the Logs and Telemetry APIs are not served; Lambda's 10 s init budget is not
// separate from the invocation's timeout.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

const (
	extensionAPIPrefix = "/2020-01-01/extension"
	// maxExtensions is Lambda's limit on registered extensions per function.
	maxExtensions = 10
	// extensionShutdownGrace is how long extensions get for SHUTDOWN (Lambda's 2,000 ms when
	// external extensions are registered).
	extensionShutdownGrace = 2 * time.Second
	errTypeExtensionCrash  = "Extension.Crash"
)

// Shutdown reasons of a SHUTDOWN event.
const (
	shutdownSpindown = "spindown"
	shutdownFailure  = "failure"
	shutdownTimeout  = "timeout"
)

// extProc is an external extension process.
type extProc struct {
	name    string // the executable's file name, the name it must register with
	path    string
	pid     int
	exited  chan struct{}
	exitErr error
}

// agent is a registered extension. Its fields are guarded by sandbox.mu.
type agent struct {
	id, name         string
	proc             *extProc // nil for an internal extension
	invoke, shutdown bool
	pending          [][]byte      // events not yet taken
	inNext           bool          // waiting in /event/next with nothing pending
	notify           chan struct{} // capacity 1: an event was queued
}

// extState is the extensions' side of a sandbox, guarded by sandbox.mu.
type extState struct {
	procs   []*extProc
	agents  map[string]*agent // by identifier
	closed  bool              // registration closed (the runtime asked for its first event)
	changed chan struct{}     // closed and replaced whenever an agent's state changes
}

// broadcastLocked wakes everyone waiting for a change of the extensions' state.
func (sb *sandbox) broadcastLocked() {
	close(sb.ext.changed)
	sb.ext.changed = make(chan struct{})
}

// extensionsIdleLocked reports whether every registered extension waits for an event.
func (sb *sandbox) extensionsIdleLocked() bool {
	for _, a := range sb.ext.agents {
		if !a.inNext || len(a.pending) > 0 {
			return false
		}
	}
	return true
}

// allRegisteredLocked reports whether every extension process has registered.
func (sb *sandbox) allRegisteredLocked() bool {
	for _, p := range sb.ext.procs {
		if sb.agentByNameLocked(p.name) == nil {
			return false
		}
	}
	return true
}

func (sb *sandbox) agentByNameLocked(name string) *agent {
	for _, a := range sb.ext.agents {
		if a.name == name {
			return a
		}
	}
	return nil
}

// failExtensions records the first extension failure; run fails the invocation with it and
// the environment is discarded.
func (sb *sandbox) failExtensions(errorType, reason string) {
	sb.extFailOnce.Do(func() {
		sb.mu.Lock()
		sb.extFailType, sb.extFailReason = errorType, reason
		sb.mu.Unlock()
		close(sb.extFailed)
	})
}

// extFailure is the invocation result of an extension failure.
func (sb *sandbox) extFailure(requestID string) invokeResult {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return platformError(requestID, sb.extFailType, sb.extFailReason, true)
}

// startExtensions launches the extension executables.
func (sb *sandbox) startExtensions(env []string) error {
	for _, path := range sb.fn.extensions {
		p := &extProc{name: filepath.Base(path), path: path, exited: make(chan struct{})}
		outR, outW, err := os.Pipe()
		if err != nil {
			return fmt.Errorf("stdout pipe for extension %s: %w", p.name, err)
		}
		errR, errW, err := os.Pipe()
		if err != nil {
			_, _ = outR.Close(), outW.Close()
			return fmt.Errorf("stderr pipe for extension %s: %w", p.name, err)
		}
		cmd := exec.Command(path)
		cmd.Dir = filepath.Dir(sb.fn.path)
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = outW, errW
		cmd.SysProcAttr = functionProcAttr()
		err = cmd.Start()
		_, _ = outW.Close(), errW.Close()
		if err != nil {
			_, _ = outR.Close(), errR.Close()
			return fmt.Errorf("start extension %s: %w", p.name, err)
		}
		p.pid = cmd.Process.Pid
		sb.mu.Lock()
		sb.ext.procs = append(sb.ext.procs, p)
		sb.pipes = append(sb.pipes, outR, errR)
		sb.mu.Unlock()
		sb.output.Add(2)
		go sb.copyOutput(outR, "stdout", p.pid)
		go sb.copyOutput(errR, "stderr", p.pid)
		go func() {
			err := cmd.Wait()
			killProcessGroup(p.pid)
			sb.mu.Lock()
			p.exitErr = err
			close(p.exited)
			sb.broadcastLocked()
			sb.mu.Unlock()
			select {
			case <-sb.stopping:
			default:
				reason := fmt.Sprintf("Extension %s exited", p.name)
				if err != nil {
					reason += ": " + err.Error()
				}
				sb.failExtensions(errTypeExtensionCrash, reason)
			}
			sb.fn.log.Debug("extension process exited", "extension", p.name, "pid", p.pid, "error", err)
		}()
		sb.fn.log.Debug("extension process started", "extension", p.name, "pid", p.pid)
	}
	return nil
}

// boot waits for every extension to register, then starts the runtime.
func (sb *sandbox) boot(env []string) {
	for {
		sb.mu.Lock()
		done, changed := sb.allRegisteredLocked(), sb.ext.changed
		sb.mu.Unlock()
		if done {
			break
		}
		select {
		case <-changed:
		case <-sb.extFailed:
			return
		case <-sb.stopping:
			return
		}
	}
	if err := sb.startRuntime(env); err != nil {
		sb.mu.Lock()
		if sb.state == stStarted {
			sb.state = stInitError
			sb.initErr = platformError("", errTypeEntrypoint, err.Error(), true)
			sb.initErr.payload = errorDocument(errTypeEntrypoint, err.Error())
			close(sb.initFailed)
		}
		sb.mu.Unlock()
	}
}

// dispatchInvokeLocked queues the INVOKE event of inv for the extensions subscribed to it.
func (sb *sandbox) dispatchInvokeLocked(inv *invocation) {
	ev, _ := json.Marshal(map[string]any{
		"eventType":          "INVOKE",
		"deadlineMs":         inv.deadline.UnixMilli(),
		"requestId":          inv.id,
		"invokedFunctionArn": inv.invokedARN,
		"tracing":            map[string]string{"type": "X-Amzn-Trace-Id", "value": inv.traceID},
	})
	sb.queueLocked(ev, func(a *agent) bool { return a.invoke })
}

func (sb *sandbox) queueLocked(ev []byte, to func(*agent) bool) []*agent {
	var sent []*agent
	for _, a := range sb.ext.agents {
		if to(a) {
			a.pending = append(a.pending, ev)
			select {
			case a.notify <- struct{}{}:
			default:
			}
			sent = append(sent, a)
		}
	}
	if len(sent) > 0 {
		sb.broadcastLocked()
	}
	return sent
}

// shutdownExtensions sends SHUTDOWN to the extensions subscribed to it and waits until each
// has exited or come back to /event/next, or the grace period has passed.
func (sb *sandbox) shutdownExtensions(reason string) {
	deadline := time.Now().Add(extensionShutdownGrace)
	ev, _ := json.Marshal(map[string]any{
		"eventType":      "SHUTDOWN",
		"shutdownReason": reason,
		"deadlineMs":     deadline.UnixMilli(),
	})
	sb.mu.Lock()
	sent := sb.queueLocked(ev, func(a *agent) bool { return a.shutdown })
	sb.mu.Unlock()
	if len(sent) == 0 {
		return
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		sb.mu.Lock()
		done := true
		for _, a := range sent {
			if !exitedProc(a.proc) && (!a.inNext || len(a.pending) > 0) {
				done = false
			}
		}
		changed := sb.ext.changed
		sb.mu.Unlock()
		if done {
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			sb.fn.log.Debug("extensions did not finish SHUTDOWN in time")
			return
		}
	}
}

func exitedProc(p *extProc) bool {
	if p == nil {
		return false
	}
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// stopExtensions kills the extension processes and waits for them.
func (sb *sandbox) stopExtensions() {
	sb.mu.Lock()
	procs := append([]*extProc(nil), sb.ext.procs...)
	sb.mu.Unlock()
	for _, p := range procs {
		killProcessGroup(p.pid)
	}
	for _, p := range procs {
		select {
		case <-p.exited:
		case <-time.After(stopGrace):
			sb.fn.log.Error("extension process did not exit after SIGKILL", "extension", p.name, "pid", p.pid)
		}
	}
}

// ---- the Extensions API ----

func (sb *sandbox) extensionRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+extensionAPIPrefix+"/register", sb.handleRegister)
	mux.HandleFunc("GET "+extensionAPIPrefix+"/event/next", sb.handleEventNext)
	mux.HandleFunc("POST "+extensionAPIPrefix+"/init/error", func(w http.ResponseWriter, r *http.Request) {
		sb.handleExtensionError(w, r, "init")
	})
	mux.HandleFunc("POST "+extensionAPIPrefix+"/exit/error", func(w http.ResponseWriter, r *http.Request) {
		sb.handleExtensionError(w, r, "exit")
	})
}

func renderExtensionError(w http.ResponseWriter, typ, format string, args ...any) {
	renderRuntime(w, http.StatusForbidden, runtimeError{fmt.Sprintf(format, args...), typ})
}

func (sb *sandbox) handleRegister(w http.ResponseWriter, r *http.Request) {
	name := r.Header.Get("Lambda-Extension-Name")
	if name == "" {
		renderExtensionError(w, "Extension.InvalidExtensionName", "Empty extension name")
		return
	}
	var req struct {
		Events            []string `json:"events"`
		ConfigurationKeys []string `json:"configurationKeys"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err == nil && len(req.ConfigurationKeys) > 0 {
		err = fmt.Errorf("configurationKeys are deprecated; use environment variables instead")
	}
	if err != nil {
		renderExtensionError(w, "InvalidRequestFormat", "%s", err)
		return
	}
	sb.mu.Lock()
	defer sb.mu.Unlock()
	var proc *extProc
	for _, p := range sb.ext.procs {
		if p.name == name {
			proc = p
		}
	}
	a := &agent{id: awsapi.NewUUID(), name: name, proc: proc, notify: make(chan struct{}, 1)}
	for _, e := range req.Events {
		switch {
		case e == "INVOKE":
			a.invoke = true
		case e == "SHUTDOWN" && proc != nil:
			a.shutdown = true
		default:
			// Internal extensions (in the runtime's process) may subscribe only to INVOKE.
			renderExtensionError(w, "Extension.InvalidEventType", "%s: not an event this extension can subscribe to (external: INVOKE, SHUTDOWN; internal: INVOKE)", e)
			return
		}
	}
	if old := sb.agentByNameLocked(name); old != nil {
		if proc != nil {
			renderExtensionError(w, "Extension.InvalidExtensionState",
				"State transition from Registered to Registered failed for extension %s. Error: State transition is not allowed", name)
		} else {
			renderExtensionError(w, "Extension.InvalidExtensionState", "Extension with this name already registered")
		}
		return
	}
	if proc == nil && sb.ext.closed {
		renderExtensionError(w, "Extension.RegistrationClosed", "Extension registration closed already")
		return
	}
	if len(sb.ext.agents) >= maxExtensions {
		renderExtensionError(w, "Extension.TooManyExtensions", "Extension limit (%d) reached", maxExtensions)
		return
	}
	if sb.ext.agents == nil {
		sb.ext.agents = map[string]*agent{}
	}
	sb.ext.agents[a.id] = a
	sb.broadcastLocked()
	resp := map[string]string{
		"functionName":    sb.fn.name,
		"functionVersion": latestVersion,
		"handler":         sb.fn.handlerName(),
	}
	if strings.Contains(r.Header.Get("Lambda-Extension-Accept-Feature"), "accountId") {
		resp["accountId"] = sb.fn.account
	}
	w.Header().Set("Lambda-Extension-Identifier", a.id)
	renderRuntime(w, http.StatusOK, resp)
	sb.fn.log.Debug("extension registered", "extension", name, "external", proc != nil, "events", req.Events)
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// agentFor finds the extension a request identifies, or writes why not.
func (sb *sandbox) agentFor(w http.ResponseWriter, r *http.Request) *agent {
	id := r.Header.Get("Lambda-Extension-Identifier")
	if id == "" {
		renderExtensionError(w, "Extension.MissingExtensionIdentifier", "Missing Lambda-Extension-Identifier header")
		return nil
	}
	if !uuidRE.MatchString(strings.ToLower(id)) {
		renderExtensionError(w, "Extension.InvalidExtensionIdentifier", "Invalid Lambda-Extension-Identifier")
		return nil
	}
	sb.mu.Lock()
	a := sb.ext.agents[strings.ToLower(id)]
	sb.mu.Unlock()
	if a == nil {
		renderExtensionError(w, "Extension.UnknownExtensionIdentifier", "Unknown extension %s", id)
	}
	return a
}

func (sb *sandbox) handleEventNext(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	a := sb.agentFor(w, r)
	if a == nil {
		return
	}
	sb.mu.Lock()
	for {
		if len(a.pending) > 0 {
			ev := a.pending[0]
			a.pending = a.pending[1:]
			a.inNext = false
			sb.broadcastLocked()
			sb.mu.Unlock()
			w.Header().Set("Lambda-Extension-Event-Identifier", awsapi.NewUUID())
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(ev)
			return
		}
		if !a.inNext {
			a.inNext = true
			sb.broadcastLocked()
		}
		sb.mu.Unlock()
		select {
		case <-a.notify:
		case <-r.Context().Done():
			sb.mu.Lock()
			a.inNext = false
			sb.broadcastLocked()
			sb.mu.Unlock()
			return
		case <-sb.extStop:
			return
		}
		sb.mu.Lock()
	}
}

func (sb *sandbox) handleExtensionError(w http.ResponseWriter, r *http.Request, phase string) {
	a := sb.agentFor(w, r)
	if a == nil {
		return
	}
	typ := r.Header.Get("Lambda-Extension-Function-Error-Type")
	if typ == "" {
		renderExtensionError(w, "Extension.MissingHeader", "Missing Lambda-Extension-Function-Error-Type header")
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxResponsePayload))
	sb.fn.log.Debug("extension reported an error", "extension", a.name, "phase", phase, "error_type", typ)
	sb.failExtensions(validExtensionErrorType(typ), fmt.Sprintf("Extension %s reported %s (%s error)", a.name, typ, phase))
	renderAccepted(w)
}

var extensionErrorTypeRE = regexp.MustCompile(`^Extension\.[A-Z][a-zA-Z]+$`)

// validExtensionErrorType keeps an error type of the form Extension.X and calls anything
// else Extension.Unknown.
func validExtensionErrorType(t string) string {
	if extensionErrorTypeRE.MatchString(t) {
		return t
	}
	return "Extension.Unknown"
}
