// Package postgres is the PostgreSQL rotator: a rotation.Strategy that rotates the
// password of a PostgreSQL user (engines postgres and aurora-postgresql), with the secret
// JSON, environment variables and behaviour of the AWS sample rotators
// SecretsManagerRDSPostgreSQLRotationSingleUser and ...MultiUser, and these differences:
//
//   - The new password never travels to the server: the rotator computes the SCRAM-SHA-256
//     verifier (or the MD5 one, where the server's password_encryption says md5) and sends
//     that in ALTER ROLE ... PASSWORD, so neither the statement nor a server log with
//     log_statement=all holds the password.
//   - Alternating users keep the _clone user's privileges equal to the original user's on
//     every rotation (attributes, role memberships, role settings, grants on databases,
//     schemas, tables, columns, sequences and routines), removing what the original lost.
//   - TLS is verified (verify-full) against the system roots, the embedded Amazon RDS CA
//     bundle and SSL_ROOT_CERT; a certificate or host name failure is never retried
//     without TLS.
//   - Errors name the step, the endpoint, the user and the server's or driver's own error.
//
// See README.md for the secret JSON, the environment variables and the IAM permissions.
package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/internal/db"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// Engines are the values of the secret's "engine" field this rotator accepts.
var Engines = []string{"postgres", "aurora-postgresql"}

// Defaults for fields a secret may leave out, as in the AWS samples.
const (
	DefaultPort   = 5432
	DefaultDBName = "postgres"
)

// CloneSuffix is appended to the username to make the alternate user (alternating users).
const CloneSuffix = "_clone"

// maxIdentifierLength is PostgreSQL's limit on names (NAMEDATALEN - 1 bytes).
const maxIdentifierLength = 63

// Environment variables: rotation.EnvStrategy (ROTATION_STRATEGY), db.EnvRootCert
// (SSL_ROOT_CERT), and the engine's (rotation.PasswordPolicy,
// rotation.EnvSecretsManagerEndpoint).

