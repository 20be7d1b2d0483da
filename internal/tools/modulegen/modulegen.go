// Package modulegen writes the files the four rotator wrapper modules (postgres-rotation,
// mysql-rotation, ssh-key-rotation, api-key-rotation) share: variables.tf, outputs.tf and
// main.tf, from one set of templates and a short description of each wrapper. A wrapper's
// own settings are written by hand in its rotator.tf.
//
// Generated rather than passed through as objects, so that every wrapper keeps a flat,
// explicit interface (its README's input table lists each variable with its type and
// default) without a hand-kept copy. modules/wrappers_test.go fails when a generated file
// is not what Generate writes, and rewrites them with -update.
package modulegen

import (
	"bytes"
	"embed"
	"fmt"
	"path"
	"strconv"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var templates embed.FS

// Wrapper describes one wrapper module: what differs between them.
type Wrapper struct {
	Dir         string // directory under modules/
	Package     string // rotator name in `make package`: dist/<Package>.zip
	Summary     string // first comment line of main.tf
	Description string // default description of the function
	Timeout     int    // default timeout in seconds
	TimeoutNote string // appended to the timeout variable's description
	Secrets     string // opening of the secrets variable's description: what the secrets hold
	Masters     string // description of master_secrets
	RDSMasters  bool   // master_secrets take rds_db_arn (RDS-managed master secrets)
	Single      string // what rotation_strategy "single" does
	Alternating string // what rotation_strategy "alternating" does
	Layers      string // description of layers
	Egress      string // default egress in words
	EgressPorts []int  // default egress ports of the created security group
	EgressWhy   string // comment on EgressPorts

	RandomPassword    bool   // the role may call secretsmanager:GetRandomPassword
	RandomPasswordWhy string // comment on it

	// Database wrappers share the password and TLS settings of the database rotators.
	Database bool
	// ExcludeCharacters is the HCL-escaped default of exclude_characters (database only).
	ExcludeCharacters string

	// RotatorFile: the wrapper has a hand-written rotator.tf with its own variables and a
	// local rotator_environment holding RotatorEnv.
	RotatorFile bool
	// RotatorEnv are the environment variables rotator.tf sets; environment_variables
	// refuses them.
	RotatorEnv []string
	// RotatorEnvText names them in a description when listing every one would be too long.
	RotatorEnvText string
}

// databaseEnv are the variables the database wrappers set from their shared variables.
var databaseEnv = []string{"PASSWORD_LENGTH", "EXCLUDE_CHARACTERS", "EXCLUDE_NUMBERS", "EXCLUDE_PUNCTUATION",
	"EXCLUDE_UPPERCASE", "EXCLUDE_LOWERCASE", "REQUIRE_EACH_INCLUDED_TYPE", "SSL_ROOT_CERT"}

// Reserved are the environment variables the module sets itself, in the order it lists them.
func (w Wrapper) Reserved() []string {
	out := []string{"ROTATION_STRATEGY"}
	if w.Database {
		out = append(out, databaseEnv...)
	}
	return append(out, w.RotatorEnv...)
}

// view is what the templates see: the wrapper and the strings derived from it.
type view struct {
	Wrapper
	ReservedText, ReservedList, ReservedMessage string
	EgressPorts                                 string
}

func (w Wrapper) view() view {
	r := w.Reserved()
	quoted := make([]string, len(r))
	ticked := make([]string, len(r))
	for i, v := range r {
		quoted[i] = strconv.Quote(v)
		ticked[i] = "`" + v + "`"
	}
	v := view{
		Wrapper:         w,
		ReservedText:    strings.Join(ticked, ", "),
		ReservedList:    strings.Join(quoted, ", "),
		ReservedMessage: strings.Join(r, ", "),
	}
	if w.RotatorEnvText != "" {
		common := len(r) - len(w.RotatorEnv)
		v.ReservedText = strings.Join(append(ticked[:common:common], w.RotatorEnvText), ", ")
		v.ReservedMessage = strings.Join(append(r[:common:common], strings.Trim(w.RotatorEnvText, "`")), ", ")
	}
	ports := make([]string, len(w.EgressPorts))
	for i, p := range w.EgressPorts {
		ports[i] = strconv.Itoa(p)
	}
	v.EgressPorts = strings.Join(ports, ", ")
	return v
}

// Generate returns every generated file, by path relative to modules/.
func Generate() (map[string][]byte, error) {
	tmpl, err := template.New("").Option("missingkey=error").Funcs(template.FuncMap{"comment": comment}).ParseFS(templates, "templates/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	out := map[string][]byte{}
	for _, w := range Wrappers {
		for _, name := range []string{"variables.tf", "outputs.tf", "main.tf"} {
			var b bytes.Buffer
			if err := tmpl.ExecuteTemplate(&b, name+".tmpl", w.view()); err != nil {
				return nil, fmt.Errorf("%s/%s: %w", w.Dir, name, err)
			}
			out[path.Join(w.Dir, name)] = b.Bytes()
		}
	}
	return out, nil
}

// comment formats text as "# " comment lines of at most 95 characters.
func comment(text string) string {
	var b strings.Builder
	line := "#"
	for _, word := range strings.Fields(text) {
		if len(line)+1+len(word) > 95 && line != "#" {
			b.WriteString(line + "\n")
			line = "#"
		}
		line += " " + word
	}
	b.WriteString(line)
	return b.String()
}
