package postgres

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/lib/pq"
)

// What "the clone's privileges equal the original's" means here. Each is a fact about a role
// that can be given to the clone (grant) or taken from it (revoke):
//
//   - attributes: SUPERUSER, CREATEDB, CREATEROLE, INHERIT, REPLICATION, BYPASSRLS and the
//     connection limit (LOGIN and the password are the clone's own; VALID UNTIL belongs to
//     the password and is not copied);
//   - membership in other roles, with ADMIN OPTION;
//   - role settings (ALTER ROLE ... [IN DATABASE ...] SET), in every database;
//   - grants, WITH GRANT OPTION too, on databases (all of them), and in the database the
//     rotator connects to (the secret's dbname): schemas, tables, views, materialized views,
//     foreign tables, columns, sequences, functions, procedures and aggregates.
//
// Objects owned by the original or by the clone are left out: their owner's privileges are
// implicit. The clone is also a member of the original (as the AWS sample makes it), so it
// can use what the original owns and, through SET ROLE, create objects the original will
// own; that membership is kept and is not compared.

// fact is one privilege of a role, with the statements that give it to or take it from the
// clone.
type fact struct {
	grant, revoke string
}

// facts is a role's privileges, by a description that names the object and the privilege
// but not the role.
type facts map[string]fact

// privilege names come from the server (aclexplode); only these words reach SQL text.
var privilegeName = regexp.MustCompile(`^[A-Z]+( [A-Z]+)?$`)

