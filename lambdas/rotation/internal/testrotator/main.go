// Command testrotator is a tiny rotator on the rotation engine. The engine's tests build it
// as a provided.al2023 bootstrap (go build -tags lambda.norpc) and run it under the
// emulator's Lambda runtime: it proves the engine works under lambda.Start, with the
// endpoint, credentials and variables Lambda passes in the environment.
//
// It rotates the password of a database secret without a database: Set and Test only
// check what they can see in Secrets Manager.
package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

type strategy struct{}

func (strategy) NewPending(ctx context.Context, run *rotation.Run) (*rotation.Secret, error) {
	cur, err := run.Current(ctx)
	if err != nil {
		return nil, err
	}
	db, err := rotation.ParseDBSecret(cur)
	if err != nil {
		return nil, fmt.Errorf("current secret: %w", err)
	}
	pw, err := run.NewPassword(ctx)
	if err != nil {
		return nil, err
	}
	return db.WithPassword(pw), nil
}

func (strategy) Set(ctx context.Context, run *rotation.Run) error {
	_, err := run.Pending(ctx)
	return err
}

func (strategy) Test(ctx context.Context, run *rotation.Run) error {
	pending, err := run.Pending(ctx)
	if err != nil {
		return err
	}
	cur, err := run.Current(ctx)
	if err != nil {
		return err
	}
	p, _ := pending.GetString(rotation.FieldPassword)
	c, _ := cur.GetString(rotation.FieldPassword)
	if p == c {
		return errors.New("the pending password equals the current one")
	}
	run.Logger().Info("pending password differs from the current one")
	return nil
}

func (strategy) Finish(ctx context.Context, run *rotation.Run) error {
	if _, err := run.Previous(ctx); err != nil && !errors.Is(err, rotation.ErrNotFound) {
		return err
	}
	return nil
}

func main() { rotation.Start(strategy{}) }
