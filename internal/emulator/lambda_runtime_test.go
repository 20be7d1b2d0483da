package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// The Runtime API answers garbage as the RIE does, and never hangs: the test plays the
// runtime of a function whose process only waits.
func TestLambdaRuntimeAPIGarbage(t *testing.T) {
	srv, _, c := startLambda(t)
	ctx := context.Background()
	state := t.TempDir()
	fnARN, err := srv.RegisterExecutable("manual", copyBootstrap(t, "manual"), emulator.FunctionConfig{Timeout: 20 * time.Second,
		Env: map[string]string{"STATE_DIR": state}})
	noErr(t, err)

	type result struct {
		out *lambda.InvokeOutput
		err error
	}
	invokeAsync := func(function string, payload string) <-chan result {
		ch := make(chan result, 1)
		go func() {
			out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(function), Payload: []byte(payload)})
			ch <- result{out, err}
		}()
		return ch
	}
	await := func(ch <-chan result) *lambda.InvokeOutput {
		t.Helper()
		select {
		case r := <-ch:
			noErr(t, r.err)
			return r.out
		case <-time.After(10 * time.Second):
			t.Fatal("the invocation did not end")
			return nil
		}
	}
	readState := func(dir, name string) string {
		t.Helper()
		var b []byte
		waitFor(t, 10*time.Second, "the runtime's "+name, func() bool {
			var err error
			b, err = os.ReadFile(filepath.Join(dir, name))
			return err == nil
		})
		return strings.TrimSpace(string(b))
	}

	first := invokeAsync("manual", `{"n":1}`)
	api := "http://" + readState(state, "addr")
	pid, err := strconv.Atoi(readState(state, "pid"))
	noErr(t, err)
	rt := &runtimeClient{t: t, api: api}

	// Paths, methods and ids that make no sense.
	rt.expect("GET", "/2018-06-01/runtime/nothing", nil, nil, 404, "")
	rt.expect("POST", "/2020-01-01/extension/register", strings.NewReader(`{"events":["INVOKE"]}`), nil, 403, `"errorType":"Extension.InvalidExtensionName"`)
	rt.expect("HEAD", "/2018-06-01/runtime/invocation/next", nil, nil, 405, "")
	rt.expect("POST", "/2018-06-01/runtime/invocation/next", nil, nil, 405, "")
	rt.expect("GET", "/2018-06-01/runtime/invocation/abc/response", nil, nil, 405, "")
	rt.expect("POST", "/2018-06-01/runtime/invocation/abc/response", strings.NewReader("{}"), nil, 400, `{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}`)
	rt.expect("POST", "/2018-06-01/runtime/invocation/abc/error", strings.NewReader("{}"), nil, 400, "InvalidRequestID")
	rt.expect("GET", "/2018-06-01/ping", nil, nil, 200, "pong")
	rt.junk()

	// The event, with its headers; asking again before answering hands out the same event.
	h, body := rt.expect("GET", "/2018-06-01/runtime/invocation/next", nil, nil, 200, `{"n":1}`)
	id := h.Get("Lambda-Runtime-Aws-Request-Id")
	if id == "" || h.Get("Lambda-Runtime-Invoked-Function-Arn") != fnARN || !strings.HasPrefix(h.Get("Lambda-Runtime-Trace-Id"), "Root=1-") {
		t.Fatalf("event headers %v", h)
	}
	if ms, _ := strconv.ParseInt(h.Get("Lambda-Runtime-Deadline-Ms"), 10, 64); time.Until(time.UnixMilli(ms)) < 15*time.Second {
		t.Fatalf("deadline %s is not 20 s ahead", h.Get("Lambda-Runtime-Deadline-Ms"))
	}
	if h2, _ := rt.expect("GET", "/2018-06-01/runtime/invocation/next", nil, nil, 200, body); h2.Get("Lambda-Runtime-Aws-Request-Id") != id {
		t.Fatal("a second /next did not hand out the invocation in flight")
	}
	rt.expect("POST", "/2018-06-01/runtime/init/error", strings.NewReader("{}"), nil, 403,
		`{"errorMessage":"State transition from Running to InitError failed for runtime. Error: State transition is not allowed","errorType":"InvalidStateTransition"}`)
	rt.expect("POST", "/2018-06-01/runtime/invocation/"+id+"x/response", strings.NewReader("{}"), nil, 400, "InvalidRequestID")

	// Two answers at once: the second is refused while the first is being read.
	pr, pw := io.Pipe()
	firstAnswer := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", api+"/2018-06-01/runtime/invocation/"+id+"/response", pr)
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			firstAnswer <- 0
			return
		}
		resp.Body.Close()
		firstAnswer <- resp.StatusCode
	}()
	_, _ = pw.Write([]byte(`{"answer":`))
	waitFor(t, 5*time.Second, "the first answer to be claimed", func() bool {
		return rt.status("GET", "/2018-06-01/runtime/invocation/next") == 403
	})
	rt.expect("POST", "/2018-06-01/runtime/invocation/"+id+"/response", strings.NewReader(`"second"`), nil, 403,
		"State transition from InvocationResponse to InvocationResponse failed for runtime")
	rt.expect("POST", "/2018-06-01/runtime/invocation/"+id+"/error", strings.NewReader(`"second"`), nil, 403,
		"State transition from InvocationResponse to InvocationErrorResponse failed for runtime")
	_, _ = pw.Write([]byte(`42}`))
	_ = pw.Close()
	if status := <-firstAnswer; status != 202 {
		t.Fatalf("the first answer got status %d", status)
	}
	if got := string(succeeded(t, await(first))); got != `{"answer":42}` {
		t.Fatalf("the invoker got %s", got)
	}
	rt.expect("POST", "/2018-06-01/runtime/invocation/"+id+"/response", strings.NewReader("{}"), nil, 400, "InvalidRequestID")

	// An error answer, in the shape the runtime chose; the process stays.
	second := invokeAsync("manual", `{"n":2}`)
	h, _ = rt.expect("GET", "/2018-06-01/runtime/invocation/next", nil, nil, 200, `{"n":2}`)
	doc := `{"errorMessage":"raw failure","errorType":"Oops"}`
	rt.expect("POST", "/2018-06-01/runtime/invocation/"+h.Get("Lambda-Runtime-Aws-Request-Id")+"/error", strings.NewReader(doc),
		map[string]string{"Lambda-Runtime-Function-Error-Type": "Oops"}, 202, `{"status":"OK"}`)
	out := await(second)
	if aws.ToString(out.FunctionError) != "Unhandled" || string(out.Payload) != doc {
		t.Fatalf("error answer reached the invoker as %q %s", aws.ToString(out.FunctionError), out.Payload)
	}
	if processGone(pid) {
		t.Fatal("a function error stopped the process")
	}

	// A runtime that fails to initialise: the invocation fails with its error, the process goes.
	initState := t.TempDir()
	_, err = srv.RegisterExecutable("manual-init", copyBootstrap(t, "manual"), emulator.FunctionConfig{Timeout: 20 * time.Second,
		Env: map[string]string{"STATE_DIR": initState}})
	noErr(t, err)
	third := invokeAsync("manual-init", `{"n":3}`)
	initRT := &runtimeClient{t: t, api: "http://" + readState(initState, "addr")}
	initPID, err := strconv.Atoi(readState(initState, "pid"))
	noErr(t, err)
	initDoc := `{"errorMessage":"cannot start","errorType":"Runtime.NoConfig"}`
	initRT.expect("POST", "/2018-06-01/runtime/init/error", strings.NewReader(initDoc), map[string]string{"Lambda-Runtime-Function-Error-Type": "Runtime.NoConfig"}, 202, "")
	out = await(third)
	if aws.ToString(out.FunctionError) != "Unhandled" || string(out.Payload) != initDoc {
		t.Fatalf("init error reached the invoker as %q %s", aws.ToString(out.FunctionError), out.Payload)
	}
	waitGone(t, 2*time.Second, initPID)
}

