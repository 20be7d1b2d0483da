package postgres_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	lambdadb "github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/internal/db"

	"github.com/lib/pq"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/postgres"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// allPunctuation is every character GetRandomPassword may put in a password besides
// letters and digits.
const allPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// TestSingleUser rotates single-user secrets through the emulator's RotateSecret, with the
// AWS sample's secret JSON (port as a number and as a string), usernames that need quoting
// and passwords with every punctuation character. After each rotation the new password
// logs in, the old one no longer does, AWSCURRENT and AWSPREVIOUS are right, the server log
// (log_statement=all) never holds a new password and the function's log holds no secret.
func TestSingleUser(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	cases := []struct {
		name, user, db string
		port           any
		vars           map[string]string
		extra          map[string]any
	}{
		{name: "sample secret port number", user: "single", db: "singledb", port: 0},
		{name: "port as string and ssl true", user: "single2", db: "single2db", port: "", extra: map[string]any{"ssl": true}},
		{name: "no dbname (postgres)", user: "nodb", port: 0, extra: map[string]any{"dbname": nil}},
		{name: "space in name", user: "App User", db: "App DB", port: 0},
		{name: "upper case", user: "UPPER", db: "UPPERDB", port: 0},
		{name: "quote in name", user: `quo"te`, db: `d"b`, port: 0},
		{name: "every punctuation", user: "punct", db: "punctdb", port: 0,
			vars: map[string]string{rotation.EnvExcludeCharacters: "", rotation.EnvPasswordLength: "64"}},
		{name: "only punctuation", user: "onlypunct", db: "onlypunctdb", port: 0,
			vars: map[string]string{rotation.EnvExcludeCharacters: "", rotation.EnvExcludeLowercase: "true",
				rotation.EnvExcludeUppercase: "true", rotation.EnvExcludeNumbers: "true", rotation.EnvPasswordLength: "96"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			initial := "Init-" + strings.ReplaceAll(tc.user, " ", "_") + "-pw!1"
			createUser(t, pg, tc.user, initial, tc.db)
			dbname := tc.db
			if dbname == "" {
				dbname = "postgres"
			}
			var port any = pg.Port
			if tc.port == "" {
				port = strconv.Itoa(pg.Port)
			}
			extra := map[string]any{"port": port}
			for k, v := range tc.extra {
				extra[k] = v
			}
			e := newEmulator(t)
			e.useRotator(pg, postgres.Options{}, tc.vars)
			arn := e.createSecret("db", pgSecret(pg, tc.user, initial, tc.db, extra))
			passwords := []string{initial}
			for n := 1; n <= 2; n++ {
				rec := e.mustRotate(arn, n)
				cur, prev := e.value(arn, rotation.StageCurrent), e.value(arn, rotation.StagePrevious)
				if cur.version != rec.Token {
					t.Errorf("rotation %d: AWSCURRENT is %s, want the rotation's version %s", n, cur.version, rec.Token)
				}
				if prev.Password != passwords[len(passwords)-1] || cur.Password == prev.Password {
					t.Errorf("rotation %d: AWSPREVIOUS does not hold the password that was current", n)
				}
				if cur.Username != tc.user || string(cur.raw["port"]) != string(mustJSON(port)) || string(cur.raw["engine"]) != `"postgres"` {
					t.Errorf("rotation %d: the secret's other fields changed: username %q port %s", n, cur.Username, cur.raw["port"])
				}
				mustLogin(t, pg, tc.user, cur.Password, dbname, "the new password")
				if canLogin(pg, tc.user, prev.Password, dbname) {
					t.Errorf("rotation %d: the old password still logs in", n)
				}
				if p := holder(e.stages(arn), rotation.StagePending); p != "" {
					t.Errorf("rotation %d: AWSPENDING left on %s", n, p)
				}
				passwords = append(passwords, cur.Password)
			}
			if tc.vars[rotation.EnvExcludeLowercase] == "true" {
				// 192 characters of punctuation only: that none of these appears is all but impossible.
				var all string
				for _, p := range passwords[1:] {
					all += p
				}
				if !strings.ContainsAny(all, ":@\"'\\/") {
					t.Errorf("EXCLUDE_CHARACTERS=\"\" produced no : @ \" ' \\ / in %d characters", len(all))
				}
			}
			// The verifier is SCRAM (the server's password_encryption), computed by the
			// rotator: the statement and the server log hold the verifier, never the password.
			if got := query(t, pg, "postgres", "SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = $1", tc.user); len(got) != 1 || got[0] != "SCRAM-SHA-256$" {
				t.Errorf("stored verifier %v, want SCRAM-SHA-256", got)
			}
			log := serverLog(t, pg)
			if !strings.Contains(log, "ALTER ROLE "+pq.QuoteIdentifier(tc.user)+" WITH PASSWORD 'SCRAM-SHA-256$4096:") {
				t.Errorf("the server log does not show the rotator's ALTER ROLE with a verifier (is log_statement=all on?)")
			}
			checkNotInServerLog(t, log, passwords[1:]...)
			checkNoSecret(t, "the function's log", e.logs.String(), passwords...)
		})
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// TestAlternatingUsers rotates with a master secret: the first rotation creates
// username_clone, the next ones alternate. The current and previous credentials keep
// working; the secret's other fields survive.
func TestAlternatingUsers(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	cases := []struct {
		name, user, master string
		masterAttrs        []string
		mode               rotation.Mode
	}{
		{name: "superuser master", user: "alt", master: "", mode: rotation.ModeAlternating},
		{name: "CREATEROLE master, quoted name", user: `My "App"`, master: "Alt Admin", masterAttrs: []string{"CREATEROLE"}, mode: rotation.ModeAlternating},
		{name: "opt-in auto strategy", user: "ALT_UPPER", master: "", mode: rotation.ModeAuto},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := "db " + tc.name
			createUser(t, pg, tc.user, "Initial-pw-1", db)
			masterUser, masterPW := pg.Superuser, pg.Password
			if tc.master != "" {
				masterUser, masterPW = tc.master, "Master-pw-1"
				createUser(t, pg, tc.master, masterPW, "", tc.masterAttrs...)
			}
			e := newEmulator(t)
			e.useRotator(pg, postgres.Options{Mode: tc.mode}, nil)
			masterARN := e.createSecret("master", pgSecret(pg, masterUser, masterPW, "postgres", nil))
			arn := e.createSecret("app", pgSecret(pg, tc.user, "Initial-pw-1", db, map[string]any{"masterarn": masterARN, "note": "kept"}))
			want := []string{tc.user + "_clone", tc.user, tc.user + "_clone"}
			for n := 1; n <= 3; n++ {
				e.mustRotate(arn, n)
				cur, prev := e.value(arn, rotation.StageCurrent), e.value(arn, rotation.StagePrevious)
				if cur.Username != want[n-1] {
					t.Fatalf("rotation %d: AWSCURRENT username %q, want %q", n, cur.Username, want[n-1])
				}
				if string(cur.raw["note"]) != `"kept"` || string(cur.raw["masterarn"]) != string(mustJSON(masterARN)) {
					t.Errorf("rotation %d: fields lost: %v", n, cur.raw)
				}
				mustLogin(t, pg, cur.Username, cur.Password, db, "AWSCURRENT")
				mustLogin(t, pg, prev.Username, prev.Password, db, "AWSPREVIOUS")
			}
			checkNoSecret(t, "the function's log", e.logs.String(), masterPW, "Initial-pw-1")
			if got := query(t, pg, "postgres", "SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", tc.user+"_clone"); fmt.Sprint(got) != "[true]" {
				t.Errorf("clone rolcanlogin %v", got)
			}
		})
	}
}

