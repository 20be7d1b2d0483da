package emulator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

var extensionBuild struct {
	once sync.Once
	path string
	err  error
}

// extensionBinary builds testdata/lambda/extension once, as an executable named
// "test-extension" (the name it registers under, as a layer's /opt/extensions/test-extension).
func extensionBinary(t *testing.T) string {
	t.Helper()
	goBin := goCommand(t)
	b := &extensionBuild
	b.once.Do(func() {
		dir, err := buildDir()
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "extension", "test-extension")
		cmd := exec.Command(goBin, "build", "-o", b.path, "./testdata/lambda/extension")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build testdata/lambda/extension: %w\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.Fields(strings.ReplaceAll(string(b), " ", "_"))
}

// TestExtensionLifecycle runs a real bootstrap (testdata/lambda/echo) beside a real extension
// (testdata/lambda/extension) and checks Lambda's lifecycle: the extension registers and ends
// its init before the first event reaches the function, gets an INVOKE event per invocation
// with that invocation's request id, sees the function's environment and handler, and gets
// SHUTDOWN (spindown) when the emulator closes.
func TestExtensionLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs Lambda binaries")
	}
	srv, url := startEmulator(t, emulator.Options{})
	srv.SetEndpoint(url)
	c := lambdaClient(url, "us-east-1")
	logPath := filepath.Join(t.TempDir(), "events.log")
	addr := freeAddr(t)
	_, err := srv.RegisterExecutable("with-extension", echoBootstrap(t), emulator.FunctionConfig{
		Env:        map[string]string{"EXT_LOG": logPath, "EXT_ADDR": addr, "CUSTOM": "custom-value"},
		Handler:    "app.handler",
		Extensions: []string{extensionBinary(t)},
	})
	noErr(t, err)

	// The extension listens only after a pause, then calls /event/next: reaching it from the
	// first invocation proves that the invocation waited for the extension's init.
	out := invoke(t, c, "with-extension", map[string]any{"action": "get", "url": "http://" + addr + "/state"})
	var state struct {
		Registration map[string]string `json:"registration"`
		Env          map[string]string `json:"env"`
	}
	if err := json.Unmarshal(succeeded(t, out), &state); err != nil {
		t.Fatalf("state %s: %v", out.Payload, err)
	}
	wantReg := map[string]string{"functionName": "with-extension", "functionVersion": "$LATEST", "handler": "app.handler"}
	for k, v := range wantReg {
		if state.Registration[k] != v {
			t.Errorf("register response %s = %q, want %q (%v)", k, state.Registration[k], v, state.Registration)
		}
	}
	if state.Env["CUSTOM"] != "custom-value" || state.Env["_HANDLER"] != "app.handler" {
		t.Errorf("extension environment %v, want the function's CUSTOM and _HANDLER", state.Env)
	}

	info, _ := invokeInfo(t, c, "with-extension", "_HANDLER", "CUSTOM")
	if info.Env["_HANDLER"] != "app.handler" || info.Env["CUSTOM"] != "custom-value" {
		t.Errorf("function environment %v, want _HANDLER=app.handler CUSTOM=custom-value", info.Env)
	}
	info2, _ := invokeInfo(t, c, "with-extension")
	if info2.PID != info.PID {
		t.Errorf("the environment was restarted between invocations (pid %d, then %d)", info.PID, info2.PID)
	}
	// Every INVOKE is recorded before the extension goes back to /event/next, and the next
	// invocation waits for that: both earlier events are in the log by now.
	waitFor(t, 10*time.Second, "two INVOKE events", func() bool {
		return strings.Count(strings.Join(readLines(t, logPath), "\n"), "INVOKE") >= 2
	})

	noErr(t, srv.Close())
	lines := readLines(t, logPath)
	if len(lines) != 5 {
		t.Fatalf("extension log %q: want REGISTER, three INVOKE and SHUTDOWN", lines)
	}
	if !strings.HasPrefix(lines[0], "REGISTER_") {
		t.Errorf("first line %q, want REGISTER", lines[0])
	}
	if lines[2] != "INVOKE_"+info.RequestID || lines[3] != "INVOKE_"+info2.RequestID {
		t.Errorf("INVOKE events %q, want the request ids %s and %s in order", lines[1:4], info.RequestID, info2.RequestID)
	}
	if lines[4] != "SHUTDOWN_spindown" {
		t.Errorf("last line %q, want SHUTDOWN_spindown", lines[4])
	}
}

