package testenv

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/lib/pq" // the "postgres" database/sql driver
)

// PostgresUser is the unprivileged account PostgreSQL runs as when the test runs as root
// (PostgreSQL refuses to run as root). It is created when missing.
const PostgresUser = "pgtest"

// pgBinDirs are searched after PATH for the PostgreSQL 15 programs.
var pgBinDirs = []string{"/usr/lib/postgresql/15/bin"}

// PostgresOptions configure StartPostgres and NewPostgres. The zero value is a TLS-capable server with a
// superuser "postgres" and a random password.
type PostgresOptions struct {
	// Superuser is the bootstrap superuser's name; "postgres" when empty.
	Superuser string
	// Password is the superuser's password; random when empty.
	Password string
	// LogStatements sets log_statement=all: every statement reaches the server log.
	LogStatements bool
	// NoTLS starts the server without TLS (ssl=off).
	NoTLS bool
	// RequireTLS refuses connections without TLS (pg_hba hostnossl ... reject).
	RequireTLS bool
	// CA signs the server certificate; a new CA when nil. Give another CA to make clients
	// that trust only their own fail verification.
	CA *CA
	// TLSHosts are the server certificate's names; 127.0.0.1 and localhost when empty.
	// Give other names to make host name verification fail.
	TLSHosts []string
	// Settings are extra server settings (postgres -c name=value).
	Settings map[string]string
}

// Postgres is a running PostgreSQL server.
type Postgres struct {
	Host      string // 127.0.0.1
	Port      int
	Superuser string
	Password  string
	CA        *CA    // the CA of the server certificate (nil with NoTLS)
	CAFile    string // the CA certificate as a PEM file, for sslrootcert
	LogPath   string // the server log (stderr, including statements with LogStatements)
	DataDir   string

	base string // the temporary directory holding DataDir, the log and the TLS files
	proc *process
	mu   sync.Mutex
}

// StartPostgres starts PostgreSQL 15 for the test, in a temporary directory, on 127.0.0.1
// and a free port. It fails the test if the server does not accept connections within a
// minute. The server stops and its files are removed when the test ends.
func StartPostgres(t testing.TB, opts PostgresOptions) *Postgres {
	t.Helper()
	p, err := NewPostgres(t.Context(), opts)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("testenv: %v", err)
		}
	})
	return p
}

// NewPostgres starts PostgreSQL 15 in a temporary directory, on 127.0.0.1 and a free port,
// and waits until it accepts connections (at most a minute). It is StartPostgres for
// programs that are not tests: the caller must call Close, which stops the server and
// removes its files. On error nothing is left behind.
func NewPostgres(ctx context.Context, opts PostgresOptions) (p *Postgres, err error) {
	initdb, err := findBinary([]string{"initdb"}, pgBinDirs...)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL 15 is not installed: %w", err)
	}
	postgres, err := findBinary([]string{"postgres"}, pgBinDirs...)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL 15 is not installed: %w", err)
	}
	var runAs *osUser
	if os.Geteuid() == 0 {
		if runAs, err = ensureUser(PostgresUser, "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin"); err != nil {
			return nil, err
		}
	}
	p = &Postgres{Host: Host, Superuser: opts.Superuser, Password: opts.Password}
	if p.Superuser == "" {
		p.Superuser = "postgres"
	}
	if p.Password == "" {
		p.Password = "pg-" + randomString(12)
	}
	base, err := newTempBase("testenv-pg-", runAs)
	if err != nil {
		return nil, err
	}
	p.base = base
	defer func() {
		if err != nil {
			_ = p.Close()
			p = nil
		}
	}()
	p.DataDir = filepath.Join(base, "data")
	p.LogPath = filepath.Join(base, "server.log")

	// initdb, as the server's user.
	pwfile := filepath.Join(base, "pwfile")
	if err := writeFile(pwfile, []byte(p.Password+"\n"), 0o600, runAs); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, initdb, "-D", p.DataDir, "-U", p.Superuser, "--pwfile="+pwfile, "--auth=scram-sha-256",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	cmd.Env = minimalEnv()
	cmd.Dir = base
	cmd.SysProcAttr = sysProcAttr(runAs)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	_ = os.Remove(pwfile)

	settings := map[string]string{
		"listen_addresses":        Host,
		"unix_socket_directories": "",
		"fsync":                   "off",
		"synchronous_commit":      "off",
		"full_page_writes":        "off",
		"max_connections":         "40",
		"shared_buffers":          "16MB",
		"password_encryption":     "scram-sha-256",
		"log_connections":         "on",
		"logging_collector":       "off",
		"log_line_prefix":         "%m [%p] %q%u@%d ",
	}
	if opts.LogStatements {
		settings["log_statement"] = "all"
	}
	if !opts.NoTLS {
		p.CA = opts.CA
		if p.CA == nil {
			if p.CA, err = NewCA("testenv PostgreSQL CA"); err != nil {
				return nil, err
			}
		}
		hosts := opts.TLSHosts
		if len(hosts) == 0 {
			hosts = []string{Host, "localhost"}
		}
		certPEM, keyPEM, err := p.CA.Issue(hosts...)
		if err != nil {
			return nil, err
		}
		p.CAFile = filepath.Join(base, "ca.crt")
		for _, f := range []struct {
			name string
			data []byte
			mode os.FileMode
		}{{"ca.crt", p.CA.CertPEM, 0o644}, {"server.crt", certPEM, 0o644}, {"server.key", keyPEM, 0o600}} {
			if err := writeFile(filepath.Join(base, f.name), f.data, f.mode, runAs); err != nil {
				return nil, err
			}
		}
		settings["ssl"] = "on"
		settings["ssl_cert_file"] = filepath.Join(base, "server.crt")
		settings["ssl_key_file"] = filepath.Join(base, "server.key")
	}
	for k, v := range opts.Settings {
		settings[k] = v
	}
	hba := "# testenv\n"
	if opts.RequireTLS {
		hba += "hostnossl all all 127.0.0.1/32 reject\n"
	}
	hba += "host all all 127.0.0.1/32 scram-sha-256\n"
	if err := writeFile(filepath.Join(p.DataDir, "pg_hba.conf"), []byte(hba), 0o600, runAs); err != nil {
		return nil, err
	}

	p.proc = &process{name: "postgres", path: postgres, dir: base, env: minimalEnv(), logPath: p.LogPath, runAs: runAs}
	// The port can be taken between freePort and bind: try a few.
	for attempt := 1; ; attempt++ {
		if p.Port, err = freePort(); err != nil {
			return nil, err
		}
		args := []string{"-D", p.DataDir, "-p", strconv.Itoa(p.Port)}
		for _, k := range slices.Sorted(maps.Keys(settings)) {
			args = append(args, "-c", k+"="+settings[k])
		}
		p.proc.args = args
		err = p.Start(ctx)
		if err == nil {
			return p, nil
		}
		if attempt == 3 || !isAddrInUse(p.LogPath) {
			return nil, err
		}
		_ = p.proc.stop(syscall.SIGKILL, time.Second)
	}
}

