// Package testenv starts throwaway real servers for tests: PostgreSQL 15, MariaDB and
// OpenSSH sshd, each in its own temporary directory, listening on 127.0.0.1 only on a free
// port, with TLS (or host keys) from a CA the helper generates. Each server stops by itself
// when the test ends (t.Cleanup), leaving no process behind, and can be killed and restarted
// in the middle of a test to simulate an outage.
//
// Servers that refuse to run as root (PostgreSQL) run as a dedicated unprivileged user,
// created when missing (useradd) if the test runs as root. sshd logs users in as a
// dedicated test user whose home directory is private to each server.
//
// Test helpers call t.Fatal on failure; methods used in the middle of a test (Stop, Kill,
// Start) return errors instead. Programs that are not tests (the demo) use NewPostgres,
// which returns an error, and stop the server with Close.
package testenv

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Host is the address every server listens on.
const Host = "127.0.0.1"

// startTimeout bounds how long a server may take to accept connections.
const startTimeout = 60 * time.Second

// stopTimeout is how long a server gets to shut down cleanly before it is killed.
const stopTimeout = 15 * time.Second

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(Host, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// randomString returns n random bytes, hex encoded.
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// osUser is an unprivileged account servers or sessions run as.
type osUser struct {
	Name     string
	UID, GID uint32
	Home     string
}

var userMu sync.Mutex // serializes useradd within the process

// ensureUser returns the account name, creating it with useradd when it is missing and the
// process runs as root. args are extra useradd arguments.
func ensureUser(name string, args ...string) (*osUser, error) {
	userMu.Lock()
	defer userMu.Unlock()
	u, err := lookupUser(name)
	if err == nil {
		return u, nil
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("user %s does not exist, and only root can create it: %w", name, err)
	}
	cmdArgs := append(append([]string{}, args...), name)
	out, cerr := exec.Command("useradd", cmdArgs...).CombinedOutput()
	// Another process may have created it meanwhile; look again either way.
	if u, err := lookupUser(name); err == nil {
		return u, nil
	}
	if cerr != nil {
		return nil, fmt.Errorf("useradd %s: %w: %s", strings.Join(cmdArgs, " "), cerr, strings.TrimSpace(string(out)))
	}
	return lookupUser(name)
}

func lookupUser(name string) (*osUser, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, err
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %s: uid %q: %w", name, u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %s: gid %q: %w", name, u.Gid, err)
	}
	return &osUser{Name: name, UID: uint32(uid), GID: uint32(gid), Home: u.HomeDir}, nil
}

// chownAll gives the tree at path to u.
func chownAll(path string, u *osUser) error {
	if u == nil || os.Geteuid() != 0 {
		return nil
	}
	return filepath.Walk(path, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(u.UID), int(u.GID))
	})
}

// writeFile writes data with the given mode, owned by u when u is not nil.
func writeFile(path string, data []byte, mode os.FileMode, u *osUser) error {
	if err := os.WriteFile(path, data, mode); err != nil {
		return err
	}
	if err := os.Chmod(path, mode); err != nil {
		return err
	}
	if u != nil && os.Geteuid() == 0 {
		return os.Chown(path, int(u.UID), int(u.GID))
	}
	return nil
}

// findBinary returns the first of names found on PATH or in dirs.
func findBinary(names []string, dirs ...string) (string, error) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
		for _, d := range dirs {
			p := filepath.Join(d, n)
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("none of %s found on PATH or in %s", strings.Join(names, ", "), strings.Join(dirs, ", "))
}

// process is a server process started in its own process group, with its output going to
// a log file, that can be stopped, killed and started again.
type process struct {
	name    string
	path    string
	args    []string
	env     []string
	dir     string
	logPath string
	runAs   *osUser // nil: the current user

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd exited
	err  error         // cmd's exit status, once done is closed
}

// start launches the process. It fails if it is already running.
func (p *process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("%s is already running (pid %d)", p.name, p.cmd.Process.Pid)
	}
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("%s: open log: %w", p.name, err)
	}
	defer logFile.Close()
	cmd := exec.Command(p.path, p.args...)
	cmd.Dir = p.dir
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr(p.runAs)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	go func(done chan struct{}) {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(done)
	}(p.done)
	return nil
}

