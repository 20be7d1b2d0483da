// Package mysql is the rotation strategy for MySQL, Aurora MySQL and MariaDB database
// users, on the rotation engine (lambdas/rotation). It reads and writes the AWS sample
// rotators' secrets unchanged, and rotates in one of two ways:
//
//   - single user: the user changes its own password, logged in with the pending password
//     (already set), else the current one, else the previous one.
//   - alternating users: the master user (the secret named by "masterarn") sets the
//     password of whichever of username and username_clone is not current, creating the
//     clone when it is missing and keeping its grants, TLS requirements and account options
//     equal to the original's.
//
// The new password is sent as the hash the server stores (mysql_native_password's
// "*SHA1(SHA1(password))", MariaDB's ed25519 public key) wherever the server accepts one,
// so that it never appears in the server's general log, slow log, binary log or process
// list. Only MySQL accounts using caching_sha2_password or sha256_password, whose stored
// form the server salts, get the password itself; MySQL writes such statements to its logs
// with the password replaced by <secret>. See README.md for the details, the secret JSON and
// the environment variables.
package mysql

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/internal/db"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// Engines are the values of the secret's "engine" field this rotator accepts.
var Engines = []string{"mysql", "aurora-mysql", "mariadb"}

// CloneSuffix is appended to the username to make the alternate user (alternating users),
// as in the AWS samples.
const CloneSuffix = "_clone"

// Environment variables: rotation.EnvStrategy (ROTATION_STRATEGY), db.EnvRootCert
// (SSL_ROOT_CERT), and the engine's (rotation.PasswordPolicy,
// rotation.EnvSecretsManagerEndpoint).

