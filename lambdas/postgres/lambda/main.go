// Command lambda is the PostgreSQL rotation function: build it for provided.al2023 as
// "bootstrap" (GOOS=linux CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap). See
// ../README.md for the secret, the environment variables and the permissions it needs.
package main

import (
	"os"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/postgres"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

func main() {
	rotation.Start(postgres.FromEnv(os.LookupEnv), rotation.WithPasswordPolicy(postgres.DefaultPasswordPolicy))
}
