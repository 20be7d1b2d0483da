variable "name" {
  description = "Name of the rotation function. Also names its execution role (unless `role_name` is set), its log group `/aws/lambda/<name>` and its alarm."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.name))
    error_message = "name must be 1 to 64 letters, digits, hyphens or underscores (a Lambda function name)."
  }
}

variable "description" {
  description = "Description of the function."
  type        = string
  default     = "Rotates Secrets Manager secrets"
}

variable "filename" {
  description = "Path of the deployment package built by `make package`: `dist/<rotator>.zip` for arm64, `dist/<rotator>-x86_64.zip` for x86_64. Exactly one of `filename` or `s3_bucket` and `s3_key` is required."
  type        = string
  default     = null

  validation {
    condition     = (var.filename != null) != (var.s3_bucket != null || var.s3_key != null)
    error_message = "Give the deployment package either as filename (a zip from `make package`) or as s3_bucket and s3_key, not both and not neither."
  }
}

variable "s3_bucket" {
  description = "S3 bucket holding the deployment package (with `s3_key`), in the function's region. Use instead of `filename`."
  type        = string
  default     = null
}

variable "s3_key" {
  description = "S3 key of the deployment package (with `s3_bucket`)."
  type        = string
  default     = null

  validation {
    condition     = (var.s3_bucket == null) == (var.s3_key == null)
    error_message = "s3_bucket and s3_key go together: set both or neither."
  }
}

variable "s3_object_version" {
  description = "Version of the S3 object, for versioned buckets. Changing it updates the function's code."
  type        = string
  default     = null
}

variable "source_code_hash" {
  description = "Base64 SHA-256 of the package, which triggers code updates. Defaults to the hash of `filename`; set it (or `s3_object_version`) for packages in S3."
  type        = string
  default     = null
}

variable "architecture" {
  description = "Instruction set of the function: `arm64` (default, cheaper) or `x86_64`. It must match the package: `make package` builds `<rotator>.zip` for arm64 and `<rotator>-x86_64.zip` for x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be \"arm64\" or \"x86_64\"."
  }
}

variable "memory_size" {
  description = "Memory of the function in MB (128 to 10240); CPU grows with it."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240."
  }
}

variable "timeout" {
  description = "Time limit of one rotation step, in seconds (1 to 900)."
  type        = number
  default     = 60

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 1 to 900."
  }
}

variable "environment_variables" {
  description = "Environment variables of the function (the rotator's settings; see its README). The names Lambda reserves (`AWS_*`, `LAMBDA_*`, `_HANDLER`) are refused."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition = alltrue([for k in keys(var.environment_variables) :
      can(regex("^[A-Za-z][A-Za-z0-9_]*$", k)) && !startswith(k, "AWS_") && !startswith(k, "LAMBDA_") && k != "_HANDLER"
    ])
    error_message = "environment_variables: names must be letters, digits and underscores starting with a letter, and not reserved by Lambda (AWS_*, LAMBDA_*, _HANDLER)."
  }
}

variable "secrets_manager_endpoint" {
  description = "Secrets Manager endpoint the rotator calls (`SECRETS_MANAGER_ENDPOINT`), e.g. an interface VPC endpoint's DNS name without private DNS. Unset: the region's public endpoint."
  type        = string
  default     = null

  validation {
    condition     = var.secrets_manager_endpoint == null || can(regex("^https://", var.secrets_manager_endpoint))
    error_message = "secrets_manager_endpoint must be an https:// URL."
  }
}

