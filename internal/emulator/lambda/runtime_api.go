package lambda

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ---- the Runtime API ----

func (sb *sandbox) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+runtimeAPIPrefix+"/runtime/invocation/next", sb.handleNext)
	mux.HandleFunc("POST "+runtimeAPIPrefix+"/runtime/invocation/{id}/response", sb.handleResponse)
	mux.HandleFunc("POST "+runtimeAPIPrefix+"/runtime/invocation/{id}/error", sb.handleError)
	mux.HandleFunc("POST "+runtimeAPIPrefix+"/runtime/init/error", sb.handleInitError)
	sb.extensionRoutes(mux)
	mux.HandleFunc("GET "+runtimeAPIPrefix+"/ping", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("pong"))
	})
	return mux
}

// renderRuntime writes a Runtime API JSON answer, encoded as the RIE encodes it.
func renderRuntime(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

type runtimeError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

func renderAccepted(w http.ResponseWriter) {
	renderRuntime(w, http.StatusAccepted, map[string]string{"status": "OK"})
}

func renderInvalidRequestID(w http.ResponseWriter) {
	renderRuntime(w, http.StatusBadRequest, runtimeError{"Invalid request ID", "InvalidRequestID"})
}

func renderStateTransition(w http.ResponseWriter, from, to string) {
	renderRuntime(w, http.StatusForbidden, runtimeError{
		fmt.Sprintf("State transition from %s to %s failed for runtime. Error: State transition is not allowed", from, to),
		"InvalidStateTransition"})
}

func (sb *sandbox) handleNext(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		// The mux lets HEAD through GET routes; it must not take an event away.
		w.Header().Set("Allow", http.MethodGet)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	sb.mu.Lock()
	switch sb.state {
	case stResponse, stErrorResponse, stInitError:
		from := sb.state
		sb.mu.Unlock()
		renderStateTransition(w, from, stReady)
		return
	case stRunning:
		inv := sb.active
		sb.mu.Unlock()
		renderEvent(w, inv)
		return
	case stStarted:
		sb.initReady = time.Since(sb.started)
		sb.ext.closed = true // internal extensions register during the runtime's init
	}
	sb.state = stReady
	sb.mu.Unlock()
	select {
	case inv := <-sb.next:
		sb.mu.Lock()
		sb.state, sb.active = stRunning, inv
		sb.served++
		sb.dispatchInvokeLocked(inv)
		sb.mu.Unlock()
		renderEvent(w, inv)
	case <-r.Context().Done():
	case <-sb.stopping:
	}
}

// renderEvent writes an invocation as /next returns it.
func renderEvent(w http.ResponseWriter, inv *invocation) {
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.invokedARN)
	h.Set("Lambda-Runtime-Trace-Id", inv.traceID)
	if inv.clientContext != "" {
		h.Set("Lambda-Runtime-Client-Context", inv.clientContext)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(inv.payload)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload)
}

// claim moves the invocation id from Running to the answering state to, or writes why not.
func (sb *sandbox) claim(w http.ResponseWriter, id, to string) *invocation {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.active == nil || id != sb.active.id {
		renderInvalidRequestID(w)
		return nil
	}
	if sb.state != stRunning {
		renderStateTransition(w, sb.state, to)
		return nil
	}
	sb.state = to
	return sb.active
}

// answered ends the invocation in flight: the runtime may ask for the next one.
func (sb *sandbox) answered(inv *invocation, res invokeResult) {
	sb.mu.Lock()
	if sb.active == inv {
		sb.state, sb.active = stResponseSent, nil
	}
	sb.mu.Unlock()
	inv.finish(res)
}

// readResult reads a result body of at most maxResponsePayload bytes.
func readResult(r *http.Request) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxResponsePayload+1))
	if err != nil {
		return nil, false, err
	}
	return b, len(b) <= maxResponsePayload, nil
}

func (sb *sandbox) handleResponse(w http.ResponseWriter, r *http.Request) {
	inv := sb.claim(w, r.PathValue("id"), stResponse)
	if inv == nil {
		return
	}
	body, ok, err := readResult(r)
	switch {
	case err != nil:
		sb.answered(inv, platformError(inv.id, errTypeTruncated, "the runtime's response could not be read: "+err.Error(), true))
		renderRuntime(w, http.StatusBadRequest, runtimeError{"HTTP request detected as truncated", "TruncatedHTTPRequest"})
	case !ok:
		sb.answered(inv, responseTooLargeResult())
		renderRuntime(w, http.StatusRequestEntityTooLarge, runtimeError{
			fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", maxResponsePayload), "RequestEntityTooLarge"})
	default:
		// A streaming runtime reports an error that occurs mid-body in trailers.
		if typ := r.Trailer.Get("Lambda-Runtime-Function-Error-Type"); typ != "" {
			doc, derr := base64.StdEncoding.DecodeString(r.Trailer.Get("Lambda-Runtime-Function-Error-Body"))
			if derr != nil || !json.Valid(doc) {
				doc = errorDocument(typ, "")
			}
			sb.answered(inv, functionErrorResult(doc))
		} else {
			sb.answered(inv, invokeResult{payload: body})
		}
		renderAccepted(w)
	}
}

func (sb *sandbox) handleError(w http.ResponseWriter, r *http.Request) {
	inv := sb.claim(w, r.PathValue("id"), stErrorResponse)
	if inv == nil {
		return
	}
	body, ok, err := readResult(r)
	switch {
	case err != nil:
		sb.answered(inv, platformError(inv.id, errTypeTruncated, "the runtime's error could not be read: "+err.Error(), true))
		renderRuntime(w, http.StatusBadRequest, runtimeError{"HTTP request detected as truncated", "TruncatedHTTPRequest"})
	case !ok:
		sb.answered(inv, responseTooLargeResult())
		renderRuntime(w, http.StatusRequestEntityTooLarge, runtimeError{
			fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", maxResponsePayload), "RequestEntityTooLarge"})
	default:
		// The body is the error document the invoker gets, as the runtime wrote it.
		sb.answered(inv, functionErrorResult(body))
		renderAccepted(w)
	}
}

func (sb *sandbox) handleInitError(w http.ResponseWriter, r *http.Request) {
	sb.mu.Lock()
	if sb.state != stStarted {
		from := sb.state
		sb.mu.Unlock()
		renderStateTransition(w, from, stInitError)
		return
	}
	sb.state = stInitError
	sb.mu.Unlock()
	body, _, _ := readResult(r)
	typ := validRuntimeErrorType(r.Header.Get("Lambda-Runtime-Function-Error-Type"))
	if len(body) == 0 || len(body) > maxResponsePayload {
		body = errorDocument(typ, "")
	}
	res := functionErrorResult(body)
	res.errorType, res.reset = typ, true
	sb.mu.Lock()
	sb.initErr = res
	sb.mu.Unlock()
	close(sb.initFailed)
	renderAccepted(w)
}

// validRuntimeErrorType keeps an error type of the form Runtime.X or Function.X, as the RIE
// does, and calls anything else Runtime.Unknown (Function.Unknown for Function.*).
func validRuntimeErrorType(t string) string {
	if runtimeErrorTypeRE.MatchString(t) {
		return t
	}
	if strings.HasPrefix(t, "Function.") {
		return "Function.Unknown"
	}
	return "Runtime.Unknown"
}

var runtimeErrorTypeRE = regexp.MustCompile(`(Runtime|Function)\.[A-Z][a-zA-Z]+`)
