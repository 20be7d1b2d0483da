//go:build !unix

package lambda

import (
	"os"
	"syscall"
)

// functionProcAttr: without process groups, only the function's own process is killed.
func functionProcAttr() *syscall.SysProcAttr { return nil }

func killProcessGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}
