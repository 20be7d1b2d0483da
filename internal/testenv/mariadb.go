package testenv

import (
	"context"
	"crypto/tls"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MariaDBOptions configure StartMariaDB. The zero value is a TLS-capable server whose root
// has a random password.
type MariaDBOptions struct {
	// RootPassword is root's password (root@localhost and root@127.0.0.1); random when empty.
	RootPassword string
	// NoTLS starts the server without TLS.
	NoTLS bool
	// RequireTLS refuses connections without TLS (require_secure_transport).
	RequireTLS bool
	// CA signs the server certificate; a new CA when nil.
	CA *CA
	// TLSHosts are the server certificate's names; 127.0.0.1 and localhost when empty.
	TLSHosts []string
	// GeneralLog writes every statement to GeneralLogPath.
	GeneralLog bool
	// Args are extra mariadbd options, e.g. "--max-connections=20".
	Args []string
}

// MariaDB is a running MariaDB server (Debian's mariadbd, run as root with --user=root).
type MariaDB struct {
	Host           string // 127.0.0.1
	Port           int
	RootPassword   string
	CA             *CA    // the CA of the server certificate (nil with NoTLS)
	CAFile         string // the CA certificate as a PEM file
	LogPath        string // the error log (and the server's output)
	GeneralLogPath string // every statement, with GeneralLog
	DataDir        string
	Socket         string // the Unix socket (root@localhost)

	// tlsName is the name clients verify: the first of TLSHosts, or Host.
	tlsName string
	proc    *process
	mu      sync.Mutex
}

// StartMariaDB starts MariaDB for the test: a data directory initialised with
// mariadb-install-db in a temporary directory, 127.0.0.1 and a free port only, root's
// password set. It stops and its files are removed when the test ends.
func StartMariaDB(t testing.TB, opts MariaDBOptions) *MariaDB {
	t.Helper()
	mariadbd, err := findBinary([]string{"mariadbd", "mysqld"}, "/usr/sbin")
	if err != nil {
		t.Fatalf("testenv: MariaDB is not installed: %v", err)
	}
	installDB, err := findBinary([]string{"mariadb-install-db", "mysql_install_db"}, "/usr/bin")
	if err != nil {
		t.Fatalf("testenv: MariaDB is not installed: %v", err)
	}
	m := &MariaDB{Host: Host, RootPassword: opts.RootPassword}
	if m.RootPassword == "" {
		m.RootPassword = "mdb-" + randomString(12)
	}
	base := tempBase(t, "testenv-mariadb-", nil)
	m.DataDir = filepath.Join(base, "data")
	m.LogPath = filepath.Join(base, "error.log")
	m.Socket = filepath.Join(base, "mysqld.sock")
	// Small InnoDB files: a quick install and start. A private tmpdir: servers sharing /tmp
	// have been seen to trip over each other's temporary tables during install.
	tmpdir := filepath.Join(base, "tmp")
	if err := os.Mkdir(tmpdir, 0o700); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	serverArgs := []string{"--innodb-log-file-size=4M", "--innodb-buffer-pool-size=16M", "--tmpdir=" + tmpdir}

	cmd := exec.Command(installDB, append([]string{"--no-defaults", "--datadir=" + m.DataDir, "--user=root",
		"--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"}, serverArgs...)...)
	cmd.Env = minimalEnv()
	cmd.Dir = base
	cmd.SysProcAttr = sysProcAttr(nil)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testenv: mariadb-install-db: %v\n%s", err, out)
	}

	args := append([]string{"--no-defaults", "--datadir=" + m.DataDir, "--user=root", "--bind-address=" + Host,
		"--socket=" + m.Socket, "--pid-file=" + filepath.Join(base, "mysqld.pid"), "--log-error=" + m.LogPath,
		"--skip-name-resolve", "--skip-log-bin", "--innodb-flush-log-at-trx-commit=0", "--max-connections=50",
		"--skip-symbolic-links"}, serverArgs...)
	if opts.GeneralLog {
		m.GeneralLogPath = filepath.Join(base, "general.log")
		args = append(args, "--general-log=1", "--general-log-file="+m.GeneralLogPath)
	}
	if !opts.NoTLS {
		m.CA = opts.CA
		if m.CA == nil {
			if m.CA, err = NewCA("testenv MariaDB CA"); err != nil {
				t.Fatalf("testenv: %v", err)
			}
		}
		hosts := opts.TLSHosts
		if len(hosts) == 0 {
			hosts = []string{Host, "localhost"}
		}
		m.tlsName = hosts[0]
		certPEM, keyPEM, err := m.CA.Issue(hosts...)
		if err != nil {
			t.Fatalf("testenv: %v", err)
		}
		m.CAFile = filepath.Join(base, "ca.crt")
		for name, data := range map[string][]byte{"ca.crt": m.CA.CertPEM, "server.crt": certPEM, "server.key": keyPEM} {
			if err := writeFile(filepath.Join(base, name), data, 0o600, nil); err != nil {
				t.Fatalf("testenv: %v", err)
			}
		}
		args = append(args, "--ssl-ca="+m.CAFile, "--ssl-cert="+filepath.Join(base, "server.crt"), "--ssl-key="+filepath.Join(base, "server.key"))
		if opts.RequireTLS {
			args = append(args, "--require-secure-transport=ON")
		}
	}
	args = append(args, opts.Args...)
	m.proc = &process{name: "mariadbd", path: mariadbd, dir: base, env: minimalEnv(), logPath: m.LogPath}
	t.Cleanup(func() {
		if err := m.proc.stop(syscall.SIGTERM, stopTimeout); err != nil {
			t.Errorf("testenv: stop MariaDB: %v", err)
		}
	})

	for attempt := 1; ; attempt++ {
		if m.Port, err = freePort(); err != nil {
			t.Fatalf("testenv: %v", err)
		}
		m.proc.args = append(args[:len(args):len(args)], "--port="+strconv.Itoa(m.Port))
		if err = m.proc.start(); err != nil {
			t.Fatalf("testenv: %v", err)
		}
		// Until root has a password, it logs in through the socket without one.
		err = waitReady(t.Context(), m.proc, startTimeout, func(ctx context.Context) error { return m.pingSocket(ctx, "") })
		if err == nil {
			break
		}
		if attempt == 3 || !isAddrInUse(m.LogPath) {
			t.Fatalf("testenv: %v", err)
		}
		_ = m.proc.stop(syscall.SIGKILL, time.Second)
	}
	if err := m.setRootPassword(t.Context()); err != nil {
		t.Fatalf("testenv: %v\n%s", err, tail(m.LogPath, 20))
	}
	return m
}

