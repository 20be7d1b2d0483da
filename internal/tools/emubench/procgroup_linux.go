package main

import "syscall"

// setParentDeathSignal has the kernel kill the child should this process die first.
func setParentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }
