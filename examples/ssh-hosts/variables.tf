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
  description = "Name of the stack: prefix of the instances, the secrets, the rotation function, the security groups and the KMS alias."
  type        = string
  default     = "fleet"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,38}[a-z0-9]$", var.name))
    error_message = "name must be 2 to 40 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "vpc_id" {
  description = "VPC of the hosts, the rotation function and the VPC endpoint."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must be a VPC id such as vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  description = "Private subnets of vpc_id: the instances are spread over them, the rotation function runs in them (its key may log in only from their address ranges), and the VPC endpoint takes one per availability zone. Two in different zones are recommended."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "subnet_ids must list at least one subnet id (subnet-…)."
  }
}

variable "create_vpc_endpoints" {
  description = "Create an interface VPC endpoint (with private DNS) for Secrets Manager, which the rotation function calls. Set false when the VPC already has one, or when the subnets reach the AWS APIs through a NAT gateway."
  type        = bool
  default     = true
}

variable "instance_count" {
  description = "EC2 instances to create (0 to 20), spread over subnet_ids, with the user and the key rotator's account set up by cloud-init. 0: only extra_hosts."
  type        = number
  default     = 2

  validation {
    condition     = var.instance_count >= 0 && var.instance_count <= 20 && floor(var.instance_count) == var.instance_count
    error_message = "instance_count must be a whole number from 0 to 20."
  }
}

variable "ami_id" {
  description = "AMI of the instances, for their architecture (arm64 for the default t4g type), with cloud-init: e.g. Amazon Linux 2023, whose current id `aws ssm get-parameter --name /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64` prints. Required when instance_count > 0."
  type        = string
  default     = null

  validation {
    condition     = var.ami_id == null || can(regex("^ami-[0-9a-f]{8,17}$", var.ami_id))
    error_message = "ami_id must be an AMI id such as ami-0123456789abcdef0."
  }
  validation {
    condition     = var.instance_count == 0 || var.ami_id != null
    error_message = "ami_id is required to create instances (instance_count > 0)."
  }
}

variable "instance_type" {
  description = "Instance type of the created hosts; its architecture must match ami_id."
  type        = string
  default     = "t4g.nano"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be an EC2 instance type such as t4g.nano."
  }
}

variable "sftp_server_path" {
  description = "Path of OpenSSH's sftp-server on the hosts: `/usr/libexec/openssh/sftp-server` on Amazon Linux and RHEL, `/usr/lib/openssh/sftp-server` on Debian and Ubuntu. The key rotator's account may run exactly this command with sudo."
  type        = string
  default     = "/usr/libexec/openssh/sftp-server"

  validation {
    condition     = can(regex("^/[A-Za-z0-9/._-]+$", var.sftp_server_path))
    error_message = "sftp_server_path must be an absolute path."
  }
}

variable "extra_hosts" {
  description = "Existing hosts whose key is rotated too (`name`, `name:port` or an address): they must have the user and the key rotator's account set up as the created instances do (see the README), and let the rotation function's security group in."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for h in var.extra_hosts : can(regex("^[A-Za-z0-9.-]+(:[0-9]+)?$|^\\[[0-9A-Fa-f:.]+\\](:[0-9]+)?$", h))])
    error_message = "extra_hosts: each entry must be a host name or address, optionally with :port (IPv6 in brackets)."
  }
}

variable "extra_host_cidr_blocks" {
  description = "IPv4 ranges of extra_hosts that the rotation function may reach on port 22."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for c in var.extra_host_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "extra_host_cidr_blocks must be IPv4 CIDR blocks such as 10.0.8.0/24."
  }
}

variable "ssh_client_security_group_ids" {
  description = "Security groups allowed to SSH to the created instances, e.g. the deployment tooling that uses the rotated key."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for g in var.ssh_client_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", g))])
    error_message = "ssh_client_security_group_ids must be security group ids (sg-…)."
  }
}

variable "username" {
  description = "The account whose SSH key is rotated, on every host."
  type        = string
  default     = "deploy"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_-]{0,31}$", var.username)) && var.username != "root"
    error_message = "username must be a Linux user name (lower case, up to 32 characters), not root."
  }
}

variable "master_username" {
  description = "The key rotator's account (alternating mode): it logs in with the master key and edits the user's authorized_keys through `sudo -n <sftp_server_path>`, the only command it may run as root."
  type        = string
  default     = "keyrotator"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_-]{0,31}$", var.master_username)) && var.master_username != "root"
    error_message = "master_username must be a Linux user name (lower case, up to 32 characters), not root."
  }
  validation {
    condition     = var.master_username != var.username
    error_message = "master_username must differ from username."
  }
}

