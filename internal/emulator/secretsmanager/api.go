package secretsmanager

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

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

// ---- lookup ----

func (s *Service) smRegion(region string) *smRegion {
	r := s.regions[region]
	if r == nil {
		r = &smRegion{byName: map[string]*smSecret{}}
		s.regions[region] = r
	}
	return r
}

// lookupSecret finds a secret by name, full ARN or partial ARN (the ARN without its random
// suffix). A secret whose recovery window has ended is purged first and not found.
func (s *Service) lookupSecret(region, id string) *smSecret {
	reg := s.smRegion(region)
	sec := s.findByID(reg, region, id)
	if sec != nil && sec.isDeleted() && !s.now().Before(sec.DeletionDate) {
		s.purge(sec)
		return nil
	}
	return sec
}

func (s *Service) findByID(reg *smRegion, region, id string) *smSecret {
	rest, isARN := strings.CutPrefix(id, "arn:")
	if !isARN {
		return reg.byName[id]
	}
	parts := strings.SplitN(rest, ":", 6) // aws, secretsmanager, region, account, "secret", name
	if len(parts) != 6 || parts[1] != "secretsmanager" || parts[2] != region || parts[3] != s.account || parts[4] != "secret" {
		return nil
	}
	name := parts[5]
	if len(name) > 7 && name[len(name)-7] == '-' {
		if sec := reg.byName[name[:len(name)-7]]; sec != nil && sec.ARN == id {
			return sec
		}
	}
	return reg.byName[name]
}

// secretForRead returns an existing secret that is not scheduled for deletion.
func (s *Service) secretForRead(region string, id *string) (*smSecret, error) {
	sec, err := s.secretAny(region, id)
	if err != nil {
		return nil, err
	}
	if sec.isDeleted() {
		return nil, invalidRequest(msgMarkedDeleted)
	}
	return sec, nil
}

// secretForWrite is secretForRead, and refuses replicas, which change only through their primary.
func (s *Service) secretForWrite(region string, id *string) (*smSecret, error) {
	sec, err := s.secretForRead(region, id)
	if err != nil {
		return nil, err
	}
	if sec.isReplica() {
		return nil, invalidParameter(msgReplicaWrite)
	}
	return sec, nil
}

// secretAny returns an existing secret, deleted or not.
func (s *Service) secretAny(region string, id *string) (*smSecret, error) {
	if err := checkSecretID(id); err != nil {
		return nil, err
	}
	sec := s.lookupSecret(region, *id)
	if sec == nil {
		return nil, errSecretNotFound()
	}
	return sec, nil
}

func checkSecretID(id *string) error {
	if id == nil {
		return validationError("secretId", "Member must not be null", nil)
	}
	if len(*id) < 1 || len(*id) > 2048 {
		return validationError("secretId", "Member must have length between 1 and 2048", *id)
	}
	// An id that is not an ARN is a name, and one with characters a name cannot have is
	// refused before any lookup, by every operation (LocalStack's aws_validated
	// test_invalid_secret_name).
	if !strings.HasPrefix(*id, "arn:") && !secretNamePattern.MatchString(*id) {
		return errInvalidName()
	}
	return nil
}

func errInvalidName() error {
	return newError("ValidationException", "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!")
}

// purge removes a secret for good, with its replicas.
func (s *Service) purge(sec *smSecret) {
	delete(s.smRegion(sec.Region).byName, sec.Name)
	for _, r := range sec.Replicas {
		if rep := s.smRegion(r.Region).byName[sec.Name]; rep != nil && rep.PrimaryRegion == sec.Region {
			delete(s.smRegion(r.Region).byName, sec.Name)
		}
	}
}

// changed records a change to a primary secret and copies it to its replicas.
func (s *Service) changed(sec *smSecret) {
	sec.LastChanged = s.now()
	s.syncReplicas(sec)
}

func (s *Service) syncReplicas(sec *smSecret) {
	for _, r := range sec.Replicas {
		if r.Status != "InSync" {
			continue
		}
		reg := s.smRegion(r.Region)
		old := reg.byName[sec.Name]
		c := sec.cloneFor(r.Region, r)
		if old != nil && old.PrimaryRegion == sec.Region {
			c.ARN = old.ARN
			c.LastAccessed = old.LastAccessed
		}
		// Each replica holds its values under its own region's key.
		if err := s.encryptReplica(sec, c); err != nil {
			r.Status = "Failed"
			r.StatusMessage = "Replication failed: " + apiErrorMessage(err)
			continue
		}
		reg.byName[sec.Name] = c
	}
}

// ---- validation shared by several operations ----

func checkName(name *string) error {
	if name == nil {
		return validationError("name", "Member must not be null", nil)
	}
	if len(*name) < 1 || len(*name) > maxNameLen {
		return validationError("name", "Member must have length between 1 and 512", *name)
	}
	if !secretNamePattern.MatchString(*name) {
		return errInvalidName()
	}
	return nil
}

func checkToken(token *string) error {
	if token == nil {
		return nil
	}
	if n := len(*token); n < minTokenLen || n > maxTokenLen {
		return invalidParameter("ClientRequestToken must be 32-64 characters long.")
	}
	return nil
}

