variable "region" {
  type        = string
  description = "AWS region of the key, the secret and the rotation function."
  default     = "us-east-1"
}

variable "endpoints" {
  type = object({
    secretsmanager = optional(string)
    kms            = optional(string)
    sts            = optional(string)
  })
  description = "Custom service endpoints, e.g. the local emulator (`make emulator`: http://127.0.0.1:4566 for all three). Leave null to use AWS."
  default     = null
}

variable "secret_name" {
  type        = string
  description = "Name of the secret that holds the database credentials."
  default     = "quickstart/app/db"
}

variable "db_host" {
  type        = string
  description = "Host name or IP address of the PostgreSQL server, as the rotation function reaches it."
}

variable "db_port" {
  type        = number
  description = "Port of the PostgreSQL server."
  default     = 5432
}

variable "db_name" {
  type        = string
  description = "Database the rotation function connects to."
  default     = "postgres"
}

variable "db_ssl" {
  type        = bool
  description = "Whether the rotation function must connect with TLS, verifying the server's certificate (the secret's \"ssl\" field)."
  default     = true
}

variable "db_username" {
  type        = string
  description = "The database user whose password the secret holds and rotation changes."
}

variable "db_password" {
  type        = string
  description = "The user's current password. Ephemeral: it is written to the secret with secret_string_wo and never stored in the plan or the state. Rotation replaces it at once."
  sensitive   = true
  ephemeral   = true
}

variable "db_password_version" {
  type        = number
  description = "Increase it to write a new db_password to the secret (Terraform cannot see a change of a write-only value)."
  default     = 1
}

variable "rotation_lambda_arn" {
  type        = string
  description = "ARN of the PostgreSQL rotation function (lambdas/postgres; deploy it with modules/postgres-rotation)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$", var.rotation_lambda_arn))
    error_message = "rotation_lambda_arn must be a Lambda function ARN, like arn:aws:lambda:us-east-1:123456789012:function:postgres-rotator."
  }
}

variable "rotation_schedule" {
  type        = string
  description = "When Secrets Manager rotates the password after the first rotation: a rate() or cron() expression."
  default     = "rate(30 days)"
}

variable "tags" {
  type        = map(string)
  description = "Tags of the key and the secret."
  default     = {}
}
