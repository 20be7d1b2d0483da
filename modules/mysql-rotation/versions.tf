terraform {
  # 1.11: write-only attributes in this provider; 1.9: validations that refer to other
  # variables.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
    secretsmanager = {
      source  = "seed-8d6ff4c2/secretsmanager"
      version = ">= 0.1"
    }
  }
}
