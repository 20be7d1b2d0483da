# A 40-character password without characters that break connection strings.
# The password is stored in the state and changes on every plan: prefer the
# ephemeral resource secretsmanager_random_password with a write-only argument.
data "secretsmanager_random_password" "example" {
  password_length    = 40
  exclude_characters = "/@\"'\\"
}
