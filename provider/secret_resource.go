package provider

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/iampolicy"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/provider/internal/validators"
)

var (
	_ resource.Resource                   = (*secretResource)(nil)
	_ resource.ResourceWithConfigure      = (*secretResource)(nil)
	_ resource.ResourceWithImportState    = (*secretResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*secretResource)(nil)
	_ resource.ResourceWithValidateConfig = (*secretResource)(nil)
)

// secretPrivateImportedPolicy marks a secret imported with its policy, which the resource
// then does not delete while the configuration leaves policy unset.
const secretPrivateImportedPolicy = "imported_policy"

const (
	secretMaxNameLen             = validators.SecretNameMaxLen
	secretMaxDescriptionLen      = 2048
	secretDefaultRecoveryWindow  = 30
	secretDefaultNamePrefix      = "terraform-"
	secretDefaultKMSAlias        = "alias/aws/secretsmanager"
	secretDefaultDeleteTimeout   = 5 * time.Minute
	secretGeneratedSuffixLen     = validators.SecretGeneratedSuffixLen
	secretMaxNamePrefixLen       = validators.SecretNamePrefixMaxLen
	secretDeletionWaitFirstPause = 200 * time.Millisecond
)

var (
	secretRegionPattern    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	secretReplicaAttrTypes = map[string]attr.Type{
		"region":             types.StringType,
		"kms_key_id":         types.StringType,
		"status":             types.StringType,
		"status_message":     types.StringType,
		"last_accessed_date": types.StringType,
		"arn":                types.StringType,
	}
)

// NewSecretResource is the secretsmanager_secret resource.
func NewSecretResource() resource.Resource { return &secretResource{} }

type secretResource struct {
	client *clients
}

type secretResourceModel struct {
	Region                      types.String   `tfsdk:"region"`
	ID                          types.String   `tfsdk:"id"`
	ARN                         types.String   `tfsdk:"arn"`
	Name                        types.String   `tfsdk:"name"`
	NamePrefix                  types.String   `tfsdk:"name_prefix"`
	Description                 types.String   `tfsdk:"description"`
	KmsKeyID                    types.String   `tfsdk:"kms_key_id"`
	Policy                      policyValue    `tfsdk:"policy"`
	BlockPublicPolicy           types.Bool     `tfsdk:"block_public_policy"`
	RecoveryWindowInDays        types.Int64    `tfsdk:"recovery_window_in_days"`
	ForceOverwriteReplicaSecret types.Bool     `tfsdk:"force_overwrite_replica_secret"`
	Replica                     types.Set      `tfsdk:"replica"`
	Tags                        types.Map      `tfsdk:"tags"`
	TagsAll                     types.Map      `tfsdk:"tags_all"`
	Timeouts                    timeouts.Value `tfsdk:"timeouts"`
}

type secretReplicaModel struct {
	Region           types.String `tfsdk:"region"`
	KmsKeyID         types.String `tfsdk:"kms_key_id"`
	Status           types.String `tfsdk:"status"`
	StatusMessage    types.String `tfsdk:"status_message"`
	LastAccessedDate types.String `tfsdk:"last_accessed_date"`
	ARN              types.String `tfsdk:"arn"`
}

func (r *secretResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret"
}

