//go:build unix && !linux

package lambda

import "syscall"

func setParentDeathSignal(*syscall.SysProcAttr) {}
