terraform {
  # 1.11: write-only attributes (the initial value never reaches the state); 1.10:
  # ephemeral input variables; 1.9: validations that refer to other variables.
  required_version = ">= 1.11"

  required_providers {
    secretsmanager = {
      source  = "seed-8d6ff4c2/secretsmanager"
      version = ">= 0.1"
    }
  }
}
