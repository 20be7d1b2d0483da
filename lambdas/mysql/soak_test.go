package mysql_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation/rotationtest"
)

// TestSoak rotates under random Secrets Manager faults and killed steps, for an
// unprivileged single user, a single user allowed both passwords, and alternating users:
// after every round AWSCURRENT logs in, and no AWSPENDING is left at the end.
func TestSoak(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testenv.MariaDBOptions{})
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEmu(t, srv)
			mode := rotation.ModeSingle
			if kind == kindAlternating {
				mode = rotation.ModeAlternating
			}
			e.register(e.engine(e.rotator(mode), nil).Invoke)
			arn := setupUser(t, e, kind)
			loginWorks := func(_ context.Context, value string) error {
				var s struct{ Username, Password string }
				if err := json.Unmarshal([]byte(value), &s); err != nil {
					return errors.New("AWSCURRENT is not JSON")
				}
				return srv.login(s.Username, s.Password)
			}
			res, err := rotationtest.Soak(t.Context(), e.Env, e.fnARN, arn, loginWorks, rotationtest.SoakOptionsFromEnv(t, 50))
			if err != nil {
				t.Fatal(err)
			}
			t.Log(res)
			res.Check(t)
			if res.Failed == 0 {
				t.Errorf("no round failed: the faults did not reach the rotator")
			}
			e.checkInvariant(arn)
		})
	}
}
