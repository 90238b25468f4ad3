// Package auditjson owns contaudit's JSON form of an audit event: one event
// per line, with a versioned schema (docs/json.md) that other programs may
// rely on. The encoder is hand-written so that `contaudit search --format
// json` can stream millions of events without reflection or per-field
// allocations; the decoder uses encoding/json, since reading JSON back is
// the rare direction.
//
// The promise of the format is the round trip: every record keeps the exact
// log line it came from, so DecodeEvent and Event.RawLines give back the
// original bytes, even where they are not valid UTF-8 (those strings carry
// an extra base64 copy, see AppendEvent).
package auditjson