// runtimeClient talks to a Runtime API by hand.
type runtimeClient struct {
	t   *testing.T
	api string // http://host:port
}

func (rt *runtimeClient) do(method, path string, body io.Reader, hdr map[string]string) (int, http.Header, string) {
	rt.t.Helper()
	req, err := http.NewRequest(method, rt.api+path, body)
	noErr(rt.t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		rt.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	noErr(rt.t, err)
	return resp.StatusCode, resp.Header, string(b)
}

func (rt *runtimeClient) status(method, path string) int {
	rt.t.Helper()
	status, _, _ := rt.do(method, path, nil, nil)
	return status
}

// expect makes a request and checks its status and that its body contains want.
func (rt *runtimeClient) expect(method, path string, body io.Reader, hdr map[string]string, status int, want string) (http.Header, string) {
	rt.t.Helper()
	got, h, b := rt.do(method, path, body, hdr)
	if got != status || !strings.Contains(b, want) {
		rt.t.Fatalf("%s %s: %d %q, want %d with %q", method, path, got, b, status, want)
	}
	return h, b
}

// junk writes bytes that are not HTTP to the Runtime API: it answers 400 and closes.
func (rt *runtimeClient) junk() {
	rt.t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(rt.api, "http://"), 5*time.Second)
	noErr(rt.t, err)
	defer conn.Close()
	noErr(rt.t, conn.SetDeadline(time.Now().Add(5*time.Second)))
	_, err = conn.Write([]byte("\x00\x01garbage\r\n\r\n"))
	noErr(rt.t, err)
	b, _ := io.ReadAll(conn)
	if !strings.HasPrefix(string(b), "HTTP/1.1 400") {
		rt.t.Fatalf("junk got %q", b)
	}
}

