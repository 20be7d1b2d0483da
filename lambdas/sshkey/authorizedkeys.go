package sshkey

import (
	"bytes"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Edit is a change to an authorized_keys file. Apply changes only what it must: every
// other line (comments, blank lines, options, other keys, line endings) is kept byte for
// byte, and a key that is already there is not added again.
type Edit struct {
	// Add is the key to add, with AddComment, unless a line already holds it.
	Add        ssh.PublicKey
	AddComment string
	// OptionsFrom: the added line gets the options (from="...", no-pty, ...) of the first
	// line holding this key, so that a new key is restricted like the key it replaces.
	OptionsFrom ssh.PublicKey
	// Remove says which key lines to delete. It is never asked about Add's key, nor about
	// cert-authority lines.
	Remove func(key ssh.PublicKey, comment string) bool
}

// EditResult says what Apply did.
type EditResult struct {
	Added   bool // a line was added
	Present bool // Add was already there
	Removed int  // lines deleted
}

// Changed reports whether the file must be written.
func (r EditResult) Changed() bool { return r.Added || r.Removed > 0 }

// authLine is one line of an authorized_keys file.
type authLine struct {
	raw     []byte // the line, with its terminator if it has one
	key     ssh.PublicKey
	comment string
	options []string
}

// parseAuthorizedKeys splits data into lines and parses those holding a key. Lines that
// are not keys (comments, blank, unparsable) have a nil key.
func parseAuthorizedKeys(data []byte) []authLine {
	var lines []authLine
	for _, raw := range bytes.SplitAfter(data, []byte("\n")) {
		if len(raw) == 0 {
			continue
		}
		l := authLine{raw: raw}
		if k, comment, options, _, err := ssh.ParseAuthorizedKey(raw); err == nil {
			l.key, l.comment, l.options = k, comment, options
		}
		lines = append(lines, l)
	}
	return lines
}

func (l authLine) certAuthority() bool {
	for _, o := range l.options {
		if strings.EqualFold(o, "cert-authority") {
			return true
		}
	}
	return false
}

// Apply returns the edited file and what changed. When nothing changed, out is data.
func (e Edit) Apply(data []byte) (out []byte, res EditResult) {
	lines := parseAuthorizedKeys(data)
	var options []string
	var kept []authLine
	for _, l := range lines {
		if l.key == nil || l.certAuthority() {
			kept = append(kept, l)
			continue
		}
		if sameKey(l.key, e.Add) {
			res.Present = true
			kept = append(kept, l)
			continue
		}
		if options == nil && sameKey(l.key, e.OptionsFrom) {
			options = append([]string{}, l.options...)
		}
		if e.Remove != nil && e.Remove(l.key, l.comment) {
			res.Removed++
			continue
		}
		kept = append(kept, l)
	}
	if e.Add != nil && !res.Present {
		res.Added = true
		line := authorizedKeyLine(e.Add, e.AddComment)
		if len(options) > 0 {
			line = strings.Join(options, ",") + " " + line
		}
		kept = append(kept, authLine{raw: []byte(line + "\n")})
	}
	if !res.Changed() {
		return data, res
	}
	var buf bytes.Buffer
	for i, l := range kept {
		buf.Write(l.raw)
		// A last line without a newline gets one when a line follows it now.
		if i < len(kept)-1 && !bytes.HasSuffix(l.raw, []byte("\n")) {
			buf.WriteByte('\n')
		}
	}
	return buf.Bytes(), res
}
