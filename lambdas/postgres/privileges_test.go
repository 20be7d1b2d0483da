package postgres_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/postgres"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// privilegesOf describes a role's privileges through catalogs and the information_schema
// (not the rotator's own queries): attributes, memberships (but in the original), settings,
// and grants on databases, schemas, tables, columns, sequences and routines.
func privilegesOf(t *testing.T, pg *testenv.Postgres, dbname, role, base string) []string {
	t.Helper()
	conn, err := sqlOpen(superuserDSN(pg, dbname))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	query := func(t testing.TB, _ *testenv.Postgres, _, q string, args ...any) []string {
		return queryDB(t, conn, q, args...)
	}
	var out []string
	add := func(prefix string, rows []string) {
		for _, r := range rows {
			out = append(out, prefix+" "+r)
		}
	}
	add("attributes", query(t, pg, dbname, `SELECT rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolconnlimit
		FROM pg_roles WHERE rolname = $1`, role))
	add("member of", query(t, pg, dbname, `SELECT r.rolname, m.admin_option FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
		WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1) AND r.rolname <> $2`, role, base))
	add("setting", query(t, pg, dbname, `SELECT COALESCE(d.datname, '*'), s.setconfig FROM pg_db_role_setting s LEFT JOIN pg_database d ON d.oid = s.setdatabase
		WHERE s.setrole = (SELECT oid FROM pg_roles WHERE rolname = $1)`, role))
	add("database", query(t, pg, dbname, `SELECT d.datname, a.privilege_type, a.is_grantable FROM pg_database d, aclexplode(d.datacl) a
		WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1)`, role))
	add("schema", query(t, pg, dbname, `SELECT n.nspname, a.privilege_type, a.is_grantable FROM pg_namespace n, aclexplode(n.nspacl) a
		WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1) AND pg_get_userbyid(n.nspowner) NOT IN ($1, $2)`, role, base))
	add("table", query(t, pg, dbname, `SELECT table_schema, table_name, privilege_type, is_grantable FROM information_schema.table_privileges
		WHERE grantee = $1 AND grantor NOT IN ($1, $2)`, role, base))
	add("column", query(t, pg, dbname, `SELECT table_schema, table_name, column_name, privilege_type, is_grantable FROM information_schema.column_privileges
		WHERE grantee = $1 AND grantor NOT IN ($1, $2) AND (table_schema, table_name, privilege_type) NOT IN
		(SELECT table_schema, table_name, privilege_type FROM information_schema.table_privileges WHERE grantee = $1)`, role, base))
	add("routine", query(t, pg, dbname, `SELECT routine_schema, routine_name, privilege_type, is_grantable FROM information_schema.routine_privileges
		WHERE grantee = $1 AND grantor NOT IN ($1, $2)`, role, base))
	add("usage", query(t, pg, dbname, `SELECT object_schema, object_name, object_type, privilege_type, is_grantable FROM information_schema.usage_privileges
		WHERE grantee = $1 AND grantor NOT IN ($1, $2)`, role, base))
	slices.Sort(out)
	return out
}

func checkEqualPrivileges(t *testing.T, pg *testenv.Postgres, dbname, base string, want []string) {
	t.Helper()
	clone := base + "_clone"
	got, orig := privilegesOf(t, pg, dbname, clone, base), privilegesOf(t, pg, dbname, base, base)
	if !slices.Equal(got, orig) {
		t.Errorf("privileges of %s differ from %s's:\n%s:\n  %s\n%s:\n  %s", clone, base, base, strings.Join(orig, "\n  "), clone, strings.Join(got, "\n  "))
	}
	for _, w := range want {
		if !slices.Contains(orig, w) {
			t.Errorf("%s lacks %q (the test's setup is wrong): %v", base, w, orig)
		}
	}
}

