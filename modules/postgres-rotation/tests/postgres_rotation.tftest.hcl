# Tests of the postgres-rotation wrapper: the rotator's settings reach the function's
# environment, the role gets RDS permissions only for RDS-managed master secrets, and the
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
    values = { arn = "arn:aws:lambda:us-east-1:123456789012:function:modtest-postgres-rotation" }
  }
}

# Fake static credentials: never a real account. The endpoint comes from AWS_ENDPOINT_URL.
provider "secretsmanager" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"
}

variables {
  name              = "modtest-postgres-rotation"
  filename          = "../testdata/rotator.zip"
  rotation_strategy = "single"
}

run "setup" {
  module {
    source = "../rotation-lambda/tests/setup"
  }
  variables {
    prefix = "modtest/postgres-rotation"
  }
}

run "defaults" {
  variables {
    secrets = {
      app = { arn = run.setup.app_secret_arn, kms_key_arn = run.setup.key_arn }
    }
  }

  assert {
    condition = output.environment_variables == tomap({
      ROTATION_STRATEGY          = "single"
      PASSWORD_LENGTH            = "32"
      EXCLUDE_CHARACTERS         = ":/@\"'\\"
      EXCLUDE_NUMBERS            = "false"
      EXCLUDE_PUNCTUATION        = "false"
      EXCLUDE_UPPERCASE          = "false"
      EXCLUDE_LOWERCASE          = "false"
      REQUIRE_EACH_INCLUDED_TYPE = "true"
    })
    error_message = "The function must get the AWS PostgreSQL sample's defaults: ${jsonencode(output.environment_variables)}"
  }
  assert {
    condition = alltrue([for s in jsondecode(output.role_policy_json).Statement :
    !contains(s.Resource, "*") || s.Action == ["secretsmanager:GetRandomPassword"]])
    error_message = "Only GetRandomPassword may be granted on \"*\"."
  }
  assert {
    condition     = !strcontains(output.role_policy_json, "rds:") && !strcontains(output.role_policy_json, "ec2:")
    error_message = "Without RDS-managed master secrets and outside a VPC, no RDS or EC2 permission."
  }
  assert {
    condition = (output.function_arn == "arn:aws:lambda:us-east-1:123456789012:function:modtest-postgres-rotation" &&
      output.rotations["app"].rotation_enabled && output.rotations["app"].secret_arn == var.secrets["app"].arn &&
    output.rotations["app"].rotation_rules.schedule_expression == "rate(30 days)")
    error_message = "The secret must rotate with the function every 30 days."
  }
  assert {
    condition     = output.security_group_ids == [] && output.egress_rules == []
    error_message = "No network settings outside a VPC."
  }
}

