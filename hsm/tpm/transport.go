package tpm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"
	"github.com/google/go-tpm/tpm2/transport/linuxtpm"
	"github.com/signetbox/signet/hsm"
)

const (
	// maxResponse bounds a TPM response read from a socket (TPM2 responses
	// fit in 4 KiB; swtpm allows up to 4 KiB too).
	maxResponse = 64 << 10
	// ioTimeout bounds one command on a socket TPM.
	ioTimeout = 2 * time.Minute
	// retryBudget bounds how long Send keeps retrying a busy TPM.
	retryBudget = 10 * time.Second
)

// OpenDevice opens the TPM that device names: a character device such as
// /dev/tpmrm0, tcp://host:port (swtpm --server type=tcp) or unix:///path
// (swtpm --server type=unixio). Every command is retried while the TPM
// answers TPM_RC_RETRY, TPM_RC_YIELDED or TPM_RC_TESTING.
func OpenDevice(device string) (transport.TPMCloser, error) {
	return OpenDeviceDeadline(device, time.Time{})
}

// OpenDeviceDeadline is OpenDevice for a short read: no exchange with a
// socket TPM lasts past deadline (zero: none), for the life of the
// connection. Why: swtpm serves one connection at a time and leaves others
// waiting unanswered, so a short read (`signet key show`) next to a daemon
// holding the TPM would otherwise wait ioTimeout. A character device needs
// no deadline: /dev/tpmrm0 serves every opener, /dev/tpm0 refuses a second
// one at once.
func OpenDeviceDeadline(device string, deadline time.Time) (transport.TPMCloser, error) {
	var t transport.TPMCloser
	var err error
	switch {
	case strings.HasPrefix(device, "tcp://"):
		t, err = dialSocket("tcp", strings.TrimPrefix(device, "tcp://"), deadline)
	case strings.HasPrefix(device, "unix://"):
		t, err = dialSocket("unix", strings.TrimPrefix(device, "unix://"), deadline)
	default:
		t, err = linuxtpm.Open(device)
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, linuxtpm.ErrFileIsNotDevice) || isDialError(err) {
			return nil, fmt.Errorf("opening TPM %s: %w (%v); check that the TPM is enabled in firmware and the device exists", device, hsm.ErrNoDevice, err)
		}
		return nil, fmt.Errorf("opening TPM %s: %w", device, err)
	}
	return Retrying(t), nil
}

func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op)
}

// Retrying wraps t so that each command is sent again, after a short
// backoff, while the TPM answers TPM_RC_RETRY, TPM_RC_YIELDED or
// TPM_RC_TESTING.
//
// Why: swtpm (libtpms) answers the first DA-protected authorization after
// startup with TPM_RC_RETRY, and go-tpm does not retry. Resending the same
// bytes is correct: the TPM did not execute the command.
func Retrying(t transport.TPMCloser) transport.TPMCloser {
	return &retryTPM{t: t}
}

type retryTPM struct{ t transport.TPMCloser }

func (r *retryTPM) Send(cmd []byte) ([]byte, error) {
	deadline := time.Now().Add(retryBudget)
	delay := 2 * time.Millisecond
	for {
		rsp, err := r.t.Send(cmd)
		if err != nil || len(rsp) < 10 || time.Now().After(deadline) {
			return rsp, err
		}
		switch tpm2.TPMRC(binary.BigEndian.Uint32(rsp[6:10])) {
		case tpm2.TPMRCRetry, tpm2.TPMRCYielded, tpm2.TPMRCTesting:
			time.Sleep(delay)
			delay = min(2*delay, 200*time.Millisecond)
		default:
			return rsp, nil
		}
	}
}

func (r *retryTPM) Close() error { return r.t.Close() }

// socketTPM speaks the raw TPM 2.0 command stream over one connection, as
// swtpm's --server channel does.
type socketTPM struct {
	network, addr string
	deadline      time.Time // no exchange lasts past it (zero: none)
	mu            sync.Mutex
	conn          net.Conn
}

func dialSocket(network, addr string, deadline time.Time) (*socketTPM, error) {
	if network == "unix" {
		fi, err := os.Stat(addr)
		if err != nil {
			return nil, err
		}
		if fi.Mode()&fs.ModeSocket == 0 {
			return nil, fmt.Errorf("%s is not a socket", addr)
		}
	}
	s := &socketTPM{network: network, addr: addr, deadline: deadline}
	var err error
	s.conn, err = s.dial()
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (s *socketTPM) dial() (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second, Deadline: s.deadline}
	return d.Dial(s.network, s.addr)
}

func (s *socketTPM) Send(cmd []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		c, err := s.dial()
		if err != nil {
			return nil, fmt.Errorf("%w: reconnecting to the TPM at %s: %v", hsm.ErrNoDevice, s.addr, err)
		}
		s.conn = c
	}
	rsp, err := s.roundTrip(cmd)
	if err != nil {
		s.conn.Close()
		s.conn = nil
		if errors.Is(err, os.ErrDeadlineExceeded) && !s.deadline.IsZero() && !time.Now().Before(s.deadline) {
			return nil, fmt.Errorf("%w: the TPM at %s did not answer in time; another process (such as signet serve) may be using it", hsm.ErrNoDevice, s.addr)
		}
		return nil, fmt.Errorf("talking to the TPM at %s: %w", s.addr, err)
	}
	return rsp, nil
}

func (s *socketTPM) roundTrip(cmd []byte) ([]byte, error) {
	d := time.Now().Add(ioTimeout)
	if !s.deadline.IsZero() && s.deadline.Before(d) {
		d = s.deadline
	}
	s.conn.SetDeadline(d)
	if _, err := s.conn.Write(cmd); err != nil {
		return nil, err
	}
	hdr := make([]byte, 10)
	if _, err := io.ReadFull(s.conn, hdr); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(hdr[2:6])
	if size < 10 || size > maxResponse {
		return nil, fmt.Errorf("TPM response size %d is out of range", size)
	}
	rsp := make([]byte, size)
	copy(rsp, hdr)
	if _, err := io.ReadFull(s.conn, rsp[10:]); err != nil {
		return nil, err
	}
	return rsp, nil
}

func (s *socketTPM) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}
