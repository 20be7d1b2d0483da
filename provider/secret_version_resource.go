package provider

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/provider/internal/validators"
)

var (
	_ resource.ResourceWithConfigure      = (*secretVersionResource)(nil)
	_ resource.ResourceWithValidateConfig = (*secretVersionResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*secretVersionResource)(nil)
	_ resource.ResourceWithImportState    = (*secretVersionResource)(nil)
)

const (
	svStageCurrent = "AWSCURRENT"
	// svIDSeparator joins the secret ARN and the version id in id, as hashicorp/aws does.
	svIDSeparator = "|"
	// Private state keys. svPrivateStages holds the stages the user configured (JSON array),
	// absent when version_stages is left to its default: Delete then knows which labels are
	// its own and which belong to rotation. svPrivateMissing marks a version AWS has removed.
	svPrivateStages  = "configured_stages"
	svPrivateMissing = "version_missing"
	// Limits of PutSecretValue and UpdateSecretVersionStage.
	svMaxValueBytes  = 65536
	svMaxStageLength = validators.MaxStageLength
)

// svValueAttributes are the four ways to give a version its value; exactly one is set.
var svValueAttributes = []string{"secret_string", "secret_binary", "secret_string_wo", "secret_binary_wo"}

// NewSecretVersionResource returns the secretsmanager_secret_version resource.
func NewSecretVersionResource() resource.Resource { return &secretVersionResource{} }

type secretVersionResource struct {
	c *clients
}

type secretVersionModel struct {
	Region                types.String `tfsdk:"region"`
	ID                    types.String `tfsdk:"id"`
	SecretID              types.String `tfsdk:"secret_id"`
	SecretString          types.String `tfsdk:"secret_string"`
	SecretBinary          types.String `tfsdk:"secret_binary"`
	SecretStringWO        types.String `tfsdk:"secret_string_wo"`
	SecretBinaryWO        types.String `tfsdk:"secret_binary_wo"`
	SecretStringWOVersion types.Int64  `tfsdk:"secret_string_wo_version"`
	VersionStages         types.Set    `tfsdk:"version_stages"`
	VersionID             types.String `tfsdk:"version_id"`
	ARN                   types.String `tfsdk:"arn"`
	HasSecretStringWO     types.Bool   `tfsdk:"has_secret_string_wo"`
}

func (r *secretVersionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret_version"
}

const secretVersionResourceDescription = `One version of a Secrets Manager secret: its value and its staging labels.

The value comes from exactly one of ` + "`secret_string`, `secret_binary`" + ` (kept in state, sensitive) or the
write-only ` + "`secret_string_wo` / `secret_binary_wo`" + ` (Terraform 1.11 or later; never in plan or state), whose
writes are triggered by ` + "`secret_string_wo_version`" + `.

**Rotation.** This resource never fights rotation:

* With ` + "`version_stages`" + ` left unset (the usual case), the version gets ` + "`AWSCURRENT`" + ` when it is written, and
  afterwards Terraform only *reports* its labels. When a rotation (or anyone) moves ` + "`AWSCURRENT`" + ` to a newer
  version, this version keeps ` + "`AWSPREVIOUS`" + ` or no label at all, and ` + "`terraform plan`" + ` shows no change and
  no replacement. When AWS later deletes the unlabelled version, the resource stays in state (plan still
  shows no change) and refresh prints a warning.
* With ` + "`version_stages`" + ` set, you ask for exactly those labels on this version: a rotation or a manual move
  that takes one away is drift, shown by plan and repaired by apply (moving the label back). If AWS has
  deleted the version, apply writes a new version with the configured value and labels.

**Changing the value** (` + "`secret_string`, `secret_binary`" + `, or ` + "`secret_string_wo_version`" + ` for the write-only
attributes) writes a new version in place: ` + "`version_id`" + ` changes, and the labels move to it in the same
PutSecretValue call, so no moment exists in which no version holds them. The old version gets
` + "`AWSPREVIOUS`" + ` from AWS if it was current.

**Destroy** removes from the version the labels this resource set: the configured ` + "`version_stages`" + `, except
` + "`AWSCURRENT`" + `, which AWS only lets you move to another version, never remove. With ` + "`version_stages`" + ` unset,
destroy changes nothing in AWS: the only label it set is ` + "`AWSCURRENT`" + `, and the labels rotation placed
(` + "`AWSPREVIOUS`, `AWSPENDING`" + `) are left to rotation. (hashicorp/aws removes every label but ` + "`AWSCURRENT`" + `,
which can break a rotation in progress.) Destroying the secret deletes its versions.

**Refresh** makes one ListSecretVersionIds call and never reads the secret value: a version's value cannot
change, so there is nothing to compare.

**Import** with ` + "`<secret ARN or name>|<version id>`" + `. Import does not read the value, so a value you keep
write-only never reaches the state. The first apply after import compares the configured value with the
version's (one GetSecretValue, in memory only) and writes a new version only if they differ.`

