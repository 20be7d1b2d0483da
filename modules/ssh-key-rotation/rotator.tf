# The SSH key rotator's own settings; the variables, outputs and module call every wrapper
# shares are generated (main.tf, variables.tf, outputs.tf: see modules/README.md).

locals {
  rotator_environment = merge(
    {
      SSH_MAX_PARALLEL    = tostring(var.max_parallel_hosts)
      SSH_CONNECT_TIMEOUT = var.connect_timeout
      SSH_HOST_TIMEOUT    = var.host_timeout
      SSH_REMOVE_OLD_KEY  = var.remove_old_key
    },
    # The allowlist of hosts and accounts (JSON {"host[:port]": ["user", ...]}): the
    # function's word on what may be edited; a secret naming anything else is refused.
    length(var.allowed_targets) == 0 ? {} : { SSHKEY_ALLOWED_TARGETS = jsonencode(var.allowed_targets) },
    var.authorized_keys_file == null ? {} : { SSHKEY_AUTHORIZED_KEYS_FILE = var.authorized_keys_file },
  )
}

variable "allowed_targets" {
  description = "The hosts (`host` or `host:port`, as the secrets list them) and, for each, the accounts whose `authorized_keys` the function may edit (`SSHKEY_ALLOWED_TARGETS`, as JSON). Required in alternating mode: the master key only ever edits these accounts, never `root`, whatever a secret names. In single mode each key only edits its own account; an allowlist, if given, still applies."
  type        = map(list(string))
  default     = {}
  nullable    = false

  validation {
    condition     = var.rotation_strategy == "single" || length(var.allowed_targets) > 0
    error_message = "allowed_targets is empty but rotation_strategy is \"${var.rotation_strategy}\": the master key could be pointed at any host and account a secret names. List each host with the accounts it may rotate, e.g. { \"10.0.1.15\" = [\"deploy\"] }."
  }
  validation {
    condition     = alltrue([for h in keys(var.allowed_targets) : can(regex("^[A-Za-z0-9.-]+(:[0-9]+)?$|^\\[[0-9A-Fa-f:.]+\\](:[0-9]+)?$", h))])
    error_message = "allowed_targets: each key must be a host name or address, optionally with :port (IPv6 in brackets), without user or scheme."
  }
  validation {
    condition     = alltrue([for users in values(var.allowed_targets) : length(users) > 0 && alltrue([for u in users : can(regex("^[a-z_][a-z0-9_.-]*$", u)) && u != "root"])])
    error_message = "allowed_targets: each host needs at least one account, each a plain lower-case account name; root is never allowed."
  }
}

variable "authorized_keys_file" {
  description = "The file the master key edits in alternating mode, inside the account's home (`SSHKEY_AUTHORIZED_KEYS_FILE`; `%h`, `%u`, `%%` as in sshd's `AuthorizedKeysFile`, relative paths from the home); a secret naming another file is refused. In single mode the default for secrets without `authorized_keys`. Unset: the rotator's default, `.ssh/authorized_keys`."
  type        = string
  default     = null

  validation {
    condition     = var.authorized_keys_file == null ? true : (!startswith(var.authorized_keys_file, "/") && !strcontains(var.authorized_keys_file, "..") && length(trimspace(var.authorized_keys_file)) > 0)
    error_message = "authorized_keys_file must be a path inside the account's home: relative (e.g. \".ssh/authorized_keys\") or starting with %h/ or ~/, without \"..\"."
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
