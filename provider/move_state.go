package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Moving state from hashicorp/aws (Terraform 1.8+ `moved` blocks across resource types):
//
//	moved {
//	  from = aws_secretsmanager_secret.db
//	  to   = secretsmanager_secret.db
//	}
//
// Each resource's attributes carry the names of its hashicorp/aws counterpart, so the
// source state is decoded with this resource's schema, attributes this provider does not
// have left out (region and has_secret_string_wo are carried over); fix then adapts what differs. The
// refresh that follows the move fills everything AWS reports; unset strings, "" in
// hashicorp/aws's state, become null.

// awsProviderSuffix ends the source provider address of hashicorp/aws, whichever registry
// (Terraform's or OpenTofu's) the state names.
const awsProviderSuffix = "/hashicorp/aws"

// movedFromAWS is the state mover of a resource from the hashicorp/aws resource source.
func movedFromAWS(source string, fix func(ctx context.Context, raw map[string]json.RawMessage, resp *resource.MoveStateResponse)) []resource.StateMover {
	return []resource.StateMover{{StateMover: func(ctx context.Context, req resource.MoveStateRequest, resp *resource.MoveStateResponse) {
		if req.SourceTypeName != source || !strings.HasSuffix(req.SourceProviderAddress, awsProviderSuffix) {
			return // not ours: the framework reports that no mover matched
		}
		if req.SourceRawState == nil || req.SourceRawState.JSON == nil {
			resp.Diagnostics.AddError("Cannot move the resource", fmt.Sprintf("The state of %s has no JSON form; run terraform apply with hashicorp/aws once to upgrade it, then move it.", source))
			return
		}
		typ := resp.TargetState.Schema.Type().TerraformType(ctx)
		v, err := req.SourceRawState.UnmarshalWithOpts(typ, tfprotov6.UnmarshalOpts{
			ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true},
		})
		if err != nil {
			resp.Diagnostics.AddError("Cannot move the resource",
				fmt.Sprintf("The state of %s (hashicorp/aws schema version %d) does not fit this resource: %v. Upgrade hashicorp/aws to v5 or later and apply once before moving.",
					source, req.SourceSchemaVersion, err))
			return
		}
		// hashicorp/aws (SDKv2) records an unset string as ""; here unset is null.
		v, err = tftypes.Transform(v, func(_ *tftypes.AttributePath, x tftypes.Value) (tftypes.Value, error) {
			var str string
			if x.Type().Is(tftypes.String) && x.IsKnown() && !x.IsNull() && x.As(&str) == nil && str == "" {
				return tftypes.NewValue(tftypes.String, nil), nil
			}
			return x, nil
		})
		if err != nil {
			resp.Diagnostics.AddError("Cannot move the resource", fmt.Sprintf("Converting the state of %s: %v.", source, err))
			return
		}
		resp.TargetState.Raw = v
		if fix != nil {
			var raw map[string]json.RawMessage
			if err := json.Unmarshal(req.SourceRawState.JSON, &raw); err != nil {
				resp.Diagnostics.AddError("Cannot move the resource", fmt.Sprintf("The state of %s is not a JSON object: %v.", source, err))
				return
			}
			fix(ctx, raw, resp)
		}
	}}}
}

// rawString is a string attribute of a hashicorp/aws state, or "".
func rawString(raw map[string]json.RawMessage, name string) string {
	var s string
	_ = json.Unmarshal(raw[name], &s)
	return s
}

func (r *secretResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_secretsmanager_secret", func(ctx context.Context, raw map[string]json.RawMessage, resp *resource.MoveStateResponse) {
		// hashicorp/aws records the policy whoever manages it; here it is kept, never
		// deleted, until the configuration sets policy (as after an import).
		if rawString(raw, "policy") != "" {
			resp.Diagnostics.Append(resp.TargetPrivate.SetKey(ctx, secretPrivateImportedPolicy, []byte(`true`))...)
		}
	})
}

func (r *secretVersionResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_secretsmanager_secret_version", nil)
}

func (r *secretRotationResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_secretsmanager_secret_rotation", nil)
}

func (r *secretPolicyResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_secretsmanager_secret_policy", nil)
}

func (r *kmsKeyResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_kms_key", func(ctx context.Context, raw map[string]json.RawMessage, resp *resource.MoveStateResponse) {
		if spec := rawString(raw, "customer_master_key_spec"); spec != "" {
			resp.Diagnostics.Append(resp.TargetState.SetAttribute(ctx, path.Root("key_spec"), spec)...)
		}
	})
}

func (r *kmsAliasResource) MoveState(context.Context) []resource.StateMover {
	return movedFromAWS("aws_kms_alias", nil)
}

var (
	_ resource.ResourceWithMoveState = (*secretResource)(nil)
	_ resource.ResourceWithMoveState = (*secretVersionResource)(nil)
	_ resource.ResourceWithMoveState = (*secretRotationResource)(nil)
	_ resource.ResourceWithMoveState = (*secretPolicyResource)(nil)
	_ resource.ResourceWithMoveState = (*kmsKeyResource)(nil)
	_ resource.ResourceWithMoveState = (*kmsAliasResource)(nil)
)
