package emulator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// In-process handlers: the Invoke API's names, ARNs, invocation types and errors.
func TestLambdaInProcessHandler(t *testing.T) {
	srv, url, c := startLambda(t)
	ctx := context.Background()
	var events atomic.Int32
	arn := srv.RegisterHandler("inproc", func(ctx context.Context, payload []byte) ([]byte, error) {
		var in struct {
			Action string `json:"action"`
		}
		_ = json.Unmarshal(payload, &in)
		switch in.Action {
		case "fail":
			return nil, errors.New("it failed")
		case "panic":
			panic("handler panic")
		case "hang":
			<-ctx.Done()
			return nil, ctx.Err()
		case "event":
			events.Add(1)
		}
		return payload, nil
	}, emulator.FunctionConfig{Timeout: 300 * time.Millisecond})
	if want := "arn:aws:lambda:us-east-1:123456789012:function:inproc"; arn != want {
		t.Fatalf("ARN %s, want %s", arn, want)
	}

	for _, ref := range []string{"inproc", arn, "123456789012:function:inproc", "inproc:$LATEST", arn + ":$LATEST"} {
		out := invoke(t, c, ref, map[string]string{"action": "echo", "ref": ref})
		if got, want := string(succeeded(t, out)), fmt.Sprintf(`{"action":"echo","ref":%q}`, ref); got != want {
			t.Fatalf("invoke %s: payload %s, want %s", ref, got, want)
		}
		if id := requestID(out.ResultMetadata); id == "" {
			t.Fatalf("invoke %s: no request id", ref)
		}
	}
	// The log tail holds the invocation's START, END and REPORT lines.
	out := invoke(t, c, "inproc", map[string]string{"action": "echo"})
	tail, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	noErr(t, err)
	id := requestID(out.ResultMetadata)
	for _, want := range []string{"START RequestId: " + id + " Version: $LATEST", "END RequestId: " + id, "REPORT RequestId: " + id} {
		if !strings.Contains(string(tail), want) {
			t.Fatalf("log tail lacks %q:\n%s", want, tail)
		}
	}

	if e := functionError(t, invoke(t, c, "inproc", map[string]string{"action": "fail"})); e.Message != "it failed" || e.Type != "errorString" {
		t.Fatalf("error document %+v", e)
	}
	if e := functionError(t, invoke(t, c, "inproc", map[string]string{"action": "panic"})); e.Message != "handler panic" || e.Type != "string" {
		t.Fatalf("panic document %+v", e)
	}
	start := time.Now()
	out = invoke(t, c, "inproc", map[string]string{"action": "hang"})
	if e := functionError(t, out); e.Type != "Sandbox.Timedout" || !strings.HasSuffix(e.Message, "Error: Task timed out after 0.30 seconds") {
		t.Fatalf("timeout document %+v", e)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a 300 ms timeout took %v", d)
	}

	// DryRun checks and runs nothing; Event runs in the background.
	dry := must(c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inproc"), InvocationType: types.InvocationTypeDryRun,
		Payload: []byte(`{"action":"event"}`)}))(t)
	if dry.StatusCode != 204 {
		t.Fatalf("DryRun status %d", dry.StatusCode)
	}
	ev := must(c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inproc"), InvocationType: types.InvocationTypeEvent,
		Payload: []byte(`{"action":"event"}`)}))(t)
	if ev.StatusCode != 202 || len(ev.Payload) != 0 {
		t.Fatalf("Event status %d payload %q", ev.StatusCode, ev.Payload)
	}
	waitFor(t, 5*time.Second, "the Event invocation", func() bool { return events.Load() == 1 })

	// Errors of the API itself.
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope")
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Fatalf("want a typed ResourceNotFoundException, got %T", err)
	}
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inproc"), Qualifier: aws.String("7")})
	wantAPIError(t, err, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:123456789012:function:inproc:7")
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inproc:1"), Qualifier: aws.String("2")})
	wantAPIError(t, err, "InvalidParameterValueException", "derived qualifier")
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("arn:aws:lambda:us-west-2:123456789012:function:inproc")})
	wantAPIError(t, err, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-west-2:123456789012:function:inproc")
	_, err = lambdaClient(url, "eu-west-1").Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inproc")})
	wantAPIError(t, err, "ResourceNotFoundException", "Function not found: arn:aws:lambda:eu-west-1:123456789012:function:inproc")
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("bad name!")})
	wantAPIError(t, err, "ValidationException", "failed to satisfy constraint: Member must satisfy regular expression pattern")
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inproc"), Payload: []byte("not json")})
	wantAPIError(t, err, "InvalidRequestContentException", "Could not parse request body into json")
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inproc"), Payload: make([]byte, 6*1024*1024+1)})
	wantAPIError(t, err, "RequestEntityTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
	_, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inproc"), InvocationType: types.InvocationTypeEvent,
		Payload: []byte(`"` + strings.Repeat("x", 1024*1024) + `"`)})
	wantAPIError(t, err, "RequestEntityTooLargeException", "Request must be smaller than 1048576 bytes")

	// A function registered in another region is found there only.
	west := srv.RegisterHandler("inproc", func(context.Context, []byte) ([]byte, error) { return []byte(`"west"`), nil },
		emulator.FunctionConfig{Region: "us-west-2"})
	if got := string(succeeded(t, invoke(t, lambdaClient(url, "us-west-2"), west, nil))); got != `"west"` {
		t.Fatalf("us-west-2 function answered %s", got)
	}
	if !strings.Contains(srv.FunctionLogs("inproc"), "START RequestId") {
		t.Fatalf("FunctionLogs has no invocation lines")
	}
}

