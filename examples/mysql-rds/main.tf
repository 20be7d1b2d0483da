# An RDS for MySQL instance in private subnets whose master password RDS manages, an
# application user whose password lives in Secrets Manager, and the MySQL rotation function
# rotating that user on its own (single user): the user changes its own password, so the
# function needs no master credentials at all.

provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}

provider "secretsmanager" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}

data "aws_vpc" "this" {
  id = var.vpc_id
}

data "aws_subnet" "this" {
  for_each = toset(var.subnet_ids)

  id = each.value
}

locals {
  azs = sort(distinct([for s in data.aws_subnet.this : s.availability_zone]))
  # An interface endpoint takes one subnet per availability zone.
  endpoint_subnet_ids = [for az in local.azs : sort([for s in data.aws_subnet.this : s.id if s.availability_zone == az])[0]]

  # What the function may reach: the database on 3306, and Secrets Manager on 443 (the VPC
  # endpoint inside the VPC, or anything through a NAT gateway). Single-user rotation needs
  # no other AWS API.
  rotation_egress = [
    {
      description = var.create_vpc_endpoints ? "HTTPS to the Secrets Manager endpoint" : "HTTPS to Secrets Manager through the NAT gateway"
      from_port   = 443
      to_port     = 443
      cidr_ipv4   = var.create_vpc_endpoints ? data.aws_vpc.this.cidr_block : "0.0.0.0/0"
    },
    {
      description                  = "MySQL"
      from_port                    = 3306
      to_port                      = 3306
      referenced_security_group_id = aws_security_group.db.id
    },
  ]
}

# ---------------------------------------------------------------------------------------
# Network: who may reach the database and the endpoint