// Close stops the server (fast shutdown, then SIGKILL if it lingers) and removes its
// directory. It is safe to call more than once.
func (p *Postgres) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var err error
	if p.proc != nil {
		if serr := p.proc.stop(syscall.SIGINT, stopTimeout); serr != nil {
			err = fmt.Errorf("stop PostgreSQL: %w", serr)
		}
	}
	if p.base != "" {
		if rerr := os.RemoveAll(p.base); rerr != nil && err == nil {
			err = fmt.Errorf("remove PostgreSQL's directory: %w", rerr)
		}
		p.base = ""
	}
	return err
}

// Start starts the server again after Stop or Kill (same data, port and settings) and
// waits until it accepts connections.
func (p *Postgres) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.proc.start(); err != nil {
		return err
	}
	return waitReady(ctx, p.proc, startTimeout, p.ping)
}

// Stop shuts the server down (fast shutdown: connections are closed) and waits for it.
func (p *Postgres) Stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.proc.stop(syscall.SIGINT, stopTimeout)
}

// Kill kills the server and its backends at once (SIGKILL), as a crash would.
func (p *Postgres) Kill() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.proc.stop(syscall.SIGKILL, stopTimeout)
}

// Running reports whether the server process is up.
func (p *Postgres) Running() bool {
	running, _ := p.proc.state()
	return running
}

// ping checks that the server accepts the superuser. It does not verify the certificate:
// TLSHosts may be names the test chose to make verification fail.
func (p *Postgres) ping(ctx context.Context) error {
	dsn := p.SuperuserDSN()
	if p.CAFile != "" {
		dsn += " sslmode=require"
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.PingContext(ctx)
}

// DSN is a lib/pq key/value connection string for user on dbname: sslmode=verify-full
// against the server's CA (sslmode=disable with NoTLS), connect_timeout=5. Append
// " sslmode=..." or other keys to override them (a later key wins).
func (p *Postgres) DSN(user, password, dbname string) string {
	kv := []string{
		"host=" + pqQuote(p.Host), "port=" + strconv.Itoa(p.Port), "user=" + pqQuote(user),
		"password=" + pqQuote(password), "dbname=" + pqQuote(dbname), "connect_timeout=5",
	}
	if p.CAFile != "" {
		kv = append(kv, "sslmode=verify-full", "sslrootcert="+pqQuote(p.CAFile))
	} else {
		kv = append(kv, "sslmode=disable")
	}
	return strings.Join(kv, " ")
}

// SuperuserDSN is DSN for the superuser on the postgres database.
func (p *Postgres) SuperuserDSN() string { return p.DSN(p.Superuser, p.Password, "postgres") }

// DB opens a connection pool as the superuser on the postgres database, closed when the
// test ends.
func (p *Postgres) DB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", p.SuperuserDSN())
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.PingContext(t.Context()); err != nil {
		t.Fatalf("testenv: connect to PostgreSQL as %s: %v", p.Superuser, err)
	}
	return db
}

// Log returns the server log so far.
func (p *Postgres) Log() (string, error) {
	data, err := os.ReadFile(p.LogPath)
	if err != nil {
		return "", fmt.Errorf("read the PostgreSQL log: %w", err)
	}
	return string(data), nil
}

// pqQuote quotes a value for a key/value connection string.
func pqQuote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}