// DefaultPasswordPolicy is the AWS PostgreSQL samples' default: 32 characters of every
// type, without : / @ " ' \.
var DefaultPasswordPolicy = rotation.PasswordPolicy{
	Length:                  32,
	ExcludeCharacters:       `:/@"'\`,
	RequireEachIncludedType: true,
}

// Options configure a Rotator.
type Options struct {
	// Mode selects the strategy; the zero Mode is rotation.ModeSingle.
	Mode rotation.Mode
	// RootCertFiles are PEM files of extra certificate authorities to trust.
	RootCertFiles []string
	// ConnectTimeout bounds each connection attempt; 5 s (the AWS samples') when zero.
	ConnectTimeout time.Duration
	// RDS answers DescribeDBInstances and DescribeDBClusters for RDS-managed master
	// secrets; a client built from the engine's AWS configuration when nil.
	RDS RDSAPI
}

// OptionsFromEnv reads the rotator's environment variables with lookup (os.LookupEnv).
func OptionsFromEnv(lookup func(string) (string, bool)) (Options, error) {
	var o Options
	m, err := rotation.StrategyFromEnv(lookup)
	if err != nil {
		return o, err
	}
	o.Mode = m
	o.RootCertFiles = db.RootCertFilesFromEnv(lookup)
	return o, nil
}

// Rotator is the PostgreSQL rotation strategy. It is safe for concurrent use.
type Rotator struct {
	opts Options
	err  error // a configuration error, returned by every step

	tlsOnce sync.Once
	tlsMode pq.SSLMode // the registered verify-full configuration, made at the first connection
	tlsErr  error

	rdsOnce sync.Once
	rds     RDSAPI
	rdsErr  error
}

var (
	_ rotation.Strategy  = (*Rotator)(nil)
	_ rotation.Installer = (*Rotator)(nil)
)

// New returns a rotator. It fails if a root certificate file cannot be read.
func New(opts Options) (*Rotator, error) {
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 5 * time.Second
	}
	if err := opts.Mode.Check(); err != nil {
		return nil, err
	}
	// The CA files are parsed at the first connection (a fast start); here only checked.
	if err := db.CheckRootCertFiles(opts.RootCertFiles); err != nil {
		return nil, err
	}
	return &Rotator{opts: opts, rds: opts.RDS}, nil
}

// FromEnv returns a rotator configured by the environment (OptionsFromEnv). It never
// fails: a configuration error is returned by every step instead, so that it shows in
// the rotation's error and the function's log rather than as a runtime crash.
func FromEnv(lookup func(string) (string, bool)) *Rotator {
	opts, err := OptionsFromEnv(lookup)
	if err == nil {
		var r *Rotator
		if r, err = New(opts); err == nil {
			return r
		}
	}
	return &Rotator{err: fmt.Errorf("configuration: %w", err)}
}

// mode decides the strategy for a secret, from the configuration (rotation.Mode.For); in
// the opt-in auto mode it logs the warning every time.
func (r *Rotator) mode(run *rotation.Run, d *rotation.DBSecret) (rotation.Mode, error) {
	m, warning, err := r.opts.Mode.For(d.MasterARN != "")
	if err != nil {
		return "", err
	}
	if warning != nil {
		run.Logger().Warn(warning.Error(), "mode", string(m))
	}
	return m, nil
}

// parse reads a database secret of this rotator's engines; which names the version.
func parse(s *rotation.Secret, which string) (*rotation.DBSecret, error) {
	d, err := rotation.ParseDBSecret(s, Engines...)
	if err != nil {
		return nil, fmt.Errorf("%s secret: %w", which, err)
	}
	return d, nil
}

func (r *Rotator) secret(ctx context.Context, get func(context.Context) (*rotation.Secret, error), which string) (*rotation.DBSecret, error) {
	s, err := get(ctx)
	if err != nil {
		return nil, err
	}
	return parse(s, which)
}

// NewPending makes the next secret: a new password, and in alternating mode the other
// username.
func (r *Rotator) NewPending(ctx context.Context, run *rotation.Run) (*rotation.Secret, error) {
	if r.err != nil {
		return nil, r.err
	}
	cur, err := r.secret(ctx, run.Current, "current")
	if err != nil {
		return nil, err
	}
	next := cur.Secret.Clone()
	mode, err := r.mode(run, cur)
	if err != nil {
		return nil, err
	}
	if mode == rotation.ModeAlternating {
		alt, err := alternateUsername(cur.Username)
		if err != nil {
			return nil, err
		}
		next.SetString(rotation.FieldUsername, alt)
	}
	pw, err := run.NewPassword(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkASCII(pw); err != nil {
		return nil, err
	}
	next.SetString(rotation.FieldPassword, pw)
	return next, nil
}

// alternateUsername swaps between name and name_clone, as the AWS sample does.
func alternateUsername(name string) (string, error) {
	if base, ok := strings.CutSuffix(name, CloneSuffix); ok && base != "" {
		return base, nil
	}
	alt := name + CloneSuffix
	if len(alt) > maxIdentifierLength {
		return "", fmt.Errorf("username %q with %q appended would be %d bytes, more than PostgreSQL's %d", name, CloneSuffix, len(alt), maxIdentifierLength)
	}
	return alt, nil
}

// baseAndClone returns the original user and its clone for either of the two names.
func baseAndClone(name string) (base, clone string) {
	if b, ok := strings.CutSuffix(name, CloneSuffix); ok && b != "" {
		return b, name
	}
	return name, name + CloneSuffix
}

// pendingAndCurrent reads and cross-checks the pending and current secrets.
func (r *Rotator) pendingAndCurrent(ctx context.Context, run *rotation.Run) (pending, cur *rotation.DBSecret, err error) {
	if pending, err = r.secret(ctx, run.Pending, "pending"); err != nil {
		return nil, nil, err
	}
	if cur, err = r.secret(ctx, run.Current, "current"); err != nil {
		return nil, nil, err
	}
	if pe, ce := endpointOf(pending), endpointOf(cur); !pe.sameServer(ce) || pe.DBName != ce.DBName {
		return nil, nil, fmt.Errorf("the pending secret's database %s is not the current secret's %s; refusing to change a user elsewhere", pe, ce)
	}
	return pending, cur, nil
}

// Set installs the pending password.
func (r *Rotator) Set(ctx context.Context, run *rotation.Run) error {
	if r.err != nil {
		return r.err
	}
	pending, cur, err := r.pendingAndCurrent(ctx, run)
	if err != nil {
		return err
	}
	mode, err := r.mode(run, cur)
	if err != nil {
		return err
	}
	if mode == rotation.ModeAlternating {
		return r.setAlternating(ctx, run, pending, cur)
	}
	// Single user: the password changes in finishSecret (Install), right before AWSCURRENT
	// moves, so that no failure between the steps can leave AWSCURRENT unable to log in.
	// Here: check that the user logs in, which is what Install will need.
	db, label, err := r.loginSingle(ctx, run, pending, cur)
	if err != nil {
		return err
	}
	_ = db.Close()
	run.Logger().Info("single user: logs in; the password changes in finishSecret", "endpoint", endpointOf(cur).String(), "user", cur.Username, "logged_in_with", label)
	return nil
}

// Test logs in with the pending secret and checks who the session is.
func (r *Rotator) Test(ctx context.Context, run *rotation.Run) error {
	if r.err != nil {
		return r.err
	}
	pending, cur, err := r.pendingAndCurrent(ctx, run)
	if err != nil {
		return err
	}
	mode, err := r.mode(run, cur)
	if err != nil {
		return err
	}
	if mode != rotation.ModeAlternating {
		// Single user: the pending password is installed in finishSecret, which tests it
		// before moving AWSCURRENT. Here: the login Install will use still works.
		db, _, err := r.loginSingle(ctx, run, pending, cur)
		if err != nil {
			return err
		}
		return db.Close()
	}
	return r.testLogin(ctx, run, pending)
}

// testLogin logs in with the pending secret and checks who the session is.
func (r *Rotator) testLogin(ctx context.Context, run *rotation.Run, pending *rotation.DBSecret) error {
	ep := endpointOf(pending)
	db, err := r.connect(ctx, run, ep, pending.Username, pending.Password)
	if err != nil {
		return fmt.Errorf("log in to %s as %q with the pending password: %w", ep, pending.Username, err)
	}
	defer db.Close()
	var user string
	if err := db.QueryRowContext(ctx, "SELECT current_user").Scan(&user); err != nil {
		return fmt.Errorf("query %s as %q with the pending password: %w", ep, pending.Username, err)
	}
	if user != pending.Username {
		return fmt.Errorf("logged in to %s as %q, but the session's user is %q", ep, pending.Username, user)
	}
	return nil
}

// setPassword sets user's password to the verifier of password, computed as the server's
// password_encryption would.
func (r *Rotator) setPassword(ctx context.Context, q querier, user, password string) error {
	verifier, err := serverVerifier(ctx, q, user, password)
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, "ALTER ROLE "+pq.QuoteIdentifier(user)+" WITH PASSWORD "+pq.QuoteLiteral(verifier)); err != nil {
		return fmt.Errorf("ALTER ROLE %s WITH PASSWORD (verifier): %w", pq.QuoteIdentifier(user), err)
	}
	return nil
}

// serverVerifier computes the verifier of password the way the server would store it:
// SCRAM-SHA-256 unless password_encryption is md5 or the server predates SCRAM (10).
func serverVerifier(ctx context.Context, q querier, user, password string) (string, error) {
	var version int
	var encryption string
	err := q.QueryRowContext(ctx, "SELECT current_setting('server_version_num')::int, current_setting('password_encryption')").Scan(&version, &encryption)
	if err != nil {
		return "", fmt.Errorf("read server_version_num and password_encryption: %w", err)
	}
	if version < 100000 || strings.EqualFold(encryption, "md5") || strings.EqualFold(encryption, "on") {
		return md5Verifier(password, user)
	}
	return scramVerifier(password)
}

func orList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	case 2:
		return items[0] + " or " + items[1]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
