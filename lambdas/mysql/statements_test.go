package mysql

import (
	"slices"
	"strings"
	"testing"
)

// Servers as they describe themselves (SELECT VERSION(), @@version_comment).
var (
	mysql8     = mustServer("8.0.36", "MySQL Community Server - GPL")
	mysql84    = mustServer("8.4.3", "MySQL Community Server - GPL")
	mysql9     = mustServer("9.1.0", "MySQL Community Server - GPL")
	mysql8013  = mustServer("8.0.13", "MySQL Community Server - GPL")
	mysql57    = mustServer("5.7.44-log", "Source distribution")
	mysql56    = mustServer("5.6.51-log", "Source distribution")
	aurora3    = mustServer("8.0.mysql_aurora.3.05.2", "Source distribution")
	aurora2    = mustServer("5.7.mysql_aurora.2.11.2", "Source distribution")
	mariadb11  = mustServer("11.4.2-MariaDB-log", "managed by https://aws.amazon.com/rds/")
	mariadb10  = mustServer("10.11.19-MariaDB-0+deb12u1-log", "Debian 12")
	mariadb103 = mustServer("10.3.39-MariaDB-log", "Source distribution")
	// A MariaDB whose VERSION() says nothing of MariaDB (a custom version suffix).
	mariadbComment = mustServer("10.6.14", "MariaDB Server")
)

func mustServer(version, comment string) serverInfo {
	s, err := parseServer(version, comment)
	if err != nil {
		panic(err)
	}
	return s
}

func TestServerDetection(t *testing.T) {
	cases := []struct {
		name                               string
		s                                  serverInfo
		flavor                             flavor
		alter, authOr, dual, roles, aurora bool
	}{
		{"MySQL 8.0.36", mysql8, flavorMySQL, true, false, true, true, false},
		{"MySQL 8.4", mysql84, flavorMySQL, true, false, true, true, false},
		// The AWS samples test version.startswith('8'): MySQL 9 was "not MySQL 8".
		{"MySQL 9.1", mysql9, flavorMySQL, true, false, true, true, false},
		{"MySQL 8.0.13 (no dual passwords yet)", mysql8013, flavorMySQL, true, false, false, true, false},
		{"MySQL 5.7", mysql57, flavorMySQL, true, false, false, false, false},
		{"MySQL 5.6", mysql56, flavorMySQL, false, false, false, false, false},
		{"Aurora MySQL 3", aurora3, flavorMySQL, true, false, true, true, true},
		{"Aurora MySQL 2", aurora2, flavorMySQL, true, false, false, false, true},
		// MariaDB 10 and 11 start with "1": neither "5.x" nor "8.x".
		{"MariaDB 11.4", mariadb11, flavorMariaDB, true, true, false, true, false},
		{"MariaDB 10.11", mariadb10, flavorMariaDB, true, true, false, true, false},
		{"MariaDB 10.3", mariadb103, flavorMariaDB, true, false, false, true, false},
		{"MariaDB by its comment", mariadbComment, flavorMariaDB, true, true, false, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s
			got := []bool{s.alterUser(), s.authOr(), s.dualPassword(), s.roles(), s.Aurora}
			want := []bool{tc.alter, tc.authOr, tc.dual, tc.roles, tc.aurora}
			if s.Flavor != tc.flavor || !slices.Equal(got, want) {
				t.Errorf("%s: flavor %s features [alterUser authOr dualPassword roles aurora] %v, want %s %v", s.Version, s.Flavor, got, tc.flavor, want)
			}
		})
	}
	if _, err := parseServer("not a version", ""); err == nil {
		t.Error("parseServer accepted a version without numbers")
	}
}

