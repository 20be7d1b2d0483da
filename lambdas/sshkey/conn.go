package sshkey

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// conn is an SSH connection to one host, closed when its context ends.
type conn struct {
	host   Host
	user   string
	client *ssh.Client
	stop   func() bool
}

// dial connects to h, verifies its host key, and logs in as user with the first of the
// signers the server accepts. The connection is closed when ctx ends, which aborts any
// SSH or SFTP operation in progress.
func dial(ctx context.Context, h Host, user string, signers []ssh.Signer, hk *hostKeyChecker, timeout time.Duration) (*conn, error) {
	addr := h.Addr()
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	cfg := &ssh.ClientConfig{
		User:              user,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(signers...)},
		HostKeyCallback:   hk.callback(addr),
		HostKeyAlgorithms: hk.algorithms(addr, nc.RemoteAddr()),
		Timeout:           timeout,
	}
	_ = nc.SetDeadline(time.Now().Add(timeout))
	c, chans, reqs, err := ssh.NewClientConn(nc, addr, cfg)
	if err != nil {
		stop()
		nc.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("SSH handshake: %w (%w)", ctx.Err(), err)
		}
		var he *HostKeyError
		if errors.As(err, &he) {
			return nil, he
		}
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, fmt.Errorf("log in as %s: %w", user, err)
		}
		return nil, fmt.Errorf("SSH handshake: %w", err)
	}
	_ = nc.SetDeadline(time.Time{})
	return &conn{host: h, user: user, client: ssh.NewClient(c, chans, reqs), stop: stop}, nil
}

func (c *conn) Close() error {
	c.stop()
	return c.client.Close()
}

// run executes cmd and fails unless it exits with status 0.
func (c *conn) run(cmd string) error {
	sess, err := c.client.NewSession()
	if err != nil {
		return fmt.Errorf("open a session: %w", err)
	}
	defer sess.Close()
	var out limitedBuffer
	sess.Stdout, sess.Stderr = &out, &out
	if err := sess.Run(cmd); err != nil {
		if msg := strings.TrimSpace(out.String()); msg != "" {
			return fmt.Errorf("run %q: %w: %s", cmd, err, msg)
		}
		return fmt.Errorf("run %q: %w", cmd, err)
	}
	return nil
}

// sftpClient opens SFTP: the "sftp" subsystem, or command (an sftp-server run through
// sudo, for instance) speaking SFTP on its standard input and output.
func (c *conn) sftpClient(command string) (*sftp.Client, func() error, error) {
	if command == "" {
		sc, err := sftp.NewClient(c.client)
		if err != nil && strings.Contains(err.Error(), "subsystem request failed") {
			return nil, nil, fmt.Errorf("start SFTP: the server has no sftp subsystem: add \"Subsystem sftp internal-sftp\" (or the path of sftp-server) to its sshd_config, or set %s in the master secret: %w", FieldSFTPCommand, err)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("start SFTP (subsystem sftp): %w", err)
		}
		return sc, sc.Close, nil
	}
	sess, err := c.client.NewSession()
	if err != nil {
		return nil, nil, fmt.Errorf("open a session for sftp_command: %w", err)
	}
	stderr := &limitedBuffer{}
	sess.Stderr = stderr
	w, err := sess.StdinPipe()
	if err != nil {
		sess.Close()
		return nil, nil, fmt.Errorf("sftp_command: %w", err)
	}
	r, err := sess.StdoutPipe()
	if err != nil {
		sess.Close()
		return nil, nil, fmt.Errorf("sftp_command: %w", err)
	}
	if err := sess.Start(command); err != nil {
		sess.Close()
		return nil, nil, fmt.Errorf("start sftp_command %q: %w", command, err)
	}
	sc, err := sftp.NewClientPipe(r, w)
	if err != nil {
		sess.Close()
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, nil, fmt.Errorf("sftp_command %q: %w: %s", command, err, msg)
		}
		return nil, nil, fmt.Errorf("sftp_command %q does not speak SFTP: %w", command, err)
	}
	closeFn := func() error {
		err := sc.Close()
		sess.Close()
		return err
	}
	return sc, closeFn, nil
}

// limitedBuffer keeps the first 4 KiB written to it (command output for error messages).
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := 4096 - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
