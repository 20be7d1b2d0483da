package sshkey_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"golang.org/x/crypto/ssh"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/sshkey"
)

// bootstrapDir holds the bootstrap built once per test process.
var bootstrapDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if bootstrapDir != "" {
		os.RemoveAll(bootstrapDir)
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// bootstrap builds ./lambda as a provided.al2023 bootstrap, once per test process.
func bootstrap(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("the go command is needed to build the bootstrap: %w", err)
			return
		}
		if bootstrapDir, err = os.MkdirTemp("", "sshkey-bootstrap-"); err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(bootstrapDir, "bootstrap")
		cmd := exec.Command(goBin, "build", "-tags", "lambda.norpc", "-o", buildPath, "./lambda")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./lambda: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return buildPath
}

// key is a test key pair.
type key struct {
	signer ssh.Signer
	pem    string
}

func newKey(tb testing.TB) key {
	tb.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		tb.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		tb.Fatal(err)
	}
	return key{signer: s, pem: string(pem.EncodeToMemory(block))}
}

func keyFromPEM(tb testing.TB, p string) key {
	tb.Helper()
	s, err := ssh.ParsePrivateKey([]byte(p))
	if err != nil {
		tb.Fatalf("parse private key: %v", err)
	}
	return key{signer: s, pem: p}
}

// line is the key's authorized_keys line, without newline.
func (k key) line(comment string) string {
	l := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k.signer.PublicKey())))
	if comment != "" {
		l += " " + comment
	}
	return l
}

// fleet is a set of sshd servers for the test user, each with its own authorized_keys.
type fleet struct {
	tb      testing.TB
	servers []*testenv.SSHD
	master  key // root's key, when started with a master
}

// startFleet starts n sshd servers whose authorized_keys hold authorizedKeys (mode
// 0640). withMaster also lets root log in with a key of its own (alternating mode).
func startFleet(tb testing.TB, n int, authorizedKeys []byte, withMaster bool) *fleet {
	tb.Helper()
	f := &fleet{tb: tb}
	var config []string
	if withMaster {
		f.master = newKey(tb)
		rootKeys := filepath.Join(tb.TempDir(), "root_authorized_keys")
		if err := os.WriteFile(rootKeys, []byte(f.master.line("master")+"\n"), 0o600); err != nil {
			tb.Fatal(err)
		}
		config = []string{"AllowUsers root", "Match User root", "\tPermitRootLogin prohibit-password", "\tAuthorizedKeysFile " + rootKeys}
	}
	for range n {
		s := testenv.StartSSHD(tb, testenv.SSHDOptions{AuthorizedKeys: authorizedKeys, Config: config})
		if !s.IsolatedHome {
			tb.Skip("sshd servers share the test user's home here (no mount namespaces): one secret cannot address their authorized_keys")
		}
		if err := os.Chmod(s.AuthorizedKeysPath, 0o640); err != nil {
			tb.Fatal(err)
		}
		f.servers = append(f.servers, s)
	}
	return f
}

func (f *fleet) hosts() []string {
	var hs []string
	for _, s := range f.servers {
		hs = append(hs, s.Addr())
	}
	return hs
}

func (f *fleet) knownHosts() string {
	var lines []string
	for _, s := range f.servers {
		lines = append(lines, s.KnownHosts())
	}
	return strings.Join(lines, "\n") + "\n"
}

