package secretsmanager

import (
	"slices"
)

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
