package secretsmanager

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ListSecrets: filters, sorting and paging.

type listSecretsInput struct {
	IncludePlannedDeletion bool     `json:"IncludePlannedDeletion"`
	MaxResults             *int64   `json:"MaxResults"`
	NextToken              *string  `json:"NextToken"`
	Filters                []filter `json:"Filters"`
	SortOrder              *string  `json:"SortOrder"`
	SortBy                 *string  `json:"SortBy"`
}

type secretListEntry struct {
	ARN                    string              `json:"ARN"`
	Name                   string              `json:"Name"`
	Description            *string             `json:"Description,omitempty"`
	KmsKeyID               string              `json:"KmsKeyId,omitempty"`
	RotationEnabled        *bool               `json:"RotationEnabled,omitempty"`
	RotationLambdaARN      string              `json:"RotationLambdaARN,omitempty"`
	RotationRules          *rotationRules      `json:"RotationRules,omitempty"`
	LastRotatedDate        *epoch              `json:"LastRotatedDate,omitempty"`
	LastChangedDate        *epoch              `json:"LastChangedDate,omitempty"`
	LastAccessedDate       *epoch              `json:"LastAccessedDate,omitempty"`
	DeletedDate            *epoch              `json:"DeletedDate,omitempty"`
	NextRotationDate       *epoch              `json:"NextRotationDate,omitempty"`
	Tags                   []tag               `json:"Tags,omitzero"`
	SecretVersionsToStages map[string][]string `json:"SecretVersionsToStages,omitempty"`
	OwningService          string              `json:"OwningService,omitempty"`
	CreatedDate            *epoch              `json:"CreatedDate,omitempty"`
	PrimaryRegion          string              `json:"PrimaryRegion,omitempty"`
}

type listSecretsOutput struct {
	SecretList []secretListEntry `json:"SecretList"`
	NextToken  string            `json:"NextToken,omitempty"`
}

const maxListSecrets = 100

func (s *Service) smListSecrets(region string, in *listSecretsInput) (any, error) {
	limit, err := pageSize(in.MaxResults, maxListSecrets)
	if err != nil {
		return nil, err
	}
	less, err := secretOrder(in.SortBy, in.SortOrder)
	if err != nil {
		return nil, err
	}
	matched, err := s.filteredSecrets(region, in.Filters, in.IncludePlannedDeletion)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(matched, less)
	page, next, err := paginate(matched, in.NextToken, limit)
	if err != nil {
		return nil, err
	}
	out := &listSecretsOutput{SecretList: make([]secretListEntry, 0, len(page)), NextToken: next}
	for _, sec := range page {
		d := describe(sec)
		out.SecretList = append(out.SecretList, secretListEntry{
			ARN: d.ARN, Name: d.Name, Description: d.Description, KmsKeyID: d.KmsKeyID,
			RotationEnabled: d.RotationEnabled, RotationLambdaARN: d.RotationLambdaARN, RotationRules: d.RotationRules,
			LastRotatedDate: d.LastRotatedDate, LastChangedDate: d.LastChangedDate, LastAccessedDate: d.LastAccessedDate,
			DeletedDate: d.DeletedDate, NextRotationDate: d.NextRotationDate, Tags: d.Tags,
			SecretVersionsToStages: d.VersionIdsToStages, OwningService: d.OwningService,
			CreatedDate: d.CreatedDate, PrimaryRegion: d.PrimaryRegion,
		})
	}
	return out, nil
}

