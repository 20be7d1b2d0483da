package provider

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource                   = (*randomPasswordDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*randomPasswordDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*randomPasswordDataSource)(nil)
)

// NewRandomPasswordDataSource is the constructor of the secretsmanager_random_password data source.
func NewRandomPasswordDataSource() datasource.DataSource {
	return &randomPasswordDataSource{}
}

// randomPasswordDataSource generates a password with GetRandomPassword. Its result lands in
// the state; the ephemeral resource of the same name is the way to keep it out.
type randomPasswordDataSource struct {
	c *clients
}

// randomPasswordOptions are the GetRandomPassword options, shared by the data source and the
// ephemeral resource.
type randomPasswordOptions struct {
	Region                  types.String `tfsdk:"region"`
	PasswordLength          types.Int64  `tfsdk:"password_length"`
	ExcludeCharacters       types.String `tfsdk:"exclude_characters"`
	ExcludeNumbers          types.Bool   `tfsdk:"exclude_numbers"`
	ExcludePunctuation      types.Bool   `tfsdk:"exclude_punctuation"`
	ExcludeUppercase        types.Bool   `tfsdk:"exclude_uppercase"`
	ExcludeLowercase        types.Bool   `tfsdk:"exclude_lowercase"`
	IncludeSpace            types.Bool   `tfsdk:"include_space"`
	RequireEachIncludedType types.Bool   `tfsdk:"require_each_included_type"`
}

type randomPasswordDataSourceModel struct {
	randomPasswordOptions
	ID             types.String `tfsdk:"id"`
	RandomPassword types.String `tfsdk:"random_password"`
}

// GetRandomPassword limits (API model: PasswordLengthType 1..4096, ExcludeCharactersType 0..4096).
const (
	randomPasswordDefaultLength = 32
	randomPasswordMaxLength     = 4096
	randomPasswordMaxExclude    = 4096
)

// randomPasswordAttributes are the GetRandomPassword options, for the data source and
// (converted) the ephemeral resource.
func randomPasswordAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"region": dataSourceRegionAttribute(),
		"password_length": schema.Int64Attribute{Optional: true,
			MarkdownDescription: fmt.Sprintf("Length of the password, 1 to %d characters (default %d).", randomPasswordMaxLength, randomPasswordDefaultLength)},
		"exclude_characters": schema.StringAttribute{Optional: true,
			MarkdownDescription: "Characters the password must not contain, e.g. `\"/@\\\"'\\\\\"` for passwords used in connection strings (at most 4096)."},
		"exclude_numbers": schema.BoolAttribute{Optional: true, MarkdownDescription: "Leave out the digits 0-9 (default `false`)."},
		"exclude_punctuation": schema.BoolAttribute{Optional: true,
			MarkdownDescription: "Leave out punctuation, i.e. every character of ``!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~`` (default `false`). " +
				"Use `exclude_characters` to leave out only some."},
		"exclude_uppercase": schema.BoolAttribute{Optional: true, MarkdownDescription: "Leave out uppercase letters (default `false`)."},
		"exclude_lowercase": schema.BoolAttribute{Optional: true, MarkdownDescription: "Leave out lowercase letters (default `false`)."},
		"include_space":     schema.BoolAttribute{Optional: true, MarkdownDescription: "Allow the space character (default `false`)."},
		"require_each_included_type": schema.BoolAttribute{Optional: true,
			MarkdownDescription: "Include at least one character of every type that is not excluded (default `true`); " +
				"`password_length` must then be at least the number of those types."},
	}
}

// randomPasswordDescription starts the description of random_password in both schemas.
const randomPasswordDescription = "The generated password (sensitive)."

func (d *randomPasswordDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_random_password"
}

func (d *randomPasswordDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := randomPasswordAttributes()
	attrs["id"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "The region (as in hashicorp/aws); never the password.",
	}
	attrs["random_password"] = schema.StringAttribute{
		Computed:            true,
		Sensitive:           true,
		MarkdownDescription: randomPasswordDescription + " It is stored in the state; see above.",
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Generates a random password with Secrets Manager `GetRandomPassword`.\n\n" +
			"~> **The password is stored in the Terraform state and plan files** in plain text, like every data source " +
			"result, and a new one is generated every time Terraform reads the data source (every plan and apply), so " +
			"anything that uses it changes on every run. Prefer the ephemeral resource `secretsmanager_random_password` " +
			"with a write-only argument such as `secret_string_wo` of `secretsmanager_secret_version`: its password is never " +
			"written to state or plan.",
		Attributes: attrs,
	}
}

func (d *randomPasswordDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = providerClients(req.ProviderData, &resp.Diagnostics)
}

func (d *randomPasswordDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	resp.Diagnostics.Append(validateRandomPasswordConfig(ctx, req.Config)...)
}