// TestSingleUserPreviousPassword: when the database holds the AWSPREVIOUS password (the
// password was put back), setSecret logs in with it, as the AWS sample does.
func TestSingleUserPreviousPassword(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	createUser(t, pg, "single_prev", "Initial-pw-1", "")
	e := newEmulator(t)
	e.useRotator(pg, postgres.Options{}, nil)
	arn := e.createSecret("db", pgSecret(pg, "single_prev", "Initial-pw-1", "postgres", nil))
	e.mustRotate(arn, 1)
	execSQL(t, pg, "postgres", `ALTER ROLE single_prev PASSWORD 'Initial-pw-1'`) // back to AWSPREVIOUS
	e.mustRotate(arn, 2)
	cur := e.value(arn, rotation.StageCurrent)
	mustLogin(t, pg, "single_prev", cur.Password, "postgres", "AWSCURRENT")
	if !strings.Contains(e.logs.String(), `"logged_in_with":"previous"`) {
		t.Errorf("the log does not say setSecret logged in with the previous password")
	}
}

// TestStrategyFromConfiguration is issue 12's attack 7: a masterarn added to a
// single-user secret must not switch the rotation to alternating users with the master.
// The strategy is the function's ROTATION_STRATEGY (unset: single user); only the explicit
// "auto" lets the secret choose, and then every rotation logs a warning.
func TestStrategyFromConfiguration(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	for _, strategy := range []string{"", "auto"} {
		t.Run("ROTATION_STRATEGY="+strategy, func(t *testing.T) {
			t.Parallel()
			user := "strategy_" + map[string]string{"": "unset", "auto": "auto"}[strategy]
			createUser(t, pg, user, "Initial-pw-1", "")
			e := newEmulator(t)
			env := map[string]string{lambdadb.EnvRootCert: pg.CAFile}
			if strategy != "" {
				env[rotation.EnvStrategy] = strategy
			}
			e.register(e.engine(postgres.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }), nil).Invoke)
			masterARN := e.createSecret("master", pgSecret(pg, pg.Superuser, pg.Password, "postgres", nil))
			arn := e.createSecret("app", pgSecret(pg, user, "Initial-pw-1", "postgres", map[string]any{"masterarn": masterARN}))
			e.logs.Forbid(pg.Password)
			e.mustRotate(arn, 1)
			cur := e.value(arn, rotation.StageCurrent)
			clones := query(t, pg, "postgres", "SELECT count(*) FROM pg_roles WHERE rolname = $1", user+"_clone")
			warned := strings.Contains(e.logs.String(), "ROTATION_STRATEGY=auto: the secret's masterarn chooses alternating users")
			if strategy == "" {
				if cur.Username != user || clones[0] != "0" {
					t.Errorf("unset ROTATION_STRATEGY: AWSCURRENT user %q, %s clone roles; want the single user %q and no clone", cur.Username, clones[0], user)
				}
				if warned || strings.Contains(e.logs.String(), "master") {
					t.Errorf("unset ROTATION_STRATEGY: the log mentions the master or auto mode")
				}
			} else if cur.Username != user+"_clone" || !warned {
				t.Errorf("ROTATION_STRATEGY=auto: AWSCURRENT user %q, warned %v; want the clone and a warning", cur.Username, warned)
			}
			mustLogin(t, pg, cur.Username, cur.Password, "postgres", "AWSCURRENT")
		})
	}
}
