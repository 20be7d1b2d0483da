package provider

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestFind: each find function, against the emulator, returns the object, or an error that
// isNotFound recognises when the object is gone or waits for deletion, and any other
// error as it is.
func TestFind(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	ctx := t.Context()
	sm, k := env.SM, env.KMS

	live := svCreateSecret(t, env, "find/live")
	version := svPut(t, env, live, "v1-Hx93")
	retired := svCreateSecret(t, env, "find/retired")
	if _, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(retired), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatal(err)
	}
	key, err := k.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyID := aws.ToString(key.KeyMetadata.KeyId)
	if _, err := k.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/find"), TargetKeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	pending, err := k.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	pendingID := aws.ToString(pending.KeyMetadata.KeyId)
	if _, err := k.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(pendingID), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		find      func() error
		notFound  bool
		scheduled bool
	}{
		{"secret", func() error { _, err := findSecretByID(ctx, sm, "find/live"); return err }, false, false},
		{"missing secret", func() error { _, err := findSecretByID(ctx, sm, "find/none"); return err }, true, false},
		{"secret scheduled for deletion", func() error { _, err := findSecretByID(ctx, sm, retired); return err }, true, true},
		{"rotation", func() error { _, err := findRotation(ctx, sm, live); return err }, false, false},
		{"rotation of a retired secret", func() error { _, err := findRotation(ctx, sm, retired); return err }, true, true},
		{"no policy", func() error { _, err := findSecretPolicy(ctx, sm, live); return err }, true, false},
		{"policy of a missing secret", func() error { _, err := findSecretPolicy(ctx, sm, "find/none"); return err }, true, false},
		{"version", func() error { _, _, err := findVersion(ctx, sm, live, version); return err }, false, false},
		{"missing version", func() error {
			_, arn, err := findVersion(ctx, sm, live, "00000000-0000-0000-0000-000000000000")
			if arn != live {
				return fmt.Errorf("ARN %q with a missing version, want the secret's %q", arn, live)
			}
			return err
		}, true, false},
		{"version of a missing secret", func() error {
			_, arn, err := findVersion(ctx, sm, "find/none", version)
			if arn != "" {
				return fmt.Errorf("ARN %q for a missing secret", arn)
			}
			return err
		}, true, false},
		{"version of a retired secret", func() error { _, _, err := findVersion(ctx, sm, retired, version); return err }, true, false},
		{"KMS key", func() error { _, err := findKMSKeyByID(ctx, k, keyID); return err }, false, false},
		{"KMS key by alias", func() error { _, err := findKMSKeyByID(ctx, k, "alias/find"); return err }, false, false},
		{"missing KMS key", func() error { _, err := findKMSKeyByID(ctx, k, "11111111-2222-3333-4444-555555555555"); return err }, true, false},
		{"KMS key pending deletion", func() error { _, err := findKMSKeyByID(ctx, k, pendingID); return err }, true, true},
		{"alias", func() error { _, err := findAliasByName(ctx, k, "alias/find"); return err }, false, false},
		{"missing alias", func() error { _, err := findAliasByName(ctx, k, "alias/none"); return err }, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.find()
			if got := isNotFound(err); got != tc.notFound {
				t.Fatalf("isNotFound = %t, want %t (err: %v)", got, tc.notFound, err)
			}
			if !tc.notFound && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got := scheduledForDeletion(err) != nil; got != tc.scheduled {
				t.Errorf("scheduledForDeletion = %t, want %t (err: %v)", got, tc.scheduled, err)
			}
		})
	}

	nf := scheduledForDeletion(func() error { _, err := findSecretByID(ctx, sm, "find/retired"); return err }())
	if nf == nil || nf.arn != retired || nf.name != "find/retired" || nf.deletedDate == nil {
		t.Errorf("a secret scheduled for deletion should report its ARN, name and deleted date: %+v", nf)
	}
	if isNotFound(errors.New("connection refused")) || isNotFound(nil) {
		t.Error("isNotFound takes an error that does not say not found for one")
	}
}

// TestAccGone_secretDeletedOutsideTerraform: when the secret is deleted outside Terraform,
// the refresh removes the secret and the resources that live on it (its version and
// policy) from the state, with no error, and the plan creates them again.
func TestAccGone_secretDeletedOutsideTerraform(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg := env.providerConfig("") + `
resource "secretsmanager_secret" "s" {
  name                    = "gone/app"
  recovery_window_in_days = 0
}

resource "secretsmanager_secret_version" "v" {
  secret_id     = secretsmanager_secret.s.arn
  secret_string = "gone-value-Pw71"
}

resource "secretsmanager_secret_policy" "p" {
  secret_arn = secretsmanager_secret.s.arn
  policy     = ` + readPolicy + `
}
`
	var firstARN string
	created := []plancheck.PlanCheck{
		plancheck.ExpectResourceAction("secretsmanager_secret.s", plancheck.ResourceActionCreate),
		plancheck.ExpectResourceAction("secretsmanager_secret_version.v", plancheck.ResourceActionCreate),
		plancheck.ExpectResourceAction("secretsmanager_secret_policy.p", plancheck.ResourceActionCreate),
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check:  captureAttr("secretsmanager_secret.s", "arn", &firstARN),
			},
			{
				PreConfig: func() {
					if _, err := env.SM.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(firstARN), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
						t.Fatal(err)
					}
				},
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks:   resource.ConfigPlanChecks{PostApplyPostRefresh: created},
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             created,
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error {
					arn, err := stateAttr(s, "secretsmanager_secret.s", "arn")
					if err == nil && arn == firstARN {
						err = fmt.Errorf("ARN %s did not change: the secret was not created again", arn)
					}
					return err
				},
			},
		},
	})
}
