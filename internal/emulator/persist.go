package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// stateFormat versions the state file so that an old file is refused clearly, not misread.
// Format 2 holds secret values encrypted under KMS keys, and the keys.
const stateFormat = 2

// flushInterval bounds how long a change waits before it is written to the state file.
const flushInterval = 100 * time.Millisecond

type stateFile struct {
	Format  int             `json:"format"`
	Account string          `json:"account"`
	Secrets json.RawMessage `json:"secrets"`       // package secretsmanager's own state: region -> name -> secret
	KMS     json.RawMessage `json:"kms,omitempty"` // package kms's own state
}

// persister writes the state file after changes, at most every flushInterval, atomically
// (write to a temporary file, fsync, rename).
type persister struct {
	path string
	log  *slog.Logger

	dirty chan struct{}
	done  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

func newPersister(path string, log *slog.Logger) (*persister, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	return &persister{path: abs, log: log, dirty: make(chan struct{}, 1), done: make(chan struct{})}, nil
}

// load reads the state file into s. A missing file is an empty state; anything unreadable
// is an error, so that a corrupt file never turns into a silently empty emulator.
func (p *persister) load(s *Server) error {
	data, err := os.ReadFile(p.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read state file %s: %w", p.path, err)
	}
	var st stateFile
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("state file %s is not valid emulator state (%v); move it away or delete it to start empty", p.path, err)
	}
	if st.Format != stateFormat {
		return fmt.Errorf("state file %s has format %d, this emulator reads format %d; delete it to start empty", p.path, st.Format, stateFormat)
	}
	if st.Account != s.account {
		return fmt.Errorf("state file %s belongs to account %s, not %s; use another -state file, or delete this one to start empty", p.path, st.Account, s.account)
	}
	if err := s.sm.LoadState(st.Secrets); err != nil {
		return fmt.Errorf("state file %s: %w; delete the file to start empty", p.path, err)
	}
	if err := s.kms.LoadState(st.KMS); err != nil {
		return fmt.Errorf("state file %s: %w; delete the file to start empty", p.path, err)
	}
	return nil
}

func (p *persister) markDirty() {
	select {
	case p.dirty <- struct{}{}:
	default:
	}
}

func (p *persister) start(s *Server) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			select {
			case <-p.done:
				return
			case <-p.dirty:
			}
			if err := p.save(s); err != nil {
				p.log.Error("cannot write state file", "path", p.path, "error", err)
			}
			select {
			case <-p.done:
				return
			case <-time.After(flushInterval):
			}
		}
	}()
}

// stop ends the background writer and writes the state one last time.
func (p *persister) stop(s *Server) error {
	var err error
	p.once.Do(func() {
		close(p.done)
		p.wg.Wait()
		err = p.save(s)
	})
	return err
}

func (p *persister) save(s *Server) error {
	st := stateFile{Format: stateFormat, Account: s.account}
	// Secret values are encrypted under KMS keys: the keys are read while the secrets
	// cannot change, so that no secret is saved without its key.
	secrets, err := s.sm.MarshalState(func() error {
		var err error
		st.KMS, err = s.kms.MarshalState()
		return err
	})
	if err != nil {
		return err
	}
	st.Secrets = secrets
	data, err := json.Marshal(&st)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	return writeFileAtomic(p.path, data)
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}
