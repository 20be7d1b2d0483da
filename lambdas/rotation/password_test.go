package rotation_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

func lookupMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestPasswordPolicyWithEnv(t *testing.T) {
	t.Parallel()
	def := rotation.DefaultPasswordPolicy
	with := func(f func(*rotation.PasswordPolicy)) rotation.PasswordPolicy {
		p := def
		f(&p)
		return p
	}
	cases := []struct {
		name    string
		env     map[string]string
		want    rotation.PasswordPolicy
		wantErr string
	}{
		{"nothing set: the samples' defaults", nil, rotation.PasswordPolicy{Length: 32, ExcludeCharacters: `/@"'\`, RequireEachIncludedType: true}, ""},
		{"exclude characters", map[string]string{"EXCLUDE_CHARACTERS": "abc:"}, with(func(p *rotation.PasswordPolicy) { p.ExcludeCharacters = "abc:" }), ""},
		{"exclude characters set empty excludes nothing", map[string]string{"EXCLUDE_CHARACTERS": ""}, with(func(p *rotation.PasswordPolicy) { p.ExcludeCharacters = "" }), ""},
		{"length", map[string]string{"PASSWORD_LENGTH": "64"}, with(func(p *rotation.PasswordPolicy) { p.Length = 64 }), ""},
		{"length with spaces", map[string]string{"PASSWORD_LENGTH": " 20 "}, with(func(p *rotation.PasswordPolicy) { p.Length = 20 }), ""},
		{"length maximum", map[string]string{"PASSWORD_LENGTH": "4096"}, with(func(p *rotation.PasswordPolicy) { p.Length = 4096 }), ""},
		{"length zero", map[string]string{"PASSWORD_LENGTH": "0"}, def, "PASSWORD_LENGTH"},
		{"length too long", map[string]string{"PASSWORD_LENGTH": "4097"}, def, "PASSWORD_LENGTH"},
		{"length not a number", map[string]string{"PASSWORD_LENGTH": "long"}, def, `PASSWORD_LENGTH="long"`},
		{"length fractional", map[string]string{"PASSWORD_LENGTH": "12.5"}, def, "PASSWORD_LENGTH"},
		{"length empty", map[string]string{"PASSWORD_LENGTH": ""}, def, "PASSWORD_LENGTH"},
		{"exclude numbers true", map[string]string{"EXCLUDE_NUMBERS": "true"}, with(func(p *rotation.PasswordPolicy) { p.ExcludeNumbers = true }), ""},
		{"exclude numbers TRUE", map[string]string{"EXCLUDE_NUMBERS": "TRUE"}, with(func(p *rotation.PasswordPolicy) { p.ExcludeNumbers = true }), ""},
		{"exclude punctuation 1", map[string]string{"EXCLUDE_PUNCTUATION": "1"}, with(func(p *rotation.PasswordPolicy) { p.ExcludePunctuation = true }), ""},
		{"exclude uppercase y", map[string]string{"EXCLUDE_UPPERCASE": "y"}, with(func(p *rotation.PasswordPolicy) { p.ExcludeUppercase = true }), ""},
		{"exclude lowercase Yes", map[string]string{"EXCLUDE_LOWERCASE": "Yes"}, with(func(p *rotation.PasswordPolicy) { p.ExcludeLowercase = true }), ""},
		{"exclude numbers on is false", map[string]string{"EXCLUDE_NUMBERS": "on"}, def, ""},
		{"exclude numbers empty is false", map[string]string{"EXCLUDE_NUMBERS": ""}, def, ""},
		{"require each type false", map[string]string{"REQUIRE_EACH_INCLUDED_TYPE": "false"}, with(func(p *rotation.PasswordPolicy) { p.RequireEachIncludedType = false }), ""},
		{"require each type empty is false", map[string]string{"REQUIRE_EACH_INCLUDED_TYPE": ""}, with(func(p *rotation.PasswordPolicy) { p.RequireEachIncludedType = false }), ""},
		{"require each type no", map[string]string{"REQUIRE_EACH_INCLUDED_TYPE": "no"}, with(func(p *rotation.PasswordPolicy) { p.RequireEachIncludedType = false }), ""},
		{"require each type yes", map[string]string{"REQUIRE_EACH_INCLUDED_TYPE": "YES"}, def, ""},
		{"everything", map[string]string{
			"EXCLUDE_CHARACTERS": "xyz", "PASSWORD_LENGTH": "12", "EXCLUDE_NUMBERS": "true", "EXCLUDE_PUNCTUATION": "true",
			"EXCLUDE_UPPERCASE": "true", "EXCLUDE_LOWERCASE": "false", "REQUIRE_EACH_INCLUDED_TYPE": "false",
		}, rotation.PasswordPolicy{Length: 12, ExcludeCharacters: "xyz", ExcludeNumbers: true, ExcludePunctuation: true, ExcludeUppercase: true}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := def.WithEnv(lookupMap(tc.env))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one mentioning %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("policy %+v, want %+v", got, tc.want)
			}
		})
	}
}

// capturingClient records the GetRandomPassword requests.
type capturingClient struct {
	rotation.SecretsManagerAPI
	mu  sync.Mutex
	ins []*secretsmanager.GetRandomPasswordInput
}

func (c *capturingClient) GetRandomPassword(ctx context.Context, in *secretsmanager.GetRandomPasswordInput, o ...func(*secretsmanager.Options)) (*secretsmanager.GetRandomPasswordOutput, error) {
	c.mu.Lock()
	c.ins = append(c.ins, in)
	c.mu.Unlock()
	return c.SecretsManagerAPI.GetRandomPassword(ctx, in, o...)
}

// TestNewPasswordHonoursEnv runs a rotation per environment and checks the request sent to
// GetRandomPassword and the passwords the emulator generated for it.
func TestNewPasswordHonoursEnv(t *testing.T) {
	t.Parallel()
	const punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
	has := func(pw string, f func(rune) bool) bool { return strings.IndexFunc(pw, f) >= 0 }
	isPunct := func(r rune) bool { return strings.ContainsRune(punctuation, r) }
	cases := []struct {
		name  string
		env   map[string]string
		check func(pw string) bool
		want  secretsmanager.GetRandomPasswordInput
	}{
		{"defaults", nil,
			func(pw string) bool {
				return len(pw) == 32 && !strings.ContainsAny(pw, `/@"'\`) && has(pw, unicode.IsDigit) && has(pw, unicode.IsUpper) && has(pw, unicode.IsLower) && has(pw, isPunct)
			},
			secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(32), ExcludeCharacters: aws.String(`/@"'\`), RequireEachIncludedType: aws.Bool(true)}},
		{"EXCLUDE_CHARACTERS", map[string]string{"EXCLUDE_CHARACTERS": "aeiouAEIOU0123"},
			func(pw string) bool { return !strings.ContainsAny(pw, "aeiouAEIOU0123") },
			secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(32), ExcludeCharacters: aws.String("aeiouAEIOU0123"), RequireEachIncludedType: aws.Bool(true)}},
		{"PASSWORD_LENGTH", map[string]string{"PASSWORD_LENGTH": "100"},
			func(pw string) bool { return len(pw) == 100 },
			secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(100), ExcludeCharacters: aws.String(`/@"'\`), RequireEachIncludedType: aws.Bool(true)}},
		{"EXCLUDE_NUMBERS", map[string]string{"EXCLUDE_NUMBERS": "true"},
			func(pw string) bool { return !has(pw, unicode.IsDigit) },
			secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(32), ExcludeCharacters: aws.String(`/@"'\`), ExcludeNumbers: aws.Bool(true), RequireEachIncludedType: aws.Bool(true)}},
		{"EXCLUDE_PUNCTUATION", map[string]string{"EXCLUDE_PUNCTUATION": "yes"},
			func(pw string) bool { return !has(pw, isPunct) },
			secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(32), ExcludeCharacters: aws.String(`/@"'\`), ExcludePunctuation: aws.Bool(true), RequireEachIncludedType: aws.Bool(true)}},
		{"EXCLUDE_UPPERCASE", map[string]string{"EXCLUDE_UPPERCASE": "1"},
			func(pw string) bool { return !has(pw, unicode.IsUpper) },
			secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(32), ExcludeCharacters: aws.String(`/@"'\`), ExcludeUppercase: aws.Bool(true), RequireEachIncludedType: aws.Bool(true)}},
		{"EXCLUDE_LOWERCASE", map[string]string{"EXCLUDE_LOWERCASE": "Y"},
			func(pw string) bool { return !has(pw, unicode.IsLower) },
			secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(32), ExcludeCharacters: aws.String(`/@"'\`), ExcludeLowercase: aws.Bool(true), RequireEachIncludedType: aws.Bool(true)}},
		{"REQUIRE_EACH_INCLUDED_TYPE false", map[string]string{"REQUIRE_EACH_INCLUDED_TYPE": "false", "PASSWORD_LENGTH": "3"},
			// Three characters, four types: only possible without the requirement.
			func(pw string) bool { return len(pw) == 3 },
			secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(3), ExcludeCharacters: aws.String(`/@"'\`), RequireEachIncludedType: aws.Bool(false)}},
		{"only digits", map[string]string{"EXCLUDE_PUNCTUATION": "true", "EXCLUDE_UPPERCASE": "true", "EXCLUDE_LOWERCASE": "true", "PASSWORD_LENGTH": "12"},
			func(pw string) bool { return len(pw) == 12 && strings.Trim(pw, "0123456789") == "" },
			secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(12), ExcludeCharacters: aws.String(`/@"'\`), ExcludePunctuation: aws.Bool(true), ExcludeUppercase: aws.Bool(true), ExcludeLowercase: aws.Bool(true), RequireEachIncludedType: aws.Bool(true)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEmulator(t)
			client := &capturingClient{SecretsManagerAPI: e.engineClient()}
			var passwords []string
			s := &funcStrategy{newPending: func(ctx context.Context, run *rotation.Run) (*rotation.Secret, error) {
				for range 20 {
					pw, err := run.NewPassword(ctx)
					if err != nil {
						return nil, err
					}
					passwords = append(passwords, pw)
				}
				p := rotation.NewSecret()
				p.SetString("password", passwords[len(passwords)-1])
				return p, nil
			}}
			e.registerEngine(s, rotation.WithClient(client), rotation.WithLookupEnv(lookupMap(tc.env)))
			arn := e.CreateSecret("db", initialSecret)
			if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
				t.Fatalf("rotation: %s", rec.Error)
			}
			for _, pw := range passwords {
				if !tc.check(pw) {
					t.Errorf("password of length %d does not satisfy %s", len(pw), tc.name)
				}
			}
			if len(client.ins) != 20 {
				t.Fatalf("%d GetRandomPassword calls, want 20", len(client.ins))
			}
			got := client.ins[0]
			want := tc.want
			for _, p := range []**bool{&want.ExcludeNumbers, &want.ExcludePunctuation, &want.ExcludeUppercase, &want.ExcludeLowercase} {
				if *p == nil {
					*p = aws.Bool(false)
				}
			}
			if aws.ToInt64(got.PasswordLength) != aws.ToInt64(want.PasswordLength) || aws.ToString(got.ExcludeCharacters) != aws.ToString(want.ExcludeCharacters) ||
				aws.ToBool(got.ExcludeNumbers) != aws.ToBool(want.ExcludeNumbers) || aws.ToBool(got.ExcludePunctuation) != aws.ToBool(want.ExcludePunctuation) ||
				aws.ToBool(got.ExcludeUppercase) != aws.ToBool(want.ExcludeUppercase) || aws.ToBool(got.ExcludeLowercase) != aws.ToBool(want.ExcludeLowercase) ||
				aws.ToBool(got.RequireEachIncludedType) != aws.ToBool(want.RequireEachIncludedType) || got.IncludeSpace != nil {
				t.Errorf("GetRandomPassword request %s, want %s", describeInput(got), describeInput(&want))
			}
		})
	}

	t.Run("invalid PASSWORD_LENGTH fails createSecret", func(t *testing.T) {
		t.Parallel()
		e := newEmulator(t)
		e.registerEngine(&fakeStrategy{svc: newFakeService("app", initialPassword)}, rotation.WithLookupEnv(lookupMap(map[string]string{"PASSWORD_LENGTH": "forty"})))
		arn := e.CreateSecret("db", initialSecret)
		rec := e.rotate(arn, 1)
		if rec.Outcome != "failed" || !strings.Contains(rec.Error, `PASSWORD_LENGTH="forty"`) || !strings.Contains(rec.Error, "createSecret") {
			t.Errorf("rotation %s %q, want a createSecret failure naming PASSWORD_LENGTH", rec.Outcome, rec.Error)
		}
	})
}

func describeInput(in *secretsmanager.GetRandomPasswordInput) string {
	return fmt.Sprintf("length=%d exclude=%q numbers=%s punct=%s upper=%s lower=%s each=%s space=%s",
		aws.ToInt64(in.PasswordLength), aws.ToString(in.ExcludeCharacters), btoa(in.ExcludeNumbers), btoa(in.ExcludePunctuation),
		btoa(in.ExcludeUppercase), btoa(in.ExcludeLowercase), btoa(in.RequireEachIncludedType), btoa(in.IncludeSpace))
}

func btoa(b *bool) string {
	if b == nil {
		return "nil"
	}
	return fmt.Sprint(*b)
}