func (r *secretResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	tags := tagsAttribute()
	tags.Validators = append(tags.Validators, validators.SecretTags())
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Secrets Manager secret: its name, description, KMS key, tags, optional resource policy and " +
			"replica regions. The secret's value is managed by `secretsmanager_secret_version`.\n\n" +
			"Refreshing this resource costs one `DescribeSecret` call; `GetResourcePolicy` is called only when `policy` is set. " +
			"A name still in its recovery window after a deletion is reported at plan time, with the commands to restore it or delete it for good.",
		Attributes: map[string]schema.Attribute{
			"region": resourceRegionAttribute(),
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The ARN of the secret.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"arn": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The ARN of the secret, with the six random characters Secrets Manager appends to the name.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Name of the secret: 1 to 512 letters, digits and `/_+=.@-`. Changing it replaces the secret. " +
					"Conflicts with `name_prefix`; when neither is set a unique name starting with `terraform-` is generated. " +
					"Avoid names ending in a hyphen and six characters: they are mistaken for ARN suffixes.",
				Validators: []validator.String{
					validators.SecretName(),
					stringvalidator.ConflictsWith(path.MatchRoot("name_prefix")),
				},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"name_prefix": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: fmt.Sprintf("Creates a unique name beginning with this prefix (at most %d characters, leaving room for "+
					"the %d-character generated suffix). Changing it replaces the secret. Conflicts with `name`.", secretMaxNamePrefixLen, secretGeneratedSuffixLen),
				Validators:    []validator.String{validators.SecretNamePrefix()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"description": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Description of the secret, up to 2048 characters.",
				Validators:          []validator.String{stringvalidator.LengthAtMost(secretMaxDescriptionLen)},
			},
			"kms_key_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "KMS key (id, ARN, alias name or alias ARN) that encrypts the secret's values. Unset, Secrets Manager uses " +
					"the AWS managed key `aws/secretsmanager`, which only this account can use: set a customer managed key to share " +
					"the secret with other accounts. Changing it re-encrypts the labelled versions.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 2048)},
			},
			"policy": schema.StringAttribute{
				Optional: true,
				// Computed only so that a policy read at import, which another resource may
				// manage, can stay in the plan without a diff (see ModifyPlan).
				Computed:   true,
				CustomType: policyType{},
				MarkdownDescription: "Resource policy of the secret as a JSON document (use `jsonencode()` or `data.aws_iam_policy_document`). " +
					"Documents that differ only in formatting, key order or single values versus one-element lists are equal and never show a diff. " +
					"Unset, this resource neither reads nor changes the policy, so `secretsmanager_secret_policy` can manage it instead; " +
					"removing the argument deletes the policy this resource had set. An import reads the policy, so that a configuration setting it " +
					"plans no change; while the configuration leaves it unset, the imported policy is shown here but never changed or deleted.",
				Validators:    []validator.String{stringvalidator.LengthAtMost(iampolicy.MaxLength)},
				PlanModifiers: []planmodifier.String{validators.KeepEquivalentPolicy()},
			},
			"block_public_policy": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "Refuse a `policy` that grants broad access to the secret (for example `\"Principal\": \"*\"` without a " +
					"limiting condition). Such a policy is reported at plan time. Default `false`, as in the Secrets Manager API.",
			},
			"recovery_window_in_days": schema.Int64Attribute{
				Optional: true,
				Computed: true,
				Default:  int64default.StaticInt64(secretDefaultRecoveryWindow),
				MarkdownDescription: "Days (7 to 30) during which a destroyed secret can still be restored with `aws secretsmanager restore-secret`; " +
					"its name stays reserved for that time. `0` deletes it at once, without recovery, so that the name can be reused immediately " +
					"(useful for secrets that are replaced). Default 30. Applies when the secret is destroyed.",
				Validators: []validator.Int64{validators.RecoveryWindow()},
			},
			"force_overwrite_replica_secret": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "Overwrite a secret of the same name that already exists in a replica region. Without it, that replica's " +
					"`status` becomes `Failed`. Default `false`.",
			},
			"tags":     tags,
			"tags_all": tagsAllAttribute(),
		},
		Blocks: map[string]schema.Block{
			"replica": schema.SetNestedBlock{
				MarkdownDescription: "A region the secret is replicated to. Replicas are read-only copies kept in step by Secrets Manager. " +
					"Changing a replica's `kms_key_id` removes and re-creates that replica. Status changes never show as a diff.",
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"region": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "Region of the replica, e.g. `eu-west-1`; not the secret's own region.",
						Validators: []validator.String{stringvalidator.RegexMatches(secretRegionPattern,
							"must be an AWS region name such as eu-west-1")},
					},
					"kms_key_id": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "KMS key in the replica's region that encrypts the replica (id, ARN or alias). " +
							"Unset: that region's `aws/secretsmanager` key.",
						Validators: []validator.String{stringvalidator.LengthBetween(1, 2048)},
					},
					"status": schema.StringAttribute{
						Computed:            true,
						MarkdownDescription: "Replication status: `InProgress`, `InSync` or `Failed`.",
					},
					"status_message": schema.StringAttribute{
						Computed:            true,
						MarkdownDescription: "Secrets Manager's message about the replication, e.g. why it failed.",
					},
					"last_accessed_date": schema.StringAttribute{
						Computed:            true,
						MarkdownDescription: "Date (RFC 3339) the replica was last read, if ever.",
					},
					"arn": replicaARNAttribute(),
				}},
			},
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Delete: true}),
		},
	}
}

func (r *secretResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = providerClients(req.ProviderData, &resp.Diagnostics)
}

// ---- validation and planning ----

func (r *secretResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg secretResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !cfg.Policy.IsNull() && !cfg.Policy.IsUnknown() && cfg.BlockPublicPolicy.ValueBool() {
		if _, public := iampolicy.Check(cfg.Policy.ValueString()); public {
			resp.Diagnostics.AddAttributeError(path.Root("policy"), "Policy grants public access",
				"block_public_policy is true and this policy grants broad access to the secret (a wildcard principal without a limiting condition). "+
					"Name the principals (account ids or role ARNs), add a condition such as aws:PrincipalAccount or aws:SourceArn, "+
					"or set block_public_policy = false.")
		}
	}
	if cfg.Policy.IsNull() && cfg.BlockPublicPolicy.ValueBool() {
		resp.Diagnostics.AddAttributeWarning(path.Root("block_public_policy"), "block_public_policy has no effect without policy",
			"block_public_policy applies to the policy set by this resource's policy argument. Set policy, or move block_public_policy to the secretsmanager_secret_policy resource.")
	}
	if cfg.Replica.IsNull() || cfg.Replica.IsUnknown() {
		return
	}
	var replicas []secretReplicaModel
	resp.Diagnostics.Append(cfg.Replica.ElementsAs(ctx, &replicas, false)...)
	seen := map[string]bool{}
	for _, rep := range replicas {
		if rep.Region.IsNull() || rep.Region.IsUnknown() {
			continue
		}
		region := rep.Region.ValueString()
		if seen[region] {
			resp.Diagnostics.AddAttributeError(path.Root("replica"), "Duplicate replica region",
				fmt.Sprintf("Region %s appears in more than one replica block. A secret has at most one replica per region: keep one block for %s.", region, region))
		}
		seen[region] = true
	}
}

