package secretsmanager

import (
	"encoding/json"
	"fmt"
	"slices"
)

// MarshalState encodes the secrets for the state file: region -> name -> secret. under,
// when not nil, runs while the secrets cannot change, so that the caller can save what
// they depend on (the KMS keys of their values) consistently with them.
func (s *Service) MarshalState(under func() error) (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := json.Marshal(s.snapshot())
	if err != nil {
		return nil, fmt.Errorf("encode secrets: %w", err)
	}
	if under != nil {
		if err := under(); err != nil {
			return nil, err
		}
	}
	return data, nil
}

// LoadState adds the secrets MarshalState encoded, refusing any that is incomplete.
func (s *Service) LoadState(data json.RawMessage) error {
	var snap Snapshot
	if len(data) > 0 {
		if err := json.Unmarshal(data, &snap); err != nil {
			return fmt.Errorf("secrets: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for region, secrets := range snap {
		reg := s.smRegion(region)
		for name, ss := range secrets {
			sec := ss.restore()
			if !sec.complete(name, region) {
				return fmt.Errorf("secret %q in %s is incomplete", name, region)
			}
			reg.byName[name] = sec
		}
	}
	return nil
}

// complete reports whether a secret read from a state file has every part the emulator
// dereferences, so that a damaged file fails at start rather than at the next request.
func (sec *smSecret) complete(name, region string) bool {
	if sec == nil || sec.Name != name || sec.Region != region || sec.Versions == nil {
		return false
	}
	for id, v := range sec.Versions {
		if v == nil || v.ID != id {
			return false
		}
	}
	return !slices.Contains(sec.Replicas, nil)
}