func (r *secretVersionResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: secretVersionResourceDescription,
		Attributes: map[string]schema.Attribute{
			"region": resourceRegionAttribute(),
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`<secret ARN>|<version id>`, as hashicorp/aws; also the import id.",
			},
			"secret_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "ARN or name of the secret. Changing it to another secret replaces the version; changing " +
					"between the name and the ARN of the same secret does not.",
			},
			"secret_string": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Text value of the version (at most 65536 bytes), stored in state. Prefer `secret_string_wo` " +
					"to keep it out of state. Changing it writes a new version.",
			},
			"secret_binary": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Binary value of the version, base64-encoded (use `filebase64()` or `base64encode()`), " +
					"stored in state. Changing it writes a new version.",
			},
			"secret_string_wo": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				WriteOnly: true,
				MarkdownDescription: "Write-only text value (Terraform 1.11 or later): sent to AWS, never stored in plan or " +
					"state. Requires `secret_string_wo_version`; Terraform cannot see a change of this value, so increase " +
					"`secret_string_wo_version` to write a new one. Can be fed from an ephemeral resource.",
			},
			"secret_binary_wo": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				WriteOnly: true,
				MarkdownDescription: "Write-only binary value, base64-encoded (Terraform 1.11 or later); never stored in plan " +
					"or state. Requires `secret_string_wo_version`, which triggers its writes too.",
			},
			"secret_string_wo_version": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Trigger for the write-only value (`secret_string_wo` or `secret_binary_wo`): any change " +
					"of this number writes a new version with the current write-only value. Start at 1 and increase it " +
					"when the value changes.",
			},
			"version_stages": schema.SetAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Staging labels of this version. Unset (recommended with rotation): the version is " +
					"written with `AWSCURRENT` and afterwards its labels are only reported, so rotation moving them is " +
					"never a change. Set: exactly these labels (1 to 20, each at most 256 characters) are kept on " +
					"this version, and drift is repaired; include `AWSCURRENT` if this version is (or is the first " +
					"version of a secret, which AWS always makes) current.",
				Validators: []validator.Set{validators.StagingLabels()},
			},
			"version_id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Id of the version (the ClientRequestToken it was written with).",
			},
			"arn": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "ARN of the secret.",
			},
			"has_secret_string_wo": hasSecretStringWOAttribute(),
		},
	}
}

