package rotation_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// TestEndpointFromEnvironment: without WithClient the engine builds its client from the
// environment; SECRETS_MANAGER_ENDPOINT wins over AWS_ENDPOINT_URL.
func TestEndpointFromEnvironment(t *testing.T) {
	e := newEmulator(t)
	e.registerEngine(&fakeStrategy{svc: newFakeService("app", initialPassword)})
	arn := e.CreateSecret("db", initialSecret)
	if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
		t.Fatalf("rotation: %s", rec.Error)
	}
	current := emulatortest.Holder(e.Stages(arn), rotation.StageCurrent)
	// A version that is already current: the step only calls DescribeSecret.
	ev := rotation.Event{Step: rotation.StepFinish, SecretID: arn, ClientRequestToken: current}
	const dead = "http://127.0.0.1:1"

	cases := []struct {
		name     string
		env      map[string]string
		wantFail bool
	}{
		{"SECRETS_MANAGER_ENDPOINT wins", map[string]string{"SECRETS_MANAGER_ENDPOINT": e.URL, "AWS_ENDPOINT_URL": dead}, false},
		{"AWS_ENDPOINT_URL_SECRETS_MANAGER", map[string]string{"AWS_ENDPOINT_URL_SECRETS_MANAGER": e.URL, "AWS_ENDPOINT_URL": dead}, false},
		{"AWS_ENDPOINT_URL", map[string]string{"AWS_ENDPOINT_URL": e.URL}, false},
		{"empty SECRETS_MANAGER_ENDPOINT is ignored", map[string]string{"SECRETS_MANAGER_ENDPOINT": "", "AWS_ENDPOINT_URL": e.URL}, false},
		{"the endpoint is really used", map[string]string{"SECRETS_MANAGER_ENDPOINT": dead, "AWS_ENDPOINT_URL": e.URL}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for k, v := range map[string]string{
				"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
				"AWS_REGION": "us-east-1", "AWS_PROFILE": "", "AWS_MAX_ATTEMPTS": "1", "AWS_EC2_METADATA_DISABLED": "true",
				"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
				"SECRETS_MANAGER_ENDPOINT": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "",
			} {
				t.Setenv(k, v)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			eng := rotation.New(&fakeStrategy{}, rotation.WithLogger(discardLogger()))
			err := eng.Handle(t.Context(), ev)
			if tc.wantFail {
				if err == nil || !strings.Contains(err.Error(), "DescribeSecret") {
					t.Fatalf("error %v, want DescribeSecret to fail against %s", err, dead)
				}
				var se *rotation.StepError
				if !errors.As(err, &se) {
					t.Errorf("error %T is not a *StepError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