// DefaultPasswordPolicy is the AWS MySQL samples' default: 32 characters of every type,
// without / @ " ' \.
var DefaultPasswordPolicy = rotation.PasswordPolicy{
	Length:                  32,
	ExcludeCharacters:       `/@"'\`,
	RequireEachIncludedType: true,
}

// Options configure a Rotator.
type Options struct {
	// Mode selects the strategy; the zero Mode is rotation.ModeSingle.
	Mode rotation.Mode
	// RootCertFiles are PEM files of extra certificate authorities to trust.
	RootCertFiles []string
	// ConnectTimeout bounds each connection attempt; 5 s when zero.
	ConnectTimeout time.Duration
	// StatementTimeout bounds each read and write on a connection; 30 s when zero.
	StatementTimeout time.Duration
	// RDS answers DescribeDBInstances and DescribeDBClusters for RDS-managed master
	// secrets; a client built from the engine's AWS configuration when nil.
	RDS db.RDSAPI
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

// Rotator is the MySQL and MariaDB rotation strategy (a rotation.Strategy and
// rotation.Finisher). It is safe for concurrent use.
type Rotator struct {
	opts Options
	err  error // a configuration error, returned by every step

	poolOnce sync.Once
	pool     *x509.CertPool
	poolErr  error

	rdsOnce sync.Once
	rds     db.RDSAPI
	rdsErr  error
}

// New returns a Rotator. It fails on an unknown mode or a root certificate file it cannot
// open.
func New(opts Options) (*Rotator, error) {
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 5 * time.Second
	}
	if opts.StatementTimeout <= 0 {
		opts.StatementTimeout = 30 * time.Second
	}
	if err := opts.Mode.Check(); err != nil {
		return nil, err
	}
	// The CA files are parsed at the first connection (a fast start); here only checked.
	if err := db.CheckRootCertFiles(opts.RootCertFiles); err != nil {
		return nil, err
	}
	return &Rotator{opts: opts}, nil
}

// FromEnv returns a Rotator configured by the environment (OptionsFromEnv), with the AWS
// samples' password policy applied by the engine (DefaultPasswordPolicy). It never fails:
// a configuration error is returned by every step instead, so that it shows in the
// rotation's error and the function's log rather than as a runtime crash.
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

// parse reads a version of the secret.
func parse(label string, s *rotation.Secret) (*rotation.DBSecret, error) {
	d, err := rotation.ParseDBSecret(s, Engines...)
	if err != nil {
		return nil, fmt.Errorf("%s secret: %w", label, err)
	}
	return d, nil
}

func (r *Rotator) current(ctx context.Context, run *rotation.Run) (*rotation.DBSecret, error) {
	s, err := run.Current(ctx)
	if err != nil {
		return nil, err
	}
	return parse("current", s)
}

func (r *Rotator) pending(ctx context.Context, run *rotation.Run) (*rotation.DBSecret, error) {
	s, err := run.Pending(ctx)
	if err != nil {
		return nil, err
	}
	return parse("pending", s)
}

// NewPending makes the pending secret: a new password, and (alternating users) the other
// username. It does not touch the database.
func (r *Rotator) NewPending(ctx context.Context, run *rotation.Run) (*rotation.Secret, error) {
	if r.err != nil {
		return nil, r.err
	}
	cur, err := r.current(ctx, run)
	if err != nil {
		return nil, err
	}
	mode, err := r.mode(run, cur)
	if err != nil {
		return nil, err
	}
	pw, err := run.NewPassword(ctx)
	if err != nil {
		return nil, err
	}
	next := cur.WithPassword(pw)
	if mode == rotation.ModeAlternating {
		next.SetString(rotation.FieldUsername, otherUser(cur.Username))
	}
	return next, nil
}

// otherUser is the alternate of a username: name_clone for name, name for name_clone.
func otherUser(u string) string {
	if base, ok := strings.CutSuffix(u, CloneSuffix); ok && base != "" {
		return base
	}
	return u + CloneSuffix
}

// Set makes the database accept the pending secret.
func (r *Rotator) Set(ctx context.Context, run *rotation.Run) error {
	if r.err != nil {
		return r.err
	}
	pend, err := r.pending(ctx, run)
	if err != nil {
		return err
	}
	cur, err := r.current(ctx, run)
	if err != nil {
		return err
	}
	mode, err := r.mode(run, cur)
	if err != nil {
		return err
	}
	if mode == rotation.ModeAlternating {
		return r.setAlternating(ctx, run, pend, cur)
	}
	// Single user: the password changes in finishSecret (Install), right before AWSCURRENT
	// moves, so that no failure between the steps can leave AWSCURRENT unable to log in.
	// Here: check that the user logs in, which is what Install will need.
	s, label, err := r.loginSingle(ctx, run, pend, cur)
	if err != nil {
		return err
	}
	s.Close()
	run.Logger().Info("single user: logs in; the password changes in finishSecret", "logged_in_with", label)
	return nil
}

// Install (finishSecret, single user only) sets the pending password and checks that it
// logs in; undo gives the user its current password back.
func (r *Rotator) Install(ctx context.Context, run *rotation.Run) (func(context.Context) error, error) {
	if r.err != nil {
		return nil, r.err
	}
	pend, err := r.pending(ctx, run)
	if err != nil {
		return nil, err
	}
	cur, err := r.current(ctx, run)
	if err != nil {
		return nil, err
	}
	mode, err := r.mode(run, cur)
	if err != nil {
		return nil, err
	}
	if mode == rotation.ModeAlternating {
		return nil, nil // setSecret did the work; the current user is untouched
	}
	return r.installSingle(ctx, run, pend, cur)
}

// Test logs in with the pending secret and checks which account the server took it for.
// In single user mode, where the pending password is set in finishSecret, it checks that
// the login finishSecret will use works.
func (r *Rotator) Test(ctx context.Context, run *rotation.Run) error {
	if r.err != nil {
		return r.err
	}
	pend, err := r.pending(ctx, run)
	if err != nil {
		return err
	}
	cur, err := r.current(ctx, run)
	if err != nil {
		return err
	}
	mode, err := r.mode(run, cur)
	if err != nil {
		return err
	}
	if mode != rotation.ModeAlternating {
		s, _, err := r.loginSingle(ctx, run, pend, cur)
		if err != nil {
			return err
		}
		s.Close()
		return nil
	}
	return r.testLogin(ctx, run, pend)
}

// testLogin logs in with the pending secret and checks which account the server took it
// for.
func (r *Rotator) testLogin(ctx context.Context, run *rotation.Run, pend *rotation.DBSecret) error {
	s, err := r.login(ctx, run.Logger(), credsOf("pending", pend))
	if err != nil {
		return err
	}
	defer s.Close()
	me, err := s.whoami(ctx)
	if err != nil {
		return err
	}
	if me.User != pend.Username {
		return fmt.Errorf("logged in with the pending secret as %s, which is not user %q (an anonymous account?)", me, pend.Username)
	}
	run.Logger().Info("pending secret logs in", "account", me.String(), "server", s.server.String(), "tls", s.tls)
	return nil
}

// Finish drops the old password that single user rotation kept valid next to the new one
// (MariaDB's second authentication method, MySQL's secondary password), once the new
// password is current. Alternating users have nothing to clean up.
func (r *Rotator) Finish(ctx context.Context, run *rotation.Run) error {
	if r.err != nil {
		return r.err
	}
	cur, err := r.current(ctx, run)
	if err != nil {
		return err
	}
	mode, err := r.mode(run, cur)
	if err != nil {
		return err
	}
	if mode == rotation.ModeAlternating {
		return nil
	}
	return r.finishSingle(ctx, run, cur)
}
