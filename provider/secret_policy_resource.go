package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/provider/internal/validators"
)

var (
	_ resource.Resource                = (*secretPolicyResource)(nil)
	_ resource.ResourceWithConfigure   = (*secretPolicyResource)(nil)
	_ resource.ResourceWithImportState = (*secretPolicyResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*secretPolicyResource)(nil)
)

// NewSecretPolicyResource is the constructor of secretsmanager_secret_policy.
func NewSecretPolicyResource() resource.Resource {
	return &secretPolicyResource{}
}

// secretPolicyResource is the resource policy of one secret. A secret has at most one, so the
// id is the secret's ARN.
type secretPolicyResource struct {
	c *clients
}

type secretPolicyModel struct {
	Region            types.String `tfsdk:"region"`
	ID                types.String `tfsdk:"id"`
	SecretARN         types.String `tfsdk:"secret_arn"`
	Policy            policyValue  `tfsdk:"policy"`
	BlockPublicPolicy types.Bool   `tfsdk:"block_public_policy"`
}

// secretARNPattern is a Secrets Manager secret ARN (name plus the 6-character suffix AWS adds).
var secretARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:.+$`)

func (r *secretPolicyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret_policy"
}

func (r *secretPolicyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The resource policy of a secret (`PutResourcePolicy`): who else may read or manage it. A secret has " +
			"one policy, so declare it either here or in the `policy` argument of `secretsmanager_secret`, not both.\n\n" +
			"The policy is checked at plan time for syntax, and at apply time with `ValidateResourcePolicy` before anything is " +
			"changed. Policies that differ only in formatting, key order, or `[\"x\"]` versus `\"x\"` are equal and never show a diff.\n\n" +
			"**Two owners of one policy.** Terraform shows a resource nothing of the other resources, so two policy resources on one " +
			"secret cannot be refused from the configuration. The plan warns when it sees their effect: the secret already has a " +
			"different policy when this resource is created, or the policy changed since this resource last applied it. A policy " +
			"edited in the console gives the same warning.",
		Attributes: map[string]schema.Attribute{
			"region": resourceRegionAttribute(),
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "ARN of the secret.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"secret_arn": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "ARN of the secret, e.g. `secretsmanager_secret.example.arn`. Changing it removes the policy " +
					"from the old secret and puts it on the new one.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{validators.StringMatches(secretARNPattern,
					"a secret ARN such as arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf (use secretsmanager_secret.example.arn)")},
			},
			"policy": schema.StringAttribute{
				CustomType:    policyType{},
				Required:      true,
				PlanModifiers: []planmodifier.String{validators.KeepEquivalentPolicy()},
				MarkdownDescription: "The policy as a JSON document, best written with `jsonencode()`. It needs `Version`, a " +
					"`Statement` list, and a `Principal` in every statement; `Resource` is usually `\"*\"` (this secret).",
			},
			"block_public_policy": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "Refuse a policy that grants broad access, e.g. `Principal = \"*\"` without a condition " +
					"limiting it to your accounts or organization (default `false`, as in AWS; `true` is recommended). AWS does " +
					"not report this setting, so after an import it reads as `false`.",
			},
		},
	}
}

func (r *secretPolicyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = providerClients(req.ProviderData, &resp.Diagnostics)
}

