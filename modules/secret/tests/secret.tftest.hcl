# Tests of the secret module, entirely against the local emulator with this project's
# provider (the module uses no other provider): what the module declares is checked in the
# state, and what Secrets Manager really holds is read back through data sources. Run with
# `go test ./modules/`, or by hand against `make emulator` with
# AWS_ENDPOINT_URL=http://127.0.0.1:4566 (see modules/README.md).

# Fake static credentials: these tests can never touch a real account.
provider "secretsmanager" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"
}

variables {
  recovery_window_in_days = 0
}

# Every run that applies gives secret_string_wo a value: the test runner of Terraform before
# 1.17 fails an apply whose optional ephemeral variable is left unset ("was not set during the
# plan phase", hashicorp/terraform#38974). Plain `terraform apply` is not affected; runs of
# the module without a value are therefore plans.

run "setup" {
  module {
    source = "./tests/setup"
  }
}

run "minimal" {
  command = plan
  variables {
    name = "modtest/secret/minimal"
  }

  assert {
    condition     = secretsmanager_secret.this.name == "modtest/secret/minimal" && secretsmanager_secret.this.recovery_window_in_days == 0
    error_message = "The secret must be planned under its name."
  }
  assert {
    condition     = output.kms_key_arn == null && output.kms_key_id == null && length(secretsmanager_kms_key.this) == 0
    error_message = "Without a key setting the secret must use the AWS managed key."
  }
  assert {
    condition     = length(secretsmanager_secret_version.this) == 0
    error_message = "Without a value no version is written."
  }
  assert {
    condition     = !output.rotation_enabled && length(secretsmanager_secret_rotation.this) == 0 && length(secretsmanager_secret.this.replica) == 0
    error_message = "No rotation and no replicas unless asked for."
  }
}

run "everything" {
  variables {
    name             = "modtest/secret/everything"
    description      = "module test: every option"
    create_kms_key   = true
    kms_key_alias    = "alias/modtest-secret"
    replicas         = [{ region = "us-west-2" }]
    tags             = { team = "platform" }
    secret_string_wo = jsonencode({ username = "app", password = "initial-password" })
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Sid       = "AppReads"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::123456789012:role/app" }
        Action    = "secretsmanager:GetSecretValue"
        Resource  = "*"
      }]
    })
    secret_string_wo_version = 1
    enable_rotation          = true
    # Registered in the emulator by the Go test.
    rotation_lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:modtest-secret"
    rotation_rules      = { schedule_expression = "rate(10 days)", duration = "2h" }
    rotate_immediately  = false
  }

  assert {
    condition     = output.kms_key_arn == secretsmanager_kms_key.this[0].arn && secretsmanager_secret.this.kms_key_id == secretsmanager_kms_key.this[0].arn
    error_message = "The secret must be encrypted with the created key, and the output must give its ARN."
  }
  assert {
    condition     = secretsmanager_kms_key.this[0].enable_key_rotation && secretsmanager_kms_key.this[0].deletion_window_in_days == 30
    error_message = "The created key must rotate and keep the default deletion window."
  }
  assert {
    condition     = secretsmanager_kms_alias.this[0].name == "alias/modtest-secret" && secretsmanager_kms_alias.this[0].target_key_arn == secretsmanager_kms_key.this[0].arn
    error_message = "The alias must point at the created key."
  }
  assert {
    condition     = output.kms_alias_arn == "arn:aws:kms:us-east-1:123456789012:alias/modtest-secret"
    error_message = "kms_alias_arn output: ${coalesce(output.kms_alias_arn, "null")}"
  }
  assert {
    condition     = keys(output.replicas) == ["us-west-2"]
    error_message = "The secret must be replicated to us-west-2."
  }
  assert {
    condition     = secretsmanager_secret.this.block_public_policy && jsondecode(secretsmanager_secret.this.policy).Statement[0].Sid == "AppReads"
    error_message = "The policy must be set, with public policies blocked."
  }
  assert {
    condition     = output.version_id != null && secretsmanager_secret_version.this[0].secret_string_wo == null
    error_message = "The initial value must be written, and be absent from the state (write-only)."
  }
  assert {
    condition = (secretsmanager_secret_rotation.this[0].rotation_lambda_arn == "arn:aws:lambda:us-east-1:123456789012:function:modtest-secret" &&
      secretsmanager_secret_rotation.this[0].rotation_rules[0].schedule_expression == "rate(10 days)" &&
      secretsmanager_secret_rotation.this[0].rotation_rules[0].duration == "2h" &&
    !secretsmanager_secret_rotation.this[0].rotate_immediately && output.rotation_enabled)
    error_message = "Rotation must be on, with the given function and rules."
  }
}

# What Secrets Manager holds, read through the provider's data sources.
run "secrets_manager_holds_what_was_declared" {
  module {
    source = "./tests/verify"
  }
  # OpenTofu reads other runs' outputs only in variables, not in assertions: the values to
  # compare with come in as variables of the verifying module.
  variables {
    secret_arn       = run.everything.arn
    want_version_id  = run.everything.version_id
    want_kms_key_arn = run.everything.kms_key_arn
  }

  assert {
    condition     = jsondecode(output.secret_string) == { username = "app", password = "initial-password" }
    error_message = "The write-only initial value must be the secret's current value."
  }
  assert {
    condition     = output.version_id == var.want_version_id
    error_message = "The current version must be the one the module wrote (testSecret alone never moves it)."
  }
  assert {
    condition     = output.kms_key_id == var.want_kms_key_arn
    error_message = "Secrets Manager must encrypt the secret with the created key."
  }
  assert {
    condition = (output.rotation_enabled && output.rotation_lambda_arn == "arn:aws:lambda:us-east-1:123456789012:function:modtest-secret" &&
    output.rotation_rules[0].schedule_expression == "rate(10 days)")
    error_message = "Secrets Manager must have the rotation configuration."
  }
  assert {
    condition     = output.replica_regions == ["us-west-2"] && output.tags == tomap({ team = "platform" })
    error_message = "Secrets Manager must have the replica and the tags."
  }
  assert {
    condition     = jsondecode(output.policy).Statement[0].Principal.AWS == "arn:aws:iam::123456789012:role/app"
    error_message = "Secrets Manager must have the resource policy."
  }
}