variable "user_public_key" {
  description = "Public half of the user's first key (an authorized_keys line, e.g. the content of deploy_key.pub). Installed on the created instances; the first rotations replace it."
  type        = string
  default     = null

  validation {
    condition     = var.user_public_key == null || can(regex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( .*)?$", trimspace(var.user_public_key)))
    error_message = "user_public_key must be one public key line such as \"ssh-ed25519 AAAA… deploy\"."
  }
  validation {
    condition     = var.instance_count == 0 || var.user_public_key != null
    error_message = "user_public_key is required to create instances (instance_count > 0)."
  }
}

variable "master_public_key" {
  description = "Public half of the key rotator's key (e.g. the content of keyrotator_key.pub). Installed on the created instances, limited to logins from the rotation function's subnets."
  type        = string
  default     = null

  validation {
    condition     = var.master_public_key == null || can(regex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( .*)?$", trimspace(var.master_public_key)))
    error_message = "master_public_key must be one public key line such as \"ssh-ed25519 AAAA… keyrotator\"."
  }
  validation {
    condition     = var.instance_count == 0 || var.master_public_key != null
    error_message = "master_public_key is required to create instances (instance_count > 0)."
  }
}

variable "known_hosts" {
  description = "The hosts' public keys in OpenSSH known_hosts format, one line per host and key type (`10.0.1.15 ssh-ed25519 AAAA…`), checked by you (the README shows how to read them from the instances' console output). Setting it writes both secrets and turns rotation on; null (the default, for the first apply) leaves the secrets empty and rotation off."
  type        = string
  default     = null

  validation {
    condition     = var.known_hosts == null || length([for l in split("\n", coalesce(var.known_hosts, "-")) : l if length(split(" ", trimspace(l))) >= 3 && !startswith(trimspace(l), "#")]) > 0
    error_message = "known_hosts must hold at least one line \"<host> <key type> <base64 key>\"."
  }
}

variable "user_private_key" {
  description = "The user's first private key (unencrypted OpenSSH or PEM), matching user_public_key. Ephemeral: written to the user's secret and never stored in the plan or the state. Needed only by the apply that writes the secrets: the one that first sets known_hosts, or one that increases secret_values_version."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = var.user_private_key == null || can(regex("-----BEGIN [A-Z ]*PRIVATE KEY-----", var.user_private_key))
    error_message = "user_private_key must be a private key file's content (-----BEGIN OPENSSH PRIVATE KEY----- …)."
  }
}

variable "master_private_key" {
  description = "The key rotator's private key (unencrypted), matching master_public_key. Ephemeral, and needed only when the secrets are written, like user_private_key."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = var.master_private_key == null || can(regex("-----BEGIN [A-Z ]*PRIVATE KEY-----", var.master_private_key))
    error_message = "master_private_key must be a private key file's content (-----BEGIN OPENSSH PRIVATE KEY----- …)."
  }
}

variable "secret_values_version" {
  description = "Version of the secrets' values: increasing it writes them again from the variables. Only before rotation starts: afterwards it would put the first key back, which rotation may already have removed from the hosts."
  type        = number
  default     = 1

  validation {
    condition     = var.secret_values_version >= 1 && floor(var.secret_values_version) == var.secret_values_version
    error_message = "secret_values_version must be a whole number from 1."
  }
}

variable "key_type" {
  description = "Type of the keys rotation makes: `ed25519` (default), `rsa` (3072 bits) or `ecdsa` (P-256)."
  type        = string
  default     = "ed25519"

  validation {
    condition     = contains(["ed25519", "rsa", "ecdsa"], var.key_type)
    error_message = "key_type must be \"ed25519\", \"rsa\" or \"ecdsa\"."
  }
}

variable "remove_old_key" {
  description = "When a replaced key leaves the hosts: `next_rotation` (default: it keeps working until the next rotation, like AWSPREVIOUS) or `immediately`."
  type        = string
  default     = "next_rotation"

  validation {
    condition     = contains(["next_rotation", "immediately"], var.remove_old_key)
    error_message = "remove_old_key must be \"next_rotation\" or \"immediately\"."
  }
}

variable "rotation_schedule" {
  description = "When Secrets Manager rotates the key: a rate() or cron() expression in UTC, at least 4 hours apart."
  type        = string
  default     = "rate(30 days)"

  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.rotation_schedule))
    error_message = "rotation_schedule must be a rate() or cron() expression, e.g. \"rate(30 days)\" or \"cron(0 4 ? * SUN *)\"."
  }
}

variable "package_path" {
  description = "The SSH key rotator's package built by `make package` at the repository's root: `dist/sshkey.zip` (arm64) or `dist/sshkey-x86_64.zip` (x86_64, with architecture = \"x86_64\"). Relative to this directory."
  type        = string
  default     = "../../dist/sshkey.zip"

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

variable "alarm_actions" {
  description = "ARNs notified when a rotation step fails, e.g. an SNS topic of the on-call team."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "secret_recovery_window_in_days" {
  description = "Days (7 to 30) during which a destroyed secret can be restored; 0 deletes them at once, so that the stack can be applied again with the same names."
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
