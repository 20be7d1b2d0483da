package secretsmanager

import (
	"slices"
)

// ---- CreateSecret ----

type replicaRegionType struct {
	Region   *string `json:"Region"`
	KmsKeyID *string `json:"KmsKeyId"`
}

type createSecretInput struct {
	Name                        *string             `json:"Name"`
	ClientRequestToken          *string             `json:"ClientRequestToken"`
	Description                 *string             `json:"Description"`
	KmsKeyID                    *string             `json:"KmsKeyId"`
	SecretBinary                []byte              `json:"SecretBinary"`
	SecretString                *string             `json:"SecretString"`
	Tags                        []tag               `json:"Tags"`
	AddReplicaRegions           []replicaRegionType `json:"AddReplicaRegions"`
	ForceOverwriteReplicaSecret bool                `json:"ForceOverwriteReplicaSecret"`
}

type replicationStatus struct {
	Region           string `json:"Region"`
	KmsKeyID         string `json:"KmsKeyId,omitempty"`
	Status           string `json:"Status"`
	StatusMessage    string `json:"StatusMessage,omitempty"`
	LastAccessedDate *epoch `json:"LastAccessedDate,omitempty"`
}

type createSecretOutput struct {
	ARN               string              `json:"ARN"`
	Name              string              `json:"Name"`
	VersionID         string              `json:"VersionId,omitempty"`
	ReplicationStatus []replicationStatus `json:"ReplicationStatus,omitempty"`
}

func (s *Service) smCreateSecret(region string, in *createSecretInput) (any, error) {
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	for _, check := range []error{checkToken(in.ClientRequestToken), checkDescription(in.Description),
		checkValue(in.SecretString, in.SecretBinary), checkTags(in.Tags), checkReplicaRegions(region, in.AddReplicaRegions)} {
		if check != nil {
			return nil, check
		}
	}
	if existing := s.lookupSecret(region, *in.Name); existing != nil {
		if existing.isDeleted() {
			return nil, invalidRequest("You can't create this secret because a secret with this name is already scheduled for deletion.")
		}
		if in.ClientRequestToken != nil && existing.Versions[*in.ClientRequestToken] != nil {
			return s.retriedCreate(existing, in)
		}
		return nil, newError("ResourceExistsException", "The operation failed because the secret %s already exists.", *in.Name)
	}
	now := s.now()
	sec := &smSecret{
		ARN:         secretARN(region, s.account, *in.Name),
		Name:        *in.Name,
		Region:      region,
		Description: in.Description,
		Tags:        mergeTags(nil, in.Tags),
		Versions:    map[string]*smVersion{},
		Created:     now,
		LastChanged: now,
	}
	if in.KmsKeyID != nil {
		sec.KmsKeyID = *in.KmsKeyID
	}
	out := &createSecretOutput{ARN: sec.ARN, Name: sec.Name}
	if in.SecretString != nil || in.SecretBinary != nil {
		if in.ClientRequestToken == nil {
			return nil, errNoToken()
		}
		v, err := s.newVersion(sec, *in.ClientRequestToken, in.SecretString, in.SecretBinary)
		if err != nil {
			return nil, err
		}
		sec.moveStage(stageCurrent, v)
		out.VersionID = v.ID
	}
	s.smRegion(region).byName[sec.Name] = sec
	if len(in.AddReplicaRegions) > 0 {
		s.addReplicas(sec, in.AddReplicaRegions, in.ForceOverwriteReplicaSecret)
		out.ReplicationStatus = replicationStatuses(sec)
	}
	return out, nil
}

// retriedCreate answers a CreateSecret whose ClientRequestToken names a version of the
// existing secret: a retry with the same value succeeds with that version, another value is
// refused (CreateSecret reference, ClientRequestToken).
func (s *Service) retriedCreate(sec *smSecret, in *createSecretInput) (any, error) {
	v := sec.Versions[*in.ClientRequestToken]
	same := false
	if v.hasValue() && (in.SecretString != nil || in.SecretBinary != nil) {
		var err error
		if same, err = s.holdsValue(sec, v, in.SecretString, in.SecretBinary); err != nil {
			return nil, err
		}
	}
	if !same {
		return nil, newError("ResourceExistsException",
			"You can't use ClientRequestToken %s because that value is already in use for a version of secret %s.", v.ID, sec.ARN)
	}
	return &createSecretOutput{ARN: sec.ARN, Name: sec.Name, VersionID: v.ID, ReplicationStatus: replicationStatuses(sec)}, nil
}

// errNoToken: the SDKs and the CLI fill ClientRequestToken in; AWS refuses a request that
// creates a version without one.
func errNoToken() error {
	return invalidRequest("You must provide a ClientRequestToken value. We recommend a UUID-type value.")
}

