package mysql

import (
	"context"
	"errors"

	gomysql "github.com/go-sql-driver/mysql"

	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/internal/db"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// ruleCurrentLogsIn is the rule alternating users enforce before the master acts.
const ruleCurrentLogsIn = "refused: the user secret's current credentials must log in before the master changes anything"

// ruleMasterTLS is the rule for master logins.
const ruleMasterTLS = "refused: a master password is sent only over verified TLS"

// ruleUserHost is the rule for the user secret's endpoint in alternating mode.
const ruleUserHost = "refused: the user secret's host must be the master's database or one of its replicas or readers"

// masterCreds reads the master secret and decides where the master logs in: the master
// secret's own host, or, for a secret RDS manages for the master user (only username and
// password), the endpoint the RDS API gives for the instance or cluster in its tag. Never
// the user secret's host: whoever can write the user secret could name their own server.
// The user secret's endpoint must be that server or (RDS) one of its readers. The master
// always logs in over verified TLS.
func (r *Rotator) masterCreds(ctx context.Context, run *rotation.Run, m *rotation.Secret, user *rotation.DBSecret) (creds, error) {
	c := creds{Label: "master", SSL: rotation.SSLRequired}
	var err error
	if c.User, err = m.GetString(rotation.FieldUsername); err != nil {
		return c, fmt.Errorf("master secret (masterarn): %w", err)
	}
	if c.User == "" {
		return c, fmt.Errorf("master secret (masterarn): %w", &rotation.FieldError{Field: rotation.FieldUsername, Problem: "is empty"})
	}
	if c.Password, err = m.GetString(rotation.FieldPassword); err != nil {
		return c, fmt.Errorf("master secret (masterarn): %w", err)
	}
	userEP := db.Endpoint{Host: user.Host, Port: user.PortOr(defaultPort)}
	if m.Has(rotation.FieldHost) {
		d, err := rotation.ParseDBSecret(m)
		if err != nil {
			return c, fmt.Errorf("master secret (masterarn): %w", err)
		}
		if d.SSL == rotation.SSLDisabled {
			return c, fmt.Errorf(`%s: the master secret says "ssl": false; remove it`, ruleMasterTLS)
		}
		c.Host, c.Port, c.DBName = d.Host, d.PortOr(defaultPort), d.DBName
		if ep := (db.Endpoint{Host: c.Host, Port: c.Port}); !ep.Same(userEP) {
			return c, fmt.Errorf("%s: the master secret's server is %s, the user secret's %s", ruleUserHost, ep, userEP)
		}
		return c, nil
	}
	arn, err := run.MasterARN(ctx)
	if err != nil {
		return c, err
	}
	tagKey, dbARN, err := db.RDSTarget(ctx, run.SecretsManager(), arn)
	if err != nil {
		return c, fmt.Errorf("master secret (masterarn) has no host; %w", err)
	}
	if tagKey == "" {
		return c, fmt.Errorf("refused: the master secret %s has no host and no %s or %s tag (an RDS-managed master secret has one); the master's endpoint comes from the master secret or the RDS API, never from the user secret",
			arn, db.TagPrimaryDBInstanceARN, db.TagPrimaryDBClusterARN)
	}
	client, err := r.rdsClient(ctx, run)
	if err != nil {
		return c, fmt.Errorf("master secret %s: RDS client: %w", arn, err)
	}
	topo, err := db.Describe(ctx, client, tagKey, dbARN)
	if err != nil {
		return c, fmt.Errorf("master secret %s: %w", arn, err)
	}
	if !topo.Allows(userEP) {
		return c, fmt.Errorf("%s: %s gives %s, and the user secret names %s", ruleUserHost, topo.Source, topo.Describe(), userEP)
	}
	c.Host, c.Port = topo.Writer.Host, topo.Writer.Port
	run.Logger().Info("master endpoint from the RDS API", "source", topo.Source, "host", c.Host, "port", c.Port, "readers", len(topo.Readers))
	return c, nil
}

// rdsClient is Options.RDS, or a client built once from the engine's AWS configuration.
func (r *Rotator) rdsClient(ctx context.Context, run *rotation.Run) (db.RDSAPI, error) {
	if r.opts.RDS != nil {
		return r.opts.RDS, nil
	}
	r.rdsOnce.Do(func() {
		cfg, err := run.AWSConfig(ctx)
		if err != nil {
			r.rdsErr = err
			return
		}
		r.rds = db.NewRDSClient(cfg)
	})
	return r.rds, r.rdsErr
}

// setAlternating: the master user gives the pending user (username or username_clone) the
// pending password on every account (host) the original user has, creating the clone's
// accounts when missing, and makes the clone's grants, TLS requirements and account
// options equal to the original's.
func (r *Rotator) setAlternating(ctx context.Context, run *rotation.Run, pend, cur *rotation.DBSecret) error {
	log := run.Logger()
	base, clone := pend.Username, pend.Username+CloneSuffix
	if b, ok := strings.CutSuffix(pend.Username, CloneSuffix); ok && b != "" {
		base, clone = b, pend.Username
	}
	if cur.Username != base && cur.Username != clone || cur.Username == pend.Username {
		return fmt.Errorf("alternating users: the pending username %q must be the other of %q and %q, but the current one is %q", pend.Username, base, clone, cur.Username)
	}
	// The rotator acts for the user whose credentials the secret holds, not for whoever
	// edited the secret: those credentials must log in, as that user, before the master
	// changes anything (else "username": "dba_clone" would have the master reset dba).
	us, err := r.login(ctx, log, credsOf("current", cur))
	if err != nil {
		return fmt.Errorf("%s: %w", ruleCurrentLogsIn, err)
	}
	me, err := us.whoami(ctx)
	us.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", ruleCurrentLogsIn, err)
	}
	if me.User != cur.Username {
		return fmt.Errorf("%s: the current credentials logged in as %s, not as user %q (an anonymous account?)", ruleCurrentLogsIn, me, cur.Username)
	}
	master, err := run.Master(ctx)
	if err != nil {
		return err
	}
	mc, err := r.masterCreds(ctx, run, master, cur)
	if err != nil {
		return err
	}
	if mc.User == base || mc.User == clone {
		return fmt.Errorf("refused: the master user %q cannot be one of the rotated users %q and %q; give the application its own user", mc.User, base, clone)
	}
	s, err := r.login(ctx, log, mc)
	if err != nil {
		if errors.Is(err, gomysql.ErrNoTLS) {
			return fmt.Errorf("%s: master secret (masterarn): %w", ruleMasterTLS, err)
		}
		return fmt.Errorf("master secret (masterarn): %w", err)
	}
	defer s.Close()
	srv := s.server

	if max, err := s.maxUserLength(ctx); err != nil {
		return err
	} else if len([]rune(clone)) > max {
		return fmt.Errorf("the clone's username %q has %d characters; %s allows %d: use a username of at most %d characters",
			clone, len([]rune(clone)), srv, max, max-len(CloneSuffix))
	}
	baseHosts, ok, err := s.hostsOf(ctx, base)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("the master user %q may not read mysql.user: grant it SELECT on mysql.user", mc.User)
	}
	if len(baseHosts) == 0 {
		return fmt.Errorf("user %q does not exist on %s (no account in mysql.user)", base, srv)
	}
	cloneHosts, _, err := s.hostsOf(ctx, clone)
	if err != nil {
		return err
	}

	// The password: on every account of the pending user, one per host of the original.
	// Skipped when the pending password already logs in (a retried step), so that servers
	// with a password history do not refuse it as reused.
	pendCreds := credsOf("pending", pend)
	already := false
	if ps, err := r.login(ctx, log, pendCreds); err == nil {
		ps.Close()
		already = true
	} else if !isAuthFailure(err) {
		return err
	}
	var created, changed []string
	var changes []accountChange
	for _, h := range baseHosts {
		b := account{User: base, Host: h}
		methods, err := s.authOf(ctx, &b)
		if err != nil {
			return err
		}
		c := passwordChange{Plugin: methods[0].Plugin, Password: pend.Password}
		target := account{User: pend.Username, Host: h}
		if pend.Username == clone && !slices.Contains(cloneHosts, h) {
			st, err := createUser(srv, target, c)
			if err != nil {
				return fmt.Errorf("create %s: %w", target, err)
			}
			if err := s.exec(ctx, "create "+target.String(), st, pend.Password); err != nil {
				return err
			}
			cloneHosts = append(cloneHosts, h)
			created = append(created, target.String())
			continue
		}
		if !already {
			changes = append(changes, accountChange{Account: target, Change: c})
		}
	}
	if len(changes) > 0 {
		st, err := alterPassword(srv, changes)
		if err != nil {
			return err
		}
		if err := s.exec(ctx, fmt.Sprintf("set the password of %s", strings.Join(accountList(changes), ", ")), st, pend.Password); err != nil {
			return err
		}
		changed = accountList(changes)
	}

	// The clone's grants and options, equal to the original's on every host both have.
	cols, err := s.userColumns(ctx)
	if err != nil {
		return err
	}
	var granted, revoked int
	for _, h := range baseHosts {
		if !slices.Contains(cloneHosts, h) {
			continue
		}
		g, rv, err := syncAccount(ctx, s, cols, account{User: base, Host: h}, account{User: clone, Host: h})
		if err != nil {
			return err
		}
		granted, revoked = granted+g, revoked+rv
	}
	extra := slices.DeleteFunc(slices.Clone(cloneHosts), func(h string) bool { return slices.Contains(baseHosts, h) })
	log.Info("alternating user set", "server", srv.String(), "pending_user", pend.Username, "created", created, "password_set", changed,
		"grant_statements", granted, "revoke_statements", revoked, "clone_hosts_without_original", extra,
		"method", methodNote(srv, changes, pend.Password))
	return nil
}