func TestHashes(t *testing.T) {
	// Values computed by MariaDB 10.11's PASSWORD() (SHOW CREATE USER after IDENTIFIED BY
	// 'plainpw1' and IDENTIFIED VIA ed25519 USING PASSWORD('edpw')) and MySQL's documented
	// PASSWORD('mypass').
	cases := []struct{ plugin, password, want string }{
		{pluginNative, "plainpw1", "*554B977E0E7A417F733609FABD87F8A3A8418165"},
		{pluginNative, "mypass", "*6C8989366EAF75BB670AD8EA7A7FC1176A95CEF4"},
		{pluginEd25519, "edpw", "LIEvGDGjHTmKyz3peLRjPqahOct5n6/BQCNm1bOvot4"},
	}
	for _, tc := range cases {
		got, ok := hashFor(tc.plugin, tc.password)
		if !ok || got != tc.want {
			t.Errorf("hashFor(%s, %q) = %q, %v; want %q", tc.plugin, tc.password, got, ok, tc.want)
		}
	}
	if _, ok := hashFor(pluginCachingSHA2, "x"); ok {
		t.Error("caching_sha2_password is salted by the server; hashFor must not claim it")
	}
}

func TestQuote(t *testing.T) {
	cases := []struct{ in, def, nbe string }{
		{`plain`, `'plain'`, `'plain'`},
		{`it's`, `'it\'s'`, `'it''s'`},
		{`back\slash`, `'back\\slash'`, `'back\slash'`},
		{"nul\x00\n\r\x1a\"", `'nul\0\n\r\Z\"'`, "'nul\x00\n\r\x1a\"'"},
	}
	for _, tc := range cases {
		if got := quoteString(tc.in, false); got != tc.def {
			t.Errorf("quoteString(%q) = %s, want %s", tc.in, got, tc.def)
		}
		if got := quoteString(tc.in, true); got != tc.nbe {
			t.Errorf("quoteString(%q, NO_BACKSLASH_ESCAPES) = %s, want %s", tc.in, got, tc.nbe)
		}
	}
	if got := (account{User: "we`ird 'Us\"er", Host: "10.%"}).String(); got != "`we``ird 'Us\"er`@`10.%`" {
		t.Errorf("account = %s", got)
	}
}

const newPw = `N3w!pa"ss'w\rd`

