//go:build unix

package lambda

import (
	"syscall"
)

// functionProcAttr puts a function's process in a process group of its own, so that a
// timeout or Close kills everything it started.
func functionProcAttr() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(attr)
	return attr
}

// killProcessGroup sends SIGKILL to the process group led by pid.
func killProcessGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}
