package mysql

import (
	"fmt"
	"strconv"
	"strings"
)

// The SQL the rotator sends, built here as pure functions so that the statements for every
// server family and version are unit-tested (statements_test.go), including those for MySQL
// 8, which the tests cannot start.

// passwordChange describes how an account's password is to change.
type passwordChange struct {
	Plugin   string // the account's authentication plugin
	Password string // the new password
	// Keep is a password that must keep working next to the new one (MariaDB 10.4+: a
	// second authentication method, IDENTIFIED VIA p USING new OR p USING keep). Empty: none.
	Keep string
	// RetainCurrent adds RETAIN CURRENT PASSWORD (MySQL 8.0.14+ plaintext changes).
	RetainCurrent bool
	// Replace adds REPLACE 'current' (MySQL 8 accounts with PASSWORD REQUIRE CURRENT).
	Replace string
	// Plaintext sends the password itself even where a hash could be sent (MySQL: an
	// account that may change its own password but not with IDENTIFIED WITH ... AS).
	Plaintext bool
}

// statement is SQL and whether it carries a password in plaintext (the server may then
// quote it in an error, and only MySQL rewrites such statements in its logs).
type statement struct {
	SQL       string
	Plaintext bool
}

// errPluginUnsupported is returned for an account whose plugin stores no password the
// rotator can set (unix_socket, pam, ...), or whose stored form it cannot compute on a
// server that would log a plaintext password (MariaDB).
type errPluginUnsupported struct {
	Plugin string
	Server serverInfo
}

func (e *errPluginUnsupported) Error() string {
	if e.Plugin == "" {
		return "the account has no password authentication plugin"
	}
	return fmt.Sprintf("the account authenticates with plugin %q, which this rotator cannot set on %s without sending the password in plaintext; use mysql_native_password or ed25519", e.Plugin, e.Server)
}

// identified returns the IDENTIFIED clause giving an account the new password, for ALTER
// USER (create=false) or CREATE USER (create=true).
func identified(s serverInfo, c passwordChange, create bool) (statement, error) {
	q := func(v string) string { return quoteString(v, s.NoBackslashEscapes) }
	hash, hashable := hashFor(c.Plugin, c.Password)
	if s.Flavor == flavorMariaDB {
		if !hashable {
			return statement{}, &errPluginUnsupported{Plugin: c.Plugin, Server: s}
		}
		clause := "IDENTIFIED VIA " + c.Plugin + " USING " + q(hash)
		if c.Keep != "" && s.authOr() {
			keep, _ := hashFor(c.Plugin, c.Keep)
			clause += " OR " + c.Plugin + " USING " + q(keep)
		}
		return statement{SQL: clause}, nil
	}
	// MySQL.
	if !s.alterUser() {
		// 5.6: a pre-computed mysql_native_password hash.
		if c.Plugin != pluginNative {
			return statement{}, &errPluginUnsupported{Plugin: c.Plugin, Server: s}
		}
		return statement{SQL: "IDENTIFIED BY PASSWORD " + q(hash)}, nil
	}
	if hashable && c.Plugin == pluginNative && !c.Plaintext {
		return statement{SQL: "IDENTIFIED WITH " + pluginNative + " AS " + q(hash)}, nil
	}
	switch c.Plugin {
	case pluginNative, pluginCachingSHA2, pluginSHA256:
	default:
		return statement{}, &errPluginUnsupported{Plugin: c.Plugin, Server: s}
	}
	// caching_sha2_password and sha256_password salt their stored form on the server (and
	// an account may be refused IDENTIFIED WITH ... AS for itself): the password is sent, and MySQL rewrites it as <secret> in the general, slow and binary
	// logs (unless log_raw is ON).
	var clause string
	if create {
		clause = "IDENTIFIED WITH " + c.Plugin + " BY " + q(c.Password)
	} else {
		clause = "IDENTIFIED BY " + q(c.Password)
		if c.Replace != "" {
			clause += " REPLACE " + q(c.Replace)
		}
		if c.RetainCurrent && s.dualPassword() {
			clause += " RETAIN CURRENT PASSWORD"
		}
	}
	return statement{SQL: clause, Plaintext: true}, nil
}

// accountChange is the password change of one account.
type accountChange struct {
	Account account
	Change  passwordChange
}

// alterPassword changes the passwords of the accounts, all in one statement.
func alterPassword(s serverInfo, changes []accountChange) (statement, error) {
	if len(changes) == 0 {
		return statement{}, fmt.Errorf("no account to change")
	}
	if !s.alterUser() {
		if len(changes) != 1 {
			return statement{}, fmt.Errorf("%s has no ALTER USER; one account at a time", s)
		}
		return setPassword(s, &changes[0].Account, changes[0].Change)
	}
	var st statement
	parts := make([]string, len(changes))
	for i, c := range changes {
		id, err := identified(s, c.Change, false)
		if err != nil {
			return statement{}, fmt.Errorf("account %s: %w", c.Account, err)
		}
		parts[i] = c.Account.String() + " " + id.SQL
		st.Plaintext = st.Plaintext || id.Plaintext
	}
	st.SQL = "ALTER USER " + strings.Join(parts, ", ")
	return st, nil
}