// secret is the JSON of a user secret for the fleet.
func (f *fleet) secret(k key, extra map[string]any) string {
	m := map[string]any{
		"hosts":       f.hosts(),
		"username":    testenv.SSHUser,
		"private_key": k.pem,
		"public_key":  k.line("initial"),
		"known_hosts": f.knownHosts(),
		"note":        "keep me",
	}
	for name, v := range extra {
		if v == nil {
			delete(m, name)
		} else {
			m[name] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		f.tb.Fatal(err)
	}
	return string(b)
}

// masterSecret is the JSON of the master secret: root with the fleet's master key.
func (f *fleet) masterSecret(extra map[string]any) string {
	m := map[string]any{"username": "root", "private_key": f.master.pem}
	for name, v := range extra {
		m[name] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// login logs in to s as the test user with k and runs true.
func login(s *testenv.SSHD, k key) error {
	cfg := s.ClientConfig(k.signer)
	c, err := ssh.Dial("tcp", s.Addr(), cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		return err
	}
	defer sess.Close()
	return sess.Run("true")
}

// assertLogin checks that k works (or not) on every server.
func (f *fleet) assertLogin(what string, k key, works bool) {
	f.tb.Helper()
	for i, s := range f.servers {
		err := login(s, k)
		if works && err != nil {
			f.tb.Errorf("%s: host %d (%s) refuses the key: %v", what, i+1, s.Addr(), err)
		}
		if !works && err == nil {
			f.tb.Errorf("%s: host %d (%s) still accepts the key", what, i+1, s.Addr())
		}
	}
}

// fileState is an authorized_keys file as the host sees it.
type fileState struct {
	data  string
	mode  os.FileMode
	uid   uint32
	inode uint64
	mtime time.Time
}

func (f *fleet) file(i int) fileState {
	f.tb.Helper()
	s := f.servers[i]
	data, err := s.ReadAuthorizedKeys()
	if err != nil {
		f.tb.Fatal(err)
	}
	fi, err := os.Stat(s.AuthorizedKeysPath)
	if err != nil {
		f.tb.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return fileState{data: string(data), mode: fi.Mode().Perm(), uid: st.Uid, inode: st.Ino, mtime: fi.ModTime()}
}

// env is an emulator with the SSH key rotator registered as "rotator".
type env struct {
	t     testing.TB
	srv   *emulator.Server
	url   string
	ctl   *emulator.Control
	sm    *secretsmanager.Client
	fnARN string
	logs  *syncBuffer // the in-process engine's log
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	srv, err := emulator.New(emulator.Options{})
	if err != nil {
		tb.Fatalf("emulator.New: %v", err)
	}
	hs := httptest.NewServer(srv)
	srv.SetEndpoint(hs.URL)
	tb.Cleanup(func() {
		hs.Close()
		if err := srv.Close(); err != nil {
			tb.Errorf("emulator Close: %v", err)
		}
	})
	return &env{t: tb, srv: srv, url: hs.URL, ctl: emulator.NewControl(hs.URL), sm: smClient(hs.URL, 1), logs: &syncBuffer{}}
}

// smClient is an SDK client for the emulator; with attempts > 1 it retries at once.
func smClient(url string, attempts int) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
			o.RateLimiter = ratelimit.None
		}),
	})
}

// engine returns an engine for the rotator logging JSON to e.logs.
func (e *env) engine(opts sshkey.Options) *rotation.Engine {
	return rotation.New(sshkey.New(opts),
		rotation.WithClient(smClient(e.url, 3)),
		rotation.WithLogger(slog.New(slog.NewJSONHandler(e.logs, nil))))
}

// inProcess registers the rotator in-process; wrap, when given, stands between the
// emulator and the engine (to inject faults or retry steps).
func (e *env) inProcess(opts sshkey.Options, wrap func(step string, payload []byte, invoke func() error) error) *rotation.Engine {
	eng := e.engine(opts)
	h := eng.Invoke
	if wrap != nil {
		h = func(ctx context.Context, payload []byte) ([]byte, error) {
			var ev rotation.Event
			if err := json.Unmarshal(payload, &ev); err != nil {
				return nil, err
			}
			return nil, wrap(string(ev.Step), payload, func() error { _, err := eng.Invoke(ctx, payload); return err })
		}
	}
	e.fnARN = e.srv.RegisterHandler("rotator", h, emulator.FunctionConfig{Timeout: 60 * time.Second})
	return eng
}

