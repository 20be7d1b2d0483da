//go:build unix

package main

import (
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// setProcessGroup puts the command in a new process group, so that killProcessGroup
// reaches every process it starts.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
}

// killProcessGroup sends SIGTERM to the command's process group, then SIGKILL when the
// command has not exited within two seconds.
func killProcessGroup(cmd *exec.Cmd, exited <-chan struct{}) error {
	pgid := cmd.Process.Pid
	if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("terminate process group %d: %w", pgid, err)
	}
	select {
	case <-exited:
	case <-time.After(2 * time.Second):
	}
	// Children of the group may outlive its leader: always finish with SIGKILL.
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill process group %d: %w", pgid, err)
	}
	<-exited
	return nil
}
