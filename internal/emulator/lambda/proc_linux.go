package lambda

import "syscall"

// setParentDeathSignal makes the kernel kill a function's process if the emulator dies
// without closing it.
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}
