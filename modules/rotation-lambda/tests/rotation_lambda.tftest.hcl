# Tests of the rotation-lambda module. hashicorp/aws is mocked (its schema is served by the
# fakeaws stand-in, so every attribute is checked against the real one); this project's
# provider runs for real against the local emulator, so the rotation schedules are real
# RotateSecret calls that invoke the function registered in the emulator under the name the
# module gives it. Run with `go test ./modules/`, or by hand: start `make emulator`, then
# AWS_ENDPOINT_URL=http://127.0.0.1:4566 terraform test (with the dev overrides of
# modules/README.md).

mock_provider "aws" {
  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }
  override_data {
    target = data.aws_partition.current
    values = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  override_data {
    target = data.aws_region.current
    values = { region = "us-east-1" }
  }
  # The emulator invokes a function only if it knows its ARN: the Go test registers this one.
  override_resource {
    target = aws_lambda_function.this
    values = { arn = "arn:aws:lambda:us-east-1:123456789012:function:modtest-rotation-lambda" }
  }
}

# Fake static credentials: these tests can never touch a real account. The endpoint comes
# from AWS_ENDPOINT_URL (the emulator).
provider "secretsmanager" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"
}

variables {
  name     = "modtest-rotation-lambda"
  filename = "../testdata/rotator.zip"
}

run "setup" {
  module {
    source = "./tests/setup"
  }
  variables {
    prefix = "modtest/rotation-lambda"
  }
}

