package testenv

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// FakeMySQLOptions configure a hostile MySQL server.
type FakeMySQLOptions struct {
	// TLS, when set, makes the server offer TLS (CLIENT_SSL) with this configuration; nil
	// offers none, as a man in the middle answering "no TLS" would.
	TLS *tls.Config
	// AuthPlugin is the authentication the server asks for once the client answered the
	// greeting: "mysql_clear_password" (an auth switch asking for the password itself) or
	// "caching_sha2_password" (full authentication, which sends the password over TLS).
	AuthPlugin string
	// AcceptUser, when set, is a user whose login (any password) the server accepts, as
	// an attacker's own server would; it then answers the few queries a client asks
	// after logging in (version, CURRENT_USER(), Ssl_cipher) and refuses the others.
	AcceptUser string
}

// FakeMySQL is a hostile server on 127.0.0.1: it greets clients as MySQL 8 does, asks for
// the password in the form FakeMySQLOptions.AuthPlugin says, records every byte a client
// sends (after TLS, decrypted), and refuses every login. A test checks that a password
// never reached it.
type FakeMySQL struct {
	Host string
	Port int

	opts FakeMySQLOptions
	ln   net.Listener
	wg   sync.WaitGroup

	mu       sync.Mutex
	received bytes.Buffer
	conns    int
}

// StartFakeMySQL starts a hostile server, stopped when the test ends.
func StartFakeMySQL(t testing.TB, opts FakeMySQLOptions) *FakeMySQL {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(Host, "0"))
	if err != nil {
		t.Fatalf("fake MySQL: listen: %v", err)
	}
	f := &FakeMySQL{Host: Host, Port: ln.Addr().(*net.TCPAddr).Port, opts: opts, ln: ln}
	f.wg.Add(1)
	go f.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		f.wg.Wait()
	})
	return f
}

// Addr is host:port.
func (f *FakeMySQL) Addr() string { return net.JoinHostPort(f.Host, strconv.Itoa(f.Port)) }

// Received is every byte clients sent (decrypted when they used TLS).
func (f *FakeMySQL) Received() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Clone(f.received.Bytes())
}

// Connections is how many connections the server accepted.
func (f *FakeMySQL) Connections() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns
}

func (f *FakeMySQL) serve() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns++
		f.mu.Unlock()
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			_ = f.session(c)
		}()
	}
}

// Capability flags of the MySQL protocol.
const (
	capLongPassword     = 0x1
	capConnectWithDB    = 0x8
	capProtocol41       = 0x200
	capSSL              = 0x800
	capSecureConnection = 0x8000
	capPluginAuth       = 0x80000
)

func (f *FakeMySQL) session(c net.Conn) error {
	var rw io.ReadWriter = c
	caps := uint32(capLongPassword | capConnectWithDB | capProtocol41 | capSecureConnection | capPluginAuth)
	if f.opts.TLS != nil {
		caps |= capSSL
	}
	plugin := f.opts.AuthPlugin
	if plugin == "" {
		plugin = "caching_sha2_password"
	}
	scramble := []byte("abcdefghijklmnopqrst")
	var g bytes.Buffer
	g.WriteByte(10)
	g.WriteString("8.0.36-fake\x00")
	_ = binary.Write(&g, binary.LittleEndian, uint32(7))
	g.Write(scramble[:8])
	g.WriteByte(0)
	_ = binary.Write(&g, binary.LittleEndian, uint16(caps))
	g.WriteByte(0x21)
	_ = binary.Write(&g, binary.LittleEndian, uint16(2))
	_ = binary.Write(&g, binary.LittleEndian, uint16(caps>>16))
	g.WriteByte(21)
	g.Write(make([]byte, 10))
	g.Write(scramble[8:])
	g.WriteByte(0)
	g.WriteString(plugin + "\x00")
	if err := writePacket(rw, 0, g.Bytes()); err != nil {
		return err
	}
	seq, pkt, err := f.readPacket(rw)
	if err != nil {
		return err
	}
	if f.opts.TLS != nil && len(pkt) == 32 {
		// An SSL request: the rest of the session is encrypted.
		tc := tls.Server(c, f.opts.TLS)
		if err := tc.Handshake(); err != nil {
			return err
		}
		rw = tc
		if seq, pkt, err = f.readPacket(rw); err != nil {
			return err
		}
	}
	if u := f.opts.AcceptUser; u != "" && bytes.Contains(pkt, []byte("\x00"+u+"\x00")) {
		if err := writePacket(rw, seq+1, []byte{0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}); err != nil {
			return err
		}
		return f.answerQueries(rw)
	}
	switch plugin {
	case "mysql_clear_password":
		// Auth switch: send the password itself.
		if err := writePacket(rw, seq+1, append([]byte("\xfemysql_clear_password\x00"), scramble...)); err != nil {
			return err
		}
	default:
		// caching_sha2_password: "perform full authentication" (the password, over TLS).
		if err := writePacket(rw, seq+1, []byte{0x01, 0x04}); err != nil {
			return err
		}
	}
	seq, _, err = f.readPacket(rw)
	if err != nil {
		return err
	}
	// Access denied.
	return writePacket(rw, seq+1, append([]byte{0xff, 0x15, 0x04}, "#28000Access denied (fake server)"...))
}

