package secretsmanager

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