// settingName is a configuration parameter name as pg_db_role_setting stores it.
var settingName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)*$`)

// listQuoteSettings are the GUC_LIST_QUOTE parameters: their stored value is a list of
// identifiers, to be given back element by element (as pg_dump does).
var listQuoteSettings = map[string]bool{
	"local_preload_libraries": true, "search_path": true, "session_preload_libraries": true,
	"shared_preload_libraries": true, "temp_tablespaces": true, "unix_socket_directories": true,
}

// roleFacts reads the privileges of the role with oid, with statements acting on the
// clone (quoted name q). owners are the roles whose objects are left out; skipMember is a
// role whose membership is not a fact (the original, for the clone).
func roleFacts(ctx context.Context, tx querier, oid uint32, q string, owners [2]uint32, skipMember uint32) (facts, error) {
	f := facts{}
	add := func(key, grant, revoke string) { f[key] = fact{grant: grant, revoke: revoke} }

	// Attributes.
	var super, inherit, createRole, createDB, replication, bypassRLS bool
	var connLimit int
	err := tx.QueryRowContext(ctx, `SELECT rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolconnlimit
		FROM pg_catalog.pg_roles WHERE oid = $1::oid`, oid).Scan(&super, &inherit, &createRole, &createDB, &replication, &bypassRLS, &connLimit)
	if err != nil {
		return nil, fmt.Errorf("read role attributes: %w", err)
	}
	for _, a := range []struct {
		on   bool
		name string
	}{{super, "SUPERUSER"}, {inherit, "INHERIT"}, {createRole, "CREATEROLE"}, {createDB, "CREATEDB"}, {replication, "REPLICATION"}, {bypassRLS, "BYPASSRLS"}} {
		if a.on {
			add("attribute "+a.name, "ALTER ROLE "+q+" WITH "+a.name, "ALTER ROLE "+q+" WITH NO"+a.name)
		}
	}
	if connLimit != -1 {
		add(fmt.Sprintf("connection limit %d", connLimit), fmt.Sprintf("ALTER ROLE %s WITH CONNECTION LIMIT %d", q, connLimit),
			"ALTER ROLE "+q+" WITH CONNECTION LIMIT -1")
	}

	// Memberships (PostgreSQL 16 may record several grants of one role; any with ADMIN
	// OPTION counts).
	rows, err := tx.QueryContext(ctx, `SELECT r.rolname, bool_or(m.admin_option)
		FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles r ON r.oid = m.roleid
		WHERE m.member = $1::oid AND m.roleid <> $2::oid GROUP BY r.rolname`, oid, skipMember)
	if err != nil {
		return nil, fmt.Errorf("read role memberships: %w", err)
	}
	err = scanRows(rows, func(rows rowScanner) error {
		var name string
		var admin bool
		if err := rows.Scan(&name, &admin); err != nil {
			return err
		}
		r := pq.QuoteIdentifier(name)
		add("member of "+r, "GRANT "+r+" TO "+q, "REVOKE "+r+" FROM "+q)
		if admin {
			add("member of "+r+" WITH ADMIN OPTION", "GRANT "+r+" TO "+q+" WITH ADMIN OPTION", "REVOKE ADMIN OPTION FOR "+r+" FROM "+q)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read role memberships: %w", err)
	}

	// Role settings.
	rows, err = tx.QueryContext(ctx, `SELECT COALESCE(d.datname, ''), s.setconfig
		FROM pg_catalog.pg_db_role_setting s LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
		WHERE s.setrole = $1::oid`, oid)
	if err != nil {
		return nil, fmt.Errorf("read role settings: %w", err)
	}
	err = scanRows(rows, func(rows rowScanner) error {
		var db string
		var config []string
		if err := rows.Scan(&db, pq.Array(&config)); err != nil {
			return err
		}
		scope := ""
		if db != "" {
			scope = " IN DATABASE " + pq.QuoteIdentifier(db)
		}
		for _, kv := range config {
			name, value, ok := strings.Cut(kv, "=")
			if !ok || !settingName.MatchString(name) {
				return fmt.Errorf("unexpected role setting %q", kv)
			}
			add("setting"+scope+" "+kv, "ALTER ROLE "+q+scope+" SET "+name+" TO "+settingValue(name, value),
				"ALTER ROLE "+q+scope+" RESET "+name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read role settings: %w", err)
	}

	// Grants.
	rows, err = tx.QueryContext(ctx, grantsQuery, oid, owners[0], owners[1])
	if err != nil {
		return nil, fmt.Errorf("read grants: %w", err)
	}
	err = scanRows(rows, func(rows rowScanner) error {
		var kind, object, column, privilege string
		var grantable bool
		if err := rows.Scan(&kind, &object, &column, &privilege, &grantable); err != nil {
			return err
		}
		if !privilegeName.MatchString(privilege) {
			return fmt.Errorf("unexpected privilege %q on %s %s", privilege, kind, object)
		}
		target := privilege + " ON " + kind + " " + object
		if kind == "COLUMN" {
			target = privilege + " (" + column + ") ON TABLE " + object
		}
		add(target, "GRANT "+target+" TO "+q, "REVOKE "+target+" FROM "+q)
		if grantable {
			add(target+" WITH GRANT OPTION", "GRANT "+target+" TO "+q+" WITH GRANT OPTION", "REVOKE GRANT OPTION FOR "+target+" FROM "+q)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read grants: %w", err)
	}
	return f, nil
}

// grantsQuery lists the grants to role $1 on objects not owned by $2 or $3: kind (as GRANT
// names it), the object's quoted name, the quoted column (COLUMN only), the privilege and
// whether it is grantable.
const grantsQuery = `
SELECT 'DATABASE', format('%I', d.datname), '', a.privilege_type, a.is_grantable
FROM pg_catalog.pg_database d, pg_catalog.aclexplode(d.datacl) a
WHERE a.grantee = $1::oid AND d.datdba NOT IN ($2::oid, $3::oid)
UNION ALL
SELECT 'SCHEMA', format('%I', n.nspname), '', a.privilege_type, a.is_grantable
FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
WHERE a.grantee = $1::oid AND n.nspowner NOT IN ($2::oid, $3::oid)
UNION ALL
SELECT CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, format('%I.%I', n.nspname, c.relname), '', a.privilege_type, a.is_grantable
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace, pg_catalog.aclexplode(c.relacl) a
WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p', 'S') AND a.grantee = $1::oid AND c.relowner NOT IN ($2::oid, $3::oid)
UNION ALL
SELECT 'COLUMN', format('%I.%I', n.nspname, c.relname), format('%I', att.attname), a.privilege_type, a.is_grantable
FROM pg_catalog.pg_attribute att JOIN pg_catalog.pg_class c ON c.oid = att.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace, pg_catalog.aclexplode(att.attacl) a
WHERE att.attnum > 0 AND NOT att.attisdropped AND c.relkind IN ('r', 'v', 'm', 'f', 'p')
  AND a.grantee = $1::oid AND c.relowner NOT IN ($2::oid, $3::oid)
