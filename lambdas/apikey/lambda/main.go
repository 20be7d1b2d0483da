// Command lambda is the API key rotation function: the HTTP contract of package apikey on
// the rotation engine. Build it for provided.al2023 as "bootstrap":
//
//	CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags=-s -o bootstrap ./lambdas/apikey/lambda
//
// ROTATION_STRATEGY chooses the strategy; settings come from each secret's "rotation"
// object and APIKEY_* environment variables; see lambdas/apikey/README.md.
package main

import (
	"os"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/apikey"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

func main() { rotation.Start(apikey.FromEnv(os.LookupEnv)) }