func checkDescription(d *string) error {
	if d != nil && len(*d) > maxDescriptionLen {
		return sensitiveValidationError("description", "Member must have length less than or equal to 2048")
	}
	return nil
}

// checkValue validates a secret value. Values never appear in errors.
func checkValue(str *string, bin []byte) error {
	if str != nil && bin != nil {
		return invalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.")
	}
	if str != nil && len(*str) > maxSecretValueBytes {
		return sensitiveValidationError("secretString", "Member must have length less than or equal to 65536")
	}
	if bin != nil && len(bin) > maxSecretValueBytes {
		return sensitiveValidationError("secretBinary", "Member must have length less than or equal to 65536")
	}
	return nil
}

func checkTags(tags []tag) error {
	if len(tags) > maxTags {
		return validationError("tags", "Member must have length less than or equal to 50", len(tags))
	}
	for _, t := range tags {
		if len(t.Key) < 1 || len(t.Key) > maxTagKeyLen {
			return validationError("tags.member.key", "Member must have length between 1 and 128", t.Key)
		}
		if len(t.Value) > maxTagValueLen {
			return validationError("tags.member.value", "Member must have length less than or equal to 256", t.Value)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return invalidParameter("Invalid tag key. The prefix aws: is reserved for AWS use and can't be used in tag keys.")
		}
	}
	return nil
}

func checkStages(stages []string) error {
	if len(stages) > maxStagesPerVersion {
		return validationError("versionStages", "Member must have length less than or equal to 20", len(stages))
	}
	for _, st := range stages {
		if len(st) < 1 || len(st) > maxStageLen {
			return validationError("versionStages.member", "Member must have length between 1 and 256", st)
		}
	}
	return nil
}

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

// ---- GetSecretValue / BatchGetSecretValue ----

type getSecretValueInput struct {
	SecretID     *string `json:"SecretId"`
	VersionID    *string `json:"VersionId"`
	VersionStage *string `json:"VersionStage"`
}

type secretValueOutput struct {
	ARN           string   `json:"ARN"`
	Name          string   `json:"Name"`
	VersionID     string   `json:"VersionId"`
	SecretBinary  []byte   `json:"SecretBinary,omitempty"`
	SecretString  *string  `json:"SecretString,omitempty"`
	VersionStages []string `json:"VersionStages"`
	CreatedDate   *epoch   `json:"CreatedDate,omitempty"`
}

