package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestNewClients(t *testing.T) {
	env := newTestEnv(t)
	endpoints := []endpointsModel{{SecretsManager: types.StringValue(env.URL), KMS: types.StringValue(env.URL), STS: types.StringValue(env.URL)}}
	base := func() providerModel {
		return providerModel{
			Region: types.StringValue("eu-west-1"), AccessKey: types.StringValue("AKIDTEST"), SecretKey: types.StringValue("very-secret-key"),
			Endpoints: endpoints,
		}
	}
	tests := []struct {
		name    string
		change  func(m *providerModel)
		wantErr string
		account string
	}{
		{"static credentials", func(*providerModel) {}, "", "123456789012"},
		{"assume role", func(m *providerModel) {
			m.AssumeRole = []assumeRoleModel{{RoleARN: types.StringValue("arn:aws:iam::123456789012:role/deploy"), Duration: types.StringValue("30m")}}
		}, "", "123456789012"},
		{"skip validation and account", func(m *providerModel) {
			m.SkipCredentialsValidation, m.SkipRequestingAccountID = types.BoolValue(true), types.BoolValue(true)
			m.Endpoints = []endpointsModel{{STS: types.StringValue("http://127.0.0.1:1")}}
		}, "", ""},
		{"unreachable STS", func(m *providerModel) {
			m.Endpoints = []endpointsModel{{STS: types.StringValue("http://127.0.0.1:1")}}
			m.MaxRetries = types.Int64Value(0)
		}, "skip_credentials_validation", ""},
		{"half static credentials", func(m *providerModel) { m.SecretKey = types.StringNull() }, "access_key and secret_key must be set together", ""},
		{"bad endpoint", func(m *providerModel) { m.Endpoints = []endpointsModel{{KMS: types.StringValue("localhost:4566")}} }, "endpoints.kms", ""},
		{"bad duration", func(m *providerModel) {
			m.AssumeRole = []assumeRoleModel{{RoleARN: types.StringValue("arn:aws:iam::123456789012:role/deploy"), Duration: types.StringValue("5m")}}
		}, "15m to 12h", ""},
		{"role without ARN", func(m *providerModel) { m.AssumeRole = []assumeRoleModel{{}} }, "needs role_arn", ""},
		{"max_retries out of range", func(m *providerModel) { m.MaxRetries = types.Int64Value(-1) }, "0 to 100", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.change(&m)
			c, diags := newClients(t.Context(), m, "test")
			var msgs []string
			for _, d := range diags.Errors() {
				msgs = append(msgs, d.Summary()+": "+d.Detail())
			}
			all := strings.Join(msgs, "\n")
			if strings.Contains(all, "very-secret-key") {
				t.Fatalf("an error carries the secret key: %s", all)
			}
			if tc.wantErr != "" {
				if !strings.Contains(all, tc.wantErr) {
					t.Fatalf("errors %q do not mention %q", all, tc.wantErr)
				}
				return
			}
			if diags.HasError() {
				t.Fatalf("unexpected errors: %s", all)
			}
			if c.AccountID != tc.account || c.Region != "eu-west-1" {
				t.Fatalf("account %q region %q", c.AccountID, c.Region)
			}
		})
	}
}
