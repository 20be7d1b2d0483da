package rotation_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

func mustParse(t *testing.T, s string) *rotation.Secret {
	t.Helper()
	sec, err := rotation.ParseSecret([]byte(s))
	if err != nil {
		t.Fatalf("ParseSecret: %v", err)
	}
	return sec
}

func TestParseSecretRefusesNonObjects(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"plain text", `hunter2-password`, "not valid JSON"},
		{"string", `"hunter2-password"`, "must be a JSON object, not a JSON string"},
		{"array", `["hunter2-password"]`, "must be a JSON object, not a JSON array"},
		{"null", `null`, "not null"},
		{"number", `12345`, "must be a JSON object, not a JSON number"},
		{"trailing data", `{"a":"b"} {"c":"hunter2-password"}`, "data after"},
		{"broken", `{"password":"hunter2-password"`, "not valid JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rotation.ParseSecret([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error quotes the value: %v", err)
			}
		})
	}
}

func TestSecretKeepsUnknownFieldsVerbatim(t *testing.T) {
	t.Parallel()
	in := `{"big":12345678901234567890,"f":1.50,"nested":{"z":[1,{"y":null}],"a":"\u00e9"},"password":"old"}`
	s := mustParse(t, in)
	s.SetString("password", "new")
	out, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"big":12345678901234567890,"f":1.50,"nested":{"z":[1,{"y":null}],"a":"\u00e9"},"password":"new"}`
	if string(out) != want {
		t.Errorf("round trip:\n got %s\nwant %s", out, want)
	}
	c := s.Clone()
	c.SetString("password", "changed")
	c.Delete("big")
	if v, _ := s.GetString("password"); v != "new" || !s.Has("big") {
		t.Errorf("Clone shares state with the original")
	}
}

func TestSecretAccessors(t *testing.T) {
	t.Parallel()
	s := mustParse(t, `{"s":"text","n":5432,"ns":"5432","nf":5432.0,"nsp":" 42 ","bad":"x1","neg":-1,
		"t":true,"f":false,"ts":"TRUE","fs":"False","yes":"yes","obj":{"a":1},"null":null}`)
	ints := []struct {
		key     string
		want    int
		wantErr string
	}{
		{"n", 5432, ""}, {"ns", 5432, ""}, {"nf", 5432, ""}, {"nsp", 42, ""}, {"neg", -1, ""},
		{"bad", 0, `secret field "bad" must be an integer`},
		{"t", 0, `secret field "t" must be an integer, not a boolean`},
		{"missing", 0, `secret field "missing" is missing`},
	}
	for _, tc := range ints {
		got, err := s.GetInt(tc.key)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("GetInt(%s) error %v, want %q", tc.key, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("GetInt(%s) = %d, %v; want %d", tc.key, got, err, tc.want)
		}
	}
	bools := []struct {
		key     string
		want    bool
		wantErr bool
	}{{"t", true, false}, {"f", false, false}, {"ts", true, false}, {"fs", false, false}, {"yes", false, true}, {"n", false, true}}
	for _, tc := range bools {
		got, err := s.GetBool(tc.key)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("GetBool(%s) = %v, %v; want %v (error %v)", tc.key, got, err, tc.want, tc.wantErr)
		}
	}
	if v, err := s.GetString("s"); v != "text" || err != nil {
		t.Errorf("GetString(s) = %q, %v", v, err)
	}
	if _, err := s.GetString("n"); err == nil || err.Error() != `secret field "n" must be a string, not a number` {
		t.Errorf("GetString(n): %v", err)
	}
	if _, err := s.GetString("missing"); !errors.Is(err, rotation.ErrMissingField) {
		t.Errorf("GetString(missing): %v does not match ErrMissingField", err)
	}
	if v, err := s.StringOr("null", "def"); v != "def" || err != nil {
		t.Errorf("StringOr(null) = %q, %v", v, err)
	}
	var obj struct{ A int }
	if err := s.Decode("obj", &obj); err != nil || obj.A != 1 {
		t.Errorf("Decode(obj) = %+v, %v", obj, err)
	}
	if got := strings.Join(s.Keys()[:3], ","); got != "bad,f,fs" {
		t.Errorf("Keys not sorted: %s", got)
	}
}

func TestSecretsNeverPrintValues(t *testing.T) {
	t.Parallel()
	s := mustParse(t, `{"engine":"postgres","host":"h","username":"u","password":"hunter2-password"}`)
	db, err := rotation.ParseDBSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	ev := rotation.Event{Step: rotation.StepSet, SecretID: "arn", ClientRequestToken: "tok", RotationToken: "rotation-token-value"}
	var out bytes.Buffer
	for _, v := range []any{s, db, ev, *db} {
		fmt.Fprintf(&out, "%v %+v %#v %s %q\n", v, v, v, v, v)
	}
	l := slog.New(slog.NewJSONHandler(&out, nil))
	l.Info("x", "secret", s, "db", db, "event", ev)
	l = slog.New(slog.NewTextHandler(&out, nil))
	l.Info("x", "secret", s, "db", db, "event", ev)
	if text := out.String(); strings.Contains(text, "hunter2") || strings.Contains(text, "rotation-token-value") {
		t.Errorf("a value was printed:\n%s", text)
	}
	if !strings.Contains(out.String(), "password") {
		t.Errorf("field names are not shown:\n%s", out.String())
	}
}

func TestParseDBSecret(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      string
		engines []string
		want    rotation.DBSecret
		wantErr string
	}{
		{"postgres sample", `{"engine":"postgres","host":"db.example","username":"app","password":"p","dbname":"app","port":5432}`,
			[]string{"postgres", "aurora-postgresql"}, rotation.DBSecret{Engine: "postgres", Host: "db.example", Username: "app", Password: "p", DBName: "app", Port: 5432}, ""},
		{"port as string", `{"engine":"mysql","host":"h","username":"u","password":"p","port":"3306"}`,
			[]string{"mysql"}, rotation.DBSecret{Engine: "mysql", Host: "h", Username: "u", Password: "p", Port: 3306}, ""},
		{"no port, no dbname", `{"engine":"mariadb","host":"h","username":"u","password":""}`,
			[]string{"mariadb"}, rotation.DBSecret{Engine: "mariadb", Host: "h", Username: "u"}, ""},
		{"alternating", `{"engine":"postgres","host":"h","username":"u","password":"p","masterarn":"arn:aws:secretsmanager:us-east-1:1:secret:m"}`,
			nil, rotation.DBSecret{Engine: "postgres", Host: "h", Username: "u", Password: "p", MasterARN: "arn:aws:secretsmanager:us-east-1:1:secret:m"}, ""},
		{"ssl true", `{"host":"h","username":"u","password":"p","ssl":true}`, nil, rotation.DBSecret{Host: "h", Username: "u", Password: "p", SSL: rotation.SSLRequired}, ""},
		{"ssl TRUE string", `{"host":"h","username":"u","password":"p","ssl":"TRUE"}`, nil, rotation.DBSecret{Host: "h", Username: "u", Password: "p", SSL: rotation.SSLRequired}, ""},
		{"ssl false", `{"host":"h","username":"u","password":"p","ssl":false}`, nil, rotation.DBSecret{Host: "h", Username: "u", Password: "p", SSL: rotation.SSLDisabled}, ""},
		{"ssl False string", `{"host":"h","username":"u","password":"p","ssl":"False"}`, nil, rotation.DBSecret{Host: "h", Username: "u", Password: "p", SSL: rotation.SSLDisabled}, ""},
		{"ssl invalid", `{"host":"h","username":"u","password":"p","ssl":"maybe"}`, nil, rotation.DBSecret{Host: "h", Username: "u", Password: "p", SSL: rotation.SSLUnset}, ""},
		{"ssl number", `{"host":"h","username":"u","password":"p","ssl":1}`, nil, rotation.DBSecret{Host: "h", Username: "u", Password: "p", SSL: rotation.SSLUnset}, ""},
		{"missing host", `{"engine":"postgres","username":"u","password":"p"}`, []string{"postgres"}, rotation.DBSecret{}, `secret field "host" is missing`},
		{"missing username", `{"engine":"postgres","host":"h","password":"p"}`, []string{"postgres"}, rotation.DBSecret{}, `secret field "username" is missing`},
		{"missing password", `{"engine":"postgres","host":"h","username":"u"}`, []string{"postgres"}, rotation.DBSecret{}, `secret field "password" is missing`},
		{"missing engine", `{"host":"h","username":"u","password":"p"}`, []string{"postgres"}, rotation.DBSecret{}, `secret field "engine" is missing`},
		{"wrong engine", `{"engine":"mysql","host":"h","username":"u","password":"p"}`, []string{"postgres", "aurora-postgresql"}, rotation.DBSecret{},
			`secret field "engine" is "mysql"; this rotator handles postgres, aurora-postgresql`},
		{"empty host", `{"host":"","username":"u","password":"p"}`, nil, rotation.DBSecret{}, `secret field "host" is empty`},
		{"port out of range", `{"host":"h","username":"u","password":"p","port":70000}`, nil, rotation.DBSecret{}, `secret field "port" is 70000`},
		{"port not a number", `{"host":"h","username":"u","password":"p","port":"fivefour"}`, nil, rotation.DBSecret{}, `secret field "port" must be an integer`},
		{"username not a string", `{"host":"h","username":7,"password":"p"}`, nil, rotation.DBSecret{}, `secret field "username" must be a string, not a number`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rotation.ParseDBSecret(mustParse(t, tc.in), tc.engines...)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				var fe *rotation.FieldError
				if !errors.As(err, &fe) {
					t.Errorf("error %T is not a *FieldError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Secret = nil
			if *got != tc.want {
				t.Errorf("got %+v, want %+v", fmt.Sprint(got), fmt.Sprint(&tc.want))
			}
		})
	}
}

func TestDBSecretHelpers(t *testing.T) {
	t.Parallel()
	db, err := rotation.ParseDBSecret(mustParse(t, `{"engine":"postgres","host":"::1","username":"u","password":"p","other":[1]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := db.Addr(5432); got != "[::1]:5432" {
		t.Errorf("Addr = %s", got)
	}
	if db.DBNameOr("postgres") != "postgres" || db.PortOr(5432) != 5432 {
		t.Errorf("defaults not applied")
	}
	next := db.WithPassword("q")
	if pw, _ := next.GetString("password"); pw != "q" {
		t.Errorf("WithPassword: %q", pw)
	}
	if raw, _ := next.Raw("other"); string(raw) != "[1]" {
		t.Errorf("WithPassword lost a field: %s", raw)
	}
	if pw, _ := db.Secret.GetString("password"); pw != "p" {
		t.Errorf("WithPassword changed the original")
	}
	if u, _ := db.WithUsername("u_clone").GetString("username"); u != "u_clone" {
		t.Errorf("WithUsername: %q", u)
	}
}
