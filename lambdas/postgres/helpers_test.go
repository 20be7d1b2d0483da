package postgres_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/lib/pq"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/postgres"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation/rotationtest"
)

// env is the kit's emulator with the PostgreSQL rotator registered as the function
// "rotator".
type env struct {
	*emulatortest.Env
	t     testing.TB
	fnARN string
	logs  *emulatortest.LogBuffer // the in-process engine's log
}

func newEmulator(t testing.TB) *env {
	t.Helper()
	return &env{Env: emulatortest.Start(t), t: t, logs: emulatortest.NewLogBuffer(t)}
}

// engine returns an in-process engine for the rotator, logging JSON to e.logs, with the
// engine's environment variables from vars (nothing else from the process environment).
func (e *env) engine(r rotation.Strategy, vars map[string]string) *rotation.Engine {
	return rotationtest.Engine(e.Env, r, e.logs, vars, rotation.WithPasswordPolicy(postgres.DefaultPasswordPolicy))
}

// register makes h the rotation function.
func (e *env) register(h emulator.Handler) {
	e.fnARN = e.Register("rotator", h, emulator.FunctionConfig{Timeout: 30 * time.Second})
}

// useRotator registers an in-process engine for a rotator trusting the server's CA.
func (e *env) useRotator(pg *testenv.Postgres, opts postgres.Options, vars map[string]string) *rotation.Engine {
	e.t.Helper()
	eng := e.engine(newRotator(e.t, pg, opts), vars)
	e.register(eng.Invoke)
	return eng
}

func newRotator(t testing.TB, pg *testenv.Postgres, opts postgres.Options) *postgres.Rotator {
	t.Helper()
	if pg != nil && pg.CAFile != "" {
		opts.RootCertFiles = append(opts.RootCertFiles, pg.CAFile)
	}
	r, err := postgres.New(opts)
	if err != nil {
		t.Fatalf("postgres.New: %v", err)
	}
	return r
}

func (e *env) createSecret(name, value string, tags ...types.Tag) string {
	e.t.Helper()
	return e.CreateSecret(name, value, tags...)
}

// rotate starts a rotation and waits until n rotations of arn finished; it returns the last.
func (e *env) rotate(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	if _, err := e.SM.RotateSecret(context.Background(), emulatortest.RotateInput(arn, e.fnARN)); err != nil {
		e.t.Fatalf("RotateSecret: %v", err)
	}
	return e.WaitRotated(arn, n)
}

// rotateAgain is the next rotation: the reattempt of one left in progress (Secrets Manager
// retries it with the same token at the next window; the emulator when its clock passes
// it), or a new RotateSecret.
func (e *env) rotateAgain(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	st := e.stages(arn)
	if p := holder(st, rotation.StagePending); p != "" && p != holder(st, rotation.StageCurrent) {
		e.AdvanceClock(31 * 24 * time.Hour)
		rec := e.WaitRotated(arn, n)
		if rec.Token != p {
			e.t.Errorf("reattempt used token %s, want the pending %s", rec.Token, p)
		}
		return rec
	}
	return e.rotate(arn, n)
}

// mustRotate rotates and fails the test unless the rotation succeeded.
func (e *env) mustRotate(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	rec := e.rotateAgain(arn, n)
	if rec.Outcome != "succeeded" {
		e.t.Fatalf("rotation %d %s: %s\nengine log:\n%s", n, rec.Outcome, rec.Error, tailLines(e.logs.String(), 20))
	}
	return rec
}

func (e *env) stages(arn string) map[string][]string { e.t.Helper(); return e.Stages(arn) }

func holder(stages map[string][]string, label string) string {
	return emulatortest.Holder(stages, label)
}

// dbSecret is the part of a secret the tests look at.
type dbSecret struct {
	Username string `json:"username"`
	Password string `json:"password"`
	raw      map[string]json.RawMessage
	version  string
}