func TestPasswordStatements(t *testing.T) {
	app := account{User: "app", Host: "%"}
	local := account{User: "app", Host: "10.0.%"}
	native := passwordChange{Plugin: pluginNative, Password: newPw}
	h := nativeHash(newPw)
	hOld := nativeHash("old")
	cases := []struct {
		name      string
		build     func() (statement, error)
		want      string
		plaintext bool
		wantErr   string
	}{
		// MySQL 8: a native account gets the hash; RETAIN is only possible with BY.
		{"MySQL 8 native, two hosts", func() (statement, error) {
			c := native
			c.RetainCurrent = true
			return alterPassword(mysql8, []accountChange{{app, c}, {local, c}})
		}, "ALTER USER `app`@`%` IDENTIFIED WITH mysql_native_password AS '" + h + "', `app`@`10.0.%` IDENTIFIED WITH mysql_native_password AS '" + h + "'", false, ""},
		{"MySQL 8 caching_sha2 with RETAIN", func() (statement, error) {
			return alterPassword(mysql8, []accountChange{{app, passwordChange{Plugin: pluginCachingSHA2, Password: newPw, RetainCurrent: true}}})
		}, `ALTER USER ` + "`app`@`%`" + ` IDENTIFIED BY 'N3w!pa\"ss\'w\\rd' RETAIN CURRENT PASSWORD`, true, ""},
		{"MySQL 8.0.13 has no RETAIN", func() (statement, error) {
			return alterPassword(mysql8013, []accountChange{{app, passwordChange{Plugin: pluginCachingSHA2, Password: newPw, RetainCurrent: true}}})
		}, `ALTER USER ` + "`app`@`%`" + ` IDENTIFIED BY 'N3w!pa\"ss\'w\\rd'`, true, ""},
		{"MySQL 8 own caching_sha2 with REPLACE", func() (statement, error) {
			return alterOwnPassword(mysql8, passwordChange{Plugin: pluginCachingSHA2, Password: "new", Replace: "cur", RetainCurrent: true})
		}, `ALTER USER CURRENT_USER() IDENTIFIED BY 'new' REPLACE 'cur' RETAIN CURRENT PASSWORD`, true, ""},
		{"MySQL 8 own native", func() (statement, error) { return alterOwnPassword(mysql8, native) },
			"ALTER USER CURRENT_USER() IDENTIFIED WITH mysql_native_password AS '" + h + "'", false, ""},
		{"MySQL 8 own native refused AS: plaintext", func() (statement, error) {
			c := native
			c.Plaintext = true
			return alterOwnPassword(mysql8, c)
		}, `ALTER USER CURRENT_USER() IDENTIFIED BY 'N3w!pa\"ss\'w\\rd'`, true, ""},
		{"MySQL 8 NO_BACKSLASH_ESCAPES", func() (statement, error) {
			s := mysql8
			s.NoBackslashEscapes = true
			return alterOwnPassword(s, passwordChange{Plugin: pluginSHA256, Password: newPw})
		}, `ALTER USER CURRENT_USER() IDENTIFIED BY 'N3w!pa"ss''w\rd'`, true, ""},
		{"MySQL 8 create clone caching_sha2", func() (statement, error) {
			return createUser(mysql8, account{User: "app_clone", Host: "%"}, passwordChange{Plugin: pluginCachingSHA2, Password: "pw", RetainCurrent: true})
		}, "CREATE USER `app_clone`@`%` IDENTIFIED WITH caching_sha2_password BY 'pw'", true, ""},
		{"MySQL 8 create clone native", func() (statement, error) {
			return createUser(mysql8, account{User: "app_clone", Host: "%"}, native)
		}, "CREATE USER `app_clone`@`%` IDENTIFIED WITH mysql_native_password AS '" + h + "'", false, ""},
		{"MySQL 8 auth_socket refused", func() (statement, error) {
			return alterPassword(mysql8, []accountChange{{app, passwordChange{Plugin: "auth_socket", Password: "x"}}})
		}, "", false, `plugin "auth_socket"`},
		{"MySQL 5.7 native", func() (statement, error) { return alterPassword(mysql57, []accountChange{{app, native}}) },
			"ALTER USER `app`@`%` IDENTIFIED WITH mysql_native_password AS '" + h + "'", false, ""},
		{"MySQL 5.6 SET PASSWORD", func() (statement, error) { return alterPassword(mysql56, []accountChange{{app, native}}) },
			"SET PASSWORD FOR `app`@`%` = '" + h + "'", false, ""},
		{"MySQL 5.6 own", func() (statement, error) { return alterOwnPassword(mysql56, native) },
			"SET PASSWORD = '" + h + "'", false, ""},
		{"MySQL 5.6 create", func() (statement, error) { return createUser(mysql56, app, native) },
			"CREATE USER `app`@`%` IDENTIFIED BY PASSWORD '" + h + "'", false, ""},
		// MariaDB: always the hash; the current password kept as a second method (10.4+).
		{"MariaDB 10.11 with kept password", func() (statement, error) {
			c := native
			c.Keep = "old"
			return alterPassword(mariadb10, []accountChange{{app, c}})
		}, "ALTER USER `app`@`%` IDENTIFIED VIA mysql_native_password USING '" + h + "' OR mysql_native_password USING '" + hOld + "'", false, ""},
		{"MariaDB 10.3 cannot keep", func() (statement, error) {
			c := native
			c.Keep = "old"
			return alterPassword(mariadb103, []accountChange{{app, c}})
		}, "ALTER USER `app`@`%` IDENTIFIED VIA mysql_native_password USING '" + h + "'", false, ""},
		{"MariaDB own", func() (statement, error) { return alterOwnPassword(mariadb10, native) },
			"SET PASSWORD = '" + h + "'", false, ""},
		{"MariaDB ed25519", func() (statement, error) {
			return createUser(mariadb11, app, passwordChange{Plugin: pluginEd25519, Password: "edpw"})
		}, "CREATE USER `app`@`%` IDENTIFIED VIA ed25519 USING 'LIEvGDGjHTmKyz3peLRjPqahOct5n6/BQCNm1bOvot4'", false, ""},
		{"MariaDB unix_socket refused", func() (statement, error) {
			return alterOwnPassword(mariadb10, passwordChange{Plugin: "unix_socket", Password: "x"})
		}, "", false, `plugin "unix_socket"`},
		{"MySQL 8 discard", func() (statement, error) { return discardOldPassword([]account{app, local}), nil },
			"ALTER USER `app`@`%` DISCARD OLD PASSWORD, `app`@`10.0.%` DISCARD OLD PASSWORD", false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, err := tc.build()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one mentioning %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.SQL != tc.want || st.Plaintext != tc.plaintext {
				t.Errorf("got  %s (plaintext %v)\nwant %s (plaintext %v)", st.SQL, st.Plaintext, tc.want, tc.plaintext)
			}
			if !st.Plaintext && strings.Contains(st.SQL, "N3w!") {
				t.Errorf("statement marked hashed carries the password: %s", st.SQL)
			}
		})
	}
}

