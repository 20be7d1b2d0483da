# A Secrets Manager rotation function for any rotator of this project: the Lambda function,
# an execution role that can touch only the secrets it rotates, the permission that lets
# Secrets Manager (and only for those secrets) invoke it, its logs, an alarm on failed steps,
# optionally its network, and the rotation schedule of each secret.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.region

  role_name      = coalesce(var.role_name, var.name)
  log_group_name = "/aws/lambda/${var.name}"
  # Built rather than read from the log group, so that the role policy is known at plan
  # time: reviewers (and the tests) see exactly what the role may do before it exists.
  log_group_arn = "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${local.log_group_name}"

  in_vpc = var.vpc_config != null

  # Built rather than read from the function, for the same reason as log_group_arn.
  function_arn = "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${var.name}"

  rotated_arns = distinct([for s in values(var.secrets) : s.arn])
  master_arns  = distinct([for s in var.master_secrets : s.arn])
  rotated_keys = distinct(compact([for s in values(var.secrets) : s.kms_key_arn]))
  master_keys  = distinct(compact([for s in var.master_secrets : s.kms_key_arn]))
  # The secrets encrypted with those keys.
  rotated_arns_with_keys = distinct([for s in values(var.secrets) : s.arn if s.kms_key_arn != null])
  master_arns_with_keys  = distinct([for s in var.master_secrets : s.arn if s.kms_key_arn != null])
  # RDS-managed master secrets: their tags name the database whose endpoint the rotator
  # looks up.
  rds_managed_master_arns = distinct([for s in var.master_secrets : s.arn if s.rds_db_arn != null])
  rds_db_arns             = distinct(compact([for s in var.master_secrets : s.rds_db_arn]))

  # Secrets Manager calls KMS on the function's behalf, with the secret's ARN in the
  # encryption context: these conditions let the role use a key only through Secrets Manager
  # in this region, and only for the secrets listed, even when the key encrypts other secrets.
  via_secrets_manager = "secretsmanager.${local.region}.amazonaws.com"

  sm_statements = concat(
    [{
      Sid    = "RotateSecrets"
      Effect = "Allow"
      # The four calls of the rotation protocol, on the rotated secrets only.
      Action = [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
      ]
      Resource = local.rotated_arns
      # Only while the secret names this function as its rotation function: a secret whose
      # rotation moved to another function (or that was listed by mistake) is out of reach.
      Condition = {
        StringEquals = { "secretsmanager:resource/AllowRotationLambdaArn" = local.function_arn }
      }
    }],
    length(local.master_arns) == 0 ? [] : [{
      Sid    = "ReadMasterSecrets"
      Effect = "Allow"
      # Read-only: alternating-users rotation logs in with the master secret. Never a master
      # that this function rotates (the key is absent on a secret without rotation, which
      # StringNotEquals lets through).
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = local.master_arns
      Condition = {
        StringNotEquals = { "secretsmanager:resource/AllowRotationLambdaArn" = local.function_arn }
      }
    }],
    length(local.rds_managed_master_arns) == 0 ? [] : [{
      Sid    = "ReadTagsOfRDSManagedMasterSecrets"
      Effect = "Allow"
      # The tags of an RDS-managed master secret name its database.
      Action   = ["secretsmanager:DescribeSecret"]
      Resource = local.rds_managed_master_arns
    }],
    !var.allow_get_random_password ? [] : [{
      Sid    = "GenerateRandomPasswords"
      Effect = "Allow"
      # GetRandomPassword reads and writes no resource, so IAM only accepts "*" for it.
      Action   = ["secretsmanager:GetRandomPassword"]
      Resource = ["*"]
    }],
  )

  kms_statements = concat(
    length(local.rotated_keys) == 0 ? [] : [{
      Sid      = "UseKeysOfRotatedSecrets"
      Effect   = "Allow"
      Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
      Resource = local.rotated_keys
      Condition = {
        StringEquals = {
          "kms:ViaService"                  = local.via_secrets_manager
          "kms:EncryptionContext:SecretARN" = local.rotated_arns_with_keys
        }
      }
    }],
    length(local.master_keys) == 0 ? [] : [{
      Sid      = "DecryptMasterSecrets"
      Effect   = "Allow"
      Action   = ["kms:Decrypt"]
      Resource = local.master_keys
      Condition = {
        StringEquals = {
          "kms:ViaService"                  = local.via_secrets_manager
          "kms:EncryptionContext:SecretARN" = local.master_arns_with_keys
        }
      }
    }],
  )

  log_statements = [{
    Sid    = "WriteLogs"
    Effect = "Allow"
    # The log group is created here, so the function needs no logs:CreateLogGroup.
    Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    Resource = ["${local.log_group_arn}:*"]
  }]

  rds_statements = length(local.rds_db_arns) == 0 ? [] : [{
    Sid    = "FindRDSManagedMasterEndpoints"
    Effect = "Allow"
    # The rotator calls these with the instance or cluster ARN of the master secret's
    # aws:rds:primarydb* tag, so the permission can name those ARNs.
    Action   = ["rds:DescribeDBInstances", "rds:DescribeDBClusters"]
    Resource = local.rds_db_arns
  }]

  security_group_ids = !local.in_vpc ? [] : concat(
    aws_security_group.this[*].id,
    var.vpc_config.security_group_ids,
  )

  eni_arn = "arn:${local.partition}:ec2:${local.region}:${local.account}:network-interface/*"

  # What Lambda needs to attach the function to the VPC, scoped to this account and region,
  # the given subnets and the function's security groups. Only when vpc_config is set.
  vpc_statements = !local.in_vpc ? [] : [
    {
      Sid    = "CreateNetworkInterfacesInTheFunctionSubnets"
      Effect = "Allow"
      Action = ["ec2:CreateNetworkInterface"]
      Resource = concat(
        [local.eni_arn],
        [for id in var.vpc_config.subnet_ids : "arn:${local.partition}:ec2:${local.region}:${local.account}:subnet/${id}"],
        [for id in local.security_group_ids : "arn:${local.partition}:ec2:${local.region}:${local.account}:security-group/${id}"],
      )
    },
    {
      Sid      = "ManageTheFunctionNetworkInterfaces"
      Effect   = "Allow"
      Action   = ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
      Resource = [local.eni_arn]
    },
    {
      Sid    = "DescribeNetwork"
      Effect = "Allow"
      # IAM has no resource-level permissions for these read-only calls: "*" is the only
      # Resource they accept.
      Action   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
      Resource = ["*"]
    },
  ]

  role_policy = {
    Version   = "2012-10-17"
    Statement = concat(local.sm_statements, local.kms_statements, local.log_statements, local.rds_statements, local.vpc_statements)
  }

  environment = merge(
    var.environment_variables,
    var.secrets_manager_endpoint == null ? {} : { SECRETS_MANAGER_ENDPOINT = var.secrets_manager_endpoint },
  )

  default_egress = [for p in var.default_egress_ports : {
    description                  = p == 443 ? "HTTPS to the AWS APIs" : "Rotated service on port ${p}"
    from_port                    = p
    to_port                      = p
    ip_protocol                  = "tcp"
    cidr_ipv4                    = "0.0.0.0/0"
    cidr_ipv6                    = null
    prefix_list_id               = null
    referenced_security_group_id = null
  }]
  egress = !local.in_vpc ? [] : (var.vpc_config.create_security_group ? coalesce(var.vpc_config.egress, local.default_egress) : [])

  # Only the secrets whose schedule this module declares.
  scheduled = { for k, s in var.secrets : k => s if s.manage_rotation }
}