func (r *secretVersionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = providerClients(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig refuses at plan time what PutSecretValue would refuse, and ambiguous values.
func (r *secretVersionResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m secretVersionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	values := map[string]types.String{
		"secret_string": m.SecretString, "secret_binary": m.SecretBinary,
		"secret_string_wo": m.SecretStringWO, "secret_binary_wo": m.SecretBinaryWO,
	}
	var set []string
	for _, name := range svValueAttributes {
		if !values[name].IsNull() {
			set = append(set, name)
		}
	}
	switch {
	case len(set) == 0:
		resp.Diagnostics.AddAttributeError(path.Root("secret_string"), "Missing secret value",
			"Set exactly one of secret_string, secret_binary, secret_string_wo or secret_binary_wo. Prefer secret_string_wo "+
				"with secret_string_wo_version = 1: the value then never reaches plan or state.")
	case len(set) > 1:
		resp.Diagnostics.AddAttributeError(path.Root(set[1]), "Conflicting secret values", svConflictAdvice(set))
	}
	woSet := !m.SecretStringWO.IsNull() || !m.SecretBinaryWO.IsNull()
	if woSet && m.SecretStringWOVersion.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("secret_string_wo_version"), "Missing secret_string_wo_version",
			"A write-only value needs secret_string_wo_version: Terraform never stores the value, so only a change of "+
				"this number tells it to write a new version. Add secret_string_wo_version = 1 and increase it whenever the value changes.")
	}
	if !woSet && !m.SecretStringWOVersion.IsNull() && len(set) > 0 {
		resp.Diagnostics.AddAttributeError(path.Root("secret_string_wo_version"), "secret_string_wo_version without a write-only value",
			fmt.Sprintf("secret_string_wo_version only triggers writes of secret_string_wo or secret_binary_wo, and this version takes its value from %s. "+
				"Remove secret_string_wo_version, or move the value to secret_string_wo.", set[0]))
	}
	for _, name := range []string{"secret_string", "secret_string_wo"} {
		if v := values[name]; !v.IsNull() && !v.IsUnknown() && len(v.ValueString()) > svMaxValueBytes {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Secret value too long",
				fmt.Sprintf("%s is %d bytes; Secrets Manager stores at most %d bytes per version. Store a smaller value, e.g. a reference to an S3 object.",
					name, len(v.ValueString()), svMaxValueBytes))
		}
	}
	for _, name := range []string{"secret_binary", "secret_binary_wo"} {
		v := values[name]
		if v.IsNull() || v.IsUnknown() {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(v.ValueString())
		switch {
		case err != nil:
			// The message never quotes the value: it is a secret.
			resp.Diagnostics.AddAttributeError(path.Root(name), "secret binary value is not base64",
				fmt.Sprintf("%s must be standard base64 (RFC 4648, with padding): use filebase64(\"path\") or base64encode(...). "+
					"For text, use secret_string%s instead.", name, strings.TrimPrefix(name, "secret_binary")))
		case len(b) == 0:
			resp.Diagnostics.AddAttributeError(path.Root(name), "Empty secret binary value", fmt.Sprintf("%s decodes to no bytes; give the value to store.", name))
		case len(b) > svMaxValueBytes:
			resp.Diagnostics.AddAttributeError(path.Root(name), "Secret value too long",
				fmt.Sprintf("%s decodes to %d bytes; Secrets Manager stores at most %d bytes per version.", name, len(b), svMaxValueBytes))
		}
	}
	if v := values["secret_string"]; !v.IsNull() && !v.IsUnknown() && v.ValueString() == "" {
		resp.Diagnostics.AddAttributeError(path.Root("secret_string"), "Empty secret value", "secret_string is empty; Secrets Manager needs at least one character.")
	}
}

// svConflictAdvice says which of several value attributes to keep.
func svConflictAdvice(set []string) string {
	msg := fmt.Sprintf("%s are all set, but a version holds exactly one value.", strings.Join(set, ", "))
	if len(set) == 2 {
		msg = fmt.Sprintf("%s and %s are both set, but a version holds exactly one value.", set[0], set[1])
	}
	for _, keep := range []string{"secret_string_wo", "secret_binary_wo"} {
		if slices.Contains(set, keep) {
			return msg + fmt.Sprintf(" Keep %s (write-only: the value stays out of plan and state) and remove the others.", keep)
		}
	}
	return msg + " Keep secret_string for text or secret_binary for base64-encoded bytes, and remove the other; " +
		"or move the value to secret_string_wo to keep it out of state."
}

