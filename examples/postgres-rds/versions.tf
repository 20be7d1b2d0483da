terraform {
  # 1.11: write-only arguments (the application user's first password never reaches the
  # plan or the state) and ephemeral resources.
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
