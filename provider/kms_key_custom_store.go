package provider

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Keys in a custom key store (hashicorp/aws aws_kms_key's custom_key_store_id and
// xks_key_id): the store's type decides the key's Origin, AWS_CLOUDHSM or
// EXTERNAL_KEY_STORE; an external key store's key also names its key in the external key
// manager. Both are fixed when the key is created.

func kmsKeyCustomStoreAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"custom_key_store_id": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "Id of the custom key store (AWS CloudHSM or external key store) to create the key in, e.g. " +
				"`cks-1234567890abcdef0`; the store must be connected. Only symmetric, single-Region keys. Changing it replaces the key.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			Validators:    []validator.String{stringvalidator.LengthBetween(1, 64)},
		},
		"xks_key_id": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "For a key in an external key store: the id of its key in the external key manager. " +
				"Requires `custom_key_store_id`. Changing it replaces the key.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			Validators: []validator.String{stringvalidator.LengthBetween(1, 128),
				stringvalidator.AlsoRequires(path.MatchRoot("custom_key_store_id"))},
		},
	}
}

// kmsKeyCustomStoreInput adds the custom key store of the plan to a CreateKey input.
func kmsKeyCustomStoreInput(plan kmsKeyModel, in *kms.CreateKeyInput) {
	if plan.CustomKeyStoreID.IsNull() || plan.CustomKeyStoreID.IsUnknown() {
		return
	}
	in.CustomKeyStoreId = aws.String(plan.CustomKeyStoreID.ValueString())
	in.Origin = kmstypes.OriginTypeAwsCloudhsm
	if !plan.XksKeyID.IsNull() && !plan.XksKeyID.IsUnknown() {
		in.Origin = kmstypes.OriginTypeExternalKeyStore
		in.XksKeyId = aws.String(plan.XksKeyID.ValueString())
	}
}

// kmsKeyCustomStoreFlat is what DescribeKey says of the key's custom key store.
func kmsKeyCustomStoreFlat(md *kmstypes.KeyMetadata) (store, xksKey types.String) {
	store, xksKey = optionalString(md.CustomKeyStoreId), types.StringNull()
	if md.XksKeyConfiguration != nil {
		xksKey = optionalString(md.XksKeyConfiguration.Id)
	}
	return store, xksKey
}