func (r *secretResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	defer planRegion(ctx, r.client, req, resp)
	r = r.regional(r.client.forPlan(ctx, req))
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	planTagsAll(ctx, r.client, req, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	var plan, cfg secretResourceModel
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	creating := req.State.Raw.IsNull()
	if creating {
		r.planName(ctx, cfg, &plan, resp)
	}
	var prior []secretReplicaModel
	retryFailed := false
	if !creating {
		var state secretResourceModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		prior = secretReplicas(ctx, state.Replica, &resp.Diagnostics)
		retryFailed = plan.ForceOverwriteReplicaSecret.ValueBool() && !state.ForceOverwriteReplicaSecret.ValueBool()
	}
	r.planReplicas(ctx, prior, retryFailed, &plan, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	if cfg.Policy.IsNull() {
		// Unset, policy is not this resource's: none on a new secret; on an existing one the
		// one it had set is deleted (null), and one read at import is kept as it is until
		// the configuration sets policy (secretsmanager_secret_policy may manage it).
		plan.Policy = policyValue{StringValue: types.StringNull()}
		if !creating {
			imported, diags := req.Private.GetKey(ctx, secretPrivateImportedPolicy)
			resp.Diagnostics.Append(diags...)
			var state secretResourceModel
			resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
			if len(imported) > 0 {
				plan.Policy = state.Policy
			}
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// planName settles name and name_prefix of a new secret as far as the configuration allows,
// and refuses, at plan time, a name that is still reserved by a secret in its recovery window.
func (r *secretResource) planName(ctx context.Context, cfg secretResourceModel, plan *secretResourceModel, resp *resource.ModifyPlanResponse) {
	switch {
	case !cfg.Name.IsNull():
		if !cfg.NamePrefix.IsUnknown() {
			plan.NamePrefix = types.StringNull()
		}
	case cfg.NamePrefix.IsNull():
		plan.NamePrefix = types.StringValue(secretDefaultNamePrefix)
		plan.Name = types.StringUnknown()
	default:
		plan.Name = types.StringUnknown()
	}
	if r.client == nil || cfg.Name.IsNull() || cfg.Name.IsUnknown() {
		return
	}
	name := cfg.Name.ValueString()
	_, err := findSecretByID(ctx, r.client.SecretsManager, name)
	// Any other outcome (not found, no permission, throttled) is left to CreateSecret.
	if nf := scheduledForDeletion(err); nf != nil && nf.name == name {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Secret name is scheduled for deletion",
			secretScheduledForDeletionDetail(name, r.client.Region, nf.deletedDate))
	}
}

// planReplicas copies each unchanged replica's status from the state into the plan, so that
// status changes made by Secrets Manager never show as a diff; new or changed replicas get
// unknown status. With retryFailed, failed replicas are retried by Update, so their status is
// unknown too.
func (r *secretResource) planReplicas(ctx context.Context, prior []secretReplicaModel, retryFailed bool, plan *secretResourceModel, resp *resource.ModifyPlanResponse) {
	if plan.Replica.IsNull() || plan.Replica.IsUnknown() {
		return
	}
	planned := secretReplicas(ctx, plan.Replica, &resp.Diagnostics)
	byRegion := map[string]secretReplicaModel{}
	for _, p := range prior {
		byRegion[p.Region.ValueString()] = p
	}
	for i := range planned {
		p := &planned[i]
		if r.client != nil && p.Region.ValueString() == r.client.Region {
			resp.Diagnostics.AddAttributeError(path.Root("replica"), "Replica in the primary region",
				fmt.Sprintf("replica region %s is the secret's own region, where the primary secret lives. Replicate to another region, or remove this replica block.", r.client.Region))
		}
		s, ok := byRegion[p.Region.ValueString()]
		retried := retryFailed && s.Status.ValueString() == string(smtypes.StatusTypeFailed)
		if ok && !retried && !p.Region.IsUnknown() && !p.KmsKeyID.IsUnknown() && secretKMSKeysMatch(p.KmsKeyID, s.KmsKeyID) {
			p.Status, p.StatusMessage, p.LastAccessedDate, p.ARN = s.Status, s.StatusMessage, s.LastAccessedDate, s.ARN
			continue
		}
		p.Status, p.StatusMessage, p.LastAccessedDate = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
		p.ARN = plannedReplicaARN(plan.ARN, p.Region)
	}
	v, diags := types.SetValueFrom(ctx, types.ObjectType{AttrTypes: secretReplicaAttrTypes}, planned)
	resp.Diagnostics.Append(diags...)
	plan.Replica = v
}

// ---- create, read, update, delete ----

func (r *secretResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r = r.regional(r.client.forObject(ctx, req.Plan))
	defer setStateRegion(ctx, r.client, &resp.State, &resp.Diagnostics)
	var plan secretResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	sm := r.client.SecretsManager
	name := plan.Name.ValueString()
	if plan.Name.IsUnknown() || plan.Name.IsNull() {
		prefix := secretDefaultNamePrefix
		if !plan.NamePrefix.IsNull() && !plan.NamePrefix.IsUnknown() {
			prefix = plan.NamePrefix.ValueString()
		}
		name = secretUniqueName(prefix)
	}
	tagsAll, diags := mergedTags(ctx, r.client.DefaultTags, plan.Tags)
	resp.Diagnostics.Append(diags...)
	replicas := secretReplicas(ctx, plan.Replica, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	in := &secretsmanager.CreateSecretInput{
		Name:                        aws.String(name),
		Tags:                        secretSDKTags(tagsAll),
		AddReplicaRegions:           secretSDKReplicas(replicas),
		ForceOverwriteReplicaSecret: plan.ForceOverwriteReplicaSecret.ValueBool(),
	}
	if d := plan.Description.ValueString(); d != "" {
		in.Description = aws.String(d)
	}
	if k := plan.KmsKeyID.ValueString(); k != "" {
		in.KmsKeyId = aws.String(k)
	}
	out, err := sm.CreateSecret(ctx, in)
	if err != nil {
		r.createError(ctx, name, err, &resp.Diagnostics)
		return
	}
	arn := aws.ToString(out.ARN)

	if !plan.Policy.IsNull() {
		if err := r.putPolicy(ctx, arn, plan.Policy.ValueString(), plan.BlockPublicPolicy.ValueBool()); err != nil {
			// Undo the creation so that the name stays free and nothing is left half-made.
			if rbErr := r.forceDelete(ctx, arn, replicaRegionsOf(replicas)); rbErr != nil {
				resp.Diagnostics.AddError("Secret created without its policy",
					fmt.Sprintf("%v\n\nThe secret %s was created, and deleting it again failed: %v. It is kept in the state as tainted; "+
						"fix the policy and apply again to replace it.", err, arn, rbErr))
				r.saveAfterFailure(ctx, arn, plan, resp)
				return
			}
			resp.Diagnostics.AddAttributeError(path.Root("policy"), "Cannot set the secret's resource policy",
				fmt.Sprintf("%v\n\nThe secret %q was deleted again (without recovery window), so nothing was left behind; fix the policy and apply again.", err, name))
			return
		}
	}

	state, found, _, diags := r.readSecret(ctx, arn, plan, !plan.Policy.IsNull())
	resp.Diagnostics.Append(diags...)
	if !found && !diags.HasError() {
		resp.Diagnostics.AddError("Secret vanished after creation",
			fmt.Sprintf("CreateSecret returned %s, but DescribeSecret does not find it. Check that nothing else deletes secrets of this name, then apply again.", arn))
	}
	if !found {
		return
	}
	secretReplicaWarnings(ctx, state, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// saveAfterFailure records a secret that exists but failed to be completed, so that it is not
// orphaned: Terraform marks it tainted and replaces it on the next apply.
func (r *secretResource) saveAfterFailure(ctx context.Context, arn string, plan secretResourceModel, resp *resource.CreateResponse) {
	state, found, _, _ := r.readSecret(ctx, arn, plan, false)
	if !found {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *secretResource) createError(ctx context.Context, name string, err error, diags *diag.Diagnostics) {
	code, msg := awsErrorCode(err)
	switch {
	case code == "InvalidRequestException" && strings.Contains(msg, "scheduled for deletion"):
		var deleted *time.Time
		if _, derr := findSecretByID(ctx, r.client.SecretsManager, name); scheduledForDeletion(derr) != nil {
			deleted = scheduledForDeletion(derr).deletedDate
		}
		diags.AddAttributeError(path.Root("name"), "Secret name is scheduled for deletion",
			secretScheduledForDeletionDetail(name, r.client.Region, deleted)+
				"\n\nIf this apply replaced the secret (taint or -replace), the old secret was just scheduled for deletion: "+
				"set recovery_window_in_days = 0 on secrets that are replaced under the same name.")
	case code == "ResourceExistsException":
		diags.AddAttributeError(path.Root("name"), "Secret already exists",
			fmt.Sprintf("A secret named %q already exists in %s. Import it to manage it with Terraform:\n\n"+
				"  terraform import secretsmanager_secret.<name> %s\n\nor choose another name (or use name_prefix).", name, r.client.Region, name))
	default:
		diags.AddError("Cannot create the secret",
			fmt.Sprintf("Secrets Manager CreateSecret for %q failed: %v. %s", name, err, secretErrorHint(err)))
	}
}

func (r *secretResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r = r.regional(r.client.forObject(ctx, req.State))
	defer setStateRegion(ctx, r.client, &resp.State, &resp.Diagnostics)
	var state secretResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The policy is read only when this resource manages it, or was just imported: that keeps
	// a refresh to one call.
	imported, diags := req.Private.GetKey(ctx, secretPrivateImportedPolicy)
	resp.Diagnostics.Append(diags...)
	next, found, deleted, diags := r.readSecret(ctx, state.ID.ValueString(), state, !state.Policy.IsNull() || len(imported) > 0)
	resp.Diagnostics.Append(diags...)
	if diags.HasError() {
		return
	}
	if !found {
		if deleted != nil {
			resp.Diagnostics.AddWarning("Secret is scheduled for deletion",
				fmt.Sprintf("The secret %s was deleted outside Terraform and is scheduled for deletion (deleted date %s). "+
					"It is removed from the state; planning to create it again will fail until it is restored "+
					"(aws secretsmanager restore-secret --secret-id %s --region %s, then terraform import) or deleted for good.",
					state.ID.ValueString(), deleted.UTC().Format(time.RFC3339), state.ID.ValueString(), r.client.Region))
		}
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &next)...)
}

// readSecret reads a secret into a model; prior supplies what AWS does not return
// (arguments that only matter on delete, the user's spelling of keys and policies).
// found is false when the secret does not exist or is scheduled for deletion (then deleted
// is its deleted date).
func (r *secretResource) readSecret(ctx context.Context, id string, prior secretResourceModel, withPolicy bool) (m secretResourceModel, found bool, deleted *time.Time, diags diag.Diagnostics) {
	sm := r.client.SecretsManager
	out, err := findSecretByID(ctx, sm, id)
	if nf := scheduledForDeletion(err); nf != nil {
		return m, false, nf.deletedDate, diags
	}
	if isNotFound(err) {
		return m, false, nil, diags
	}
	if err != nil {
		diags.AddError("Cannot read the secret", fmt.Sprintf("Secrets Manager DescribeSecret for %s failed: %v. %s", id, err, secretErrorHint(err)))
		return m, false, nil, diags
	}
	if p := aws.ToString(out.PrimaryRegion); p != "" && p != r.client.Region {
		diags.AddError("Secret is a replica",
			fmt.Sprintf("%s is a replica of a secret whose primary region is %s; replicas are read-only. Manage the primary secret with a provider configured for region %s, "+
				"and declare this region in its replica block.", aws.ToString(out.ARN), p, p))
		return m, false, nil, diags
	}

	f := flattenSecret(out, prior, secretReplicas(ctx, prior.Replica, &diags))
	m = prior
	m.ID, m.ARN, m.Name = f.ARN, f.ARN, f.Name
	if m.NamePrefix.IsUnknown() {
		m.NamePrefix = types.StringNull()
	}
	if prior.Name.IsNull() && prior.NamePrefix.IsNull() {
		// Import: recognise a generated name, as hashicorp/aws does.
		if p, ok := secretPrefixFromName(f.Name.ValueString()); ok {
			m.NamePrefix = types.StringValue(p)
		}
	}
	m.Description, m.KmsKeyID = f.Description, f.KmsKeyID
	for k := range f.Tags {
		if r.client.ignored(k) {
			delete(f.Tags, k)
		}
	}
	var d diag.Diagnostics
	m.Tags, m.TagsAll, d = flattenTags(ctx, r.client.DefaultTags, f.Tags, prior.Tags)
	diags.Append(d...)
	// Never null: a configuration without replica blocks is an empty set.
	m.Replica, d = types.SetValueFrom(ctx, types.ObjectType{AttrTypes: secretReplicaAttrTypes}, f.Replicas)
	diags.Append(d...)

	if withPolicy {
		pol, err := findSecretPolicy(ctx, sm, f.ARN.ValueString())
		if err != nil && !isNotFound(err) {
			diags.AddError("Cannot read the secret's resource policy",
				fmt.Sprintf("Secrets Manager GetResourcePolicy for %s failed: %v. %s", f.ARN.ValueString(), err, secretErrorHint(err)))
			return m, false, nil, diags
		}
		doc := ""
		if err == nil {
			doc = aws.ToString(pol.ResourcePolicy)
		}
		m.Policy = flattenPolicy(doc, prior.Policy)
	}
	// Arguments AWS does not report: keep them, or their defaults after an import.
	if m.RecoveryWindowInDays.IsNull() || m.RecoveryWindowInDays.IsUnknown() {
		m.RecoveryWindowInDays = types.Int64Value(secretDefaultRecoveryWindow)
	}
	if m.ForceOverwriteReplicaSecret.IsNull() || m.ForceOverwriteReplicaSecret.IsUnknown() {
		m.ForceOverwriteReplicaSecret = types.BoolValue(false)
	}
	if m.BlockPublicPolicy.IsNull() || m.BlockPublicPolicy.IsUnknown() {
		m.BlockPublicPolicy = types.BoolValue(false)
	}
	if m.Policy.IsUnknown() {
		m.Policy = policyValue{StringValue: types.StringNull()}
	}
	return m, true, nil, diags
}

func (r *secretResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r = r.regional(r.client.forObject(ctx, req.Plan))
	defer setStateRegion(ctx, r.client, &resp.State, &resp.Diagnostics)
	var plan, state secretResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var configured policyValue
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("policy"), &configured)...)
	if !configured.IsNull() {
		// The configuration manages the policy from now on.
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, secretPrivateImportedPolicy, nil)...)
	} else if imported, _ := req.Private.GetKey(ctx, secretPrivateImportedPolicy); len(imported) > 0 {
		// Kept in the plan only to avoid a diff; never written by this resource.
		plan.Policy = state.Policy
	}
	sm := r.client.SecretsManager
	arn := state.ARN.ValueString()
	// On any error below the state stays the prior one (the framework's default); every
	// step is idempotent, so the next apply finishes the job.

	descChanged := !plan.Description.Equal(state.Description)
	kmsChanged := !secretKMSKeysMatch(plan.KmsKeyID, state.KmsKeyID)
	if descChanged || kmsChanged {
		in := &secretsmanager.UpdateSecretInput{SecretId: aws.String(arn)}
		if descChanged {
			in.Description = aws.String(plan.Description.ValueString())
		}
		if kmsChanged {
			k := plan.KmsKeyID.ValueString()
			if k == "" {
				k = secretDefaultKMSAlias
			}
			in.KmsKeyId = aws.String(k)
		}
		if _, err := sm.UpdateSecret(ctx, in); err != nil {
			p := path.Root("description")
			if kmsChanged {
				p = path.Root("kms_key_id")
			}
			resp.Diagnostics.AddAttributeError(p, "Cannot update the secret",
				fmt.Sprintf("Secrets Manager UpdateSecret for %s failed: %v. %s", arn, err, secretErrorHint(err)))
			return
		}
	}

	if err := r.updateTags(ctx, arn, plan, state); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("tags"), "Cannot update the secret's tags", err.Error())
		return
	}

	switch {
	case plan.Policy.IsNull() && !state.Policy.IsNull():
		if _, err := sm.DeleteResourcePolicy(ctx, &secretsmanager.DeleteResourcePolicyInput{SecretId: aws.String(arn)}); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("policy"), "Cannot delete the secret's resource policy",
				fmt.Sprintf("Secrets Manager DeleteResourcePolicy for %s failed: %v. %s", arn, err, secretErrorHint(err)))
			return
		}
	case !plan.Policy.IsNull() && (state.Policy.IsNull() || !policiesEquivalent(plan.Policy.ValueString(), state.Policy.ValueString()) ||
		!plan.BlockPublicPolicy.Equal(state.BlockPublicPolicy)):
		if err := r.putPolicy(ctx, arn, plan.Policy.ValueString(), plan.BlockPublicPolicy.ValueBool()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("policy"), "Cannot set the secret's resource policy", err.Error())
			return
		}
	}

	if err := r.updateReplicas(ctx, arn, plan, state, &resp.Diagnostics); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("replica"), "Cannot update the secret's replicas", err.Error())
		return
	}

	next, found, _, diags := r.readSecret(ctx, arn, plan, !plan.Policy.IsNull())
	resp.Diagnostics.Append(diags...)
	if !found {
		if !diags.HasError() {
			resp.Diagnostics.AddError("Secret vanished during the update", fmt.Sprintf("DescribeSecret no longer finds %s; it was deleted outside Terraform. Apply again to re-create it.", arn))
		}
		return
	}
	secretReplicaWarnings(ctx, next, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &next)...)
}