// executable registers the built bootstrap with the environment variables.
func (e *env) executable(vars map[string]string) {
	e.t.Helper()
	arn, err := e.srv.RegisterExecutable("rotator", bootstrap(e.t), emulator.FunctionConfig{Timeout: 60 * time.Second, Env: vars})
	if err != nil {
		e.t.Fatal(err)
	}
	e.fnARN = arn
}

func (e *env) createSecret(name, value string) string {
	e.t.Helper()
	out, err := e.sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
	if err != nil {
		e.t.Fatalf("CreateSecret %s: %v", name, err)
	}
	return aws.ToString(out.ARN)
}

// rotate starts a rotation and waits until n rotations of arn finished; it returns the last.
func (e *env) rotate(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	_, err := e.sm.RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{
		SecretId: aws.String(arn), RotationLambdaARN: aws.String(e.fnARN),
		RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)},
	})
	if err != nil {
		e.t.Fatalf("RotateSecret: %v", err)
	}
	return e.wait(arn, n)
}

// rotateAgain is the next rotation after a failure: Secrets Manager reattempts a rotation
// left in progress with the same token when the schedule comes (the emulator when its
// clock passes the date); otherwise a new RotateSecret.
func (e *env) rotateAgain(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	stages := e.stages(arn)
	if p := holder(stages, rotation.StagePending); p != "" && p != holder(stages, rotation.StageCurrent) {
		if err := e.ctl.AdvanceClock(context.Background(), 31*24*time.Hour); err != nil {
			e.t.Fatal(err)
		}
		rec := e.wait(arn, n)
		if rec.Token != p {
			e.t.Errorf("reattempt used token %s, want the pending %s", rec.Token, p)
		}
		return rec
	}
	return e.rotate(arn, n)
}

func (e *env) wait(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	recs, err := e.ctl.WaitRotations(ctx, arn, n)
	if err != nil {
		e.t.Fatal(err)
	}
	return recs[n-1]
}

func (e *env) stages(arn string) map[string][]string {
	e.t.Helper()
	d, err := e.sm.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)})
	if err != nil {
		e.t.Fatalf("DescribeSecret: %v", err)
	}
	return d.VersionIdsToStages
}

func holder(stages map[string][]string, label string) string {
	for id, st := range stages {
		if slices.Contains(st, label) {
			return id
		}
	}
	return ""
}

// value returns the secret at a stage as a map of strings (non-strings as JSON).
func (e *env) value(arn, stage string) map[string]string {
	e.t.Helper()
	out, err := e.sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn), VersionStage: aws.String(stage)})
	if err != nil {
		e.t.Fatalf("GetSecretValue %s: %v", stage, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &m); err != nil {
		e.t.Fatal(err)
	}
	res := map[string]string{}
	for k, v := range m {
		var s string
		if json.Unmarshal(v, &s) == nil {
			res[k] = s
		} else {
			res[k] = string(v)
		}
	}
	return res
}

// currentKey is the AWSCURRENT private key.
func (e *env) currentKey(arn string) key {
	e.t.Helper()
	return keyFromPEM(e.t, e.value(arn, rotation.StageCurrent)["private_key"])
}

// allLogs is the in-process log and the executable's output.
func (e *env) allLogs() string { return e.logs.String() + e.srv.FunctionLogs("rotator") }

// assertNoPrivateKey fails if logs hold any part of a private key: the PEM whole, or any
// of its base64 lines.
func assertNoPrivateKey(tb testing.TB, logs string, keys ...key) {
	tb.Helper()
	if logs == "" {
		tb.Error("no logs to check")
	}
	for _, k := range keys {
		if k.pem == "" {
			continue
		}
		if strings.Contains(logs, k.pem) || strings.Contains(logs, strings.ReplaceAll(k.pem, "\n", `\n`)) {
			tb.Errorf("logs hold a private key")
		}
		for _, l := range strings.Split(k.pem, "\n") {
			if len(l) >= 16 && !strings.HasPrefix(l, "-----") && strings.Contains(logs, l) {
				tb.Errorf("logs hold a line of a private key: %s...", l[:8])
			}
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
