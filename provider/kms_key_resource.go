package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/provider/internal/validators"
)

var (
	_ resource.ResourceWithConfigure      = (*kmsKeyResource)(nil)
	_ resource.ResourceWithImportState    = (*kmsKeyResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*kmsKeyResource)(nil)
	_ resource.ResourceWithValidateConfig = (*kmsKeyResource)(nil)
)

// KMS limits and defaults (KMS API reference).
const (
	kmsSymmetricDefault      = "SYMMETRIC_DEFAULT"
	kmsEncryptDecrypt        = "ENCRYPT_DECRYPT"
	kmsMinRotationDays       = 90
	kmsMaxRotationDays       = 2560
	kmsMinDeletionWindowDays = 7
	kmsMaxDeletionWindowDays = 30
	kmsDefaultDeletionWindow = 30
	kmsMaxDescriptionLen     = 8192
)

// kmsKeySpecUsages lists, per key spec, the key usages KMS accepts with it (CreateKey, API
// reference). Checking the pair at plan time saves a failed apply.
var kmsKeySpecUsages = map[string][]string{
	kmsSymmetricDefault:     {kmsEncryptDecrypt},
	"RSA_2048":              {kmsEncryptDecrypt, "SIGN_VERIFY"},
	"RSA_3072":              {kmsEncryptDecrypt, "SIGN_VERIFY"},
	"RSA_4096":              {kmsEncryptDecrypt, "SIGN_VERIFY"},
	"ECC_NIST_P256":         {"SIGN_VERIFY", "KEY_AGREEMENT"},
	"ECC_NIST_P384":         {"SIGN_VERIFY", "KEY_AGREEMENT"},
	"ECC_NIST_P521":         {"SIGN_VERIFY", "KEY_AGREEMENT"},
	"ECC_SECG_P256K1":       {"SIGN_VERIFY"},
	"ECC_NIST_EDWARDS25519": {"SIGN_VERIFY"},
	"HMAC_224":              {"GENERATE_VERIFY_MAC"},
	"HMAC_256":              {"GENERATE_VERIFY_MAC"},
	"HMAC_384":              {"GENERATE_VERIFY_MAC"},
	"HMAC_512":              {"GENERATE_VERIFY_MAC"},
	"SM2":                   {kmsEncryptDecrypt, "SIGN_VERIFY", "KEY_AGREEMENT"},
	"ML_DSA_44":             {"SIGN_VERIFY"},
	"ML_DSA_65":             {"SIGN_VERIFY"},
	"ML_DSA_87":             {"SIGN_VERIFY"},
	"ML_KEM_512":            {"ENCAPSULATE_DECAPSULATE"},
	"ML_KEM_768":            {"ENCAPSULATE_DECAPSULATE"},
	"ML_KEM_1024":           {"ENCAPSULATE_DECAPSULATE"},
}

var kmsKeyUsages = []string{kmsEncryptDecrypt, "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT", "ENCAPSULATE_DECAPSULATE"}

func kmsKeySpecs() []string {
	return slices.Sorted(maps.Keys(kmsKeySpecUsages))
}

// NewKMSKeyResource is the secretsmanager_kms_key resource.
func NewKMSKeyResource() resource.Resource { return &kmsKeyResource{} }

// kmsKeyResource is a customer managed KMS key, for encrypting secrets with a key the user
// controls.
type kmsKeyResource struct {
	c *clients
}