run "rotates_listed_secrets" {
  variables {
    secrets = {
      app    = { arn = run.setup.app_secret_arn, kms_key_arn = run.setup.key_arn }
      report = { arn = run.setup.report_secret_arn, automatically_after_days = 7, rotate_immediately = false }
    }
    master_secrets = [{ arn = run.setup.master_secret_arn }]
  }

  # The role policy: every statement scoped, "*" only for GetRandomPassword.
  assert {
    condition = alltrue([for s in jsondecode(aws_iam_role_policy.this.policy).Statement :
    !contains(s.Resource, "*") || s.Action == ["secretsmanager:GetRandomPassword"]])
    error_message = "Only secretsmanager:GetRandomPassword may be granted on \"*\": ${aws_iam_role_policy.this.policy}"
  }
  assert {
    condition = alltrue([for s in jsondecode(aws_iam_role_policy.this.policy).Statement :
    length(s.Resource) > 0 && alltrue([for a in s.Action : !endswith(a, "*")]) && s.Effect == "Allow"])
    error_message = "Every statement must allow named actions on at least one resource."
  }
  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Sid] == [
    "RotateSecrets", "ReadMasterSecrets", "GenerateRandomPasswords", "UseKeysOfRotatedSecrets", "WriteLogs"]
    error_message = "Unexpected statements: ${aws_iam_role_policy.this.policy}"
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "RotateSecrets"]) == {
      Sid      = "RotateSecrets"
      Effect   = "Allow"
      Action   = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"]
      Resource = [var.secrets["app"].arn, var.secrets["report"].arn]
      Condition = { StringEquals = {
        "secretsmanager:resource/AllowRotationLambdaArn" = "arn:aws:lambda:us-east-1:123456789012:function:modtest-rotation-lambda"
      } }
    }
    error_message = "The rotation calls must be granted on the rotated secrets only, while they name this function as their rotation function."
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "ReadMasterSecrets"]) == {
      Sid      = "ReadMasterSecrets"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = [var.master_secrets[0].arn]
      Condition = { StringNotEquals = {
        "secretsmanager:resource/AllowRotationLambdaArn" = "arn:aws:lambda:us-east-1:123456789012:function:modtest-rotation-lambda"
      } }
    }
    error_message = "Master secrets must be readable, never writable, and never while this function rotates them."
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "UseKeysOfRotatedSecrets"]) == {
      Sid      = "UseKeysOfRotatedSecrets"
      Effect   = "Allow"
      Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
      Resource = [var.secrets["app"].kms_key_arn]
      Condition = { StringEquals = {
        "kms:ViaService"                  = "secretsmanager.us-east-1.amazonaws.com"
        "kms:EncryptionContext:SecretARN" = [var.secrets["app"].arn]
      } }
    }
    error_message = "The key must be usable only through Secrets Manager and only for the secret it encrypts."
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "WriteLogs"]) == [
    "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/modtest-rotation-lambda:*"]
    error_message = "Logs must be writable only to the function's own log group."
  }
  assert {
    condition     = !strcontains(aws_iam_role_policy.this.policy, "ec2:") && !strcontains(aws_iam_role_policy.this.policy, "rds:")
    error_message = "Outside a VPC and without RDS-managed masters the role needs no EC2 or RDS permission."
  }
  assert {
    condition = jsondecode(aws_iam_role.this.assume_role_policy).Statement == [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
    error_message = "Only Lambda may assume the role."
  }

  # The invoke permission: Secrets Manager, this account, one secret per permission.
  assert {
    condition = alltrue([for k, p in aws_lambda_permission.secretsmanager :
      p.principal == "secretsmanager.amazonaws.com" && p.action == "lambda:InvokeFunction" &&
    p.source_account == "123456789012" && p.function_name == "modtest-rotation-lambda"])
    error_message = "Only secretsmanager.amazonaws.com from this account may invoke the function."
  }
  assert {
    condition = { for k, p in aws_lambda_permission.secretsmanager : k => p.source_arn } == {
      app    = var.secrets["app"].arn
      report = var.secrets["report"].arn
    }
    error_message = "Each permission must be limited to one rotated secret's ARN."
  }

  # The schedules, as the emulator accepted them.
  assert {
    condition     = secretsmanager_secret_rotation.this["app"].rotation_lambda_arn == "arn:aws:lambda:us-east-1:123456789012:function:modtest-rotation-lambda"
    error_message = "The schedule must name the module's function."
  }
  assert {
    condition     = secretsmanager_secret_rotation.this["app"].secret_id == var.secrets["app"].arn && secretsmanager_secret_rotation.this["app"].rotation_enabled
    error_message = "Rotation of the app secret must be on."
  }
  assert {
    condition = (secretsmanager_secret_rotation.this["app"].rotation_rules[0].schedule_expression == "rate(30 days)" &&
    secretsmanager_secret_rotation.this["app"].rotation_rules[0].automatically_after_days == null)
    error_message = "The app secret must get the default schedule."
  }
  assert {
    condition = (secretsmanager_secret_rotation.this["report"].rotation_rules[0].automatically_after_days == 7 &&
      secretsmanager_secret_rotation.this["report"].rotation_rules[0].schedule_expression == null &&
    !secretsmanager_secret_rotation.this["report"].rotate_immediately)
    error_message = "The report secret's own schedule must win over the defaults."
  }
  assert {
    condition     = output.rotations["app"].rotation_enabled && output.rotations["report"].secret_arn == var.secrets["report"].arn
    error_message = "The rotations output must report both schedules."
  }

  # The function, its logs and its alarm.
  assert {
    condition = (aws_lambda_function.this.runtime == "provided.al2023" && aws_lambda_function.this.handler == "bootstrap" &&
    aws_lambda_function.this.architectures == tolist(["arm64"]) && aws_lambda_function.this.role == aws_iam_role.this.arn)
    error_message = "The function must run the bootstrap on provided.al2023, arm64 by default, with its own role."
  }
  assert {
    condition     = aws_lambda_function.this.source_code_hash == filebase64sha256("../testdata/rotator.zip") && aws_lambda_function.this.s3_bucket == null
    error_message = "The package must come from filename, hashed so that a new build updates the function."
  }
  assert {
    condition     = length(aws_lambda_function.this.vpc_config) == 0 && length(aws_lambda_function.this.environment) == 0
    error_message = "No VPC and no environment unless asked for."
  }
  assert {
    condition = (aws_lambda_function.this.logging_config[0].log_format == "JSON" &&
      aws_lambda_function.this.logging_config[0].log_group == "/aws/lambda/modtest-rotation-lambda" &&
    aws_lambda_function.this.logging_config[0].application_log_level == "INFO")
    error_message = "The function must log JSON to its log group."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/modtest-rotation-lambda" && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "The log group must keep logs 30 days by default."
  }
  assert {
    condition = (aws_cloudwatch_metric_alarm.errors[0].namespace == "AWS/Lambda" && aws_cloudwatch_metric_alarm.errors[0].metric_name == "Errors" &&
      aws_cloudwatch_metric_alarm.errors[0].dimensions == tomap({ FunctionName = "modtest-rotation-lambda" }) &&
      aws_cloudwatch_metric_alarm.errors[0].statistic == "Sum" && aws_cloudwatch_metric_alarm.errors[0].threshold == 0 &&
    aws_cloudwatch_metric_alarm.errors[0].comparison_operator == "GreaterThanThreshold")
    error_message = "The alarm must fire on any failed invocation of the function."
  }
  assert {
    condition     = length(aws_security_group.this) == 0 && output.security_group_id == null
    error_message = "No security group outside a VPC."
  }
}

