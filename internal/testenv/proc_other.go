//go:build unix && !linux

package testenv

import "syscall"

// sysProcAttr puts a server in its own process group and runs it as u when given.
func sysProcAttr(u *osUser) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	if u != nil {
		a.Credential = &syscall.Credential{Uid: u.UID, Gid: u.GID}
	}
	return a
}