func (r *secretVersionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	defer planHasSecretStringWO(ctx, req, resp) // last: it compares the finished plan with the state
	defer planRegion(ctx, r.c, req, resp)
	r = r.regional(r.c.forPlan(ctx, req))
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan, config secretVersionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	explicit := !config.VersionStages.IsNull()
	defaultStages := types.SetValueMust(types.StringType, []attr.Value{types.StringValue(svStageCurrent)})

	if req.State.Raw.IsNull() {
		// Create: PutSecretValue without stages always gives exactly AWSCURRENT.
		if !explicit {
			plan.VersionStages = defaultStages
		}
		if explicit && r.c != nil {
			resp.Diagnostics.Append(r.checkFirstVersionStages(ctx, plan.SecretID, config.VersionStages)...)
		}
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}

	var state secretVersionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}

	if !plan.SecretID.Equal(state.SecretID) && !svSameSecret(plan.SecretID, state.ARN) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("secret_id"))
		return
	}

	missing, d := req.Private.GetKey(ctx, svPrivateMissing)
	resp.Diagnostics.Append(d...)
	if len(missing) > 0 && explicit {
		// The user asked for labels on a version AWS has deleted: only a new version can hold them.
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("version_stages"))
		return
	}

	imported := state.SecretString.IsNull() && state.SecretBinary.IsNull() && state.SecretStringWOVersion.IsNull()
	valueChanged := !plan.SecretString.Equal(state.SecretString) || !plan.SecretBinary.Equal(state.SecretBinary) ||
		!plan.SecretStringWOVersion.Equal(state.SecretStringWOVersion)

	// Computed attributes keep their state unless a new version is written; the framework has
	// marked them unknown because something in the plan differs.
	plan.ARN = state.ARN
	plan.ID = state.ID
	plan.VersionID = state.VersionID
	if !explicit {
		plan.VersionStages = state.VersionStages
	}
	if valueChanged {
		// A new version (or, after import, maybe the same one: Update compares the values).
		plan.VersionID = types.StringUnknown()
		plan.ID = types.StringUnknown()
		if !explicit {
			plan.VersionStages = defaultStages
			if imported {
				plan.VersionStages = types.SetUnknown(types.StringType)
			}
		}
	} else if explicit {
		resp.Diagnostics.Append(svCheckCurrentKept(ctx, state.VersionStages, config.VersionStages)...)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// svCheckCurrentKept refuses a plan that takes AWSCURRENT off this version without giving it to
// another one: AWS cannot do it, and the plan would never converge.
func svCheckCurrentKept(ctx context.Context, state, config types.Set) diag.Diagnostics {
	var diags diag.Diagnostics
	have, want := svStrings(ctx, state), svStrings(ctx, config)
	if config.IsUnknown() || slices.Contains(want, svStageCurrent) || !slices.Contains(have, svStageCurrent) {
		return diags
	}
	diags.AddAttributeError(path.Root("version_stages"), "AWSCURRENT cannot be removed",
		"This version holds AWSCURRENT, and version_stages does not list it. AWS only lets AWSCURRENT move to another "+
			"version, never be removed. Add \"AWSCURRENT\" to version_stages, or first write the version that should "+
			"be current (another secretsmanager_secret_version without version_stages, or a rotation), then plan again.")
	return diags
}

// checkFirstVersionStages refuses explicit stages without AWSCURRENT on a secret that has no
// current version: AWS would add AWSCURRENT anyway, and the result would differ from the plan.
func (r *secretVersionResource) checkFirstVersionStages(ctx context.Context, secretID types.String, stages types.Set) diag.Diagnostics {
	var diags diag.Diagnostics
	if secretID.IsUnknown() || stages.IsUnknown() || slices.Contains(svStrings(ctx, stages), svStageCurrent) {
		return diags
	}
	out, err := r.c.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretID.ValueString())})
	if err != nil {
		diags.AddAttributeError(path.Root("secret_id"), "Cannot read the secret", svErrorDetail("DescribeSecret", secretID.ValueString(), err))
		return diags
	}
	for _, st := range out.VersionIdsToStages {
		if slices.Contains(st, svStageCurrent) {
			return diags
		}
	}
	diags.AddAttributeError(path.Root("version_stages"), "The first version of a secret is AWSCURRENT",
		fmt.Sprintf("Secret %s has no current version yet, so AWS makes this version AWSCURRENT whatever version_stages says. "+
			"Add \"AWSCURRENT\" to version_stages, or leave version_stages unset.", secretID.ValueString()))
	return diags
}