func (r *secretPolicyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r = r.regional(r.c.forObject(ctx, req.Plan))
	defer setStateRegion(ctx, r.c, &resp.State, &resp.Diagnostics)
	var plan secretPolicyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	arn, diags := r.put(ctx, plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(arn)
	applied, _ := json.Marshal(plan.Policy.ValueString()) // private state holds JSON values
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, secretPolicyPrivateApplied, applied)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *secretPolicyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r = r.regional(r.c.forObject(ctx, req.State))
	defer setStateRegion(ctx, r.c, &resp.State, &resp.Diagnostics)
	var state secretPolicyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := findSecretPolicy(ctx, r.c.SecretsManager, state.ID.ValueString())
	if isNotFound(err) {
		// The policy (or its secret) was removed outside Terraform: plan to put it back.
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the secret's policy",
			fmt.Sprintf("GetResourcePolicy of %s failed: %v. Check that the credentials allow secretsmanager:GetResourcePolicy.", state.ID.ValueString(), err))
		return
	}
	state.ID = types.StringValue(aws.ToString(out.ARN))
	if state.SecretARN.IsNull() || state.SecretARN.ValueString() == "" {
		state.SecretARN = state.ID // import
	}
	state.Policy = flattenPolicy(aws.ToString(out.ResourcePolicy), state.Policy)
	if state.BlockPublicPolicy.IsNull() {
		state.BlockPublicPolicy = types.BoolValue(false) // not readable from AWS
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *secretPolicyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r = r.regional(r.c.forObject(ctx, req.Plan))
	defer setStateRegion(ctx, r.c, &resp.State, &resp.Diagnostics)
	var plan, state secretPolicyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.SecretARN, plan.ID = state.SecretARN, state.ID
	// Protocol 6 plans the configured text, so a reformatted but equivalent policy in the
	// configuration is an update; it needs no call, AWS already holds that policy.
	if policiesEquivalent(plan.Policy.ValueString(), state.Policy.ValueString()) && plan.BlockPublicPolicy.Equal(state.BlockPublicPolicy) {
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
		return
	}
	arn, diags := r.put(ctx, plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(arn)
	applied, _ := json.Marshal(plan.Policy.ValueString()) // private state holds JSON values
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, secretPolicyPrivateApplied, applied)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *secretPolicyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r = r.regional(r.c.forObject(ctx, req.State))
	var state secretPolicyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	_, err := r.c.SecretsManager.DeleteResourcePolicy(ctx, &secretsmanager.DeleteResourcePolicyInput{SecretId: state.ID.ValueStringPointer()})
	if err != nil && !isNotFound(err) {
		resp.Diagnostics.AddError("Cannot remove the secret's policy",
			fmt.Sprintf("DeleteResourcePolicy of %s failed: %v. Check that the credentials allow secretsmanager:DeleteResourcePolicy, then run terraform destroy again.",
				state.ID.ValueString(), err))
	}
}

// ModifyPlan says at plan time when another owner of the secret's policy shows: Terraform
// gives a resource no view of the others, so two secretsmanager_secret_policy resources (or
// one and the policy argument of secretsmanager_secret) on one secret cannot be detected
// from the configuration (hashicorp/aws issue 28903). What can be seen is their effect: a
// secret that already has another policy when this resource is created, and a policy that
// changed since the last apply. Both are warnings: an edit in the console looks the same.
func (r *secretPolicyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	defer planRegion(ctx, r.c, req, resp)
	r = r.regional(r.c.forPlan(ctx, req))
	if req.Plan.Raw.IsNull() || r.c == nil {
		return
	}
	var plan secretPolicyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.SecretARN.IsUnknown() || plan.Policy.IsUnknown() {
		return
	}
	const owners = "If another secretsmanager_secret_policy, or the policy argument of secretsmanager_secret, names this secret, " +
		"the two overwrite each other on every apply: keep exactly one of them per secret."
	if req.State.Raw.IsNull() {
		out, err := r.c.SecretsManager.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: plan.SecretARN.ValueStringPointer()})
		if err != nil || aws.ToString(out.ResourcePolicy) == "" || policiesEquivalent(aws.ToString(out.ResourcePolicy), plan.Policy.ValueString()) {
			return // nothing there (or not readable: Create reports it), or already this policy
		}
		resp.Diagnostics.AddAttributeWarning(path.Root("secret_arn"), "Secret already has another resource policy",
			fmt.Sprintf("%s has a resource policy that differs from this one; applying replaces it. %s", plan.SecretARN.ValueString(), owners))
		return
	}
	var state secretPolicyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || state.Policy.IsNull() || policiesEquivalent(state.Policy.ValueString(), plan.Policy.ValueString()) {
		return
	}
	raw, d := req.Private.GetKey(ctx, secretPolicyPrivateApplied)
	resp.Diagnostics.Append(d...)
	var last string
	if len(raw) > 0 && json.Unmarshal(raw, &last) == nil && !policiesEquivalent(last, state.Policy.ValueString()) {
		resp.Diagnostics.AddAttributeWarning(path.Root("policy"), "Secret policy changed since the last apply",
			fmt.Sprintf("The resource policy of %s is no longer the one this resource applied; applying puts it back. %s", state.ID.ValueString(), owners))
	}
}

// secretPolicyPrivateApplied keeps the document this resource last applied, to tell a
// change made elsewhere from a change of the configuration.
const secretPolicyPrivateApplied = "applied_policy"

// ImportState takes the secret's ARN.
func (r *secretPolicyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	bare, rc := r.c.importTarget(ctx, req.ID, resp)
	req.ID, r = bare, r.regional(rc)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("block_public_policy"), false)...)
}

