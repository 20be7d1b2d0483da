package postgres_test

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/lib/pq"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/postgres"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// TestVerifiersMatchTheServer has PostgreSQL hash passwords itself (CREATE ROLE with the
// plaintext, under each password_encryption) and checks that the rotator computes the same
// verifier from the same salt: what ALTER ROLE receives is exactly what the server would
// have stored.
func TestVerifiersMatchTheServer(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	passwords := []string{"pw", allPunctuation, "with space", "tab\there", strings.Repeat("Aa1!", 64), "ctl\x01char"}
	for i, pw := range passwords {
		for _, enc := range []string{"scram-sha-256", "md5"} {
			role := "verifier_" + enc[:3] + "_" + string(rune('a'+i))
			execSQL(t, pg, "postgres", "SET password_encryption = '"+enc+"'; CREATE ROLE "+pq.QuoteIdentifier(role)+" PASSWORD "+pq.QuoteLiteral(pw))
			stored := query(t, pg, "postgres", "SELECT rolpassword FROM pg_authid WHERE rolname = $1", role)[0]
			var got string
			var err error
			if enc == "md5" {
				got, err = postgres.MD5Verifier(pw, role)
			} else {
				// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
				rest, ok := strings.CutPrefix(stored, "SCRAM-SHA-256$4096:")
				if !ok {
					t.Fatalf("stored verifier %q", stored)
				}
				salt, err2 := base64.StdEncoding.DecodeString(rest[:strings.IndexByte(rest, '$')])
				if err2 != nil {
					t.Fatal(err2)
				}
				got, err = postgres.ScramVerifierWithSalt(pw, salt, 4096)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != stored {
				t.Errorf("%s of password %d: rotator %q, server %q", enc, i, got, stored)
			}
		}
	}
	if _, err := postgres.ScramVerifierWithSalt("pässword", []byte("0123456789abcdef"), 4096); err == nil || !strings.Contains(err.Error(), "SASLprep") {
		t.Errorf("a non-ASCII password: error %v, want one about SASLprep", err)
	}
}

func TestSplitGUCList(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want []string
		ok   bool
	}{
		{`"$user", public`, []string{"$user", "public"}, true},
		{`a,b , "c d" ,"e""f"`, []string{"a", "b", "c d", `e"f`}, true},
		{``, nil, true},
		{`"unterminated`, nil, false},
		{`a,,b`, nil, false},
		{`a b`, nil, false},
	}
	for _, tc := range cases {
		got, ok := postgres.SplitGUCList(tc.in)
		if ok != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("SplitGUCList(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestAlternateUsername(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want, err string }{
		{"app", "app_clone", ""},
		{"app_clone", "app", ""},
		{"My App_clone", "My App", ""},
		{"_clone", "_clone_clone", ""},
		{strings.Repeat("a", 57), strings.Repeat("a", 57) + "_clone", ""},
		{strings.Repeat("a", 58), "", "64 bytes"},
	}
	for _, tc := range cases {
		got, err := postgres.AlternateUsername(tc.in)
		if got != tc.want || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("AlternateUsername(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestOptionsFromEnv(t *testing.T) {
	t.Parallel()
	cases := []struct {
		env   map[string]string
		mode  rotation.Mode
		files []string
		err   string
	}{
		{env: nil, mode: rotation.ModeSingle},
		{env: map[string]string{"ROTATION_STRATEGY": ""}, mode: rotation.ModeSingle},
		{env: map[string]string{"ROTATION_STRATEGY": "Single"}, mode: rotation.ModeSingle},
		{env: map[string]string{"ROTATION_STRATEGY": " alternating "}, mode: rotation.ModeAlternating},
		{env: map[string]string{"ROTATION_STRATEGY": "multi-user"}, mode: rotation.ModeAlternating},
		{env: map[string]string{"ROTATION_STRATEGY": "auto"}, mode: rotation.ModeAuto},
		{env: map[string]string{"ROTATION_STRATEGY": "both"}, err: `ROTATION_STRATEGY="both"`},
		{env: map[string]string{"SSL_ROOT_CERT": "/a.pem:/b.pem"}, mode: rotation.ModeSingle, files: []string{"/a.pem", "/b.pem"}},
	}
	for _, tc := range cases {
		o, err := postgres.OptionsFromEnv(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: error %v, want %q", tc.env, err, tc.err)
			}
			continue
		}
		if err != nil || o.Mode != tc.mode || !slices.Equal(o.RootCertFiles, tc.files) {
			t.Errorf("%v: %+v, %v", tc.env, o, err)
		}
	}
	if _, err := postgres.New(postgres.Options{Mode: "sometimes"}); err == nil {
		t.Errorf("New accepted an unknown mode")
	}
	if _, err := postgres.New(postgres.Options{RootCertFiles: []string{"/nonexistent.pem"}}); err == nil {
		t.Errorf("New accepted a missing root certificate file")
	}
}