func (r *secretVersionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r = r.regional(r.c.forObject(ctx, req.Plan))
	defer setStateRegion(ctx, r.c, &resp.State, &resp.Diagnostics)
	var plan, config secretVersionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	explicit := !config.VersionStages.IsNull()
	if explicit {
		// secret_id may have been unknown at plan time.
		resp.Diagnostics.Append(r.checkFirstVersionStages(ctx, plan.SecretID, config.VersionStages)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	out, diags := r.put(ctx, plan.SecretID.ValueString(), config, explicit)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.setWritten(&plan, out)
	resp.Diagnostics.Append(svSetPrivateStages(ctx, resp.Private, config.VersionStages)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// put writes a new version with the configured value. The ClientRequestToken makes the SDK's
// retries of a lost answer idempotent: AWS returns the version already written.
func (r *secretVersionResource) put(ctx context.Context, secretID string, config secretVersionModel, explicit bool) (*secretsmanager.PutSecretValueOutput, diag.Diagnostics) {
	var diags diag.Diagnostics
	token, err := svNewToken()
	if err != nil {
		diags.AddError("Cannot make a client request token", err.Error())
		return nil, diags
	}
	in := &secretsmanager.PutSecretValueInput{SecretId: aws.String(secretID), ClientRequestToken: aws.String(token)}
	if diags = svSetValue(config, &in.SecretString, &in.SecretBinary); diags.HasError() {
		return nil, diags
	}
	if explicit {
		in.VersionStages = svStrings(ctx, config.VersionStages)
	}
	tflog.Debug(ctx, "writing secret version", map[string]any{"secret_id": secretID, "version_id": token})
	out, err := r.c.SecretsManager.PutSecretValue(ctx, in)
	if err != nil {
		diags.AddAttributeError(path.Root("secret_id"), "Cannot write the secret version", svErrorDetail("PutSecretValue", secretID, err))
		return nil, diags
	}
	return out, diags
}

// svSetValue copies the configured value into a PutSecretValue input.
func svSetValue(config secretVersionModel, str **string, bin *[]byte) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, v := range []types.String{config.SecretString, config.SecretStringWO} {
		if !v.IsNull() && !v.IsUnknown() {
			*str = aws.String(v.ValueString())
			return diags
		}
	}
	for _, v := range []types.String{config.SecretBinary, config.SecretBinaryWO} {
		if !v.IsNull() && !v.IsUnknown() {
			b, err := base64.StdEncoding.DecodeString(v.ValueString())
			if err != nil {
				diags.AddError("secret binary value is not base64", "Use filebase64(\"path\") or base64encode(...) for secret_binary and secret_binary_wo.")
			}
			*bin = b
			return diags
		}
	}
	diags.AddError("Missing secret value",
		"None of secret_string, secret_binary, secret_string_wo or secret_binary_wo has a value at apply time. "+
			"A write-only value must be known when Terraform applies; check that the expression it comes from (e.g. an ephemeral resource) is available.")
	return diags
}

// setWritten records a freshly written version in m.
func (r *secretVersionResource) setWritten(m *secretVersionModel, out *secretsmanager.PutSecretValueOutput) {
	m.ARN = types.StringValue(aws.ToString(out.ARN))
	m.VersionID = types.StringValue(aws.ToString(out.VersionId))
	m.ID = types.StringValue(aws.ToString(out.ARN) + svIDSeparator + aws.ToString(out.VersionId))
	if m.VersionStages.IsUnknown() {
		m.VersionStages = svSet(out.VersionStages)
	}
	m.SecretStringWO = types.StringNull()
	m.SecretBinaryWO = types.StringNull()
}

func (r *secretVersionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r = r.regional(r.c.forObject(ctx, req.State))
	defer setStateRegion(ctx, r.c, &resp.State, &resp.Diagnostics)
	var state secretVersionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	secretID := state.SecretID.ValueString()
	if !state.ARN.IsNull() && state.ARN.ValueString() != "" {
		secretID = state.ARN.ValueString()
	}
	versionID := state.VersionID.ValueString()
	found, arn, err := findVersion(ctx, r.c.SecretsManager, secretID, versionID)
	switch {
	case isNotFound(err) && arn == "":
		// The secret is gone (or scheduled for deletion): so are its versions.
		tflog.Warn(ctx, "secret of the version not found, removing the version from state", map[string]any{"secret_id": secretID, "version_id": versionID})
		resp.State.RemoveResource(ctx)
		return
	case err != nil && !isNotFound(err):
		resp.Diagnostics.AddError("Cannot read the secret version", svErrorDetail("ListSecretVersionIds", secretID, err))
		return
	}
	if !state.ARN.IsNull() && state.ARN.ValueString() != "" && arn != state.ARN.ValueString() {
		// A secret of the same name was created after this one was deleted.
		resp.State.RemoveResource(ctx)
		return
	}
	if found == nil && state.ARN.IsNull() {
		// Import of a version that does not exist.
		resp.State.RemoveResource(ctx)
		return
	}
	flattenVersion(&state, arn, versionID, found)
	if found == nil {
		// AWS deletes versions that have had no label for a while (more than 100 versions). Keep the
		// resource: removing it would make Terraform write the value again, fighting rotation.
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, svPrivateMissing, []byte("true"))...)
		resp.Diagnostics.AddWarning("Secret version no longer exists",
			fmt.Sprintf("Version %s of secret %s was deleted by AWS (versions without a staging label are removed once a "+
				"secret has more than 100). Terraform keeps it in state and plans no change unless version_stages is set. "+
				"Remove the resource from the configuration, or change the value (or secret_string_wo_version) to write a new version.",
				versionID, arn))
	} else {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, svPrivateMissing, nil)...)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *secretVersionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r = r.regional(r.c.forObject(ctx, req.Plan))
	defer setStateRegion(ctx, r.c, &resp.State, &resp.Diagnostics)
	var plan, state, config secretVersionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	explicit := !config.VersionStages.IsNull()
	secretARN := state.ARN.ValueString()

	if plan.VersionID.IsUnknown() {
		write := true
		imported := state.SecretString.IsNull() && state.SecretBinary.IsNull() && state.SecretStringWOVersion.IsNull()
		if imported {
			// Adopting an imported version: write only if its value differs from the configured one.
			same, diags := r.sameValue(ctx, secretARN, state.VersionID.ValueString(), config)
			resp.Diagnostics.Append(diags...)
			if resp.Diagnostics.HasError() {
				return
			}
			write = !same
		}
		if write {
			out, diags := r.put(ctx, secretARN, config, explicit)
			resp.Diagnostics.Append(diags...)
			if resp.Diagnostics.HasError() {
				return
			}
			r.setWritten(&plan, out)
			resp.Diagnostics.Append(resp.Private.SetKey(ctx, svPrivateMissing, nil)...)
		} else {
			plan.VersionID = state.VersionID
			plan.ID = state.ID
			if plan.VersionStages.IsUnknown() {
				plan.VersionStages = state.VersionStages
			}
			if explicit {
				resp.Diagnostics.Append(r.syncStages(ctx, secretARN, state.VersionID.ValueString(), state.VersionStages, config.VersionStages)...)
			}
		}
	} else if explicit {
		resp.Diagnostics.Append(r.syncStages(ctx, secretARN, state.VersionID.ValueString(), state.VersionStages, config.VersionStages)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	plan.SecretStringWO = types.StringNull()
	plan.SecretBinaryWO = types.StringNull()
	resp.Diagnostics.Append(svSetPrivateStages(ctx, resp.Private, config.VersionStages)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// sameValue reports whether version versionID already holds the configured value. The value
// read is compared in memory and dropped.
func (r *secretVersionResource) sameValue(ctx context.Context, secretARN, versionID string, config secretVersionModel) (bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	out, err := r.c.SecretsManager.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretARN), VersionId: aws.String(versionID)})
	var nf *smtypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return false, diags
	}
	if err != nil {
		diags.AddError("Cannot read the imported secret version", svErrorDetail("GetSecretValue", secretARN, err))
		return false, diags
	}
	var str *string
	var bin []byte
	if diags = svSetValue(config, &str, &bin); diags.HasError() {
		return false, diags
	}
	if str != nil {
		return out.SecretString != nil && *out.SecretString == *str, diags
	}
	return out.SecretString == nil && slices.Equal(out.SecretBinary, bin), diags
}