func (r *secretResource) updateTags(ctx context.Context, arn string, plan, state secretResourceModel) error {
	want, diags := mergedTags(ctx, r.client.DefaultTags, plan.Tags)
	if diags.HasError() {
		return fmt.Errorf("reading tags: %v", diags)
	}
	have := map[string]string{}
	if !state.TagsAll.IsNull() && !state.TagsAll.IsUnknown() {
		_ = state.TagsAll.ElementsAs(ctx, &have, false)
	}
	var remove []string
	for k := range have {
		if _, ok := want[k]; !ok && !r.client.ignored(k) {
			remove = append(remove, k)
		}
	}
	set := map[string]string{}
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			set[k] = v
		}
	}
	sm := r.client.SecretsManager
	if len(remove) > 0 {
		sort.Strings(remove)
		if _, err := sm.UntagResource(ctx, &secretsmanager.UntagResourceInput{SecretId: aws.String(arn), TagKeys: remove}); err != nil {
			return fmt.Errorf("Secrets Manager UntagResource %v on %s failed: %w. %s", remove, arn, err, secretErrorHint(err))
		}
	}
	if len(set) > 0 {
		if _, err := sm.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String(arn), Tags: secretSDKTags(set)}); err != nil {
			return fmt.Errorf("Secrets Manager TagResource on %s failed: %w. %s", arn, err, secretErrorHint(err))
		}
	}
	return nil
}