// value returns the secret at a stage.
func (e *env) value(arn, stage string) dbSecret {
	e.t.Helper()
	out, err := e.SM.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn), VersionStage: aws.String(stage)})
	if err != nil {
		e.t.Fatalf("GetSecretValue %s: %v", stage, err)
	}
	var s dbSecret
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &s); err != nil {
		e.t.Fatalf("secret %s: %v", stage, err)
	}
	_ = json.Unmarshal([]byte(aws.ToString(out.SecretString)), &s.raw)
	s.version = aws.ToString(out.VersionId)
	return s
}

// versions lists every version's value, for snapshots.
func (e *env) versions(arn string) string {
	e.t.Helper()
	ctx := context.Background()
	out, err := e.SM.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(arn), IncludeDeprecated: aws.Bool(true)})
	if err != nil {
		e.t.Fatalf("ListSecretVersionIds: %v", err)
	}
	var lines []string
	for _, v := range out.Versions {
		val := "<no value>"
		if got, err := e.SM.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn), VersionId: v.VersionId}); err == nil {
			val = aws.ToString(got.SecretString)
		}
		st := slices.Clone(v.VersionStages)
		slices.Sort(st)
		lines = append(lines, fmt.Sprintf("%s %v %s", aws.ToString(v.VersionId), st, val))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// secretJSON is a database secret as the AWS samples write it.
