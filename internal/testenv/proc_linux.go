//go:build linux

package testenv

import "syscall"

// sysProcAttr puts a server in its own process group (so that it and its children can be
// killed together), kills it if the test process dies, and runs it as u when given.
func sysProcAttr(u *osUser) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if u != nil {
		a.Credential = &syscall.Credential{Uid: u.UID, Gid: u.GID}
	}
	return a
}