run "alternating_with_rds_managed_master_in_a_vpc" {
  command = plan

  variables {
    secrets = {
      app = { arn = run.setup.app_secret_arn, schedule_expression = "cron(0 4 ? * SUN *)", duration = "2h" }
    }
    master_secrets = [{
      arn         = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0a1b-AbCdEf"
      kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666"
      rds_db_arn  = "arn:aws:rds:us-east-1:123456789012:db:orders"
    }]
    rotation_strategy          = "alternating"
    password_length            = 40
    exclude_characters         = "/@\"'\\;"
    exclude_punctuation        = true
    require_each_included_type = false
    ssl_root_cert_paths        = ["/opt/certs/corp-ca.pem", "/opt/certs/old-ca.pem"]
    environment_variables      = { EXTRA = "kept" }
    vpc_config = {
      subnet_ids            = ["subnet-0a"]
      create_security_group = false
      security_group_ids    = ["sg-0db"]
    }
  }

  assert {
    condition = output.environment_variables == tomap({
      EXTRA                      = "kept"
      ROTATION_STRATEGY          = "alternating"
      PASSWORD_LENGTH            = "40"
      EXCLUDE_CHARACTERS         = "/@\"'\\;"
      EXCLUDE_NUMBERS            = "false"
      EXCLUDE_PUNCTUATION        = "true"
      EXCLUDE_UPPERCASE          = "false"
      EXCLUDE_LOWERCASE          = "false"
      REQUIRE_EACH_INCLUDED_TYPE = "false"
      SSL_ROOT_CERT              = "/opt/certs/corp-ca.pem:/opt/certs/old-ca.pem"
    })
    error_message = "Every setting must reach its environment variable: ${jsonencode(output.environment_variables)}"
  }
  assert {
    condition = one([for s in jsondecode(output.role_policy_json).Statement : s if s.Sid == "FindRDSManagedMasterEndpoints"]) == {
      Sid      = "FindRDSManagedMasterEndpoints"
      Effect   = "Allow"
      Action   = ["rds:DescribeDBInstances", "rds:DescribeDBClusters"]
      Resource = ["arn:aws:rds:us-east-1:123456789012:db:orders"]
    }
    error_message = "An RDS-managed master secret must allow describing its database only."
  }
  assert {
    condition = one([for s in jsondecode(output.role_policy_json).Statement : s.Resource if s.Sid == "ReadTagsOfRDSManagedMasterSecrets"]) == [
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0a1b-AbCdEf"]
    error_message = "The RDS-managed master secret's tags must be readable."
  }
  assert {
    condition = one([for s in jsondecode(output.role_policy_json).Statement : s if s.Sid == "DecryptMasterSecrets"]).Resource == [
    "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666"]
    error_message = "The master secret's key must be usable for decryption."
  }
  assert {
    condition = alltrue([for s in jsondecode(output.role_policy_json).Statement :
      !contains(s.Resource, "*") || s.Action == ["secretsmanager:GetRandomPassword"] ||
    s.Action == ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]])
    error_message = "In a VPC, only GetRandomPassword and the EC2 Describe calls may be granted on \"*\"."
  }
  assert {
    condition     = output.security_group_ids == tolist(["sg-0db"]) && output.egress_rules == []
    error_message = "The function must use the given security group, and no group is created."
  }
}

run "default_egress_reaches_postgresql" {
  command = plan
  variables {
    secrets    = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf" } }
    vpc_config = { subnet_ids = ["subnet-0a"], vpc_id = "vpc-01" }
  }

  assert {
    condition = [for r in output.egress_rules : [r.ip_protocol, r.from_port, r.to_port, r.destination]] == [
      ["tcp", 443, 443, "0.0.0.0/0"],
      ["tcp", 5432, 5432, "0.0.0.0/0"],
    ]
    error_message = "The created security group must allow HTTPS and PostgreSQL out, nothing else."
  }
}

run "rejects_settings_in_environment_variables" {
  command = plan
  variables {
    secrets               = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf" } }
    environment_variables = { PASSWORD_LENGTH = "12" }
  }
  expect_failures = [var.environment_variables]
}

run "rejects_unknown_strategy" {
  command = plan
  variables {
    secrets           = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf" } }
    rotation_strategy = "multi-user"
  }
  expect_failures = [var.rotation_strategy]
}

run "rejects_short_passwords" {
  command = plan
  variables {
    secrets         = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf" } }
    password_length = 6
  }
  expect_failures = [var.password_length]
}

run "rejects_excluding_every_character_type" {
  command = plan
  variables {
    secrets             = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf" } }
    exclude_numbers     = true
    exclude_punctuation = true
    exclude_uppercase   = true
    exclude_lowercase   = true
  }
  expect_failures = [var.exclude_lowercase]
}

run "rejects_relative_certificate_path" {
  command = plan
  variables {
    secrets             = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf" } }
    ssl_root_cert_paths = ["certs/ca.pem"]
  }
  expect_failures = [var.ssl_root_cert_paths]
}

run "rejects_missing_package" {
  command = plan
  variables {
    filename = null
    secrets  = { app = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf" } }
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