// TestExtensionFailures checks that an extension that crashes before it registers fails the
// invocation with Extension.Crash, and one that registers and then posts /exit/error fails
// it with its error type.
func TestExtensionFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs Lambda binaries")
	}
	for _, tc := range []struct {
		mode, wantType string
	}{
		{"crash", "Extension.Crash"},
		{"exit-error", "Extension.TestFailure"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			srv, url := startEmulator(t, emulator.Options{})
			srv.SetEndpoint(url)
			c := lambdaClient(url, "us-east-1")
			_, err := srv.RegisterExecutable("failing-extension", echoBootstrap(t), emulator.FunctionConfig{
				Env:        map[string]string{"EXT_LOG": filepath.Join(t.TempDir(), "events.log"), "EXT_ADDR": freeAddr(t), "EXT_MODE": tc.mode},
				Timeout:    20 * time.Second,
				Extensions: []string{extensionBinary(t)},
			})
			noErr(t, err)
			e := functionError(t, invoke(t, c, "failing-extension", map[string]any{"action": "echo"}))
			if e.Type != tc.wantType {
				t.Fatalf("errorType %q (%s), want %s", e.Type, e.Message, tc.wantType)
			}
		})
	}
}

// TestExtensionAPIErrors plays both a runtime and an internal extension (one that registers
// from inside the runtime's process under a name of its own) against the Extensions API, and
// checks its answers to bad requests as AWS's Runtime Interface Emulator gives them (error
// types in its lambda/rapi/handler/constants.go, messages in agentregister.go/agentnext.go).
func TestExtensionAPIErrors(t *testing.T) {
	srv, _, c := startLambda(t)
	state := t.TempDir()
	_, err := srv.RegisterExecutable("api-errors", copyBootstrap(t, "manual"), emulator.FunctionConfig{Timeout: 20 * time.Second,
		Env: map[string]string{"STATE_DIR": state}, Handler: "index.handler"})
	noErr(t, err)
	done := make(chan []byte, 1)
	go func() {
		out, err := c.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("api-errors"), Payload: []byte(`{"n":1}`)})
		if err != nil {
			done <- []byte(err.Error())
			return
		}
		done <- out.Payload
	}()
	var addr []byte
	waitFor(t, 10*time.Second, "the runtime's address", func() bool {
		addr, err = os.ReadFile(filepath.Join(state, "addr"))
		return err == nil
	})
	rt := &runtimeClient{t: t, api: "http://" + strings.TrimSpace(string(addr))}
	const reg = "/2020-01-01/extension/register"
	const next = "/2020-01-01/extension/event/next"

	rt.expect("POST", reg, strings.NewReader(`{"events":["INVOKE"]}`), nil, 403,
		`{"errorMessage":"Empty extension name","errorType":"Extension.InvalidExtensionName"}`)
	rt.expect("POST", reg, strings.NewReader(`{"events":`), map[string]string{"Lambda-Extension-Name": "internal"}, 403, `"errorType":"InvalidRequestFormat"`)
	rt.expect("POST", reg, strings.NewReader(`{"events":["INVOKE"],"configurationKeys":["X"]}`), map[string]string{"Lambda-Extension-Name": "internal"}, 403,
		"configurationKeys are deprecated")
	// An internal extension cannot subscribe to SHUTDOWN.
	rt.expect("POST", reg, strings.NewReader(`{"events":["INVOKE","SHUTDOWN"]}`), map[string]string{"Lambda-Extension-Name": "internal"}, 403,
		`"errorType":"Extension.InvalidEventType"`)
	h, body := rt.expect("POST", reg, strings.NewReader(`{"events":["INVOKE"]}`),
		map[string]string{"Lambda-Extension-Name": "internal", "Lambda-Extension-Accept-Feature": "accountId"}, 200, "")
	var regResp map[string]string
	noErr(t, json.Unmarshal([]byte(body), &regResp))
	want := map[string]string{"functionName": "api-errors", "functionVersion": "$LATEST", "handler": "index.handler", "accountId": "123456789012"}
	if !maps.Equal(regResp, want) {
		t.Errorf("register response %v, want %v", regResp, want)
	}
	id := h.Get("Lambda-Extension-Identifier")
	rt.expect("POST", reg, strings.NewReader(`{"events":["INVOKE"]}`), map[string]string{"Lambda-Extension-Name": "internal"}, 403,
		"Extension with this name already registered")

	rt.expect("GET", next, nil, nil, 403, `"errorType":"Extension.MissingExtensionIdentifier"`)
	rt.expect("GET", next, nil, map[string]string{"Lambda-Extension-Identifier": "nope"}, 403, `"errorType":"Extension.InvalidExtensionIdentifier"`)
	rt.expect("GET", next, nil, map[string]string{"Lambda-Extension-Identifier": "00000000-0000-0000-0000-000000000000"}, 403,
		`"errorType":"Extension.UnknownExtensionIdentifier"`)
	rt.expect("POST", "/2020-01-01/extension/exit/error", nil, map[string]string{"Lambda-Extension-Identifier": id}, 403, `"errorType":"Extension.MissingHeader"`)

	// The extension waits for its event; the runtime then gets the invocation, and the
	// extension an INVOKE event with the same request id.
	events := make(chan string, 1)
	go func() {
		_, _, b := rt.do("GET", next, nil, map[string]string{"Lambda-Extension-Identifier": id})
		events <- b
	}()
	h, _ = rt.expect("GET", "/2018-06-01/runtime/invocation/next", nil, nil, 200, `{"n":1}`)
	requestID := h.Get("Lambda-Runtime-Aws-Request-Id")
	var ev struct {
		EventType, RequestID, InvokedFunctionArn string
		DeadlineMs                               int64
		Tracing                                  struct{ Type, Value string }
	}
	select {
	case b := <-events:
		noErr(t, json.Unmarshal([]byte(b), &ev))
	case <-time.After(10 * time.Second):
		t.Fatal("the extension got no INVOKE event")
	}
	if ev.EventType != "INVOKE" || ev.RequestID != requestID || ev.InvokedFunctionArn != h.Get("Lambda-Runtime-Invoked-Function-Arn") ||
		ev.Tracing.Type != "X-Amzn-Trace-Id" || ev.Tracing.Value != h.Get("Lambda-Runtime-Trace-Id") ||
		strconv.FormatInt(ev.DeadlineMs, 10) != h.Get("Lambda-Runtime-Deadline-Ms") {
		t.Errorf("INVOKE event %+v does not match the runtime's event headers %v", ev, h)
	}
	// Registration closed when the runtime asked for its first event.
	rt.expect("POST", reg, strings.NewReader(`{"events":["INVOKE"]}`), map[string]string{"Lambda-Extension-Name": "late"}, 403,
		`{"errorMessage":"Extension registration closed already","errorType":"Extension.RegistrationClosed"}`)
	rt.expect("POST", "/2018-06-01/runtime/invocation/"+requestID+"/response", strings.NewReader(`"ok"`), nil, 202, "")
	select {
	case b := <-done:
		if string(b) != `"ok"` {
			t.Fatalf("the invoker got %s", b)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the invocation did not end")
	}
}
