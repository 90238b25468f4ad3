package control

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"

	"github.com/contaudit/contaudit/internal/contid"
	"golang.org/x/sys/unix"
)

// Client speaks the control API over the daemon's Unix socket. The CLI and
// the OCI hook use it; it is safe for concurrent use.
type Client struct {
	http *http.Client
}

// NewClient returns a client of the daemon listening on socketPath.
func NewClient(socketPath string) *Client {
	var d net.Dialer
	return &Client{http: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", socketPath)
		},
		// The peer's identity is taken per connection; one connection
		// per client keeps it the caller's.
		MaxConnsPerHost: 1,
	}}}
}

// Close closes the client's idle connection to the daemon.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Error is a refusal by the daemon: the errno name and the sentence, as
// the CLI prints them ("EXDEV: target 1234 is not a descendant of the
// writer 999"). errors.Is(err, unix.EXDEV) matches it.
type Error struct {
	Status  int    // HTTP status
	Errno   string // "EXDEV"; "EIO" for an internal error
	Message string
}

func (e *Error) Error() string { return e.Errno + ": " + e.Message }

// Unwrap returns the errno the name stands for, or nil when the name is
// unknown to this build.
func (e *Error) Unwrap() error {
	if n, ok := errnoByName[e.Errno]; ok {
		return n
	}
	return nil
}

var errnoByName = func() map[string]unix.Errno {
	m := make(map[string]unix.Errno)
	for e := syscall.Errno(1); e < 4096; e++ {
		if name := unix.ErrnoName(e); name != "" {
			m[name] = e
		}
	}
	return m
}()

// Set gives the process pid the contid id.
func (c *Client) Set(ctx context.Context, pid int32, id contid.ID) (SetResult, error) {
	return c.SetWith(ctx, SetRequest{PID: pid, Contid: id})
}

// SetWith makes a set request with everything it may carry: a value or
// Allocate, and the container's labels. SetResult.Contid is the value set.
func (c *Client) SetWith(ctx context.Context, req SetRequest) (SetResult, error) {
	var res SetResult
	err := c.do(ctx, http.MethodPost, "/v0/contid/set", req, &res)
	return res, err
}

// SetCapcontid grants (on) or withdraws the capcontid delegation of pid.
func (c *Client) SetCapcontid(ctx context.Context, pid int32, on bool) (CapcontidResult, error) {
	var res CapcontidResult
	err := c.do(ctx, http.MethodPost, "/v0/contid/capcontid", CapcontidRequest{PID: pid, On: on}, &res)
	return res, err
}

// Get reads the contid of pid (contid.Unset when it has none).
func (c *Client) Get(ctx context.Context, pid int32) (GetResult, error) {
	var res GetResult
	err := c.do(ctx, http.MethodGet, "/v0/contid/get?pid="+url.QueryEscape(strconv.Itoa(int(pid))), nil, &res)
	return res, err
}

// List returns the live contids ordered by value.
func (c *Client) List(ctx context.Context) ([]contid.Container, error) {
	var res []contid.Container
	err := c.do(ctx, http.MethodGet, "/v0/contid/list", nil, &res)
	return res, err
}

// Tree returns the live contids as a forest.
func (c *Client) Tree(ctx context.Context) ([]contid.Node, error) {
	var res []contid.Node
	err := c.do(ctx, http.MethodGet, "/v0/contid/tree", nil, &res)
	return res, err
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	// The host is not used: the transport dials the socket.
	req, err := http.NewRequestWithContext(ctx, method, "http://contaudit"+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("control API %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("control API %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var eb errorBody
		if err := json.Unmarshal(b, &eb); err != nil || eb.Error == "" {
			return fmt.Errorf("control API %s: %s", path, resp.Status)
		}
		return &Error{Status: resp.StatusCode, Errno: eb.Error, Message: eb.Message}
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("control API %s: decode answer: %w", path, err)
	}
	return nil
}