// The control API counts Lambda invocations and can make them fail.
func TestLambdaControlFaults(t *testing.T) {
	srv, url, c := startLambda(t)
	ctx := context.Background()
	srv.RegisterHandler("f", func(_ context.Context, p []byte) ([]byte, error) { return p, nil }, emulator.FunctionConfig{})
	ctl := emulator.NewControl(url)
	noErr(t, ctl.InjectFault(ctx, emulator.Fault{Operation: "lambda.Invoke", ErrorCode: "TooManyRequestsException", Message: "Rate exceeded", Status: 429}))
	_, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("f")})
	wantAPIError(t, err, "TooManyRequestsException", "Rate exceeded")
	invoke(t, c, "f", map[string]int{"n": 1})
	calls := must(ctl.Calls(ctx))(t)
	if calls["lambda.Invoke"] != 2 {
		t.Fatalf("lambda.Invoke counted %d times, want 2: %v", calls["lambda.Invoke"], calls)
	}
}

// An executable runs as a provided.al2023 function: environment, context, warm reuse, and
// calls back to the emulator with the AWS SDK.
func TestLambdaExecutableEnvironment(t *testing.T) {
	bin := echoBootstrap(t)
	srv, url, c := startLambda(t)
	arn, err := srv.RegisterExecutable("echo", bin, emulator.FunctionConfig{Timeout: 10 * time.Second, Env: map[string]string{"EXTRA": "yes"}})
	noErr(t, err)

	vars := []string{"AWS_LAMBDA_RUNTIME_API", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
		"AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "LAMBDA_TASK_ROOT", "_HANDLER", "TZ", "PATH",
		"AWS_ENDPOINT_URL", "SECRETS_MANAGER_ENDPOINT", "EXTRA", "HOME", "GOFLAGS"}
	before := time.Now()
	info, out := invokeInfo(t, c, "echo", vars...)
	env := info.Env
	for k, want := range map[string]string{
		"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": "echo",
		"AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
		"AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/echo", "LAMBDA_TASK_ROOT": filepath.Dir(bin), "_HANDLER": "bootstrap",
		"TZ": ":UTC", "AWS_ENDPOINT_URL": url, "SECRETS_MANAGER_ENDPOINT": url, "EXTRA": "yes",
		"HOME": "<unset>", "GOFLAGS": "<unset>", // a clean environment, not the emulator's
	} {
		if env[k] != want {
			t.Errorf("%s=%q, want %q", k, env[k], want)
		}
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "PATH"} {
		if env[k] == "" || env[k] == "<unset>" {
			t.Errorf("%s is not set", k)
		}
	}
	if !strings.HasPrefix(env["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:") {
		t.Errorf("AWS_LAMBDA_RUNTIME_API=%q", env["AWS_LAMBDA_RUNTIME_API"])
	}
	if !strings.Contains(env["AWS_LAMBDA_LOG_STREAM_NAME"], "/[$LATEST]") {
		t.Errorf("AWS_LAMBDA_LOG_STREAM_NAME=%q", env["AWS_LAMBDA_LOG_STREAM_NAME"])
	}
	if id := requestID(out.ResultMetadata); info.RequestID != id {
		t.Errorf("the function saw request id %q, the caller %q", info.RequestID, id)
	}
	if info.FunctionARN != arn || info.Cwd != filepath.Dir(bin) || !strings.HasPrefix(info.TraceID, "Root=1-") {
		t.Errorf("context: %+v", info)
	}
	deadline := time.UnixMilli(info.DeadlineMs)
	if deadline.Before(before.Add(9*time.Second)) || deadline.After(time.Now().Add(10*time.Second)) {
		t.Errorf("deadline %v is not 10 s after the invocation began at %v", deadline, before)
	}

	// Warm: the same process answers the next invocations, which are not cold starts.
	for range 3 {
		again, _ := invokeInfo(t, c, arn)
		if again.PID != info.PID {
			t.Fatalf("a warm invocation ran in process %d, the first in %d", again.PID, info.PID)
		}
	}
	// Invocations that arrive together wait for the one execution environment, in turn.
	pids := make(chan int, 4)
	for range cap(pids) {
		go func() {
			out, err := c.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(`{"action":"info"}`)})
			var info echoInfo
			if err == nil && out.FunctionError == nil && json.Unmarshal(out.Payload, &info) == nil {
				pids <- info.PID
				return
			}
			pids <- -1
		}()
	}
	for range cap(pids) {
		if pid := <-pids; pid != info.PID {
			t.Fatalf("a concurrent invocation ran in process %d, not %d", pid, info.PID)
		}
	}
	if logs := srv.FunctionLogs("echo"); strings.Count(logs, "Init Duration") != 1 {
		t.Fatalf("want one cold start in the REPORT lines:\n%s", logs)
	}

	// The function reads a secret through the emulator with the AWS SDK and the environment.
	sm := smClient(url, "us-east-1")
	created := must(sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String("db"), SecretString: aws.String("hunter2")}))(t)
	var got struct {
		SecretString string `json:"secretString"`
		VersionID    string `json:"versionId"`
	}
	noErr(t, json.Unmarshal(succeeded(t, invoke(t, c, "echo", map[string]string{"action": "getSecret", "secretId": "db"})), &got))
	if got.SecretString != "hunter2" || got.VersionID != aws.ToString(created.VersionId) {
		t.Fatalf("the function read %+v", got)
	}

	// Event: 202 now, the invocation runs in the background.
	ev := must(c.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("echo"),
		InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"action":"echo"}`)}))(t)
	if ev.StatusCode != 202 {
		t.Fatalf("Event status %d", ev.StatusCode)
	}
	evID := requestID(ev.ResultMetadata)
	waitFor(t, 10*time.Second, "the Event invocation to end", func() bool {
		return strings.Contains(srv.FunctionLogs("echo"), "END RequestId: "+evID)
	})
}

// Function errors, panics, crashes and timeouts give the failure Lambda records; the process
// is replaced after a crash or a timeout, and kept after a function error.
func TestLambdaExecutableFailures(t *testing.T) {
	bin := echoBootstrap(t)
	srv, _, c := startLambda(t)
	_, err := srv.RegisterExecutable("echo", bin, emulator.FunctionConfig{Timeout: time.Second})
	noErr(t, err)
	first, _ := invokeInfo(t, c, "echo")

	t.Run("error", func(t *testing.T) {
		e := functionError(t, invoke(t, c, "echo", map[string]string{"action": "error", "message": "boom"}))
		if e.Message != "boom" || e.Type != "errorString" {
			t.Fatalf("error document %+v", e)
		}
		e = functionError(t, invoke(t, c, "echo", map[string]string{"action": "typed", "message": "bad input"}))
		if e.Message != "custom: bad input" || e.Type != "CustomError" {
			t.Fatalf("error document %+v", e)
		}
		if info, _ := invokeInfo(t, c, "echo"); info.PID != first.PID {
			t.Fatalf("a function error replaced the process (%d, then %d)", first.PID, info.PID)
		}
	})

	t.Run("panic", func(t *testing.T) {
		before, _ := invokeInfo(t, c, "echo")
		e := functionError(t, invoke(t, c, "echo", map[string]string{"action": "panic", "message": "oops"}))
		if e.Message != "oops" || e.Type != "string" || len(e.StackTrace) == 0 {
			t.Fatalf("panic document %+v", e)
		}
		// aws-lambda-go exits after reporting a panic; the next invocation gets a new process.
		after, _ := invokeInfo(t, c, "echo")
		if after.PID == before.PID {
			t.Fatalf("the process that panicked (%d) still answers", before.PID)
		}
		waitGone(t, 2*time.Second, before.PID)
	})

	t.Run("exit", func(t *testing.T) {
		before, _ := invokeInfo(t, c, "echo")
		out := invoke(t, c, "echo", map[string]any{"action": "exit", "code": 3})
		id := requestID(out.ResultMetadata)
		e := functionError(t, out)
		if want := "RequestId: " + id + " Error: Runtime exited with error: exit status 3"; e.Type != "Runtime.ExitError" || e.Message != want {
			t.Fatalf("exit document %+v, want Runtime.ExitError %q", e, want)
		}
		waitGone(t, 2*time.Second, before.PID)
		if after, _ := invokeInfo(t, c, "echo"); after.PID == before.PID {
			t.Fatal("no new process after the crash")
		}
		if !strings.Contains(srv.FunctionLogs("echo"), "exiting with status 3") {
			t.Fatalf("the function's output is not in its logs:\n%s", srv.FunctionLogs("echo"))
		}
	})

	t.Run("timeout", func(t *testing.T) {
		before, _ := invokeInfo(t, c, "echo")
		start := time.Now()
		out := invoke(t, c, "echo", map[string]string{"action": "sleep"})
		elapsed := time.Since(start)
		id := requestID(out.ResultMetadata)
		e := functionError(t, out)
		if want := "RequestId: " + id + " Error: Task timed out after 1.00 seconds"; e.Type != "Sandbox.Timedout" || e.Message != want {
			t.Fatalf("timeout document %+v, want Sandbox.Timedout %q", e, want)
		}
		if elapsed < time.Second || elapsed > 1750*time.Millisecond {
			t.Fatalf("a 1 s timeout answered after %v", elapsed)
		}
		// The whole process group is gone: the bootstrap and the child it started.
		child := logPID(t, srv.FunctionLogs("echo"), "child pid ")
		waitGone(t, time.Second, before.PID, child)
		if !strings.Contains(srv.FunctionLogs("echo"), "Status: timeout") {
			t.Fatalf("no timeout REPORT line:\n%s", srv.FunctionLogs("echo"))
		}
		if after, _ := invokeInfo(t, c, "echo"); after.PID == before.PID {
			t.Fatal("no new process after the timeout")
		}
	})

	t.Run("response too large", func(t *testing.T) {
		// Making and sending 6 MB can take more than a second on a busy machine.
		_, err := srv.RegisterExecutable("big", bin, emulator.FunctionConfig{Timeout: 20 * time.Second})
		noErr(t, err)
		e := functionError(t, invoke(t, c, "big", map[string]any{"action": "big", "size": 6*1024*1024 + 200}))
		if e.Type != "Function.ResponseSizeTooLarge" || !strings.Contains(e.Message, "Response payload size exceeded maximum allowed payload size (6291556 bytes).") {
			t.Fatalf("oversized response document %+v", e)
		}
		succeeded(t, invoke(t, c, "big", map[string]any{"action": "big", "size": 1000}))
	})

	t.Run("not executable", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bootstrap")
		noErr(t, os.WriteFile(path, []byte("#!/bin/sh\n"), 0o644))
		if _, err := srv.RegisterExecutable("noexec", path, emulator.FunctionConfig{}); err == nil {
			t.Fatal("a file without execute permission was registered")
		}
		if _, err := srv.RegisterExecutable("missing", filepath.Join(t.TempDir(), "nothing"), emulator.FunctionConfig{}); err == nil {
			t.Fatal("a missing file was registered")
		}
		// A file that cannot be executed fails the invocation as Lambda reports a bad entry point.
		garbage := filepath.Join(t.TempDir(), "bootstrap")
		noErr(t, os.WriteFile(garbage, []byte("not a program"), 0o755))
		_, err := srv.RegisterExecutable("badexec", garbage, emulator.FunctionConfig{})
		noErr(t, err)
		if e := functionError(t, invoke(t, c, "badexec", nil)); e.Type != "Runtime.InvalidEntrypoint" {
			t.Fatalf("bad entry point document %+v", e)
		}
	})
}

// Runtimes in other languages: bash with curl, and Python's standard library.
func TestLambdaExecutableOtherLanguages(t *testing.T) {
	srv, _, c := startLambda(t)
	for _, tc := range []struct{ lang, needs string }{{"bash", "curl"}, {"python", "python3"}} {
		t.Run(tc.lang, func(t *testing.T) {
			if _, err := os.Stat("/usr/bin/" + tc.needs); err != nil {
				t.Skipf("this runtime needs /usr/bin/%s: %v", tc.needs, err)
			}
			dir := map[string]string{"bash": "shell", "python": "python"}[tc.lang]
			name := tc.lang + "-fn"
			_, err := srv.RegisterExecutable(name, copyBootstrap(t, dir), emulator.FunctionConfig{Timeout: 10 * time.Second,
				Env: map[string]string{"TMPDIR": t.TempDir()}})
			noErr(t, err)
			for i := range 2 {
				out := invoke(t, c, name, map[string]int{"n": i})
				var got struct {
					Language string         `json:"language"`
					Function string         `json:"function"`
					Event    map[string]int `json:"event"`
				}
				noErr(t, json.Unmarshal(succeeded(t, out), &got))
				if got.Language != tc.lang || got.Function != name || got.Event["n"] != i {
					t.Fatalf("%s runtime answered %s", tc.lang, out.Payload)
				}
			}
			if tc.lang == "python" {
				e := functionError(t, invoke(t, c, name, map[string]string{"action": "error", "message": "py fail"}))
				if e.Type != "PythonError" || e.Message != "py fail" {
					t.Fatalf("python error document %+v", e)
				}
			}
			if !strings.Contains(srv.FunctionLogs(name), tc.lang+" runtime: invocation") {
				t.Fatalf("the runtime's output is not in its logs:\n%s", srv.FunctionLogs(name))
			}
		})
	}
}

// Close kills every function process, and the processes they started, and waits for them.
func TestLambdaCloseLeavesNoProcess(t *testing.T) {
	bin := echoBootstrap(t)
	srv, err := emulator.New(emulator.Options{})
	noErr(t, err)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	srv.SetEndpoint(hs.URL)
	c := lambdaClient(hs.URL, "us-east-1")
	var pids []int
	for i := range 3 {
		name := "fn" + strconv.Itoa(i)
		_, err := srv.RegisterExecutable(name, bin, emulator.FunctionConfig{Timeout: time.Minute})
		noErr(t, err)
		info, _ := invokeInfo(t, c, name)
		pids = append(pids, info.PID)
	}
	// fn0 is busy in an Event invocation that has started a child process.
	must(c.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("fn0"),
		InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"action":"sleep"}`)}))(t)
	waitFor(t, 10*time.Second, "the child process", func() bool { return strings.Contains(srv.FunctionLogs("fn0"), "child pid ") })
	pids = append(pids, logPID(t, srv.FunctionLogs("fn0"), "child pid "))

	start := time.Now()
	noErr(t, srv.Close())
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %v", d)
	}
	waitGone(t, time.Second, pids...)
	// A closed server runs nothing more.
	out, err := c.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("fn1")})
	if err == nil && out.FunctionError == nil {
		t.Fatal("a closed emulator still invokes functions")
	}
}
