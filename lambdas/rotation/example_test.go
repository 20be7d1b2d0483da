package rotation_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// tokenService is a rotator for an imaginary HTTP service whose users have a password.
// Its secret is a database-like secret: {"host": ..., "username": ..., "password": ...}.
type tokenService struct {
	client *http.Client
}

// NewPending returns the current secret with a new password from GetRandomPassword (the
// AWS samples' environment variables apply). Fields it does not touch are kept.
func (s tokenService) NewPending(ctx context.Context, run *rotation.Run) (*rotation.Secret, error) {
	cur, err := run.Current(ctx)
	if err != nil {
		return nil, err
	}
	db, err := rotation.ParseDBSecret(cur)
	if err != nil {
		return nil, err
	}
	pw, err := run.NewPassword(ctx)
	if err != nil {
		return nil, err
	}
	return db.WithPassword(pw), nil
}

// Set changes the password on the service, authenticated with the current secret, unless
// the pending one already works (a retried step).
func (s tokenService) Set(ctx context.Context, run *rotation.Run) error {
	pending, err := run.Pending(ctx)
	if err != nil {
		return err
	}
	cur, err := run.Current(ctx)
	if err != nil {
		return err
	}
	p, err := rotation.ParseDBSecret(pending)
	if err != nil {
		return err
	}
	c, err := rotation.ParseDBSecret(cur)
	if err != nil {
		return err
	}
	if s.login(ctx, p) == nil {
		return nil
	}
	return s.changePassword(ctx, c, p.Password)
}

// Test logs in with the pending secret.
func (s tokenService) Test(ctx context.Context, run *rotation.Run) error {
	pending, err := run.Pending(ctx)
	if err != nil {
		return err
	}
	p, err := rotation.ParseDBSecret(pending)
	if err != nil {
		return err
	}
	return s.login(ctx, p)
}

func (s tokenService) login(ctx context.Context, db *rotation.DBSecret) error {
	return nil // a request to the service, authenticated with db.Username and db.Password
}

func (s tokenService) changePassword(ctx context.Context, as *rotation.DBSecret, password string) error {
	return nil // a request to the service
}

// A rotator is a Strategy (tokenService above) and a main package:
//
//	func main() { rotation.Start(tokenService{client: http.DefaultClient}) }
//
// built with `go build -tags lambda.norpc -o bootstrap` for the provided.al2023 runtime.
// Handler gives the same function to hosts that call it themselves.
func Example() {
	handler := rotation.Handler(tokenService{client: http.DefaultClient})
	_ = handler // func(context.Context, rotation.Event) error, what lambda.Start takes
}

func ExampleParseDBSecret() {
	// A secret as the AWS sample rotators write it; port may be a number or a string.
	secret, err := rotation.ParseSecret([]byte(`{"engine": "postgres", "host": "db.example.com", "port": "5432",
		"username": "app", "password": "not printed", "dbname": "orders", "ssl": "true", "team": "payments"}`))
	if err != nil {
		panic(err)
	}
	db, err := rotation.ParseDBSecret(secret, "postgres", "aurora-postgresql")
	if err != nil {
		panic(err)
	}
	fmt.Println(db.Addr(5432), db.Username, db.DBNameOr("postgres"), db.SSL)
	fmt.Println(db) // never shows the password

	next := db.WithPassword("new password")
	fmt.Println(next.Keys()) // every field survives
	// Output:
	// db.example.com:5432 app orders required
	// rotation.DBSecret{engine="postgres" host="db.example.com" port=5432 username="app" dbname="orders" masterarn="" ssl=required}
	// [dbname engine host password port ssl team username]
}
