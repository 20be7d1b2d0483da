package emulator_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// TestAWSCLIRotateSecretAndSTS drives rotate-secret and sts get-caller-identity with Debian's
// AWS CLI, a client nobody here wrote.
func TestAWSCLIRotateSecretAndSTS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the AWS CLI; skipped with -short")
	}
	t.Parallel()
	c, ctl, rot, fn := newRotationEnv(t)
	created := createSecret(t, c, "cli/rotated", "before")
	cli := newAWSCLIAt(t, ctl.Endpoint())

	var rotated struct{ ARN, Name, VersionId string }
	cli.ok(&rotated, "rotate-secret", "--secret-id", "cli/rotated", "--rotation-lambda-arn", fn,
		"--rotation-rules", `{"ScheduleExpression":"rate(10 days)","Duration":"3h"}`)
	if rotated.ARN != *created.ARN || len(rotated.VersionId) != 36 {
		t.Fatalf("rotate-secret output %+v", rotated)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	recs, err := ctl.WaitRotations(ctx, *created.ARN, 1)
	if err != nil || recs[0].Outcome != "succeeded" || len(rot.steps()) != 4 {
		t.Fatalf("rotation: %v %+v", err, recs)
	}
	d := cli.describe("cli/rotated")
	if !d.RotationEnabled || d.RotationRules.ScheduleExpression != "rate(10 days)" || d.RotationRules.Duration != "3h" {
		t.Fatalf("describe-secret after rotate-secret: %+v", d)
	}
	cliWantStages(t, cli.versionStages("cli/rotated"), map[string][]string{
		*created.VersionId: {"AWSPREVIOUS"}, rotated.VersionId: {"AWSCURRENT", "AWSPENDING"}})

	cli.fails("InvalidParameterException", "rotate-secret", "--secret-id", "cli/rotated",
		"--rotation-rules", `{"ScheduleExpression":"rate(2 hours)"}`)

	out, err := cli.runService("sts", "get-caller-identity")
	if err != nil {
		t.Fatal(err)
	}
	var id struct{ Account, Arn, UserId string }
	if err := json.Unmarshal(out, &id); err != nil || id.Account != "123456789012" || id.Arn == "" || id.UserId == "" {
		t.Fatalf("sts get-caller-identity: %v %s", err, out)
	}
}
