package mysql

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// Server error numbers the rotator acts on.
const (
	erAccessDenied         = 1045 // ER_ACCESS_DENIED_ERROR: wrong password
	erDBAccessDenied       = 1044 // ER_DBACCESS_DENIED_ERROR
	erTableAccessDenied    = 1142 // ER_TABLEACCESS_DENIED_ERROR: SELECT on mysql.user denied
	erSpecificAccessDenied = 1227 // ER_SPECIFIC_ACCESS_DENIED_ERROR: needs CREATE USER, ...
	erAccessDeniedNoPass   = 1698 // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
	erParseError           = 1064 // ER_PARSE_ERROR
	erSPDoesNotExist       = 1305 // ER_SP_DOES_NOT_EXIST: AURORA_VERSION() on other servers
	erMissingCurrentPasswd = 3892 // ER_MISSING_CURRENT_PASSWORD (MySQL 8 PASSWORD REQUIRE CURRENT)
)

// errorNumber returns the server error number of err, or 0.
func errorNumber(err error) uint16 {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

func isErrorNumber(err error, numbers ...uint16) bool {
	n := errorNumber(err)
	for _, x := range numbers {
		if n != 0 && n == x {
			return true
		}
	}
	return false
}

// isAuthFailure reports a refused login (wrong password, unknown user), as opposed to a
// server that could not be reached, a TLS failure or a locked account.
func isAuthFailure(err error) bool {
	return isErrorNumber(err, erAccessDenied, erAccessDeniedNoPass)
}

// isPrivilegeError reports a statement refused for lack of a privilege.
func isPrivilegeError(err error) bool {
	return isErrorNumber(err, erSpecificAccessDenied, erDBAccessDenied, erTableAccessDenied, erAccessDenied)
}

// secretStatementError is the error of a statement that carried a password in plaintext.
// A server error may quote the statement (a syntax error's "near '...'" does), so only the
// error number and SQLSTATE are kept; other errors are kept whole unless they mention the
// password.
func secretStatementError(err error, secrets ...string) error {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return err
	}
	leaks := me.Number == erParseError
	for _, s := range secrets {
		if s != "" && (strings.Contains(me.Message, s) || strings.Contains(me.Message, firstRunes(s, 8))) {
			leaks = true
		}
	}
	if !leaks {
		return err
	}
	return &mysql.MySQLError{Number: me.Number, SQLState: me.SQLState,
		Message: "(message withheld: the statement carried a password and the server's message quotes it)"}
}

func firstRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

// stmtError wraps the error of a statement, naming what it was for.
func stmtError(what string, err error) error {
	return fmt.Errorf("%s: %w", what, err)
}