type kmsKeyModel struct {
	Region                         types.String   `tfsdk:"region"`
	ID                             types.String   `tfsdk:"id"`
	ARN                            types.String   `tfsdk:"arn"`
	KeyID                          types.String   `tfsdk:"key_id"`
	Description                    types.String   `tfsdk:"description"`
	KeyUsage                       types.String   `tfsdk:"key_usage"`
	KeySpec                        types.String   `tfsdk:"key_spec"`
	Policy                         policyValue    `tfsdk:"policy"`
	BypassPolicyLockoutSafetyCheck types.Bool     `tfsdk:"bypass_policy_lockout_safety_check"`
	EnableKeyRotation              types.Bool     `tfsdk:"enable_key_rotation"`
	RotationPeriodInDays           types.Int64    `tfsdk:"rotation_period_in_days"`
	DeletionWindowInDays           types.Int64    `tfsdk:"deletion_window_in_days"`
	IsEnabled                      types.Bool     `tfsdk:"is_enabled"`
	MultiRegion                    types.Bool     `tfsdk:"multi_region"`
	Tags                           types.Map      `tfsdk:"tags"`
	TagsAll                        types.Map      `tfsdk:"tags_all"`
	Timeouts                       timeouts.Value `tfsdk:"timeouts"`
	CustomKeyStoreID               types.String   `tfsdk:"custom_key_store_id"`
	XksKeyID                       types.String   `tfsdk:"xks_key_id"`
}

func (r *kmsKeyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_kms_key"
}

func (r *kmsKeyResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	tags := tagsAttribute()
	tags.Validators = append(tags.Validators, validators.KMSTags()...)
	resp.Schema = schema.Schema{
		MarkdownDescription: "A customer managed AWS KMS key, e.g. to encrypt secrets with a key whose policy you control. " +
			"Destroying it schedules its deletion after `deletion_window_in_days`; until then it can be restored with " +
			"`aws kms cancel-key-deletion`. A key scheduled for deletion outside Terraform leaves the state on the next " +
			"refresh, with a warning.\n\nRefresh makes 4 API calls for a symmetric key (DescribeKey, GetKeyRotationStatus, " +
			"GetKeyPolicy, ListResourceTags; the last three in parallel) and 3 for other key specs, which have no rotation status.",
		Attributes: map[string]schema.Attribute{
			"region": resourceRegionAttribute(),
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The key id, as `key_id`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"arn": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "ARN of the key; use it as a secret's `kms_key_id` or in IAM policies.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"key_id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Key id (a UUID, or `mrk-…` for a multi-Region key).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"description": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Description of the key, at most 8192 characters. Changes in place. Removing the argument " +
					"leaves the key's description as it is (as in hashicorp/aws).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				Validators:    []validator.String{stringvalidator.LengthAtMost(kmsMaxDescriptionLen)},
			},
			"key_usage": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(kmsEncryptDecrypt),
				MarkdownDescription: "What the key is for: `ENCRYPT_DECRYPT` (default; the only usage Secrets Manager can use), " +
					"`SIGN_VERIFY`, `GENERATE_VERIFY_MAC`, `KEY_AGREEMENT` or `ENCAPSULATE_DECAPSULATE`. It must suit `key_spec`. " +
					"Changing it replaces the key.",
				Validators:    []validator.String{stringvalidator.OneOf(kmsKeyUsages...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"key_spec": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(kmsSymmetricDefault),
				MarkdownDescription: "Key type: `SYMMETRIC_DEFAULT` (default; needed by Secrets Manager), `RSA_2048`, `RSA_3072`, " +
					"`RSA_4096`, `ECC_NIST_P256`, `ECC_NIST_P384`, `ECC_NIST_P521`, `ECC_SECG_P256K1`, `ECC_NIST_EDWARDS25519`, " +
					"`HMAC_224`, `HMAC_256`, `HMAC_384`, `HMAC_512`, `SM2`, `ML_DSA_44`, `ML_DSA_65`, `ML_DSA_87`, `ML_KEM_512`, " +
					"`ML_KEM_768` or `ML_KEM_1024`. Changing it replaces the key.",
				Validators:    []validator.String{stringvalidator.OneOf(kmsKeySpecs()...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"policy": schema.StringAttribute{
				CustomType: policyType{},
				Optional:   true,
				Computed:   true,
				MarkdownDescription: "Key policy (JSON). When unset, the key gets KMS's default policy, which gives the account's " +
					"IAM policies control of the key, and that policy is shown here. Equivalent JSON (key order, spacing, " +
					"`\"x\"` versus `[\"x\"]`) never shows as a change. Removing the attribute leaves the current policy in place.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), validators.KeepEquivalentPolicy()},
			},
			"bypass_policy_lockout_safety_check": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "Skip KMS's check that the policy still lets the caller change it. Leave it `false` unless you " +
					"mean to give up control of the key.",
			},
			"enable_key_rotation": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				MarkdownDescription: "Rotate the key material automatically (symmetric keys only). Default `false`. " +
					"The key must be enabled, or be enabled by the same apply, for this to change.",
			},
			"rotation_period_in_days": schema.Int64Attribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Days between automatic rotations, 90 to 2560; needs `enable_key_rotation = true`. " +
					"When unset with rotation on, KMS uses 365 and that value is shown.",
				Validators: []validator.Int64{int64validator.Between(kmsMinRotationDays, kmsMaxRotationDays)},
			},
			"deletion_window_in_days": schema.Int64Attribute{
				Optional: true,
				Computed: true,
				Default:  int64default.StaticInt64(kmsDefaultDeletionWindow),
				MarkdownDescription: "Days, 7 to 30 (default 30), between `terraform destroy` and the deletion of the key; " +
					"during that window the key is unusable but can be restored with `aws kms cancel-key-deletion`.",
				Validators: []validator.Int64{int64validator.Between(kmsMinDeletionWindowDays, kmsMaxDeletionWindowDays)},
			},
			"is_enabled": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "Whether the key can be used. `false` disables it: secrets encrypted under it cannot be read " +
					"until it is enabled again. Default `true`.",
			},
			"multi_region": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
				MarkdownDescription: "Create a multi-Region primary key, which can be replicated to other regions. Changing it replaces the key.",
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
			},
			"tags":     tags,
			"tags_all": tagsAllAttribute(),
		},
		Blocks: map[string]schema.Block{"timeouts": kmsKeyTimeoutsBlock(ctx)},
	}
	maps.Copy(resp.Schema.Attributes, kmsKeyCustomStoreAttributes())
}

