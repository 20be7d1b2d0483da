// Command lambda is the SSH key rotation function: build it as "bootstrap" for the
// provided.al2023 runtime (go build -tags lambda.norpc). See ../README.md.
package main

import (
	"os"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/sshkey"
)

func main() {
	rotation.Start(sshkey.FromEnv(os.LookupEnv))
}
