//go:build !unix

package main

import (
	"fmt"
	"os/exec"
)

func setProcessGroup(*exec.Cmd) {}

func killProcessGroup(cmd *exec.Cmd, exited <-chan struct{}) error {
	if err := cmd.Process.Kill(); err != nil {
		return fmt.Errorf("kill process %d: %w", cmd.Process.Pid, err)
	}
	<-exited
	return nil
}
