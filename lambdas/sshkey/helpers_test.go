package sshkey_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation/rotationtest"
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
	tb       testing.TB
	servers  []*testenv.SSHD
	master   key    // root's key, when started with a master
	rootKeys string // root's authorized_keys (with a master), which no rotation may touch
}

// startFleet starts n sshd servers whose authorized_keys hold authorizedKeys (mode
// 0640). withMaster also lets root log in with a key of its own (alternating mode).
func startFleet(tb testing.TB, n int, authorizedKeys []byte, withMaster bool) *fleet {
	tb.Helper()
	f := &fleet{tb: tb}
	var config []string
	if withMaster {
		f.master = newKey(tb)
		rootKeys := filepath.Join(tb.TempDir(), "rootssh", "authorized_keys")
		f.rootKeys = rootKeys
		if err := os.Mkdir(filepath.Dir(rootKeys), 0o700); err != nil {
			tb.Fatal(err)
		}
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

// targets is the allowlist of the fleet: the test user on every host.
func (f *fleet) targets() string {
	t := map[string][]string{}
	for _, h := range f.hosts() {
		t[h] = []string{testenv.SSHUser}
	}
	b, _ := json.Marshal(t)
	return string(b)
}

// vars is the function's environment for the fleet in one strategy.
func (f *fleet) vars(alternating bool) map[string]string {
	if !alternating {
		return map[string]string{sshkey.EnvStrategy: "single"}
	}
	return map[string]string{sshkey.EnvStrategy: "alternating", sshkey.EnvAllowedTargets: f.targets()}
}

// options are the rotator's options for the fleet in one strategy.
func (f *fleet) options(alternating bool) sshkey.Options {
	f.tb.Helper()
	vars := f.vars(alternating)
	o, err := sshkey.OptionsFromEnv(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		f.tb.Fatal(err)
	}
	return o
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

// env is the test kit's emulator with the SSH key rotator registered as "rotator".
type env struct {
	*emulatortest.Env
	t     testing.TB
	fnARN string
	logs  *emulatortest.LogBuffer // the in-process engine's log
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	return &env{Env: emulatortest.Start(tb), t: tb, logs: emulatortest.NewLogBuffer(tb)}
}

// engine returns an engine for the rotator logging JSON to e.logs.
func (e *env) engine(opts sshkey.Options) *rotation.Engine {
	e.t.Helper()
	r, err := sshkey.New(opts)
	if err != nil {
		e.t.Fatalf("sshkey.New: %v", err)
	}
	return rotationtest.Engine(e.Env, r, e.logs, nil)
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
	e.fnARN = e.Register("rotator", h, emulator.FunctionConfig{Timeout: 60 * time.Second})
	return eng
}

// executable registers the built bootstrap with the environment variables.
func (e *env) executable(vars map[string]string) {
	e.fnARN = e.RegisterExecutable("rotator", bootstrap(e.t), emulator.FunctionConfig{Timeout: 60 * time.Second, Env: vars})
}

// rotate starts a rotation and waits until n rotations of arn finished; it returns the last.
func (e *env) rotate(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	if _, err := e.SM.RotateSecret(e.t.Context(), emulatortest.RotateInput(arn, e.fnARN)); err != nil {
		e.t.Fatalf("RotateSecret: %v", err)
	}
	return e.WaitRotated(arn, n)
}

// rotateAgain is the next rotation after a failure: Secrets Manager reattempts a rotation
// left in progress with the same token when the schedule comes (the emulator when its
// clock passes the date); otherwise a new RotateSecret.
func (e *env) rotateAgain(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	stages := e.Stages(arn)
	if p := emulatortest.Holder(stages, rotation.StagePending); p != "" && p != emulatortest.Holder(stages, rotation.StageCurrent) {
		e.AdvanceClock(31 * 24 * time.Hour)
		rec := e.WaitRotated(arn, n)
		if rec.Token != p {
			e.t.Errorf("reattempt used token %s, want the pending %s", rec.Token, p)
		}
		return rec
	}
	return e.rotate(arn, n)
}

// value returns the secret at a stage as a map of strings (non-strings as JSON).
func (e *env) value(arn, stage string) map[string]string {
	e.t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(e.Value(arn, stage)), &m); err != nil {
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
func (e *env) allLogs() string { return e.logs.String() + e.Server.FunctionLogs("rotator") }

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