variable "layers" {
  description = "ARNs of Lambda layers to add, e.g. one holding extra CA certificates under /opt."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "secrets" {
  description = <<-EOT
    Secrets this function rotates, by a key of your choice (letters, digits, `-`, `_`; it names
    the invoke permission). Each: `arn` of the secret; `kms_key_arn` of its customer managed key
    (a key ARN, not an alias; omit for the AWS managed key); `manage_rotation` (default true:
    this module declares the rotation schedule; false when it is declared elsewhere, e.g. by the
    secret module); and overrides of the schedule defaults below: `schedule_expression` or
    `automatically_after_days`, `duration`, `rotate_immediately`.
  EOT
  type = map(object({
    arn                      = string
    kms_key_arn              = optional(string)
    manage_rotation          = optional(bool, true)
    schedule_expression      = optional(string)
    automatically_after_days = optional(number)
    duration                 = optional(string)
    rotate_immediately       = optional(bool)
  }))
  nullable = false

  validation {
    condition     = length(var.secrets) > 0
    error_message = "secrets must name at least one secret to rotate."
  }
  validation {
    condition     = alltrue([for k in keys(var.secrets) : can(regex("^[A-Za-z0-9_-]{1,64}$", k))])
    error_message = "secrets: each key must be 1 to 64 letters, digits, hyphens or underscores (it becomes part of a Lambda permission statement id)."
  }
  validation {
    condition     = alltrue([for s in values(var.secrets) : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", s.arn))])
    error_message = "secrets: each arn must be the full ARN of a secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>); the role policy and the invoke permission are scoped to it."
  }
  validation {
    condition     = alltrue([for s in values(var.secrets) : s.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", s.kms_key_arn))])
    error_message = "secrets: kms_key_arn must be a key ARN (arn:aws:kms:<region>:<account>:key/<id>); IAM does not match key permissions by alias."
  }
  validation {
    condition     = alltrue([for s in values(var.secrets) : s.schedule_expression == null || s.automatically_after_days == null])
    error_message = "secrets: set schedule_expression or automatically_after_days for a secret, not both."
  }
  validation {
    condition = alltrue([for s in values(var.secrets) :
      s.automatically_after_days == null ? true : (s.automatically_after_days >= 1 && s.automatically_after_days <= 1000 && floor(s.automatically_after_days) == s.automatically_after_days)
    ])
    error_message = "secrets: automatically_after_days must be a whole number of days from 1 to 1000."
  }
  validation {
    condition     = alltrue([for s in values(var.secrets) : s.schedule_expression == null ? true : can(regex("^(rate|cron)\\(.+\\)$", s.schedule_expression))])
    error_message = "secrets: schedule_expression must be a rate() or cron() expression, e.g. \"rate(30 days)\" or \"cron(0 4 ? * SUN *)\"."
  }
}

variable "master_secrets" {
  description = "Secrets the function reads but does not rotate: the master (superuser) secrets named by `masterarn` in alternating-users rotation. Each: `arn`; `kms_key_arn` of its customer managed key, if any; and, for a master secret that RDS manages (only username and password, tagged with its database), `rds_db_arn`, the ARN of its DB instance or cluster, which the rotator describes to find the endpoint (the PostgreSQL rotator does this; see its README)."
  type = list(object({
    arn         = string
    kms_key_arn = optional(string)
    rds_db_arn  = optional(string)
  }))
  default  = []
  nullable = false

  validation {
    condition     = length(setintersection([for s in var.master_secrets : s.arn], [for s in values(var.secrets) : s.arn])) == 0
    error_message = "master_secrets: a master secret cannot also be a secret this function rotates (the function would hold write access to the credential that manages its users). Rotate master secrets with a function of their own, in single-user mode."
  }
  validation {
    condition     = alltrue([for s in var.master_secrets : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", s.arn))])
    error_message = "master_secrets: each arn must be the full ARN of a secret."
  }
  validation {
    condition     = alltrue([for s in var.master_secrets : s.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", s.kms_key_arn))])
    error_message = "master_secrets: kms_key_arn must be a key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias."
  }
  validation {
    condition     = alltrue([for s in var.master_secrets : s.rds_db_arn == null || can(regex("^arn:aws[a-z-]*:rds:[a-z0-9-]+:[0-9]{12}:(db|cluster):.+$", s.rds_db_arn))])
    error_message = "master_secrets: rds_db_arn must be the ARN of a DB instance (arn:aws:rds:<region>:<account>:db:<id>) or cluster (…:cluster:<id>)."
  }
}

variable "schedule_expression" {
  description = "Default schedule of the secrets: a `rate()` or `cron()` expression in UTC, checked by the provider at plan time."
  type        = string
  default     = "rate(30 days)"

  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression must be a rate() or cron() expression, e.g. \"rate(30 days)\" or \"cron(0 4 ? * SUN *)\"."
  }
}

variable "rotation_duration" {
  description = "Default length of the rotation window in whole hours, e.g. `3h`. Unset: Secrets Manager's default."
  type        = string
  default     = null

  validation {
    condition     = var.rotation_duration == null || can(regex("^([1-9]|1[0-9]|2[0-4])h$", var.rotation_duration))
    error_message = "rotation_duration must be a whole number of hours from 1h to 24h, e.g. \"3h\"."
  }
}

variable "rotate_immediately" {
  description = "Default for whether turning rotation on rotates the secret at once. With false, Secrets Manager only runs the testSecret step and the first rotation waits for the schedule."
  type        = bool
  default     = true
}

variable "allow_get_random_password" {
  description = "Grant `secretsmanager:GetRandomPassword`, with which password rotators make new passwords (the only action granted on `*`: it touches no resource). The SSH and API key rotators do not need it."
  type        = bool
  default     = true
}

variable "vpc_config" {
  description = <<-EOT
    Run the function in a VPC (to reach a database in private subnets). `subnet_ids` (at least
    one; two in different zones for availability); `create_security_group` (default true, needs
    `vpc_id`) makes a security group with only the `egress` rules; `security_group_ids` adds
    existing groups; `egress` replaces the default rules (HTTPS to anywhere, for the AWS APIs,
    plus the rotator's own port; see `default_egress_ports`). The subnets need a route to
    Secrets Manager: a NAT gateway or an interface VPC endpoint. Unset: no VPC, and the role gets
    no EC2 permission.
  EOT
  type = object({
    subnet_ids            = list(string)
    vpc_id                = optional(string)
    create_security_group = optional(bool, true)
    security_group_ids    = optional(list(string), [])
    egress = optional(list(object({
      description                  = string
      from_port                    = number
      to_port                      = number
      ip_protocol                  = optional(string, "tcp")
      cidr_ipv4                    = optional(string)
      cidr_ipv6                    = optional(string)
      prefix_list_id               = optional(string)
      referenced_security_group_id = optional(string)
    })))
  })
  default = null

  validation {
    condition     = var.vpc_config == null ? true : length(var.vpc_config.subnet_ids) > 0
    error_message = "vpc_config: subnet_ids must list at least one subnet (two in different availability zones are recommended)."
  }
  validation {
    condition     = var.vpc_config == null ? true : (var.vpc_config.create_security_group ? var.vpc_config.vpc_id != null : length(var.vpc_config.security_group_ids) > 0)
    error_message = "vpc_config: with create_security_group = true (the default) set vpc_id; with false, security_group_ids must list at least one group."
  }
  validation {
    condition = var.vpc_config == null ? true : alltrue([for r in coalesce(var.vpc_config.egress, []) :
      length([for d in [r.cidr_ipv4, r.cidr_ipv6, r.prefix_list_id, r.referenced_security_group_id] : d if d != null]) == 1
    ])
    error_message = "vpc_config: each egress rule needs exactly one destination: cidr_ipv4, cidr_ipv6, prefix_list_id or referenced_security_group_id."
  }
}

variable "default_egress_ports" {
  description = "TCP ports the created security group may reach anywhere when `vpc_config.egress` is not set: 443 for the AWS APIs, plus the rotator's service port (the wrappers set it)."
  type        = list(number)
  default     = [443]
  nullable    = false
}

variable "log_retention_in_days" {
  description = "Days the function's logs are kept (a value CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; 0 keeps them forever)."
  type        = number
  default     = 30

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of 0 (never expire), 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN that encrypts the log group (its key policy must allow CloudWatch Logs). Unset: CloudWatch Logs' own encryption."
  type        = string
  default     = null
}

variable "log_level" {
  description = "Lowest level of the rotator's JSON log lines that Lambda keeps: TRACE, DEBUG, INFO, WARN, ERROR or FATAL. Logs never contain secret values, at any level."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.log_level)
    error_message = "log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL."
  }
}

variable "create_alarm" {
  description = "Create a CloudWatch alarm that fires when a rotation step fails (the function's `Errors` metric)."
  type        = bool
  default     = true
}

variable "alarm_actions" {
  description = "ARNs to notify when the alarm fires, e.g. an SNS topic."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "ok_actions" {
  description = "ARNs to notify when the alarm returns to OK."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "alarm_period" {
  description = "Seconds over which failures are counted (a multiple of 60)."
  type        = number
  default     = 300

  validation {
    condition     = var.alarm_period >= 60 && var.alarm_period % 60 == 0
    error_message = "alarm_period must be a multiple of 60 seconds (Lambda publishes metrics every minute)."
  }
}

variable "role_name" {
  description = "Name of the execution role. Default: `name`."
  type        = string
  default     = null

  validation {
    condition     = var.role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be 1 to 64 letters, digits or +=,.@_- characters."
  }
}

variable "role_path" {
  description = "Path of the execution role."
  type        = string
  default     = "/"
}

variable "role_permissions_boundary" {
  description = "ARN of a permissions boundary policy for the execution role, if your organization requires one."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of every AWS resource this module creates."
  type        = map(string)
  default     = {}
  nullable    = false
}