// TestAlternatingPrivileges checks that the clone's privileges equal the original's after
// every rotation: created with them, then following what the original gains and loses.
func TestAlternatingPrivileges(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	const db = "privdb"
	execSQL(t, pg, "postgres",
		`CREATE ROLE priv_readers NOLOGIN`, `CREATE ROLE priv_writers NOLOGIN`, `CREATE ROLE "Priv Owner" NOLOGIN`,
		`CREATE ROLE priv_app LOGIN CREATEDB CONNECTION LIMIT 7 PASSWORD 'Initial-pw-1'`,
		`GRANT priv_readers TO priv_app`, `GRANT priv_writers TO priv_app WITH ADMIN OPTION`,
		`ALTER ROLE priv_app SET search_path = "$user", "Odd Schema", public`,
		`CREATE DATABASE privdb`,
		`ALTER ROLE priv_app IN DATABASE privdb SET statement_timeout = '5s'`,
		`GRANT CREATE, TEMPORARY ON DATABASE privdb TO priv_app`,
	)
	execSQL(t, pg, db,
		`CREATE SCHEMA sch AUTHORIZATION "Priv Owner"`,
		`GRANT USAGE ON SCHEMA sch TO priv_app`, `GRANT CREATE ON SCHEMA sch TO priv_app WITH GRANT OPTION`,
		`CREATE TABLE sch."Mixed Case" (id int, "Secret Col" text)`, `ALTER TABLE sch."Mixed Case" OWNER TO "Priv Owner"`,
		`GRANT SELECT, INSERT ON sch."Mixed Case" TO priv_app`, `GRANT UPDATE (id) ON sch."Mixed Case" TO priv_app`,
		`CREATE SEQUENCE sch.seq`, `ALTER SEQUENCE sch.seq OWNER TO "Priv Owner"`, `GRANT USAGE ON SEQUENCE sch.seq TO priv_app`,
		`CREATE FUNCTION sch.f(a int, b text) RETURNS int LANGUAGE sql AS 'SELECT a'`, `ALTER FUNCTION sch.f(int, text) OWNER TO "Priv Owner"`,
		`REVOKE EXECUTE ON FUNCTION sch.f(int, text) FROM PUBLIC`, `GRANT EXECUTE ON FUNCTION sch.f(int, text) TO priv_app`,
		`CREATE TABLE public.apps_own (x int)`, `ALTER TABLE public.apps_own OWNER TO priv_app`, `INSERT INTO public.apps_own VALUES (42)`,
	)
	e := newEmulator(t)
	e.useRotator(pg, postgres.Options{Mode: rotation.ModeAlternating}, nil)
	masterARN := e.createSecret("master", pgSecret(pg, pg.Superuser, pg.Password, "postgres", nil))
	arn := e.createSecret("priv_app", pgSecret(pg, "priv_app", "Initial-pw-1", db, map[string]any{"masterarn": masterARN}))

	e.mustRotate(arn, 1)
	checkEqualPrivileges(t, pg, db, "priv_app", []string{
		"attributes false | true | false | true | false | false | 7",
		"member of priv_readers | false", "member of priv_writers | true",
		`setting * | {"search_path=\"$user\", \"Odd Schema\", public"}`,
		`setting privdb | {statement_timeout=5s}`,
		"database privdb | CREATE | false", "database privdb | TEMPORARY | false",
		"schema sch | USAGE | false", "schema sch | CREATE | true",
		"table sch | Mixed Case | SELECT | NO", "table sch | Mixed Case | INSERT | NO",
		"column sch | Mixed Case | id | UPDATE | NO",
		"routine sch | f | EXECUTE | NO", "usage sch | seq | SEQUENCE | USAGE | NO",
	})
	// The clone works like the original: it reads the original's own table (membership in
	// the original) and the granted one, and cannot update a column it was not granted.
	cur := e.value(arn, rotation.StageCurrent)
	for _, q := range []string{`SELECT x FROM public.apps_own`, `SELECT count(*) FROM sch."Mixed Case"`, `SELECT sch.f(1, 'x')`,
		`UPDATE sch."Mixed Case" SET id = 1 WHERE false`, `SET ROLE priv_app`} {
		if err := runAs(pg, cur.Username, cur.Password, db, q); err != nil {
			t.Errorf("as %s: %s: %v", cur.Username, q, err)
		}
	}
	if err := runAs(pg, cur.Username, cur.Password, db, `UPDATE sch."Mixed Case" SET "Secret Col" = 'x' WHERE false`); err == nil {
		t.Errorf("the clone may update a column the original may not")
	}

	// The original gains and loses privileges, and the clone got one of its own: the next
	// rotation (pending is the original) and the one after follow.
	execSQL(t, pg, "postgres",
		`REVOKE priv_readers FROM priv_app`, `GRANT priv_readers TO priv_app_clone WITH ADMIN OPTION`, `ALTER ROLE priv_app NOCREATEDB CREATEROLE CONNECTION LIMIT -1`,
		`ALTER ROLE priv_app RESET search_path`, `ALTER ROLE priv_app SET work_mem = '8MB'`, `ALTER ROLE priv_app_clone SET lock_timeout = '1s'`,
		`REVOKE TEMPORARY ON DATABASE privdb FROM priv_app`, `GRANT CONNECT ON DATABASE privdb TO priv_app_clone`)
	execSQL(t, pg, db,
		`REVOKE INSERT ON sch."Mixed Case" FROM priv_app`, `GRANT DELETE ON sch."Mixed Case" TO priv_app WITH GRANT OPTION`,
		`REVOKE GRANT OPTION FOR CREATE ON SCHEMA sch FROM priv_app`,
		`CREATE TABLE sch.newer (y int)`, `ALTER TABLE sch.newer OWNER TO "Priv Owner"`, `GRANT SELECT (y) ON sch.newer TO priv_app`,
		`GRANT TRUNCATE ON sch."Mixed Case" TO priv_app_clone`, `GRANT UPDATE ON SEQUENCE sch.seq TO priv_app_clone`,
		`REVOKE EXECUTE ON FUNCTION sch.f(int, text) FROM priv_app`)
	for n := 2; n <= 3; n++ {
		e.mustRotate(arn, n)
		checkEqualPrivileges(t, pg, db, "priv_app", []string{
			"attributes false | true | true | false | false | false | -1",
			"member of priv_writers | true", `setting * | {work_mem=8MB}`, "database privdb | CREATE | false",
			"table sch | Mixed Case | DELETE | YES", "column sch | newer | y | SELECT | NO", "schema sch | CREATE | false",
		})
	}
	cur = e.value(arn, rotation.StageCurrent)
	mustLogin(t, pg, cur.Username, cur.Password, db, "AWSCURRENT")
}

