package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/postgres"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation/rotationtest"
)

// TestSoak rotates under random Secrets Manager faults and killed steps, in both
// strategies: after every round AWSCURRENT logs in, and no AWSPENDING is left at the end.
func TestSoak(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	for _, mode := range []rotation.Mode{rotation.ModeSingle, rotation.ModeAlternating} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			user, db := "soak_"+string(mode), "soak_"+string(mode)+"_db"
			createUser(t, pg, user, "Soak-initial-1", db)
			e := newEmulator(t)
			e.useRotator(pg, postgres.Options{Mode: mode}, nil)
			extra := map[string]any{}
			if mode == rotation.ModeAlternating {
				master := "soak_master"
				createUser(t, pg, master, "Soak-master-1", "", "CREATEROLE")
				extra["masterarn"] = e.createSecret("master", pgSecret(pg, master, "Soak-master-1", "postgres", nil))
			}
			arn := e.createSecret("app", pgSecret(pg, user, "Soak-initial-1", db, extra))
			loginWorks := func(_ context.Context, value string) error {
				var s dbSecret
				if err := json.Unmarshal([]byte(value), &s); err != nil {
					return fmt.Errorf("AWSCURRENT is not JSON")
				}
				return loginErr(pg, s.Username, s.Password, db)
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
			e.checkCurrentLogsIn(pg, arn, db)
		})
	}
}