// setRootPassword gives root@localhost and root@127.0.0.1 the password and drops the other
// root accounts mariadb-install-db made.
func (m *MariaDB) setRootPassword(ctx context.Context) error {
	db, err := m.open(m.socketConfig(""))
	if err != nil {
		return err
	}
	defer db.Close()
	pw := mysqlQuote(m.RootPassword)
	for _, stmt := range []string{
		"DELETE FROM mysql.global_priv WHERE User = 'root' AND Host NOT IN ('localhost', '127.0.0.1')",
		"DELETE FROM mysql.global_priv WHERE User = ''",
		"FLUSH PRIVILEGES",
		"ALTER USER 'root'@'localhost' IDENTIFIED BY " + pw,
		"CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY " + pw,
		"ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY " + pw,
		"GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION",
		"GRANT PROXY ON ''@'%' TO 'root'@'127.0.0.1' WITH GRANT OPTION",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("MariaDB setup: %s: %w", firstWords(stmt), err)
		}
	}
	return nil
}

func firstWords(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// mysqlQuote quotes a string literal.
func mysqlQuote(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '\\':
			out = append(out, '\\', c)
		case 0:
			out = append(out, '\\', '0')
		default:
			out = append(out, c)
		}
	}
	return string(append(out, '\''))
}

func (m *MariaDB) socketConfig(password string) *mysql.Config {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = "root", password, "unix", m.Socket
	cfg.Timeout = 5 * time.Second
	return cfg
}

func (m *MariaDB) open(cfg *mysql.Config) (*sql.DB, error) {
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("MariaDB connector: %w", err)
	}
	return sql.OpenDB(conn), nil
}

func (m *MariaDB) pingSocket(ctx context.Context, password string) error {
	db, err := m.open(m.socketConfig(password))
	if err != nil {
		return err
	}
	defer db.Close()
	return db.PingContext(ctx)
}

// Start starts the server again after Stop or Kill and waits until root can log in.
func (m *MariaDB) Start(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.proc.start(); err != nil {
		return err
	}
	return waitReady(ctx, m.proc, startTimeout, func(ctx context.Context) error { return m.pingSocket(ctx, m.RootPassword) })
}

// Stop shuts the server down cleanly and waits for it.
func (m *MariaDB) Stop() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.proc.stop(syscall.SIGTERM, stopTimeout)
}

// Kill kills the server at once (SIGKILL), as a crash would.
func (m *MariaDB) Kill() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.proc.stop(syscall.SIGKILL, stopTimeout)
}

// Running reports whether the server process is up.
func (m *MariaDB) Running() bool {
	running, _ := m.proc.state()
	return running
}

// TLSConfig trusts only the server's CA and verifies the certificate's first name
// (127.0.0.1 unless TLSHosts says otherwise); nil with NoTLS.
func (m *MariaDB) TLSConfig() *tls.Config {
	if m.CA == nil {
		return nil
	}
	return m.CA.ClientTLS(m.tlsName)
}

// Config is a go-sql-driver/mysql configuration for user on dbname (may be empty) over
// TCP, with TLS verified against the server's CA (none with NoTLS).
func (m *MariaDB) Config(user, password, dbname string) *mysql.Config {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.DBName = user, password, dbname
	cfg.Net, cfg.Addr = "tcp", fmt.Sprintf("%s:%d", m.Host, m.Port)
	cfg.Timeout = 5 * time.Second
	cfg.TLS = m.TLSConfig()
	return cfg
}

var tlsNames sync.Map // port -> registered TLS config name

// DSN is Config as a DSN string; its TLS configuration is registered with
// mysql.RegisterTLSConfig under a name unique to this server.
func (m *MariaDB) DSN(user, password, dbname string) string {
	cfg := m.Config(user, password, dbname)
	if cfg.TLS != nil {
		name := fmt.Sprintf("testenv-mariadb-%d-%p", m.Port, m)
		if _, loaded := tlsNames.LoadOrStore(name, true); !loaded {
			if err := mysql.RegisterTLSConfig(name, cfg.TLS); err != nil {
				panic(err) // only for reserved names
			}
		}
		cfg.TLS, cfg.TLSConfig = nil, name
	}
	return cfg.FormatDSN()
}

// DB opens a connection pool as root@127.0.0.1 over TLS, closed when the test ends.
func (m *MariaDB) DB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := m.open(m.Config("root", m.RootPassword, ""))
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.PingContext(t.Context()); err != nil {
		t.Fatalf("testenv: connect to MariaDB as root: %v", err)
	}
	return db
}

// Log returns the error log so far.
func (m *MariaDB) Log() (string, error) {
	data, err := os.ReadFile(m.LogPath)
	if err != nil {
		return "", fmt.Errorf("read the MariaDB log: %w", err)
	}
	return string(data), nil
}
