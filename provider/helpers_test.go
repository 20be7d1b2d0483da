package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// Helpers shared by the tests of several resources.

// ---- state ----

// stateAttr returns an attribute of a resource from a terraform-plugin-testing state.
func stateAttr(s *terraform.State, addr, name string) (string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return "", fmt.Errorf("%s not in state", addr)
	}
	v, ok := rs.Primary.Attributes[name]
	if !ok {
		return "", fmt.Errorf("%s has no attribute %s", addr, name)
	}
	return v, nil
}

// captureAttr stores an attribute's value during a Check, for later steps.
func captureAttr(addr, name string, dst *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		v, err := stateAttr(s, addr, name)
		*dst = v
		return err
	}
}

// planCheckFunc and stateCheckFunc adapt functions to plan and state checks.
type planCheckFunc func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse)

func (f planCheckFunc) CheckPlan(ctx context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	f(ctx, req, resp)
}

type stateCheckFunc func(context.Context, statecheck.CheckStateRequest, *statecheck.CheckStateResponse)

func (f stateCheckFunc) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	f(ctx, req, resp)
}

// readExample returns a file of the documentation's examples/ directory.
func readExample(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "examples", p))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ---- emulator call counts ----

// resetCalls zeroes the emulator's call counts.
func (e *testEnv) resetCalls(t testing.TB) {
	t.Helper()
	if err := e.Control.ResetCalls(context.Background()); err != nil {
		t.Fatalf("ResetCalls: %v", err)
	}
}

// smCalls returns the Secrets Manager calls since the last reset, by operation name.
func (e *testEnv) smCalls(ctx context.Context) (map[string]int64, error) {
	all, err := e.Control.Calls(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for op, n := range all {
		if strings.HasPrefix(op, "secretsmanager.") && n > 0 {
			out[strings.TrimPrefix(op, "secretsmanager.")] = n
		}
	}
	return out, nil
}

// expectSMCalls checks that the Secrets Manager calls since the last reset are exactly want
// (by operation name); any other operation must not have been called.
func (e *testEnv) expectSMCalls(want map[string]int64) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := e.smCalls(context.Background())
		if err != nil {
			return err
		}
		if !maps.Equal(got, want) {
			return fmt.Errorf("Secrets Manager calls %v, want %v", got, want)
		}
		return nil
	}
}

// ---- rotation ----

// testRotator is an in-process rotation function doing the label work of a real one (as
// internal/emulator/rotation_test.go's testRotator): a new value at createSecret, AWSCURRENT
// moved at finishSecret. It fails at step failAt, when set.
type testRotator struct {
	sm *secretsmanager.Client

	mu     sync.Mutex
	failAt string
}

// registerRotator registers a testRotator with the emulator and returns it and its ARN.
func registerRotator(env *testEnv, name string) (*testRotator, string) {
	r := &testRotator{sm: env.SM}
	return r, env.Server.RegisterHandler(name, r.handle, emulator.FunctionConfig{Timeout: 10 * time.Second})
}

func (r *testRotator) setFailAt(step string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failAt = step
}

func (r *testRotator) handle(ctx context.Context, payload []byte) ([]byte, error) {
	var ev struct {
		Step               string
		SecretID           string `json:"SecretId"`
		ClientRequestToken string
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	r.mu.Lock()
	failAt := r.failAt
	r.mu.Unlock()
	if ev.Step == failAt {
		return nil, fmt.Errorf("injected failure at %s", ev.Step)
	}
	d, err := r.sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &ev.SecretID})
	if err != nil {
		return nil, err
	}
	if !slices.Contains(d.VersionIdsToStages[ev.ClientRequestToken], "AWSPENDING") {
		return nil, fmt.Errorf("version %s is not AWSPENDING", ev.ClientRequestToken)
	}
	switch ev.Step {
	case "createSecret":
		_, err = r.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &ev.SecretID, VersionId: &ev.ClientRequestToken, VersionStage: aws.String("AWSPENDING")})
		var nf *smtypes.ResourceNotFoundException
		if errors.As(err, &nf) {
			_, err = r.sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: &ev.SecretID, ClientRequestToken: &ev.ClientRequestToken,
				SecretString: aws.String("rotated-" + ev.ClientRequestToken[:8]), VersionStages: []string{"AWSPENDING"}})
		}
		return nil, err
	case "finishSecret":
		current := ""
		for id, st := range d.VersionIdsToStages {
			if slices.Contains(st, "AWSCURRENT") {
				current = id
			}
		}
		if current == ev.ClientRequestToken {
			return nil, nil
		}
		_, err = r.sm.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: &ev.SecretID, VersionStage: aws.String("AWSCURRENT"),
			MoveToVersionId: &ev.ClientRequestToken, RemoveFromVersionId: &current})
		return nil, err
	}
	return nil, nil
}
