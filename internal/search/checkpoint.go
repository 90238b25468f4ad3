package search

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/contaudit/contaudit/internal/event"
)

// Checkpoint is the state --checkpoint keeps between runs: the last
// complete event seen. The file has ausearch's layout, so either tool
// reads the other's:
//
//	dev=0xFE00
//	inode=5308449
//	output=NODE SEC.MSEC:SERIAL 0xTYPE
//
// dev and inode name the file the event was read from (ausearch uses them
// to find where to resume; contaudit writes them but resumes by stamp, so
// that a checkpoint survives log rotation). NODE is "-" for none; TYPE is
// the hex type of the event's last record.
type Checkpoint struct {
	Key  event.Key
	Type uint32
	Dev  uint64
	Ino  uint64
	// Valid is set when Key names an event (a loaded file, or Advance).
	Valid bool
	// File is the source the event was last read from, for Dev and Ino.
	File string
}

// ErrCheckpointData marks a checkpoint file that cannot be read as one
// (ausearch exit status 10).
var ErrCheckpointData = errors.New("invalid checkpoint data")

// LoadCheckpoint reads path. A missing file is an empty checkpoint: the
// first run reads everything.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Checkpoint{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c := &Checkpoint{}
	sc := bufio.NewScanner(f)
	seen := 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%w in %s: %q", ErrCheckpointData, path, line)
		}
		switch k {
		case "dev":
			c.Dev, err = strconv.ParseUint(v, 0, 64)
		case "inode":
			c.Ino, err = strconv.ParseUint(v, 0, 64)
		case "output":
			err = c.parseOutput(v)
			seen++
		default:
			err = fmt.Errorf("unknown key %q", k)
		}
		if err != nil {
			return nil, fmt.Errorf("%w in %s: %v", ErrCheckpointData, path, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if seen != 1 {
		return nil, fmt.Errorf("%w in %s: want one output= line", ErrCheckpointData, path)
	}
	c.Valid = true
	return c, nil
}

func (c *Checkpoint) parseOutput(v string) error {
	parts := strings.Fields(v)
	if len(parts) != 3 {
		return fmt.Errorf("output %q: want NODE SEC.MSEC:SERIAL 0xTYPE", v)
	}
	if parts[0] != "-" {
		c.Key.Node = parts[0]
	}
	stamp, serial, ok := strings.Cut(parts[1], ":")
	sec, msec, ok2 := strings.Cut(stamp, ".")
	if !ok || !ok2 {
		return fmt.Errorf("output stamp %q", parts[1])
	}
	var err error
	if c.Key.Sec, err = strconv.ParseInt(sec, 10, 64); err != nil {
		return err
	}
	m, err := strconv.ParseUint(msec, 10, 32)
	if err != nil || m > 999 {
		return fmt.Errorf("output milliseconds %q", msec)
	}
	c.Key.Msec = uint32(m)
	if c.Key.Serial, err = strconv.ParseUint(serial, 10, 64); err != nil {
		return err
	}
	t, err := strconv.ParseUint(parts[2], 0, 32)
	if err != nil {
		return fmt.Errorf("output type %q", parts[2])
	}
	c.Type = uint32(t)
	return nil
}

// Time is the checkpointed event's time, what -ts checkpoint starts at.
func (c *Checkpoint) Time() time.Time {
	return time.Unix(c.Key.Sec, int64(c.Key.Msec)*int64(time.Millisecond))
}

// covers reports whether an event was already seen by the run that
// wrote c: its stamp is not after the checkpointed one.
func (c *Checkpoint) covers(k event.Key) bool {
	return c != nil && c.Valid && !before(c.Key, k)
}

// Advance moves c to the event k whose last record has type typ.
func (c *Checkpoint) Advance(k event.Key, typ uint32) {
	c.Key, c.Type, c.Valid = k, typ, true
}

// Save writes c to path atomically (a temporary file renamed over it).
func (c *Checkpoint) Save(path string) error {
	if !c.Valid {
		return nil
	}
	if c.File != "" {
		var st syscall.Stat_t
		if err := syscall.Stat(c.File, &st); err == nil {
			c.Dev, c.Ino = uint64(st.Dev), st.Ino
		}
	}
	node := c.Key.Node
	if node == "" {
		node = "-"
	}
	text := fmt.Sprintf("dev=0x%X\ninode=%d\noutput=%s %d.%03d:%d 0x%X\n",
		c.Dev, c.Ino, node, c.Key.Sec, c.Key.Msec, c.Key.Serial, c.Type)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".checkpoint-*")
	if err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	if _, err := tmp.WriteString(text); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("save checkpoint: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save checkpoint: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return nil
}
