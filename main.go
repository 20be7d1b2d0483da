// Command terraform-provider-secretsmanager serves the secretsmanager Terraform provider.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/provider"
)

// version is set by the release build through -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/seed-8d6ff4c2/secretsmanager",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
