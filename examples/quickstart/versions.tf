terraform {
  # 1.11: write-only arguments (secret_string_wo) and ephemeral input variables.
  required_version = ">= 1.11"

  required_providers {
    secretsmanager = {
      source = "seed-8d6ff4c2/secretsmanager"
    }
  }
}