run "in_a_vpc_with_rds_managed_master" {
  variables {
    secrets = {
      app    = { arn = run.setup.app_secret_arn, kms_key_arn = run.setup.key_arn }
      report = { arn = run.setup.report_secret_arn, automatically_after_days = 7, rotate_immediately = false }
    }
    master_secrets = [{
      arn         = run.setup.master_secret_arn
      kms_key_arn = run.setup.key_arn
      rds_db_arn  = "arn:aws:rds:us-east-1:123456789012:db:orders"
    }]
    vpc_config = {
      subnet_ids = ["subnet-0a", "subnet-0b"]
      vpc_id     = "vpc-01"
    }
    default_egress_ports = [443, 5432]
  }

  assert {
    condition = alltrue([for s in jsondecode(aws_iam_role_policy.this.policy).Statement :
      !contains(s.Resource, "*") || s.Action == ["secretsmanager:GetRandomPassword"] ||
    s.Action == ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]])
    error_message = "In a VPC, only GetRandomPassword and the EC2 Describe calls (which IAM cannot scope) may be granted on \"*\"."
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "CreateNetworkInterfacesInTheFunctionSubnets"]) == [
      "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
      "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0a",
      "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0b",
      "arn:aws:ec2:us-east-1:123456789012:security-group/${aws_security_group.this[0].id}",
    ]
    error_message = "Network interfaces may be created only in the function's subnets and security group."
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "ManageTheFunctionNetworkInterfaces"]).Resource == [
    "arn:aws:ec2:us-east-1:123456789012:network-interface/*"]
    error_message = "Network interface changes must be limited to this account and region."
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "FindRDSManagedMasterEndpoints"]) == {
      Sid      = "FindRDSManagedMasterEndpoints"
      Effect   = "Allow"
      Action   = ["rds:DescribeDBInstances", "rds:DescribeDBClusters"]
      Resource = ["arn:aws:rds:us-east-1:123456789012:db:orders"]
    }
    error_message = "RDS may be described only for the listed database."
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "ReadTagsOfRDSManagedMasterSecrets"]) == {
      Sid      = "ReadTagsOfRDSManagedMasterSecrets"
      Effect   = "Allow"
      Action   = ["secretsmanager:DescribeSecret"]
      Resource = [var.master_secrets[0].arn]
    }
    error_message = "The tags of the RDS-managed master secret must be readable."
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "DecryptMasterSecrets"]) == {
      Sid      = "DecryptMasterSecrets"
      Effect   = "Allow"
      Action   = ["kms:Decrypt"]
      Resource = [var.master_secrets[0].kms_key_arn]
      Condition = { StringEquals = {
        "kms:ViaService"                  = "secretsmanager.us-east-1.amazonaws.com"
        "kms:EncryptionContext:SecretARN" = [var.master_secrets[0].arn]
      } }
    }
    error_message = "The master secret's key must be usable to decrypt it only."
  }
  assert {
    condition = (aws_lambda_function.this.vpc_config[0].subnet_ids == toset(["subnet-0a", "subnet-0b"]) &&
    aws_lambda_function.this.vpc_config[0].security_group_ids == toset([aws_security_group.this[0].id]))
    error_message = "The function must run in the given subnets with the created security group."
  }
  assert {
    condition     = aws_security_group.this[0].vpc_id == "vpc-01" && output.security_group_id == aws_security_group.this[0].id
    error_message = "The security group must be created in the given VPC."
  }
  assert {
    condition = { for k, r in aws_vpc_security_group_egress_rule.this : r.from_port => [r.to_port, r.ip_protocol, r.cidr_ipv4] } == {
      "443"  = [443, "tcp", "0.0.0.0/0"]
      "5432" = [5432, "tcp", "0.0.0.0/0"]
    }
    error_message = "The default egress must be HTTPS plus the rotator's port, nothing else."
  }
}

