package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// passwordWant describes what a generated password must look like.
type passwordWant struct {
	length                            int
	lower, upper, digit, punct, space bool // the type may occur
	needLower, needUpper, needDigit   bool // the type must occur (require_each_included_type)
	needPunct, needSpace              bool
	excluded                          string
}

// passwordTestCases are GetRandomPassword options and what they must produce, shared by the
// data source and ephemeral resource tests.
var passwordTestCases = []struct {
	name string
	args string
	want passwordWant
}{
	{"defaults", ``, passwordWant{length: 32, lower: true, upper: true, digit: true, punct: true,
		needLower: true, needUpper: true, needDigit: true, needPunct: true}},
	{"length and no punctuation", `password_length = 8
    exclude_punctuation = true`, passwordWant{length: 8, lower: true, upper: true, digit: true,
		needLower: true, needUpper: true, needDigit: true}},
	{"uppercase and punctuation only", `password_length = 40
    exclude_numbers = true
    exclude_lowercase = true`, passwordWant{length: 40, upper: true, punct: true, needUpper: true, needPunct: true}},
	{"digits only", `password_length = 64
    exclude_uppercase = true
    exclude_lowercase = true
    exclude_punctuation = true`, passwordWant{length: 64, digit: true, needDigit: true}},
	{"space required", `password_length = 12
    include_space = true`, passwordWant{length: 12, lower: true, upper: true, digit: true, punct: true, space: true,
		needLower: true, needUpper: true, needDigit: true, needPunct: true, needSpace: true}},
	{"excluded characters", `password_length = 300
    exclude_characters = "aeiouAEIOU0/@\"'\\"`, passwordWant{length: 300, lower: true, upper: true, digit: true, punct: true,
		needLower: true, needUpper: true, needDigit: true, needPunct: true, excluded: "aeiouAEIOU0/@\"'\\"}},
	{"one character without require_each_included_type", `password_length = 1
    require_each_included_type = false`, passwordWant{length: 1, lower: true, upper: true, digit: true, punct: true}},
}

// check returns an error naming what is wrong with pw; it never includes pw itself.
func (w passwordWant) check(pw string) error {
	if n := len([]rune(pw)); n != w.length {
		return fmt.Errorf("password has %d characters, want %d", n, w.length)
	}
	var has = map[string]bool{}
	for _, r := range pw {
		var class string
		allowed := false
		switch {
		case unicode.IsLower(r) && r < 128:
			class, allowed = "lowercase", w.lower
		case unicode.IsUpper(r) && r < 128:
			class, allowed = "uppercase", w.upper
		case unicode.IsDigit(r) && r < 128:
			class, allowed = "digit", w.digit
		case r == ' ':
			class, allowed = "space", w.space
		case strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r):
			class, allowed = "punctuation", w.punct
		default:
			return fmt.Errorf("password contains a character outside printable ASCII (U+%04X)", r)
		}
		if !allowed {
			return fmt.Errorf("password contains a %s character, which the options exclude", class)
		}
		if strings.ContainsRune(w.excluded, r) {
			return fmt.Errorf("password contains the excluded character %q", r)
		}
		has[class] = true
	}
	for class, need := range map[string]bool{"lowercase": w.needLower, "uppercase": w.needUpper, "digit": w.needDigit,
		"punctuation": w.needPunct, "space": w.needSpace} {
		if need && !has[class] {
			return fmt.Errorf("password has no %s character although require_each_included_type is on", class)
		}
	}
	return nil
}

func TestPasswordWantCheckFails(t *testing.T) {
	t.Parallel()
	// The checker itself must be able to fail, or the tests below prove nothing.
	w := passwordTestCases[1].want // 8 characters, no punctuation, each other type required
	for pw, why := range map[string]string{"aB3defgh": "", "aB3defg": "7 characters", "aB3defg!": "punctuation",
		"abcdefg1": "uppercase", "aB3de gh": "space"} {
		err := w.check(pw)
		if (err == nil) != (why == "") || (err != nil && !strings.Contains(err.Error(), why)) {
			t.Errorf("check(%q) = %v, want an error about %q", pw, err, why)
		}
	}
}

func TestAccRandomPasswordDataSource(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for _, tc := range passwordTestCases {
		t.Run(tc.name, func(t *testing.T) {
			var first string
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories(),
				Steps: []resource.TestStep{{
					Config: env.providerConfig("") + fmt.Sprintf(`
data "secretsmanager_random_password" "p" {
    %s
}`, tc.args),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttrWith("data.secretsmanager_random_password.p", "random_password", func(pw string) error {
							first = pw
							return tc.want.check(pw)
						}),
						resource.TestCheckResourceAttr("data.secretsmanager_random_password.p", "id", "us-east-1"),
					),
				}, {
					// Every read is a new password (documented): a re-read must differ.
					Config: env.providerConfig("") + fmt.Sprintf("data \"secretsmanager_random_password\" \"p\" {\n%s\n}", tc.args),
					Check: resource.TestCheckResourceAttrWith("data.secretsmanager_random_password.p", "random_password", func(pw string) error {
						// A single character repeats too often to compare two draws.
						if pw == first && tc.want.length >= 8 {
							return fmt.Errorf("the second read returned the same password")
						}
						return tc.want.check(pw)
					}),
				}},
			})
		})
	}
}