// newVersion adds a version holding a value. A value that cannot be encrypted under the
// secret's KMS key adds nothing.
func (s *Service) newVersion(sec *smSecret, id string, str *string, bin []byte) (*smVersion, error) {
	v := &smVersion{ID: id, Created: s.now()}
	if err := s.fillVersion(sec, v, str, bin); err != nil {
		return nil, err
	}
	sec.addVersion(v)
	return v, nil
}

// fillVersion stores a value in v, which has none yet, encrypted under the secret's key.
func (s *Service) fillVersion(sec *smSecret, v *smVersion, str *string, bin []byte) error {
	strCT, binCT, err := s.sealValue(sec, sec.KmsKeyID, v.ID, str, bin)
	if err != nil {
		return err
	}
	v.String, v.Binary, v.KmsKeyIDs = strCT, binCT, sec.kmsKeyIDsForVersion()
	return nil
}

func mergeTags(have, add []tag) []tag {
	out := slices.Clone(have)
	for _, t := range add {
		if i := slices.IndexFunc(out, func(x tag) bool { return x.Key == t.Key }); i >= 0 {
			out[i].Value = t.Value
		} else {
			out = append(out, t)
		}
	}
	return out
}

// ---- DescribeSecret ----

type describeSecretOutput struct {
	ARN                string              `json:"ARN"`
	Name               string              `json:"Name"`
	Description        *string             `json:"Description,omitempty"`
	KmsKeyID           string              `json:"KmsKeyId,omitempty"`
	RotationEnabled    *bool               `json:"RotationEnabled,omitempty"`
	RotationLambdaARN  string              `json:"RotationLambdaARN,omitempty"`
	RotationRules      *rotationRules      `json:"RotationRules,omitempty"`
	LastRotatedDate    *epoch              `json:"LastRotatedDate,omitempty"`
	LastChangedDate    *epoch              `json:"LastChangedDate,omitempty"`
	LastAccessedDate   *epoch              `json:"LastAccessedDate,omitempty"`
	DeletedDate        *epoch              `json:"DeletedDate,omitempty"`
	NextRotationDate   *epoch              `json:"NextRotationDate,omitempty"`
	Tags               []tag               `json:"Tags,omitzero"`
	VersionIdsToStages map[string][]string `json:"VersionIdsToStages,omitempty"`
	OwningService      string              `json:"OwningService,omitempty"`
	CreatedDate        *epoch              `json:"CreatedDate,omitempty"`
	PrimaryRegion      string              `json:"PrimaryRegion,omitempty"`
	ReplicationStatus  []replicationStatus `json:"ReplicationStatus,omitempty"`
}

type secretIDInput struct {
	SecretID *string `json:"SecretId"`
}

func (s *Service) smDescribeSecret(region string, in *secretIDInput) (any, error) {
	sec, err := s.secretAny(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	return describe(sec), nil
}

func describe(sec *smSecret) *describeSecretOutput {
	out := &describeSecretOutput{
		ARN:                sec.ARN,
		Name:               sec.Name,
		Description:        sec.Description,
		KmsKeyID:           sec.KmsKeyID,
		RotationLambdaARN:  sec.RotationLambdaARN,
		RotationRules:      sec.RotationRules,
		LastRotatedDate:    epochPtr(sec.LastRotated),
		LastChangedDate:    epochPtr(sec.LastChanged),
		LastAccessedDate:   epochPtr(sec.LastAccessed),
		DeletedDate:        epochPtr(sec.DeletionDate),
		NextRotationDate:   epochPtr(sec.NextRotation),
		Tags:               sec.Tags,
		VersionIdsToStages: sec.versionStages(),
		OwningService:      sec.OwningService,
		CreatedDate:        epochPtr(sec.Created),
		PrimaryRegion:      sec.PrimaryRegion,
		ReplicationStatus:  replicationStatuses(sec),
	}
	if sec.RotationEnabled || sec.RotationLambdaARN != "" {
		out.RotationEnabled = &sec.RotationEnabled
	}
	// A secret that takes part in replication names its primary region; others omit it.
	if sec.PrimaryRegion == "" && len(sec.Replicas) > 0 {
		out.PrimaryRegion = sec.Region
	}
	return out
}

func replicationStatuses(sec *smSecret) []replicationStatus {
	out := make([]replicationStatus, 0, len(sec.Replicas))
	for _, r := range sec.Replicas {
		out = append(out, replicationStatus{
			Region: r.Region, KmsKeyID: r.KmsKeyID, Status: r.Status, StatusMessage: r.StatusMessage,
			LastAccessedDate: epochPtr(r.LastAccessed),
		})
	}
	return out
}
