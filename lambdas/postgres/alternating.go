package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/lib/pq"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/internal/db"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// The tags RDS puts on the master user secrets it manages (ManageMasterUserPassword).
const (
	TagPrimaryDBInstanceARN = db.TagPrimaryDBInstanceARN
	TagPrimaryDBClusterARN  = db.TagPrimaryDBClusterARN
)

// RDSAPI is what the rotator asks RDS (db.NewRDSClient by default).
type RDSAPI = db.RDSAPI

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (r *Rotator) rdsClient(ctx context.Context, run *rotation.Run) (RDSAPI, error) {
	if r.rds != nil {
		return r.rds, nil
	}
	r.rdsOnce.Do(func() {
		cfg, err := run.AWSConfig(ctx)
		if err != nil {
			r.rdsErr = err
			return
		}
		r.rds = db.NewRDSClient(cfg)
	})
	if r.rdsErr != nil {
		return nil, r.rdsErr
	}
	return r.rds, nil
}

// ruleMasterTLS is the rule for master logins.
const ruleMasterTLS = "refused: a master password is sent only over verified TLS"

// master is the master user and where to reach it.
type master struct {
	ARN      string
	Username string
	Password string
	Endpoint endpoint
	Source   string // "secret" or the RDS API call that gave the endpoint
	// Topology is what the RDS API said about an RDS-managed master's database; nil when
	// the master secret names its host.
	Topology *db.Topology
}

// master reads the master secret named by the current secret's masterarn. A master secret
// managed by RDS has only username and password: its endpoint comes from
// DescribeDBInstances or DescribeDBClusters for the ARN in its aws:rds:primarydb* tag. The
// master logs in to the current secret's database (dbname), as in the AWS sample.
func (r *Rotator) master(ctx context.Context, run *rotation.Run, cur *rotation.DBSecret) (*master, error) {
	arn, err := run.MasterARN(ctx)
	if err != nil {
		return nil, err
	}
	s, err := run.Master(ctx)
	if err != nil {
		return nil, err
	}
	m := &master{ARN: arn, Source: "secret"}
	if !s.Has(rotation.FieldHost) {
		if err := r.fromRDS(ctx, run, arn, s, m); err != nil {
			return nil, err
		}
	}
	d, err := rotation.ParseDBSecret(s, Engines...)
	if err != nil {
		return nil, fmt.Errorf("master secret %s: %w", arn, err)
	}
	m.Username, m.Password = d.Username, d.Password
	m.Endpoint = endpointOf(d)
	m.Endpoint.DBName = cur.DBNameOr(DefaultDBName)
	// A master password goes only over verified TLS, whatever the secrets say.
	if d.SSL == rotation.SSLDisabled {
		return nil, fmt.Errorf("%s: the master secret %s says \"ssl\": false; remove it", ruleMasterTLS, arn)
	}
	m.Endpoint.SSL = rotation.SSLRequired
	return m, nil
}

// fromRDS fills host, port and engine of an RDS-managed master secret from the RDS API,
// and keeps the topology (the endpoints a user secret may name).
func (r *Rotator) fromRDS(ctx context.Context, run *rotation.Run, arn string, s *rotation.Secret, m *master) error {
	tagKey, dbARN, err := db.RDSTarget(ctx, run.SecretsManager(), arn)
	if err != nil {
		return fmt.Errorf("master secret %s has no host; %w", arn, err)
	}
	if tagKey == "" {
		return fmt.Errorf("master secret %s: %w, and it has no %s or %s tag (an RDS-managed master secret has one); the master's endpoint comes from the master secret or the RDS API, never from the user secret",
			arn, &rotation.FieldError{Field: rotation.FieldHost, Problem: "is missing"}, TagPrimaryDBInstanceARN, TagPrimaryDBClusterARN)
	}
	client, err := r.rdsClient(ctx, run)
	if err != nil {
		return fmt.Errorf("master secret %s: RDS client: %w", arn, err)
	}
	topo, err := db.Describe(ctx, client, tagKey, dbARN)
	if err != nil {
		return fmt.Errorf("master secret %s: %w", arn, err)
	}
	m.Source, m.Topology = topo.Source, topo
	s.SetString(rotation.FieldHost, topo.Writer.Host)
	if err := s.Set(rotation.FieldPort, topo.Writer.Port); err != nil {
		return err
	}
	s.SetString(rotation.FieldEngine, topo.Engine)
	run.Logger().Info("master endpoint from the RDS API", "master", arn, "source", m.Source, "host", topo.Writer.Host, "port", topo.Writer.Port,
		"readers", len(topo.Readers))
	return nil
}

