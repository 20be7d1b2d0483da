package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sync"
	"time"
)

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
func (s *Service) invoke(ctx context.Context, fn *function, inv *invocation) invokeResult {
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

func (s *Service) functionEndpoint() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.endpoint
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