// secretOrder returns the comparison for SortBy and SortOrder. AWS lists by creation date
// when SortBy is absent; the reference does not say which way, so ascending (oldest first).
func secretOrder(sortBy, sortOrder *string) (func(a, b *smSecret) int, error) {
	key := "created-date"
	if sortBy != nil {
		key = *sortBy
	}
	var cmp func(a, b *smSecret) int
	switch key {
	case "created-date":
		cmp = func(a, b *smSecret) int { return a.Created.Compare(b.Created) }
	case "last-accessed-date":
		cmp = func(a, b *smSecret) int { return a.LastAccessed.Compare(b.LastAccessed) }
	case "last-changed-date":
		cmp = func(a, b *smSecret) int { return a.LastChanged.Compare(b.LastChanged) }
	case "name":
		cmp = func(a, b *smSecret) int { return strings.Compare(a.Name, b.Name) }
	default:
		return nil, validationError("sortBy", "Member must satisfy enum value set: [created-date, last-accessed-date, last-changed-date, name]", key)
	}
	desc := false
	if sortOrder != nil {
		switch *sortOrder {
		case "asc":
		case "desc":
			desc = true
		default:
			return nil, validationError("sortOrder", "Member must satisfy enum value set: [asc, desc]", *sortOrder)
		}
	}
	return func(a, b *smSecret) int {
		c := cmp(a, b)
		if c == 0 {
			c = strings.Compare(a.Name, b.Name)
		}
		if desc {
			return -c
		}
		return c
	}, nil
}

