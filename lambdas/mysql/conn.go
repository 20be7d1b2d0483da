package mysql

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/internal/db"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// defaultPort is MySQL's.
const defaultPort = 3306

// creds are what a login needs, from a secret.
type creds struct {
	Label    string // "current", "pending", "previous", "master": for messages
	Host     string
	Port     int
	User     string
	Password string
	DBName   string
	SSL      rotation.SSLSetting
}

func credsOf(label string, d *rotation.DBSecret) creds {
	return creds{Label: label, Host: d.Host, Port: d.PortOr(defaultPort), User: d.Username, Password: d.Password, DBName: d.DBName, SSL: d.SSL}
}

func (c creds) addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// session is a logged-in connection and what the rotator learned about the server.
type session struct {
	db     *sql.DB
	conn   *sql.Conn
	creds  creds
	server serverInfo
	tls    bool // whether the connection is encrypted
}

func (s *session) Close() {
	if s.conn != nil {
		_ = s.conn.Close()
	}
	_ = s.db.Close()
}

// tlsConfig returns the TLS configuration for host: the system roots plus the rotator's
// extra CA certificates, with the server's name (or IP address) verified.
func (r *Rotator) tlsConfig(host string) (*tls.Config, error) {
	pool, err := r.rootCAs()
	if err != nil {
		return nil, err
	}
	return &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12}, nil
}

// rootCAs is the system pool plus the RDS bundle plus Options.RootCertFiles, built once.
func (r *Rotator) rootCAs() (*x509.CertPool, error) {
	r.poolOnce.Do(func() { r.pool, r.poolErr = db.RootPool(r.opts.RootCertFiles) })
	return r.pool, r.poolErr
}

// driverLogger sends the driver's own messages (rare: protocol trouble) to the rotation log.
type driverLogger struct{ log *slog.Logger }

func (l driverLogger) Print(v ...any) {
	if l.log != nil {
		l.log.Warn("mysql driver", "message", strings.TrimSpace(fmt.Sprint(v...)))
	}
}

// login connects as c and learns what the server is. The error names the account, the
// address and the cause (the driver's error: number and message, or the network or TLS
// failure). A certificate or host name failure never falls back to plaintext: only a server
// that offers no TLS at all is used without it, and only when the secret has no "ssl" field.
func (r *Rotator) login(ctx context.Context, log *slog.Logger, c creds) (*session, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.DBName = c.User, c.Password, c.DBName
	cfg.Net, cfg.Addr = "tcp", c.addr()
	cfg.Timeout = r.opts.ConnectTimeout
	cfg.ReadTimeout, cfg.WriteTimeout = r.opts.StatementTimeout, r.opts.StatementTimeout
	cfg.Logger = driverLogger{log}
	cfg.AllowNativePasswords = true
	cfg.AllowCleartextPasswords = false // never send a password in clear text (mysql_clear_password)
	switch c.SSL {
	case rotation.SSLDisabled:
	default:
		tc, err := r.tlsConfig(c.Host)
		if err != nil {
			return nil, err
		}
		cfg.TLS = tc
		// Never: the AWS samples' secrets have no "ssl" field, and a man in the middle
		// answering "no TLS" would otherwise collect the passwords.
		cfg.AllowFallbackToPlaintext = false
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s credentials: %w", c.Label, err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err == nil {
		err = conn.PingContext(ctx)
	}
	if err != nil {
		_ = db.Close()
		if cfg.TLS != nil && errors.Is(err, mysql.ErrNoTLS) {
			err = fmt.Errorf("%s: %w", ruleTLS, err)
		}
		return nil, &loginError{creds: c, err: err}
	}
	s := &session{db: db, conn: conn, creds: c}
	if s.tls, err = negotiatedTLS(ctx, conn); err != nil {
		s.Close()
		return nil, err
	}
	if s.server, err = detectServer(ctx, conn); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// ruleTLS is the rule for every login.
const ruleTLS = `refused: TLS is required unless the secret says "ssl": false (the secret's "ssl" is true or absent)`

// negotiatedTLS asks the server whether the session is encrypted (its Ssl_cipher).
func negotiatedTLS(ctx context.Context, conn *sql.Conn) (bool, error) {
	var name, cipher string
	if err := conn.QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher); err != nil {
		return false, fmt.Errorf("SHOW SESSION STATUS LIKE 'Ssl_cipher': %w", err)
	}
	return cipher != "", nil
}

// loginError is a failed login.
type loginError struct {
	creds creds
	err   error
}

func (e *loginError) Error() string {
	return fmt.Sprintf("log in to %s as %q with the %s password: %v", e.creds.addr(), e.creds.User, e.creds.Label, e.err)
}

func (e *loginError) Unwrap() error { return e.err }

// whoami returns the account the server matched the login to (CURRENT_USER()).
func (s *session) whoami(ctx context.Context) (account, error) {
	var cu string
	if err := s.conn.QueryRowContext(ctx, "SELECT CURRENT_USER()").Scan(&cu); err != nil {
		return account{}, fmt.Errorf("SELECT CURRENT_USER(): %w", err)
	}
	i := strings.LastIndexByte(cu, '@')
	if i < 0 {
		return account{}, fmt.Errorf("CURRENT_USER() is %q, not user@host", cu)
	}
	return account{User: cu[:i], Host: cu[i+1:]}, nil
}