// running reports whether the process is running, and its exit channel.
func (p *process) state() (running bool, done chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false, nil
	}
	select {
	case <-p.done:
		return false, p.done
	default:
		return true, p.done
	}
}

// exited returns the exit error once the process ended, or nil and false.
func (p *process) exited() (error, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return nil, false
	}
	select {
	case <-p.done:
		if p.err == nil {
			return errors.New("exited with status 0"), true
		}
		return p.err, true
	default:
		return nil, false
	}
}

// stop sends sig to the process, waits up to timeout for it to exit, then kills its
// process group and every descendant. It is a no-op when the process is not running.
func (p *process) stop(sig syscall.Signal, timeout time.Duration) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	pid := cmd.Process.Pid
	descendants := descendantsOf(pid)
	select {
	case <-done:
	default:
		if sig == syscall.SIGKILL {
			killGroup(pid, descendants)
		} else {
			_ = cmd.Process.Signal(sig)
		}
		select {
		case <-done:
		case <-time.After(timeout):
			killGroup(pid, descendantsOf(pid))
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				return fmt.Errorf("%s (pid %d) did not exit after SIGKILL", p.name, pid)
			}
		}
	}
	// Leave nothing behind: children that outlived the parent (sessions in their own
	// process groups, backends still finishing). Wait until they are gone, so that a
	// restart does not find them holding the data directory or shared memory.
	killGroup(pid, descendants)
	waitGone(descendants, 10*time.Second)
	p.mu.Lock()
	p.cmd, p.done = nil, nil
	p.mu.Unlock()
	return nil
}

// killGroup SIGKILLs the process group pid leads and the given processes.
func killGroup(pid int, others []int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	_ = syscall.Kill(pid, syscall.SIGKILL)
	for _, o := range others {
		_ = syscall.Kill(o, syscall.SIGKILL)
	}
}

// waitGone waits until none of pids is running (exited or a zombie), or timeout passes.
func waitGone(pids []int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for _, pid := range pids {
		for time.Now().Before(deadline) {
			data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
			if err != nil {
				break // gone
			}
			s := string(data)
			if i := strings.LastIndexByte(s, ')'); i >= 0 && strings.HasPrefix(strings.TrimSpace(s[i+1:]), "Z") {
				break // exited, not yet reaped
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// descendantsOf lists the descendants of pid, from /proc (empty elsewhere).
func descendantsOf(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(s[i+1:])
		if len(fields) < 2 {
			continue
		}
		ppid, err := strconv.Atoi(fields[1])
		if err != nil {
			continue
		}
		children[ppid] = append(children[ppid], child)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// waitReady polls ready until it succeeds, the process exits, or the timeout passes.
func waitReady(ctx context.Context, p *process, timeout time.Duration, ready func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if err, ok := p.exited(); ok {
			return fmt.Errorf("%s exited while starting: %v\n%s", p.name, err, tail(p.logPath, 40))
		}
		attempt, cancelAttempt := context.WithTimeout(ctx, 5*time.Second)
		last = ready(attempt)
		cancelAttempt()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s: %v\n%s", p.name, timeout, last, tail(p.logPath, 40))
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return "--- " + path + " (last lines) ---\n" + strings.Join(lines, "\n")
}

// tempBase creates the server's directory, readable by u, removed at cleanup.
func tempBase(t testing.TB, prefix string, u *osUser) string {
	t.Helper()
	dir, err := newTempBase(prefix, u)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// newTempBase creates a server's directory, private to u (or to the current user); the
// caller removes it.
func newTempBase(prefix string, u *osUser) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	if err := chownAll(dir, u); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("chown %s: %w", dir, err)
	}
	return dir, nil
}

// minimalEnv is the environment servers start with.
func minimalEnv(extra ...string) []string {
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", "LC_ALL=C", "TZ=UTC"}
	return append(env, extra...)
}

// isAddrInUse reports whether a server log says its port was taken.
func isAddrInUse(logPath string) bool {
	data, err := os.ReadFile(logPath)
	if err != nil {
		return false
	}
	s := string(data)
	return strings.Contains(s, "Address already in use") || strings.Contains(s, "could not bind")
}
