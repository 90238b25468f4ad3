package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/contaudit/contaudit/internal/contid"
	"github.com/contaudit/contaudit/internal/proctable"
	"golang.org/x/sys/unix"
)

// maxBody bounds a request body: the largest valid one, a set with two
// labels of contid.MaxLabelLen bytes each written as \u escapes, is
// about 3.2 KiB.
const maxBody = 4 << 10

// unsetID is the unset auid and ses, as kernel records print them.
const unsetID = ^uint32(0)

// Server serves the control API. Create it with NewServer, then Serve.
type Server struct {
	backend    Backend
	policy     Policy
	log        *slog.Logger
	procRoot   string
	initUserNS fileID

	// IsOwnExecutable reports whether the process pid runs the daemon's
	// own executable, in which case it is the CLI or the OCI hook acting
	// for its parent. NewServer compares the device and inode of
	// /proc/PID/exe with /proc/self/exe; tests replace it before Serve.
	IsOwnExecutable func(pid int32) bool

	forged atomic.Uint64
	http   *http.Server
}

// NewServer returns a server of the control API over backend. It reads
// what identifies the daemon (its executable, the initial user namespace)
// once; when that fails it logs and fails closed: no caller counts as
// contaudit's CLI or as privileged by capability.
func NewServer(backend Backend, policy Policy, log *slog.Logger) *Server {
	s := &Server{backend: backend, policy: policy, log: log, procRoot: "/proc"}
	var err error
	if s.initUserNS, err = initialUserNS(); err != nil {
		log.Error("control: initial user namespace unknown; no capability will be honoured", "err", err)
		s.initUserNS = fileID{^uint64(0), ^uint64(0)}
	}
	self, err := statID("/proc/self/exe")
	if err != nil {
		log.Error("control: own executable unknown; no caller will be taken for contaudit's CLI", "err", err)
	}
	s.IsOwnExecutable = func(pid int32) bool {
		if err != nil {
			return false
		}
		id, e := statID(s.procRoot + "/" + strconv.Itoa(int(pid)) + "/exe")
		return e == nil && id == self
	}
	s.http = &http.Server{
		Handler:           s,
		ConnContext:       s.connContext,
		ReadHeaderTimeout: 10 * time.Second,
		// Each connection holds a pidfd; idle ones must not pile up.
		IdleTimeout: time.Minute,
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return s
}

// Serve accepts connections on ln until Shutdown or Close; it then returns
// http.ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error { return s.http.Serve(peerListener{ln}) }

// Shutdown stops accepting and waits for the requests in flight, or ctx.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }

// Close stops the server at once.
func (s *Server) Close() error { return s.http.Close() }

// Forged is the number of malformed requests refused with 400: a client
// that sends them is broken or probing.
func (s *Server) Forged() uint64 { return s.forged.Load() }

// route is one entry of the route table, with the method it answers.
type route struct {
	method string
	serve  func(*Server, http.ResponseWriter, *http.Request)
}

// routes is the API, under /v0/.
var routes = map[string]route{
	"/v0/contid/set":       {http.MethodPost, (*Server).serveSet},
	"/v0/contid/capcontid": {http.MethodPost, (*Server).serveCapcontid},
	"/v0/contid/get":       {http.MethodGet, (*Server).serveGet},
	"/v0/contid/list":      {http.MethodGet, (*Server).serveList},
	"/v0/contid/tree":      {http.MethodGet, (*Server).serveTree},
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, ok := routes[r.URL.Path]
	if !ok {
		writeError(w, &apiError{http.StatusNotFound, unix.ENOENT, "no route " + r.URL.Path})
		return
	}
	if r.Method != rt.method {
		w.Header().Set("Allow", rt.method)
		writeError(w, &apiError{http.StatusMethodNotAllowed, unix.EINVAL, r.URL.Path + " takes " + rt.method})
		return
	}
	rt.serve(s, w, r)
}

// apiError is a refusal as it goes on the wire.
type apiError struct {
	status int
	errno  unix.Errno
	msg    string
}

// statusOf is the HTTP status of each errno the registry and this package
// return; anything else is an internal error.
func statusOf(e unix.Errno) int {
	switch e {
	case unix.EPERM, unix.EACCES, unix.EXDEV:
		return http.StatusForbidden
	case unix.EEXIST, unix.EBUSY, unix.ENOTUNIQ:
		return http.StatusConflict
	case unix.EINVAL:
		return http.StatusBadRequest
	case unix.ENOPROTOOPT:
		return http.StatusServiceUnavailable
	case unix.ENOSPC, unix.EMLINK:
		return http.StatusInsufficientStorage
	case unix.ESRCH, unix.ENOENT:
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

func refuse(errno unix.Errno, format string, args ...any) *apiError {
	return &apiError{statusOf(errno), errno, fmt.Sprintf(format, args...)}
}

// fromBackend turns a backend error into its wire form. Only a
// *contid.Error's sentence goes to the client; other failures are the
// daemon's and are logged, not shown.
func (s *Server) fromBackend(err error) *apiError {
	var ce *contid.Error
	if errors.As(err, &ce) {
		return &apiError{statusOf(ce.Errno), ce.Errno, ce.Reason}
	}
	s.log.Error("control: backend failed", "err", err)
	return &apiError{http.StatusInternalServerError, unix.EIO, "internal error; see the daemon's log"}
}

type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, errorBody{Error: unix.ErrnoName(e.errno), Message: e.msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{"EIO", "encode response: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// forgedRequest refuses a malformed request. It is counted and logged: a
// real client never sends one.
func (s *Server) forgedRequest(w http.ResponseWriter, r *http.Request, format string, args ...any) {
	s.forged.Add(1)
	msg := fmt.Sprintf(format, args...)
	s.log.Warn("control: malformed request", "path", r.URL.Path, "peer", peerPID(r.Context()), "err", msg)
	ae := &apiError{http.StatusBadRequest, unix.EINVAL, msg}
	// A malformed attempt to change contid state is still an attempt:
	// audited with whatever identity the caller has, no target, no value.
	var op string
	switch r.URL.Path {
	case "/v0/contid/set":
		op = contid.OpSet
	case "/v0/contid/capcontid":
		op = contid.OpCapcontid
	}
	if op != "" {
		wr, _ := s.writer(r)
		s.refused(contid.OpRecord{Op: op, Contid: contid.Unset, OldContid: contid.Unset, Writer: wr}, ae)
	}
	writeError(w, ae)
}

// decode reads exactly one JSON object with known fields only.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("request body: data after the JSON object")
	}
	return nil
}

// SetRequest is the body of POST /v0/contid/set. Contid is a JSON string
// (a u64 above 2^53 survives no double) or number; Allocate sends the
// string "auto" in its place, asking the daemon to choose the value.
// Container, when not empty, gives the runtime's container ID and name.
type SetRequest struct {
	PID       int32
	Contid    contid.ID
	Allocate  bool
	Container contid.Labels
}

// autoContid is the contid a set request sends to leave the choice to the
// daemon.
const autoContid = "auto"

func (r SetRequest) MarshalJSON() ([]byte, error) {
	v := struct {
		PID       int32         `json:"pid"`
		Contid    any           `json:"contid"`
		Container contid.Labels `json:"container,omitzero"`
	}{r.PID, r.Contid, r.Container}
	if r.Allocate {
		v.Contid = autoContid
	}
	return json.Marshal(v)
}

func (r *SetRequest) UnmarshalJSON(b []byte) error {
	var v struct {
		PID       int32         `json:"pid"`
		Contid    wireID        `json:"contid"`
		Container contid.Labels `json:"container"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = SetRequest{PID: v.PID, Contid: v.Contid.id, Allocate: v.Contid.auto, Container: v.Container}
	return nil
}

// wireID is a contid in a request: a JSON string as contid.ID reads it
// ("-1" and "unset" included), or a JSON number holding a decimal u64,
// which is what people type with curl. In a set, the string "auto" leaves
// the value to the daemon.
type wireID struct {
	id   contid.ID
	auto bool
}

func (w *wireID) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == autoContid {
			w.auto = true
			return nil
		}
		id, err := contid.ParseID(s)
		w.id = id
		return err
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return fmt.Errorf("contid %s is not a u64", b)
		}
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("contid %s is not a u64", b)
	}
	w.id = contid.ID(v)
	return nil
}

// SetResult answers a successful set.
type SetResult struct {
	Target contid.ProcID `json:"target"`
	// Contid is the value set: the one the daemon chose when Allocated.
	Contid    contid.ID `json:"contid"`
	Allocated bool      `json:"allocated,omitempty"`
	// Container echoes the labels the request gave.
	Container contid.Labels `json:"container,omitzero"`
	// Writer is the process whose rights the set used; Via the contaudit
	// CLI or hook that connected for it, if any.
	Writer contid.ProcID `json:"writer"`
	Via    contid.ProcID `json:"via,omitzero"`
}

// CapcontidRequest is the body of POST /v0/contid/capcontid.
type CapcontidRequest struct {
	PID int32 `json:"pid"`
	On  bool  `json:"on"`
}

// CapcontidResult answers a successful capcontid change.
type CapcontidResult struct {
	Target    contid.ProcID `json:"target"`
	Capcontid bool          `json:"capcontid"`
	Writer    contid.ProcID `json:"writer"`
	Via       contid.ProcID `json:"via,omitzero"`
}

// GetResult answers GET /v0/contid/get; Contid is "-1" when unset.
type GetResult struct {
	Target contid.ProcID `json:"target"`
	Contid contid.ID     `json:"contid"`
}

func (s *Server) serveSet(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PID       *int32         `json:"pid"`
		Contid    *wireID        `json:"contid"`
		Container *contid.Labels `json:"container"`
	}
	if err := decode(r, &req); err != nil {
		s.forgedRequest(w, r, "%v", err)
		return
	}
	if req.PID == nil || *req.PID <= 0 || req.Contid == nil {
		s.forgedRequest(w, r, "request body: pid (> 0) and contid (a u64 or \"auto\") are required")
		return
	}
	op := SetOp{Contid: req.Contid.id, Allocate: req.Contid.auto}
	if op.Allocate {
		// Nothing is chosen before the backend's lock: a set refused
		// here records the unset value.
		op.Contid = contid.Unset
	}
	if req.Container != nil {
		op.Labels = *req.Container
		if len(op.Labels.ID) > contid.MaxLabelLen || len(op.Labels.Name) > contid.MaxLabelLen {
			s.forgedRequest(w, r, "request body: container id and name are limited to %d bytes each", contid.MaxLabelLen)
			return
		}
	}
	rec := contid.OpRecord{Op: contid.OpSet, Target: contid.ProcID{PID: *req.PID}, Contid: op.Contid, OldContid: contid.Unset, Labels: op.Labels}
	wr, ae := s.writer(r)
	if ae == nil {
		rec.Target, ae = s.targetFor(r, *req.PID)
	}
	if ae != nil {
		rec.Writer = wr
		s.refused(rec, ae)
		writeError(w, ae)
		return
	}
	id, err := s.backend.Set(wr, rec.Target, op)
	if err != nil {
		writeError(w, s.fromBackend(err))
		return
	}
	writeJSON(w, http.StatusOK, SetResult{Target: rec.Target, Contid: id, Allocated: op.Allocate, Container: op.Labels, Writer: wr.Proc, Via: wr.Via})
}

func (s *Server) serveCapcontid(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PID *int32 `json:"pid"`
		On  *bool  `json:"on"`
	}
	if err := decode(r, &req); err != nil {
		s.forgedRequest(w, r, "%v", err)
		return
	}
	if req.PID == nil || *req.PID <= 0 || req.On == nil {
		s.forgedRequest(w, r, "request body: pid (> 0) and on (a boolean) are required")
		return
	}
	rec := contid.OpRecord{Op: contid.OpCapcontid, Target: contid.ProcID{PID: *req.PID}, Contid: contid.Unset, OldContid: contid.Unset, Capcontid: *req.On}
	wr, ae := s.writer(r)
	if ae == nil {
		rec.Target, ae = s.targetFor(r, *req.PID)
	}
	if ae != nil {
		rec.Writer = wr
		s.refused(rec, ae)
		writeError(w, ae)
		return
	}
	if err := s.backend.SetCapcontid(wr, rec.Target, *req.On); err != nil {
		writeError(w, s.fromBackend(err))
		return
	}
	writeJSON(w, http.StatusOK, CapcontidResult{Target: rec.Target, Capcontid: *req.On, Writer: wr.Proc, Via: wr.Via})
}

func (s *Server) serveGet(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pid, err := strconv.ParseInt(q.Get("pid"), 10, 32)
	if len(q) != 1 || len(q["pid"]) != 1 || err != nil || pid <= 0 {
		s.forgedRequest(w, r, "query: exactly one pid (> 0) is required")
		return
	}
	rd, ae := s.writer(r)
	if ae == nil {
		var target contid.ProcID
		if target, ae = s.targetFor(r, int32(pid)); ae == nil {
			id, err := s.backend.Get(rd, target)
			if err != nil {
				writeError(w, s.fromBackend(err))
				return
			}
			writeJSON(w, http.StatusOK, GetResult{Target: target, Contid: id})
			return
		}
	}
	writeError(w, ae)
}

func (s *Server) serveList(w http.ResponseWriter, r *http.Request) {
	serveAll(s, w, r, s.backend.List)
}

func (s *Server) serveTree(w http.ResponseWriter, r *http.Request) {
	serveAll(s, w, r, s.backend.Tree)
}

// serveAll answers a listing: an empty one is [] (not null), so that a
// client need not tell "nothing" from "missing".
func serveAll[T any](s *Server, w http.ResponseWriter, r *http.Request, all func() []T) {
	if ae := s.mayList(r); ae != nil {
		writeError(w, ae)
		return
	}
	v := all()
	if v == nil {
		v = []T{}
	}
	writeJSON(w, http.StatusOK, v)
}

// mayList requires the permission itself: a listing shows every contid and
// its holders, more than a capcontid delegation (its own subtree) covers.
func (s *Server) mayList(r *http.Request) *apiError {
	if len(r.URL.RawQuery) != 0 {
		s.forged.Add(1)
		return refuse(unix.EINVAL, "query: %s takes no parameters", r.URL.Path)
	}
	rd, ae := s.writer(r)
	if ae != nil {
		return ae
	}
	if !rd.CanSetContid {
		return refuse(unix.EPERM, "reader %d has not the permission to list contids", rd.Proc.PID)
	}
	return nil
}

// refused passes an attempt refused here to the backend for its record.
func (s *Server) refused(rec contid.OpRecord, ae *apiError) {
	rec.Err = &contid.Error{Errno: ae.errno, Reason: ae.msg}
	s.backend.Refused(rec)
}

// targetFor resolves a PID as the caller names it, in its own PID
// namespace, to the live process holding it now.
func (s *Server) targetFor(r *http.Request, pid int32) (contid.ProcID, *apiError) {
	if c := peerPID(r.Context()); c > 0 {
		h, ae := s.hostPID(c, pid)
		if ae != nil {
			return contid.ProcID{PID: pid}, ae
		}
		pid = h
	}
	return s.target(pid)
}

// target resolves a requested PID to the live process holding it now.
func (s *Server) target(pid int32) (contid.ProcID, *apiError) {
	p, err := s.backend.Identify(pid)
	if err != nil {
		var ce *contid.Error
		if errors.As(err, &ce) && ce.Errno == unix.ESRCH {
			return contid.ProcID{PID: pid}, refuse(unix.ESRCH, "target %d does not exist", pid)
		}
		return contid.ProcID{PID: pid}, s.fromBackend(err)
	}
	return p.ID, nil
}

// writer identifies the writer of a request from the connection's peer
// (see the package documentation). On a refusal it still returns what is
// known of the caller, for the record.
func (s *Server) writer(r *http.Request) (contid.Writer, *apiError) {
	pe, _ := r.Context().Value(peerKey{}).(*peer)
	if pe == nil {
		return contid.Writer{}, refuse(unix.EPERM, "the caller could not be identified")
	}
	known := contid.Writer{UID: pe.uid, AUID: unsetID, Ses: unsetID}
	if pe.err != nil {
		return known, refuse(unix.EPERM, "the caller could not be identified: %v", pe.err)
	}
	caller := pe.pin
	known.Proc = contid.ProcID{PID: caller.pid, StartTime: caller.start}
	cp, ae := s.identifyPinned(caller, "caller")
	if ae != nil {
		return known, ae
	}
	// Both reads of /proc are the caller's if it is still alive after them.
	own := s.IsOwnExecutable(caller.pid)
	facts, err := readFacts(s.procRoot, caller.pid, s.initUserNS)
	if !caller.alive() {
		return known, refuse(unix.ESRCH, "caller %d has exited", caller.pid)
	}
	if err != nil {
		return known, refuse(unix.EPERM, "the permission of caller %d cannot be read: %v", caller.pid, err)
	}
	wr := writerOf(cp)
	wr.CanSetContid = s.policy.Allows(facts)
	if !own {
		return wr, nil
	}
	// contaudit's CLI or hook acts for its parent. Its credentials must
	// grant the permission too: the CLI never adds rights, and an orphaned
	// CLI, reparented to init, must not borrow init's.
	if cp.Parent.IsZero() {
		return wr, refuse(unix.ESRCH, "caller %d runs contaudit but its parent is unknown", caller.pid)
	}
	parent, err := pin(s.procRoot, cp.Parent.PID, -1)
	// The table may name the parent by an estimated start; identifyPinned
	// below checks it exactly.
	if err != nil || !proctable.SameStart(cp.Parent.StartTime, parent.start) {
		parent.close()
		return wr, refuse(unix.ESRCH, "writer %d, the parent of contaudit %d, has exited", cp.Parent.PID, caller.pid)
	}
	defer parent.close()
	pp, ae := s.identifyPinned(parent, "writer")
	if ae != nil {
		return wr, ae
	}
	pfacts, err := readFacts(s.procRoot, parent.pid, s.initUserNS)
	if !parent.alive() {
		return wr, refuse(unix.ESRCH, "writer %d, the parent of contaudit %d, has exited", parent.pid, caller.pid)
	}
	if err != nil {
		return wr, refuse(unix.EPERM, "the permission of writer %d cannot be read: %v", parent.pid, err)
	}
	pw := writerOf(pp)
	pw.Via = cp.ID
	// The CLI's credentials are judged with its parent's executable: an
	// orchestrator granted by path keeps its grant through the CLI.
	cli := facts
	cli.Exe = pfacts.Exe
	pw.CanSetContid = s.policy.Allows(pfacts) && s.policy.Allows(cli)
	return pw, nil
}

// identifyPinned asks the backend for a pinned process and checks that the
// process table names the same process: a different start time means the
// process exited and its PID was reused.
func (s *Server) identifyPinned(p *pinned, role string) (Process, *apiError) {
	if !p.alive() {
		return Process{}, refuse(unix.ESRCH, "%s %d has exited", role, p.pid)
	}
	proc, err := s.backend.Identify(p.pid)
	if err != nil {
		var ce *contid.Error
		if errors.As(err, &ce) && ce.Errno == unix.ESRCH {
			return Process{}, refuse(unix.ESRCH, "%s %d has exited", role, p.pid)
		}
		return Process{}, s.fromBackend(err)
	}
	if proc.ID.StartTime != p.start && !(proc.StartEstimated && proctable.SameStart(proc.ID.StartTime, p.start)) {
		return Process{}, refuse(unix.ESRCH, "%s %d has exited and its PID now names another process", role, p.pid)
	}
	return proc, nil
}

func writerOf(p Process) contid.Writer {
	return contid.Writer{Proc: p.ID, UID: p.UID, AUID: p.AUID, Ses: p.Ses, Comm: p.Comm, Exe: p.Exe}
}

// peer is a connection's caller as the kernel identified it at accept.
type peer struct {
	uid, gid uint32
	pin      *pinned
	err      error
}

type peerKey struct{}

func peerPID(ctx context.Context) int32 {
	if pe, _ := ctx.Value(peerKey{}).(*peer); pe != nil && pe.pin != nil {
		return pe.pin.pid
	}
	return 0
}

// peerListener wraps accepted connections so that the pidfd taken for a
// connection is closed with it.
type peerListener struct{ net.Listener }

func (l peerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &peerConn{Conn: c}, nil
}

type peerConn struct {
	net.Conn
	mu     sync.Mutex
	closed bool
	pin    *pinned
}

func (c *peerConn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.pin.close()
	c.mu.Unlock()
	return c.Conn.Close()
}

// connContext identifies the peer of a new connection: SO_PEERCRED for its
// PID and credentials, SO_PEERPIDFD (pidfd_open before Linux 6.5) to pin
// it. Errors are kept in the peer so that each request is refused with them.
func (s *Server) connContext(ctx context.Context, c net.Conn) context.Context {
	pe := &peer{}
	ctx = context.WithValue(ctx, peerKey{}, pe)
	pc, ok := c.(*peerConn)
	if !ok {
		pe.err = errors.New("not a control API connection")
		return ctx
	}
	uc, ok := pc.Conn.(*net.UnixConn)
	if !ok {
		pe.err = errors.New("not a Unix socket connection")
		return ctx
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		pe.err = err
		return ctx
	}
	var cred *unix.Ucred
	var credErr error
	pidfd, pidfdErr := -1, error(nil)
	err = raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
		if credErr == nil {
			pidfd, pidfdErr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PEERPIDFD)
		}
	})
	if err = errors.Join(err, credErr); err != nil {
		pe.err = fmt.Errorf("SO_PEERCRED: %w", err)
		return ctx
	}
	pe.uid, pe.gid = cred.Uid, cred.Gid
	switch {
	case pidfdErr == nil:
		unix.CloseOnExec(pidfd)
	case errors.Is(pidfdErr, unix.ENOPROTOOPT):
		// Before Linux 6.5 the pidfd can only be taken after the fact:
		// a peer that exited and whose PID was reused between connect
		// and here would be taken for the new process.
		pidfd = -1
	default:
		pe.err = fmt.Errorf("SO_PEERPIDFD: %w", pidfdErr)
		return ctx
	}
	if cred.Pid <= 0 {
		if pidfd >= 0 {
			unix.Close(pidfd)
		}
		pe.err = errors.New("peer is in another PID namespace")
		return ctx
	}
	p, err := pin(s.procRoot, cred.Pid, pidfd)
	if err != nil {
		pe.err = err
		return ctx
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.closed {
		p.close()
		pe.err = errors.New("connection closed")
		return ctx
	}
	pc.pin, pe.pin = p, p
	return ctx
}