resource "aws_iam_role" "this" {
  name                 = local.role_name
  path                 = var.role_path
  description          = "Execution role of the rotation function ${var.name}"
  permissions_boundary = var.role_permissions_boundary
  # Only Lambda may assume the role. (No aws:SourceAccount condition: Lambda does not
  # document it for execution roles, and a condition it does not send would make the role
  # impossible to assume.)
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

# An inline policy, not a managed one: it lives and dies with the role and cannot be
# attached to anything else.
resource "aws_iam_role_policy" "this" {
  name   = "rotate-secrets"
  role   = aws_iam_role.this.id
  policy = jsonencode(local.role_policy)
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_security_group" "this" {
  count = local.in_vpc && try(var.vpc_config.create_security_group, false) ? 1 : 0

  name_prefix = "${var.name}-"
  description = "Rotation function ${var.name}: outbound only"
  vpc_id      = var.vpc_config.vpc_id
  tags        = merge(var.tags, { Name = var.name })

  lifecycle {
    # A function's network interfaces keep the group in use for a while; a replacement
    # must exist before the old group goes.
    create_before_destroy = true
  }
}

# No ingress at all: nothing connects to a rotation function.
resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = { for i, r in local.egress : tostring(i) => r }

  security_group_id            = aws_security_group.this[0].id
  description                  = each.value.description
  ip_protocol                  = each.value.ip_protocol
  from_port                    = each.value.from_port
  to_port                      = each.value.to_port
  cidr_ipv4                    = each.value.cidr_ipv4
  cidr_ipv6                    = each.value.cidr_ipv6
  prefix_list_id               = each.value.prefix_list_id
  referenced_security_group_id = each.value.referenced_security_group_id
  tags                         = var.tags
}