// put validates the policy with ValidateResourcePolicy and, only if it passes, puts it: a
// rejected policy leaves the secret as it was. It returns the secret's ARN.
func (r *secretPolicyResource) put(ctx context.Context, m secretPolicyModel) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	secret, doc, block := m.SecretARN.ValueString(), m.Policy.ValueString(), m.BlockPublicPolicy.ValueBool()
	v, err := r.c.SecretsManager.ValidateResourcePolicy(ctx, &secretsmanager.ValidateResourcePolicyInput{
		SecretId: aws.String(secret), ResourcePolicy: aws.String(doc)})
	if err != nil {
		diags.Append(policyAPIErrorDiag("ValidateResourcePolicy", secret, err))
		return "", diags
	}
	for _, f := range v.ValidationErrors {
		check, msg := aws.ToString(f.CheckName), aws.ToString(f.ErrorMessage)
		if !strings.Contains(strings.ToUpper(check), "PUBLIC") {
			diags.AddAttributeError(path.Root("policy"), "Policy rejected by ValidateResourcePolicy",
				fmt.Sprintf("%s: %s\nFix the policy document; nothing was changed.", check, msg))
			continue
		}
		if block {
			diags.AddAttributeError(path.Root("policy"), "Public policy blocked by block_public_policy",
				fmt.Sprintf("%s: %s\nblock_public_policy = true refuses policies that grant broad access. Either name the principals "+
					"(specific accounts or roles) or add a condition that limits the statement, such as aws:PrincipalOrgID, "+
					"aws:PrincipalAccount or aws:SourceAccount; or, if the secret really must be public, set block_public_policy = false. "+
					"Nothing was changed.", check, msg))
			continue
		}
		diags.AddAttributeWarning(path.Root("policy"), "Policy grants public access",
			fmt.Sprintf("%s: %s\nIt is applied because block_public_policy is false. Set block_public_policy = true to refuse such policies.", check, msg))
	}
	if diags.HasError() {
		return "", diags
	}
	in := &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(secret), ResourcePolicy: aws.String(doc), BlockPublicPolicy: aws.Bool(block)}
	out, err := retryWhileIAMPropagates(ctx, r.c.Propagation, func(ctx context.Context) (*secretsmanager.PutResourcePolicyOutput, error) {
		return r.c.SecretsManager.PutResourcePolicy(ctx, in)
	})
	if err != nil {
		diags.Append(policyAPIErrorDiag("PutResourcePolicy", secret, err))
		return "", diags
	}
	return aws.ToString(out.ARN), diags
}

// policyAPIErrorDiag explains a failed policy call with what to do about it.
func policyAPIErrorDiag(op, secret string, err error) diag.Diagnostic {
	code, msg := awsErrorCode(err)
	switch code {
	case "ResourceNotFoundException":
		return diag.NewAttributeErrorDiagnostic(path.Root("secret_arn"), "Secret not found",
			fmt.Sprintf("%s: Secrets Manager has no secret %s (%s). Check secret_arn: it must be the ARN of an existing secret in this resource's region (region, else the provider's).", op, secret, msg))
	case "PublicPolicyException":
		return diag.NewAttributeErrorDiagnostic(path.Root("policy"), "Public policy blocked by block_public_policy",
			fmt.Sprintf("%s: %s Name specific principals or add a limiting condition (aws:PrincipalOrgID, aws:SourceAccount), or set "+
				"block_public_policy = false if the secret must be public.", op, msg))
	case "MalformedPolicyDocumentException":
		var exhausted *propagationExhaustedError
		if errors.As(err, &exhausted) {
			msg += " (" + exhausted.Note() + ")"
		}
		return diag.NewAttributeErrorDiagnostic(path.Root("policy"), "Malformed policy",
			fmt.Sprintf("%s: %s Fix the policy document: it needs Version, a Statement list, and Effect, Principal and Action in each statement.", op, msg))
	case "InvalidRequestException":
		if strings.Contains(msg, "marked for deletion") {
			return diag.NewAttributeErrorDiagnostic(path.Root("secret_arn"), "Secret is scheduled for deletion",
				fmt.Sprintf("%s: %s Restore it first (aws secretsmanager restore-secret --secret-id %s) or use another secret.", op, msg, secret))
		}
	}
	return diag.NewErrorDiagnostic("Cannot set the secret's policy", fmt.Sprintf("%s of %s failed: %v", op, secret, err))
}
