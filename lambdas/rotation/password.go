package rotation

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// The environment variables the AWS sample rotators read to configure GetRandomPassword.
const (
	EnvExcludeCharacters       = "EXCLUDE_CHARACTERS"
	EnvPasswordLength          = "PASSWORD_LENGTH"
	EnvExcludeNumbers          = "EXCLUDE_NUMBERS"
	EnvExcludePunctuation      = "EXCLUDE_PUNCTUATION"
	EnvExcludeUppercase        = "EXCLUDE_UPPERCASE"
	EnvExcludeLowercase        = "EXCLUDE_LOWERCASE"
	EnvRequireEachIncludedType = "REQUIRE_EACH_INCLUDED_TYPE"
)

// PasswordPolicy is a GetRandomPassword request.
type PasswordPolicy struct {
	Length                  int64
	ExcludeCharacters       string
	ExcludeNumbers          bool
	ExcludePunctuation      bool
	ExcludeUppercase        bool
	ExcludeLowercase        bool
	RequireEachIncludedType bool
}

// DefaultPasswordPolicy is what the AWS samples ask for when no variable is set: 32
// characters of every type, at least one of each, without / @ " ' \ (the MySQL, MariaDB,
// SQL Server, Oracle, Db2 and generic samples' default). The PostgreSQL samples also
// exclude ':' by default; a rotator that wants that passes its own default with
// WithPasswordPolicy.
var DefaultPasswordPolicy = PasswordPolicy{
	Length:                  32,
	ExcludeCharacters:       `/@"'\`,
	RequireEachIncludedType: true,
}

// maxPasswordLength is GetRandomPassword's upper bound.
const maxPasswordLength = 4096

// WithEnv returns p with the AWS samples' environment variables applied, looked up with
// lookup (os.LookupEnv in a function). The semantics are the samples':
//
//   - EXCLUDE_CHARACTERS replaces the excluded characters when set, even to "" (nothing
//     excluded).
//   - PASSWORD_LENGTH is a decimal integer (surrounding spaces allowed); 1 to 4096.
//   - EXCLUDE_NUMBERS, EXCLUDE_PUNCTUATION, EXCLUDE_UPPERCASE, EXCLUDE_LOWERCASE and
//     REQUIRE_EACH_INCLUDED_TYPE are true when set to "true", "1", "y" or "yes" in any case,
//     and false when set to anything else (including ""); unset keeps p's value.
func (p PasswordPolicy) WithEnv(lookup func(string) (string, bool)) (PasswordPolicy, error) {
	if v, ok := lookup(EnvExcludeCharacters); ok {
		p.ExcludeCharacters = v
	}
	if v, ok := lookup(EnvPasswordLength); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 1 || n > maxPasswordLength {
			return p, fmt.Errorf("environment variable %s=%q: must be a whole number from 1 to %d", EnvPasswordLength, v, maxPasswordLength)
		}
		p.Length = n
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{
		{EnvExcludeNumbers, &p.ExcludeNumbers},
		{EnvExcludePunctuation, &p.ExcludePunctuation},
		{EnvExcludeUppercase, &p.ExcludeUppercase},
		{EnvExcludeLowercase, &p.ExcludeLowercase},
		{EnvRequireEachIncludedType, &p.RequireEachIncludedType},
	} {
		if v, ok := lookup(b.name); ok {
			*b.dst = envBool(v)
		}
	}
	return p, nil
}

// envBool is the samples' get_environment_bool.
func envBool(v string) bool {
	switch strings.ToLower(v) {
	case "true", "1", "y", "yes":
		return true
	}
	return false
}

// Input is the GetRandomPassword request for p. Every member is sent, as the samples do.
func (p PasswordPolicy) Input() *secretsmanager.GetRandomPasswordInput {
	return &secretsmanager.GetRandomPasswordInput{
		PasswordLength:          aws.Int64(p.Length),
		ExcludeCharacters:       aws.String(p.ExcludeCharacters),
		ExcludeNumbers:          aws.Bool(p.ExcludeNumbers),
		ExcludePunctuation:      aws.Bool(p.ExcludePunctuation),
		ExcludeUppercase:        aws.Bool(p.ExcludeUppercase),
		ExcludeLowercase:        aws.Bool(p.ExcludeLowercase),
		RequireEachIncludedType: aws.Bool(p.RequireEachIncludedType),
	}
}