// updateReplicas removes replicas no longer declared and those whose key changed, then adds
// the new and changed ones: a replica's key can only be changed by re-creating it.
func (r *secretResource) updateReplicas(ctx context.Context, arn string, plan, state secretResourceModel, diags *diag.Diagnostics) error {
	want := secretReplicas(ctx, plan.Replica, diags)
	have := map[string]secretReplicaModel{}
	for _, h := range secretReplicas(ctx, state.Replica, diags) {
		have[h.Region.ValueString()] = h
	}
	wantRegions := map[string]bool{}
	var remove []string
	var add []secretReplicaModel
	for _, w := range want {
		region := w.Region.ValueString()
		wantRegions[region] = true
		h, ok := have[region]
		switch {
		case !ok:
			add = append(add, w)
		case !secretKMSKeysMatch(w.KmsKeyID, h.KmsKeyID),
			// A replica that failed (e.g. a secret of that name existed there) is retried
			// when the user allows overwriting.
			h.Status.ValueString() == string(smtypes.StatusTypeFailed) && plan.ForceOverwriteReplicaSecret.ValueBool() && !state.ForceOverwriteReplicaSecret.ValueBool():
			remove = append(remove, region)
			add = append(add, w)
		}
	}
	for region := range have {
		if !wantRegions[region] {
			remove = append(remove, region)
		}
	}
	sm := r.client.SecretsManager
	if len(remove) > 0 {
		sort.Strings(remove)
		if _, err := sm.RemoveRegionsFromReplication(ctx, &secretsmanager.RemoveRegionsFromReplicationInput{
			SecretId: aws.String(arn), RemoveReplicaRegions: remove,
		}); err != nil {
			return fmt.Errorf("Secrets Manager RemoveRegionsFromReplication %v for %s failed: %w. %s", remove, arn, err, secretErrorHint(err))
		}
	}
	if len(add) > 0 {
		if _, err := sm.ReplicateSecretToRegions(ctx, &secretsmanager.ReplicateSecretToRegionsInput{
			SecretId: aws.String(arn), AddReplicaRegions: secretSDKReplicas(add),
			ForceOverwriteReplicaSecret: plan.ForceOverwriteReplicaSecret.ValueBool(),
		}); err != nil {
			return fmt.Errorf("Secrets Manager ReplicateSecretToRegions %v for %s failed: %w. %s", replicaRegionsOf(add), arn, err, secretErrorHint(err))
		}
	}
	return nil
}

