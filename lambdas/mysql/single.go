package mysql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// loginSingle logs in as the user with the pending password, else the current one, else
// the previous one, and says which. A failure to reach the server is reported at once, not
// retried with other passwords.
func (r *Rotator) loginSingle(ctx context.Context, run *rotation.Run, pend, cur *rotation.DBSecret) (*session, string, error) {
	log := run.Logger()
	if pend.Username != cur.Username {
		return nil, "", fmt.Errorf("single user rotation: the pending secret's username %q differs from the current one's %q", pend.Username, cur.Username)
	}
	s, err := r.login(ctx, log, credsOf("pending", pend))
	if err == nil {
		return s, "pending", nil
	}
	if !isAuthFailure(err) {
		return nil, "", err
	}
	pendErr := err
	curCreds := credsOf("current", cur)
	curCreds.Host, curCreds.Port = pend.Host, pend.PortOr(defaultPort)
	s, err = r.login(ctx, log, curCreds)
	if err == nil {
		return s, "current", nil
	}
	if !isAuthFailure(err) {
		return nil, "", err
	}
	curErr := err
	prevSecret, perr := run.Previous(ctx)
	if errors.Is(perr, rotation.ErrNotFound) {
		return nil, "", fmt.Errorf("cannot log in with the pending or current password: %w; %w", pendErr, curErr)
	}
	if perr != nil {
		return nil, "", perr
	}
	prev, perr := parse("previous", prevSecret)
	if perr != nil {
		return nil, "", perr
	}
	prevCreds := credsOf("previous", prev)
	prevCreds.Host, prevCreds.Port = pend.Host, pend.PortOr(defaultPort)
	if prev.Username != pend.Username {
		return nil, "", fmt.Errorf("cannot log in with the pending or current password: %w; %w", pendErr, curErr)
	}
	if s, err = r.login(ctx, log, prevCreds); err != nil {
		return nil, "", fmt.Errorf("cannot log in with the pending, current or previous password: %w; %w; %w", pendErr, curErr, err)
	}
	return s, "previous", nil
}

// setSingle: the user changes its own password, logged in with the pending password (then
// the password is already set: nothing to do), else the current one, else the previous one.
func (r *Rotator) setSingle(ctx context.Context, run *rotation.Run, pend, cur *rotation.DBSecret) error {
	s, label, err := r.loginSingle(ctx, run, pend, cur)
	if err != nil {
		return err
	}
	defer s.Close()
	if label == "pending" {
		run.Logger().Info("the pending password already logs in; nothing to set")
		return nil
	}
	return r.changeOwnPassword(ctx, run.Logger(), s, pend.Username, pend.Password, cur.Password)
}

// installSingle (finishSecret) sets the pending password, checks that it logs in, and
// returns how to give the user its current password back.
func (r *Rotator) installSingle(ctx context.Context, run *rotation.Run, pend, cur *rotation.DBSecret) (func(context.Context) error, error) {
	if err := r.setSingle(ctx, run, pend, cur); err != nil {
		return nil, err
	}
	undo := func(ctx context.Context) error {
		s, err := r.login(ctx, run.Logger(), credsOf("pending", pend))
		if err != nil {
			return fmt.Errorf("put the current password back: %w", err)
		}
		defer s.Close()
		if err := r.changeOwnPassword(ctx, run.Logger(), s, cur.Username, cur.Password, pend.Password); err != nil {
			return fmt.Errorf("put the current password back: %w", err)
		}
		run.Logger().Warn("the current password was put back", "user", cur.Username)
		return nil
	}
	if err := r.testLogin(ctx, run, pend); err != nil {
		if uerr := undo(ctx); uerr != nil {
			return nil, fmt.Errorf("%w; and %w", err, uerr)
		}
		return nil, err
	}
	return undo, nil
}