func (r *kmsKeyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = providerClients(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig refuses at plan time the combinations KMS would refuse at apply time.
func (r *kmsKeyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m kmsKeyModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec, usage := kmsSymmetricDefault, kmsEncryptDecrypt
	if m.KeySpec.IsUnknown() || m.KeyUsage.IsUnknown() {
		spec = ""
	}
	if !m.KeySpec.IsNull() {
		spec = m.KeySpec.ValueString()
	}
	if !m.KeyUsage.IsNull() {
		usage = m.KeyUsage.ValueString()
	}
	if allowed, ok := kmsKeySpecUsages[spec]; ok && slices.Contains(kmsKeyUsages, usage) && !slices.Contains(allowed, usage) {
		p := path.Root("key_usage")
		if m.KeyUsage.IsNull() {
			p = path.Root("key_spec")
		}
		resp.Diagnostics.AddAttributeError(p, "key_usage does not suit key_spec",
			fmt.Sprintf("A %s key cannot have key_usage %s (the default when unset). Set key_usage to one of %s, or choose another key_spec.",
				spec, usage, strings.Join(allowed, ", ")))
	}
	rotation := m.EnableKeyRotation.ValueBool()
	if !m.RotationPeriodInDays.IsNull() && !m.RotationPeriodInDays.IsUnknown() && !m.EnableKeyRotation.IsUnknown() && !rotation {
		resp.Diagnostics.AddAttributeError(path.Root("rotation_period_in_days"), "rotation_period_in_days needs enable_key_rotation",
			"rotation_period_in_days only applies to a key with automatic rotation. Set enable_key_rotation = true, or remove rotation_period_in_days.")
	}
	if rotation && spec != "" && spec != kmsSymmetricDefault {
		resp.Diagnostics.AddAttributeError(path.Root("enable_key_rotation"), "Automatic rotation needs a symmetric key",
			fmt.Sprintf("KMS rotates only SYMMETRIC_DEFAULT keys; this key's key_spec is %s. Remove enable_key_rotation, or use key_spec = \"SYMMETRIC_DEFAULT\".", spec))
	}
}

// ModifyPlan fills tags_all, keeps equivalent policies and the rotation period stable, and
// refuses rotation changes KMS would refuse on a key that stays disabled.
func (r *kmsKeyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	defer planRegion(ctx, r.c, req, resp)
	r = r.regional(r.c.forPlan(ctx, req))
	if req.Plan.Raw.IsNull() {
		return
	}
	planTagsAll(ctx, r.c, req, resp)
	var plan, config kmsKeyModel
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *kmsKeyModel
	if !req.State.Raw.IsNull() {
		state = &kmsKeyModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	// rotation_period_in_days is KMS's when unset: none without rotation, the period in state
	// while rotation stays on, and unknown (KMS picks 365) when rotation is turned on.
	if config.RotationPeriodInDays.IsNull() {
		switch {
		case plan.EnableKeyRotation.IsUnknown():
			plan.RotationPeriodInDays = types.Int64Unknown()
		case !plan.EnableKeyRotation.ValueBool():
			plan.RotationPeriodInDays = types.Int64Null()
		case state != nil && state.EnableKeyRotation.ValueBool() && !state.RotationPeriodInDays.IsNull():
			plan.RotationPeriodInDays = state.RotationPeriodInDays
		default:
			plan.RotationPeriodInDays = types.Int64Unknown()
		}
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("policy"), plan.Policy)...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("rotation_period_in_days"), plan.RotationPeriodInDays)...)

	// KMS changes rotation only on an enabled key. Rather than enable a key that someone
	// disabled on purpose, say so at plan time.
	if state != nil && !state.IsEnabled.ValueBool() && !plan.IsEnabled.IsUnknown() && !plan.IsEnabled.ValueBool() {
		rotationChanges := !plan.EnableKeyRotation.Equal(state.EnableKeyRotation) ||
			(!plan.RotationPeriodInDays.IsUnknown() && !plan.RotationPeriodInDays.Equal(state.RotationPeriodInDays)) ||
			(plan.RotationPeriodInDays.IsUnknown() && plan.EnableKeyRotation.ValueBool())
		if rotationChanges {
			resp.Diagnostics.AddAttributeError(path.Root("enable_key_rotation"), "Rotation of a disabled key cannot change",
				fmt.Sprintf("Key %s is disabled, and KMS changes automatic rotation only on enabled keys. Set is_enabled = true in the same "+
					"apply (it can be disabled again afterwards), or leave enable_key_rotation and rotation_period_in_days as they are.",
					state.KeyID.ValueString()))
		}
	}
}

func (r *kmsKeyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r = r.regional(r.c.forObject(ctx, req.Plan))
	defer setStateRegion(ctx, r.c, &resp.State, &resp.Diagnostics)
	var plan kmsKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	parent := ctx // what is left to do after the time is up (rollback) still runs
	ctx, cancel, propagation, diags := kmsKeyCreateBudget(ctx, plan.Timeouts, r.c.Propagation)
	defer cancel()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	tagsAll := map[string]string{}
	resp.Diagnostics.Append(plan.TagsAll.ElementsAs(ctx, &tagsAll, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := &kms.CreateKeyInput{
		Description:                    aws.String(plan.Description.ValueString()),
		KeyUsage:                       kmstypes.KeyUsageType(plan.KeyUsage.ValueString()),
		KeySpec:                        kmstypes.KeySpec(plan.KeySpec.ValueString()),
		MultiRegion:                    aws.Bool(plan.MultiRegion.ValueBool()),
		BypassPolicyLockoutSafetyCheck: plan.BypassPolicyLockoutSafetyCheck.ValueBool(),
		Tags:                           kmsTags(tagsAll),
	}
	if !plan.Policy.IsNull() && !plan.Policy.IsUnknown() {
		in.Policy = aws.String(plan.Policy.ValueString())
	}
	kmsKeyCustomStoreInput(plan, in)
	out, err := retryWhileIAMPropagates(ctx, propagation, func(ctx context.Context) (*kms.CreateKeyOutput, error) {
		return r.c.KMS.CreateKey(ctx, in)
	})
	if err != nil {
		resp.Diagnostics.AddError("Cannot create the KMS key", kmsErrorDetail("CreateKey", err)+kmsKeyTimeoutHint(ctx))
		return
	}
	keyID := aws.ToString(out.KeyMetadata.KeyId)

	// Rotation needs an enabled key, so it goes before disabling.
	var step string
	if plan.EnableKeyRotation.ValueBool() {
		step, err = "EnableKeyRotation", kmsEnableRotation(ctx, r.c.KMS, keyID, plan.RotationPeriodInDays)
	}
	if err == nil && !plan.IsEnabled.ValueBool() {
		_, err = r.c.KMS.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(keyID)})
		step = "DisableKey"
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot configure the new KMS key", r.rollback(parent, keyID, kmsErrorDetail(step, err)+kmsKeyTimeoutHint(ctx)))
		return
	}

	state, gone, diags := r.read(ctx, keyID, plan)
	if gone && !diags.HasError() {
		resp.Diagnostics.Append(diags...)
		resp.Diagnostics.AddError("KMS key vanished", fmt.Sprintf("Key %s was created but is gone or pending deletion already, "+
			"so someone deleted it meanwhile. Run terraform apply again to create another.", keyID))
		return
	}
	if diags.HasError() {
		// Without a state the key would be orphaned; nothing is half-made if it goes.
		for i, d := range diags {
			if d.Severity() == diag.SeverityError {
				diags[i] = diag.NewErrorDiagnostic(d.Summary(), r.rollback(parent, keyID, d.Detail()+kmsKeyTimeoutHint(ctx)))
				break
			}
		}
		resp.Diagnostics.Append(diags...)
		return
	}
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// rollback schedules the deletion of a key whose creation did not finish, and says so after
// detail.
func (r *kmsKeyResource) rollback(ctx context.Context, keyID, detail string) string {
	if _, err := r.c.KMS.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyID), PendingWindowInDays: aws.Int32(kmsMinDeletionWindowDays)}); err != nil {
		return detail + fmt.Sprintf("\n\nThe new key %s could not be scheduled for deletion either (%s); delete it with aws kms schedule-key-deletion --key-id %s.",
			keyID, kmsErrorDetail("ScheduleKeyDeletion", err), keyID)
	}
	return detail + fmt.Sprintf("\n\nThe new key %s was scheduled for deletion in %d days, so nothing is left half-configured.", keyID, kmsMinDeletionWindowDays)
}

