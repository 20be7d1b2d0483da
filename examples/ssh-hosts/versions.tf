terraform {
  # 1.11: write-only arguments and ephemeral input variables: the private keys go to Secrets
  # Manager and never reach the plan or the state.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
    secretsmanager = {
      source = "seed-8d6ff4c2/secretsmanager"
    }
  }
}