func methodNote(srv serverInfo, changes []accountChange, pw string) string {
	for _, c := range changes {
		if _, ok := hashFor(c.Change.Plugin, pw); !ok {
			return methodOf(srv, statement{Plaintext: true})
		}
	}
	return methodOf(srv, statement{})
}

// syncAccount makes clone's account options and grants equal to orig's. It returns how many
// GRANT and REVOKE statements it ran.
func syncAccount(ctx context.Context, s *session, cols map[string]bool, orig, clone account) (granted, revoked int, err error) {
	want, err := s.optionsOf(ctx, cols, orig)
	if err != nil {
		return 0, 0, err
	}
	have, err := s.optionsOf(ctx, cols, clone)
	if err != nil {
		return 0, 0, err
	}
	if !sameOptions(want, have) {
		st := setAccountOptions(s.server, clone, want)
		if err := s.exec(ctx, fmt.Sprintf("copy the account options of %s to %s (%s)", orig, clone, st.SQL), st); err != nil {
			return 0, 0, err
		}
	}
	wantGrants, err := s.grantsOf(ctx, orig)
	if err != nil {
		return 0, 0, err
	}
	haveGrants, err := s.grantsOf(ctx, clone)
	if err != nil {
		return 0, 0, err
	}
	for _, st := range grantStatements(s.server, clone, wantGrants, haveGrants) {
		if err := s.exec(ctx, fmt.Sprintf("make the grants of %s equal to %s's (%s)", clone, orig, st.SQL), st); err != nil {
			return granted, revoked, err
		}
		if strings.HasPrefix(st.SQL, "REVOKE") {
			revoked++
		} else {
			granted++
		}
	}
	return granted, revoked, nil
}

func sameOptions(a, b accountOptions) bool {
	eqLifetime := (a.Lifetime == nil) == (b.Lifetime == nil) && (a.Lifetime == nil || *a.Lifetime == *b.Lifetime)
	a.Lifetime, b.Lifetime = nil, nil
	return a == b && eqLifetime
}

// maxUserLength is the longest user name the server takes (mysql.user's User column), 32
// (MySQL 5.7 and later) when it cannot be read.
func (s *session) maxUserLength(ctx context.Context) (int, error) {
	var n sql.NullInt64
	err := s.conn.QueryRowContext(ctx, "SELECT MAX(CHARACTER_MAXIMUM_LENGTH) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 'user' AND COLUMN_NAME = 'User'").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("read the longest user name (information_schema.COLUMNS): %w", err)
	}
	if !n.Valid || n.Int64 <= 0 {
		if s.server.Flavor == flavorMySQL && !s.server.alterUser() {
			return 16, nil
		}
		return 32, nil
	}
	return int(n.Int64), nil
}
