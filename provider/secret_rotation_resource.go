package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache/schedule"
)

var (
	_ resource.Resource                   = (*secretRotationResource)(nil)
	_ resource.ResourceWithConfigure      = (*secretRotationResource)(nil)
	_ resource.ResourceWithImportState    = (*secretRotationResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*secretRotationResource)(nil)
	_ resource.ResourceWithValidateConfig = (*secretRotationResource)(nil)
)

// NewSecretRotationResource is the constructor of secretsmanager_secret_rotation.
func NewSecretRotationResource() resource.Resource {
	return &secretRotationResource{}
}

// secretRotationResource turns on rotation of one secret with a Lambda function and a
// schedule. Secrets Manager keeps the configuration on the secret itself, so the resource's
// id is the secret's ARN and a refresh is one DescribeSecret.
type secretRotationResource struct {
	c *clients
}

type secretRotationModel struct {
	Region            types.String         `tfsdk:"region"`
	ID                types.String         `tfsdk:"id"`
	SecretID          types.String         `tfsdk:"secret_id"`
	RotationLambdaARN types.String         `tfsdk:"rotation_lambda_arn"`
	RotationRules     []rotationRulesModel `tfsdk:"rotation_rules"`
	RotateImmediately types.Bool           `tfsdk:"rotate_immediately"`
	RotationEnabled   types.Bool           `tfsdk:"rotation_enabled"`
}

type rotationRulesModel struct {
	AutomaticallyAfterDays types.Int64  `tfsdk:"automatically_after_days"`
	ScheduleExpression     types.String `tfsdk:"schedule_expression"`
	Duration               types.String `tfsdk:"duration"`
}

