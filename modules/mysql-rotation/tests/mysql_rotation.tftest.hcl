# Tests of the mysql-rotation wrapper: the rotator's settings reach the function's
# environment, the role needs no RDS permission even with RDS-managed master secrets, and the
# schedules are real (this project's provider against the emulator; hashicorp/aws mocked).
# Run with `go test ./modules/` (see modules/README.md for running it by hand).

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
    values = { arn = "arn:aws:lambda:us-east-1:123456789012:function:modtest-mysql-rotation" }
  }
}

# Fake static credentials: never a real account. The endpoint comes from AWS_ENDPOINT_URL.
provider "secretsmanager" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"
}

variables {
  name              = "modtest-mysql-rotation"
  filename          = "../testdata/rotator.zip"
  rotation_strategy = "single"
}

run "setup" {
  module {
    source = "../rotation-lambda/tests/setup"
  }
  variables {
    prefix = "modtest/mysql-rotation"
  }
}

run "alternating_users_with_rds_managed_master" {
  variables {
    secrets = {
      app = { arn = run.setup.app_secret_arn, kms_key_arn = run.setup.key_arn }
    }
    master_secrets    = [{ arn = run.setup.master_secret_arn, rds_db_arn = "arn:aws:rds:us-east-1:123456789012:db:shop" }]
    rotation_strategy = "alternating"
  }

  assert {
    condition = output.environment_variables == tomap({
      ROTATION_STRATEGY          = "alternating"
      PASSWORD_LENGTH            = "32"
      EXCLUDE_CHARACTERS         = "/@\"'\\"
      EXCLUDE_NUMBERS            = "false"
      EXCLUDE_PUNCTUATION        = "false"
      EXCLUDE_UPPERCASE          = "false"
      EXCLUDE_LOWERCASE          = "false"
      REQUIRE_EACH_INCLUDED_TYPE = "true"
    })
    error_message = "The function must get the AWS MySQL sample's defaults: ${jsonencode(output.environment_variables)}"
  }
  assert {
    condition = [for s in jsondecode(output.role_policy_json).Statement : s.Sid] == [
    "RotateSecrets", "ReadMasterSecrets", "ReadTagsOfRDSManagedMasterSecrets", "GenerateRandomPasswords", "UseKeysOfRotatedSecrets", "WriteLogs", "FindRDSManagedMasterEndpoints"]
    error_message = "Unexpected statements: ${output.role_policy_json}"
  }
  assert {
    condition = one([for s in jsondecode(output.role_policy_json).Statement : s if s.Sid == "ReadMasterSecrets"]) == {
      Sid      = "ReadMasterSecrets"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = [var.master_secrets[0].arn]
      Condition = { StringNotEquals = {
        "secretsmanager:resource/AllowRotationLambdaArn" = "arn:aws:lambda:us-east-1:123456789012:function:modtest-mysql-rotation"
      } }
    }
    error_message = "The master secret must be readable only."
  }
  assert {
    condition = alltrue([for s in jsondecode(output.role_policy_json).Statement :
    !contains(s.Resource, "*") || s.Action == ["secretsmanager:GetRandomPassword"]])
    error_message = "Only GetRandomPassword may be granted on \"*\"."
  }
  assert {
    condition = one([for s in jsondecode(output.role_policy_json).Statement : s if s.Sid == "FindRDSManagedMasterEndpoints"]) == {
      Sid      = "FindRDSManagedMasterEndpoints"
      Effect   = "Allow"
      Action   = ["rds:DescribeDBInstances", "rds:DescribeDBClusters"]
      Resource = ["arn:aws:rds:us-east-1:123456789012:db:shop"]
    }
    error_message = "The rotator finds an RDS-managed master's endpoint through the RDS API, on that database only: ${output.role_policy_json}"
  }
  assert {
    condition     = !strcontains(output.role_policy_json, "ec2:")
    error_message = "No EC2 permission outside a VPC."
  }
  assert {
    condition = (output.function_arn == "arn:aws:lambda:us-east-1:123456789012:function:modtest-mysql-rotation" &&
    output.rotations["app"].rotation_enabled && output.rotations["app"].secret_arn == var.secrets["app"].arn)
    error_message = "The secret must rotate with the function."
  }
}

run "settings_and_default_egress" {
  command = plan
  variables {
    secrets             = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf", automatically_after_days = 7 } }
    rotation_strategy   = "single"
    password_length     = 24
    exclude_characters  = ""
    exclude_uppercase   = true
    ssl_root_cert_paths = ["/opt/ca.pem"]
    vpc_config          = { subnet_ids = ["subnet-0a", "subnet-0b"], vpc_id = "vpc-01" }
  }

  assert {
    condition = output.environment_variables == tomap({
      ROTATION_STRATEGY          = "single"
      PASSWORD_LENGTH            = "24"
      EXCLUDE_CHARACTERS         = ""
      EXCLUDE_NUMBERS            = "false"
      EXCLUDE_PUNCTUATION        = "false"
      EXCLUDE_UPPERCASE          = "true"
      EXCLUDE_LOWERCASE          = "false"
      REQUIRE_EACH_INCLUDED_TYPE = "true"
      SSL_ROOT_CERT              = "/opt/ca.pem"
    })
    error_message = "Every setting must reach its environment variable (an empty EXCLUDE_CHARACTERS excludes nothing): ${jsonencode(output.environment_variables)}"
  }
  assert {
    condition = [for r in output.egress_rules : [r.ip_protocol, r.from_port, r.to_port, r.destination]] == [
      ["tcp", 443, 443, "0.0.0.0/0"],
      ["tcp", 3306, 3306, "0.0.0.0/0"],
    ]
    error_message = "The created security group must allow HTTPS and MySQL out, nothing else."
  }
}

run "rejects_strategy_in_environment_variables" {
  command = plan
  variables {
    secrets               = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf" } }
    environment_variables = { ROTATION_STRATEGY = "single" }
  }
  expect_failures = [var.environment_variables]
}

run "rejects_unknown_strategy" {
  command = plan
  variables {
    secrets           = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf" } }
    rotation_strategy = "multiuser"
  }
  expect_failures = [var.rotation_strategy]
}

run "rejects_password_length_beyond_limit" {
  command = plan
  variables {
    secrets         = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf" } }
    password_length = 5000
  }
  expect_failures = [var.password_length]
}

run "rejects_two_packages" {
  command = plan
  variables {
    s3_bucket = "artifacts"
    s3_key    = "mysql.zip"
    secrets   = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf" } }
  }
  expect_failures = [var.filename]
}


run "rejects_alternating_without_master_secrets" {
  command = plan
  variables {
    secrets           = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf" } }
    rotation_strategy = "alternating"
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
  }
  expect_failures = [check.rotation_strategy_is_explicit]

  assert {
    condition     = output.environment_variables["ROTATION_STRATEGY"] == "auto"
    error_message = "An explicit auto must reach the function."
  }
}