func TestAccountOptionStatements(t *testing.T) {
	app := account{User: "app_clone", Host: "%"}
	ninety := int64(90)
	never := int64(0)
	cases := []struct {
		name string
		s    serverInfo
		o    accountOptions
		want string
	}{
		{"MySQL 8 X509 issuer and subject", mysql8, accountOptions{SSLType: "SPECIFIED", X509Issuer: "/CN=CA", X509Subject: "/CN=app's", MaxQuestions: 10, HasLifetime: true, Lifetime: &ninety},
			"ALTER USER `app_clone`@`%` REQUIRE ISSUER '/CN=CA' AND SUBJECT '/CN=app\\'s' WITH MAX_QUERIES_PER_HOUR 10 MAX_UPDATES_PER_HOUR 0 MAX_CONNECTIONS_PER_HOUR 0 MAX_USER_CONNECTIONS 0 PASSWORD EXPIRE INTERVAL 90 DAY"},
		{"MySQL 8 SSL default lifetime", mysql8, accountOptions{SSLType: "ANY", HasLifetime: true},
			"ALTER USER `app_clone`@`%` REQUIRE SSL WITH MAX_QUERIES_PER_HOUR 0 MAX_UPDATES_PER_HOUR 0 MAX_CONNECTIONS_PER_HOUR 0 MAX_USER_CONNECTIONS 0 PASSWORD EXPIRE DEFAULT"},
		{"MariaDB statement time, never expires", mariadb10, accountOptions{SSLType: "X509", MaxStatementTime: "1.500000", HasLifetime: true, Lifetime: &never},
			"ALTER USER `app_clone`@`%` REQUIRE X509 WITH MAX_QUERIES_PER_HOUR 0 MAX_UPDATES_PER_HOUR 0 MAX_CONNECTIONS_PER_HOUR 0 MAX_USER_CONNECTIONS 0 MAX_STATEMENT_TIME 1.500000 PASSWORD EXPIRE NEVER"},
		{"MySQL 5.6 through GRANT USAGE", mysql56, accountOptions{},
			"GRANT USAGE ON *.* TO `app_clone`@`%` REQUIRE NONE WITH MAX_QUERIES_PER_HOUR 0 MAX_UPDATES_PER_HOUR 0 MAX_CONNECTIONS_PER_HOUR 0 MAX_USER_CONNECTIONS 0"},
	}
	for _, tc := range cases {
		if got := setAccountOptions(tc.s, app, tc.o).SQL; got != tc.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestParseCreateUser(t *testing.T) {
	cases := []struct {
		line string
		want []authMethod
	}{
		{"CREATE USER `app`@`127.0.0.1` IDENTIFIED BY PASSWORD '*554B977E0E7A417F733609FABD87F8A3A8418165'",
			[]authMethod{{pluginNative, "*554B977E0E7A417F733609FABD87F8A3A8418165"}}},
		{"CREATE USER `app`@`%` IDENTIFIED VIA mysql_native_password USING '*AA' OR mysql_native_password USING '*BB' REQUIRE SSL",
			[]authMethod{{pluginNative, "*AA"}, {pluginNative, "*BB"}}},
		{"CREATE USER `app`@`%` IDENTIFIED VIA ed25519 USING 'LIEv' OR unix_socket",
			[]authMethod{{pluginEd25519, "LIEv"}, {"unix_socket", ""}}},
		{"CREATE USER `x`@`%`", []authMethod{{pluginNative, ""}}},
		// MySQL 8: the salt may hold any byte but the quote is escaped.
		{"CREATE USER `app`@`%` IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$a\\'b\x01c' REQUIRE NONE PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK PASSWORD HISTORY DEFAULT PASSWORD REUSE INTERVAL DEFAULT PASSWORD REQUIRE CURRENT DEFAULT",
			[]authMethod{{pluginCachingSHA2, "$A$005$a'b\x01c"}}},
		{"CREATE USER 'app'@'%' IDENTIFIED WITH 'mysql_native_password' AS '*AA' REQUIRE SSL",
			[]authMethod{{pluginNative, "*AA"}}},
	}
	for _, tc := range cases {
		got, err := parseCreateUser(tc.line)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("parseCreateUser(%q) = %v, %v; want %v", tc.line, got, err, tc.want)
		}
	}
}

func TestParseGrants(t *testing.T) {
	// MariaDB 10.11 and MySQL 8 SHOW GRANTS output.
	lines := []string{
		"GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*AB' REQUIRE SSL WITH MAX_QUERIES_PER_HOUR 5",
		"GRANT SELECT, INSERT (`User`, `Host`) ON `mysql`.`user` TO `app`@`%` WITH GRANT OPTION",
		"GRANT EXECUTE ON PROCEDURE `db`.`p1` TO `app`@`%`",
		"GRANT `r1` TO `app`@`%`",
		"GRANT `r2`@`%`,`r3`@`%` TO `app`@`%` WITH ADMIN OPTION",
		"SET DEFAULT ROLE `r1` FOR `app`@`%`",
		"GRANT APPLICATION_PASSWORD_ADMIN,BACKUP_ADMIN ON *.* TO `app`@`%`",
		"GRANT PROXY ON ''@'' TO 'app'@'%' WITH GRANT OPTION",
		"REVOKE INSERT ON `mysql`.* FROM `app`@`%`",
		"GRANT SELECT ON `we``ird db`.`t,1` TO `app`@`%` WITH MAX_QUERIES_PER_HOUR 1 GRANT OPTION",
	}
	got, err := parseGrants(lines)
	if err != nil {
		t.Fatal(err)
	}
	want := []grantItem{
		{Kind: "priv", Privilege: "SELECT", Object: "`mysql`.`user`"},
		{Kind: "priv", Privilege: "INSERT", Column: "`User`", Object: "`mysql`.`user`"},
		{Kind: "priv", Privilege: "INSERT", Column: "`Host`", Object: "`mysql`.`user`"},
		{Kind: "grantopt", Object: "`mysql`.`user`"},
		{Kind: "priv", Privilege: "EXECUTE", Object: "PROCEDURE `db`.`p1`"},
		{Kind: "role", Role: "`r1`"},
		{Kind: "role", Role: "`r2`@`%`"},
		{Kind: "roleadmin", Role: "`r2`@`%`"},
		{Kind: "role", Role: "`r3`@`%`"},
		{Kind: "roleadmin", Role: "`r3`@`%`"},
		{Kind: "defaultrole", Role: "`r1`"},
		{Kind: "priv", Privilege: "APPLICATION_PASSWORD_ADMIN", Object: "*.*"},
		{Kind: "priv", Privilege: "BACKUP_ADMIN", Object: "*.*"},
		{Kind: "proxy", Object: "''@''"},
		{Kind: "proxygrant", Object: "''@''"},
		{Kind: "partialrevoke", Privilege: "INSERT", Object: "`mysql`.*"},
		{Kind: "priv", Privilege: "SELECT", Object: "`we``ird db`.`t,1`"},
		{Kind: "grantopt", Object: "`we``ird db`.`t,1`"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("parseGrants:\ngot  %v\nwant %v", got, want)
	}
	if _, err := parseGrants([]string{"GRANT SELECT ON `db`.* TO `app`@`%` IDENTIFIED BY PASSWORD '*SECRETHASH"}); err == nil || strings.Contains(err.Error(), "SECRETHASH") {
		t.Errorf("an unterminated line: %v (must fail without quoting the hash)", err)
	}
}

func TestGrantStatements(t *testing.T) {
	orig := []string{
		"GRANT SELECT, INSERT (`a`) ON `db`.`t` TO `app`@`%` WITH GRANT OPTION",
		"GRANT `r1` TO `app`@`%`",
		"GRANT EXECUTE ON PROCEDURE `db`.`p` TO `app`@`%`",
		"SET DEFAULT ROLE `r1` FOR `app`@`%`",
	}
	clone := []string{
		"GRANT USAGE ON *.* TO `app_clone`@`%` IDENTIFIED BY PASSWORD '*AB'",
		"GRANT SELECT, UPDATE, INSERT (`a`, `b`) ON `db`.`t` TO `app_clone`@`%`",
		"GRANT DELETE ON `old`.* TO `app_clone`@`%` WITH GRANT OPTION",
		"GRANT `r2` TO `app_clone`@`%`",
	}
	want, err := parseGrants(orig)
	if err != nil {
		t.Fatal(err)
	}
	have, err := parseGrants(clone)
	if err != nil {
		t.Fatal(err)
	}
	c := account{User: "app_clone", Host: "%"}
	var got []string
	for _, st := range grantStatements(mariadb10, c, want, have) {
		got = append(got, st.SQL)
	}
	wantSQL := []string{
		"GRANT EXECUTE ON PROCEDURE `db`.`p` TO `app_clone`@`%`",
		"GRANT USAGE ON `db`.`t` TO `app_clone`@`%` WITH GRANT OPTION",
		"GRANT `r1` TO `app_clone`@`%`",
		"SET DEFAULT ROLE `r1` FOR `app_clone`@`%`",
		"REVOKE UPDATE, INSERT (`b`) ON `db`.`t` FROM `app_clone`@`%`",
		"REVOKE DELETE ON `old`.* FROM `app_clone`@`%`",
		"REVOKE GRANT OPTION ON `old`.* FROM `app_clone`@`%`",
		"REVOKE `r2` FROM `app_clone`@`%`",
	}
	if !slices.Equal(got, wantSQL) {
		t.Errorf("grantStatements:\ngot\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(wantSQL, "\n  "))
	}
	// MySQL 8: default roles with TO; admin option cannot be revoked alone.
	want, _ = parseGrants([]string{"GRANT `r1`@`%` TO `app`@`%`"})
	have, _ = parseGrants([]string{"GRANT `r1`@`%` TO `app_clone`@`%` WITH ADMIN OPTION", "SET DEFAULT ROLE `r1`@`%` FOR `app_clone`@`%`"})
	got = nil
	for _, st := range grantStatements(mysql8, c, want, have) {
		got = append(got, st.SQL)
	}
	wantSQL = []string{"REVOKE `r1`@`%` FROM `app_clone`@`%`", "GRANT `r1`@`%` TO `app_clone`@`%`", "SET DEFAULT ROLE NONE TO `app_clone`@`%`"}
	if !slices.Equal(got, wantSQL) {
		t.Errorf("MySQL 8 roles:\ngot\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(wantSQL, "\n  "))
	}
	// Equal grants: nothing to do.
	if sts := grantStatements(mysql8, c, want, want); len(sts) != 0 {
		t.Errorf("equal grants gave %v", sts)
	}
}

func TestSecretStatementError(t *testing.T) {
	// The server quotes the statement in a syntax error: the message is withheld.
	err := secretStatementError(&mysqlErr{Number: 1064, Message: "You have an error in your SQL syntax near 'N3w!pa' at line 1"}, newPw)
	if strings.Contains(err.Error(), "N3w!") || !strings.Contains(err.Error(), "1064") {
		t.Errorf("withheld error: %v", err)
	}
	err = secretStatementError(&mysqlErr{Number: 1227, Message: "Access denied; you need (at least one of) the CREATE USER privilege(s)"}, newPw)
	if !strings.Contains(err.Error(), "CREATE USER privilege") {
		t.Errorf("an error without the password is kept: %v", err)
	}
}

type mysqlErr = mysqlError
