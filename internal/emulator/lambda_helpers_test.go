package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go/middleware"

	// The function testdata/lambda/echo loads its AWS configuration with this module; go mod
	// tidy does not look into testdata, so this import keeps the module in go.mod.
	_ "github.com/aws/aws-sdk-go-v2/config"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// builtBinary is a program the tests build once per test process.
type builtBinary struct {
	once sync.Once
	path string
	err  error
}

// lambdaBuilds holds the programs built for the Lambda tests, in a directory that TestMain
// removes when the tests end.
var lambdaBuilds struct {
	dirOnce sync.Once
	dir     string
	dirErr  error

	echo    builtBinary // testdata/lambda/echo, a Go function using aws-lambda-go
	rotator builtBinary // testdata/lambda/rotator, a rotation function using aws-lambda-go
	rie     builtBinary // AWS's aws-lambda-rie, from the module cache
}

func TestMain(m *testing.M) {
	code := m.Run()
	if lambdaBuilds.dir != "" {
		_ = os.RemoveAll(lambdaBuilds.dir)
	}
	os.Exit(code)
}

func buildDir() (string, error) {
	lambdaBuilds.dirOnce.Do(func() {
		lambdaBuilds.dir, lambdaBuilds.dirErr = os.MkdirTemp("", "emulator-lambda-test-")
	})
	return lambdaBuilds.dir, lambdaBuilds.dirErr
}

// goCommand returns the go command, or skips the test when there is none.
func goCommand(t testing.TB) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("building the test functions needs the go command: %v", err)
	}
	return goBin
}

// echoBootstrap returns the path of the echo function, built once with
// `go build -tags lambda.norpc` as a provided.al2023 bootstrap.
func echoBootstrap(t testing.TB) string {
	t.Helper()
	return goBootstrap(t, &lambdaBuilds.echo, "echo")
}

// rotatorBootstrap returns the path of the rotator function, built like echoBootstrap.
func rotatorBootstrap(t testing.TB) string {
	t.Helper()
	return goBootstrap(t, &lambdaBuilds.rotator, "rotator")
}

// goBootstrap builds testdata/lambda/<name> once per test process.
func goBootstrap(t testing.TB, b *builtBinary, name string) string {
	t.Helper()
	goBin := goCommand(t)
	b.once.Do(func() {
		dir, err := buildDir()
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, name, "bootstrap")
		cmd := exec.Command(goBin, "build", "-tags", "lambda.norpc", "-o", b.path, "./testdata/lambda/"+name)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build testdata/lambda/%s: %w\n%s", name, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// copyBootstrap copies a script from testdata/lambda into a new directory as an executable
// named bootstrap, and returns its path.
func copyBootstrap(t *testing.T, name string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "lambda", name, "bootstrap"))
	noErr(t, err)
	path := filepath.Join(t.TempDir(), "bootstrap")
	noErr(t, os.WriteFile(path, src, 0o755))
	return path
}

// lambdaClient is a real SDK Lambda client for the emulator at url, without retries.
func lambdaClient(url, region string) *lambda.Client {
	return lambda.New(lambda.Options{
		Region:           region,
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RetryMaxAttempts: 1,
	})
}

// startLambda starts an emulator that knows its endpoint, with a us-east-1 Lambda client.
func startLambda(t *testing.T) (*emulator.Server, string, *lambda.Client) {
	t.Helper()
	srv, url := startEmulator(t, emulator.Options{})
	srv.SetEndpoint(url)
	return srv, url, lambdaClient(url, "us-east-1")
}

// invoke calls Invoke synchronously through the SDK and fails the test on an API error.
func invoke(t *testing.T, c *lambda.Client, function string, payload any) *lambda.InvokeOutput {
	t.Helper()
	out, err := c.Invoke(context.Background(), &lambda.InvokeInput{
		FunctionName: aws.String(function),
		Payload:      jsonBytes(t, payload),
		LogType:      types.LogTypeTail,
	})
	if err != nil {
		t.Fatalf("Invoke %s: %v", function, err)
	}
	if out.StatusCode != 200 {
		t.Fatalf("Invoke %s: status %d", function, out.StatusCode)
	}
	if v := aws.ToString(out.ExecutedVersion); v != "$LATEST" {
		t.Fatalf("Invoke %s: X-Amz-Executed-Version %q", function, v)
	}
	return out
}

func jsonBytes(t testing.TB, v any) []byte {
	t.Helper()
	if b, ok := v.([]byte); ok {
		return b
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// functionError decodes the error document of a failed invocation, which must be one.
func functionError(t *testing.T, out *lambda.InvokeOutput) messages.InvokeResponse_Error {
	t.Helper()
	if aws.ToString(out.FunctionError) != "Unhandled" {
		t.Fatalf("want FunctionError Unhandled, got %q with payload %s", aws.ToString(out.FunctionError), out.Payload)
	}
	var e messages.InvokeResponse_Error
	if err := json.Unmarshal(out.Payload, &e); err != nil {
		t.Fatalf("error payload %s: %v", out.Payload, err)
	}
	return e
}

// succeeded fails the test unless the invocation succeeded, and returns its payload.
func succeeded(t *testing.T, out *lambda.InvokeOutput) []byte {
	t.Helper()
	if out.FunctionError != nil {
		t.Fatalf("function failed (%s): %s", *out.FunctionError, out.Payload)
	}
	return out.Payload
}

// requestID is the X-Amzn-Requestid of a response.
func requestID(md middleware.Metadata) string {
	id, _ := awsmiddleware.GetRequestIDMetadata(md)
	return id
}

// echoInfo is what the echo function's "info" action returns.
type echoInfo struct {
	PID          int               `json:"pid"`
	Env          map[string]string `json:"env"`
	RequestID    string            `json:"requestId"`
	FunctionARN  string            `json:"functionArn"`
	DeadlineMs   int64             `json:"deadlineMs"`
	Cwd          string            `json:"cwd"`
	TraceID      string            `json:"traceId"`
	ClientCustom map[string]string `json:"clientCustom"`
}

func invokeInfo(t *testing.T, c *lambda.Client, function string, env ...string) (echoInfo, *lambda.InvokeOutput) {
	t.Helper()
	out := invoke(t, c, function, map[string]any{"action": "info", "env": env})
	var info echoInfo
	if err := json.Unmarshal(succeeded(t, out), &info); err != nil {
		t.Fatalf("info payload %s: %v", out.Payload, err)
	}
	return info, out
}

// processGone reports whether pid no longer runs (a zombie waiting for init counts as gone).
func processGone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && len(b) > i+2 && (b[i+2] == 'Z' || b[i+2] == 'X')
}

// waitGone fails the test unless every pid has gone within d.
func waitGone(t *testing.T, d time.Duration, pids ...int) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	deadline := time.Now().Add(d)
	for _, pid := range pids {
		for !processGone(pid) {
			if time.Now().After(deadline) {
				cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
				t.Fatalf("process %d (%s) still runs", pid, bytes.ReplaceAll(cmd, []byte{0}, []byte{' '}))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// logPID finds "<prefix><pid>" in a function's logs.
func logPID(t *testing.T, logs, prefix string) int {
	t.Helper()
	for line := range strings.Lines(logs) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), prefix); ok {
			if pid, err := strconv.Atoi(rest); err == nil {
				return pid
			}
		}
	}
	t.Fatalf("no %q line in the function's logs:\n%s", prefix, logs)
	return 0
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
