package rotation

import (
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
)

// The fields of a database secret, as the AWS sample rotators define them.
const (
	FieldEngine    = "engine"
	FieldHost      = "host"
	FieldPort      = "port"
	FieldUsername  = "username"
	FieldPassword  = "password"
	FieldDBName    = "dbname"
	FieldMasterARN = "masterarn"
	FieldSSL       = "ssl"
)

// SSLSetting is the "ssl" field of a database secret, read as the AWS samples read it.
type SSLSetting int

const (
	// SSLUnset: no "ssl" field, or a value that is neither a boolean nor "true"/"false".
	// The AWS samples then try TLS and fall back to plaintext if TLS fails; rotators in this
	// project use TLS and fall back only when the server does not offer TLS at all, never
	// after a certificate or host name failure (DESIGN.md section 5).
	SSLUnset SSLSetting = iota
	// SSLRequired: true or "true" (any case). TLS only.
	SSLRequired
	// SSLDisabled: false or "false" (any case). Plaintext only.
	SSLDisabled
)

func (s SSLSetting) String() string {
	switch s {
	case SSLRequired:
		return "required"
	case SSLDisabled:
		return "disabled"
	default:
		return "unset"
	}
}

// DBSecret is the typed view of a database secret compatible with the AWS samples:
//
//	{"engine": "postgres", "host": "db.example", "port": 5432, "username": "app",
//	 "password": "...", "dbname": "app", "masterarn": "arn:...", "ssl": true}
//
// port may be a number or a string. The full secret, with any other field, is kept in
// Secret; build the next version with WithPassword or WithUsername so that every other
// field survives.
type DBSecret struct {
	Engine    string // empty when absent and no engine was required
	Host      string
	Port      int // 0 when absent: use the engine's default (see PortOr)
	Username  string
	Password  string
	DBName    string // empty when absent: use the engine's default (see DBNameOr)
	MasterARN string // empty when absent (single user rotation)
	SSL       SSLSetting
	Secret    *Secret
}

// ParseDBSecret reads a database secret. host, username and password are required. When
// engines are given, engine is required and must be one of them. Errors name the field and
// never contain a value but the engine's.
func ParseDBSecret(s *Secret, engines ...string) (*DBSecret, error) {
	if s == nil {
		return nil, fmt.Errorf("no secret")
	}
	d := &DBSecret{Secret: s}
	var err error
	if len(engines) > 0 || s.Has(FieldEngine) {
		if d.Engine, err = s.GetString(FieldEngine); err != nil {
			return nil, err
		}
		if len(engines) > 0 && !slices.Contains(engines, d.Engine) {
			return nil, &FieldError{Field: FieldEngine, Problem: fmt.Sprintf("is %q; this rotator handles %s", d.Engine, strings.Join(engines, ", "))}
		}
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{FieldHost, &d.Host}, {FieldUsername, &d.Username}, {FieldPassword, &d.Password}} {
		if *f.dst, err = s.GetString(f.key); err != nil {
			return nil, err
		}
		if *f.dst == "" && f.key != FieldPassword {
			return nil, &FieldError{Field: f.key, Problem: "is empty"}
		}
	}
	if s.Has(FieldPort) {
		if d.Port, err = s.GetInt(FieldPort); err != nil {
			return nil, err
		}
		if d.Port < 1 || d.Port > 65535 {
			return nil, &FieldError{Field: FieldPort, Problem: fmt.Sprintf("is %d, not a TCP port (1 to 65535)", d.Port)}
		}
	}
	if d.DBName, err = s.StringOr(FieldDBName, ""); err != nil {
		return nil, err
	}
	if d.MasterARN, err = s.StringOr(FieldMasterARN, ""); err != nil {
		return nil, err
	}
	d.SSL = sslSetting(s)
	return d, nil
}

// sslSetting reads "ssl" as the AWS samples' get_ssl_config does.
func sslSetting(s *Secret) SSLSetting {
	if !s.Has(FieldSSL) {
		return SSLUnset
	}
	b, err := s.GetBool(FieldSSL)
	if err != nil {
		return SSLUnset
	}
	if b {
		return SSLRequired
	}
	return SSLDisabled
}

// PortOr returns Port, or def when the secret has none.
func (d *DBSecret) PortOr(def int) int {
	if d.Port == 0 {
		return def
	}
	return d.Port
}

// DBNameOr returns DBName, or def when the secret has none.
func (d *DBSecret) DBNameOr(def string) string {
	if d.DBName == "" {
		return def
	}
	return d.DBName
}

// Addr returns host:port, with defaultPort when the secret has no port.
func (d *DBSecret) Addr(defaultPort int) string {
	return net.JoinHostPort(d.Host, strconv.Itoa(d.PortOr(defaultPort)))
}

// WithPassword returns a copy of the full secret with the password replaced.
func (d *DBSecret) WithPassword(password string) *Secret {
	c := d.Secret.Clone()
	c.SetString(FieldPassword, password)
	return c
}

// WithUsername returns a copy of the full secret with the username replaced (alternating
// users).
func (d *DBSecret) WithUsername(username string) *Secret {
	c := d.Secret.Clone()
	c.SetString(FieldUsername, username)
	return c
}

// Format implements fmt.Formatter without the password.
// (A value receiver, so that a DBSecret printed by value hides the password too.)
func (d DBSecret) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "rotation.DBSecret{engine=%q host=%q port=%d username=%q dbname=%q masterarn=%q ssl=%s}",
		d.Engine, d.Host, d.Port, d.Username, d.DBName, d.MasterARN, d.SSL)
}

// LogValue implements slog.LogValuer without the password.
func (d DBSecret) LogValue() slog.Value {
	return slog.GroupValue(slog.String("engine", d.Engine), slog.String("host", d.Host), slog.Int("port", d.Port),
		slog.String("username", d.Username), slog.String("dbname", d.DBName), slog.String("ssl", d.SSL.String()))
}
