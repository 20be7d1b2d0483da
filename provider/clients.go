package provider

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

// defaultMaxRetries matches hashicorp/aws, so that throttling during a large apply is ridden out.
const defaultMaxRetries = 25

// clients is what Configure hands every resource, data source and ephemeral resource.
type clients struct {
	SecretsManager *secretsmanager.Client
	KMS            *kms.Client
	Region         string
	// AccountID is empty when the provider was told not to look it up.
	AccountID   string
	DefaultTags map[string]string
	// IgnoreTags are the provider's ignore_tags: tags no resource shows or changes.
	IgnoreTags ignoredTags
	// Propagation bounds the retries of policies IAM has not caught up with.
	Propagation propagationRetry
	// regions caches the clients of other regions (region.go).
	regions *regionCache
}

// newClients builds the AWS clients from the provider block, the environment and the shared
// files. Errors name the setting to fix; they never carry credential values.
func newClients(ctx context.Context, m providerModel, version string) (*clients, diag.Diagnostics) {
	var diags diag.Diagnostics
	var opts []func(*config.LoadOptions) error
	if v := m.Region.ValueString(); v != "" {
		opts = append(opts, config.WithRegion(v))
	}
	if v := m.Profile.ValueString(); v != "" {
		opts = append(opts, config.WithSharedConfigProfile(v))
	}
	if files := stringList(ctx, m.SharedConfigFiles, &diags); len(files) > 0 {
		opts = append(opts, config.WithSharedConfigFiles(files))
	}
	if files := stringList(ctx, m.SharedCredentialsFiles, &diags); len(files) > 0 {
		opts = append(opts, config.WithSharedCredentialsFiles(files))
	}
	allowed, forbidden := stringList(ctx, m.AllowedAccountIDs, &diags), stringList(ctx, m.ForbiddenAccountIDs, &diags)
	if len(allowed) > 0 && len(forbidden) > 0 {
		diags.AddAttributeError(path.Root("allowed_account_ids"), "Conflicting account id lists",
			"Set allowed_account_ids or forbidden_account_ids, not both.")
	}
	if (len(allowed) > 0 || len(forbidden) > 0) && m.SkipRequestingAccountID.ValueBool() {
		diags.AddAttributeError(path.Root("skip_requesting_account_id"), "Account id needed",
			"allowed_account_ids and forbidden_account_ids are checked against the account id of the credentials; remove skip_requesting_account_id.")
	}
	if diags.HasError() {
		return nil, diags
	}
	ak, sk := m.AccessKey.ValueString(), m.SecretKey.ValueString()
	switch {
	case ak != "" && sk != "":
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(ak, sk, m.Token.ValueString())))
	case ak != "" || sk != "":
		diags.AddAttributeError(path.Root("access_key"), "Incomplete static credentials",
			"access_key and secret_key must be set together; set both, or neither to use the environment or a profile.")
		return nil, diags
	}
	retries := defaultMaxRetries
	if !m.MaxRetries.IsNull() && !m.MaxRetries.IsUnknown() {
		if n := m.MaxRetries.ValueInt64(); n < 0 || n > 100 {
			diags.AddAttributeError(path.Root("max_retries"), "Invalid max_retries", fmt.Sprintf("max_retries is %d; use a number from 0 to 100.", n))
			return nil, diags
		} else {
			retries = int(n)
		}
	}
	opts = append(opts, config.WithRetryer(func() aws.Retryer {
		return retry.AddWithMaxAttempts(retry.NewStandard(), retries+1)
	}), config.WithAppID("terraform-provider-secretsmanager/"+version))

	var ep endpointsModel
	if len(m.Endpoints) > 0 {
		ep = m.Endpoints[0]
	}
	endpoints := map[string]string{}
	for name, v := range map[string]string{
		"secretsmanager": ep.SecretsManager.ValueString(), "kms": ep.KMS.ValueString(),
		"sts": ep.STS.ValueString(), "rds": ep.RDS.ValueString(),
	} {
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			diags.AddAttributeError(path.Root("endpoints"), "Invalid endpoint URL",
				fmt.Sprintf("endpoints.%s is %q; use an absolute http:// or https:// URL such as http://127.0.0.1:4566.", name, v))
			continue
		}
		endpoints[name] = v
	}
	if diags.HasError() {
		return nil, diags
	}

	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		diags.AddError("Cannot load the AWS configuration", fmt.Sprintf("Reading the AWS shared configuration failed: %v. Check profile and the AWS_* environment variables.", err))
		return nil, diags
	}
	if cfg.Region == "" {
		diags.AddAttributeError(path.Root("region"), "No AWS region",
			"Set region in the provider block, or AWS_REGION in the environment, or a region in the profile.")
		return nil, diags
	}
	stsClient := sts.NewFromConfig(cfg, func(o *sts.Options) { setEndpoint(&o.BaseEndpoint, endpoints["sts"]) })

	if len(m.WebIdentity) > 0 {
		creds, d := webIdentityCredentials(m.WebIdentity[0], stsClient)
		diags.Append(d...)
		if diags.HasError() {
			return nil, diags
		}
		cfg.Credentials = creds
		stsClient = sts.NewFromConfig(cfg, func(o *sts.Options) { setEndpoint(&o.BaseEndpoint, endpoints["sts"]) })
	}

	if len(m.AssumeRole) > 0 {
		ar := m.AssumeRole[0]
		if ar.RoleARN.ValueString() == "" {
			diags.AddAttributeError(path.Root("assume_role").AtListIndex(0).AtName("role_arn"), "Missing role_arn", "An assume_role block needs role_arn.")
			return nil, diags
		}
		duration := time.Hour
		if v := ar.Duration.ValueString(); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < 15*time.Minute || d > 12*time.Hour {
				diags.AddAttributeError(path.Root("assume_role").AtListIndex(0).AtName("duration"), "Invalid assume_role duration",
					fmt.Sprintf("duration is %q; use a Go duration from 15m to 12h, such as \"1h\".", v))
				return nil, diags
			}
			duration = d
		}
		session := ar.SessionName.ValueString()
		if session == "" {
			session = "terraform-provider-secretsmanager"
		}
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, ar.RoleARN.ValueString(), func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = session
			o.Duration = duration
			if v := ar.ExternalID.ValueString(); v != "" {
				o.ExternalID = aws.String(v)
			}
		}))
		stsClient = sts.NewFromConfig(cfg, func(o *sts.Options) { setEndpoint(&o.BaseEndpoint, endpoints["sts"]) })
	}

	c := &clients{
		SecretsManager: secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { setEndpoint(&o.BaseEndpoint, endpoints["secretsmanager"]) }),
		KMS:            kms.NewFromConfig(cfg, func(o *kms.Options) { setEndpoint(&o.BaseEndpoint, endpoints["kms"]) }),
		Region:         cfg.Region,
		DefaultTags:    map[string]string{},
		regions:        &regionCache{},
	}
	if len(m.DefaultTags) > 0 && !m.DefaultTags[0].Tags.IsNull() {
		diags.Append(m.DefaultTags[0].Tags.ElementsAs(ctx, &c.DefaultTags, false)...)
	}
	if len(m.IgnoreTags) > 0 {
		c.IgnoreTags = ignoredTags{
			keys:     stringList(ctx, m.IgnoreTags[0].Keys, &diags),
			prefixes: stringList(ctx, m.IgnoreTags[0].KeyPrefixes, &diags),
		}
	}
	skipValidation := m.SkipCredentialsValidation.ValueBool()
	needAccount := len(allowed) > 0 || len(forbidden) > 0
	if !skipValidation || !m.SkipRequestingAccountID.ValueBool() || needAccount {
		id, err := stsClient.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		switch {
		case err != nil && !skipValidation:
			diags.AddError("Invalid AWS credentials",
				fmt.Sprintf("STS GetCallerIdentity failed: %v. Check the credentials (environment, profile, access_key/secret_key or assume_role), "+
					"or set skip_credentials_validation = true for endpoints without STS.", err))
			return nil, diags
		case err == nil:
			c.AccountID = aws.ToString(id.Account)
		}
	}
	switch {
	case needAccount && c.AccountID == "":
		diags.AddAttributeError(path.Root("allowed_account_ids"), "Cannot check the account id",
			"allowed_account_ids or forbidden_account_ids is set, but STS GetCallerIdentity did not answer; the account cannot be checked.")
	case len(allowed) > 0 && !slices.Contains(allowed, c.AccountID):
		diags.AddAttributeError(path.Root("allowed_account_ids"), "Account not allowed",
			fmt.Sprintf("The credentials belong to account %s, which is not in allowed_account_ids %v. Use credentials of an allowed account, "+
				"or check the profile and AWS_* environment variables.", c.AccountID, allowed))
	case slices.Contains(forbidden, c.AccountID):
		diags.AddAttributeError(path.Root("forbidden_account_ids"), "Account forbidden",
			fmt.Sprintf("The credentials belong to account %s, which is in forbidden_account_ids. Use credentials of another account, "+
				"or check the profile and AWS_* environment variables.", c.AccountID))
	}
	if diags.HasError() {
		return nil, diags
	}
	return c, diags
}

