package apikey

import (
	"context"
	"fmt"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// masterCredential reads the master secret's credential (field master_key_field), once
// the service confirmed that it sends it only where the function's configuration allows.
func (s *Rotator) masterCredential(ctx context.Context, run *rotation.Run, ks *keySecret) (Credential, error) {
	if mg, ok := s.svc.(masterGuard); ok {
		if err := mg.masterAllowed(); err != nil {
			return Credential{}, err
		}
	}
	m, err := run.Master(ctx)
	if err != nil {
		return Credential{}, err
	}
	v, err := m.GetString(ks.field)
	if err != nil {
		return Credential{}, fmt.Errorf("master secret %s: %w (setting %s names the field holding the master credential)", ks.master, err, SettingMasterKeyField)
	}
	if v == "" {
		return Credential{}, fmt.Errorf("master secret %s: %w", ks.master, &rotation.FieldError{Field: ks.field, Problem: "is empty"})
	}
	return Credential{Value: v, Master: true}, nil
}