UNION ALL
SELECT 'ROUTINE', format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)), '', a.privilege_type, a.is_grantable
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace, pg_catalog.aclexplode(p.proacl) a
WHERE a.grantee = $1::oid AND p.proowner NOT IN ($2::oid, $3::oid)`

type rowScanner interface{ Scan(dest ...any) error }

type sqlRows interface {
	rowScanner
	Next() bool
	Err() error
	Close() error
}

func scanRows(rows sqlRows, each func(rowScanner) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// settingValue renders a stored setting value as SET ... TO accepts it back unchanged.
func settingValue(name, value string) string {
	if listQuoteSettings[strings.ToLower(name)] {
		if items, ok := splitGUCList(value); ok && len(items) > 0 {
			quoted := make([]string, len(items))
			for i, it := range items {
				quoted[i] = pq.QuoteLiteral(it)
			}
			return strings.Join(quoted, ", ")
		}
	}
	return pq.QuoteLiteral(value)
}

// splitGUCList splits a list setting as PostgreSQL's SplitGUCList does: comma-separated
// items, each either bare (up to a comma or space) or double-quoted with "" for a quote.
func splitGUCList(s string) ([]string, bool) {
	var out []string
	i := 0
	skipSpace := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f' || s[i] == '\v') {
			i++
		}
	}
	skipSpace()
	if i == len(s) {
		return nil, true
	}
	for {
		var item strings.Builder
		if i < len(s) && s[i] == '"' {
			i++
			for {
				if i >= len(s) {
					return nil, false // unterminated quote
				}
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						item.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				item.WriteByte(s[i])
				i++
			}
		} else {
			start := i
			for i < len(s) && s[i] != ',' && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' {
				i++
			}
			if i == start {
				return nil, false // empty item
			}
			item.WriteString(s[start:i])
		}
		out = append(out, item.String())
		skipSpace()
		if i == len(s) {
			return out, true
		}
		if s[i] != ',' {
			return nil, false
		}
		i++
		skipSpace()
	}
}

// syncPrivileges makes the privileges of clone equal to base's, in tx, and checks the
// result. It returns the number of statements it ran.
func syncPrivileges(ctx context.Context, tx querier, base, clone string) (int, error) {
	b, err := lookupRole(ctx, tx, base)
	if err != nil {
		return 0, err
	}
	c, err := lookupRole(ctx, tx, clone)
	if err != nil {
		return 0, err
	}
	if b == nil || c == nil {
		return 0, fmt.Errorf("roles %q and %q must both exist", base, clone)
	}
	q := pq.QuoteIdentifier(clone)
	owners := [2]uint32{b.OID, c.OID}
	var stmts []string
	var member bool
	err = tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members WHERE roleid = $1::oid AND member = $2::oid)`,
		b.OID, c.OID).Scan(&member)
	if err != nil {
		return 0, fmt.Errorf("read membership of %q in %q: %w", clone, base, err)
	}
	if !member {
		stmts = append(stmts, "GRANT "+pq.QuoteIdentifier(base)+" TO "+q)
	}
	want, err := roleFacts(ctx, tx, b.OID, q, owners, 0)
	if err != nil {
		return 0, fmt.Errorf("privileges of %q: %w", base, err)
	}
	have, err := roleFacts(ctx, tx, c.OID, q, owners, b.OID)
	if err != nil {
		return 0, fmt.Errorf("privileges of %q: %w", clone, err)
	}
	for _, k := range slices.Sorted(maps.Keys(have)) {
		if _, ok := want[k]; !ok {
			stmts = append(stmts, have[k].revoke)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if _, ok := have[k]; !ok {
			stmts = append(stmts, want[k].grant)
		}
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return 0, fmt.Errorf("%s: %w", s, err)
		}
	}
	if len(stmts) == 0 {
		return 0, nil
	}
	// Check: a REVOKE only removes what the master (or, for a superuser, the owner)
	// granted, and a setting may not read back as written.
	want, err = roleFacts(ctx, tx, b.OID, q, owners, 0)
	if err != nil {
		return 0, fmt.Errorf("privileges of %q: %w", base, err)
	}
	have, err = roleFacts(ctx, tx, c.OID, q, owners, b.OID)
	if err != nil {
		return 0, fmt.Errorf("privileges of %q: %w", clone, err)
	}
	if diff := diffFacts(want, have); len(diff) > 0 {
		return 0, fmt.Errorf("after copying, %q still differs from %q: %s (a grant made by another role can only be revoked by that role or a superuser)",
			clone, base, strings.Join(diff, "; "))
	}
	return len(stmts), nil
}

// diffFacts describes the differences, at most ten.
func diffFacts(want, have facts) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if _, ok := have[k]; !ok {
			out = append(out, "lacks "+k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(have)) {
		if _, ok := want[k]; !ok {
			out = append(out, "has "+k)
		}
	}
	if len(out) > 10 {
		out = append(out[:10], fmt.Sprintf("and %d more", len(out)-10))
	}
	return out
}