func (r *secretResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r = r.regional(r.client.forObject(ctx, req.State))
	var state secretResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, secretDefaultDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	sm := r.client.SecretsManager
	arn := state.ARN.ValueString()

	// The replicas must go first (AWS refuses to delete a primary that has any); ask AWS
	// which it has rather than trusting the state.
	out, err := findSecretByID(ctx, sm, arn)
	if isNotFound(err) {
		return // deleted, or scheduled for deletion, outside Terraform
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot delete the secret", fmt.Sprintf("Secrets Manager DescribeSecret for %s failed: %v. %s", arn, err, secretErrorHint(err)))
		return
	}
	var regions []string
	for _, rs := range out.ReplicationStatus {
		regions = append(regions, aws.ToString(rs.Region))
	}
	window := state.RecoveryWindowInDays.ValueInt64()
	if window == 0 {
		if err := r.forceDelete(ctx, arn, regions); err != nil {
			resp.Diagnostics.AddError("Cannot delete the secret", err.Error())
		}
		return
	}
	if err := r.removeReplicas(ctx, arn, regions); err != nil {
		resp.Diagnostics.AddError("Cannot delete the secret", err.Error())
		return
	}
	if _, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(arn), RecoveryWindowInDays: aws.Int64(window)}); err != nil {
		if isNotFound(err) {
			return
		}
		resp.Diagnostics.AddError("Cannot delete the secret",
			fmt.Sprintf("Secrets Manager DeleteSecret for %s (recovery window %d days) failed: %v. %s", arn, window, err, secretErrorHint(err)))
	}
}