// changeOwnPassword gives the logged-in user the new password on every account of its
// name it may change, keeping the current password valid too where the server and the
// user's privileges allow it (dual passwords), until finishSecret.
func (r *Rotator) changeOwnPassword(ctx context.Context, log *slog.Logger, s *session, user, newPw, keepPw string) error {
	me, err := s.whoami(ctx)
	if err != nil {
		return err
	}
	if me.User != user {
		return fmt.Errorf("logged in as %s, which is not user %q (an anonymous account?); create the account %q", me, user, user)
	}
	own, err := s.authOf(ctx, nil)
	if err != nil {
		return err
	}
	plugin := own[0].Plugin
	srv := s.server

	// A user allowed to read mysql.user and to alter accounts (CREATE USER) changes every
	// account of its name, each with its own plugin, in one statement.
	hosts, canList, err := s.hostsOf(ctx, user)
	if err != nil {
		return err
	}
	var changes []accountChange
	for _, h := range hosts {
		a := account{User: user, Host: h}
		methods, err := s.authOf(ctx, &a)
		if err != nil {
			if isPrivilegeError(err) {
				changes = nil // may list the accounts but not read them: its own only
				break
			}
			return err
		}
		changes = append(changes, accountChange{Account: a, Change: passwordChange{
			Plugin: methods[0].Plugin, Password: newPw, Keep: keepPw, RetainCurrent: true,
		}})
	}
	if canList && len(changes) > 0 {
		st, err := alterPassword(srv, changes)
		if err != nil {
			return err
		}
		err = s.exec(ctx, fmt.Sprintf("set the password of %d accounts of user %q", len(changes), user), st, newPw, keepPw)
		if err == nil {
			log.Info("password set", "accounts", accountList(changes), "method", methodOf(srv, st), "server", srv.String(), "dual", dualNote(srv, changes[0].Change, st))
			return nil
		}
		if !isPrivilegeError(err) {
			return err
		}
		log.Info("the user may not alter its other accounts; changing its own password only", "account", me.String(), "cause", err.Error())
	}

	// Its own account only, with the statements an unprivileged user may run.
	c := passwordChange{Plugin: plugin, Password: newPw, RetainCurrent: true}
	attempts := []passwordChange{c}
	if srv.Flavor == flavorMySQL && srv.alterUser() {
		noRetain := c
		noRetain.RetainCurrent = false
		plain := noRetain
		plain.Plaintext = true
		attempts = append(attempts, noRetain, plain)
	}
	var lastErr error
	for i := 0; i < len(attempts); i++ {
		st, err := alterOwnPassword(srv, attempts[i])
		if err != nil {
			return err
		}
		if i > 0 && st.SQL == mustSQL(alterOwnPassword(srv, attempts[i-1])) {
			continue
		}
		err = s.exec(ctx, fmt.Sprintf("set the password of %s", me), st, newPw, keepPw)
		if err == nil {
			log.Info("password set", "accounts", []string{me.String()}, "method", methodOf(srv, st), "server", srv.String(),
				"dual", dualNote(srv, attempts[i], st))
			return nil
		}
		if isErrorNumber(err, erMissingCurrentPasswd) && attempts[i].Replace == "" {
			// PASSWORD REQUIRE CURRENT: name the current password (the one logged in with).
			attempts[i].Replace = s.creds.Password
			i--
			continue
		}
		lastErr = err
		if !isPrivilegeError(err) {
			return err
		}
	}
	return lastErr
}

func mustSQL(st statement, err error) string {
	if err != nil {
		return ""
	}
	return st.SQL
}

func accountList(changes []accountChange) []string {
	out := make([]string, len(changes))
	for i, c := range changes {
		out[i] = c.Account.String()
	}
	return out
}

// methodOf describes how the password travelled, for the log.
func methodOf(srv serverInfo, st statement) string {
	if st.Plaintext {
		return "password sent to the server (MySQL rewrites it as <secret> in its logs)"
	}
	return "authentication string computed by the rotator (no plaintext password sent)"
}

func dualNote(srv serverInfo, c passwordChange, st statement) string {
	switch {
	case srv.authOr() && c.Keep != "" && strings.Contains(st.SQL, " OR "):
		return "current password kept as a second authentication method until finishSecret"
	case srv.dualPassword() && strings.Contains(st.SQL, "RETAIN CURRENT PASSWORD"):
		return "current password retained as the secondary password until finishSecret"
	default:
		return "none: the current password stops working now"
	}
}

// finishSingle drops the password kept next to the new one, logged in with the new
// (now current) password.
func (r *Rotator) finishSingle(ctx context.Context, run *rotation.Run, cur *rotation.DBSecret) error {
	log := run.Logger()
	s, err := r.login(ctx, log, credsOf("current", cur))
	if err != nil {
		return err
	}
	defer s.Close()
	srv := s.server
	if !srv.authOr() && !srv.dualPassword() {
		return nil
	}
	me, err := s.whoami(ctx)
	if err != nil {
		return err
	}
	hosts, canList, err := s.hostsOf(ctx, cur.Username)
	if err != nil {
		return err
	}
	var accounts []account
	if canList && len(hosts) > 0 {
		for _, h := range hosts {
			accounts = append(accounts, account{User: cur.Username, Host: h})
		}
	} else {
		accounts = []account{me}
	}
	if srv.dualPassword() {
		err := s.exec(ctx, "discard the old passwords", discardOldPassword(accounts))
		if err != nil && isPrivilegeError(err) {
			err = s.exec(ctx, "discard the old password", discardOwnOldPassword())
		}
		if err != nil && !isPrivilegeError(err) {
			return err
		}
		return nil
	}
	// MariaDB: collapse "p USING new OR p USING old", the shape setSecret made, to "p
	// USING new". Any other shape was made by someone else and is left alone.
	var changes []accountChange
	for _, a := range accounts {
		methods, err := s.authOf(ctx, &a)
		if err != nil {
			if isPrivilegeError(err) {
				continue
			}
			return err
		}
		if len(methods) != 2 || methods[0].Plugin != methods[1].Plugin {
			continue
		}
		if h, ok := hashFor(methods[0].Plugin, cur.Password); !ok || h != methods[0].Auth {
			continue
		}
		changes = append(changes, accountChange{Account: a, Change: passwordChange{Plugin: methods[0].Plugin, Password: cur.Password}})
	}
	if len(changes) == 0 {
		return nil
	}
	st, err := alterPassword(srv, changes)
	if err != nil {
		return err
	}
	if err := s.exec(ctx, "drop the previous password (second authentication method)", st, cur.Password); err != nil {
		return err
	}
	log.Info("previous password dropped", "accounts", accountList(changes))
	return nil
}