func (d *randomPasswordDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	d = d.regional(d.c.forObject(ctx, req.Config))
	defer setStateRegion(ctx, d.c, &resp.State, &resp.Diagnostics)
	var m randomPasswordDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	pw, diags := generateRandomPassword(ctx, d.c, m.randomPasswordOptions)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(d.c.Region)
	m.RandomPassword = types.StringValue(pw)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// generateRandomPassword calls GetRandomPassword with the options that are set; unset ones
// keep AWS's defaults. Errors never contain the password.
func generateRandomPassword(ctx context.Context, c *clients, o randomPasswordOptions) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	in := &secretsmanager.GetRandomPasswordInput{
		PasswordLength:          o.PasswordLength.ValueInt64Pointer(),
		ExcludeCharacters:       o.ExcludeCharacters.ValueStringPointer(),
		ExcludeNumbers:          o.ExcludeNumbers.ValueBoolPointer(),
		ExcludePunctuation:      o.ExcludePunctuation.ValueBoolPointer(),
		ExcludeUppercase:        o.ExcludeUppercase.ValueBoolPointer(),
		ExcludeLowercase:        o.ExcludeLowercase.ValueBoolPointer(),
		IncludeSpace:            o.IncludeSpace.ValueBoolPointer(),
		RequireEachIncludedType: o.RequireEachIncludedType.ValueBoolPointer(),
	}
	out, err := c.SecretsManager.GetRandomPassword(ctx, in)
	if err != nil {
		code, msg := awsErrorCode(err)
		if code == "InvalidParameterException" {
			diags.AddError("Secrets Manager rejected the password options",
				fmt.Sprintf("GetRandomPassword: %s Adjust password_length and the exclude_* / include_space options.", msg))
		} else {
			diags.AddError("Cannot generate a password",
				fmt.Sprintf("GetRandomPassword failed: %v. Check that the credentials allow secretsmanager:GetRandomPassword.", err))
		}
		return "", diags
	}
	if out.RandomPassword == nil {
		diags.AddError("Cannot generate a password", "GetRandomPassword answered without a password; try again.")
		return "", diags
	}
	return *out.RandomPassword, diags
}

// randomPasswordClass is one character type of GetRandomPassword.
type randomPasswordClass struct {
	name, chars string
}

// validateRandomPasswordConfig rejects at plan time the options GetRandomPassword would
// refuse: a length out of 1..4096, too long an exclusion list, every character excluded, or
// a length too short to hold one character of each required type.
func validateRandomPasswordConfig(ctx context.Context, cfg tfsdk.Config) diag.Diagnostics {
	var o randomPasswordOptions
	var diags diag.Diagnostics
	for name, dst := range map[string]any{
		"password_length": &o.PasswordLength, "exclude_characters": &o.ExcludeCharacters,
		"exclude_numbers": &o.ExcludeNumbers, "exclude_punctuation": &o.ExcludePunctuation,
		"exclude_uppercase": &o.ExcludeUppercase, "exclude_lowercase": &o.ExcludeLowercase,
		"include_space": &o.IncludeSpace, "require_each_included_type": &o.RequireEachIncludedType,
	} {
		diags.Append(cfg.GetAttribute(ctx, path.Root(name), dst)...)
	}
	if diags.HasError() {
		return diags
	}
	length := int64(randomPasswordDefaultLength)
	if valueKnown(o.PasswordLength) {
		length = o.PasswordLength.ValueInt64()
		if length < 1 || length > randomPasswordMaxLength {
			diags.AddAttributeError(path.Root("password_length"), "Invalid password_length",
				fmt.Sprintf("password_length is %d; use a length from 1 to %d.", length, randomPasswordMaxLength))
			return diags
		}
	}
	if valueKnown(o.ExcludeCharacters) {
		if n := utf8.RuneCountInString(o.ExcludeCharacters.ValueString()); n > randomPasswordMaxExclude {
			diags.AddAttributeError(path.Root("exclude_characters"), "Invalid exclude_characters",
				fmt.Sprintf("exclude_characters has %d characters; Secrets Manager accepts at most %d.", n, randomPasswordMaxExclude))
			return diags
		}
	}
	// The class checks need every option that shapes the classes.
	for _, v := range []interface {
		IsNull() bool
		IsUnknown() bool
	}{o.PasswordLength, o.ExcludeCharacters, o.ExcludeNumbers, o.ExcludePunctuation, o.ExcludeUppercase, o.ExcludeLowercase, o.IncludeSpace, o.RequireEachIncludedType} {
		if v.IsUnknown() {
			return diags
		}
	}
	exclude := o.ExcludeCharacters.ValueString()
	var included []string
	for _, c := range []struct {
		off bool
		randomPasswordClass
	}{
		{o.ExcludeLowercase.ValueBool(), randomPasswordClass{"lowercase letters", "abcdefghijklmnopqrstuvwxyz"}},
		{o.ExcludeUppercase.ValueBool(), randomPasswordClass{"uppercase letters", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}},
		{o.ExcludeNumbers.ValueBool(), randomPasswordClass{"numbers", "0123456789"}},
		{o.ExcludePunctuation.ValueBool(), randomPasswordClass{"punctuation", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"}},
		{!o.IncludeSpace.ValueBool(), randomPasswordClass{"space", " "}},
	} {
		if c.off {
			continue
		}
		if !strings.ContainsFunc(c.chars, func(r rune) bool { return !strings.ContainsRune(exclude, r) }) {
			continue // exclude_characters removed every character of the type
		}
		included = append(included, c.name)
	}
	if len(included) == 0 {
		diags.AddAttributeError(path.Root("exclude_characters"), "No characters left to build a password",
			"The exclude_* options and exclude_characters leave out every character. Allow at least one type, e.g. remove "+
				"exclude_lowercase, or shorten exclude_characters.")
		return diags
	}
	require := o.RequireEachIncludedType.IsNull() || o.RequireEachIncludedType.ValueBool()
	if require && int64(len(included)) > length {
		diags.AddAttributeError(path.Root("password_length"), "password_length too short",
			fmt.Sprintf("password_length %d cannot hold one character of each of the %d included types (%s); use a length of at "+
				"least %d, exclude some types, or set require_each_included_type = false.", length, len(included), strings.Join(included, ", "), len(included)))
	}
	return diags
}
