package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// kmsKeyCreateTimeout is hashicorp/aws aws_kms_key's create timeout.
const kmsKeyCreateTimeout = 2 * time.Minute

func kmsKeyTimeoutsBlock(ctx context.Context) schema.Block {
	return timeouts.Block(ctx, timeouts.Opts{
		Create: true,
		CreateDescription: "How long creating the key may take in all, e.g. `\"5m\"` (default `\"2m\"`, as hashicorp/aws): " +
			"CreateKey, including its retries while IAM has not yet propagated a principal the policy names, and the " +
			"configuration that follows. Set, it is also the budget of those retries. A key created before the time is " +
			"up but not configured is scheduled for deletion.",
	})
}

// kmsKeyCreateBudget bounds a key's create by timeouts.create. The IAM propagation retries
// keep the provider's budget unless create is set; then they may use all of it.
func kmsKeyCreateBudget(ctx context.Context, t timeouts.Value, provider propagationRetry) (context.Context, context.CancelFunc, propagationRetry, diag.Diagnostics) {
	limit, diags := t.Create(ctx, kmsKeyCreateTimeout)
	if diags.HasError() {
		return ctx, func() {}, provider, diags
	}
	if !t.IsNull() && !t.IsUnknown() {
		if v, ok := t.Attributes()["create"].(types.String); ok && !v.IsNull() && !v.IsUnknown() {
			provider.Timeout = limit
			if provider.Backoff <= 0 {
				provider.Backoff = defaultPropagationRetry.Backoff
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	return ctx, cancel, provider, diags
}

// kmsKeyTimeoutHint explains an error that the create timeout caused.
func kmsKeyTimeoutHint(ctx context.Context) string {
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ""
	}
	return fmt.Sprintf("\n\nThe create timeout ran out (timeouts { create }, default %s); raise it if AWS (or IAM propagation) is slow.", kmsKeyCreateTimeout)
}
