package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// Install (finishSecret, single user only) changes the user's password to the pending one
// and checks that it logs in; undo changes it back to the current password.
func (r *Rotator) Install(ctx context.Context, run *rotation.Run) (func(context.Context) error, error) {
	if r.err != nil {
		return nil, r.err
	}
	pending, cur, err := r.pendingAndCurrent(ctx, run)
	if err != nil {
		return nil, err
	}
	mode, err := r.mode(run, cur)
	if err != nil {
		return nil, err
	}
	if mode == rotation.ModeAlternating {
		return nil, nil // setSecret did the work; the current user is untouched
	}
	if err := r.setSingle(ctx, run, pending, cur); err != nil {
		return nil, err
	}
	ep := endpointOf(cur)
	undo := func(ctx context.Context) error {
		db, err := r.connect(ctx, run, ep, cur.Username, pending.Password)
		if err != nil {
			return fmt.Errorf("log in to %s as %q with the pending password to put the current one back: %w", ep, cur.Username, err)
		}
		defer db.Close()
		if err := r.setPassword(ctx, db, cur.Username, cur.Password); err != nil {
			return fmt.Errorf("put the current password of %q back on %s: %w", cur.Username, ep, err)
		}
		run.Logger().Warn("the current password was put back", "endpoint", ep.String(), "user", cur.Username)
		return nil
	}
	if err := r.testLogin(ctx, run, pending); err != nil {
		if uerr := undo(ctx); uerr != nil {
			return nil, fmt.Errorf("%w; and %w", err, uerr)
		}
		return nil, err
	}
	return undo, nil
}

// loginSingle logs in as the user with the pending, current or previous password (the
// first that works) and says which.
func (r *Rotator) loginSingle(ctx context.Context, run *rotation.Run, pending, cur *rotation.DBSecret) (*sql.DB, string, error) {
	if pending.Username != cur.Username {
		return nil, "", fmt.Errorf("the pending secret's username %q is not the current secret's %q (single user rotation changes one user's password)",
			pending.Username, cur.Username)
	}
	ep := endpointOf(cur)
	type candidate struct {
		label    string
		password func() (string, bool, error) // the password; false when there is none to try
	}
	fixed := func(pw string) func() (string, bool, error) {
		return func() (string, bool, error) { return pw, true, nil }
	}
	cands := []candidate{
		{"pending", fixed(pending.Password)},
		{"current", fixed(cur.Password)},
		{"previous", func() (string, bool, error) {
			// Read only when needed: the database may hold the previous password after it
			// was put back by hand.
			prev, err := r.secret(ctx, run.Previous, "previous")
			if errors.Is(err, rotation.ErrNotFound) {
				return "", false, nil
			}
			if err != nil {
				return "", false, err
			}
			if prev.Username != cur.Username || !endpointOf(prev).sameServer(ep) {
				return "", false, nil
			}
			return prev.Password, true, nil
		}},
	}
	var refused []string
	var lastErr error
	for _, c := range cands {
		password, ok, err := c.password()
		if err != nil {
			return nil, "", err
		}
		if !ok {
			continue
		}
		db, err := r.connect(ctx, run, ep, cur.Username, password)
		if err != nil {
			if !isAuthFailure(err) {
				return nil, "", fmt.Errorf("log in to %s as %q with the %s password: %w", ep, cur.Username, c.label, err)
			}
			refused, lastErr = append(refused, c.label), err
			continue
		}
		return db, c.label, nil
	}
	return nil, "", fmt.Errorf("log in to %s as %q with the %s password: %w", ep, cur.Username, orList(refused), lastErr)
}

// setSingle logs in as the user with the pending, current or previous password, and
// changes its own password to the pending one.
func (r *Rotator) setSingle(ctx context.Context, run *rotation.Run, pending, cur *rotation.DBSecret) error {
	ep := endpointOf(cur)
	db, label, err := r.loginSingle(ctx, run, pending, cur)
	if err != nil {
		return err
	}
	defer db.Close()
	if label == "pending" {
		run.Logger().Info("the pending password already logs in; nothing to set", "endpoint", ep.String(), "user", cur.Username)
		return nil
	}
	if err := r.setPassword(ctx, db, cur.Username, pending.Password); err != nil {
		return fmt.Errorf("change the password of %q on %s (logged in with the %s password): %w", cur.Username, ep, label, err)
	}
	run.Logger().Info("password changed", "endpoint", ep.String(), "user", cur.Username, "logged_in_with", label)
	return nil
}