func kmsEnableRotation(ctx context.Context, c *kms.Client, keyID string, period types.Int64) error {
	in := &kms.EnableKeyRotationInput{KeyId: aws.String(keyID)}
	if !period.IsNull() && !period.IsUnknown() {
		in.RotationPeriodInDays = aws.Int32(int32(period.ValueInt64()))
	}
	_, err := c.EnableKeyRotation(ctx, in)
	return err
}

func (r *kmsKeyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r = r.regional(r.c.forObject(ctx, req.State))
	defer setStateRegion(ctx, r.c, &resp.State, &resp.Diagnostics)
	var prior kmsKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	state, gone, diags := r.read(ctx, prior.ID.ValueString(), prior)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if gone {
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// read fetches the key with as few calls as KMS allows: DescribeKey, then in parallel
// GetKeyPolicy, ListResourceTags and, for symmetric keys only (the only ones that rotate),
// GetKeyRotationStatus. prior supplies what KMS does not store (deletion window, bypass flag)
// and the configured tags. gone is true when the key no longer exists or waits for deletion;
// the latter adds a warning.
func (r *kmsKeyResource) read(ctx context.Context, keyID string, prior kmsKeyModel) (kmsKeyModel, bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	md, err := findKMSKeyByID(ctx, r.c.KMS, keyID)
	if nf := scheduledForDeletion(err); nf != nil {
		when := ""
		if nf.deletedDate != nil {
			when = " on " + nf.deletedDate.UTC().Format("2006-01-02 15:04 MST")
		}
		keyID = nf.name
		diags.AddWarning("KMS key is pending deletion",
			fmt.Sprintf("Key %s was scheduled for deletion outside Terraform and will be deleted%s. It has been removed from the state, "+
				"so the next apply creates a new key. To keep this key instead, run aws kms cancel-key-deletion --key-id %s, "+
				"then aws kms enable-key --key-id %s, and import it with terraform import.", keyID, when, keyID, keyID))
		return prior, true, diags
	}
	if isNotFound(err) {
		return prior, true, diags
	}
	if err != nil {
		diags.AddError("Cannot read the KMS key", kmsErrorDetail("DescribeKey", err))
		return prior, false, diags
	}
	keyID = aws.ToString(md.KeyId)

	var (
		wg                  sync.WaitGroup
		policyOut           *kms.GetKeyPolicyOutput
		rotOut              *kms.GetKeyRotationStatusOutput
		tags                map[string]string
		policyErr, rotErr   error
		tagsErr             error
		symmetric           = md.KeySpec == kmstypes.KeySpecSymmetricDefault
		id                  = aws.String(keyID)
		listResourceTagsAll = func() (map[string]string, error) {
			out := map[string]string{}
			p := kms.NewListResourceTagsPaginator(r.c.KMS, &kms.ListResourceTagsInput{KeyId: id})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					return nil, err
				}
				for _, t := range page.Tags {
					if k := aws.ToString(t.TagKey); !r.c.ignored(k) {
						out[k] = aws.ToString(t.TagValue)
					}
				}
			}
			return out, nil
		}
	)
	wg.Go(func() {
		policyOut, policyErr = r.c.KMS.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: id, PolicyName: aws.String("default")})
	})
	wg.Go(func() { tags, tagsErr = listResourceTagsAll() })
	if symmetric {
		wg.Go(func() { rotOut, rotErr = r.c.KMS.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: id}) })
	}
	wg.Wait()
	for _, e := range []struct {
		op  string
		err error
	}{{"GetKeyPolicy", policyErr}, {"ListResourceTags", tagsErr}, {"GetKeyRotationStatus", rotErr}} {
		if e.err != nil {
			diags.AddError("Cannot read the KMS key", kmsErrorDetail(e.op, e.err))
		}
	}
	if diags.HasError() {
		return prior, false, diags
	}

	f := flattenKMSKey(md)
	m := prior
	m.ID, m.KeyID, m.ARN = f.KeyID, f.KeyID, f.ARN
	m.Description, m.KeyUsage, m.KeySpec, m.MultiRegion = f.Description, f.KeyUsage, f.KeySpec, f.MultiRegion
	m.CustomKeyStoreID, m.XksKeyID = kmsKeyCustomStoreFlat(md)
	m.IsEnabled = types.BoolValue(md.KeyState == kmstypes.KeyStateEnabled)
	m.Policy = newPolicyValue(aws.ToString(policyOut.Policy))
	m.EnableKeyRotation, m.RotationPeriodInDays = types.BoolValue(false), types.Int64Null()
	if rotOut != nil && rotOut.KeyRotationEnabled {
		m.EnableKeyRotation = types.BoolValue(true)
		if rotOut.RotationPeriodInDays != nil {
			m.RotationPeriodInDays = types.Int64Value(int64(*rotOut.RotationPeriodInDays))
		}
	}
	if m.DeletionWindowInDays.IsNull() || m.DeletionWindowInDays.IsUnknown() {
		m.DeletionWindowInDays = types.Int64Value(kmsDefaultDeletionWindow)
	}
	if m.BypassPolicyLockoutSafetyCheck.IsNull() || m.BypassPolicyLockoutSafetyCheck.IsUnknown() {
		m.BypassPolicyLockoutSafetyCheck = types.BoolValue(false)
	}
	var d diag.Diagnostics
	m.Tags, m.TagsAll, d = flattenTags(ctx, r.c.DefaultTags, tags, prior.Tags)
	diags.Append(d...)
	return m, false, diags
}

