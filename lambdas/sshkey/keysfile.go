package sshkey

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/sftp"
)

// keysFile is the authorized_keys file of a user on one host, reached over SFTP.
type keysFile struct {
	sc   *sftp.Client
	path string // absolute
	// uid and gid the file must have; -1 when the file's own (or the login user's).
	uid, gid int
	// owner, when set, is the account whose file another account (the master) edits:
	// every path component is checked by sshd's StrictModes rules before each read and
	// before the rename (checkStrict).
	owner *account
}

// account is a user's /etc/passwd entry on a host.
type account struct {
	name     string
	uid, gid int
	home     string
}

// checkPathTemplate checks an authorized_keys template's tokens.
func checkPathTemplate(tmpl string) error {
	_, err := expandPath(tmpl, "u", func() (string, error) { return "/h", nil })
	return err
}

// expandPath turns the authorized_keys template into an absolute path: %% is %, %u the
// user, %h the home directory; ~/ and relative paths start at the home directory.
func expandPath(tmpl, user string, home func() (string, error)) (string, error) {
	if strings.ContainsAny(tmpl, "\x00\n") {
		return "", fmt.Errorf("authorized_keys path %q is not a path", tmpl)
	}
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] != '%' {
			b.WriteByte(tmpl[i])
			continue
		}
		if i+1 == len(tmpl) {
			return "", fmt.Errorf("authorized_keys path %q ends with a lone %%", tmpl)
		}
		i++
		switch tmpl[i] {
		case '%':
			b.WriteByte('%')
		case 'u':
			b.WriteString(user)
		case 'h':
			h, err := home()
			if err != nil {
				return "", err
			}
			b.WriteString(h)
		default:
			return "", fmt.Errorf("authorized_keys path %q has the unknown token %%%c (known: %%h, %%u, %%%%)", tmpl, tmpl[i])
		}
	}
	p := b.String()
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		p = rest
	}
	if !path.IsAbs(p) {
		h, err := home()
		if err != nil {
			return "", err
		}
		p = path.Join(h, p)
	}
	return path.Clean(p), nil
}

// openOwn opens the file of the user the SFTP session runs as: its home directory is the
// session's working directory, and a symbolic link at the file itself is followed (the
// user can only reach what it may write anyway).
func openOwn(sc *sftp.Client, tmpl, user string) (*keysFile, error) {
	p, err := expandPath(tmpl, user, func() (string, error) {
		home, err := sc.Getwd()
		if err != nil {
			return "", fmt.Errorf("find the home directory of %s (SFTP realpath .): %w", user, err)
		}
		return home, nil
	})
	if err != nil {
		return nil, err
	}
	kf := &keysFile{sc: sc, path: p, uid: -1, gid: -1}
	if fi, err := sc.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		target, err := sc.RealPath(p)
		if err != nil {
			return nil, fmt.Errorf("resolve the symbolic link %s: %w", p, err)
		}
		kf.path = target
	}
	return kf, nil
}

// openStrict opens the file of another account than the one logged in (the master
// edits the user's file, usually as root). Whoever controls the user's home could
// otherwise point the edit at any file the master may write, so the rules are those
// of sshd's StrictModes, and stricter:
//   - the account is in the host's /etc/passwd, and is not uid 0;
//   - the path lies inside the account's home directory;
//   - no path component, from / to the file, is a symbolic link;
//   - each is owned by the account or root and is not writable by group or others.
func openStrict(sc *sftp.Client, tmpl, user string) (*keysFile, error) {
	acct, err := passwdEntry(sc, user)
	if err != nil {
		return nil, err
	}
	if acct.uid == 0 {
		return nil, fmt.Errorf("refused by rule \"never uid 0\": account %s has uid 0; the master never changes the keys of a superuser", user)
	}
	p, err := expandPath(tmpl, user, func() (string, error) { return acct.home, nil })
	if err != nil {
		return nil, err
	}
	home := path.Clean(acct.home)
	if home == "/" || !strings.HasPrefix(p, home+"/") {
		return nil, fmt.Errorf("refused by rule \"inside the home directory\": %s is not inside the home directory %s of %s", p, acct.home, user)
	}
	kf := &keysFile{sc: sc, path: p, uid: -1, gid: -1, owner: acct}
	if err := kf.checkStrict(); err != nil {
		return nil, err
	}
	return kf, nil
}

