package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// timeouts { create } bounds a key's create, the retries while IAM propagates included: set,
// it is their budget (longer or shorter than the provider's 2 minutes).
func TestAccKMSKeyResource_createTimeout(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg := func(timeout string) string {
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_kms_key" "k" {
  description = "bounded"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "root", Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/new" }, Action = "kms:*", Resource = "*" }]
  })
  timeouts {
    create = %q
  }
}
`, timeout)
	}
	malformed := func(n int) emulator.Fault {
		return emulator.Fault{Operation: "kms.CreateKey", Count: n, ErrorCode: "MalformedPolicyDocumentException",
			Message: "The new key policy will not allow you to update the key policy in the future."}
	}
	keys := func() int {
		out, err := env.KMS.ListKeys(t.Context(), &kms.ListKeysInput{})
		if err != nil {
			t.Fatalf("ListKeys: %v", err)
		}
		return len(out.Keys)
	}
	var callsBefore int64
	resource.Test(t, resource.TestCase{
		// The provider's own budget is long here: the refusal below must end at timeouts.create.
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				// AWS keeps refusing: the create ends when timeouts.create is spent, with AWS's message.
				PreConfig: func() {
					env.InjectFault(malformed(1 << 20))
					callsBefore = env.Calls()["kms.CreateKey"]
				},
				Config:      cfg("3s"),
				ExpectError: regexp.MustCompile(`(?s)will\s+not\s+allow\s+you\s+to\s+update.*still\s+refused\s+after\s+retrying\s+for\s+3s`),
			},
			{
				// A call slower than the whole budget is cut off, saying which setting to raise.
				PreConfig: func() {
					if n := env.Calls()["kms.CreateKey"] - callsBefore; n < 2 {
						t.Fatalf("CreateKey called %d times while IAM propagated, want retries", n)
					}
					if n := keys(); n != 0 {
						t.Fatalf("%d keys exist after a refused create", n)
					}
					if err := env.Control.ClearFaults(t.Context()); err != nil {
						t.Fatal(err)
					}
					env.InjectFault(emulator.Fault{Operation: "kms.CreateKey", Count: 1, Delay: "20s"})
				},
				Config:      cfg("1s"),
				ExpectError: regexp.MustCompile(`(?s)Cannot create the KMS key.*create\s+timeout\s+ran\s+out\s+\(timeouts\s+\{\s+create\s+\}`),
			},
			{
				// Refusals that end within the budget: created, after retries.
				PreConfig: func() {
					if err := env.Control.ClearFaults(t.Context()); err != nil {
						t.Fatal(err)
					}
					env.InjectFault(malformed(2))
					callsBefore = env.Calls()["kms.CreateKey"]
				},
				Config: cfg("1m"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("secretsmanager_kms_key.k", "timeouts.create", "1m"),
					func(*terraform.State) error {
						if n := env.Calls()["kms.CreateKey"] - callsBefore; n != 3 {
							return fmt.Errorf("CreateKey called %d times, want 2 refused + 1 accepted", n)
						}
						return nil
					},
				),
			},
		},
	})
}
