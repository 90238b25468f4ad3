// Package logindex owns the on-disk index of an audit log file: the file
// cut into segments at points where no event is open, and for each
// segment a summary (a Bloom filter of the tokens its records could
// match, the range of its stamps and serials, its counts) that lets a
// search read only the segments that may hold a match. It also owns the
// checks that an index still describes its file (the same device and
// inode, a size at least the indexed end, and the same bytes at both ends
// of the indexed part), where indexes are kept, and how they are written
// so that a reader never sees half of one.
//
// What a token is, and where a segment may be cut, belong to the search
// that builds and reads the index (internal/search); this package only
// stores them.
package logindex