// checkStrict applies the StrictModes rules (see openStrict) to every component of the
// path. A missing file, or a missing last directory (created by ensureDir), passes.
func (kf *keysFile) checkStrict() error {
	if kf.owner == nil {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(kf.path, "/"), "/")
	p := "/"
	for i := -1; i < len(parts); i++ {
		if i >= 0 {
			p = path.Join(p, parts[i])
		}
		last := i == len(parts)-1
		fi, err := kf.sc.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) && i >= len(parts)-2 {
			return nil // the file, or its directory, is created by the edit
		}
		if err != nil {
			return fmt.Errorf("lstat %s: %w", p, err)
		}
		if err := kf.strictMode(p, fi, last); err != nil {
			return err
		}
	}
	return nil
}

func (kf *keysFile) strictMode(p string, fi fs.FileInfo, file bool) error {
	const rule = "refused by rule \"StrictModes\": "
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf(rule+"%s is a symbolic link; the master never follows links in another account's authorized_keys path (replace the link by the file or directory itself)", p)
	case file && !fi.Mode().IsRegular():
		return fmt.Errorf(rule+"%s is not a regular file (%s)", p, fi.Mode().Type())
	case !file && !fi.IsDir():
		return fmt.Errorf(rule+"%s is not a directory", p)
	}
	if st, ok := fi.Sys().(*sftp.FileStat); ok && st.UID != 0 && int(st.UID) != kf.owner.uid {
		return fmt.Errorf(rule+"%s is owned by uid %d, neither %s (uid %d) nor root", p, st.UID, kf.owner.name, kf.owner.uid)
	}
	if m := fi.Mode().Perm(); m&0o022 != 0 {
		return fmt.Errorf(rule+"%s has mode %04o: writable by group or others (chmod go-w)", p, m)
	}
	return nil
}

