package emulator

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
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

func (s *Server) smListSecrets(region string, in *listSecretsInput) (any, error) {
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
func (s *Server) filteredSecrets(region string, filters []filter, includeDeleted bool) ([]*smSecret, error) {
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
	for _, f := range filters {
		if f.Key == nil {
			return nil, validationError("filters.member.key", "Member must not be null", nil)
		}
		switch *f.Key {
		case "description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all":
		default:
			return nil, validationError("filters.member.key",
				"Member must satisfy enum value set: [all, name, tag-key, description, tag-value, primary-region, owning-service]", *f.Key)
		}
		if len(f.Values) < 1 || len(f.Values) > 10 {
			return nil, validationError("filters.member.values", "Member must have length between 1 and 10", len(f.Values))
		}
		cf := compiledFilter{key: *f.Key}
		for _, v := range f.Values {
			if len(v) > 512 || !filterValuePattern.MatchString(v) {
				return nil, validationError("filters.member.values.member",
					"Member must satisfy regular expression pattern: ^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-\\!]*$", v)
			}
			text, neg := strings.CutPrefix(v, "!")
			cf.values = append(cf.values, filterValue{text: text, negate: neg})
		}
		out = append(out, cf)
	}
	return out, nil
}

// match: every filter must pass. Within one filter a secret passes when it matches any plain
// value and none of the negated ones; a filter of only negated values passes every secret
// that matches none of them.
func (fs filterSet) match(sec *smSecret) bool {
	for _, f := range fs {
		hasPlain, matchedPlain := false, false
		for _, v := range f.values {
			hit := matchFilter(f.key, v.text, sec)
			if v.negate {
				if hit {
					return false
				}
				continue
			}
			hasPlain = true
			matchedPlain = matchedPlain || hit
		}
		if hasPlain && !matchedPlain {
			return false
		}
	}
	return true
}

// matchFilter applies one filter value. name, tag-key, tag-value, primary-region and
// owning-service are case-sensitive prefix matches of the whole attribute. description and
// all match by words: every word of the value must begin, case-insensitively, some word of
// the attribute. (The Filter reference calls description a prefix match; AWS in fact matches
// it by words, so "a secret" finds "an secret" but not "asecret".)
func matchFilter(key, value string, sec *smSecret) bool {
	switch key {
	case "name":
		return strings.HasPrefix(sec.Name, value)
	case "description":
		if sec.Description == nil {
			return false
		}
		desc := words(*sec.Description)
		for _, w := range words(value) {
			if !slices.ContainsFunc(desc, func(d string) bool { return hasPrefixFold(d, w) }) {
				return false
			}
		}
		return true
	case "tag-key":
		return slices.ContainsFunc(sec.Tags, func(t tag) bool { return strings.HasPrefix(t.Key, value) })
	case "tag-value":
		return slices.ContainsFunc(sec.Tags, func(t tag) bool { return strings.HasPrefix(t.Value, value) })
	case "primary-region":
		primary := sec.PrimaryRegion
		if primary == "" {
			primary = sec.Region
		}
		return strings.HasPrefix(primary, value)
	case "owning-service":
		return strings.HasPrefix(sec.OwningService, value)
	case "all":
		attrs := allWords(sec)
		for _, w := range words(value) {
			if !slices.ContainsFunc(attrs, func(a string) bool { return hasPrefixFold(a, w) }) {
				return false
			}
		}
		return true
	}
	return false
}

// allWords is what the "all" filter searches: the words of the name, description, tag keys
// and values, primary region and owning service.
func allWords(sec *smSecret) []string {
	out := words(sec.Name)
	if sec.Description != nil {
		out = append(out, words(*sec.Description)...)
	}
	for _, t := range sec.Tags {
		out = append(out, words(t.Key)...)
		out = append(out, words(t.Value)...)
	}
	primary := sec.PrimaryRegion
	if primary == "" {
		primary = sec.Region
	}
	out = append(out, words(primary)...)
	return append(out, words(sec.OwningService)...)
}

// words splits s the way the Secrets Manager console search does: at punctuation and spaces,
// from lower to upper case, and between letters and digits ("credsDatabase#892" is creds,
// Database, 892).
func words(s string) []string {
	var out []string
	start := -1
	var prev rune
	for i, r := range s {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r)
		boundary := !alnum || (start >= 0 && ((unicode.IsLower(prev) && unicode.IsUpper(r)) ||
			(unicode.IsLetter(prev) && unicode.IsDigit(r)) || (unicode.IsDigit(prev) && unicode.IsLetter(r))))
		if boundary && start >= 0 {
			out = append(out, s[start:i])
			start = -1
		}
		if alnum && start < 0 {
			start = i
		}
		prev = r
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