// filteredSecrets returns the secrets of a region that pass every filter.
func (s *Service) filteredSecrets(region string, filters []filter, includeDeleted bool) ([]*smSecret, error) {
	compiled, err := compileFilters(filters)
	if err != nil {
		return nil, err
	}
	reg := s.smRegion(region)
	now := s.now()
	out := make([]*smSecret, 0, len(reg.byName))
	for _, sec := range reg.byName {
		if sec.isDeleted() && !now.Before(sec.DeletionDate) {
			s.purge(sec)
			continue
		}
		if sec.isDeleted() && !includeDeleted {
			continue
		}
		if compiled.match(sec) {
			out = append(out, sec)
		}
	}
	slices.SortFunc(out, func(a, b *smSecret) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

var filterValuePattern = regexp.MustCompile(`^!?[a-zA-Z0-9 :_@/+=.\-!]*$`)

type filterValue struct {
	text   string
	negate bool
}

type compiledFilter struct {
	key    string
	values []filterValue
}

type filterSet []compiledFilter

func compileFilters(filters []filter) (filterSet, error) {
	if len(filters) > 10 {
		return nil, validationError("filters", "Member must have length less than or equal to 10", len(filters))
	}
	out := make(filterSet, 0, len(filters))
	for i, f := range filters {
		// Messages as moto's list_secrets tests give them; the member path is numbered, as
		// AWS's request validation numbers list members.
		if f.Key == nil {
			return nil, invalidParameter("Invalid filter key")
		}
		switch *f.Key {
		case "description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all":
		default:
			return nil, validationError(fmt.Sprintf("filters.%d.member.key", i+1),
				"Member must satisfy enum value set: [all, name, tag-key, description, tag-value, primary-region, owning-service]", *f.Key)
		}
		if len(f.Values) == 0 {
			return nil, invalidParameter("Invalid filter values for key: %s", *f.Key)
		}
		if len(f.Values) > 10 {
			return nil, validationError(fmt.Sprintf("filters.%d.member.values", i+1), "Member must have length less than or equal to 10", len(f.Values))
		}
		cf := compiledFilter{key: *f.Key}
		for _, v := range f.Values {
			if len(v) > 512 || !filterValuePattern.MatchString(v) {
				return nil, validationError(fmt.Sprintf("filters.%d.member.values", i+1),
					"Member must satisfy regular expression pattern: ^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-\\!]*$", v)
			}
			text, neg := strings.CutPrefix(v, "!")
			cf.values = append(cf.values, filterValue{text: text, negate: neg})
		}
		out = append(out, cf)
	}
	return out, nil
}

// match: every filter must pass (filters are ANDed). The values of one filter are ORed: a
// secret passes when it matches a plain value, or does not match a negated one ("!x").
func (fs filterSet) match(sec *smSecret) bool {
	for _, f := range fs {
		pass := false
		for _, v := range f.values {
			if matchFilter(f.key, v.text, sec) != v.negate {
				pass = true
				break
			}
		}
		if !pass {
			return false
		}
	}
	return true
}

// matchFilter applies one filter value. name, tag-key, tag-value and owning-service are
// case-sensitive prefix matches of the whole attribute. primary-region matches only secrets
// that take part in replication (moto's test_filter_with_primary_region). description and
// all match by words, case-insensitively: every word of the value must begin some word of one
// attribute (moto's aws_verified test_with_all_filter and
// test_with_filter_with_value_with_multiple_words; the Filter reference calls description a
// prefix match, which AWS does not do).
func matchFilter(key, value string, sec *smSecret) bool {
	switch key {
	case "name":
		return strings.HasPrefix(sec.Name, value)
	case "description":
		return sec.Description != nil && wordsMatch(value, *sec.Description)
	case "tag-key":
		return slices.ContainsFunc(sec.Tags, func(t tag) bool { return strings.HasPrefix(t.Key, value) })
	case "tag-value":
		return slices.ContainsFunc(sec.Tags, func(t tag) bool { return strings.HasPrefix(t.Value, value) })
	case "primary-region":
		primary := sec.PrimaryRegion
		if primary == "" && len(sec.Replicas) > 0 {
			primary = sec.Region
		}
		return primary != "" && strings.HasPrefix(primary, value)
	case "owning-service":
		return sec.OwningService != "" && strings.HasPrefix(sec.OwningService, value)
	case "all":
		// The attributes "all" searches: name, description, tag keys and values.
		if wordsMatch(value, sec.Name) || (sec.Description != nil && wordsMatch(value, *sec.Description)) {
			return true
		}
		return slices.ContainsFunc(sec.Tags, func(t tag) bool { return wordsMatch(value, t.Key) || wordsMatch(value, t.Value) })
	}
	return false
}

// wordsMatch reports whether every word of value begins, case-insensitively, a word of attr.
// A value without words ("+") matches nothing.
func wordsMatch(value, attr string) bool {
	want := searchWords(value)
	if len(want) == 0 {
		return false
	}
	have := searchWords(attr)
	for _, w := range want {
		if !slices.ContainsFunc(have, func(h string) bool { return hasPrefixFold(h, w) }) {
			return false
		}
	}
	return true
}

// wordSeparators split words, but only when a string uses one kind of them: AWS finds
// nothing in "prod-AppBeta/x" (neither "prod", "AppBeta" nor "x" finds it), while
// "prod/AppBeta/x" and "prod+AppBeta+x" are found by each (moto's aws_verified
// test_with_all_filter_special_characters).
const wordSeparators = "/-_+=.@"

// searchWords splits s into the words the description and all filters match: at spaces, at
// the separator when s uses only one kind, and where a capital letter starts a lowercase run
// ("MyTestPhrase" is My, Test, Phrase; "COMPANYthings" is COMPAN, Ythings, as AWS splits it).
func searchWords(s string) []string {
	var out []string
	for _, field := range strings.Fields(s) {
		var seps []rune
		for _, r := range field {
			if strings.ContainsRune(wordSeparators, r) && !slices.Contains(seps, r) {
				seps = append(seps, r)
			}
		}
		switch len(seps) {
		case 0:
			out = append(out, caseWords(field)...)
		case 1:
			for _, part := range strings.Split(field, string(seps[0])) {
				out = append(out, caseWords(part)...)
			}
		default:
			// Not indexed: AWS finds "prod-AppBeta/x" neither by "AppBeta" nor by "prod".
		}
	}
	return out
}

// caseWords cuts s before each character that is not a lowercase ASCII letter and is
// followed by one, keeping such a character with the lowercase run that follows it.
func caseWords(s string) []string {
	isLower := func(b byte) bool { return 'a' <= b && b <= 'z' }
	var out []string
	last := 0
	for i := 0; i+1 < len(s); {
		if isLower(s[i]) || !isLower(s[i+1]) {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && isLower(s[j]) {
			j++
		}
		if i > last {
			out = append(out, s[last:i])
		}
		out = append(out, s[i:j])
		last, i = j, j
	}
	if last < len(s) {
		out = append(out, s[last:])
	}
	return out
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