run "existing_key_by_arn" {
  variables {
    name                     = "modtest/secret/existing-key"
    kms_key_id               = run.setup.key_arn
    secret_string_wo         = "second-secret"
    secret_string_wo_version = 1
  }

  assert {
    condition     = startswith(output.arn, "arn:aws:secretsmanager:us-east-1:123456789012:secret:modtest/secret/existing-key-") && output.name == "modtest/secret/existing-key"
    error_message = "The secret must be created under its name: ${output.arn}"
  }
  assert {
    condition     = output.kms_key_arn == var.kms_key_id && secretsmanager_secret.this.kms_key_id == var.kms_key_id
    error_message = "An existing key given by ARN must encrypt the secret and be reported as kms_key_arn."
  }
  assert {
    condition     = length(secretsmanager_kms_key.this) == 0 && length(secretsmanager_kms_alias.this) == 0 && output.kms_alias_arn == null
    error_message = "No key is created when an existing one is given."
  }
}

run "existing_key_by_alias" {
  command = plan
  variables {
    name       = "modtest/secret/existing-alias"
    kms_key_id = run.setup.alias_name
  }

  assert {
    condition     = output.kms_key_arn == null && output.kms_key_id == "alias/modtest-secret-existing"
    error_message = "A key given by alias is used as given; kms_key_arn is null since IAM policies need the key ARN."
  }
}

run "name_prefix" {
  command = plan
  variables {
    name_prefix = "modtest/secret/prefix-"
  }

  assert {
    condition     = secretsmanager_secret.this.name_prefix == "modtest/secret/prefix-"
    error_message = "name_prefix must reach the secret."
  }
}

# Bad inputs fail at plan with the variable's own message.

run "rejects_name_and_prefix" {
  command = plan
  variables {
    name        = "modtest/secret/a"
    name_prefix = "modtest/secret/b-"
  }
  expect_failures = [var.name]
}

run "rejects_no_name" {
  command         = plan
  expect_failures = [var.name]
}

run "rejects_bad_name" {
  command = plan
  variables {
    name = "orders db"
  }
  expect_failures = [var.name]
}

run "rejects_two_keys" {
  command = plan
  variables {
    name           = "modtest/secret/a"
    create_kms_key = true
    kms_key_id     = "alias/other"
  }
  expect_failures = [var.kms_key_id]
}

run "rejects_alias_without_created_key" {
  command = plan
  variables {
    name          = "modtest/secret/a"
    kms_key_alias = "alias/orders"
  }
  expect_failures = [var.kms_key_alias]
}

run "rejects_reserved_alias" {
  command = plan
  variables {
    name           = "modtest/secret/a"
    create_kms_key = true
    kms_key_alias  = "alias/aws/orders"
  }
  expect_failures = [var.kms_key_alias]
}

run "rejects_short_recovery_window" {
  command = plan
  variables {
    name                    = "modtest/secret/a"
    recovery_window_in_days = 3
  }
  expect_failures = [var.recovery_window_in_days]
}

run "rejects_duplicate_replica_regions" {
  command = plan
  variables {
    name     = "modtest/secret/a"
    replicas = [{ region = "eu-west-1" }, { region = "eu-west-1", kms_key_id = "alias/x" }]
  }
  expect_failures = [var.replicas]
}

run "rejects_replica_region_typo" {
  command = plan
  variables {
    name     = "modtest/secret/a"
    replicas = [{ region = "eu-west" }]
  }
  expect_failures = [var.replicas]
}

run "rejects_policy_that_is_not_json" {
  command = plan
  variables {
    name   = "modtest/secret/a"
    policy = "allow app to read"
  }
  expect_failures = [var.policy]
}

run "rejects_value_without_version" {
  command = plan
  variables {
    name             = "modtest/secret/a"
    secret_string_wo = "hunter2"
  }
  expect_failures = [var.secret_string_wo_version]
}

run "rejects_rotation_without_function" {
  command = plan
  variables {
    name            = "modtest/secret/a"
    enable_rotation = true
  }
  expect_failures = [var.rotation_lambda_arn]
}

run "rejects_function_name_instead_of_arn" {
  command = plan
  variables {
    name                = "modtest/secret/a"
    enable_rotation     = true
    rotation_lambda_arn = "postgres-rotation"
  }
  expect_failures = [var.rotation_lambda_arn]
}

run "rejects_two_schedules" {
  command = plan
  variables {
    name           = "modtest/secret/a"
    rotation_rules = { schedule_expression = "rate(10 days)", automatically_after_days = 10 }
  }
  expect_failures = [var.rotation_rules]
}

run "rejects_window_in_minutes" {
  command = plan
  variables {
    name           = "modtest/secret/a"
    rotation_rules = { schedule_expression = "rate(10 days)", duration = "90m" }
  }
  expect_failures = [var.rotation_rules]
}