func (r *secretResource) removeReplicas(ctx context.Context, arn string, regions []string) error {
	if len(regions) == 0 {
		return nil
	}
	if _, err := r.client.SecretsManager.RemoveRegionsFromReplication(ctx, &secretsmanager.RemoveRegionsFromReplicationInput{
		SecretId: aws.String(arn), RemoveReplicaRegions: regions,
	}); err != nil {
		return fmt.Errorf("Secrets Manager RemoveRegionsFromReplication %v for %s failed: %w. %s", regions, arn, err, secretErrorHint(err))
	}
	return nil
}

// forceDelete deletes a secret without recovery and waits until Secrets Manager no longer
// knows it (deletion is asynchronous in AWS), so that its name can be reused at once.
func (r *secretResource) forceDelete(ctx context.Context, arn string, replicaRegions []string) error {
	if err := r.removeReplicas(ctx, arn, replicaRegions); err != nil {
		return err
	}
	sm := r.client.SecretsManager
	if _, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(arn), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		return fmt.Errorf("Secrets Manager DeleteSecret for %s (without recovery) failed: %w. %s", arn, err, secretErrorHint(err))
	}
	pause := secretDeletionWaitFirstPause
	for {
		// DescribeSecret itself, not findSecretByID: a secret scheduled for deletion still
		// holds its name, and this waits until the name is free.
		_, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)})
		if isNotFound(err) {
			return nil
		}
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("waiting for the deletion of %s: DescribeSecret failed: %w", arn, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the secret %s was deleted without recovery but still exists when the delete timeout ran out; "+
				"raise timeouts.delete, or check with aws secretsmanager describe-secret --secret-id %s", arn, arn)
		case <-time.After(pause):
		}
		pause = min(pause*2, 5*time.Second)
	}
}