// passwdEntry reads the account from the host's /etc/passwd.
func passwdEntry(sc *sftp.Client, user string) (*account, error) {
	f, err := sc.Open("/etc/passwd")
	if err != nil {
		return nil, fmt.Errorf("find the account %s: read /etc/passwd: %w", user, err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Split(s.Text(), ":")
		if len(fields) < 7 || fields[0] != user {
			continue
		}
		uid, uerr := strconv.Atoi(fields[2])
		gid, gerr := strconv.Atoi(fields[3])
		if uerr != nil || gerr != nil || !path.IsAbs(fields[5]) {
			return nil, fmt.Errorf("find the account %s: its /etc/passwd entry has no numeric uid, gid or absolute home", user)
		}
		return &account{name: user, uid: uid, gid: gid, home: fields[5]}, nil
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("find the account %s: read /etc/passwd: %w", user, err)
	}
	return nil, fmt.Errorf("find the account %s: not in the host's /etc/passwd (with a master secret the account must be a local one, so that its uid and home can be checked)", user)
}

// read returns the file's content and mode; exists is false (and the error nil) when the
// file does not exist.
func (kf *keysFile) read() (data []byte, mode fs.FileMode, exists bool, err error) {
	f, err := kf.sc.Open(kf.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, fmt.Errorf("open %s: %w", kf.path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, false, fmt.Errorf("stat %s: %w", kf.path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, false, fmt.Errorf("%s is not a regular file (%s)", kf.path, fi.Mode().Type())
	}
	if fst, ok := fi.Sys().(*sftp.FileStat); ok {
		kf.uid, kf.gid = int(fst.UID), int(fst.GID)
	}
	data, err = io.ReadAll(f)
	if err != nil {
		return nil, 0, false, fmt.Errorf("read %s: %w", kf.path, err)
	}
	return data, fi.Mode().Perm(), true, nil
}

// tempPrefix starts the names of the temporary files next to the keys file.
func (kf *keysFile) tempPrefix() string { return "." + path.Base(kf.path) + ".rotate-" }

// staleTempAge is how old a temporary file left by an interrupted write must be before
// a later write removes it.
const staleTempAge = 15 * time.Minute

// edit applies e to the file: read, change in memory, write a temporary file in the same
// directory with the original's mode and owner, then rename it over the original
// (posix-rename, atomic). Nothing is written when nothing changes. If the file changed
// between the read and the rename, the edit starts again from the new content.
func (kf *keysFile) edit(e Edit) (EditResult, error) {
	const attempts = 3
	for attempt := 1; ; attempt++ {
		if err := kf.checkStrict(); err != nil {
			return EditResult{}, err
		}
		data, mode, exists, err := kf.read()
		if err != nil {
			return EditResult{}, err
		}
		out, res := e.Apply(data)
		if !res.Changed() {
			return res, nil
		}
		if !exists {
			mode = 0o600
			if err := kf.ensureDir(); err != nil {
				return EditResult{}, err
			}
		}
		err = kf.replace(data, out, mode, exists)
		if errors.Is(err, errConcurrentChange) && attempt < attempts {
			continue
		}
		if err != nil {
			return EditResult{}, err
		}
		return res, nil
	}
}

var errConcurrentChange = errors.New("the file changed while it was being rewritten")

// ensureDir creates the file's directory (mode 0700) when it is missing, owned like its
// parent directory, and takes the directory's owner for the new file.
func (kf *keysFile) ensureDir() error {
	dir := path.Dir(kf.path)
	fi, err := kf.sc.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		parent, perr := kf.sc.Stat(path.Dir(dir))
		if perr != nil {
			return fmt.Errorf("create %s: stat its parent: %w", dir, perr)
		}
		if err := kf.sc.Mkdir(dir); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
		if err := kf.sc.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("chmod 0700 %s: %w", dir, err)
		}
		if err := kf.chownLike(dir, parent); err != nil {
			return err
		}
		fi, err = kf.sc.Stat(dir)
	}
	if err != nil {
		return fmt.Errorf("stat %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if fst, ok := fi.Sys().(*sftp.FileStat); ok {
		kf.uid, kf.gid = int(fst.UID), int(fst.GID)
	}
	return nil
}

// chownLike gives p the owner of ref, if it differs.
func (kf *keysFile) chownLike(p string, ref fs.FileInfo) error {
	want, ok := ref.Sys().(*sftp.FileStat)
	if !ok {
		return nil
	}
	fi, err := kf.sc.Stat(p)
	if err != nil {
		return fmt.Errorf("stat %s: %w", p, err)
	}
	if got, ok := fi.Sys().(*sftp.FileStat); ok && (got.UID != want.UID || got.GID != want.GID) {
		if err := kf.sc.Chown(p, int(want.UID), int(want.GID)); err != nil {
			return fmt.Errorf("chown %d:%d %s: %w", want.UID, want.GID, p, err)
		}
	}
	return nil
}

// replace writes out over the file atomically, if the file still holds old.
func (kf *keysFile) replace(old, out []byte, mode fs.FileMode, existed bool) (err error) {
	dir := path.Dir(kf.path)
	if _, ok := kf.sc.HasExtension("posix-rename@openssh.com"); !ok {
		return fmt.Errorf("the SFTP server lacks posix-rename@openssh.com, needed to replace %s atomically", kf.path)
	}
	kf.removeStaleTemps(dir)
	tmp := path.Join(dir, kf.tempPrefix()+randomHex(8)+".tmp")
	f, err := kf.sc.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return fmt.Errorf("create the temporary file %s: %w", tmp, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			_ = kf.sc.Remove(tmp)
		}
	}()
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("chmod %o %s: %w", mode, tmp, err)
	}
	if kf.uid >= 0 {
		fi, err := f.Stat()
		if err != nil {
			return fmt.Errorf("stat %s: %w", tmp, err)
		}
		// The group matters only when the mode gives it something: a 0600 file owned by
		// user:root keeps working as user:user, which a user cannot chown to anyway.
		if fst, ok := fi.Sys().(*sftp.FileStat); ok && (int(fst.UID) != kf.uid || (int(fst.GID) != kf.gid && mode&0o070 != 0)) {
			if err := f.Chown(kf.uid, kf.gid); err != nil {
				return fmt.Errorf("give %s the owner %d:%d of %s (chown): %w (the login user must own the file, or be root, or use sftp_command with sudo)",
					tmp, kf.uid, kf.gid, kf.path, err)
			}
		}
	}
	if _, err := f.Write(out); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if _, ok := kf.sc.HasExtension("fsync@openssh.com"); ok {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("fsync %s: %w", tmp, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	// Compare and swap, as well as SFTP allows: another writer may have changed the file
	// since it was read.
	now, _, exists, err := kf.read()
	if err != nil {
		return err
	}
	if exists != existed || !bytes.Equal(now, old) {
		return fmt.Errorf("%s: %w", kf.path, errConcurrentChange)
	}
	// Again just before the rename: the user may have swapped a directory for a link
	// since the first check.
	if err := kf.checkStrict(); err != nil {
		return err
	}
	if err := kf.sc.PosixRename(tmp, kf.path); err != nil {
		return fmt.Errorf("rename %s to %s: %w", tmp, kf.path, err)
	}
	return nil
}

// removeStaleTemps deletes temporary files an interrupted write left behind. Errors are
// ignored: they change nothing for the edit.
func (kf *keysFile) removeStaleTemps(dir string) {
	entries, err := kf.sc.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := kf.tempPrefix()
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && strings.HasSuffix(e.Name(), ".tmp") && time.Since(e.ModTime()) > staleTempAge {
			_ = kf.sc.Remove(path.Join(dir, e.Name()))
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
