# Tests of the api-key-rotation wrapper: settings become APIKEY_* variables, unknown or unsafe
# settings are refused, the role gets no GetRandomPassword (the service makes the keys), and
# the schedules are real (this project's provider against the emulator; hashicorp/aws mocked).
# Run with `go test ./modules/` (see modules/README.md).

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
    values = { arn = "arn:aws:lambda:us-east-1:123456789012:function:modtest-api-key-rotation" }
  }
}

# Fake static credentials: never a real account. The endpoint comes from AWS_ENDPOINT_URL.
provider "secretsmanager" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"
}

variables {
  name              = "modtest-api-key-rotation"
  filename          = "../testdata/rotator.zip"
  rotation_strategy = "single"
}

run "setup" {
  module {
    source = "../rotation-lambda/tests/setup"
  }
  variables {
    prefix = "modtest/api-key-rotation"
  }
}

run "service_settings" {
  variables {
    secrets           = { app = { arn = run.setup.app_secret_arn, kms_key_arn = run.setup.key_arn } }
    master_secrets    = [{ arn = run.setup.master_secret_arn }]
    rotation_strategy = "alternating"
    settings = {
      create_url  = "https://api.example.com/v1/keys"
      key_path    = "data.secret"
      key_id_path = "data.id"
      test_url    = "https://api.example.com/v1/me"
      revoke_url  = "https://api.example.com/v1/keys/{id}"
      revoke_mode = "overlap"
      create_body = jsonencode({ name = "rotation {token}" })
    }
    allowed_hosts = ["api.example.com"]
  }

  assert {
    condition = output.environment_variables == tomap({
      ROTATION_STRATEGY    = "alternating"
      APIKEY_CREATE_URL    = "https://api.example.com/v1/keys"
      APIKEY_KEY_PATH      = "data.secret"
      APIKEY_KEY_ID_PATH   = "data.id"
      APIKEY_TEST_URL      = "https://api.example.com/v1/me"
      APIKEY_REVOKE_URL    = "https://api.example.com/v1/keys/{id}"
      APIKEY_REVOKE_MODE   = "overlap"
      APIKEY_CREATE_BODY   = "{\"name\":\"rotation {token}\"}"
      APIKEY_ALLOWED_HOSTS = "api.example.com"
    })
    error_message = "Each setting must become its APIKEY_ variable: ${jsonencode(output.environment_variables)}"
  }
  assert {
    condition     = alltrue([for s in jsondecode(output.role_policy_json).Statement : !contains(s.Resource, "*")])
    error_message = "The API key rotator needs nothing on \"*\": ${output.role_policy_json}"
  }
  assert {
    condition = [for s in jsondecode(output.role_policy_json).Statement : s.Sid] == [
    "RotateSecrets", "ReadMasterSecrets", "UseKeysOfRotatedSecrets", "WriteLogs"]
    error_message = "Unexpected statements: ${output.role_policy_json}"
  }
  assert {
    condition = (output.function_arn == "arn:aws:lambda:us-east-1:123456789012:function:modtest-api-key-rotation" &&
    output.rotations["app"].rotation_enabled && output.rotations["app"].secret_arn == var.secrets["app"].arn)
    error_message = "The secret must rotate with the function."
  }
}

run "ca_bundle_and_default_egress" {
  command = plan
  variables {
    secrets    = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-AbCdEf" } }
    ca_bundle  = "/opt/certs/internal-ca.pem"
    vpc_config = { subnet_ids = ["subnet-0a"], vpc_id = "vpc-01" }
  }

  assert {
    condition     = output.environment_variables == tomap({ ROTATION_STRATEGY = "single", APIKEY_CA_BUNDLE = "/opt/certs/internal-ca.pem" })
    error_message = "ca_bundle must become APIKEY_CA_BUNDLE."
  }
  assert {
    condition     = [for r in output.egress_rules : [r.ip_protocol, r.from_port, r.to_port, r.destination]] == [["tcp", 443, 443, "0.0.0.0/0"]]
    error_message = "The created security group must allow HTTPS out only."
  }
}

run "rejects_master_secret_without_allowed_hosts" {
  command = plan
  variables {
    secrets           = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-AbCdEf" } }
    master_secrets    = [{ arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf" }]
    rotation_strategy = "alternating"
  }
  expect_failures = [var.allowed_hosts]
}

run "rejects_misspelt_setting" {
  command = plan
  variables {
    secrets  = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-AbCdEf" } }
    settings = { create_uri = "https://api.example.com/v1/keys" }
  }
  expect_failures = [var.settings]
}

run "rejects_plain_http" {
  command = plan
  variables {
    secrets  = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-AbCdEf" } }
    settings = { test_url = "http://api.example.com/v1/me" }
  }
  expect_failures = [var.settings]
}

run "rejects_unknown_revoke_mode" {
  command = plan
  variables {
    secrets  = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-AbCdEf" } }
    settings = { revoke_mode = "later" }
  }
  expect_failures = [var.settings]
}

run "rejects_allowed_host_with_scheme" {
  command = plan
  variables {
    secrets       = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-AbCdEf" } }
    allowed_hosts = ["https://api.example.com"]
  }
  expect_failures = [var.allowed_hosts]
}

run "rejects_settings_in_environment_variables" {
  command = plan
  variables {
    secrets               = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-AbCdEf" } }
    environment_variables = { APIKEY_TEST_URL = "https://api.example.com/v1/me" }
  }
  expect_failures = [var.environment_variables]
}


run "rejects_alternating_without_master_secrets" {
  command = plan
  variables {
    secrets           = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf" } }
    rotation_strategy = "alternating"
    allowed_hosts     = ["api.example.com"]
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
    allowed_hosts     = ["api.example.com"]
  }
  expect_failures = [check.rotation_strategy_is_explicit]

  assert {
    condition     = output.environment_variables["ROTATION_STRATEGY"] == "auto"
    error_message = "An explicit auto must reach the function."
  }
}