run "existing_security_group_s3_package_x86_64" {
  command = plan

  variables {
    filename          = null
    s3_bucket         = "artifacts"
    s3_key            = "rotators/v1/apikey-x86_64.zip"
    s3_object_version = "3"
    architecture      = "x86_64"
    secrets = {
      api = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:modtest/rotation-lambda/not-created-AbCdEf" }
    }
    allow_get_random_password = false
    create_alarm              = false
    secrets_manager_endpoint  = "https://vpce-0abc-secretsmanager.us-east-1.vpce.amazonaws.com"
    log_retention_in_days     = 365
    log_level                 = "DEBUG"
    vpc_config = {
      subnet_ids            = ["subnet-0c"]
      create_security_group = false
      security_group_ids    = ["sg-0123"]
    }
  }

  assert {
    condition = (aws_lambda_function.this.architectures == tolist(["x86_64"]) && aws_lambda_function.this.s3_bucket == "artifacts" &&
    aws_lambda_function.this.s3_key == "rotators/v1/apikey-x86_64.zip" && aws_lambda_function.this.filename == null)
    error_message = "The package must come from S3 when given so."
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables == tomap({ SECRETS_MANAGER_ENDPOINT = "https://vpce-0abc-secretsmanager.us-east-1.vpce.amazonaws.com" })
    error_message = "secrets_manager_endpoint must reach the rotator as SECRETS_MANAGER_ENDPOINT."
  }
  assert {
    condition     = !strcontains(aws_iam_role_policy.this.policy, "GetRandomPassword")
    error_message = "GetRandomPassword must not be granted when not needed."
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "CreateNetworkInterfacesInTheFunctionSubnets"]) == [
      "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
      "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0c",
      "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123",
    ]
    error_message = "With an existing security group, network interfaces may use only it."
  }
  assert {
    condition = alltrue([for s in jsondecode(aws_iam_role_policy.this.policy).Statement :
    !contains(s.Resource, "*") || s.Action == ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]])
    error_message = "Without GetRandomPassword only the EC2 Describe calls may be granted on \"*\"."
  }
  assert {
    condition     = length(aws_security_group.this) == 0 && length(aws_vpc_security_group_egress_rule.this) == 0
    error_message = "No security group is created when create_security_group is false."
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.errors) == 0 && output.alarm_arn == null
    error_message = "No alarm when create_alarm is false."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.retention_in_days == 365 && aws_lambda_function.this.logging_config[0].application_log_level == "DEBUG"
    error_message = "Log retention and level must follow the variables."
  }
}