func (r *secretResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	bare, rc := r.client.importTarget(ctx, req.ID, resp)
	req.ID, r = bare, r.regional(rc)
	if req.ID == "" {
		resp.Diagnostics.AddError("Missing import id", "Import a secret by its ARN or name: terraform import secretsmanager_secret.example my/secret")
		return
	}
	// Read resolves the name to the ARN and fills the rest, the policy too: a configuration
	// that sets policy then plans no change. The private mark makes the plan keep a policy
	// the configuration does not set (secretsmanager_secret_policy may manage it) rather
	// than delete it; see ModifyPlan.
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, secretPrivateImportedPolicy, []byte(`true`))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("recovery_window_in_days"), int64(secretDefaultRecoveryWindow))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("force_overwrite_replica_secret"), false)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("block_public_policy"), false)...)
}

func (r *secretResource) putPolicy(ctx context.Context, arn, doc string, block bool) error {
	in := &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(arn), ResourcePolicy: aws.String(doc), BlockPublicPolicy: aws.Bool(block)}
	_, err := retryWhileIAMPropagates(ctx, r.client.Propagation, func(ctx context.Context) (*secretsmanager.PutResourcePolicyOutput, error) {
		return r.client.SecretsManager.PutResourcePolicy(ctx, in)
	})
	if err == nil {
		return nil
	}
	code, _ := awsErrorCode(err)
	hint := secretErrorHint(err)
	switch code {
	case "MalformedPolicyDocumentException":
		hint = "Check the policy with aws secretsmanager validate-resource-policy; every statement needs Effect, Action, Principal and Resource (\"*\" or the secret's ARN)."
	case "PublicPolicyException":
		hint = "The policy grants broad access; name the principals or add a limiting condition, or set block_public_policy = false."
	}
	return fmt.Errorf("Secrets Manager PutResourcePolicy for %s failed: %w. %s", arn, err, hint)
}

// ---- helpers ----

func secretReplicas(ctx context.Context, set types.Set, diags *diag.Diagnostics) []secretReplicaModel {
	if set.IsNull() || set.IsUnknown() {
		return nil
	}
	var out []secretReplicaModel
	diags.Append(set.ElementsAs(ctx, &out, false)...)
	return out
}

func replicaRegionsOf(reps []secretReplicaModel) []string {
	out := make([]string, 0, len(reps))
	for _, r := range reps {
		out = append(out, r.Region.ValueString())
	}
	return out
}

// secretReplicaWarnings tells the user about replicas that failed, with the fix.
func secretReplicaWarnings(ctx context.Context, m secretResourceModel, diags *diag.Diagnostics) {
	for _, rep := range secretReplicas(ctx, m.Replica, diags) {
		if rep.Status.ValueString() != string(smtypes.StatusTypeFailed) {
			continue
		}
		fix := "Check the replica's kms_key_id (it must be a key of that region that Secrets Manager may use)."
		if strings.Contains(rep.StatusMessage.ValueString(), "already exists") && !m.ForceOverwriteReplicaSecret.ValueBool() {
			fix = "Set force_overwrite_replica_secret = true to replace the existing secret in that region, or delete it there."
		}
		diags.AddAttributeWarning(path.Root("replica"), "Replication failed",
			fmt.Sprintf("Replication of %s to %s failed: %s. %s", m.Name.ValueString(), rep.Region.ValueString(), rep.StatusMessage.ValueString(), fix))
	}
}
