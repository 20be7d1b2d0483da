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
	"os"
	"os/exec"
	"path/filepath"
	"time"
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