func (s *Service) smGetSecretValue(region string, in *getSecretValueInput) (any, error) {
	if err := checkVersionID(in.VersionID); err != nil {
		return nil, err
	}
	sec, err := s.secretForRead(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	return s.readValue(sec, in.VersionID, in.VersionStage)
}

func checkVersionID(id *string) error {
	if id != nil && (len(*id) < minTokenLen || len(*id) > maxTokenLen) {
		return validationError("versionId", "Member must have length between 32 and 64", *id)
	}
	return nil
}

// readValue returns the version asked for, by id, by stage, or AWSCURRENT, and records the
// access date on the secret and the version.
func (s *Service) readValue(sec *smSecret, versionID, stage *string) (*secretValueOutput, error) {
	var v *smVersion
	switch {
	case versionID != nil:
		v = sec.Versions[*versionID]
		if v == nil || !v.hasValue() {
			return nil, newError("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for VersionId: %s", *versionID)
		}
		if stage != nil && !v.hasStage(*stage) {
			return nil, invalidRequest("You provided a VersionStage that is not associated to the provided VersionId.")
		}
	default:
		st := stageCurrent
		if stage != nil {
			st = *stage
		}
		v = sec.versionByStage(st)
		if v == nil || !v.hasValue() {
			return nil, newError("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: %s", st)
		}
	}
	str, bin, err := s.openValue(sec, v)
	if err != nil {
		return nil, err
	}
	day := dateOnly(s.now())
	sec.LastAccessed = day
	v.LastAccessed = day
	return &secretValueOutput{
		ARN: sec.ARN, Name: sec.Name, VersionID: v.ID,
		SecretString: str, SecretBinary: bin,
		VersionStages: append([]string{}, v.Stages...), CreatedDate: epochPtr(v.Created),
	}, nil
}

type filter struct {
	Key    *string  `json:"Key"`
	Values []string `json:"Values"`
}

type batchGetSecretValueInput struct {
	SecretIDList []string `json:"SecretIdList"`
	Filters      []filter `json:"Filters"`
	MaxResults   *int64   `json:"MaxResults"`
	NextToken    *string  `json:"NextToken"`
}

type apiErrorEntry struct {
	SecretID  string `json:"SecretId"`
	ErrorCode string `json:"ErrorCode"`
	Message   string `json:"Message"`
}

type batchGetSecretValueOutput struct {
	SecretValues []*secretValueOutput `json:"SecretValues"`
	Errors       []apiErrorEntry      `json:"Errors"`
	NextToken    string               `json:"NextToken,omitempty"`
}

const maxBatchSecrets = 20

func (s *Service) smBatchGetSecretValue(region string, in *batchGetSecretValueInput) (any, error) {
	if (len(in.SecretIDList) > 0) == (len(in.Filters) > 0) {
		return nil, invalidParameter("Either 'SecretIdList' or 'Filters' must be provided, but not both.")
	}
	out := &batchGetSecretValueOutput{SecretValues: []*secretValueOutput{}, Errors: []apiErrorEntry{}}
	if len(in.SecretIDList) > 0 {
		if len(in.SecretIDList) > maxBatchSecrets {
			return nil, validationError("secretIdList", "Member must have length less than or equal to 20", len(in.SecretIDList))
		}
		if in.MaxResults != nil {
			return nil, invalidParameter("'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.")
		}
		for _, id := range in.SecretIDList {
			v, err := s.batchRead(region, id)
			if err != nil {
				ae := err.(*apiError)
				out.Errors = append(out.Errors, apiErrorEntry{SecretID: id, ErrorCode: ae.Type, Message: ae.Message})
				continue
			}
			out.SecretValues = append(out.SecretValues, v)
		}
		return out, nil
	}
	limit, err := pageSize(in.MaxResults, maxBatchSecrets)
	if err != nil {
		return nil, err
	}
	matched, err := s.filteredSecrets(region, in.Filters, false)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(matched, in.NextToken, limit)
	if err != nil {
		return nil, err
	}
	for _, sec := range page {
		v, err := s.batchRead(region, sec.ARN)
		if err != nil {
			ae := err.(*apiError)
			out.Errors = append(out.Errors, apiErrorEntry{SecretID: sec.ARN, ErrorCode: ae.Type, Message: ae.Message})
			continue
		}
		out.SecretValues = append(out.SecretValues, v)
	}
	out.NextToken = next
	return out, nil
}

func (s *Service) batchRead(region, id string) (*secretValueOutput, error) {
	sec, err := s.secretForRead(region, &id)
	if err != nil {
		return nil, err
	}
	return s.readValue(sec, nil, nil)
}

// ---- PutSecretValue / UpdateSecret ----

type putSecretValueInput struct {
	SecretID           *string  `json:"SecretId"`
	ClientRequestToken *string  `json:"ClientRequestToken"`
	SecretBinary       []byte   `json:"SecretBinary"`
	SecretString       *string  `json:"SecretString"`
	VersionStages      []string `json:"VersionStages"`
	RotationToken      *string  `json:"RotationToken"`
}

type putSecretValueOutput struct {
	ARN           string   `json:"ARN"`
	Name          string   `json:"Name"`
	VersionID     string   `json:"VersionId"`
	VersionStages []string `json:"VersionStages"`
}

func (s *Service) smPutSecretValue(region string, in *putSecretValueInput) (any, error) {
	for _, check := range []error{checkSecretID(in.SecretID), checkToken(in.ClientRequestToken),
		checkValue(in.SecretString, in.SecretBinary), checkStages(in.VersionStages)} {
		if check != nil {
			return nil, check
		}
	}
	if in.ClientRequestToken == nil {
		return nil, errNoToken() // before the lookup, as AWS answers a raw request
	}
	if in.SecretString == nil && in.SecretBinary == nil {
		return nil, invalidRequest("You must provide either SecretString or SecretBinary.")
	}
	sec, err := s.secretForWrite(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	stages := in.VersionStages
	if stages == nil {
		stages = []string{stageCurrent}
	}
	if !slices.Contains(stages, stageCurrent) && sec.versionByStage(stageCurrent) == nil {
		// The first version of a secret is always current (PutSecretValue reference).
		stages = append(slices.Clone(stages), stageCurrent)
	}
	v, created, err := s.putVersion(sec, in.ClientRequestToken, in.SecretString, in.SecretBinary, stages)
	if err != nil {
		return nil, err
	}
	if created {
		s.changed(sec)
	}
	return &putSecretValueOutput{ARN: sec.ARN, Name: sec.Name, VersionID: v.ID, VersionStages: slices.Clone(v.Stages)}, nil
}

// putVersion adds a version with the given stages, or returns the existing version when the
// token was used before with the same value (a retried request).
func (s *Service) putVersion(sec *smSecret, token, str *string, bin []byte, stages []string) (*smVersion, bool, error) {
	if token == nil {
		return nil, false, errNoToken()
	}
	if v := sec.Versions[*token]; v != nil && !v.hasValue() {
		// The rotation's placeholder for this token gets its value (createSecret).
		if err := s.fillVersion(sec, v, str, bin); err != nil {
			return nil, false, err
		}
		for _, st := range orderStages(stages) {
			sec.moveStage(st, v)
		}
		return v, true, nil
	}
	if v := sec.Versions[*token]; v != nil {
		same, err := s.holdsValue(sec, v, str, bin)
		if err != nil {
			return nil, false, err
		}
		if !same {
			return nil, false, newError("ResourceExistsException",
				"You can't use ClientRequestToken %s because that value is already in use for a version of secret %s.", *token, sec.ARN)
		}
		return v, false, nil
	}
	v, err := s.newVersion(sec, *token, str, bin)
	if err != nil {
		return nil, false, err
	}
	oldCurrent := sec.versionByStage(stageCurrent)
	stages = orderStages(stages)
	for _, st := range stages {
		sec.moveStage(st, v)
	}
	// A new value made current ends any rotation that was left on the old current version.
	if oldCurrent != nil && slices.Contains(stages, stageCurrent) && !slices.Contains(stages, stagePending) {
		sec.removeStage(stagePending, oldCurrent)
	}
	sec.pruneVersions(s.now())
	return v, true, nil
}

// orderStages drops repeated labels and moves AWSCURRENT first, so that the AWSPREVIOUS it
// hands out is then overridden by an explicit AWSPREVIOUS in the same request, whatever the
// order the caller listed them in.
func orderStages(ss []string) []string {
	out := make([]string, 0, len(ss))
	if slices.Contains(ss, stageCurrent) {
		out = append(out, stageCurrent)
	}
	for _, x := range ss {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

type updateSecretInput struct {
	SecretID           *string `json:"SecretId"`
	ClientRequestToken *string `json:"ClientRequestToken"`
	Description        *string `json:"Description"`
	KmsKeyID           *string `json:"KmsKeyId"`
	SecretBinary       []byte  `json:"SecretBinary"`
	SecretString       *string `json:"SecretString"`
}

type updateSecretOutput struct {
	ARN       string `json:"ARN"`
	Name      string `json:"Name"`
	VersionID string `json:"VersionId,omitempty"`
}

func (s *Service) smUpdateSecret(region string, in *updateSecretInput) (any, error) {
	for _, check := range []error{checkSecretID(in.SecretID), checkToken(in.ClientRequestToken),
		checkDescription(in.Description), checkValue(in.SecretString, in.SecretBinary)} {
		if check != nil {
			return nil, check
		}
	}
	if (in.SecretString != nil || in.SecretBinary != nil) && in.ClientRequestToken == nil {
		return nil, errNoToken() // before the lookup, as AWS answers a raw request
	}
	sec, err := s.secretForWrite(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	out := &updateSecretOutput{ARN: sec.ARN, Name: sec.Name}
	changed := false
	if in.Description != nil {
		sec.Description = in.Description
		changed = true
	}
	if in.KmsKeyID != nil {
		// A new key re-encrypts the labelled versions; a key that cannot encrypt changes nothing.
		old := sec.KmsKeyID
		sec.KmsKeyID = *in.KmsKeyID
		if err := s.reencryptLabelled(sec); err != nil {
			sec.KmsKeyID = old
			return nil, err
		}
		changed = true
	}
	if in.SecretString != nil || in.SecretBinary != nil {
		v, created, err := s.putVersion(sec, in.ClientRequestToken, in.SecretString, in.SecretBinary, []string{stageCurrent})
		if err != nil {
			return nil, err
		}
		out.VersionID = v.ID
		changed = changed || created
	}
	if changed {
		s.changed(sec)
	}
	return out, nil
}

// ---- UpdateSecretVersionStage ----

type updateSecretVersionStageInput struct {
	SecretID            *string `json:"SecretId"`
	VersionStage        *string `json:"VersionStage"`
	RemoveFromVersionID *string `json:"RemoveFromVersionId"`
	MoveToVersionID     *string `json:"MoveToVersionId"`
}

type arnNameOutput struct {
	ARN  string `json:"ARN"`
	Name string `json:"Name"`
}

func (s *Service) smUpdateSecretVersionStage(region string, in *updateSecretVersionStageInput) (any, error) {
	if err := checkSecretID(in.SecretID); err != nil {
		return nil, err
	}
	if in.VersionStage == nil {
		return nil, validationError("versionStage", "Member must not be null", nil)
	}
	if err := checkStages([]string{*in.VersionStage}); err != nil {
		return nil, err
	}
	if err := checkVersionID(in.RemoveFromVersionID); err != nil {
		return nil, err
	}
	if err := checkVersionID(in.MoveToVersionID); err != nil {
		return nil, err
	}
	sec, err := s.secretForWrite(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	stage := *in.VersionStage
	holder := sec.versionByStage(stage)
	if in.RemoveFromVersionID != nil {
		from := sec.Versions[*in.RemoveFromVersionID]
		if from == nil || from != holder {
			return nil, invalidParameter("The staging label %s is not attached to the version %s, so you can't remove it.", stage, *in.RemoveFromVersionID)
		}
	}
	if in.MoveToVersionID == nil {
		if in.RemoveFromVersionID == nil {
			return nil, invalidParameter("You must specify either MoveToVersionId or RemoveFromVersionId.")
		}
		if stage == stageCurrent {
			return nil, invalidParameter("You can only move staging label AWSCURRENT to a different secret version. It can't be completely removed.")
		}
		sec.removeStage(stage, holder)
		s.changed(sec)
		return &arnNameOutput{ARN: sec.ARN, Name: sec.Name}, nil
	}
	to := sec.Versions[*in.MoveToVersionID]
	if to == nil {
		return nil, invalidParameter("Secrets Manager can't find the specified secret version %s.", *in.MoveToVersionID)
	}
	if holder != nil && holder != to && in.RemoveFromVersionID == nil {
		return nil, invalidParameter("The parameter RemoveFromVersionId can't be empty. Staging label %s is currently attached to version %s, so you must explicitly reference that version in RemoveFromVersionId.", stage, holder.ID)
	}
	if holder != to && len(to.Stages) >= maxStagesPerVersion {
		return nil, newError("LimitExceededException", "A version can have at most %d staging labels.", maxStagesPerVersion)
	}
	sec.moveStage(stage, to)
	sec.pruneVersions(s.now())
	s.changed(sec)
	return &arnNameOutput{ARN: sec.ARN, Name: sec.Name}, nil
}

// ---- ListSecretVersionIds ----

type listSecretVersionIDsInput struct {
	SecretID          *string `json:"SecretId"`
	MaxResults        *int64  `json:"MaxResults"`
	NextToken         *string `json:"NextToken"`
	IncludeDeprecated bool    `json:"IncludeDeprecated"`
}

type versionEntry struct {
	VersionID        string   `json:"VersionId"`
	VersionStages    []string `json:"VersionStages,omitempty"`
	LastAccessedDate *epoch   `json:"LastAccessedDate,omitempty"`
	CreatedDate      *epoch   `json:"CreatedDate,omitempty"`
	KmsKeyIDs        []string `json:"KmsKeyIds,omitempty"`
}

type listSecretVersionIDsOutput struct {
	ARN       string         `json:"ARN"`
	Name      string         `json:"Name"`
	Versions  []versionEntry `json:"Versions"`
	NextToken string         `json:"NextToken,omitempty"`
}

func (s *Service) smListSecretVersionIds(region string, in *listSecretVersionIDsInput) (any, error) {
	limit, err := pageSize(in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	sec, err := s.secretAny(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	var vs []*smVersion
	for _, v := range sec.versionsNewestFirst() {
		if in.IncludeDeprecated || len(v.Stages) > 0 {
			vs = append(vs, v)
		}
	}
	page, next, err := paginate(vs, in.NextToken, limit)
	if err != nil {
		return nil, err
	}
	out := &listSecretVersionIDsOutput{ARN: sec.ARN, Name: sec.Name, Versions: make([]versionEntry, 0, len(page)), NextToken: next}
	for _, v := range page {
		out.Versions = append(out.Versions, versionEntry{
			VersionID: v.ID, VersionStages: slices.Clone(v.Stages), LastAccessedDate: epochPtr(v.LastAccessed),
			CreatedDate: epochPtr(v.Created), KmsKeyIDs: slices.Clone(v.KmsKeyIDs),
		})
	}
	return out, nil
}

// pageSize validates MaxResults against [1, max] and returns max when it is absent.
func pageSize(maxResults *int64, max int) (int, error) {
	if maxResults == nil {
		return max, nil
	}
	if *maxResults < 1 || *maxResults > int64(max) {
		return 0, validationError("maxResults", "Member must have value between 1 and "+strconv.Itoa(max), *maxResults)
	}
	return int(*maxResults), nil
}

// pageToken is what NextToken carries: the offset of the next page. Tokens are opaque to
// clients, as AWS's are.
type pageToken struct {
	Offset int `json:"o"`
}

func paginate[T any](items []T, token *string, limit int) ([]T, string, error) {
	start := 0
	if token != nil {
		raw, err := base64.RawURLEncoding.DecodeString(*token)
		var pt pageToken
		if err != nil || json.Unmarshal(raw, &pt) != nil || pt.Offset < 0 {
			return nil, "", newError("InvalidNextTokenException", "The NextToken value is invalid.")
		}
		start = min(pt.Offset, len(items))
	}
	end := min(start+limit, len(items))
	next := ""
	if end < len(items) {
		raw, _ := json.Marshal(pageToken{Offset: end})
		next = base64.RawURLEncoding.EncodeToString(raw)
	}
	return items[start:end], next, nil
}

// ---- DeleteSecret / RestoreSecret ----

type deleteSecretInput struct {
	SecretID                   *string `json:"SecretId"`
	RecoveryWindowInDays       *int64  `json:"RecoveryWindowInDays"`
	ForceDeleteWithoutRecovery *bool   `json:"ForceDeleteWithoutRecovery"`
}

type deleteSecretOutput struct {
	ARN          string `json:"ARN"`
	Name         string `json:"Name"`
	DeletionDate *epoch `json:"DeletionDate"`
}

func (s *Service) smDeleteSecret(region string, in *deleteSecretInput) (any, error) {
	if err := checkSecretID(in.SecretID); err != nil {
		return nil, err
	}
	force := in.ForceDeleteWithoutRecovery != nil && *in.ForceDeleteWithoutRecovery
	days := int64(defaultRecoveryDays)
	if in.RecoveryWindowInDays != nil {
		days = *in.RecoveryWindowInDays
		if days < minRecoveryDays || days > maxRecoveryDays {
			return nil, invalidParameter("The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).")
		}
		if force {
			return nil, invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")
		}
	}
	now := s.now()
	sec := s.lookupSecret(region, *in.SecretID)
	if sec == nil {
		if !force {
			return nil, errSecretNotFound()
		}
		// "If you forcibly delete an already deleted or nonexistent secret, the operation does
		// not return ResourceNotFoundException." (DeleteSecret, API reference)
		return &deleteSecretOutput{ARN: *in.SecretID, Name: *in.SecretID, DeletionDate: epochPtr(now)}, nil
	}
	if sec.isReplica() {
		return nil, invalidParameter(msgReplicaWrite)
	}
	if len(sec.Replicas) > 0 {
		return nil, invalidParameter("You can't delete secret %s that still has replica regions [%s].", sec.ARN, strings.Join(replicaRegions(sec), ", "))
	}
	if force {
		s.purge(sec)
		return &deleteSecretOutput{ARN: sec.ARN, Name: sec.Name, DeletionDate: epochPtr(now)}, nil
	}
	if sec.isDeleted() {
		return nil, invalidRequest(msgMarkedDeleted)
	}
	sec.Deleted = now
	sec.DeletionDate = now.Add(time.Duration(days) * 24 * time.Hour)
	sec.LastChanged = now
	return &deleteSecretOutput{ARN: sec.ARN, Name: sec.Name, DeletionDate: epochPtr(sec.DeletionDate)}, nil
}

func replicaRegions(sec *smSecret) []string {
	out := make([]string, 0, len(sec.Replicas))
	for _, r := range sec.Replicas {
		out = append(out, r.Region)
	}
	return out
}

func (s *Service) smRestoreSecret(region string, in *secretIDInput) (any, error) {
	sec, err := s.secretAny(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	if sec.isReplica() {
		return nil, invalidParameter(msgReplicaWrite)
	}
	if sec.isDeleted() {
		sec.Deleted, sec.DeletionDate = time.Time{}, time.Time{}
		s.changed(sec)
	}
	return &arnNameOutput{ARN: sec.ARN, Name: sec.Name}, nil
}

// ---- tags ----

type tagResourceInput struct {
	SecretID *string `json:"SecretId"`
	Tags     []tag   `json:"Tags"`
}

type untagResourceInput struct {
	SecretID *string  `json:"SecretId"`
	TagKeys  []string `json:"TagKeys"`
}

type empty struct{}

func (s *Service) smTagResource(region string, in *tagResourceInput) (any, error) {
	if in.Tags == nil {
		return nil, validationError("tags", "Member must not be null", nil)
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	sec, err := s.secretForWrite(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	merged := mergeTags(sec.Tags, in.Tags)
	if len(merged) > maxTags {
		return nil, newError("LimitExceededException", "A secret can have at most %d tags; this request would give it %d.", maxTags, len(merged))
	}
	sec.Tags = merged
	s.changed(sec)
	return empty{}, nil
}

func (s *Service) smUntagResource(region string, in *untagResourceInput) (any, error) {
	if in.TagKeys == nil {
		return nil, validationError("tagKeys", "Member must not be null", nil)
	}
	sec, err := s.secretForWrite(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	// Once a secret has had tags, AWS answers "Tags": [] rather than leaving the field out.
	sec.Tags = slices.DeleteFunc(sec.Tags, func(t tag) bool { return slices.Contains(in.TagKeys, t.Key) })
	if sec.Tags == nil {
		sec.Tags = []tag{}
	}
	s.changed(sec)
	return empty{}, nil
}

// ---- GetRandomPassword ----

type getRandomPasswordInput struct {
	PasswordLength          *int64  `json:"PasswordLength"`
	ExcludeCharacters       *string `json:"ExcludeCharacters"`
	ExcludeNumbers          bool    `json:"ExcludeNumbers"`
	ExcludePunctuation      bool    `json:"ExcludePunctuation"`
	ExcludeUppercase        bool    `json:"ExcludeUppercase"`
	ExcludeLowercase        bool    `json:"ExcludeLowercase"`
	IncludeSpace            bool    `json:"IncludeSpace"`
	RequireEachIncludedType *bool   `json:"RequireEachIncludedType"`
}

func (s *Service) smGetRandomPassword(_ string, in *getRandomPasswordInput) (any, error) {
	spec := passwordSpec{
		ExcludeNumbers: in.ExcludeNumbers, ExcludePunctuation: in.ExcludePunctuation,
		ExcludeUppercase: in.ExcludeUppercase, ExcludeLowercase: in.ExcludeLowercase,
		IncludeSpace: in.IncludeSpace, RequireEachIncludedType: in.RequireEachIncludedType,
	}
	if in.PasswordLength != nil {
		if *in.PasswordLength < 1 || *in.PasswordLength > 4096 {
			return nil, validationError("passwordLength", "Member must have value between 1 and 4096", *in.PasswordLength)
		}
		spec.Length = *in.PasswordLength
	}
	if in.ExcludeCharacters != nil {
		spec.ExcludeCharacters = *in.ExcludeCharacters
	}
	pw, err := generatePassword(rand.Reader, spec)
	if err != nil {
		return nil, err
	}
	return struct {
		RandomPassword string `json:"RandomPassword"`
	}{pw}, nil
}

// ---- resource policies ----

type putResourcePolicyInput struct {
	SecretID          *string `json:"SecretId"`
	ResourcePolicy    *string `json:"ResourcePolicy"`
	BlockPublicPolicy *bool   `json:"BlockPublicPolicy"`
}

func (s *Service) smPutResourcePolicy(region string, in *putResourcePolicyInput) (any, error) {
	if in.ResourcePolicy == nil {
		return nil, validationError("resourcePolicy", "Member must not be null", nil)
	}
	sec, err := s.secretForWrite(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	findings, public := CheckPolicy(*in.ResourcePolicy)
	if len(findings) > 0 {
		return nil, newError("MalformedPolicyDocumentException", "This policy has invalid syntax.")
	}
	if public && in.BlockPublicPolicy != nil && *in.BlockPublicPolicy {
		return nil, newError("PublicPolicyException", "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.")
	}
	sec.Policy = *in.ResourcePolicy
	s.changed(sec)
	return &arnNameOutput{ARN: sec.ARN, Name: sec.Name}, nil
}

func (s *Service) smGetResourcePolicy(region string, in *secretIDInput) (any, error) {
	sec, err := s.secretForRead(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	return struct {
		ARN            string `json:"ARN"`
		Name           string `json:"Name"`
		ResourcePolicy string `json:"ResourcePolicy,omitempty"`
	}{sec.ARN, sec.Name, sec.Policy}, nil
}

func (s *Service) smDeleteResourcePolicy(region string, in *secretIDInput) (any, error) {
	sec, err := s.secretForWrite(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	if sec.Policy != "" {
		sec.Policy = ""
		s.changed(sec)
	}
	return &arnNameOutput{ARN: sec.ARN, Name: sec.Name}, nil
}

type validateResourcePolicyInput struct {
	SecretID       *string `json:"SecretId"`
	ResourcePolicy *string `json:"ResourcePolicy"`
}

type validationErrorEntry struct {
	CheckName    string `json:"CheckName"`
	ErrorMessage string `json:"ErrorMessage"`
}

func (s *Service) smValidateResourcePolicy(region string, in *validateResourcePolicyInput) (any, error) {
	if in.ResourcePolicy == nil {
		return nil, validationError("resourcePolicy", "Member must not be null", nil)
	}
	if in.SecretID != nil {
		if _, err := s.secretAny(region, in.SecretID); err != nil {
			return nil, err
		}
	}
	// ValidateResourcePolicy also checks that the policy does not grant broad access.
	findings, public := CheckPolicy(*in.ResourcePolicy)
	if public {
		findings = append(findings, PolicyFinding{CheckName: CheckPublic,
			ErrorMessage: "The resource policy grants public access: an Allow statement applies to every principal without a condition that limits it to known accounts, organizations, networks or resources."})
	}
	entries := make([]validationErrorEntry, 0, len(findings))
	for _, f := range findings {
		entries = append(entries, validationErrorEntry{CheckName: f.CheckName, ErrorMessage: f.ErrorMessage})
	}
	return struct {
		PolicyValidationPassed bool                   `json:"PolicyValidationPassed"`
		ValidationErrors       []validationErrorEntry `json:"ValidationErrors"`
	}{len(findings) == 0, entries}, nil
}

// ---- replication ----

var regionPattern = awsapi.RegionPattern

func checkReplicaRegions(primary string, regions []replicaRegionType) error {
	seen := map[string]bool{}
	for _, r := range regions {
		if r.Region == nil || !regionPattern.MatchString(*r.Region) {
			return invalidParameter("Invalid replica region.")
		}
		if *r.Region == primary {
			return invalidParameter("Invalid replica region.")
		}
		if seen[*r.Region] {
			return invalidParameter("Invalid replica region: %s appears more than once.", *r.Region)
		}
		seen[*r.Region] = true
	}
	return nil
}

// addReplicas creates replicas of sec. A region that already has a secret of that name
// fails for that region only, unless force replaces it.
func (s *Service) addReplicas(sec *smSecret, regions []replicaRegionType, force bool) {
	for _, r := range regions {
		region := *r.Region
		rs := sec.replica(region)
		if rs == nil {
			rs = &replicaState{Region: region}
			sec.Replicas = append(sec.Replicas, rs)
		}
		if r.KmsKeyID != nil {
			rs.KmsKeyID = *r.KmsKeyID
		}
		if other := s.lookupSecret(region, sec.Name); other != nil && other.PrimaryRegion != sec.Region {
			if other.isReplica() {
				// The name belongs to a replica of a secret in another region; overwriting it
				// would leave that primary replicating into a secret it no longer owns.
				rs.Status = "Failed"
				rs.StatusMessage = "Replication failed: Secret name " + sec.Name + " is a replica of a secret in " + other.PrimaryRegion + "."
				continue
			}
			if !force {
				rs.Status = "Failed"
				rs.StatusMessage = "Replication failed: Secret name " + sec.Name + " already exists in region " + region + "."
				continue
			}
			s.purge(other)
		}
		rs.Status = "InSync"
		rs.StatusMessage = "Replication succeeded"
	}
	s.syncReplicas(sec)
}

type replicateSecretToRegionsInput struct {
	SecretID                    *string             `json:"SecretId"`
	AddReplicaRegions           []replicaRegionType `json:"AddReplicaRegions"`
	ForceOverwriteReplicaSecret bool                `json:"ForceOverwriteReplicaSecret"`
}

type replicationOutput struct {
	ARN               string              `json:"ARN"`
	ReplicationStatus []replicationStatus `json:"ReplicationStatus"`
}

func (s *Service) smReplicateSecretToRegions(region string, in *replicateSecretToRegionsInput) (any, error) {
	if len(in.AddReplicaRegions) == 0 {
		return nil, validationError("addReplicaRegions", "Member must have length greater than or equal to 1", nil)
	}
	sec, err := s.secretForWrite(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	if err := checkReplicaRegions(sec.Region, in.AddReplicaRegions); err != nil {
		return nil, err
	}
	s.addReplicas(sec, in.AddReplicaRegions, in.ForceOverwriteReplicaSecret)
	sec.LastChanged = s.now()
	return &replicationOutput{ARN: sec.ARN, ReplicationStatus: replicationStatuses(sec)}, nil
}

type removeRegionsInput struct {
	SecretID             *string  `json:"SecretId"`
	RemoveReplicaRegions []string `json:"RemoveReplicaRegions"`
}

func (s *Service) smRemoveRegionsFromReplication(region string, in *removeRegionsInput) (any, error) {
	if len(in.RemoveReplicaRegions) == 0 {
		return nil, validationError("removeReplicaRegions", "Member must have length greater than or equal to 1", nil)
	}
	sec, err := s.secretForWrite(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	for _, r := range in.RemoveReplicaRegions {
		if sec.replica(r) == nil {
			return nil, invalidParameter("Invalid replica region.")
		}
	}
	for _, r := range in.RemoveReplicaRegions {
		if rep := s.smRegion(r).byName[sec.Name]; rep != nil && rep.PrimaryRegion == sec.Region {
			delete(s.smRegion(r).byName, sec.Name)
		}
		sec.Replicas = slices.DeleteFunc(sec.Replicas, func(x *replicaState) bool { return x.Region == r })
	}
	sec.LastChanged = s.now()
	return &replicationOutput{ARN: sec.ARN, ReplicationStatus: replicationStatuses(sec)}, nil
}

// smStopReplicationToReplica promotes a replica to a standalone secret in its region.
func (s *Service) smStopReplicationToReplica(region string, in *secretIDInput) (any, error) {
	sec, err := s.secretForRead(region, in.SecretID)
	if err != nil {
		return nil, err
	}
	if !sec.isReplica() {
		return nil, invalidRequest("StopReplicationToReplica must be called in the region of a replica secret; %s is a primary secret.", sec.Name)
	}
	if primary := s.smRegion(sec.PrimaryRegion).byName[sec.Name]; primary != nil {
		primary.Replicas = slices.DeleteFunc(primary.Replicas, func(x *replicaState) bool { return x.Region == region })
		primary.LastChanged = s.now()
	}
	sec.PrimaryRegion = ""
	sec.LastChanged = s.now()
	return struct {
		ARN string `json:"ARN"`
	}{sec.ARN}, nil
}

// createServiceSecret creates a secret that an AWS service owns, such as the master user
// secret RDS manages: its name may use the "rds!" form and its tags the reserved "aws:"
// prefix, which callers of CreateSecret cannot. s.mu is held.
func (s *Service) createServiceSecret(region, name, owningService string, tags []tag, value string) (*smSecret, error) {
	if existing := s.lookupSecret(region, name); existing != nil {
		return nil, newError("ResourceExistsException", "The operation failed because the secret %s already exists.", name)
	}
	now := s.now()
	sec := &smSecret{
		ARN: secretARN(region, s.account, name), Name: name, Region: region, Tags: tags,
		OwningService: owningService, Versions: map[string]*smVersion{}, Created: now, LastChanged: now,
	}
	v, err := s.newVersion(sec, newUUID(), &value, nil)
	if err != nil {
		return nil, err
	}
	sec.moveStage(stageCurrent, v)
	s.smRegion(region).byName[name] = sec
	return sec, nil
}

// RDSMasterSecret creates the secret RDS keeps for a database's master user when
// ManageMasterUserPassword is on: named rds!<kind>-<uuid>, owned by rds, tagged with the
// database's ARN, holding {"username", "password"}.
func (s *Service) RDSMasterSecret(region, kind, dbARN, tagKey, username, password string) (string, error) {
	value, err := json.Marshal(map[string]string{"username": username, "password": password})
	if err != nil {
		return "", fmt.Errorf("encode the master secret: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.createServiceSecret(region, "rds!"+kind+"-"+newUUID(), "rds",
		[]tag{{Key: tagKey, Value: dbARN}, {Key: "aws:secretsmanager:owningService", Value: "rds"}}, string(value))
	if err != nil {
		return "", fmt.Errorf("create the RDS master secret: %w", err)
	}
	s.dirty()
	return sec.ARN, nil
}
