package daemon

// rawRecord is one record as the kernel sent it. data is owned by the
// record (carved from a chunk that no later record overwrites).
type rawRecord struct {
	typ  uint16
	data []byte
}

// chunkAlloc carves record copies out of large chunks so that the receive
// path allocates once per chunk, not once per record; a chunk is freed by
// the GC when no record in it is referenced any more.
type chunkAlloc struct {
	buf []byte
}

const chunkSize = 256 << 10

func (a *chunkAlloc) copy(b []byte) []byte {
	if len(b) > chunkSize/4 {
		return append([]byte(nil), b...)
	}
	if len(a.buf) < len(b) {
		a.buf = make([]byte, chunkSize)
	}
	n := copy(a.buf, b)
	out := a.buf[:n:n]
	a.buf = a.buf[n:]
	return out
}
