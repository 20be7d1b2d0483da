package secretsmanager

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
