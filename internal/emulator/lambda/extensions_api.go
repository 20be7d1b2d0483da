package lambda

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

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
