package mysql

import (
	"fmt"
	"slices"
	"strings"
)

// The grants of an account, read from SHOW GRANTS and compared item by item, so that the
// clone of an account gets exactly the original's privileges: those it lacks are granted,
// those the original lost are revoked, and nothing else is touched.

// token is one lexical token of a SHOW GRANTS or SHOW CREATE USER line.
type token struct {
	text string // as printed (quotes included)
	kind byte   // 'w' word, '`' identifier, '\'' or '"' string, 'p' punctuation
}

// upper is the token's text in upper case for words, as printed otherwise.
func (t token) upper() string {
	if t.kind == 'w' {
		return strings.ToUpper(t.text)
	}
	return t.text
}

// tokenize splits a line into tokens. Quoted strings may hold anything, including the
// quote doubled or backslash-escaped.
func tokenize(line string) ([]token, error) {
	var out []token
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '`' || c == '\'' || c == '"':
			j := i + 1
			for {
				if j >= len(line) {
					return nil, fmt.Errorf("unterminated %c quote", c)
				}
				if line[j] == '\\' && c != '`' {
					j += 2
					continue
				}
				if line[j] == c {
					if j+1 < len(line) && line[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			out = append(out, token{text: line[i : j+1], kind: c})
			i = j + 1
		case c == ',' || c == '(' || c == ')' || c == '.' || c == '@' || c == '*' || c == '=' || c == ';':
			out = append(out, token{text: string(c), kind: 'p'})
			i++
		default:
			j := i
			for j < len(line) && !strings.ContainsRune(" \t\n\r`'\",().@*=;", rune(line[j])) {
				j++
			}
			out = append(out, token{text: line[i:j], kind: 'w'})
			i = j
		}
	}
	return out, nil
}

// join prints tokens back as SQL: a space between tokens except around '.', '@' and
// before ',' and ')' and after '('.
func join(toks []token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			prev := toks[i-1].text
			tight := t.text == "." || t.text == "@" || t.text == "," || t.text == ")" ||
				prev == "." || prev == "@" || prev == "("
			if !tight {
				b.WriteByte(' ')
			}
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// grantItem is one privilege of one account: comparable, and turned back into GRANT or
// REVOKE statements for another account.
type grantItem struct {
	// Kind: "priv" (Privilege on Object, with an optional Column), "grantopt" (WITH GRANT
	// OPTION on Object), "role" (Role granted), "roleadmin" (WITH ADMIN OPTION for Role),
	// "proxy" (PROXY ON Object), "proxygrant" (its WITH GRANT OPTION), "partialrevoke"
	// (MySQL partial revoke of Privilege on Object), "defaultrole" (MariaDB SET DEFAULT
	// ROLE Role).
	Kind      string
	Privilege string // upper case, e.g. "SELECT", "ALTER ROUTINE"
	Column    string // quoted column name, for column privileges
	Object    string // e.g. "*.*", "`db`.*", "PROCEDURE `db`.`p`", "''@'%'" (proxy)
	Role      string // e.g. "`r1`" or "`r1`@`%`"
}

// parseGrants reads the lines of SHOW GRANTS FOR an account.
func parseGrants(lines []string) ([]grantItem, error) {
	var items []grantItem
	for _, line := range lines {
		got, err := parseGrantLine(line)
		if err != nil {
			return nil, err
		}
		items = append(items, got...)
	}
	return dedupe(items), nil
}

func dedupe(items []grantItem) []grantItem {
	seen := map[grantItem]bool{}
	var out []grantItem
	for _, it := range items {
		if !seen[it] {
			seen[it] = true
			out = append(out, it)
		}
	}
	return out
}

// grantLineError is a SHOW GRANTS line the rotator does not understand. Its message holds
// only the line's first words: MariaDB prints password hashes in SHOW GRANTS.
func grantLineError(line, problem string) error {
	words := strings.Fields(line)
	if len(words) > 4 {
		words = words[:4]
	}
	return fmt.Errorf("cannot read the SHOW GRANTS line starting %q: %s", strings.Join(words, " "), problem)
}

func parseGrantLine(line string) ([]grantItem, error) {
	toks, err := tokenize(line)
	if err != nil {
		return nil, grantLineError(line, err.Error())
	}
	if len(toks) == 0 {
		return nil, nil
	}
	first := toks[0].upper()
	switch first {
	case "SET":
		// MariaDB: SET DEFAULT ROLE `r` FOR `u`@`h`
		if len(toks) < 4 || toks[1].upper() != "DEFAULT" || toks[2].upper() != "ROLE" {
			return nil, grantLineError(line, "unknown SET statement")
		}
		end := indexWord(toks, 3, "FOR")
		if end < 0 {
			end = len(toks)
		}
		return []grantItem{{Kind: "defaultrole", Role: join(toks[3:end])}}, nil
	case "GRANT", "REVOKE":
	default:
		return nil, grantLineError(line, "neither GRANT nor REVOKE")
	}
	target := "TO"
	if first == "REVOKE" {
		target = "FROM"
	}
	on := indexWordDepth0(toks, 1, "ON")
	to := indexWordDepth0(toks, 1, target)
	if to < 0 {
		return nil, grantLineError(line, "no "+target)
	}
	rest := toks[to+1:]
	withGrant, withAdmin := hasWith(rest, "GRANT"), hasWith(rest, "ADMIN")
	if on < 0 || on > to {
		// GRANT role[, role] TO account [WITH ADMIN OPTION]
		if first == "REVOKE" {
			return nil, grantLineError(line, "REVOKE without ON")
		}
		var items []grantItem
		for _, r := range splitTop(toks[1:to]) {
			role := join(r)
			items = append(items, grantItem{Kind: "role", Role: role})
			if withAdmin {
				items = append(items, grantItem{Kind: "roleadmin", Role: role})
			}
		}
		return items, nil
	}
	object := join(toks[on+1 : to])
	privs := splitTop(toks[1:on])
	if len(privs) == 1 && len(privs[0]) == 1 && privs[0][0].upper() == "PROXY" {
		items := []grantItem{{Kind: "proxy", Object: object}}
		if withGrant {
			items = append(items, grantItem{Kind: "proxygrant", Object: object})
		}
		return items, nil
	}
	var items []grantItem
	for _, p := range privs {
		name, cols, err := splitPrivilege(p)
		if err != nil {
			return nil, grantLineError(line, err.Error())
		}
		if name == "USAGE" {
			continue // no privilege at all
		}
		kind := "priv"
		if first == "REVOKE" {
			kind = "partialrevoke"
		}
		if len(cols) == 0 {
			items = append(items, grantItem{Kind: kind, Privilege: name, Object: object})
		}
		for _, c := range cols {
			items = append(items, grantItem{Kind: kind, Privilege: name, Column: c, Object: object})
		}
	}
	if withGrant && first == "GRANT" {
		items = append(items, grantItem{Kind: "grantopt", Object: object})
	}
	return items, nil
}

// splitPrivilege reads "SELECT" or "INSERT (`a`, `b`)".
func splitPrivilege(p []token) (name string, cols []string, err error) {
	open := slices.IndexFunc(p, func(t token) bool { return t.text == "(" })
	words := p
	if open >= 0 {
		words = p[:open]
		if p[len(p)-1].text != ")" {
			return "", nil, fmt.Errorf("unbalanced column list")
		}
		for _, c := range splitTop(p[open+1 : len(p)-1]) {
			cols = append(cols, join(c))
		}
	}
	var parts []string
	for _, w := range words {
		parts = append(parts, w.upper())
	}
	if len(parts) == 0 {
		return "", nil, fmt.Errorf("empty privilege")
	}
	return strings.Join(parts, " "), cols, nil
}

// splitTop splits tokens at commas outside parentheses.
func splitTop(toks []token) [][]token {
	var out [][]token
	depth, start := 0, 0
	for i, t := range toks {
		switch t.text {
		case "(":
			depth++
		case ")":
			depth--
		case ",":
			if depth == 0 && t.kind == 'p' {
				out = append(out, toks[start:i])
				start = i + 1
			}
		}
	}
	if start < len(toks) {
		out = append(out, toks[start:])
	}
	return out
}

func indexWord(toks []token, from int, word string) int {
	for i := from; i < len(toks); i++ {
		if toks[i].kind == 'w' && toks[i].upper() == word {
			return i
		}
	}
	return -1
}

func indexWordDepth0(toks []token, from int, word string) int {
	depth := 0
	for i := from; i < len(toks); i++ {
		switch toks[i].text {
		case "(":
			depth++
		case ")":
			depth--
		}
		if depth == 0 && toks[i].kind == 'w' && toks[i].upper() == word {
			return i
		}
	}
	return -1
}

// hasWith reports "WITH ... <what> OPTION" in the tail of a GRANT line (after the grantee;
// MariaDB prints resource limits between WITH and GRANT OPTION).
func hasWith(toks []token, what string) bool {
	w := indexWord(toks, 0, "WITH")
	if w < 0 {
		return false
	}
	for i := w + 1; i+1 < len(toks); i++ {
		if toks[i].kind == 'w' && toks[i].upper() == what && toks[i+1].upper() == "OPTION" {
			return true
		}
	}
	return false
}

// grantStatements returns the statements that make grantee's grants (have) equal to want:
// first every GRANT (so the account never lacks a privilege it keeps), then every REVOKE.
func grantStatements(s serverInfo, grantee account, want, have []grantItem) []statement {
	in := func(list []grantItem) map[grantItem]bool {
		m := make(map[grantItem]bool, len(list))
		for _, it := range list {
			m[it] = true
		}
		return m
	}
	wantSet, haveSet := in(want), in(have)
	var add, drop []grantItem
	for _, it := range want {
		if !haveSet[it] {
			add = append(add, it)
		}
	}
	for _, it := range have {
		if !wantSet[it] {
			drop = append(drop, it)
		}
	}
	g := grantee.String()
	var out []statement
	// Privileges, grouped by object, in the order first seen.
	out = append(out, privilegeStatements("GRANT", "TO", g, add, "priv")...)
	out = append(out, privilegeStatements("REVOKE", "FROM", g, add, "partialrevoke")...)
	for _, it := range add {
		switch it.Kind {
		case "grantopt":
			out = append(out, statement{SQL: "GRANT USAGE ON " + it.Object + " TO " + g + " WITH GRANT OPTION"})
		case "role":
			st := "GRANT " + it.Role + " TO " + g
			if wantSet[grantItem{Kind: "roleadmin", Role: it.Role}] {
				st += " WITH ADMIN OPTION"
			}
			out = append(out, statement{SQL: st})
		case "roleadmin":
			if haveSet[grantItem{Kind: "role", Role: it.Role}] {
				out = append(out, statement{SQL: "GRANT " + it.Role + " TO " + g + " WITH ADMIN OPTION"})
			}
		case "proxy":
			st := "GRANT PROXY ON " + it.Object + " TO " + g
			if wantSet[grantItem{Kind: "proxygrant", Object: it.Object}] {
				st += " WITH GRANT OPTION"
			}
			out = append(out, statement{SQL: st})
		case "proxygrant":
			if haveSet[grantItem{Kind: "proxy", Object: it.Object}] {
				out = append(out, statement{SQL: "GRANT PROXY ON " + it.Object + " TO " + g + " WITH GRANT OPTION"})
			}
		case "defaultrole":
			out = append(out, setDefaultRole(s, g, it.Role))
		}
	}
	out = append(out, privilegeStatements("REVOKE", "FROM", g, drop, "priv")...)
	// A partial revoke the original no longer has is undone by granting the privilege.
	out = append(out, privilegeStatements("GRANT", "TO", g, drop, "partialrevoke")...)
	hasDefault := slices.ContainsFunc(want, func(it grantItem) bool { return it.Kind == "defaultrole" })
	for _, it := range drop {
		switch it.Kind {
		case "grantopt":
			out = append(out, statement{SQL: "REVOKE GRANT OPTION ON " + it.Object + " FROM " + g})
		case "role":
			out = append(out, statement{SQL: "REVOKE " + it.Role + " FROM " + g})
		case "roleadmin":
			if wantSet[grantItem{Kind: "role", Role: it.Role}] {
				if s.Flavor == flavorMariaDB {
					out = append(out, statement{SQL: "REVOKE ADMIN OPTION FOR " + it.Role + " FROM " + g})
				} else {
					// MySQL cannot revoke the admin option alone.
					out = append(out, statement{SQL: "REVOKE " + it.Role + " FROM " + g},
						statement{SQL: "GRANT " + it.Role + " TO " + g})
				}
			}
		case "proxy":
			out = append(out, statement{SQL: "REVOKE PROXY ON " + it.Object + " FROM " + g})
		case "proxygrant":
			if wantSet[grantItem{Kind: "proxy", Object: it.Object}] {
				out = append(out, statement{SQL: "REVOKE PROXY ON " + it.Object + " FROM " + g},
					statement{SQL: "GRANT PROXY ON " + it.Object + " TO " + g})
			}
		case "defaultrole":
			if !hasDefault {
				out = append(out, setDefaultRole(s, g, "NONE"))
			}
		}
	}
	return out
}

func setDefaultRole(s serverInfo, grantee, role string) statement {
	if s.Flavor == flavorMariaDB {
		return statement{SQL: "SET DEFAULT ROLE " + role + " FOR " + grantee}
	}
	return statement{SQL: "SET DEFAULT ROLE " + role + " TO " + grantee}
}

// privilegeStatements groups the items of kind by object into "VERB p1, p2 (`c`) ON obj
// PREP grantee" statements.
func privilegeStatements(verb, prep, grantee string, items []grantItem, kind string) []statement {
	var objects []string
	byObject := map[string][]string{}
	for _, it := range items {
		if it.Kind != kind {
			continue
		}
		if _, ok := byObject[it.Object]; !ok {
			objects = append(objects, it.Object)
		}
		p := it.Privilege
		if it.Column != "" {
			p += " (" + it.Column + ")"
		}
		byObject[it.Object] = append(byObject[it.Object], p)
	}
	var out []statement
	for _, obj := range objects {
		out = append(out, statement{SQL: verb + " " + strings.Join(byObject[obj], ", ") + " ON " + obj + " " + prep + " " + grantee})
	}
	return out
}

// authMethod is one authentication method of an account, from SHOW CREATE USER.
type authMethod struct {
	Plugin string
	Auth   string // the authentication string, unquoted ("" when none)
}

// parseCreateUser reads the authentication methods of SHOW CREATE USER's answer:
//
//	MariaDB: IDENTIFIED BY PASSWORD '*...' | IDENTIFIED VIA p [USING '...'] [OR q ...]
//	MySQL:   IDENTIFIED WITH 'p' [AS '...']   (5.7: IDENTIFIED WITH 'p' AS '...')
//
// An account without IDENTIFIED has mysql_native_password with an empty password on
// MariaDB.
func parseCreateUser(line string) ([]authMethod, error) {
	toks, err := tokenize(line)
	if err != nil {
		return nil, fmt.Errorf("cannot read SHOW CREATE USER: %v", err)
	}
	id := indexWord(toks, 0, "IDENTIFIED")
	if id < 0 || id+1 >= len(toks) {
		return []authMethod{{Plugin: pluginNative}}, nil
	}
	i := id + 1
	switch toks[i].upper() {
	case "BY":
		// BY PASSWORD 'hash'
		if i+2 < len(toks) && toks[i+1].upper() == "PASSWORD" {
			return []authMethod{{Plugin: pluginNative, Auth: unquote(toks[i+2])}}, nil
		}
		return []authMethod{{Plugin: pluginNative}}, nil
	case "WITH":
		if i+1 >= len(toks) {
			return nil, fmt.Errorf("cannot read SHOW CREATE USER: IDENTIFIED WITH without a plugin")
		}
		m := authMethod{Plugin: unquote(toks[i+1])}
		if i+3 < len(toks) && toks[i+2].upper() == "AS" {
			m.Auth = unquote(toks[i+3])
		}
		return []authMethod{m}, nil
	case "VIA":
		var out []authMethod
		for i++; i < len(toks); {
			m := authMethod{Plugin: unquote(toks[i])}
			i++
			if i+1 < len(toks) && toks[i].upper() == "USING" {
				m.Auth = unquote(toks[i+1])
				i += 2
			}
			out = append(out, m)
			if i < len(toks) && toks[i].upper() == "OR" {
				i++
				continue
			}
			break
		}
		return out, nil
	}
	return nil, fmt.Errorf("cannot read SHOW CREATE USER: unexpected %q after IDENTIFIED", toks[i].text)
}

// unquote returns a token's text without its quotes (escapes of the quote undone).
func unquote(t token) string {
	if t.kind == 'w' || t.kind == 'p' {
		return t.text
	}
	q := t.text[:1]
	s := t.text[1 : len(t.text)-1]
	s = strings.ReplaceAll(s, q+q, q)
	if q != "`" {
		s = strings.ReplaceAll(s, `\`+q, q)
		s = strings.ReplaceAll(s, `\\`, `\`)
	}
	return s
}
