package mysql

import (
	"strings"
)

// quoteIdent quotes an identifier, or one part of an account name, with backticks. Inside
// backticks only the backtick is special (doubled), whatever the sql_mode, so user and host
// names are always written this way.
func quoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// account is a MySQL account: 'user'@'host'.
type account struct {
	User, Host string
}

// String is the account as SQL: `user`@`host`.
func (a account) String() string { return quoteIdent(a.User) + "@" + quoteIdent(a.Host) }

// quoteString quotes a string literal. With the server's NO_BACKSLASH_ESCAPES mode only the
// quote is special (doubled); otherwise backslashes and the characters MySQL's own
// mysql_real_escape_string escapes are escaped too.
func quoteString(s string, noBackslashEscapes bool) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if noBackslashEscapes {
			if c == '\'' {
				b.WriteByte('\'')
			}
			b.WriteByte(c)
			continue
		}
		switch c {
		case 0:
			b.WriteString(`\0`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case 0x1a:
			b.WriteString(`\Z`)
		case '\'':
			b.WriteString(`\'`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
