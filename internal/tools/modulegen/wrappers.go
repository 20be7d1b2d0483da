package modulegen

// The masters description of the database wrappers: both rotators find the endpoint of an
// RDS-managed master secret through the RDS API.
const rdsMasters = "Master secrets of alternating-users rotation (named by `masterarn` in the rotated secrets), only read (`secretsmanager:GetSecretValue`). Each: `arn`; `kms_key_arn` of its customer managed key, if any; and, for a master secret that RDS manages (`rds!db-…`, `rds!cluster-…`: only username and password), `rds_db_arn`, the ARN of its DB instance or cluster: the rotator reads the secret's tags and describes that database to find its endpoint, and only then gets `secretsmanager:DescribeSecret` and `rds:DescribeDBInstances`/`rds:DescribeDBClusters`, on those ARNs."

const (
	dbSingle      = "the user changes its own password"
	dbAlternating = "a master user sets the password of `<username>` or `<username>_clone` in turn, so current credentials always work"
	passwordsWhy  = "New passwords come from secretsmanager:GetRandomPassword."
	databaseWhy   = "The database's port, besides HTTPS for the AWS APIs."
)

// Wrappers are the four wrapper modules.
var Wrappers = []Wrapper{
	{
		Dir:               "postgres-rotation",
		Package:           "postgres",
		Summary:           "The PostgreSQL rotator (lambdas/postgres) on the rotation-lambda module: its settings as variables; RDS permissions only for RDS-managed master secrets.",
		Description:       "Rotates PostgreSQL passwords in Secrets Manager",
		Timeout:           60,
		Secrets:           "Secrets of PostgreSQL users to rotate (the AWS samples' JSON: engine, host, port, username, password, dbname, optional masterarn and ssl).",
		Masters:           rdsMasters,
		RDSMasters:        true,
		Single:            dbSingle,
		Alternating:       dbAlternating,
		Layers:            "Lambda layer ARNs to add, e.g. one with CA certificates for `ssl_root_cert_paths`.",
		Egress:            "HTTPS (443) and PostgreSQL (5432)",
		EgressPorts:       []int{443, 5432},
		EgressWhy:         databaseWhy,
		RandomPassword:    true,
		RandomPasswordWhy: passwordsWhy,
		Database:          true,
		ExcludeCharacters: `:/@\"'\\`,
	},
	{
		Dir:               "mysql-rotation",
		Package:           "mysql",
		Summary:           "The MySQL / Aurora MySQL / MariaDB rotator (lambdas/mysql) on the rotation-lambda module: its settings as variables; RDS permissions only for RDS-managed master secrets.",
		Description:       "Rotates MySQL, Aurora MySQL and MariaDB passwords in Secrets Manager",
		Timeout:           60,
		Secrets:           "Secrets of MySQL, Aurora MySQL or MariaDB users to rotate (the AWS samples' JSON: engine, host, port, username, password, dbname, optional masterarn and ssl).",
		Masters:           rdsMasters,
		RDSMasters:        true,
		Single:            dbSingle,
		Alternating:       dbAlternating,
		Layers:            "Lambda layer ARNs to add, e.g. one with CA certificates for `ssl_root_cert_paths`.",
		Egress:            "HTTPS (443) and MySQL (3306)",
		EgressPorts:       []int{443, 3306},
		EgressWhy:         databaseWhy,
		RandomPassword:    true,
		RandomPasswordWhy: passwordsWhy,
		Database:          true,
		ExcludeCharacters: `/@\"'\\`,
	},
	{
		Dir:               "ssh-key-rotation",
		Package:           "sshkey",
		Summary:           "The SSH key rotator (lambdas/sshkey) on the rotation-lambda module. It makes its own keys, so it gets no secretsmanager:GetRandomPassword.",
		Description:       "Rotates SSH keys in Secrets Manager",
		Timeout:           120,
		TimeoutNote:       "Allow for `host_timeout` times the number of hosts divided by `max_parallel_hosts`.",
		Secrets:           "Secrets of SSH keys to rotate (JSON with host or hosts, username, private_key, known_hosts, optional masterarn; see lambdas/sshkey/README.md).",
		Masters:           "Master secrets of alternating mode (named by `masterarn`): the key of the account that edits the users' `authorized_keys`, only on the accounts `allowed_targets` lists. Each: `arn`, and `kms_key_arn` of its customer managed key, if any. The function may only read them (`secretsmanager:GetSecretValue`).",
		Single:            "each key installs its successor itself",
		Alternating:       "a master key edits the user's `authorized_keys`, only on the hosts and accounts `allowed_targets` lists",
		Layers:            "Lambda layer ARNs to add.",
		Egress:            "HTTPS (443) and SSH (22)",
		EgressPorts:       []int{443, 22},
		EgressWhy:         "SSH to the hosts, besides HTTPS for the AWS APIs.",
		RandomPasswordWhy: "Keys are generated in the function: no GetRandomPassword.",
		RotatorFile:       true,
		RotatorEnv:        []string{"SSH_MAX_PARALLEL", "SSH_CONNECT_TIMEOUT", "SSH_HOST_TIMEOUT", "SSH_REMOVE_OLD_KEY", "SSHKEY_ALLOWED_TARGETS", "SSHKEY_AUTHORIZED_KEYS_FILE"},
	},
	{
		Dir:               "api-key-rotation",
		Package:           "apikey",
		Summary:           "The API key rotator (lambdas/apikey) on the rotation-lambda module. The service makes the keys: no secretsmanager:GetRandomPassword.",
		Description:       "Rotates API keys in Secrets Manager",
		Timeout:           60,
		Secrets:           "Secrets of API keys to rotate (JSON with api_key, key_id, optional masterarn and a `rotation` object of settings; see lambdas/apikey/README.md).",
		Masters:           "Master secrets of alternating mode (named by `masterarn`): the credential that creates and revokes keys, sent only to `allowed_hosts` (required with master secrets). Each: `arn`, and `kms_key_arn` of its customer managed key, if any. The function may only read them (`secretsmanager:GetSecretValue`).",
		Single:            "the current key creates its successor",
		Alternating:       "a master credential creates and revokes the keys, sent only to `allowed_hosts`",
		Layers:            "Lambda layer ARNs to add, e.g. one with the CA bundle of `ca_bundle`.",
		Egress:            "HTTPS (443)",
		EgressPorts:       []int{443},
		EgressWhy:         "The service is reached over HTTPS, like the AWS APIs.",
		RandomPasswordWhy: "The service makes the keys: no GetRandomPassword.",
		RotatorFile:       true,
		RotatorEnv: []string{"APIKEY_ALLOWED_HOSTS", "APIKEY_CA_BUNDLE", "APIKEY_CREATE_URL", "APIKEY_CREATE_METHOD", "APIKEY_CREATE_BODY",
			"APIKEY_KEY_PATH", "APIKEY_KEY_ID_PATH", "APIKEY_TEST_URL", "APIKEY_TEST_METHOD", "APIKEY_REVOKE_URL", "APIKEY_REVOKE_METHOD",
			"APIKEY_REVOKE_BODY", "APIKEY_AUTH_HEADER", "APIKEY_AUTH_SCHEME", "APIKEY_MASTER_AUTH_HEADER", "APIKEY_MASTER_AUTH_SCHEME",
			"APIKEY_IDEMPOTENCY_HEADER", "APIKEY_LIST_URL", "APIKEY_LIST_ITEMS_PATH", "APIKEY_LIST_ID_PATH", "APIKEY_LIST_NAME_PATH",
			"APIKEY_TIMEOUT", "APIKEY_MAX_ATTEMPTS", "APIKEY_RETRY_BASE_DELAY", "APIKEY_RETRY_MAX_DELAY", "APIKEY_REVOKE_MODE",
			"APIKEY_MASTER_KEY_FIELD"},
		RotatorEnvText: "`APIKEY_*`",
	},
}
