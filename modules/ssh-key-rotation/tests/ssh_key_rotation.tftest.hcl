# Tests of the ssh-key-rotation wrapper: the rotator's settings reach the function's
# environment, the role gets no GetRandomPassword (the function makes its own keys) and so
# nothing on "*", and the schedules are real (this project's provider against the emulator;
# hashicorp/aws mocked). Run with `go test ./modules/` (see modules/README.md).

mock_provider "aws" {
  override_data {
    target = module.rotation.data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }
  override_data {
    target = module.rotation.data.aws_partition.current
    values = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  override_data {
    target = module.rotation.data.aws_region.current
    values = { region = "us-east-1" }
  }
  # Registered in the emulator by the Go test.
  override_resource {
    target = module.rotation.aws_lambda_function.this
    values = { arn = "arn:aws:lambda:us-east-1:123456789012:function:modtest-ssh-key-rotation" }
  }
}

# Fake static credentials: never a real account. The endpoint comes from AWS_ENDPOINT_URL.
provider "secretsmanager" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"
}

variables {
  name              = "modtest-ssh-key-rotation"
  filename          = "../testdata/rotator.zip"
  rotation_strategy = "single"
}

run "setup" {
  module {
    source = "../rotation-lambda/tests/setup"
  }
  variables {
    prefix = "modtest/ssh-key-rotation"
  }
}

run "defaults" {
  variables {
    secrets           = { app = { arn = run.setup.app_secret_arn } }
    master_secrets    = [{ arn = run.setup.master_secret_arn, kms_key_arn = run.setup.key_arn }]
    rotation_strategy = "alternating"
    allowed_targets   = { "10.0.1.15" = ["deploy"], "bastion.internal:2222" = ["deploy", "ci"] }
  }

  assert {
    condition = output.environment_variables == tomap({
      ROTATION_STRATEGY      = "alternating"
      SSH_MAX_PARALLEL       = "10"
      SSH_CONNECT_TIMEOUT    = "10s"
      SSH_HOST_TIMEOUT       = "60s"
      SSH_REMOVE_OLD_KEY     = "next_rotation"
      SSHKEY_ALLOWED_TARGETS = "{\"10.0.1.15\":[\"deploy\"],\"bastion.internal:2222\":[\"deploy\",\"ci\"]}"
    })
    error_message = "The function must get the rotator's defaults: ${jsonencode(output.environment_variables)}"
  }
  assert {
    condition     = alltrue([for s in jsondecode(output.role_policy_json).Statement : !contains(s.Resource, "*")])
    error_message = "The SSH rotator needs nothing on \"*\": ${output.role_policy_json}"
  }
  assert {
    condition = [for s in jsondecode(output.role_policy_json).Statement : s.Sid] == [
    "RotateSecrets", "ReadMasterSecrets", "DecryptMasterSecrets", "WriteLogs"]
    error_message = "Unexpected statements: ${output.role_policy_json}"
  }
  assert {
    condition = (output.function_arn == "arn:aws:lambda:us-east-1:123456789012:function:modtest-ssh-key-rotation" &&
    output.rotations["app"].rotation_enabled && output.rotations["app"].secret_arn == var.secrets["app"].arn)
    error_message = "The secret must rotate with the function."
  }
}

run "settings_and_default_egress" {
  command = plan
  variables {
    secrets              = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:deploy-AbCdEf" } }
    max_parallel_hosts   = 4
    connect_timeout      = "5s"
    host_timeout         = "1m30s"
    remove_old_key       = "immediately"
    authorized_keys_file = "%h/.ssh/authorized_keys2"
    vpc_config           = { subnet_ids = ["subnet-0a"], vpc_id = "vpc-01" }
  }

  assert {
    condition = output.environment_variables == tomap({
      ROTATION_STRATEGY           = "single"
      SSH_MAX_PARALLEL            = "4"
      SSH_CONNECT_TIMEOUT         = "5s"
      SSH_HOST_TIMEOUT            = "1m30s"
      SSH_REMOVE_OLD_KEY          = "immediately"
      SSHKEY_AUTHORIZED_KEYS_FILE = "%h/.ssh/authorized_keys2"
    })
    error_message = "Every setting must reach its environment variable: ${jsonencode(output.environment_variables)}"
  }
  assert {
    condition = [for r in output.egress_rules : [r.ip_protocol, r.from_port, r.to_port, r.destination]] == [
      ["tcp", 443, 443, "0.0.0.0/0"],
      ["tcp", 22, 22, "0.0.0.0/0"],
    ]
    error_message = "The created security group must allow HTTPS and SSH out, nothing else."
  }
}

run "rejects_unknown_removal_mode" {
  command = plan
  variables {
    secrets        = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:deploy-AbCdEf" } }
    remove_old_key = "never"
  }
  expect_failures = [var.remove_old_key]
}

run "rejects_timeout_without_unit_syntax" {
  command = plan
  variables {
    secrets      = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:deploy-AbCdEf" } }
    host_timeout = "one minute"
  }
  expect_failures = [var.host_timeout]
}

run "rejects_no_parallelism" {
  command = plan
  variables {
    secrets            = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:deploy-AbCdEf" } }
    max_parallel_hosts = 0
  }
  expect_failures = [var.max_parallel_hosts]
}

run "rejects_settings_in_environment_variables" {
  command = plan
  variables {
    secrets               = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:deploy-AbCdEf" } }
    environment_variables = { SSH_REMOVE_OLD_KEY = "immediately" }
  }
  expect_failures = [var.environment_variables]
}


run "rejects_alternating_without_master_secrets" {
  command = plan
  variables {
    secrets           = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf" } }
    rotation_strategy = "alternating"
    allowed_targets   = { "10.0.1.15" = ["deploy"] }
  }
  expect_failures = [var.master_secrets]
}

run "rejects_master_secrets_in_single_mode" {
  command = plan
  variables {
    secrets        = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf" } }
    master_secrets = [{ arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf" }]
  }
  expect_failures = [var.master_secrets]
}

run "warns_about_auto" {
  command = plan
  variables {
    secrets           = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf" } }
    master_secrets    = [{ arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf" }]
    rotation_strategy = "auto"
    allowed_targets   = { "10.0.1.15" = ["deploy"] }
  }
  expect_failures = [check.rotation_strategy_is_explicit]

  assert {
    condition     = output.environment_variables["ROTATION_STRATEGY"] == "auto"
    error_message = "An explicit auto must reach the function."
  }
}

run "rejects_root_in_allowed_targets" {
  command = plan
  variables {
    secrets         = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:deploy-AbCdEf" } }
    allowed_targets = { "10.0.1.15" = ["deploy", "root"] }
  }
  expect_failures = [var.allowed_targets]
}

run "rejects_allowed_target_with_user_in_host" {
  command = plan
  variables {
    secrets         = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:deploy-AbCdEf" } }
    allowed_targets = { "deploy@10.0.1.15" = ["deploy"] }
  }
  expect_failures = [var.allowed_targets]
}

run "rejects_alternating_without_allowed_targets" {
  command = plan
  variables {
    secrets           = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:deploy-AbCdEf" } }
    master_secrets    = [{ arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf" }]
    rotation_strategy = "alternating"
  }
  expect_failures = [var.allowed_targets]
}

run "rejects_authorized_keys_file_outside_the_home" {
  command = plan
  variables {
    secrets              = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:deploy-AbCdEf" } }
    authorized_keys_file = "/root/.ssh/authorized_keys"
  }
  expect_failures = [var.authorized_keys_file]
}