// webIdentityCredentials assumes a role with an OIDC token (STS AssumeRoleWithWebIdentity),
// from the block or, as the AWS SDKs do, from AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE.
func webIdentityCredentials(m webIdentityModel, stsClient *sts.Client) (aws.CredentialsProvider, diag.Diagnostics) {
	var diags diag.Diagnostics
	at := path.Root("assume_role_with_web_identity").AtListIndex(0)
	role := m.RoleARN.ValueString()
	if role == "" {
		role = os.Getenv("AWS_ROLE_ARN")
	}
	if role == "" {
		diags.AddAttributeError(at.AtName("role_arn"), "Missing role_arn", "assume_role_with_web_identity needs role_arn (or AWS_ROLE_ARN in the environment).")
	}
	token, file := m.WebIdentityToken.ValueString(), m.WebIdentityTokenFile.ValueString()
	if file == "" && token == "" {
		file = os.Getenv("AWS_WEB_IDENTITY_TOKEN_FILE")
	}
	switch {
	case token != "" && file != "":
		diags.AddAttributeError(at.AtName("web_identity_token"), "Two web identity tokens",
			"Set web_identity_token or web_identity_token_file, not both.")
	case token == "" && file == "":
		diags.AddAttributeError(at.AtName("web_identity_token_file"), "Missing web identity token",
			"assume_role_with_web_identity needs web_identity_token or web_identity_token_file (or AWS_WEB_IDENTITY_TOKEN_FILE in the environment).")
	}
	duration := time.Hour
	if v := m.Duration.ValueString(); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 15*time.Minute || d > 12*time.Hour {
			diags.AddAttributeError(at.AtName("duration"), "Invalid assume_role_with_web_identity duration",
				fmt.Sprintf("duration is %q; use a Go duration from 15m to 12h, such as \"1h\".", v))
		}
		duration = d
	}
	if diags.HasError() {
		return nil, diags
	}
	var src stscreds.IdentityTokenRetriever = stscreds.IdentityTokenFile(file)
	if token != "" {
		src = staticToken(token)
	}
	session := m.SessionName.ValueString()
	if session == "" {
		session = "terraform-provider-secretsmanager"
	}
	return aws.NewCredentialsCache(stscreds.NewWebIdentityRoleProvider(stsClient, role, src, func(o *stscreds.WebIdentityRoleOptions) {
		o.RoleSessionName = session
		o.Duration = duration
	})), diags
}

