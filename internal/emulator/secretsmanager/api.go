package secretsmanager

// smOperations is the Secrets Manager API. Handlers run with Server.mu held.
var smOperations = map[string]operation{
	"CreateSecret":                 op((*Service).smCreateSecret, true),
	"DescribeSecret":               op((*Service).smDescribeSecret, false),
	"GetSecretValue":               op((*Service).smGetSecretValue, true),
	"BatchGetSecretValue":          op((*Service).smBatchGetSecretValue, true),
	"PutSecretValue":               op((*Service).smPutSecretValue, true),
	"UpdateSecret":                 op((*Service).smUpdateSecret, true),
	"UpdateSecretVersionStage":     op((*Service).smUpdateSecretVersionStage, true),
	"ListSecretVersionIds":         op((*Service).smListSecretVersionIds, false),
	"ListSecrets":                  op((*Service).smListSecrets, false),
	"DeleteSecret":                 op((*Service).smDeleteSecret, true),
	"RestoreSecret":                op((*Service).smRestoreSecret, true),
	"TagResource":                  op((*Service).smTagResource, true),
	"UntagResource":                op((*Service).smUntagResource, true),
	"GetRandomPassword":            op((*Service).smGetRandomPassword, false),
	"PutResourcePolicy":            op((*Service).smPutResourcePolicy, true),
	"GetResourcePolicy":            op((*Service).smGetResourcePolicy, false),
	"DeleteResourcePolicy":         op((*Service).smDeleteResourcePolicy, true),
	"ValidateResourcePolicy":       op((*Service).smValidateResourcePolicy, false),
	"ReplicateSecretToRegions":     op((*Service).smReplicateSecretToRegions, true),
	"RemoveRegionsFromReplication": op((*Service).smRemoveRegionsFromReplication, true),
	"StopReplicationToReplica":     op((*Service).smStopReplicationToReplica, true),
	"RotateSecret":                 op((*Service).smRotateSecret, true),
	"CancelRotateSecret":           op((*Service).smCancelRotateSecret, true),
}

// Messages of AWS that several operations share.
const (
	msgSecretNotFound = "Secrets Manager can't find the specified secret."
	msgMarkedDeleted  = "You can't perform this operation on the secret because it was marked for deletion."
	msgReplicaWrite   = "Operation not permitted on a replica secret. Call must be made in primary secret's region."
)

func errSecretNotFound() error { return newError("ResourceNotFoundException", msgSecretNotFound) }
