package sshkey_test

import (
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/sshkey"
)

func TestEditApply(t *testing.T) {
	t.Parallel()
	cur, next, old, other := newKey(t), newKey(t), newKey(t), newKey(t)
	marker := sshkey.Comment("arn:aws:secretsmanager:us-east-1:1:secret:s-AbCdEf", "")
	removeOld := func(k ssh.PublicKey, comment string) bool {
		return string(k.Marshal()) == string(old.signer.PublicKey().Marshal()) || strings.HasPrefix(comment, marker)
	}
	add := sshkey.Edit{Add: next.signer.PublicKey(), AddComment: "new", OptionsFrom: cur.signer.PublicKey()}
	cases := []struct {
		name    string
		edit    sshkey.Edit
		in      string
		want    string
		added   bool
		present bool
		removed int
	}{
		{
			name: "add to an empty file", edit: add,
			in: "", want: next.line("new") + "\n", added: true,
		},
		{
			name: "add after a last line without newline, with the current key's options", edit: add,
			in:    "# c\r\n\n" + `from="10.0.0.0/8",no-pty ` + cur.line("me") + "\n" + "  # indented comment",
			want:  "# c\r\n\n" + `from="10.0.0.0/8",no-pty ` + cur.line("me") + "\n" + "  # indented comment\n" + `from="10.0.0.0/8",no-pty ` + next.line("new") + "\n",
			added: true,
		},
		{
			name: "already present with other options and comment: unchanged", edit: add,
			in:   cur.line("me") + "\n" + `no-pty ` + next.line("by hand") + "\n",
			want: cur.line("me") + "\n" + `no-pty ` + next.line("by hand") + "\n", present: true,
		},
		{
			name: "a cert-authority line with the same key is not the key", edit: add,
			in:   `cert-authority ` + next.line("ca") + "\n",
			want: `cert-authority ` + next.line("ca") + "\n" + next.line("new") + "\n", added: true,
		},
		{
			name: "remove keeps every other byte", edit: sshkey.Edit{Remove: removeOld},
			in:   "#a\r\n" + old.line("x") + "\r\n\n" + other.line("o") + "\n" + `environment="A=1" ` + old.line("dup") + "\n" + cur.line(marker+"v1") + "\n#end",
			want: "#a\r\n\n" + other.line("o") + "\n#end", removed: 3,
		},
		{
			name: "remove the last line without newline", edit: sshkey.Edit{Remove: removeOld},
			in:   other.line("o") + "\n" + old.line(""),
			want: other.line("o") + "\n", removed: 1,
		},
		{
			name: "nothing to remove: unchanged", edit: sshkey.Edit{Remove: removeOld},
			in:   "garbage line\n" + other.line("o"),
			want: "garbage line\n" + other.line("o"),
		},
		{
			name: "never removes the added key", edit: sshkey.Edit{Add: old.signer.PublicKey(), Remove: removeOld},
			in:   old.line("x") + "\n",
			want: old.line("x") + "\n", present: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, res := tc.edit.Apply([]byte(tc.in))
			if string(out) != tc.want {
				t.Errorf("got\n%q\nwant\n%q", out, tc.want)
			}
			if res.Added != tc.added || res.Present != tc.present || res.Removed != tc.removed {
				t.Errorf("result %+v, want added=%v present=%v removed=%d", res, tc.added, tc.present, tc.removed)
			}
			if res.Changed() != (tc.in != tc.want) {
				t.Errorf("Changed() = %v for a file that changed: %v", res.Changed(), tc.in != tc.want)
			}
			// Applying again changes nothing.
			again, res2 := tc.edit.Apply(out)
			if string(again) != string(out) || res2.Added || res2.Removed != 0 {
				t.Errorf("second Apply changed the file: %+v\n%q", res2, again)
			}
		})
	}
}