func (f *FakeMySQL) readPacket(r io.Reader) (byte, []byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := int(h[0]) | int(h[1])<<8 | int(h[2])<<16
	if n > 1<<20 {
		return 0, nil, errors.New("packet too large")
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, err
	}
	f.mu.Lock()
	f.received.Write(p)
	f.mu.Unlock()
	return h[3], p, nil
}

func writePacket(w io.Writer, seq byte, p []byte) error {
	h := []byte{byte(len(p)), byte(len(p) >> 8), byte(len(p) >> 16), seq}
	_, err := w.Write(append(h, p...))
	return err
}

// answerQueries answers a logged-in client's commands until it quits.
func (f *FakeMySQL) answerQueries(rw io.ReadWriter) error {
	rows := map[string][]string{
		"SHOW SESSION STATUS LIKE 'Ssl_cipher'":                   {"Ssl_cipher", ""},
		"SELECT VERSION(), @@version_comment, @@SESSION.sql_mode": {"8.0.36", "fake", ""},
		"SELECT CURRENT_USER()":                                   {f.opts.AcceptUser + "@%"},
	}
	for {
		seq, pkt, err := f.readPacket(rw)
		if err != nil || len(pkt) == 0 {
			return err
		}
		switch pkt[0] {
		case 0x01: // COM_QUIT
			return nil
		case 0x0e: // COM_PING
			if err := writePacket(rw, seq+1, []byte{0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}); err != nil {
				return err
			}
			continue
		case 0x03: // COM_QUERY
			if row, ok := rows[string(pkt[1:])]; ok {
				if err := writeRow(rw, seq+1, row); err != nil {
					return err
				}
				continue
			}
		}
		if string(pkt[1:]) == "SELECT AURORA_VERSION()" { // as MySQL answers: not Aurora
			if err := writePacket(rw, seq+1, append([]byte{0xff, 0x19, 0x05}, "#42000FUNCTION AURORA_VERSION does not exist"...)); err != nil {
				return err
			}
			continue
		}
		if err := writePacket(rw, seq+1, append([]byte{0xff, 0x28, 0x05}, "#42000not supported by the fake server"...)); err != nil {
			return err
		}
	}
}

// writeRow sends a text result set of one row of strings.
func writeRow(w io.Writer, seq byte, row []string) error {
	lenenc := func(b *bytes.Buffer, s string) {
		b.WriteByte(byte(len(s))) // the fake's strings are short
		b.WriteString(s)
	}
	packets := [][]byte{{byte(len(row))}}
	for i := range row {
		var c bytes.Buffer
		for _, s := range []string{"def", "", "", "", "c" + strconv.Itoa(i), ""} {
			lenenc(&c, s)
		}
		c.Write([]byte{0x0c, 0x21, 0x00, 0xff, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00})
		packets = append(packets, c.Bytes())
	}
	eof := []byte{0xfe, 0x00, 0x00, 0x02, 0x00}
	packets = append(packets, eof)
	var r bytes.Buffer
	for _, v := range row {
		lenenc(&r, v)
	}
	packets = append(packets, r.Bytes(), eof)
	for _, p := range packets {
		if err := writePacket(w, seq, p); err != nil {
			return err
		}
		seq++
	}
	return nil
}
