variable "region" {
  description = "AWS region of every resource of the stack."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be a region name such as eu-west-1."
  }
}

variable "name" {
  description = "Name of the stack: the DB instance's identifier, and the prefix of the secret, the rotation function, the security groups and the KMS alias."
  type        = string
  default     = "shop-mysql"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,38}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 2 to 40 lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen (an RDS identifier)."
  }
}

variable "vpc_id" {
  description = "VPC of the database, the rotation function and the VPC endpoint."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must be a VPC id such as vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  description = "Private subnets of vpc_id, in at least two availability zones: the DB subnet group, the rotation function and the VPC endpoint (one subnet per zone) use them."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "subnet_ids must list at least two subnet ids (subnet-…), in different availability zones: RDS requires two zones for a DB subnet group."
  }
}

variable "create_vpc_endpoints" {
  description = "Create an interface VPC endpoint (with private DNS) for Secrets Manager, which the rotation function calls. Set false when the VPC already has one, or when the subnets reach the AWS APIs through a NAT gateway."
  type        = bool
  default     = true
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect to the database on 3306: the applications, and the host from which you create the application user."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for g in var.client_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", g))])
    error_message = "client_security_group_ids must be security group ids (sg-…)."
  }
}

variable "client_cidr_blocks" {
  description = "IPv4 ranges allowed to connect to the database on 3306, e.g. a VPN's. Prefer client_security_group_ids."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for c in var.client_cidr_blocks : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "client_cidr_blocks must be IPv4 CIDR blocks such as 10.0.0.0/16, and not 0.0.0.0/0."
  }
}

variable "engine_version" {
  description = "MySQL version: a major version (`8.4`, `8.0`: RDS picks the default minor version and upgrades minors automatically) or a full one (`8.4.5`)."
  type        = string
  default     = "8.4"

  validation {
    condition     = can(regex("^8\\.[04](\\.[0-9]+)?$", var.engine_version))
    error_message = "engine_version must be MySQL 8.0 or 8.4, e.g. \"8.4\" or \"8.0.40\"."
  }
}

variable "instance_class" {
  description = "DB instance class. The default, a burstable Graviton instance, suits a trial; size it for production."
  type        = string
  default     = "db.t4g.micro"

  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "instance_class must be a DB instance class such as db.t4g.micro."
  }
}

variable "allocated_storage" {
  description = "Storage of the instance in GiB (gp3, encrypted), 20 to 65536."
  type        = number
  default     = 20

  validation {
    condition     = var.allocated_storage >= 20 && var.allocated_storage <= 65536 && floor(var.allocated_storage) == var.allocated_storage
    error_message = "allocated_storage must be a whole number of GiB from 20 to 65536."
  }
}

variable "multi_az" {
  description = "Run a standby in a second availability zone (doubles the instance cost)."
  type        = bool
  default     = false
}

variable "backup_retention_period" {
  description = "Days of automated backups, 0 to 35 (0 turns them off)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_period >= 0 && var.backup_retention_period <= 35 && floor(var.backup_retention_period) == var.backup_retention_period
    error_message = "backup_retention_period must be a whole number of days from 0 to 35."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the DB instance (`terraform destroy` fails until it is set back to false). Turn it on for data you care about."
  type        = bool
  default     = false
}

variable "skip_final_snapshot" {
  description = "Delete the instance without a final snapshot `<name>-final` on destroy. Keep false for data you care about."
  type        = bool
  default     = false
}

variable "db_name" {
  description = "Database created in the instance; the application user's secret names it as `dbname`."
  type        = string
  default     = "shop"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,63}$", var.db_name)) && !contains(["mysql", "sys", "information_schema", "performance_schema"], lower(var.db_name))
    error_message = "db_name must be 1 to 64 letters, digits and underscores starting with a letter, and not a system schema (mysql, sys, information_schema, performance_schema)."
  }
}

variable "master_username" {
  description = "The master user. RDS keeps its password in a secret it manages and rotates (`manage_master_user_password`); use it to create the application user. The rotation function never uses it: the application user changes its own password."
  type        = string
  default     = "admin"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,15}$", var.master_username)) && !contains(["rdsadmin", "root", "mysql"], lower(var.master_username))
    error_message = "master_username must be 1 to 16 letters, digits and underscores starting with a letter, and not rdsadmin, root or mysql."
  }
}

variable "app_username" {
  description = "The application's database user, whose password the stack's secret holds and rotation changes (single user: the user changes its own password)."
  type        = string
  default     = "shop_app"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,31}$", var.app_username)) && !contains(["rdsadmin", "root", "mysql.sys", "mysql"], lower(var.app_username))
    error_message = "app_username must be 1 to 32 letters, digits and underscores starting with a letter (MySQL's limit), and not a reserved account."
  }
  validation {
    condition     = var.app_username != var.master_username
    error_message = "app_username must differ from master_username: the master user's password belongs to RDS."
  }
}

variable "app_password_version" {
  description = "Increase it to write a new random first password to the application user's secret (the password is ephemeral: Terraform cannot see it change). Only useful before the user exists or before rotation starts; after that, rotation owns the password."
  type        = number
  default     = 1

  validation {
    condition     = var.app_password_version >= 1 && floor(var.app_password_version) == var.app_password_version
    error_message = "app_password_version must be a whole number from 1."
  }
}

variable "package_path" {
  description = "The MySQL rotator's package built by `make package` at the repository's root: `dist/mysql.zip` (arm64) or `dist/mysql-x86_64.zip` (x86_64, with architecture = \"x86_64\"). Relative to this directory."
  type        = string
  default     = "../../dist/mysql.zip"

  validation {
    condition     = endswith(var.package_path, ".zip")
    error_message = "package_path must be the path of a .zip from `make package`."
  }
}

variable "architecture" {
  description = "Architecture of the rotation function: `arm64` (default) or `x86_64`. It must match package_path."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be \"arm64\" or \"x86_64\"."
  }
}

variable "enable_rotation" {
  description = "Turn rotation of the application user's secret on. Leave false for the first apply, create the user in the database (see the README), then set true: turning rotation on rotates at once, and the user must exist and log in with the secret's password by then."
  type        = bool
  default     = false
}

variable "rotation_schedule" {
  description = "When Secrets Manager rotates the application user's password: a rate() or cron() expression in UTC, at least 4 hours apart."
  type        = string
  default     = "rate(30 days)"

  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.rotation_schedule))
    error_message = "rotation_schedule must be a rate() or cron() expression, e.g. \"rate(30 days)\" or \"cron(0 4 ? * SUN *)\"."
  }
}

variable "rotation_window" {
  description = "Length of the rotation window in whole hours, e.g. `3h`. Unset: Secrets Manager's default (the rest of the day for daily schedules)."
  type        = string
  default     = null

  validation {
    condition     = var.rotation_window == null || can(regex("^([1-9]|1[0-9]|2[0-4])h$", var.rotation_window))
    error_message = "rotation_window must be a whole number of hours from 1h to 24h, e.g. \"3h\"."
  }
}

variable "alarm_actions" {
  description = "ARNs notified when a rotation step fails, e.g. an SNS topic of the on-call team."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "secret_recovery_window_in_days" {
  description = "Days (7 to 30) during which the destroyed application secret can be restored; 0 deletes it at once, so that the stack can be applied again with the same name."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_in_days == 0 || (var.secret_recovery_window_in_days >= 7 && var.secret_recovery_window_in_days <= 30)
    error_message = "secret_recovery_window_in_days must be 0 or from 7 to 30."
  }
}

variable "tags" {
  description = "Tags of every resource (the providers' default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
