terraform {
  required_version = ">= 1.11"
  required_providers {
    secretsmanager = {
      source = "seed-8d6ff4c2/secretsmanager"
    }
  }
}

# Credentials and region come from the usual AWS environment variables, shared files or
# an assumed role, exactly as for the hashicorp/aws provider.
provider "secretsmanager" {
  region = "eu-west-1"

  assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/secrets-admin"
    session_name = "terraform"
  }

  default_tags {
    tags = {
      team       = "platform"
      managed-by = "terraform"
    }
  }
}

# Against the local emulator (`make emulator`):
# provider "secretsmanager" {
#   region                      = "us-east-1"
#   access_key                  = "test"
#   secret_key                  = "test"
#   skip_credentials_validation = true
#   endpoints {
#     secretsmanager = "http://127.0.0.1:4566"
#     kms            = "http://127.0.0.1:4566"
#     sts            = "http://127.0.0.1:4566"
#   }
# }
