# The SSH key rotator's own settings; the variables, outputs and module call every wrapper
# shares are generated (main.tf, variables.tf, outputs.tf: see modules/README.md).

locals {
  rotator_environment = {
    SSH_MAX_PARALLEL    = tostring(var.max_parallel_hosts)
    SSH_CONNECT_TIMEOUT = var.connect_timeout
    SSH_HOST_TIMEOUT    = var.host_timeout
    SSH_REMOVE_OLD_KEY  = var.remove_old_key
  }
}

variable "max_parallel_hosts" {
  description = "Hosts worked on at once (`SSH_MAX_PARALLEL`)."
  type        = number
  default     = 10

  validation {
    condition     = var.max_parallel_hosts >= 1 && var.max_parallel_hosts <= 100 && floor(var.max_parallel_hosts) == var.max_parallel_hosts
    error_message = "max_parallel_hosts must be a whole number from 1 to 100."
  }
}

variable "connect_timeout" {
  description = "Limit of the TCP connection and SSH handshake with one host, as a Go duration such as `10s` (`SSH_CONNECT_TIMEOUT`)."
  type        = string
  default     = "10s"

  validation {
    condition     = can(regex("^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$|^[0-9]+$", var.connect_timeout))
    error_message = "connect_timeout must be a duration such as \"10s\" or \"1m30s\", or a number of seconds."
  }
}

variable "host_timeout" {
  description = "Limit of everything done on one host in one step, as a Go duration such as `60s` (`SSH_HOST_TIMEOUT`)."
  type        = string
  default     = "60s"

  validation {
    condition     = can(regex("^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$|^[0-9]+$", var.host_timeout))
    error_message = "host_timeout must be a duration such as \"60s\" or \"2m\", or a number of seconds."
  }
}

variable "remove_old_key" {
  description = "When a replaced key leaves the hosts (`SSH_REMOVE_OLD_KEY`): `next_rotation` (default: it keeps working until the next rotation, like AWSPREVIOUS) or `immediately` (at this rotation's finishSecret)."
  type        = string
  default     = "next_rotation"

  validation {
    condition     = contains(["next_rotation", "immediately"], var.remove_old_key)
    error_message = "remove_old_key must be \"next_rotation\" or \"immediately\"."
  }
}
