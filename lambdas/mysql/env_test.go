package mysql_test

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	gomysql "github.com/go-sql-driver/mysql"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/mysql"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation/rotationtest"
)

// server is a MariaDB started for a test (with TLS and the general log) and shared by its
// subtests, each with its own users.
type server struct {
	db   *testenv.MariaDB
	root *sql.DB
}

func startServer(t testing.TB, opts testenv.MariaDBOptions) *server {
	t.Helper()
	opts.GeneralLog = true
	db := testenv.StartMariaDB(t, opts)
	if len(opts.TLSHosts) == 0 || opts.NoTLS {
		return &server{db: db, root: db.DB(t)}
	}
	// testenv's DB verifies the name 127.0.0.1, which this certificate does not have.
	cfg := db.Config("root", db.RootPassword, "")
	cfg.TLS = db.CA.ClientTLS(opts.TLSHosts[0])
	c, err := gomysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	root := sql.OpenDB(c)
	t.Cleanup(func() { _ = root.Close() })
	return &server{db: db, root: root}
}

// exec runs statements as root.
func (s *server) exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, st := range stmts {
		if _, err := s.root.ExecContext(context.Background(), st); err != nil {
			t.Fatalf("root: %s: %v", st, err)
		}
	}
}

// login tries user/password over TLS (verified against the test CA).
func (s *server) login(user, password string) error {
	cfg := s.db.Config(user, password, "")
	c, err := gomysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(c)
	defer db.Close()
	return db.PingContext(context.Background())
}