// alterOwnPassword changes the password of the account logged in, with the statement an
// account without the CREATE USER privilege may use.
func alterOwnPassword(s serverInfo, c passwordChange) (statement, error) {
	if s.Flavor == flavorMariaDB || !s.alterUser() {
		// MariaDB refuses ALTER USER without CREATE USER even for oneself; SET PASSWORD
		// takes a pre-computed authentication string (for the account's first method).
		return setPassword(s, nil, c)
	}
	id, err := identified(s, c, false)
	if err != nil {
		return statement{}, err
	}
	return statement{SQL: "ALTER USER CURRENT_USER() " + id.SQL, Plaintext: id.Plaintext}, nil
}

// setPassword is SET PASSWORD [FOR account] = 'authentication string' (MariaDB, MySQL 5.6).
func setPassword(s serverInfo, a *account, c passwordChange) (statement, error) {
	hash, ok := hashFor(c.Plugin, c.Password)
	if !ok || (s.Flavor == flavorMySQL && c.Plugin != pluginNative) {
		return statement{}, &errPluginUnsupported{Plugin: c.Plugin, Server: s}
	}
	sql := "SET PASSWORD = " + quoteString(hash, s.NoBackslashEscapes)
	if a != nil {
		sql = "SET PASSWORD FOR " + a.String() + " = " + quoteString(hash, s.NoBackslashEscapes)
	}
	return statement{SQL: sql}, nil
}

// createUser creates an account with the password.
func createUser(s serverInfo, a account, c passwordChange) (statement, error) {
	c.Keep, c.RetainCurrent, c.Replace = "", false, ""
	id, err := identified(s, c, true)
	if err != nil {
		return statement{}, err
	}
	return statement{SQL: "CREATE USER " + a.String() + " " + id.SQL, Plaintext: id.Plaintext}, nil
}

// discardOldPassword drops MySQL's secondary passwords (RETAIN CURRENT PASSWORD).
func discardOldPassword(accounts []account) statement {
	parts := make([]string, len(accounts))
	for i, a := range accounts {
		parts[i] = a.String() + " DISCARD OLD PASSWORD"
	}
	return statement{SQL: "ALTER USER " + strings.Join(parts, ", ")}
}

// discardOwnOldPassword is discardOldPassword for the account logged in.
func discardOwnOldPassword() statement {
	return statement{SQL: "ALTER USER CURRENT_USER() DISCARD OLD PASSWORD"}
}

// accountOptions are the account's settings a clone copies: TLS requirements, resource
// limits and password expiry.
type accountOptions struct {
	SSLType, SSLCipher, X509Issuer, X509Subject string

	MaxQuestions, MaxUpdates, MaxConnections, MaxUserConnections int64
	// MaxStatementTime is MariaDB's max_statement_time in seconds ("" when unknown).
	MaxStatementTime string
	// Lifetime is the password lifetime in days: nil for the server's default, 0 for never.
	// HasLifetime reports whether the server has the setting at all.
	Lifetime    *int64
	HasLifetime bool
}

// requireClause is the REQUIRE clause for the options.
func (o accountOptions) requireClause(noBackslashEscapes bool) string {
	q := func(v string) string { return quoteString(v, noBackslashEscapes) }
	switch strings.ToUpper(o.SSLType) {
	case "ANY":
		return "REQUIRE SSL"
	case "X509":
		return "REQUIRE X509"
	case "SPECIFIED":
		var parts []string
		if o.X509Issuer != "" {
			parts = append(parts, "ISSUER "+q(o.X509Issuer))
		}
		if o.X509Subject != "" {
			parts = append(parts, "SUBJECT "+q(o.X509Subject))
		}
		if o.SSLCipher != "" {
			parts = append(parts, "CIPHER "+q(o.SSLCipher))
		}
		if len(parts) == 0 {
			return "REQUIRE SSL"
		}
		return "REQUIRE " + strings.Join(parts, " AND ")
	default:
		return "REQUIRE NONE"
	}
}

// setAccountOptions gives the account the options (ALTER USER; GRANT USAGE on servers
// without ALTER USER).
func setAccountOptions(s serverInfo, a account, o accountOptions) statement {
	limits := fmt.Sprintf("WITH MAX_QUERIES_PER_HOUR %d MAX_UPDATES_PER_HOUR %d MAX_CONNECTIONS_PER_HOUR %d MAX_USER_CONNECTIONS %d",
		o.MaxQuestions, o.MaxUpdates, o.MaxConnections, o.MaxUserConnections)
	if s.Flavor == flavorMariaDB && o.MaxStatementTime != "" {
		limits += " MAX_STATEMENT_TIME " + o.MaxStatementTime
	}
	req := o.requireClause(s.NoBackslashEscapes)
	if !s.alterUser() {
		return statement{SQL: "GRANT USAGE ON *.* TO " + a.String() + " " + req + " " + limits}
	}
	sql := "ALTER USER " + a.String() + " " + req + " " + limits
	if o.HasLifetime {
		switch {
		case o.Lifetime == nil:
			sql += " PASSWORD EXPIRE DEFAULT"
		case *o.Lifetime == 0:
			sql += " PASSWORD EXPIRE NEVER"
		default:
			sql += " PASSWORD EXPIRE INTERVAL " + strconv.FormatInt(*o.Lifetime, 10) + " DAY"
		}
	}
	return statement{SQL: sql}
}
