package postgres

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/lib/pq"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/internal/db"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// tlsKeys numbers the TLS configurations registered with pq (pq looks them up by name).
var tlsKeys atomic.Int64

// registerTLS registers a verify-full TLS configuration for the pool with pq and returns
// the sslmode that selects it. pq sets ServerName to the host it connects to, so the
// certificate must be valid for the secret's host name (or IP address).
func registerTLS(pool *x509.CertPool) (pq.SSLMode, error) {
	key := "secretsmanager-rotation-" + strconv.FormatInt(tlsKeys.Add(1), 10)
	if err := pq.RegisterTLSConfig(key, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}); err != nil {
		return "", err
	}
	return pq.SSLMode("pqgo-" + key), nil
}

// endpoint is where a secret's database is: host, port, database and TLS setting.
type endpoint struct {
	Host   string
	Port   int
	DBName string
	SSL    rotation.SSLSetting
}

func endpointOf(d *rotation.DBSecret) endpoint {
	return endpoint{Host: d.Host, Port: d.PortOr(DefaultPort), DBName: d.DBNameOr(DefaultDBName), SSL: d.SSL}
}

func (e endpoint) String() string {
	return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) + "/" + e.DBName
}

// sameServer reports whether two endpoints name the same server (host name case and a
// trailing dot aside).
func (e endpoint) sameServer(o endpoint) bool {
	norm := func(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }
	return norm(e.Host) == norm(o.Host) && e.Port == o.Port
}

// connectError is a failure to open a session; Auth tells a refused login (wrong password,
// unknown role, role without LOGIN) from a server that could not be reached or verified.
type connectError struct {
	Auth bool
	Err  error
}

func (e *connectError) Error() string { return e.Err.Error() }
func (e *connectError) Unwrap() error { return e.Err }

// isAuthFailure reports whether err is a login the server refused.
func isAuthFailure(err error) bool {
	var ce *connectError
	return errors.As(err, &ce) && ce.Auth
}

// connect opens a session as user on the endpoint:
//
//   - ssl true, or absent (or neither true nor false): TLS only, the certificate verified
//     against the system roots, the embedded RDS bundle and SSL_ROOT_CERT, for the
//     secret's host name (verify-full). A server that answers "no TLS" is refused: the AWS
//     samples' secrets have no "ssl" field, and a man in the middle could otherwise
//     collect the current and pending passwords.
//   - ssl false: without TLS (never for a master login: see master).
//
// The returned pool holds at most one connection; close it when done.
func (r *Rotator) connect(ctx context.Context, run *rotation.Run, ep endpoint, user, password string) (*sql.DB, error) {
	if strings.ContainsRune(user, 0) {
		return nil, &connectError{Err: errors.New("the username contains a NUL character")}
	}
	r.tlsOnce.Do(func() {
		pool, err := db.RootPool(r.opts.RootCertFiles)
		if err == nil {
			r.tlsMode, err = registerTLS(pool)
		}
		r.tlsErr = err
	})
	if r.tlsErr != nil {
		return nil, &connectError{Err: fmt.Errorf("configuration: %w", r.tlsErr)}
	}
	cfg := pq.Config{
		Host:            ep.Host,
		Port:            uint16(ep.Port),
		Database:        ep.DBName,
		User:            user,
		Password:        password,
		SSLMode:         r.tlsMode,
		SSLSNI:          true,
		ConnectTimeout:  r.opts.ConnectTimeout,
		ApplicationName: applicationName,
	}
	if ep.SSL == rotation.SSLDisabled {
		cfg.SSLMode = pq.SSLModeDisable
	}
	db, err := open(ctx, cfg)
	if err != nil {
		return nil, classify(err)
	}
	return db, nil
}

func open(ctx context.Context, cfg pq.Config) (*sql.DB, error) {
	c, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// classify wraps a connection error with what it means.
func classify(err error) error {
	if pe := pq.As(err, "28P01", "28000"); pe != nil {
		// invalid_password; invalid_authorization_specification (role cannot log in,
		// pg_hba.conf rejects it).
		return &connectError{Auth: true, Err: err}
	}
	var cv *tls.CertificateVerificationError
	var hn x509.HostnameError
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	if errors.As(err, &cv) || errors.As(err, &hn) || errors.As(err, &ua) || errors.As(err, &ci) {
		return &connectError{Err: fmt.Errorf("TLS certificate verification failed (never retried without TLS): %w", err)}
	}
	if errors.Is(err, pq.ErrSSLNotSupported) {
		return &connectError{Err: fmt.Errorf("refused: TLS is required unless the secret says \"ssl\": false (the secret's \"ssl\" is true or absent): %w", err)}
	}
	return &connectError{Err: err}
}

// applicationName is shown in pg_stat_activity and in the server's log lines.
const applicationName = "secretsmanager-rotation"
