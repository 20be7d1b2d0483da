// Command rotator is a minimal rotation function for the emulator's tests: it runs the four
// steps against Secrets Manager through the AWS SDK, with the endpoint and credentials the
// emulator passes in the environment. It prints one line per event so the test can check
// the order and fields, and fails the step named by FAIL_STEP.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

type event struct {
	Step               string
	SecretID           string `json:"SecretId"`
	ClientRequestToken string
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "load AWS config:", err)
		os.Exit(1)
	}
	c := secretsmanager.NewFromConfig(cfg)
	lambda.Start(func(ctx context.Context, ev event) error {
		fmt.Printf("EVENT step=%s secret=%s token=%s\n", ev.Step, ev.SecretID, ev.ClientRequestToken)
		if ev.Step == os.Getenv("FAIL_STEP") {
			return fmt.Errorf("injected failure at %s", ev.Step)
		}
		return step(ctx, c, ev)
	})
}

func step(ctx context.Context, c *secretsmanager.Client, ev event) error {
	d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &ev.SecretID})
	if err != nil {
		return err
	}
	if !slices.Contains(d.VersionIdsToStages[ev.ClientRequestToken], "AWSPENDING") {
		return fmt.Errorf("version %s of %s is not AWSPENDING", ev.ClientRequestToken, ev.SecretID)
	}
	switch ev.Step {
	case "createSecret":
		_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &ev.SecretID, VersionId: &ev.ClientRequestToken})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			return err
		}
		_, err = c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: &ev.SecretID, ClientRequestToken: &ev.ClientRequestToken,
			SecretString: aws.String("rotated-by-bootstrap"), VersionStages: []string{"AWSPENDING"}})
		return err
	case "setSecret", "testSecret":
		_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &ev.SecretID, VersionId: &ev.ClientRequestToken, VersionStage: aws.String("AWSPENDING")})
		return err
	case "finishSecret":
		for id, stages := range d.VersionIdsToStages {
			if slices.Contains(stages, "AWSCURRENT") && id != ev.ClientRequestToken {
				_, err = c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: &ev.SecretID,
					VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: &ev.ClientRequestToken, RemoveFromVersionId: aws.String(id)})
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown step %q", ev.Step)
}
