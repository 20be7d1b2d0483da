# EC2 hosts whose `deploy` user logs in with an SSH key kept in Secrets Manager, and the SSH
# key rotator replacing that key on every host, in alternating mode: the rotation function
# logs in as a dedicated `keyrotator` account (its key in a master secret) that may run only
# the SFTP server as root, and edits the user's authorized_keys. So a host whose copy of the
# user's key is stale, or a new host, is brought up to date by the next rotation.

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

  # The rotation function runs in these ranges: the only ones the master key may log in from.
  function_cidrs = sort([for s in data.aws_subnet.this : s.cidr_block])

  hosts = concat([for i in aws_instance.host : i.private_ip], var.extra_hosts)
  # How known_hosts names each host: `host` on port 22, `[host]:port` on another.
  known_hosts_names = [for h in local.hosts :
    startswith(h, "[") || length(split(":", h)) != 2 ? h : (split(":", h)[1] == "22" ? split(":", h)[0] : "[${split(":", h)[0]}]:${split(":", h)[1]}")
  ]

  # The secrets are written, and rotation turned on, once the hosts' keys are known.
  configured = var.known_hosts != null

  # cloud-init on the created instances: the user with its first key; the key rotator's
  # account, whose key works only from the function's subnets and only without a terminal or
  # forwarding, and which may run exactly the SFTP server as root (to write the user's
  # authorized_keys with the user's ownership).
  user_data = var.instance_count == 0 ? null : "#cloud-config\n${yamlencode({
    users = [
      "default",
      {
        name                = var.username
        shell               = "/bin/bash"
        lock_passwd         = true
        ssh_authorized_keys = [trimspace(coalesce(var.user_public_key, "-"))]
      },
      {
        name                = var.master_username
        shell               = "/bin/bash"
        lock_passwd         = true
        ssh_authorized_keys = ["from=\"${join(",", local.function_cidrs)}\",no-agent-forwarding,no-port-forwarding,no-X11-forwarding,no-pty ${trimspace(coalesce(var.master_public_key, "-"))}"]
      },
    ]
    write_files = [{
      path        = "/etc/sudoers.d/${var.master_username}"
      owner       = "root:root"
      permissions = "0440"
      content     = "${var.master_username} ALL=(root) NOPASSWD: ${var.sftp_server_path}\n"
    }]
  })}"

  # What the function may reach: the hosts on 22, and Secrets Manager on 443 (the VPC
  # endpoint inside the VPC, or anything through a NAT gateway).
  rotation_egress = concat(
    [
      {
        description = var.create_vpc_endpoints ? "HTTPS to the Secrets Manager endpoint" : "HTTPS to Secrets Manager through the NAT gateway"
        from_port   = 443
        to_port     = 443
        cidr_ipv4   = var.create_vpc_endpoints ? data.aws_vpc.this.cidr_block : "0.0.0.0/0"
      },
      {
        description                  = "SSH to the created hosts"
        from_port                    = 22
        to_port                      = 22
        referenced_security_group_id = aws_security_group.hosts.id
      },
    ],
    [for c in var.extra_host_cidr_blocks : {
      description = "SSH to the extra hosts in ${c}"
      from_port   = 22
      to_port     = 22
      cidr_ipv4   = c
    }],
  )
}

# ---------------------------------------------------------------------------------------
# Network