// generalLog is the server's general log so far.
func (s *server) generalLog(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile(s.db.GeneralLogPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// state is everything rotation could change about users: every account's SHOW CREATE USER
// and SHOW GRANTS.
func (s *server) state(t testing.TB, users ...string) string {
	t.Helper()
	var out []string
	for _, u := range users {
		rows, err := s.root.Query("SELECT Host FROM mysql.user WHERE User = ? ORDER BY Host", u)
		if err != nil {
			t.Fatal(err)
		}
		var hosts []string
		for rows.Next() {
			var h string
			_ = rows.Scan(&h)
			hosts = append(hosts, h)
		}
		rows.Close()
		for _, h := range hosts {
			a := quoteAccount(u, h)
			var line string
			if err := s.root.QueryRow("SHOW CREATE USER " + a).Scan(&line); err != nil {
				t.Fatal(err)
			}
			out = append(out, line)
			out = append(out, grants(t, s.root, a)...)
		}
	}
	return strings.Join(out, "\n")
}

func grants(t testing.TB, db *sql.DB, account string) []string {
	t.Helper()
	rows, err := db.Query("SHOW GRANTS FOR " + account)
	if err != nil {
		t.Fatalf("SHOW GRANTS FOR %s: %v", account, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l string
		_ = rows.Scan(&l)
		out = append(out, l)
	}
	return out
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func quoteAccount(user, host string) string { return quoteIdent(user) + "@" + quoteIdent(host) }

// nativeHash is PASSWORD(): users are created with it so that the general log never
// holds a test password either.
func nativeHash(pw string) string {
	a := sha1.Sum([]byte(pw))
	b := sha1.Sum(a[:])
	return "*" + strings.ToUpper(hex.EncodeToString(b[:]))
}

// createUser creates user@host with password (as a hash) and extra statements' grants.
func (s *server) createUser(t testing.TB, user, host, password string) {
	t.Helper()
	s.exec(t, fmt.Sprintf("CREATE USER %s IDENTIFIED BY PASSWORD '%s'", quoteAccount(user, host), nativeHash(password)))
}

func randomWord(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// emu is the kit's emulator with the rotation function, and what the test checks against.
type emu struct {
	*emulatortest.Env
	t     testing.TB
	fnARN string
	logs  *emulatortest.LogBuffer // the in-process engine's log
	db    *server
	// passwords are every password the test saw, for the log checks.
	mu        sync.Mutex
	passwords []string
}

func newEmu(t testing.TB, db *server) *emu {
	t.Helper()
	return &emu{Env: emulatortest.Start(t), t: t, logs: emulatortest.NewLogBuffer(t), db: db}
}

// rotator is the strategy under test, trusting the test CA.
func (e *emu) rotator(mode rotation.Mode) *mysql.Rotator {
	r, err := mysql.New(mysql.Options{Mode: mode, RootCertFiles: []string{e.db.db.CAFile}})
	if err != nil {
		e.t.Fatalf("mysql.New: %v", err)
	}
	return r
}

// engine runs s with the test's client, a JSON log into e.logs, and env as the environment.
func (e *emu) engine(s rotation.Strategy, env map[string]string) *rotation.Engine {
	return rotationtest.Engine(e.Env, s, e.logs, env, rotation.WithPasswordPolicy(mysql.DefaultPasswordPolicy))
}

func (e *emu) register(h emulator.Handler) {
	e.fnARN = e.Register("rotator", h, emulator.FunctionConfig{Timeout: 30 * time.Second})
}

func (e *emu) createSecret(name string, value map[string]any) string {
	e.t.Helper()
	b, _ := json.Marshal(value)
	if pw, ok := value["password"].(string); ok {
		e.remember(pw)
	}
	return e.CreateSecret(name, string(b))
}

func (e *emu) remember(pw string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if pw != "" && !slices.Contains(e.passwords, pw) {
		e.passwords = append(e.passwords, pw)
	}
}

func (e *emu) rotate(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	if _, err := e.SM.RotateSecret(e.t.Context(), emulatortest.RotateInput(arn, e.fnARN)); err != nil {
		e.t.Fatalf("RotateSecret: %v", err)
	}
	return e.wait(arn, n)
}

func (e *emu) wait(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	rec := e.WaitRotated(arn, n)
	e.value(arn, rotation.StageCurrent) // remember the passwords
	if e.holder(arn, rotation.StagePending) != "" {
		e.valueOf(arn, rotation.StagePending)
	}
	return rec
}

// rotateAgain: the rotation Secrets Manager would run next. A rotation left in progress is
// reattempted with the same token when the schedule comes (the emulator's clock is moved).
func (e *emu) rotateAgain(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	if p := e.holder(arn, rotation.StagePending); p != "" && p != e.holder(arn, rotation.StageCurrent) {
		e.AdvanceClock(31 * 24 * time.Hour)
		return e.wait(arn, n)
	}
	return e.rotate(arn, n)
}

func (e *emu) stages(arn string) map[string][]string {
	e.t.Helper()
	return e.Stages(arn)
}

func (e *emu) holder(arn, label string) string {
	return emulatortest.Holder(e.stages(arn), label)
}

// value is the secret at a stage.
func (e *emu) value(arn, stage string) map[string]any {
	e.t.Helper()
	v, err := e.valueOf(arn, stage)
	if err != nil {
		e.t.Fatalf("GetSecretValue %s: %v", stage, err)
	}
	return v
}

func (e *emu) valueOf(arn, stage string) (map[string]any, error) {
	out, err := e.SM.GetSecretValue(e.t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn), VersionStage: aws.String(stage)})
	if err != nil {
		return nil, err
	}
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(aws.ToString(out.SecretString)))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if pw, ok := m["password"].(string); ok {
		e.remember(pw)
	}
	return m, nil
}

// loginAs logs in with the secret at stage.
func (e *emu) loginAs(arn, stage string) error {
	v := e.value(arn, stage)
	return e.db.login(v["username"].(string), v["password"].(string))
}

// checkInvariant fails unless the AWSCURRENT credentials log in.
func (e *emu) checkInvariant(arn string) {
	e.t.Helper()
	if err := e.loginAs(arn, rotation.StageCurrent); err != nil {
		e.t.Fatalf("AWSCURRENT does not log in: %v", err)
	}
}

// checkRotated checks a completed rotation: labels, the new password logs in, and (single
// user) the old one no longer does.
func (e *emu) checkRotated(arn string, rec emulator.RotationRecord, before map[string]any, single bool) map[string]any {
	e.t.Helper()
	if rec.Outcome != "succeeded" {
		e.t.Fatalf("rotation %s: %s", rec.Outcome, rec.Error)
	}
	st := e.stages(arn)
	if got := st[rec.Token]; !slices.Equal(got, []string{rotation.StageCurrent}) {
		e.t.Errorf("new version has labels %v, want [AWSCURRENT] (all: %v)", got, st)
	}
	cur := e.value(arn, rotation.StageCurrent)
	prev := e.value(arn, rotation.StagePrevious)
	if prev["password"] != before["password"] || prev["username"] != before["username"] {
		e.t.Errorf("AWSPREVIOUS is not the secret that was current")
	}
	if cur["password"] == before["password"] {
		e.t.Errorf("password unchanged")
	}
	for k, v := range before {
		if k != "password" && k != "username" && fmt.Sprint(cur[k]) != fmt.Sprint(v) {
			e.t.Errorf("field %s changed: %v -> %v", k, v, cur[k])
		}
	}
	if err := e.loginAs(arn, rotation.StageCurrent); err != nil {
		e.t.Errorf("the new AWSCURRENT does not log in: %v", err)
	}
	if single {
		if cur["username"] != before["username"] {
			e.t.Errorf("single user rotation changed the username to %v", cur["username"])
		}
		if err := e.db.login(before["username"].(string), before["password"].(string)); err == nil {
			e.t.Errorf("the old password still logs in after single user rotation")
		}
	} else {
		if cur["username"] == before["username"] {
			e.t.Errorf("alternating rotation kept the username %v", cur["username"])
		}
		if err := e.db.login(before["username"].(string), before["password"].(string)); err != nil {
			e.t.Errorf("alternating: the previous user's credentials stopped working: %v", err)
		}
	}
	return cur
}

// checkNoSecretsLogged: neither the Lambda log nor the server's general log holds a
// password (whole, or its first or last 10 characters).
func (e *emu) checkNoSecretsLogged(extraLogs ...string) {
	e.t.Helper()
	general := e.db.generalLog(e.t)
	lambda := e.logs.String() + strings.Join(extraLogs, "\n")
	e.mu.Lock()
	pws := slices.Clone(e.passwords)
	e.mu.Unlock()
	if len(pws) < 2 {
		e.t.Fatalf("only %d passwords seen", len(pws))
	}
	for _, pw := range pws {
		jsonForm, _ := json.Marshal(pw)
		forms := []string{pw, strings.Trim(string(jsonForm), `"`)}
		if len(pw) >= 20 {
			forms = append(forms, pw[:10], pw[len(pw)-10:])
		}
		for _, f := range forms {
			if strings.Contains(general, f) {
				e.t.Errorf("the server's general log holds a password (or part of one, %d characters)", len(f))
			}
			if strings.Contains(lambda, f) {
				e.t.Errorf("the function's log holds a password (or part of one, %d characters)", len(f))
			}
		}
	}
}

// dbSecret is a secret as the AWS samples write it.
func dbSecret(s *server, user, password string, extra ...any) map[string]any {
	m := map[string]any{"engine": "mariadb", "host": s.db.Host, "port": s.db.Port, "username": user,
		"password": password, "dbname": "", "ssl": true}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == nil {
			delete(m, extra[i].(string))
			continue
		}
		m[extra[i].(string)] = extra[i+1]
	}
	return m
}

var (
	bootstrapOnce sync.Once
	bootstrapPath string
	bootstrapErr  error
)

// buildBootstrap builds ./lambda as a provided.al2023 bootstrap, once per test process.
func buildBootstrap(t testing.TB) string {
	t.Helper()
	bootstrapOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mysql-bootstrap-")
		if err != nil {
			bootstrapErr = err
			return
		}
		bootstrapPath = filepath.Join(dir, "bootstrap")
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", bootstrapPath, "./lambda")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			bootstrapErr = fmt.Errorf("go build ./lambda: %v\n%s", err, out)
		}
	})
	if bootstrapErr != nil {
		t.Fatal(bootstrapErr)
	}
	return bootstrapPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bootstrapPath != "" {
		_ = os.RemoveAll(filepath.Dir(bootstrapPath))
	}
	os.Exit(code)
}

func rotateInput(arn, fn string) *secretsmanager.RotateSecretInput {
	return emulatortest.RotateInput(arn, fn)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