func secretJSON(fields map[string]any) string {
	b, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// pgSecret is the secret of user on the server, with the port as a number.
func pgSecret(pg *testenv.Postgres, user, password, dbname string, extra map[string]any) string {
	f := map[string]any{"engine": "postgres", "host": pg.Host, "port": pg.Port, "username": user, "password": password, "dbname": dbname}
	for k, v := range extra {
		if v == nil {
			delete(f, k)
		} else {
			f[k] = v
		}
	}
	return secretJSON(f)
}

// startPostgres starts a server with TLS and log_statement=all.
func startPostgres(t testing.TB, opts testenv.PostgresOptions) *testenv.Postgres {
	t.Helper()
	opts.LogStatements = true
	return testenv.StartPostgres(t, opts)
}

// superuserDSN connects as the superuser to dbname, with TLS verified against the
// server's CA but not for the host name (some tests give servers wrong names on purpose).
func superuserDSN(pg *testenv.Postgres, dbname string) string {
	dsn := pg.DSN(pg.Superuser, pg.Password, dbname)
	if pg.CAFile != "" {
		dsn += " sslmode=require" // with sslrootcert: verify-ca
	}
	return dsn
}

// execSQL runs statements as the superuser on dbname.
func execSQL(t testing.TB, pg *testenv.Postgres, dbname string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("postgres", superuserDSN(pg, dbname))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// query returns the rows of a query as the superuser, one string per row (columns joined
// by " | ").
func query(t testing.TB, pg *testenv.Postgres, dbname, q string, args ...any) []string {
	t.Helper()
	db, err := sql.Open("postgres", superuserDSN(pg, dbname))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return queryDB(t, db, q, args...)
}

func queryDB(t testing.TB, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = v.String
			if !v.Valid {
				parts[i] = "NULL"
			}
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func sqlOpen(dsn string) (*sql.DB, error) { return sql.Open("postgres", dsn) }

// createUser creates a login role (and, when dbname is not empty, a database it owns).
func createUser(t testing.TB, pg *testenv.Postgres, user, password, dbname string, attrs ...string) {
	t.Helper()
	execSQL(t, pg, "postgres", "CREATE ROLE "+pq.QuoteIdentifier(user)+" WITH LOGIN "+strings.Join(attrs, " ")+" PASSWORD "+pq.QuoteLiteral(password))
	if dbname != "" {
		execSQL(t, pg, "postgres", "CREATE DATABASE "+pq.QuoteIdentifier(dbname))
	}
}

// loginErr logs in as user (TLS verified against the server's CA) and runs SELECT 1.
func loginErr(pg *testenv.Postgres, user, password, dbname string) error {
	return login(pg, user, password, dbname, pg.CAFile != "")
}

// loginLenient logs in as a client that does not verify certificates and uses TLS when
// the server offers it, for servers whose certificates are wrong on purpose.
func loginLenient(pg *testenv.Postgres, user, password, dbname string) error {
	return login(pg, user, password, dbname, false)
}

func login(pg *testenv.Postgres, user, password, dbname string, verify bool) error {
	cfg := pq.Config{Host: pg.Host, Port: uint16(pg.Port), User: user, Password: password, Database: dbname,
		SSLMode: pq.SSLModePrefer, SSLSNI: true, ConnectTimeout: 5 * time.Second}
	if verify {
		cfg.SSLMode, cfg.SSLRootCert = pq.SSLModeVerifyFull, pg.CAFile
	}
	c, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(c)
	defer db.Close()
	var one int
	return db.QueryRowContext(context.Background(), "SELECT 1").Scan(&one)
}

func canLogin(pg *testenv.Postgres, user, password, dbname string) bool {
	return loginErr(pg, user, password, dbname) == nil
}

// mustLogin fails the test unless the credentials log in.
func mustLogin(t testing.TB, pg *testenv.Postgres, user, password, dbname, what string) {
	t.Helper()
	if err := loginErr(pg, user, password, dbname); err != nil {
		t.Fatalf("%s (%q) does not log in: %v", what, user, err)
	}
}

// checkCurrentLogsIn is the invariant after every fault: the AWSCURRENT credentials work.
func (e *env) checkCurrentLogsIn(pg *testenv.Postgres, arn, dbname string) {
	e.t.Helper()
	cur := e.value(arn, rotation.StageCurrent)
	mustLogin(e.t, pg, cur.Username, cur.Password, dbname, "AWSCURRENT")
}

// roleState is what the rotator may change in the cluster: every role's attributes,
// password verifier, memberships and settings, and every grant in dbname; only the lines
// that name one of roles (whole names), when given: tests share servers.
func roleState(t testing.TB, pg *testenv.Postgres, dbname string, roles ...string) string {
	t.Helper()
	db, err := sql.Open("postgres", superuserDSN(pg, dbname))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	query := func(t testing.TB, _ *testenv.Postgres, _, q string, args ...any) []string {
		return queryDB(t, db, q, args...)
	}
	var parts []string
	parts = append(parts, query(t, pg, dbname, `SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,
		rolbypassrls, rolconnlimit, rolpassword FROM pg_authid ORDER BY rolname`)...)
	parts = append(parts, query(t, pg, dbname, `SELECT r.rolname, m.rolname, am.admin_option FROM pg_auth_members am
		JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member ORDER BY 1, 2`)...)
	parts = append(parts, query(t, pg, dbname, `SELECT setrole::regrole, setdatabase, setconfig FROM pg_db_role_setting ORDER BY 1, 2`)...)
	parts = append(parts, query(t, pg, dbname, `SELECT datname, datacl FROM pg_database ORDER BY 1`)...)
	parts = append(parts, query(t, pg, dbname, `SELECT nspname, nspacl FROM pg_namespace ORDER BY 1`)...)
	parts = append(parts, query(t, pg, dbname, `SELECT oid::regclass, relacl FROM pg_class WHERE relacl IS NOT NULL ORDER BY 1`)...)
	parts = append(parts, query(t, pg, dbname, `SELECT attrelid::regclass, attname, attacl FROM pg_attribute WHERE attacl IS NOT NULL ORDER BY 1, 2`)...)
	parts = append(parts, query(t, pg, dbname, `SELECT oid::regprocedure, proacl FROM pg_proc WHERE proacl IS NOT NULL ORDER BY 1`)...)
	if len(roles) > 0 {
		var names []string
		for _, r := range roles {
			names = append(names, regexp.QuoteMeta(r))
		}
		named := regexp.MustCompile(`(^|[^A-Za-z0-9_$])(` + strings.Join(names, "|") + `)($|[^A-Za-z0-9_$])`)
		parts = slices.DeleteFunc(parts, func(line string) bool { return !named.MatchString(line) })
	}
	return strings.Join(parts, "\n")
}

// serverLog returns the PostgreSQL log.
func serverLog(t testing.TB, pg *testenv.Postgres) string {
	t.Helper()
	log, err := pg.Log()
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// checkNoSecret fails if text holds any of the values.
func checkNoSecret(t testing.TB, what, text string, values ...string) {
	t.Helper()
	for _, v := range values {
		if v != "" && strings.Contains(text, v) {
			t.Errorf("%s holds a secret value (%d characters)", what, len(v))
		}
	}
}

// checkNotInServerLog fails if the server log holds any of the passwords, as they are or
// as a SQL string literal would quote them.
func checkNotInServerLog(t testing.TB, log string, passwords ...string) {
	t.Helper()
	var forms []string
	for _, p := range passwords {
		forms = append(forms, p, strings.ReplaceAll(p, "'", "''"),
			strings.ReplaceAll(strings.ReplaceAll(p, `\`, `\\`), "'", "''"))
	}
	slices.Sort(forms)
	checkNoSecret(t, "the PostgreSQL server log", log, slices.Compact(forms)...)
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

var (
	buildOnce sync.Once
	builtPath string
	buildErr  error
	buildDir  string
)

// bootstrap builds lambdas/postgres/lambda as a provided.al2023 bootstrap, once per test
// process.
func bootstrap(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("the go command: %w", err)
			return
		}
		buildDir, err = os.MkdirTemp("", "pg-bootstrap-")
		if err != nil {
			buildErr = err
			return
		}
		builtPath = filepath.Join(buildDir, "bootstrap")
		cmd := exec.Command(goBin, "build", "-tags", "lambda.norpc", "-trimpath", "-o", builtPath, "./lambda")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./lambda: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtPath
}

// mainTB stands for a test for what lives as long as the test binary: the shared server.
// Only the methods testenv uses are implemented; the embedded nil interface supplies the
// rest of testing.TB (and would panic if used).
type mainTB struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
	failed   bool
}

func (m *mainTB) Helper()                   {}
func (m *mainTB) Name() string              { return "TestMain" }
func (m *mainTB) Context() context.Context  { return context.Background() }
func (m *mainTB) Cleanup(f func())          { m.mu.Lock(); m.cleanups = append(m.cleanups, f); m.mu.Unlock() }
func (m *mainTB) Fatal(args ...any)         { panic(fmt.Sprint(args...)) }
func (m *mainTB) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }
func (m *mainTB) Log(args ...any)           { fmt.Fprintln(os.Stderr, args...) }
func (m *mainTB) Logf(f string, a ...any)   { fmt.Fprintf(os.Stderr, f+"\n", a...) }
func (m *mainTB) Error(args ...any)         { m.Log(args...); m.fail() }
func (m *mainTB) Errorf(f string, a ...any) { m.Logf(f, a...); m.fail() }
func (m *mainTB) fail()                     { m.mu.Lock(); m.failed = true; m.mu.Unlock() }

func (m *mainTB) cleanup() bool {
	for i := len(m.cleanups) - 1; i >= 0; i-- {
		m.cleanups[i]()
	}
	return !m.failed
}

var shared struct {
	once sync.Once
	tb   *mainTB
	pg   *testenv.Postgres
	err  any
}

// sharedPostgres is one server (TLS, log_statement=all) for the tests that neither stop it
// nor need special TLS settings, started when a test first asks for it and stopped when
// the test binary ends. Those tests name their roles and databases after themselves.
func sharedPostgres(t testing.TB) *testenv.Postgres {
	t.Helper()
	shared.once.Do(func() {
		shared.tb = &mainTB{}
		defer func() {
			if r := recover(); r != nil {
				shared.err = r
			}
		}()
		shared.pg = testenv.StartPostgres(shared.tb, testenv.PostgresOptions{LogStatements: true})
	})
	if shared.err != nil {
		t.Fatalf("the shared PostgreSQL server: %v", shared.err)
	}
	return shared.pg
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.tb != nil && !shared.tb.cleanup() && code == 0 {
		code = 1
	}
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}
