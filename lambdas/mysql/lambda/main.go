// Command lambda is the MySQL / Aurora MySQL / MariaDB rotation function: build it for
// provided.al2023 as "bootstrap" with `go build -tags lambda.norpc`.
package main

import (
	"os"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/mysql"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

func main() {
	rotation.Start(mysql.FromEnv(os.LookupEnv), rotation.WithPasswordPolicy(mysql.DefaultPasswordPolicy))
}