// TestAccRandomPasswordDataSourceInState is the positive control of the ephemeral resource's
// "never in state" test: the same search finds the data source's password in plan and state.
func TestAccRandomPasswordDataSourceInState(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.providerConfig("") + `
data "secretsmanager_random_password" "p" {
` + recognisablePasswordArgs + `
}
output "pw" {
  value     = data.secretsmanager_random_password.p.random_password
  sensitive = true
}`,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{jsonSearchPlan(recognisablePassword, true)},
			},
			ConfigStateChecks: []statecheck.StateCheck{jsonSearchState(recognisablePassword, true)},
		}},
	})
}

func TestAccRandomPasswordDataSourceValidation(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	testRandomPasswordRejected(t, env, env.factories(), func(args string) string {
		return "data \"secretsmanager_random_password\" \"p\" {\n" + args + "\n}"
	})
}

// testRandomPasswordRejected plans each of randomPasswordInvalid in the configuration that
// config makes of its arguments: each must fail at plan time, without a GetRandomPassword call.
func testRandomPasswordRejected(t *testing.T, env *testEnv, factories map[string]func() (tfprotov6.ProviderServer, error), config func(args string) string) {
	for _, tc := range randomPasswordInvalid {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: factories,
				Steps: []resource.TestStep{{
					Config:      env.providerConfig("") + config(tc.args),
					ExpectError: tc.err,
				}},
			})
		})
	}
	if n := env.Calls()["secretsmanager.GetRandomPassword"]; n != 0 {
		t.Fatalf("invalid options reached AWS: %d GetRandomPassword calls; they must fail at plan time", n)
	}
}

// randomPasswordInvalid are options Secrets Manager refuses; each must fail at plan time with
// a diagnostic naming the attribute.
var randomPasswordInvalid = []struct {
	name string
	args string
	err  *regexp.Regexp
}{
	{"zero length", `password_length = 0`, regexp.MustCompile(`Invalid password_length[\s\S]*from 1 to 4096`)},
	{"too long", `password_length = 4097`, regexp.MustCompile(`Invalid password_length[\s\S]*from 1 to 4096`)},
	{"everything excluded", `
    exclude_numbers = true
    exclude_punctuation = true
    exclude_uppercase = true
    exclude_lowercase = true`, regexp.MustCompile(`No characters left to build a password`)},
	{"everything excluded by characters", `
    exclude_numbers = true
    exclude_punctuation = true
    exclude_uppercase = true
    exclude_characters = "abcdefghijklmnopqrstuvwxyz"`, regexp.MustCompile(`No characters left to build a password`)},
	{"too short for every type", `password_length = 3`, regexp.MustCompile(`password_length too short[\s\S]*at\s+least\s+4`)},
	{"exclusion list too long", `exclude_characters = "` + strings.Repeat("a", 4097) + `"`, regexp.MustCompile(`Invalid exclude_characters`)},
}

// A password made of one repeated letter is recognisable anywhere: a search for it finds it
// in plan, state or logs if it leaked, without the test knowing a random value.
const recognisablePasswordArgs = `
    password_length     = 48
    exclude_numbers     = true
    exclude_punctuation = true
    exclude_uppercase   = true
    exclude_characters  = "abcdefghijklmnoprstuvwxyz"`

var recognisablePassword = strings.Repeat("q", 48)

// jsonSearch reports whether needle occurs in the JSON form of v (a plan or state as
// `terraform show -json` gives it).
func jsonSearch(v any, needle string) (bool, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return false, err
	}
	return strings.Contains(string(b), needle), nil
}

// jsonSearchPlan checks whether the saved plan contains needle.
func jsonSearchPlan(needle string, want bool) plancheck.PlanCheck {
	return planCheckFunc(func(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
		found, err := jsonSearch(req.Plan, needle)
		switch {
		case err != nil:
			resp.Error = err
		case found != want:
			resp.Error = fmt.Errorf("plan contains the password: %v, want %v", found, want)
		}
	})
}

// jsonSearchState checks whether the state contains needle.
func jsonSearchState(needle string, want bool) statecheck.StateCheck {
	return stateCheckFunc(func(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
		found, err := jsonSearch(req.State, needle)
		switch {
		case err != nil:
			resp.Error = err
		case found != want:
			resp.Error = fmt.Errorf("state contains the password: %v, want %v", found, want)
		}
	})
}

// fileContains reports whether the file at p contains needle; a missing file is an error.
func fileContains(p, needle string) (bool, error) {
	b, err := os.ReadFile(filepath.Clean(p))
	if err != nil {
		return false, err
	}
	return strings.Contains(string(b), needle), nil
}