// setAlternating makes the pending user (username or username_clone) log in with the
// pending password, as the master user, creating the clone when it does not exist, and
// makes the clone's privileges equal to the original user's. Everything the master
// changes is one transaction: on any error nothing is changed.
func (r *Rotator) setAlternating(ctx context.Context, run *rotation.Run, pending, cur *rotation.DBSecret) error {
	if want, err := alternateUsername(cur.Username); err != nil {
		return err
	} else if pending.Username != want {
		return fmt.Errorf("the pending secret's username %q is neither the current user %q nor its alternate %q", pending.Username, cur.Username, want)
	}
	ep := endpointOf(cur)
	m, err := r.master(ctx, run, cur)
	if err != nil {
		return err
	}
	// The user secret may name the master's server, or (RDS) one of its readers: the
	// master changes the user on the writer, and replication brings it to the reader.
	if !m.Endpoint.sameServer(ep) && (m.Topology == nil || !m.Topology.Allows(db.Endpoint{Host: ep.Host, Port: ep.Port})) {
		where := m.Endpoint.String()
		if m.Topology != nil {
			where = m.Topology.Describe()
		}
		return fmt.Errorf("refused: the user secret's host must be the master's database or one of its replicas or readers: the master secret's database %s (from %s; endpoints %s) is not the current secret's %s", m.Endpoint, m.Source, where, ep)
	}
	// The current credentials must work: the rotator acts for the user the secret holds,
	// not for whoever edited the secret (the AWS sample's confused deputy check).
	db, err := r.connect(ctx, run, ep, cur.Username, cur.Password)
	if err != nil {
		return fmt.Errorf("log in to %s as %q with the current password (checked before the master changes anything): %w", ep, cur.Username, err)
	}
	_ = db.Close()
	// Already set by an earlier attempt of this step?
	pendingWorks := false
	if db, err := r.connect(ctx, run, ep, pending.Username, pending.Password); err == nil {
		_ = db.Close()
		pendingWorks = true
	} else if !isAuthFailure(err) {
		return fmt.Errorf("log in to %s as %q with the pending password: %w", ep, pending.Username, err)
	}

	mdb, err := r.connect(ctx, run, m.Endpoint, m.Username, m.Password)
	if err != nil {
		if errors.Is(err, pq.ErrSSLNotSupported) {
			return fmt.Errorf("%s: log in to %s as %q with the master secret %s: %w", ruleMasterTLS, m.Endpoint, m.Username, m.ARN, err)
		}
		return fmt.Errorf("log in to %s as %q with the master secret %s: %w", m.Endpoint, m.Username, m.ARN, err)
	}
	defer mdb.Close()
	tx, err := mdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin a transaction on %s as master %q: %w", m.Endpoint, m.Username, err)
	}
	defer func() { _ = tx.Rollback() }()

	base, clone := baseAndClone(pending.Username)
	baseRole, err := lookupRole(ctx, tx, base)
	if err != nil {
		return err
	}
	if baseRole == nil {
		return fmt.Errorf("the original user %q does not exist on %s", base, ep)
	}
	pendingRole, err := lookupRole(ctx, tx, pending.Username)
	if err != nil {
		return err
	}
	created := false
	switch {
	case pendingRole == nil:
		verifier, err := serverVerifier(ctx, tx, pending.Username, pending.Password)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "CREATE ROLE "+pq.QuoteIdentifier(pending.Username)+" WITH LOGIN PASSWORD "+pq.QuoteLiteral(verifier)); err != nil {
			return fmt.Errorf("CREATE ROLE %s as master %q: %w", pq.QuoteIdentifier(pending.Username), m.Username, err)
		}
		created = true
	case !pendingWorks:
		if _, err := tx.ExecContext(ctx, "ALTER ROLE "+pq.QuoteIdentifier(pending.Username)+" WITH LOGIN"); err != nil {
			return fmt.Errorf("ALTER ROLE %s WITH LOGIN as master %q: %w", pq.QuoteIdentifier(pending.Username), m.Username, err)
		}
		if err := r.setPassword(ctx, tx, pending.Username, pending.Password); err != nil {
			return fmt.Errorf("as master %q: %w", m.Username, err)
		}
	}
	changes, err := syncPrivileges(ctx, tx, base, clone)
	if err != nil {
		return fmt.Errorf("make the privileges of %q equal to %q's on %s as master %q: %w", clone, base, ep, m.Username, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit on %s as master %q: %w", ep, m.Username, err)
	}
	run.Logger().Info("alternate user set", "endpoint", ep.String(), "user", pending.Username, "created", created,
		"password_changed", created || !pendingWorks, "privilege_changes", changes)
	return nil
}

// role is a row of pg_roles.
type role struct {
	OID  uint32
	Name string
}

func lookupRole(ctx context.Context, q querier, name string) (*role, error) {
	var r role
	err := q.QueryRowContext(ctx, "SELECT oid, rolname FROM pg_catalog.pg_roles WHERE rolname = $1", name).Scan(&r.OID, &r.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up role %q: %w", name, err)
	}
	return &r, nil
}