// lambdaARNPattern is a Lambda function ARN, optionally with a version or alias qualifier.
var lambdaARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$`)

func (r *secretRotationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret_rotation"
}

func (r *secretRotationResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Turns on automatic rotation of a secret with a Lambda rotation function and a schedule " +
			"(`RotateSecret`). Destroying it turns rotation off (`CancelRotateSecret`); the secret and its versions stay.\n\n" +
			"Only creating the resource (or turning rotation back on after it was turned off outside Terraform) can start a " +
			"rotation, and only when `rotate_immediately` is true. Changing `rotation_rules` or `rotation_lambda_arn` later " +
			"never rotates the secret: Secrets Manager then only runs the function's `testSecret` step to check the new " +
			"configuration, and the next rotation follows the new schedule.\n\n" +
			"Secrets Manager has no switch that keeps the configuration but pauses rotation, so `rotation_enabled` is " +
			"read-only: it is true while this resource exists, and when rotation was turned off outside Terraform the next " +
			"plan shows it changing back to true and `apply` turns rotation on again. To stop rotating, remove the resource.\n\n" +
			"Rotation runs asynchronously: `apply` returns once Secrets Manager has accepted the configuration, not when the " +
			"rotation is done. While a rotation is unfinished (a version carries `AWSPENDING` but not `AWSCURRENT`, e.g. " +
			"after the function failed), Secrets Manager refuses any change of the configuration; the error names the " +
			"stuck version and the commands that clear it. Destroying the resource also stops such a rotation, but leaves " +
			"its `AWSPENDING` label where it is.",
		Attributes: map[string]schema.Attribute{
			"region": resourceRegionAttribute(),
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "ARN of the secret.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"secret_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "ARN or name of the secret to rotate, e.g. `secretsmanager_secret.db.arn`. " +
					"Changing it turns rotation off on the old secret and on for the new one.",
				// ModifyPlan replaces the rotation only when secret_id names another secret:
				// the name and the ARN of the same secret are the same rotation.
				Validators: []validator.String{stringvalidator.LengthBetween(1, 2048)},
			},
			"rotation_lambda_arn": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "ARN of the Lambda rotation function, e.g. `arn:aws:lambda:us-east-1:123456789012:function:rotate-db`. " +
					"Its resource policy must let `secretsmanager.amazonaws.com` invoke it. Leave it unset only for a secret " +
					"whose rotation another service manages (managed rotation), or to keep the function the secret already has.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				Validators: []validator.String{validators.StringMatches(lambdaARNPattern,
					"a Lambda function ARN such as arn:aws:lambda:us-east-1:123456789012:function:rotate-db")},
			},
			"rotate_immediately": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "Whether turning rotation on also rotates the secret at once (default `true`). With `false` " +
					"Secrets Manager only runs the function's `testSecret` step and the first rotation waits for the schedule. " +
					"It applies when this resource turns rotation on: at creation, and when it turns rotation back on after it " +
					"was turned off outside Terraform; later changes of the schedule or function never rotate.",
			},
			"rotation_enabled": schema.BoolAttribute{
				Computed: true,
				MarkdownDescription: "Whether Secrets Manager rotates the secret automatically. Always true after `apply`; false " +
					"after a refresh only when rotation was turned off outside Terraform, which the next `apply` repairs.",
				PlanModifiers: []planmodifier.Bool{validators.AlwaysTrue("rotation is on after apply")},
			},
		},
		Blocks: map[string]schema.Block{
			"rotation_rules": schema.ListNestedBlock{
				MarkdownDescription: "When to rotate: exactly one block, with either `automatically_after_days` or " +
					"`schedule_expression`, and optionally `duration`. Checked at plan time with the limits Secrets Manager " +
					"applies (rotations at least 4 hours apart, windows of whole hours that stay within one UTC day).",
				Validators: []validator.List{validators.ExactlyOneBlock(`schedule_expression = "rate(30 days)"`)},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"automatically_after_days": schema.Int64Attribute{
							Optional: true,
							MarkdownDescription: "Rotate this many days (1 to 1000) after the last rotation. Conflicts with " +
								"`schedule_expression`, which can express the same as `rate(N days)` and more.",
						},
						"schedule_expression": schema.StringAttribute{
							Optional: true,
							MarkdownDescription: "A `rate()` or `cron()` expression in UTC, e.g. `rate(30 days)`, `rate(4 hours)` or " +
								"`cron(0 8 ? * MON *)` (cron fields: minutes hours day-of-month month day-of-week year; minutes must " +
								"be 0 and year `*`). Rotations must be at least 4 hours apart. Conflicts with `automatically_after_days`.",
						},
						"duration": schema.StringAttribute{
							Optional: true,
							MarkdownDescription: "Length of the rotation window in whole hours, e.g. `3h` (1h to 24h); the window " +
								"may not run past midnight UTC or into the next window. Unset, Secrets Manager uses the rest of the " +
								"day for daily schedules and one hour for hourly ones.",
						},
					},
				},
			},
		},
	}
}

func (r *secretRotationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = providerClients(req.ProviderData, &resp.Diagnostics)
}

// rotationRulesPath is the path of an attribute of the rotation_rules block.
func rotationRulesPath(name string) path.Path {
	p := path.Root("rotation_rules").AtListIndex(0)
	if name == "" {
		return p
	}
	return p.AtName(name)
}

// ValidateConfig checks rotation_rules with the rules Secrets Manager applies, so that a bad
// schedule fails the plan with a diagnostic on the attribute to fix, not the apply.
func (r *secretRotationResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var list types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("rotation_rules"), &list)...)
	if resp.Diagnostics.HasError() || list.IsUnknown() || len(list.Elements()) != 1 {
		return // unknown (dynamic block); or missing or repeated, which the block's validator reports
	}
	var rules []rotationRulesModel
	resp.Diagnostics.Append(list.ElementsAs(ctx, &rules, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(validateRotationRules(rules[0])...)
}

// validateRotationRules checks what is known of the rules. When a value is unknown (it comes
// from another resource), the known ones are still checked on their own.
func validateRotationRules(m rotationRulesModel) diag.Diagnostics {
	var diags diag.Diagnostics
	days, expr, dur := m.AutomaticallyAfterDays, m.ScheduleExpression, m.Duration
	// Zero and "" mean "unset" to schedule.Rules; written explicitly they are mistakes.
	if valueKnown(days) && days.ValueInt64() < schedule.MinAutomaticallyAfterDays {
		diags.AddAttributeError(rotationRulesPath("automatically_after_days"), "Invalid rotation_rules.0.automatically_after_days",
			fmt.Sprintf("automatically_after_days %d: must be between %d and %d days; to rotate more often than daily, use "+
				"schedule_expression instead, e.g. \"rate(4 hours)\".", days.ValueInt64(), schedule.MinAutomaticallyAfterDays, schedule.MaxAutomaticallyAfterDays))
		days = types.Int64Null()
	}
	if valueKnown(expr) && expr.ValueString() == "" {
		_, err := schedule.ParseExpression("")
		diags.AddAttributeError(rotationRulesPath("schedule_expression"), "Invalid rotation_rules.0.schedule_expression", err.Error())
		expr = types.StringNull()
	}
	if valueKnown(dur) && dur.ValueString() == "" {
		_, err := schedule.ParseDuration("")
		diags.AddAttributeError(rotationRulesPath("duration"), "Invalid rotation_rules.0.duration", err.Error())
		dur = types.StringNull()
	}
	if diags.HasError() {
		return diags
	}
	if days.IsUnknown() || expr.IsUnknown() {
		// The combination cannot be judged yet; check each known part alone.
		if valueKnown(days) {
			diags.Append(rotationRulesDiags(schedule.Rules{AutomaticallyAfterDays: days.ValueInt64()})...)
		}
		if valueKnown(expr) {
			diags.Append(rotationRulesDiags(schedule.Rules{ScheduleExpression: expr.ValueString()})...)
		}
		if valueKnown(dur) {
			if _, err := schedule.ParseDuration(dur.ValueString()); err != nil {
				diags.AddAttributeError(rotationRulesPath("duration"), "Invalid rotation_rules.0.duration", err.Error())
			}
		}
		return diags
	}
	rules := schedule.Rules{AutomaticallyAfterDays: days.ValueInt64(), ScheduleExpression: expr.ValueString()}
	if valueKnown(dur) {
		rules.Duration = dur.ValueString()
	}
	return rotationRulesDiags(rules)
}

// rotationRulesDiags turns the errors of schedule.Rules.Validate into one diagnostic each, on
// the attribute the error is about (the errors start with the attribute's name).
func rotationRulesDiags(rules schedule.Rules) diag.Diagnostics {
	var diags diag.Diagnostics
	err := rules.Validate()
	if err == nil {
		return nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		msg := e.Error()
		attr := ""
		for _, name := range []string{"automatically_after_days", "schedule_expression", "duration"} {
			if strings.HasPrefix(msg, name) {
				attr = name
				break
			}
		}
		summary := "Invalid rotation_rules"
		if attr != "" {
			summary = "Invalid rotation_rules.0." + attr
		}
		diags.AddAttributeError(rotationRulesPath(attr), summary, msg)
	}
	return diags
}

func valueKnown(v interface {
	IsNull() bool
	IsUnknown() bool
}) bool {
	return !v.IsNull() && !v.IsUnknown()
}

func (r *secretRotationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r = r.regional(r.c.forObject(ctx, req.Plan))
	defer setStateRegion(ctx, r.c, &resp.State, &resp.Diagnostics)
	var plan secretRotationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, diags := r.rotate(ctx, plan, plan.SecretID.ValueString(), plan.RotateImmediately.ValueBool())
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(aws.ToString(out.ARN))
	plan.RotationEnabled = types.BoolValue(true)
	if plan.RotationLambdaARN.IsUnknown() {
		// Not configured: the secret kept the function it had; record which.
		d, err := r.c.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: out.ARN})
		if err != nil {
			resp.Diagnostics.AddError("Cannot read the rotation configuration",
				fmt.Sprintf("Rotation of %s is on, but DescribeSecret failed: %v. Run terraform apply again to record it.", aws.ToString(out.ARN), err))
			return
		}
		plan.RotationLambdaARN = optionalString(d.RotationLambdaARN)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *secretRotationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r = r.regional(r.c.forObject(ctx, req.State))
	defer setStateRegion(ctx, r.c, &resp.State, &resp.Diagnostics)
	var state secretRotationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	d, err := findRotation(ctx, r.c.SecretsManager, state.ID.ValueString())
	if isNotFound(err) {
		// Deleting the secret (or scheduling its deletion) takes its rotation with it.
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the rotation configuration",
			fmt.Sprintf("DescribeSecret of %s failed: %v. Check that the credentials allow secretsmanager:DescribeSecret.", state.ID.ValueString(), err))
		return
	}
	state.ID = types.StringValue(aws.ToString(d.ARN))
	if state.SecretID.IsNull() || state.SecretID.ValueString() == "" {
		state.SecretID = state.ID
	}
	f := flattenRotation(d, state.RotationRules)
	state.RotationEnabled, state.RotationLambdaARN, state.RotationRules = f.Enabled, f.LambdaARN, f.Rules
	if state.RotateImmediately.IsNull() {
		state.RotateImmediately = types.BoolValue(true) // after import: the default
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *secretRotationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r = r.regional(r.c.forObject(ctx, req.Plan))
	defer setStateRegion(ctx, r.c, &resp.State, &resp.Diagnostics)
	var plan, state secretRotationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	wasOn := state.RotationEnabled.ValueBool()
	changed := !wasOn || !plan.RotationLambdaARN.Equal(state.RotationLambdaARN) || !slices.Equal(plan.RotationRules, state.RotationRules)
	if changed {
		// A schedule or function change must not rotate the secret as a side effect; only
		// turning rotation back on honours rotate_immediately.
		immediately := !wasOn && plan.RotateImmediately.ValueBool()
		if _, diags := r.rotate(ctx, plan, state.ID.ValueString(), immediately); diags.HasError() {
			resp.Diagnostics.Append(diags...)
			return
		}
	}
	plan.ID = state.ID
	plan.RotationEnabled = types.BoolValue(true)
	if plan.RotationLambdaARN.IsUnknown() {
		plan.RotationLambdaARN = state.RotationLambdaARN
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *secretRotationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r = r.regional(r.c.forObject(ctx, req.State))
	var state secretRotationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	_, err := r.c.SecretsManager.CancelRotateSecret(ctx, &secretsmanager.CancelRotateSecretInput{SecretId: state.ID.ValueStringPointer()})
	if err != nil && !isNotFound(err) {
		resp.Diagnostics.AddError("Cannot turn rotation off",
			fmt.Sprintf("CancelRotateSecret of %s failed: %v. Check that the credentials allow secretsmanager:CancelRotateSecret, then run terraform destroy again.",
				state.ID.ValueString(), err))
	}
}

// ImportState takes the secret's ARN or name.
func (r *secretRotationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	bare, rc := r.c.importTarget(ctx, req.ID, resp)
	req.ID, r = bare, r.regional(rc)
	// secret_id is left empty: Read sets it to the ARN, which is what configurations usually
	// pass (secretsmanager_secret.x.arn), whichever of name or ARN was imported.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rotate_immediately"), true)...)
}

// ModifyPlan replaces the rotation when secret_id names another secret; naming the same
// secret by name instead of ARN (or back) is an in-place change without any call.
func (r *secretRotationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	defer planRegion(ctx, r.c, req, resp)
	r = r.regional(r.c.forPlan(ctx, req))
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	var planned, priorID, priorSecretID types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("secret_id"), &planned)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &priorID)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("secret_id"), &priorSecretID)...)
	if resp.Diagnostics.HasError() || planned.Equal(priorSecretID) || svSameSecret(planned, priorID) {
		return
	}
	resp.RequiresReplace = append(resp.RequiresReplace, path.Root("secret_id"))
}

// rotate calls RotateSecret with the planned configuration.
func (r *secretRotationResource) rotate(ctx context.Context, m secretRotationModel, secretID string, immediately bool) (*secretsmanager.RotateSecretOutput, diag.Diagnostics) {
	var diags diag.Diagnostics
	in := &secretsmanager.RotateSecretInput{SecretId: aws.String(secretID), RotateImmediately: aws.Bool(immediately)}
	if valueKnown(m.RotationLambdaARN) {
		in.RotationLambdaARN = m.RotationLambdaARN.ValueStringPointer()
	}
	if len(m.RotationRules) == 1 {
		rr := m.RotationRules[0]
		in.RotationRules = &smtypes.RotationRulesType{}
		if valueKnown(rr.AutomaticallyAfterDays) {
			in.RotationRules.AutomaticallyAfterDays = rr.AutomaticallyAfterDays.ValueInt64Pointer()
		}
		if valueKnown(rr.ScheduleExpression) {
			in.RotationRules.ScheduleExpression = rr.ScheduleExpression.ValueStringPointer()
		}
		if valueKnown(rr.Duration) {
			in.RotationRules.Duration = rr.Duration.ValueStringPointer()
		}
	}
	out, err := r.c.SecretsManager.RotateSecret(ctx, in)
	if err != nil {
		summary, detail := r.rotateErrorDetail(ctx, secretID, aws.ToString(in.RotationLambdaARN), err)
		p := path.Root("secret_id")
		if strings.Contains(summary, "function") {
			p = path.Root("rotation_lambda_arn")
		} else if strings.Contains(summary, "schedule") {
			p = path.Root("rotation_rules")
		}
		diags.AddAttributeError(p, summary, detail)
		return nil, diags
	}
	return out, diags
}

// rotateErrorDetail explains a RotateSecret failure and what to do about it.
func (r *secretRotationResource) rotateErrorDetail(ctx context.Context, secretID, fn string, err error) (summary, detail string) {
	code, msg := awsErrorCode(err)
	switch {
	case code == "ResourceNotFoundException":
		return "Secret not found",
			fmt.Sprintf("RotateSecret: Secrets Manager has no secret %q in region %s (%s). Check secret_id: use the ARN or name of an existing secret in this resource's region (region, else the provider's).",
				secretID, r.c.Region, msg)
	case code == "AccessDeniedException" && strings.Contains(msg, "Lambda"):
		return "Rotation function cannot be invoked",
			fmt.Sprintf("RotateSecret: Secrets Manager cannot invoke the rotation function %q (%s: %s). Check rotation_lambda_arn: the function must exist "+
				"in the secret's region, and its resource policy must allow the principal secretsmanager.amazonaws.com to call lambda:InvokeFunction "+
				"(hashicorp/aws: aws_lambda_permission). Nothing was changed.", fn, code, msg)
	case code == "InvalidRequestException" && strings.Contains(msg, "previous rotation"):
		pending := r.pendingVersion(ctx, secretID)
		return "A previous rotation of the secret is not complete",
			fmt.Sprintf("RotateSecret: %s Secrets Manager refuses to change the rotation of %s while a rotation is stuck part-way "+
				"(version %s carries the AWSPENDING label but not AWSCURRENT), and retries that rotation on its schedule.\n\n"+
				"To fix it: read the rotation function's logs to see which step failed and why, and fix the function or what it rotates. "+
				"Then either wait for Secrets Manager to retry the rotation, or abandon it:\n"+
				"  aws secretsmanager cancel-rotate-secret --secret-id %s\n"+
				"  aws secretsmanager update-secret-version-stage --secret-id %s --version-stage AWSPENDING --remove-from-version-id %s\n"+
				"and run terraform apply again. Nothing was changed.", msg, secretID, pending, secretID, secretID, pending)
	case code == "InvalidRequestException" && strings.Contains(msg, "marked for deletion"):
		return "Secret is scheduled for deletion",
			fmt.Sprintf("RotateSecret: %s Restore it first (aws secretsmanager restore-secret --secret-id %s), or point secret_id at another secret.", msg, secretID)
	case code == "InvalidRequestException" && strings.Contains(msg, "Lambda"):
		return "No rotation function",
			fmt.Sprintf("RotateSecret: %s Set rotation_lambda_arn to the ARN of the rotation function.", msg)
	case code == "InvalidParameterException":
		return "Secrets Manager rejected the rotation schedule",
			fmt.Sprintf("RotateSecret: %s (%s). Check rotation_rules and rotation_lambda_arn.", msg, code)
	}
	return "Cannot turn rotation on", fmt.Sprintf("RotateSecret of %s failed: %v", secretID, err)
}

// pendingVersion names the version a stuck rotation left AWSPENDING on, for the fix commands.
func (r *secretRotationResource) pendingVersion(ctx context.Context, secretID string) string {
	d, err := r.c.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretID)})
	if err != nil {
		return "<VERSION_ID>"
	}
	for id, stages := range d.VersionIdsToStages {
		if slices.Contains(stages, "AWSPENDING") && !slices.Contains(stages, "AWSCURRENT") {
			return id
		}
	}
	return "<VERSION_ID>"
}