resource "aws_lambda_function" "this" {
  function_name = var.name
  description   = var.description
  role          = aws_iam_role.this.arn

  # Go rotators are a single "bootstrap" executable on the OS-only runtime.
  runtime       = "provided.al2023"
  handler       = "bootstrap"
  architectures = [var.architecture]

  filename          = var.filename
  s3_bucket         = var.s3_bucket
  s3_key            = var.s3_key
  s3_object_version = var.s3_object_version
  source_code_hash  = var.source_code_hash != null ? var.source_code_hash : (var.filename != null ? filebase64sha256(var.filename) : null)

  memory_size = var.memory_size
  timeout     = var.timeout
  layers      = var.layers

  dynamic "environment" {
    for_each = length(local.environment) > 0 ? [1] : []
    content {
      variables = local.environment
    }
  }

  # The rotators log JSON lines with a "level" field; in JSON format Lambda filters them by
  # application_log_level (and passes it to the function as AWS_LAMBDA_LOG_LEVEL).
  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = var.log_level
    system_log_level      = "WARN"
  }

  dynamic "vpc_config" {
    for_each = local.in_vpc ? [var.vpc_config] : []
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = local.security_group_ids
    }
  }

  tags = var.tags

  # The policy must be in place before Lambda checks the role's VPC permissions, and must
  # outlive the function on destroy, when Lambda deletes its network interfaces.
  depends_on = [aws_iam_role_policy.this]
}

# Secrets Manager may invoke the function, only from this account and only for the secrets
# listed: one permission per secret, as a permission has a single source ARN.
resource "aws_lambda_permission" "secretsmanager" {
  for_each = var.secrets

  statement_id   = "SecretsManagerRotates-${each.key}"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this.function_name
  principal      = "secretsmanager.amazonaws.com"
  source_account = local.account
  source_arn     = each.value.arn
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  count = var.create_alarm ? 1 : 0

  alarm_name        = "${var.name}-rotation-errors"
  alarm_description = "A rotation step of ${var.name} failed: the secret keeps its current value, and AWSPENDING stays on the failed version until a rotation succeeds. Read the log group ${local.log_group_name}."
  namespace         = "AWS/Lambda"
  metric_name       = "Errors"
  dimensions        = { FunctionName = aws_lambda_function.this.function_name }
  statistic         = "Sum"
  period            = var.alarm_period

  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  # No invocations means no failures: rotations run rarely.
  treat_missing_data = "notBreaching"

  alarm_actions = var.alarm_actions
  ok_actions    = var.ok_actions
  tags          = var.tags
}

resource "secretsmanager_secret_rotation" "this" {
  for_each = local.scheduled

  secret_id           = each.value.arn
  rotation_lambda_arn = aws_lambda_function.this.arn
  rotate_immediately  = each.value.rotate_immediately != null ? each.value.rotate_immediately : var.rotate_immediately

  rotation_rules {
    automatically_after_days = each.value.automatically_after_days
    schedule_expression      = each.value.automatically_after_days != null ? null : coalesce(each.value.schedule_expression, var.schedule_expression)
    duration                 = each.value.duration != null ? each.value.duration : var.rotation_duration
  }

  # Turning rotation on invokes the function at once: it must be allowed to be invoked, to
  # read the secret and to log by then.
  depends_on = [
    aws_lambda_permission.secretsmanager,
    aws_iam_role_policy.this,
    aws_cloudwatch_log_group.this,
  ]
}

# Warn (not fail) when the package plainly does not match the architecture: the function
# would fail at its first rotation with Runtime.InvalidEntrypoint.
check "package_matches_architecture" {
  assert {
    condition = var.filename == null ? true : !(
      (var.architecture == "arm64" && endswith(var.filename, "-x86_64.zip")) ||
      (var.architecture == "x86_64" && contains(["postgres.zip", "mysql.zip", "sshkey.zip", "apikey.zip"], basename(var.filename)))
    )
    error_message = "filename ${var.filename != null ? var.filename : ""} looks like a package for the other architecture: `make package` builds <rotator>.zip for arm64 and <rotator>-x86_64.zip for x86_64, and architecture is ${var.architecture}."
  }
}