// syncStages gives version versionID exactly the wanted labels. Labels are removed first:
// moving AWSCURRENT here makes AWS move AWSPREVIOUS away from this version by itself.
func (r *secretVersionResource) syncStages(ctx context.Context, secretARN, versionID string, have, want types.Set) diag.Diagnostics {
	var diags diag.Diagnostics
	haveS, wantS := svStrings(ctx, have), svStrings(ctx, want)
	for _, s := range haveS {
		if slices.Contains(wantS, s) || s == svStageCurrent {
			continue
		}
		_, err := r.c.SecretsManager.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
			SecretId: aws.String(secretARN), VersionStage: aws.String(s), RemoveFromVersionId: aws.String(versionID)})
		if err != nil {
			diags.AddAttributeError(path.Root("version_stages"), "Cannot remove a staging label",
				svErrorDetail("UpdateSecretVersionStage", secretARN, err)+fmt.Sprintf(" (removing %s from version %s)", s, versionID))
			return diags
		}
	}
	var add []string
	for _, s := range wantS {
		if !slices.Contains(haveS, s) {
			add = append(add, s)
		}
	}
	if len(add) == 0 {
		return diags
	}
	// A label held by another version must be moved from it: one DescribeSecret says where.
	d, err := r.c.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretARN)})
	if err != nil {
		diags.AddError("Cannot read the secret's staging labels", svErrorDetail("DescribeSecret", secretARN, err))
		return diags
	}
	for _, s := range add {
		in := &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String(secretARN), VersionStage: aws.String(s), MoveToVersionId: aws.String(versionID)}
		for id, st := range d.VersionIdsToStages {
			if id != versionID && slices.Contains(st, s) {
				in.RemoveFromVersionId = aws.String(id)
			}
		}
		if _, err := r.c.SecretsManager.UpdateSecretVersionStage(ctx, in); err != nil {
			diags.AddAttributeError(path.Root("version_stages"), "Cannot move a staging label",
				svErrorDetail("UpdateSecretVersionStage", secretARN, err)+fmt.Sprintf(" (moving %s to version %s)", s, versionID))
			return diags
		}
	}
	return diags
}

