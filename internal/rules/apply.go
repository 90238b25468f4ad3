package rules

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/contaudit/contaudit/internal/abi"
	"golang.org/x/sys/unix"
)

// Kernel is what Apply needs of the kernel's audit interface.
// *auditnl.Conn implements it. Errors from the kernel wrap its errno, so
// errors.Is(err, unix.EEXIST) works.
type Kernel interface {
	AddRule(ctx context.Context, r *abi.AuditRuleData) error
	DeleteRule(ctx context.Context, r *abi.AuditRuleData) error
	ListRules(ctx context.Context) ([]*abi.AuditRuleData, error)
	// SetStatus sets the fields s.Mask selects.
	SetStatus(ctx context.Context, s abi.AuditStatus) error
	SetFeature(ctx context.Context, f abi.AuditFeatures) error
}

// ApplyOptions change how Apply treats failures and dangerous settings.
type ApplyOptions struct {
	// ContinueOnError goes on past a failing command, as if the rules
	// started with -c: Apply still returns an error at the end.
	ContinueOnError bool
	// IgnoreErrors goes on past a failing command and returns no error, as
	// if the rules started with -i; failures are only in the Report.
	IgnoreErrors bool
	// AllowPanic lets -f 2 through: the kernel would then panic the
	// machine when it cannot audit. Without it -f 2 fails with ErrPanic.
	AllowPanic bool
}

// ErrPanic is the error for -f 2 without ApplyOptions.AllowPanic.
var ErrPanic = errors.New("refusing to set failure mode 2 (panic) without AllowPanic")

// Report counts what Apply did.
type Report struct {
	Added   int // rules added (-a, -A, -w)
	Deleted int // rules deleted (-d, -W, and each rule -D removed)
	Failed  int // commands that failed
	// Userspace counts the contid rules of the user and exclude lists
	// added: they are not sent to the kernel but evaluated by a
	// ContidFilter built from the same commands.
	Userspace int
	// Errors holds an *ApplyError for each failed command, in order.
	Errors []error
}

// ApplyError is a command the kernel (or Apply) refused.
type ApplyError struct {
	Cmd Command
	Err error
}

func (e *ApplyError) Error() string {
	var b strings.Builder
	if p := e.Cmd.Pos.String(); p != "" {
		b.WriteString(p)
		b.WriteString(": ")
	}
	b.WriteString(e.Cmd.String())
	b.WriteString(": ")
	if errors.Is(e.Err, unix.EEXIST) && (e.Cmd.Kind == KindAddRule) {
		b.WriteString("rule exists: ")
	} else if errors.Is(e.Err, unix.ENOENT) && e.Cmd.Kind == KindDeleteRule {
		b.WriteString("no rule matches: ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ApplyError) Unwrap() error { return e.Err }

// Apply runs cmds against k in order, as `auditctl -R` would. A -c or -i
// command switches on continuing past failures for the commands after it,
// as in auditctl; opts can switch it on from the start. Without either,
// Apply stops at the first failure and returns it. With -c it returns an
// error joining every failure at the end; with -i only the Report has
// them. A cancelled ctx stops Apply and is returned.
func Apply(ctx context.Context, k Kernel, cmds []Command, opts ApplyOptions) (Report, error) {
	var rep Report
	cont, ignore := opts.ContinueOnError, opts.IgnoreErrors
	for _, c := range cmds {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		switch c.Kind {
		case KindContinueOnError:
			cont = true
			continue
		case KindIgnoreErrors:
			ignore = true
			continue
		}
		err := apply(ctx, k, c, opts, &rep)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		ae := &ApplyError{Cmd: c, Err: err}
		rep.Failed++
		rep.Errors = append(rep.Errors, ae)
		if !cont && !ignore {
			return rep, ae
		}
	}
	if len(rep.Errors) > 0 && cont {
		return rep, errors.Join(rep.Errors...)
	}
	return rep, nil
}

func apply(ctx context.Context, k Kernel, c Command, opts ApplyOptions, rep *Report) error {
	switch c.Kind {
	case KindAddRule, KindDeleteRule:
		if c.Rule == nil {
			return errors.New("command has no rule")
		}
		if c.Rule.userspaceOnly() {
			// ContidFilter holds it; the kernel has no field to hold it.
			if err := c.Rule.checkContidRule(); err != nil {
				return err
			}
			if c.Kind == KindAddRule {
				rep.Userspace++
			}
			return nil
		}
		d, err := Encode(c.Rule)
		if err != nil {
			return err
		}
		send := k.AddRule
		if c.Kind == KindDeleteRule {
			send = k.DeleteRule
		}
		err = send(ctx, d)
		if err != nil && errors.Is(err, unix.EINVAL) && d.FieldCount > 0 && d.Fields[0] == abi.AUDIT_DIR {
			// auditctl retries a dir watch as a path watch for kernels
			// without AUDIT_DIR.
			d.Fields[0] = abi.AUDIT_WATCH
			err = send(ctx, d)
		}
		if err != nil {
			return err
		}
		if c.Kind == KindAddRule {
			rep.Added++
		} else {
			rep.Deleted++
		}
		return nil
	case KindDeleteAll:
		rules, err := k.ListRules(ctx)
		if err != nil {
			return fmt.Errorf("list rules: %w", err)
		}
		for _, r := range rules {
			if !keyMatch(r, c.Key) {
				continue
			}
			// Bounce the rule back unchanged, as auditctl does: the kernel
			// deletes the rule equal to it.
			if err := k.DeleteRule(ctx, r); err != nil {
				return fmt.Errorf("delete rule: %w", err)
			}
			rep.Deleted++
		}
		return nil
	case KindSetStatus:
		if c.Status.Mask&abi.AUDIT_STATUS_FAILURE != 0 && c.Status.Failure == abi.AUDIT_FAIL_PANIC && !opts.AllowPanic {
			return ErrPanic
		}
		// One request per field, as auditctl sends them.
		for bit := uint32(1); bit != 0 && bit <= c.Status.Mask; bit <<= 1 {
			if c.Status.Mask&bit == 0 {
				continue
			}
			s := c.Status
			s.Mask = bit
			if err := k.SetStatus(ctx, s); err != nil {
				return err
			}
		}
		return nil
	case KindLoginuidImmutable:
		// libaudit's audit_set_feature zeroes the struct and sets mask,
		// features and lock, leaving vers 0; the kernel ignores vers.
		m := uint32(1) << abi.AUDIT_FEATURE_LOGINUID_IMMUTABLE
		return k.SetFeature(ctx, abi.AuditFeatures{Mask: m, Features: m, Lock: m})
	}
	return fmt.Errorf("unknown command kind %v", c.Kind)
}

// keyMatch is auditctl's key_match for -D -k: the key, if any, must occur
// in the rule's filterkey (which holds every key of the rule).
func keyMatch(d *abi.AuditRuleData, key string) bool {
	if key == "" {
		return true
	}
	off := uint32(0)
	for i := uint32(0); i < d.FieldCount && i < abi.AUDIT_MAX_FIELDS; i++ {
		t := d.Fields[i] &^ abi.AUDIT_OPERATORS
		if !IsStringField(t) {
			continue
		}
		end := off + d.Values[i]
		if end > uint32(len(d.Buf)) || end < off {
			return false
		}
		if t == abi.AUDIT_FILTERKEY && strings.Contains(string(d.Buf[off:end]), key) {
			return true
		}
		off = end
	}
	return false
}
