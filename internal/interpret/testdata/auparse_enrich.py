# Emulates auditd 3.0.9 format_enrich (src/auditd-event.c) with the installed
# libauparse and libaudit: reads raw records on stdin, writes them with the
# ENRICHED tail auditd would append. Used to regenerate
# auparse-3.0.9-enriched-synthetic.log; see docs/interpretation.md.
import ctypes, sys
ap = ctypes.CDLL("libauparse.so.0")
la = ctypes.CDLL("libaudit.so.1")
ap.auparse_init.restype = ctypes.c_void_p
ap.auparse_init.argtypes = [ctypes.c_int, ctypes.c_char_p]
for f in ("auparse_first_record", "auparse_next_field", "auparse_get_field_type", "auparse_destroy"):
    getattr(ap, f).argtypes = [ctypes.c_void_p]
ap.auparse_set_escape_mode.argtypes = [ctypes.c_void_p, ctypes.c_int]
ap.auparse_get_field_name.restype = ctypes.c_char_p
ap.auparse_get_field_name.argtypes = [ctypes.c_void_p]
ap.auparse_interpret_field.restype = ctypes.c_char_p
ap.auparse_interpret_field.argtypes = [ctypes.c_void_p]
la.audit_encode_nv_string.restype = ctypes.c_void_p
la.audit_encode_nv_string.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
libc = ctypes.CDLL(None)
out = sys.stdout.buffer
for line in sys.stdin.buffer:
    line = line.rstrip(b"\n")
    au = ap.auparse_init(3, line + b"\n")
    ap.auparse_set_escape_mode(au, 0)
    parts = []
    rc = ap.auparse_first_record(au)
    while rc > 0:
        t = ap.auparse_get_field_type(au)
        if t in (1, 2, 3, 4, 9):
            name = ap.auparse_get_field_name(au).upper()[:63]
            val = ap.auparse_interpret_field(au)
            if val is None: val = b"?"
            if t in (1, 2):
                p = la.audit_encode_nv_string(name, val, len(val))
                parts.append(ctypes.string_at(p)); libc.free(ctypes.c_void_p(p))
            else:
                parts.append(name + b"=" + val)
        rc = ap.auparse_next_field(au)
    ap.auparse_destroy(au)
    out.write(line + (b"\x1d" + b" ".join(parts) if parts else b"") + b"\n")