// TestAlternatingGrantMasterCannotRevoke: a grant to the clone made by a role the master
// cannot act for makes setSecret fail with a message that names it, and the transaction
// leaves the database as it was.
func TestAlternatingGrantMasterCannotRevoke(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	const db = "grantdb"
	execSQL(t, pg, "postgres",
		`CREATE ROLE cr_admin LOGIN CREATEROLE PASSWORD 'Admin-pw-1'`,
		`CREATE ROLE cr_app LOGIN PASSWORD 'Initial-pw-1'`, `CREATE DATABASE grantdb`)
	e := newEmulator(t)
	e.useRotator(pg, postgres.Options{Mode: rotation.ModeAlternating}, nil)
	masterARN := e.createSecret("master", pgSecret(pg, "cr_admin", "Admin-pw-1", "postgres", nil))
	arn := e.createSecret("cr_app", pgSecret(pg, "cr_app", "Initial-pw-1", db, map[string]any{"masterarn": masterARN}))
	e.mustRotate(arn, 1)
	e.mustRotate(arn, 2) // cr_app is current again; cr_app_clone exists

	execSQL(t, pg, db, `CREATE ROLE cr_stranger NOLOGIN`, `CREATE TABLE strangers (x int)`, `ALTER TABLE strangers OWNER TO cr_stranger`,
		`CREATE TABLE admins (x int)`, `ALTER TABLE admins OWNER TO cr_admin`, `GRANT SELECT ON admins TO cr_stranger WITH GRANT OPTION`)
	cases := []struct {
		name, grant, revoke string
		want                []string
	}{
		{
			// The master has no privilege on the table: the REVOKE itself fails.
			name: "master without privileges", grant: `GRANT SELECT ON strangers TO cr_app_clone`, revoke: `REVOKE SELECT ON strangers FROM cr_app_clone`,
			want: []string{`REVOKE SELECT ON TABLE public.strangers FROM "cr_app_clone"`, "pq: permission denied for table strangers (42501)"},
		},
		{
			// The master owns the table, but its REVOKE only takes back its own grants.
			name: "grant by another grantor", grant: `GRANT SELECT ON admins TO cr_app_clone`, revoke: `REVOKE SELECT ON admins FROM cr_app_clone`,
			want: []string{`"cr_app_clone" still differs from "cr_app": has SELECT ON TABLE public.admins`, "only be revoked by that role or a superuser"},
		},
	}
	n := 2
	for _, tc := range cases {
		execSQL(t, pg, db, `SET ROLE cr_stranger; `+tc.grant+`; RESET ROLE`)
		before := roleState(t, pg, db, "cr_admin", "cr_app", "cr_app_clone", "cr_stranger")
		n++
		rec := e.rotateAgain(arn, n)
		if rec.Outcome != "failed" {
			t.Fatalf("%s: rotation %s, want failed", tc.name, rec.Outcome)
		}
		for _, want := range append(tc.want, "setSecret", `as master "cr_admin"`) {
			if !strings.Contains(rec.Error, want) {
				t.Errorf("%s: error %q does not mention %q", tc.name, rec.Error, want)
			}
		}
		if after := roleState(t, pg, db, "cr_admin", "cr_app", "cr_app_clone", "cr_stranger"); after != before {
			t.Errorf("%s: the failed setSecret changed the database:\nbefore:\n%s\nafter:\n%s", tc.name, before, after)
		}
		e.checkCurrentLogsIn(pg, arn, db)
		execSQL(t, pg, db, `SET ROLE cr_stranger; `+tc.revoke+`; RESET ROLE`)
		n++
		e.mustRotate(arn, n)
		e.checkCurrentLogsIn(pg, arn, db)
	}
}

// runAs runs a statement as user.
func runAs(pg *testenv.Postgres, user, password, dbname, stmt string) error {
	c := pg.DSN(user, password, dbname)
	db, err := sqlOpen(c)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(stmt)
	return err
}