// The AWS CLI (botocore) invokes functions: results, function errors, unknown functions.
func TestLambdaAWSCLI(t *testing.T) {
	srv, url, _ := startLambda(t)
	srv.RegisterHandler("cli", func(_ context.Context, p []byte) ([]byte, error) {
		if strings.Contains(string(p), "fail") {
			return nil, errors.New("cli failure")
		}
		return p, nil
	}, emulator.FunctionConfig{})
	cli := newAWSCLIAt(t, url)
	dir := t.TempDir()
	run := func(payload string) (map[string]any, string) {
		t.Helper()
		outFile := filepath.Join(dir, "out.json")
		stdout, err := cli.runService("lambda", "invoke", "--function-name", "cli", "--cli-binary-format", "raw-in-base64-out",
			"--payload", payload, outFile)
		noErr(t, err)
		var meta map[string]any
		noErr(t, json.Unmarshal(stdout, &meta))
		result, err := os.ReadFile(outFile)
		noErr(t, err)
		return meta, string(result)
	}
	meta, result := run(`{"hello":"cli"}`)
	if meta["StatusCode"] != float64(200) || meta["ExecutedVersion"] != "$LATEST" || meta["FunctionError"] != nil || result != `{"hello":"cli"}` {
		t.Fatalf("aws lambda invoke: %v %s", meta, result)
	}
	meta, result = run(`{"fail":true}`)
	if meta["FunctionError"] != "Unhandled" || result != `{"errorMessage":"cli failure","errorType":"errorString"}` {
		t.Fatalf("aws lambda invoke of a failing function: %v %s", meta, result)
	}
	_, err := cli.runService("lambda", "invoke", "--function-name", "missing", filepath.Join(dir, "x.json"))
	if err := cliWantError(err, "ResourceNotFoundException"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(err.Error(), "Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing") {
		t.Fatalf("aws lambda invoke of a missing function: %v", err)
	}
}
