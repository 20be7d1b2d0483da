package secretcachetest

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
)

const agentPkg = "github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache/cmd/secretcache-agent"

// buildLayer runs the packaging step of `make package` for the extension layer and unpacks
// the zip for this machine's architecture, as Lambda unpacks a layer under /opt. It returns
// the path of extensions/secretcache-agent.
func buildLayer(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	arch := goarch(t)
	// This machine's architecture only: the cross-compiled zip differs in GOARCH alone.
	cmd := exec.Command("go", "run", "./internal/tools/lambdapack", "-out", out, "-goarch", arch, "-extension", "secretcache-extension="+agentPkg)
	cmd.Dir = filepath.Join("..", "..")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lambdapack: %v\n%s", err, b)
	}
	name := map[string]string{"arm64": "secretcache-extension.zip", "amd64": "secretcache-extension-x86_64.zip"}[arch]
	zr, err := zip.OpenReader(filepath.Join(out, name))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	opt := t.TempDir()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(opt, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		w, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, f.Mode().Perm())
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(w, rc)
		rc.Close()
		if cerr := w.Close(); err != nil || cerr != nil {
			t.Fatal(err, cerr)
		}
	}
	if strings.Join(names, ",") != "extensions/,extensions/secretcache-agent" {
		t.Fatalf("%s holds %q, want extensions/secretcache-agent", name, names)
	}
	return filepath.Join(opt, "extensions", "secretcache-agent")
}

func goarch(t *testing.T) string {
	t.Helper()
	b, err := exec.Command("go", "env", "GOARCH").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// buildReader builds the test function that reads a secret through the extension.
func buildReader(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bin, "./testdata/extreader")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build extreader: %v\n%s", err, b)
	}
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

type readerResult struct {
	Status    int    `json:"status"`
	Body      string `json:"body"`
	Stale     string `json:"stale"`
	Confirmed string `json:"confirmed"`
}

// A function reads a secret through the packaged extension layer, started by the
// emulator's Extensions API with the function's environment (the SSRF token is Lambda's
// AWS_SESSION_TOKEN). The secret rotates; once the configured TTL has passed since the
// rotation finished, the function sees the new value, however slow the machine: the agent
// never serves a value confirmed longer ago than the TTL.
func TestLambdaExtension(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the extension layer and a function; skipped with -short")
	}
	layer := buildLayer(t)
	reader := buildReader(t)

	k := emulatortest.Start(t)
	logs := emulatortest.NewLogBuffer(t)
	rot := &rotator{c: k.SM, hold: map[string]chan struct{}{}, reached: map[string]chan struct{}{}}
	rotARN := k.Register("rotator", rot.handle, emulator.FunctionConfig{Timeout: 30 * time.Second})
	arn := k.CreateSecret("app/db", "initial-s3cret")
	logs.Forbid("initial-s3cret")

	const ttl = 2 * time.Second
	port := freePort(t)
	k.RegisterExecutable("reader", reader, emulator.FunctionConfig{
		Timeout:    60 * time.Second,
		Extensions: []string{layer},
		Env: map[string]string{
			"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": strconv.Itoa(port),
			"SECRETS_MANAGER_TTL":                    strconv.Itoa(int(ttl / time.Second)),
			"PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL": "debug",
			"AWS_CONFIG_FILE":                        "/dev/null",
			"AWS_SHARED_CREDENTIALS_FILE":            "/dev/null",
			"AWS_EC2_METADATA_DISABLED":              "true",
		},
	})
	lc := lambda.NewFromConfig(k.AWSConfig(1))
	invoke := func() readerResult {
		t.Helper()
		out, err := lc.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("reader"), Payload: []byte(`{"secretId":"app/db"}`)})
		if err != nil {
			t.Fatalf("Invoke: %v", err)
		}
		if out.FunctionError != nil {
			t.Fatalf("function error %s: %s\nlogs:\n%s", *out.FunctionError, out.Payload, k.Server.FunctionLogs("reader"))
		}
		var r readerResult
		if err := json.Unmarshal(out.Payload, &r); err != nil {
			t.Fatalf("payload %s: %v", out.Payload, err)
		}
		if r.Status != 200 {
			t.Fatalf("the extension answered %d %s", r.Status, r.Body)
		}
		return r
	}
	secretString := func(r readerResult) string {
		var v struct{ SecretString string }
		if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
			t.Fatalf("body %q: %v", r.Body, err)
		}
		return v.SecretString
	}

	if got := secretString(invoke()); got != "initial-s3cret" {
		t.Fatalf("first read: %q", got)
	}
	before := k.Calls()
	for range 5 {
		if got := secretString(invoke()); got != "initial-s3cret" && !strings.HasPrefix(got, "rotated-") {
			t.Fatalf("read: %q", got)
		}
	}
	rec := k.MustRotate(arn, rotARN)
	rotated := time.Now()
	want := pendingValue(rec.Token)
	logs.Forbid(want)
	// Reads right after the rotation may still get the old value (it was confirmed within
	// the TTL); once the TTL has passed, only the new one.
	time.Sleep(time.Until(rotated.Add(ttl + 100*time.Millisecond)))
	r := invoke()
	if got := secretString(r); got != want {
		t.Fatalf("%s after the rotation (TTL %s): %q, want the rotated value; confirmed %s", time.Since(rotated), ttl, got, r.Confirmed)
	}
	after := k.Calls()
	t.Logf("extension: %d GetSecretValue and %d DescribeSecret calls for 5 warm reads and the rotation",
		after["secretsmanager.GetSecretValue"]-before["secretsmanager.GetSecretValue"], after["secretsmanager.DescribeSecret"]-before["secretsmanager.DescribeSecret"])

	fl := k.Server.FunctionLogs("reader")
	fmt.Fprint(logs, fl)
	for _, want := range []string{`"msg":"listening"`, `"extension":true`} {
		if !strings.Contains(fl, want) {
			t.Fatalf("the extension's logs lack %s:\n%s", want, fl)
		}
	}
}