resource "aws_security_group" "db" {
  name_prefix = "${var.name}-db-"
  description = "MySQL ${var.name}: the rotation function and the listed clients on 3306"
  vpc_id      = var.vpc_id
  tags        = { Name = "${var.name}-db" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "db_from_rotation" {
  security_group_id            = aws_security_group.db.id
  description                  = "MySQL from the rotation function"
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
  referenced_security_group_id = module.rotation.security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "db_from_clients" {
  for_each = toset(var.client_security_group_ids)

  security_group_id            = aws_security_group.db.id
  description                  = "MySQL from ${each.value}"
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
  referenced_security_group_id = each.value
}

resource "aws_vpc_security_group_ingress_rule" "db_from_cidrs" {
  for_each = toset(var.client_cidr_blocks)

  security_group_id = aws_security_group.db.id
  description       = "MySQL from ${each.value}"
  ip_protocol       = "tcp"
  from_port         = 3306
  to_port           = 3306
  cidr_ipv4         = each.value
}

resource "aws_security_group" "endpoint" {
  count = var.create_vpc_endpoints ? 1 : 0

  name_prefix = "${var.name}-secretsmanager-"
  description = "Secrets Manager endpoint of ${var.name}: HTTPS from the VPC"
  vpc_id      = var.vpc_id
  tags        = { Name = "${var.name}-secretsmanager" }

  lifecycle {
    create_before_destroy = true
  }
}

# From the whole VPC, not only from the function: with private DNS, every client in the VPC
# that calls Secrets Manager goes through this endpoint.
resource "aws_vpc_security_group_ingress_rule" "endpoint_https" {
  count = var.create_vpc_endpoints ? 1 : 0

  security_group_id = aws_security_group.endpoint[0].id
  description       = "HTTPS from the VPC"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = data.aws_vpc.this.cidr_block
}

resource "aws_vpc_endpoint" "secretsmanager" {
  count = var.create_vpc_endpoints ? 1 : 0

  vpc_id              = var.vpc_id
  service_name        = "com.amazonaws.${var.region}.secretsmanager"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = local.endpoint_subnet_ids
  security_group_ids  = [aws_security_group.endpoint[0].id]
  tags                = { Name = "${var.name}-secretsmanager" }

  lifecycle {
    precondition {
      condition     = data.aws_vpc.this.enable_dns_support && data.aws_vpc.this.enable_dns_hostnames
      error_message = "The VPC ${var.vpc_id} needs DNS resolution and DNS hostnames turned on for the endpoint's private DNS name. Turn both on, or set create_vpc_endpoints = false and give the subnets a NAT gateway."
    }
  }
}

# ---------------------------------------------------------------------------------------
# The database

resource "aws_db_subnet_group" "this" {
  name_prefix = "${var.name}-"
  description = "Private subnets of ${var.name}"
  subnet_ids  = var.subnet_ids

  lifecycle {
    precondition {
      condition     = alltrue([for s in data.aws_subnet.this : s.vpc_id == var.vpc_id])
      error_message = "Every subnet in subnet_ids must belong to vpc_id ${var.vpc_id}."
    }
    precondition {
      condition     = length(local.azs) >= 2
      error_message = "subnet_ids must cover at least two availability zones (RDS requires it); they cover ${join(", ", local.azs)}."
    }
  }
}

# One key for the secrets of this database: the application user's, and the master secret
# RDS manages. The rotation function may use it only through Secrets Manager, for the
# application user's secret.
resource "secretsmanager_kms_key" "db" {
  description             = "Encrypts the secrets of the MySQL instance ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = 7
}

resource "secretsmanager_kms_alias" "db" {
  name          = "alias/${var.name}-secrets"
  target_key_id = secretsmanager_kms_key.db.key_id
}

resource "aws_db_instance" "this" {
  identifier     = var.name
  engine         = "mysql"
  engine_version = var.engine_version
  instance_class = var.instance_class

  allocated_storage = var.allocated_storage
  storage_type      = "gp3"
  storage_encrypted = true

  db_name  = var.db_name
  username = var.master_username
  # RDS generates the master password, keeps it in a secret of its own (rds!db-…) encrypted
  # with our key, and rotates it every 7 days. Terraform never sees it.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = secretsmanager_kms_key.db.arn

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.db.id]
  publicly_accessible    = false
  port                   = 3306
  multi_az               = var.multi_az

  auto_minor_version_upgrade  = true
  allow_major_version_upgrade = false

  backup_retention_period   = var.backup_retention_period
  copy_tags_to_snapshot     = true
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = "${var.name}-final"
}

# ---------------------------------------------------------------------------------------
# The application user's secret

# The first password: generated at apply, written write-only, never in the plan or the state.
# Without the characters the MySQL rotator leaves out by default, so that it can be pasted
# into SQL.
ephemeral "secretsmanager_random_password" "app" {
  password_length    = 32
  exclude_characters = "/@\"'\\"
}

module "app_secret" {
  source = "../../modules/secret"

  name                    = "${var.name}/${var.app_username}"
  description             = "MySQL user ${var.app_username} of ${var.name}, rotated as a single user"
  kms_key_id              = secretsmanager_kms_key.db.arn
  recovery_window_in_days = var.secret_recovery_window_in_days

  # The AWS rotation samples' JSON. No masterarn: the user changes its own password.
  secret_string_wo = jsonencode({
    engine   = "mysql"
    host     = aws_db_instance.this.address
    port     = aws_db_instance.this.port
    dbname   = var.db_name
    username = var.app_username
    password = ephemeral.secretsmanager_random_password.app.random_password
    ssl      = true
  })
  secret_string_wo_version = var.app_password_version
}

# ---------------------------------------------------------------------------------------
# The rotation function

module "rotation" {
  source = "../../modules/mysql-rotation"

  name         = "${var.name}-rotator"
  description  = "Rotates the MySQL users of ${var.name} (single user)"
  filename     = var.package_path
  architecture = var.architecture

  rotation_strategy = "single"

  secrets = {
    # The schedule is declared below, once the network lets the function in.
    app = {
      arn             = module.app_secret.arn
      kms_key_arn     = secretsmanager_kms_key.db.arn
      manage_rotation = false
    }
  }

  vpc_config = {
    subnet_ids = var.subnet_ids
    vpc_id     = var.vpc_id
    egress     = local.rotation_egress
  }

  alarm_actions = var.alarm_actions
}

# Turning rotation on rotates at once: the function must reach the database and Secrets
# Manager by then, and the user must exist in the database (enable_rotation).
resource "secretsmanager_secret_rotation" "app" {
  count = var.enable_rotation ? 1 : 0

  secret_id           = module.app_secret.arn
  rotation_lambda_arn = module.rotation.function_arn
  rotate_immediately  = true

  rotation_rules {
    schedule_expression = var.rotation_schedule
    duration            = var.rotation_window
  }

  depends_on = [
    module.app_secret,
    aws_vpc_security_group_ingress_rule.db_from_rotation,
    aws_vpc_security_group_ingress_rule.endpoint_https,
    aws_vpc_endpoint.secretsmanager,
  ]
}
