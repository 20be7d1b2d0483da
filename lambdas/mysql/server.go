package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// flavor is the server's family, told apart by what the server says of itself
// (VERSION() and @@version_comment), never by the first character of its version.
type flavor int

const (
	flavorMySQL flavor = iota
	flavorMariaDB
)

func (f flavor) String() string {
	if f == flavorMariaDB {
		return "MariaDB"
	}
	return "MySQL"
}

// serverInfo is what the rotator learned about the server it is connected to.
type serverInfo struct {
	Version string // VERSION()
	Comment string // @@version_comment
	Flavor  flavor
	// Aurora is set for Aurora MySQL (AURORA_VERSION() exists); AuroraVersion is its answer.
	Aurora        bool
	AuroraVersion string
	// Major, Minor and Patch are the numbers VERSION() starts with. For Aurora MySQL, whose
	// VERSION() is like "8.0.mysql_aurora.3.05.2", Patch is that of the MySQL release the
	// Aurora major version is built on (8.0.23, 5.7.12).
	Major, Minor, Patch int
	// NoBackslashEscapes reports sql_mode NO_BACKSLASH_ESCAPES: string literals are quoted
	// accordingly.
	NoBackslashEscapes bool
}

var versionRE = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.(\d+))?`)

// parseServer fills the version numbers and flavor from VERSION() and @@version_comment.
func parseServer(version, comment string) (serverInfo, error) {
	s := serverInfo{Version: version, Comment: comment}
	m := versionRE.FindStringSubmatch(version)
	if m == nil {
		return s, fmt.Errorf("cannot read the server version %q", version)
	}
	s.Major, _ = strconv.Atoi(m[1])
	s.Minor, _ = strconv.Atoi(m[2])
	if m[3] != "" {
		s.Patch, _ = strconv.Atoi(m[3])
	} else if strings.Contains(version, "mysql_aurora") {
		s.Aurora = true
		switch {
		case s.Major == 8:
			s.Patch = 23 // Aurora MySQL 3 is MySQL 8.0.23 or later
		case s.Major == 5 && s.Minor == 7:
			s.Patch = 12 // Aurora MySQL 2 is MySQL 5.7.12 or later
		}
	}
	if strings.Contains(strings.ToLower(version), "mariadb") || strings.Contains(strings.ToLower(comment), "mariadb") {
		s.Flavor = flavorMariaDB
	}
	return s, nil
}

// atLeast compares the version numerically.
func (s serverInfo) atLeast(major, minor, patch int) bool {
	if s.Major != major {
		return s.Major > major
	}
	if s.Minor != minor {
		return s.Minor > minor
	}
	return s.Patch >= patch
}

func (s serverInfo) String() string {
	if s.Aurora {
		return fmt.Sprintf("Aurora MySQL %s (%s)", s.AuroraVersion, s.Version)
	}
	return fmt.Sprintf("%s %s", s.Flavor, s.Version)
}

// alterUser: ALTER USER with authentication options (MySQL 5.7.6, MariaDB 10.2).
func (s serverInfo) alterUser() bool {
	if s.Flavor == flavorMariaDB {
		return s.atLeast(10, 2, 0)
	}
	return s.atLeast(5, 7, 6)
}

// authOr: several authentication methods per account, IDENTIFIED VIA a OR b (MariaDB
// 10.4). The rotator uses it to keep the current password valid next to the new one until
// finishSecret.
func (s serverInfo) authOr() bool { return s.Flavor == flavorMariaDB && s.atLeast(10, 4, 0) }

// dualPassword: RETAIN CURRENT PASSWORD and DISCARD OLD PASSWORD (MySQL 8.0.14).
func (s serverInfo) dualPassword() bool { return s.Flavor == flavorMySQL && s.atLeast(8, 0, 14) }

// roles: GRANT role TO user (MySQL 8.0, MariaDB 10.0.5).
func (s serverInfo) roles() bool {
	if s.Flavor == flavorMariaDB {
		return s.atLeast(10, 0, 5)
	}
	return s.atLeast(8, 0, 0)
}

// detectServer asks the server what it is.
func detectServer(ctx context.Context, q querier) (serverInfo, error) {
	var version, comment, mode string
	err := q.QueryRowContext(ctx, "SELECT VERSION(), @@version_comment, @@SESSION.sql_mode").Scan(&version, &comment, &mode)
	if err != nil {
		return serverInfo{}, fmt.Errorf("read the server version (SELECT VERSION()): %w", err)
	}
	s, err := parseServer(version, comment)
	if err != nil {
		return s, err
	}
	s.NoBackslashEscapes = strings.Contains(strings.ToUpper(mode), "NO_BACKSLASH_ESCAPES")
	if s.Flavor == flavorMySQL {
		var av string
		err := q.QueryRowContext(ctx, "SELECT AURORA_VERSION()").Scan(&av)
		switch {
		case err == nil:
			s.Aurora, s.AuroraVersion = true, av
		case !isErrorNumber(err, erSPDoesNotExist, erParseError):
			return s, fmt.Errorf("ask whether the server is Aurora MySQL (SELECT AURORA_VERSION()): %w", err)
		}
	}
	return s, nil
}

// querier is what *sql.Conn and *sql.DB share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