func (r *secretVersionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r = r.regional(r.c.forObject(ctx, req.State))
	var state secretVersionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	raw, d := req.Private.GetKey(ctx, svPrivateStages)
	resp.Diagnostics.Append(d...)
	var configured []string
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &configured); err != nil {
			resp.Diagnostics.AddError("Damaged private state", fmt.Sprintf("The stored stages of this version cannot be read (%v); this is a bug in the provider.", err))
			return
		}
	}
	have := svStrings(ctx, state.VersionStages)
	secretARN, versionID := state.ARN.ValueString(), state.VersionID.ValueString()
	for _, s := range configured {
		if !slices.Contains(have, s) {
			continue
		}
		if s == svStageCurrent {
			tflog.Warn(ctx, "AWSCURRENT cannot be removed; the version stays current until another version takes it",
				map[string]any{"secret_arn": secretARN, "version_id": versionID})
			continue
		}
		_, err := r.c.SecretsManager.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
			SecretId: aws.String(secretARN), VersionStage: aws.String(s), RemoveFromVersionId: aws.String(versionID)})
		if isNotFound(err) {
			return // the secret is gone or going: nothing left to release
		}
		if err != nil {
			resp.Diagnostics.AddError("Cannot remove a staging label",
				svErrorDetail("UpdateSecretVersionStage", secretARN, err)+fmt.Sprintf(" (removing %s from version %s)", s, versionID))
			return
		}
	}
}

// ImportState takes "<secret ARN or name>|<version id>".
func (r *secretVersionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	bare, rc := r.c.importTarget(ctx, req.ID, resp)
	req.ID, r = bare, r.regional(rc)
	secretID, versionID, ok := strings.Cut(req.ID, svIDSeparator)
	if !ok || secretID == "" || versionID == "" || strings.Contains(versionID, svIDSeparator) {
		resp.Diagnostics.AddError("Invalid import id",
			fmt.Sprintf("Import id %q is not <secret ARN or name>|<version id>, e.g. arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf|EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("secret_id"), secretID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("version_id"), versionID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}

func svSetPrivateStages(ctx context.Context, p interface {
	SetKey(context.Context, string, []byte) diag.Diagnostics
}, configured types.Set) diag.Diagnostics {
	if configured.IsNull() || configured.IsUnknown() {
		return p.SetKey(ctx, svPrivateStages, nil)
	}
	b, err := json.Marshal(svStrings(ctx, configured))
	if err != nil {
		var diags diag.Diagnostics
		diags.AddError("Cannot record the configured stages", err.Error())
		return diags
	}
	return p.SetKey(ctx, svPrivateStages, b)
}

// svSameSecret reports whether secret id v (ARN or name) names the secret whose ARN is arn.
func svSameSecret(v, arn types.String) bool {
	if v.IsUnknown() || v.IsNull() || arn.IsNull() || arn.IsUnknown() {
		return false
	}
	id, a := v.ValueString(), arn.ValueString()
	if id == a {
		return true
	}
	// arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX
	_, name, ok := strings.Cut(a, ":secret:")
	if !ok || len(name) < 8 || name[len(name)-7] != '-' {
		return false
	}
	return name[:len(name)-7] == id
}

// svNewToken returns a random UUID (version 4), the form AWS gives version ids.
func svNewToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("reading random bytes: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