// staticToken is a web identity token given in the provider block.
type staticToken string

func (t staticToken) GetIdentityToken() ([]byte, error) { return []byte(t), nil }

// ignoredTags are the provider's ignore_tags.
type ignoredTags struct {
	keys, prefixes []string
}

// ignored reports a tag no resource shows or changes: AWS's own aws: tags and those of
// ignore_tags.
func (c *clients) ignored(key string) bool {
	if isAWSTag(key) {
		return true
	}
	if c == nil {
		return false
	}
	if slices.Contains(c.IgnoreTags.keys, key) {
		return true
	}
	for _, p := range c.IgnoreTags.prefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// stringList is the known strings of a list or set attribute.
func stringList(ctx context.Context, v interface {
	IsNull() bool
	IsUnknown() bool
	ElementsAs(context.Context, any, bool) diag.Diagnostics
}, diags *diag.Diagnostics) []string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	var out []string
	diags.Append(v.ElementsAs(ctx, &out, false)...)
	return out
}

func setEndpoint(dst **string, v string) {
	if v != "" {
		*dst = aws.String(v)
	}
}

// providerClients is what every resource, data source and ephemeral resource keeps from
// Configure. ProviderData is nil until the provider is configured (e.g. at validation); that
// is not an error, and the result is then nil.
func providerClients(data any, diags *diag.Diagnostics) *clients {
	if data == nil {
		return nil
	}
	c, ok := data.(*clients)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("Expected *clients, got %T. This is a bug in the provider.", data))
	}
	return c
}