func (r *kmsKeyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r = r.regional(r.c.forObject(ctx, req.Plan))
	defer setStateRegion(ctx, r.c, &resp.State, &resp.Diagnostics)
	var plan, state kmsKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	keyID := state.KeyID.ValueString()
	id := aws.String(keyID)
	fail := func(op string, err error) {
		resp.Diagnostics.AddError("Cannot update the KMS key", fmt.Sprintf("Key %s: %s", keyID, kmsErrorDetail(op, err)))
	}

	// Enable first and disable last: rotation settings change only on an enabled key.
	if plan.IsEnabled.ValueBool() && !state.IsEnabled.ValueBool() {
		if _, err := r.c.KMS.EnableKey(ctx, &kms.EnableKeyInput{KeyId: id}); err != nil {
			fail("EnableKey", err)
			return
		}
	}
	if !plan.Description.Equal(state.Description) {
		if _, err := r.c.KMS.UpdateKeyDescription(ctx, &kms.UpdateKeyDescriptionInput{KeyId: id, Description: aws.String(plan.Description.ValueString())}); err != nil {
			fail("UpdateKeyDescription", err)
			return
		}
	}
	if !plan.Policy.IsUnknown() && !plan.Policy.IsNull() && !policiesEquivalent(plan.Policy.ValueString(), state.Policy.ValueString()) {
		in := &kms.PutKeyPolicyInput{KeyId: id, PolicyName: aws.String("default"),
			Policy: aws.String(plan.Policy.ValueString()), BypassPolicyLockoutSafetyCheck: plan.BypassPolicyLockoutSafetyCheck.ValueBool()}
		if _, err := retryWhileIAMPropagates(ctx, r.c.Propagation, func(ctx context.Context) (*kms.PutKeyPolicyOutput, error) {
			return r.c.KMS.PutKeyPolicy(ctx, in)
		}); err != nil {
			fail("PutKeyPolicy", err)
			return
		}
	}
	periodChanged := !plan.RotationPeriodInDays.IsUnknown() && !plan.RotationPeriodInDays.IsNull() && !plan.RotationPeriodInDays.Equal(state.RotationPeriodInDays)
	switch {
	case plan.EnableKeyRotation.ValueBool() && (!state.EnableKeyRotation.ValueBool() || periodChanged):
		if err := kmsEnableRotation(ctx, r.c.KMS, keyID, plan.RotationPeriodInDays); err != nil {
			fail("EnableKeyRotation", err)
			return
		}
	case !plan.EnableKeyRotation.ValueBool() && state.EnableKeyRotation.ValueBool():
		if _, err := r.c.KMS.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: id}); err != nil {
			fail("DisableKeyRotation", err)
			return
		}
	}
	if !plan.TagsAll.Equal(state.TagsAll) {
		var want, have map[string]string
		resp.Diagnostics.Append(plan.TagsAll.ElementsAs(ctx, &want, false)...)
		resp.Diagnostics.Append(state.TagsAll.ElementsAs(ctx, &have, false)...)
		if resp.Diagnostics.HasError() {
			return
		}
		var remove []string
		for k := range have {
			if _, ok := want[k]; !ok {
				remove = append(remove, k)
			}
		}
		set := map[string]string{}
		for k, v := range want {
			if hv, ok := have[k]; !ok || hv != v {
				set[k] = v
			}
		}
		if len(remove) > 0 {
			slices.Sort(remove)
			if _, err := r.c.KMS.UntagResource(ctx, &kms.UntagResourceInput{KeyId: id, TagKeys: remove}); err != nil {
				fail("UntagResource", err)
				return
			}
		}
		if len(set) > 0 {
			if _, err := r.c.KMS.TagResource(ctx, &kms.TagResourceInput{KeyId: id, Tags: kmsTags(set)}); err != nil {
				fail("TagResource", err)
				return
			}
		}
	}
	if !plan.IsEnabled.ValueBool() && state.IsEnabled.ValueBool() {
		if _, err := r.c.KMS.DisableKey(ctx, &kms.DisableKeyInput{KeyId: id}); err != nil {
			fail("DisableKey", err)
			return
		}
	}

	newState, gone, diags := r.read(ctx, keyID, plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if gone {
		resp.Diagnostics.AddError("KMS key vanished", fmt.Sprintf("Key %s disappeared or was scheduled for deletion during the update.", keyID))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, newState)...)
}

