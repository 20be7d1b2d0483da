package rotation_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// installer is a single-user strategy on the fake service: Set does nothing, Install
// replaces the user's password with the pending one (the current one stops working) and
// its undo puts the current one back.
type installer struct {
	*fakeStrategy
	undos        atomic.Int32
	afterInstall func(context.Context)
}

func (s *installer) Set(context.Context, *rotation.Run) error { return nil }

func (s *installer) Test(context.Context, *rotation.Run) error { return nil }

func (s *installer) Install(ctx context.Context, run *rotation.Run) (func(context.Context) error, error) {
	pending, err := s.creds(ctx, run.Pending)
	if err != nil {
		return nil, err
	}
	cur, err := s.creds(ctx, run.Current)
	if err != nil {
		return nil, err
	}
	s.svc.add(pending.Username, pending.Password)
	s.svc.keepOnly(pending.Username, pending.Password)
	if s.afterInstall != nil {
		s.afterInstall(ctx)
	}
	return func(context.Context) error {
		s.undos.Add(1)
		s.svc.add(cur.Username, cur.Password)
		s.svc.keepOnly(cur.Username, cur.Password)
		return nil
	}, nil
}

// TestInstallerUndo: when AWSCURRENT cannot move for the whole invocation, the engine undoes
// the install if Secrets Manager confirms the label did not move (AWSCURRENT logs in), and
// leaves it when it cannot tell (the reattempt completes the rotation).
func TestInstallerUndo(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		faults   []string // operations failing throughout finishSecret, once the install is done
		wantUndo bool
		wantErr  string
	}{
		{"label move refused", []string{"UpdateSecretVersionStage"}, true, "the service was given the AWSCURRENT secret back"},
		{"labels unreadable too", []string{"UpdateSecretVersionStage", "DescribeSecret"}, false, "whether AWSCURRENT moved is unknown"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEmulator(t)
			svc := newFakeService("app", initialPassword)
			s := &installer{fakeStrategy: &fakeStrategy{svc: svc}}
			s.afterInstall = func(context.Context) {
				for _, op := range tc.faults {
					e.InjectFault(emulator.Fault{Operation: "secretsmanager." + op, ErrorCode: "InternalServiceError", Count: 1 << 20})
				}
			}
			eng := rotation.New(s, rotation.WithClient(e.engineClient()), rotation.WithLogger(discardLogger()))
			e.fnARN = e.Register("rotator", func(ctx context.Context, payload []byte) ([]byte, error) {
				defer func() { _ = e.Control.ClearFaults(context.WithoutCancel(ctx)) }()
				return eng.Invoke(ctx, payload)
			}, emulator.FunctionConfig{Timeout: 3 * time.Second})
			arn := e.CreateSecret("db", initialSecret)
			rec := e.rotate(arn, 1)
			if rec.Outcome != "failed" || !strings.Contains(rec.Error, tc.wantErr) {
				t.Fatalf("rotation %s (%s), want failed saying %q", rec.Outcome, rec.Error, tc.wantErr)
			}
			if got := s.undos.Load() > 0; got != tc.wantUndo {
				t.Errorf("undo ran: %v, want %v", got, tc.wantUndo)
			}
			if tc.wantUndo {
				e.checkInvariant(arn, svc)
			}
			// The reattempt completes the rotation either way.
			s.afterInstall = nil
			e.register(eng.Invoke)
			if rec := e.rotateAgain(arn, 2); rec.Outcome != "succeeded" {
				t.Fatalf("reattempt %s: %s", rec.Outcome, rec.Error)
			}
			e.checkInvariant(arn, svc)
		})
	}
}