// exec runs a statement, wrapping its error with what it was for. A statement carrying a
// password has its error message withheld when the server quotes the statement.
func (s *session) exec(ctx context.Context, what string, st statement, secrets ...string) error {
	if _, err := s.conn.ExecContext(ctx, st.SQL); err != nil {
		if st.Plaintext {
			err = secretStatementError(err, secrets...)
		}
		return stmtError(what, err)
	}
	return nil
}

// hostsOf lists the hosts of the accounts named user (mysql.user). ok is false when the
// account logged in may not read mysql.user.
func (s *session) hostsOf(ctx context.Context, user string) (hosts []string, ok bool, err error) {
	rows, err := s.conn.QueryContext(ctx, "SELECT Host FROM mysql.user WHERE User = ? ORDER BY Host", user)
	if err != nil {
		if isPrivilegeError(err) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("list the accounts of user %q (mysql.user): %w", user, err)
	}
	defer rows.Close()
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, false, fmt.Errorf("list the accounts of user %q: %w", user, err)
		}
		hosts = append(hosts, h)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list the accounts of user %q: %w", user, err)
	}
	return hosts, true, nil
}

// authOf reads an account's authentication methods (SHOW CREATE USER; allowed for one's
// own account without privileges). The error never quotes the answer, which holds hashes.
func (s *session) authOf(ctx context.Context, a *account) ([]authMethod, error) {
	target := "CURRENT_USER()"
	if a != nil {
		target = a.String()
	}
	var line string
	if err := s.conn.QueryRowContext(ctx, "SHOW CREATE USER "+target).Scan(&line); err != nil {
		return nil, fmt.Errorf("SHOW CREATE USER %s: %w", target, err)
	}
	return parseCreateUser(line)
}

// grantsOf reads SHOW GRANTS FOR the account.
func (s *session) grantsOf(ctx context.Context, a account) ([]grantItem, error) {
	rows, err := s.conn.QueryContext(ctx, "SHOW GRANTS FOR "+a.String())
	if err != nil {
		return nil, fmt.Errorf("SHOW GRANTS FOR %s: %w", a, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, fmt.Errorf("SHOW GRANTS FOR %s: %w", a, err)
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("SHOW GRANTS FOR %s: %w", a, err)
	}
	items, err := parseGrants(lines)
	if err != nil {
		return nil, fmt.Errorf("grants of %s: %w", a, err)
	}
	return items, nil
}

// userColumns returns which of the wanted columns mysql.user has (information_schema).
func (s *session) userColumns(ctx context.Context) (map[string]bool, error) {
	rows, err := s.conn.QueryContext(ctx, "SELECT LOWER(COLUMN_NAME) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 'user'")
	if err != nil {
		return nil, fmt.Errorf("list the columns of mysql.user (information_schema.COLUMNS): %w", err)
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols[c] = true
	}
	return cols, rows.Err()
}

// optionsOf reads an account's TLS requirements, resource limits and password lifetime
// from mysql.user, with the columns this server has.
func (s *session) optionsOf(ctx context.Context, cols map[string]bool, a account) (accountOptions, error) {
	var o accountOptions
	type col struct {
		name string
		dst  any
	}
	var sslType, cipher, issuer, subject, stmtTime sql.NullString
	var q, u, c, uc, lifetime sql.NullInt64
	want := []col{
		{"ssl_type", &sslType}, {"ssl_cipher", &cipher}, {"x509_issuer", &issuer}, {"x509_subject", &subject},
		{"max_questions", &q}, {"max_updates", &u}, {"max_connections", &c}, {"max_user_connections", &uc},
		{"max_statement_time", &stmtTime}, {"password_lifetime", &lifetime},
	}
	var names []string
	var dsts []any
	for _, w := range want {
		if cols[w.name] {
			names = append(names, w.name)
			dsts = append(dsts, w.dst)
		}
	}
	if len(names) == 0 {
		return o, nil
	}
	err := s.conn.QueryRowContext(ctx, "SELECT "+strings.Join(names, ", ")+" FROM mysql.user WHERE User = ? AND Host = ?", a.User, a.Host).Scan(dsts...)
	if err != nil {
		return o, fmt.Errorf("read the account options of %s (mysql.user): %w", a, err)
	}
	o.SSLType, o.SSLCipher, o.X509Issuer, o.X509Subject = sslType.String, cipher.String, issuer.String, subject.String
	o.MaxQuestions, o.MaxUpdates, o.MaxConnections, o.MaxUserConnections = q.Int64, u.Int64, c.Int64, uc.Int64
	o.MaxStatementTime = stmtTime.String
	if cols["password_lifetime"] {
		o.HasLifetime = true
		if lifetime.Valid {
			v := lifetime.Int64
			o.Lifetime = &v
		}
	}
	return o, nil
}