run "warns_when_package_and_architecture_disagree" {
  command = plan
  variables {
    filename         = "dist/postgres.zip"
    source_code_hash = "not-read-in-this-test"
    architecture     = "x86_64"
    secrets          = { db = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf" } }
  }
  expect_failures = [check.package_matches_architecture]
}

# Bad inputs fail at plan with the variable's own message.

run "rejects_no_package" {
  command = plan
  variables {
    filename = null
    secrets  = { db = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf" } }
  }
  expect_failures = [var.filename]
}

run "rejects_two_packages" {
  command = plan
  variables {
    s3_bucket = "artifacts"
    s3_key    = "postgres.zip"
    secrets   = { db = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf" } }
  }
  expect_failures = [var.filename]
}

run "rejects_s3_bucket_without_key" {
  command = plan
  variables {
    filename  = null
    s3_bucket = "artifacts"
    secrets   = { db = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf" } }
  }
  expect_failures = [var.s3_key]
}

run "rejects_unknown_architecture" {
  command = plan
  variables {
    architecture = "aarch64"
    secrets      = { db = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf" } }
  }
  expect_failures = [var.architecture]
}

run "rejects_no_secrets" {
  command = plan
  variables {
    secrets = {}
  }
  expect_failures = [var.secrets]
}

run "rejects_secret_name_instead_of_arn" {
  command = plan
  variables {
    secrets = { db = { arn = "prod/app/db" } }
  }
  expect_failures = [var.secrets]
}

run "rejects_kms_alias" {
  command = plan
  variables {
    secrets = { db = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf", kms_key_arn = "alias/secrets" } }
  }
  expect_failures = [var.secrets]
}

run "rejects_two_schedules" {
  command = plan
  variables {
    secrets = { db = {
      arn                      = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
      schedule_expression      = "rate(10 days)"
      automatically_after_days = 10
    } }
  }
  expect_failures = [var.secrets]
}

run "rejects_bad_schedule" {
  command = plan
  variables {
    schedule_expression = "every 30 days"
    secrets             = { db = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf" } }
  }
  expect_failures = [var.schedule_expression]
}

run "rejects_bad_key_of_secrets" {
  command = plan
  variables {
    secrets = { "prod/db" = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf" } }
  }
  expect_failures = [var.secrets]
}

run "rejects_log_retention_cloudwatch_refuses" {
  command = plan
  variables {
    log_retention_in_days = 10
    secrets               = { db = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf" } }
  }
  expect_failures = [var.log_retention_in_days]
}

run "rejects_vpc_without_vpc_id" {
  command = plan
  variables {
    vpc_config = { subnet_ids = ["subnet-0a"] }
    secrets    = { db = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf" } }
  }
  expect_failures = [var.vpc_config]
}

run "rejects_egress_without_destination" {
  command = plan
  variables {
    vpc_config = {
      subnet_ids = ["subnet-0a"]
      vpc_id     = "vpc-01"
      egress     = [{ description = "nowhere", from_port = 443, to_port = 443 }]
    }
    secrets = { db = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf" } }
  }
  expect_failures = [var.vpc_config]
}

run "rejects_reserved_environment_variable" {
  command = plan
  variables {
    environment_variables = { AWS_REGION = "eu-west-1" }
    secrets               = { db = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf" } }
  }
  expect_failures = [var.environment_variables]
}

run "rejects_rds_arn_that_is_not_a_database" {
  command = plan
  variables {
    master_secrets = [{
      arn        = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0123-AbCdEf"
      rds_db_arn = "arn:aws:rds:us-east-1:123456789012:snapshot:nightly"
    }]
    secrets = { db = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf" } }
  }
  expect_failures = [var.master_secrets]
}

run "rejects_master_secret_that_is_also_rotated" {
  command = plan
  variables {
    master_secrets = [{ arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dba-AbCdEf" }]
    secrets = {
      db  = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf" }
      dba = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dba-AbCdEf" }
    }
  }
  expect_failures = [var.master_secrets]
}
