package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/go-sql-driver/mysql"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
)

// dbSecret is the AWS samples' database secret, as far as the scenes read it.
type dbSecret struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func parseDBSecret(s string) (dbSecret, error) {
	var d dbSecret
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return d, fmt.Errorf("the secret is not JSON: %w", err)
	}
	return d, nil
}

// sceneMariaDB: an application user of MariaDB, rotated with alternating users by the
// MySQL rotator and the root account's master secret. Each rotation sets the password of
// the other of app and app_clone, so whoever still holds the previous secret keeps working
// until the next rotation; a connection opened before the rotation is never cut.
func sceneMariaDB(ctx context.Context, s *stage) error {
	var m *testenv.MariaDB
	if err := s.step("start MariaDB (TLS with a throwaway CA)", func() (string, error) {
		err := s.t.call(func() { m = testenv.StartMariaDB(s.t, testenv.MariaDBOptions{}) })
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s:%d", m.Host, m.Port), nil
	}); err != nil {
		return err
	}
	login := func(user, password string) error {
		c, err := mysql.NewConnector(m.Config(user, password, "shop"))
		if err != nil {
			return err
		}
		db := sql.OpenDB(c)
		defer db.Close()
		return db.PingContext(ctx)
	}
	appPass := "initial-" + randomHex(12)
	if err := s.step("create the database shop and its user app", func() (string, error) {
		c, err := mysql.NewConnector(m.Config("root", m.RootPassword, ""))
		if err != nil {
			return "", err
		}
		db := sql.OpenDB(c)
		defer db.Close()
		for _, q := range []string{
			"CREATE DATABASE shop",
			"CREATE USER 'app'@'%' IDENTIFIED BY '" + appPass + "'",
			"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE ON shop.* TO 'app'@'%'",
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				return "", fmt.Errorf("%s: %w", strings.SplitN(q, " IDENTIFIED", 2)[0], err)
			}
		}
		return "", nil
	}); err != nil {
		return err
	}

	env, err := s.emulator()
	if err != nil {
		return err
	}
	var userARN, fn string
	if err := s.step("store the master and the user secret; register the mysql rotator", func() (string, error) {
		// TLS is verified against the server's CA; the master logs in at the endpoint its
		// own secret names, and the user secret must name the same one.
		master, _ := json.Marshal(map[string]any{"engine": "mariadb", "host": m.Host, "port": m.Port,
			"username": "root", "password": m.RootPassword, "ssl": true})
		masterARN, err := s.createSecret(env, &secretsmanager.CreateSecretInput{Name: aws.String("demo/mariadb/root"), SecretString: aws.String(string(master))})
		if err != nil {
			return "", err
		}
		user, _ := json.Marshal(map[string]any{"engine": "mariadb", "host": m.Host, "port": m.Port, "username": "app",
			"password": appPass, "dbname": "shop", "masterarn": masterARN, "ssl": true})
		if userARN, err = s.createSecret(env, &secretsmanager.CreateSecretInput{Name: aws.String("demo/mariadb/app"), SecretString: aws.String(string(user))}); err != nil {
			return "", err
		}
		fn, err = s.function(env, "mysql", map[string]string{"ROTATION_STRATEGY": "alternating", "SSL_ROOT_CERT": m.CAFile})
		return "ROTATION_STRATEGY=alternating, SSL_ROOT_CERT=the server's CA", err
	}); err != nil {
		return err
	}

	// A client connected before any rotation: it must keep working throughout.
	c, err := mysql.NewConnector(m.Config("app", appPass, "shop"))
	if err != nil {
		return err
	}
	client := sql.OpenDB(c)
	defer client.Close()
	client.SetMaxOpenConns(1)
	conn, err := client.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect as app: %w", err)
	}
	defer conn.Close()
	s.show("before:", "AWSCURRENT app %s; a client holds a connection as app", mark(login("app", appPass)))

	read := func(stage string) (dbSecret, error) {
		v, err := s.value(env.SM, userARN, stage)
		if err != nil {
			return dbSecret{}, err
		}
		return parseDBSecret(v)
	}
	for i := 1; i <= 2; i++ {
		var cur, prev dbSecret
		if err := s.step(fmt.Sprintf("rotation %d", i), func() (string, error) {
			if _, err := s.rotate(env, userARN, fn); err != nil {
				return "", err
			}
			var err error
			if cur, err = read("AWSCURRENT"); err != nil {
				return "", err
			}
			if prev, err = read("AWSPREVIOUS"); err != nil {
				return "", err
			}
			return "AWSCURRENT is now " + cur.Username, nil
		}); err != nil {
			return err
		}
		curErr, prevErr := login(cur.Username, cur.Password), login(prev.Username, prev.Password)
		s.show("after:", "AWSCURRENT %s %s; AWSPREVIOUS %s %s", cur.Username, mark(curErr), prev.Username, mark(prevErr))
		if curErr != nil || prevErr != nil {
			return fmt.Errorf("after rotation %d: AWSCURRENT %s: %v; AWSPREVIOUS %s: %v", i, cur.Username, curErr, prev.Username, prevErr)
		}
	}
	// Two rotations on, app's first password is gone; the connection opened with it lives on.
	firstErr := login("app", appPass)
	var one int
	connErr := conn.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	s.show("and:", "app's first password (two rotations ago) %s; the client's connection from before still answers: %v", mark(firstErr), connErr == nil)
	if firstErr == nil {
		return fmt.Errorf("app's password from two rotations ago still logs in")
	}
	if connErr != nil {
		return fmt.Errorf("the connection opened before the rotations broke: %w", connErr)
	}
	return nil
}