// Delete schedules the key's deletion: KMS never deletes a key at once.
func (r *kmsKeyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r = r.regional(r.c.forObject(ctx, req.State))
	var state kmsKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	window := state.DeletionWindowInDays.ValueInt64()
	if state.DeletionWindowInDays.IsNull() || window == 0 {
		window = kmsDefaultDeletionWindow
	}
	_, err := r.c.KMS.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{
		KeyId: aws.String(state.KeyID.ValueString()), PendingWindowInDays: aws.Int32(int32(window)),
	})
	if err == nil || isNotFound(err) || kmsIsPendingDeletion(ctx, r.c.KMS, state.KeyID.ValueString(), err) {
		return
	}
	resp.Diagnostics.AddError("Cannot schedule the deletion of the KMS key", fmt.Sprintf("Key %s: %s", state.KeyID.ValueString(), kmsErrorDetail("ScheduleKeyDeletion", err)))
}

// kmsIsPendingDeletion tells whether err came from a key that is already waiting for
// deletion, which is what destroy wants. It stays apart from isNotFound: KMS answers
// KMSInvalidStateException for many states, and only a look at the key tells.
func kmsIsPendingDeletion(ctx context.Context, c *kms.Client, keyID string, err error) bool {
	var invalid *kmstypes.KMSInvalidStateException
	if !errors.As(err, &invalid) {
		return false
	}
	_, derr := findKMSKeyByID(ctx, c, keyID)
	return isNotFound(derr) // gone, or pending deletion
}

// ImportState takes a key id or key ARN. What KMS does not store (deletion window, bypass
// flag) gets its default.
func (r *kmsKeyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	bare, rc := r.c.importTarget(ctx, req.ID, resp)
	req.ID, r = bare, r.regional(rc)
	id := req.ID
	if strings.HasPrefix(id, "arn:") {
		a, err := arn.Parse(id)
		if err != nil || a.Service != "kms" || !strings.HasPrefix(a.Resource, "key/") {
			resp.Diagnostics.AddError("Invalid import id",
				fmt.Sprintf("%q is not a KMS key ARN. Import with a key id (1234abcd-12ab-34cd-56ef-1234567890ab) or a key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY_ID).", id))
			return
		}
		id = strings.TrimPrefix(a.Resource, "key/")
	}
	if id == "" {
		resp.Diagnostics.AddError("Invalid import id", "Import with a key id or a key ARN.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("key_id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("deletion_window_in_days"), int64(kmsDefaultDeletionWindow))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("bypass_policy_lockout_safety_check"), false)...)
}