resource "aws_security_group" "hosts" {
  name_prefix = "${var.name}-hosts-"
  description = "Hosts of ${var.name}: SSH from the key rotation function and the listed clients"
  vpc_id      = var.vpc_id
  tags        = { Name = "${var.name}-hosts" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "hosts_from_rotation" {
  security_group_id            = aws_security_group.hosts.id
  description                  = "SSH from the key rotation function"
  ip_protocol                  = "tcp"
  from_port                    = 22
  to_port                      = 22
  referenced_security_group_id = module.rotation.security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "hosts_from_clients" {
  for_each = toset(var.ssh_client_security_group_ids)

  security_group_id            = aws_security_group.hosts.id
  description                  = "SSH from ${each.value}"
  ip_protocol                  = "tcp"
  from_port                    = 22
  to_port                      = 22
  referenced_security_group_id = each.value
}

# Package updates and the like, as EC2's default security group allows.
resource "aws_vpc_security_group_egress_rule" "hosts_all" {
  security_group_id = aws_security_group.hosts.id
  description       = "Everything outbound"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
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
# The hosts

resource "aws_instance" "host" {
  count = var.instance_count

  ami                    = var.ami_id
  instance_type          = var.instance_type
  subnet_id              = var.subnet_ids[count.index % length(var.subnet_ids)]
  vpc_security_group_ids = [aws_security_group.hosts.id]
  user_data              = local.user_data

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }

  root_block_device {
    encrypted   = true
    volume_type = "gp3"
  }

  tags = { Name = "${var.name}-${count.index + 1}" }

  lifecycle {
    precondition {
      condition     = alltrue([for s in data.aws_subnet.this : s.vpc_id == var.vpc_id])
      error_message = "Every subnet in subnet_ids must belong to vpc_id ${var.vpc_id}."
    }
    # cloud-init reads user_data at the first boot only, and from then on the rotator owns
    # the user's authorized_keys: a change (say, of a public key) must not restart the hosts.
    # Nor may a newer AMI replace them: new instances have new host keys, which known_hosts
    # would not match.
    ignore_changes = [user_data, ami]
  }
}

# ---------------------------------------------------------------------------------------
# The secrets

# One key for both secrets; the rotation function may use it only through Secrets Manager,
# for these two.
resource "secretsmanager_kms_key" "ssh" {
  description             = "Encrypts the SSH key secrets of ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = 7
}

resource "secretsmanager_kms_alias" "ssh" {
  name          = "alias/${var.name}-ssh-keys"
  target_key_id = secretsmanager_kms_key.ssh.key_id
}

# The key rotator's key: only read by the function, never rotated by it.
module "master_key_secret" {
  source = "../../modules/secret"

  name                    = "${var.name}/ssh/${var.master_username}"
  description             = "SSH key of ${var.master_username}, which edits ${var.username}'s authorized_keys on the hosts of ${var.name}"
  kms_key_id              = secretsmanager_kms_key.ssh.arn
  recovery_window_in_days = var.secret_recovery_window_in_days

  secret_string_wo = local.configured ? jsonencode({
    username     = var.master_username
    private_key  = var.master_private_key
    sftp_command = "sudo -n ${var.sftp_server_path}"
  }) : null
  secret_string_wo_version = local.configured ? var.secret_values_version : null
}

# The user's key: what deployment tooling reads, and what rotation replaces.
module "user_key_secret" {
  source = "../../modules/secret"

  name                    = "${var.name}/ssh/${var.username}"
  description             = "SSH key of ${var.username} on the hosts of ${var.name}, rotated by ${var.name}-ssh-rotator"
  kms_key_id              = secretsmanager_kms_key.ssh.arn
  recovery_window_in_days = var.secret_recovery_window_in_days

  secret_string_wo = local.configured ? jsonencode({
    hosts       = local.hosts
    port        = 22
    username    = var.username
    private_key = var.user_private_key
    key_type    = var.key_type
    known_hosts = var.known_hosts
    masterarn   = module.master_key_secret.arn
  }) : null
  secret_string_wo_version = local.configured ? var.secret_values_version : null
}

# ---------------------------------------------------------------------------------------
# The rotation function

module "rotation" {
  source = "../../modules/ssh-key-rotation"

  name         = "${var.name}-ssh-rotator"
  description  = "Rotates the SSH key of ${var.username} on the hosts of ${var.name}"
  filename     = var.package_path
  architecture = var.architecture

  remove_old_key = var.remove_old_key

  # The master key edits authorized_keys, and only the user's, only on these hosts.
  rotation_strategy = "alternating"
  allowed_targets   = { for h in local.hosts : h => [var.username] }

  secrets = {
    # The schedule is declared below, once the keys are in the secrets.
    (var.username) = {
      arn             = module.user_key_secret.arn
      kms_key_arn     = secretsmanager_kms_key.ssh.arn
      manage_rotation = false
    }
  }
  master_secrets = [{
    arn         = module.master_key_secret.arn
    kms_key_arn = secretsmanager_kms_key.ssh.arn
  }]

  vpc_config = {
    subnet_ids = var.subnet_ids
    vpc_id     = var.vpc_id
    egress     = local.rotation_egress
  }

  alarm_actions = var.alarm_actions
}

# Turning rotation on rotates at once: the secrets must hold the keys and the hosts' keys, and
# the function must reach the hosts and Secrets Manager by then.
resource "secretsmanager_secret_rotation" "user_key" {
  count = local.configured ? 1 : 0

  secret_id           = module.user_key_secret.arn
  rotation_lambda_arn = module.rotation.function_arn
  rotate_immediately  = true

  rotation_rules {
    schedule_expression = var.rotation_schedule
  }

  depends_on = [
    module.user_key_secret,
    module.master_key_secret,
    aws_instance.host,
    aws_vpc_security_group_ingress_rule.hosts_from_rotation,
    aws_vpc_security_group_ingress_rule.endpoint_https,
    aws_vpc_endpoint.secretsmanager,
  ]
}

# Warn (not fail) when known_hosts names no line for a host the secret lists: that host would
# fail every rotation. Hashed known_hosts entries cannot be checked here.
check "known_hosts_covers_every_host" {
  assert {
    condition     = !local.configured || alltrue([for h in local.known_hosts_names : strcontains(coalesce(var.known_hosts, "-"), h)])
    error_message = "known_hosts has no line for some of the hosts ${join(", ", local.hosts)}: every rotation would fail on those hosts. Add their keys (as `host key-type key`, or `[host]:port key-type key` for another port)."
  }
}
