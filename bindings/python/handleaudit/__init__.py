"""Python binding for libhandleaudit, written with ctypes and the standard library only.

libhandleaudit reads Windows Security audit events (XML, in any common
framing) into records, and follows every handle from open to close as a
"sequence". This module loads the shared library and offers:

- ``records(source)``: a generator of one dict per event, the objects that
  ``handleaudit --records`` prints;
- ``correlate(source)``: a generator of one dict per ended sequence and
  per request that opened nothing (a denied 4656 or 4661, or one with
  HandleId 0: ``"type": "request"``), the objects that ``handleaudit``
  prints (sequences still open at the end of the input come last);
- ``Reader`` and ``Correlator``: streaming objects that you feed chunks cut
  anywhere, with Python callables as callbacks;
- ``Error``: the exception for the library's fatal errors, and
  ``Diagnostic``: a malformed event (or a repaired one) and where it is;
- ``write(source, file, format)`` and ``Writer``: the output formats the
  tool writes (``FORMATS``: JSON Lines, CSV, ECS, OCSF, Timesketch),
  made by the library.

Records, sequences and requests become dicts through the library's getter
functions (``ha_record_*``, ``ha_sequence_*``, ``ha_request_*``), the ones
any FFI user calls; they equal the JSON objects the library writes.

A *source* is a path (``str`` or ``os.PathLike``), the data itself
(``bytes``, ``bytearray``, ``memoryview``), or a binary file object. Files
are read in chunks of ``CHUNK_SIZE`` bytes, so memory stays bounded. A
Windows ``.evtx`` log (as a path, data or a file) is decoded by the library
itself, like any other stream.

Malformed events are skipped and the reading goes on; ``records()`` and
``correlate()`` then issue a ``MalformedEventWarning`` (a repaired event, a
``RepairedEventWarning``) unless ``on_error`` says otherwise: pass a
callable to take the ``Diagnostic`` yourself, or turn them into exceptions
with ``warnings.simplefilter("error", handleaudit.MalformedEventWarning)``.

The library is found, in this order, at the path in the
``HANDLEAUDIT_LIBRARY`` environment variable; in the folder it was
installed into, when ``meson install`` installed this module with it; by
the loader's own search (its path, ``ldconfig``'s cache); through
``ctypes.util.find_library('handleaudit')``; and in the ``lib`` folders of
the Python prefix and of the prefix this module sits in.

An object may be shared by threads: its calls are serialized (a call from
another thread waits for the one running; different objects are
independent). A callback must not call back into the object that called it
(``feed``, ``finish``, ``flush``, ``close``): that raises ``RuntimeError``.
To stop from a callback, raise: the exception comes out of the
``feed()``/``finish()``/``flush()`` that was running, and the object stays
usable (the next call goes on after the event that was being
delivered).
"""

import ctypes
import ctypes.util
import enum
import json
import os
import re
import sys
import threading
import warnings
import weakref
from typing import NamedTuple

__all__ = [
    "CHUNK_SIZE",
    "LIBRARY_VERSION",
    "LIBRARY_VERSION_NUMBER",
    "WRITTEN_FOR_VERSION",
    "Correlator",
    "Diagnostic",
    "Error",
    "EventWarning",
    "MalformedEventWarning",
    "RepairedEventWarning",
    "Reader",
    "Status",
    "FORMATS",
    "Writer",
    "correlate",
    "records",
    "strerror",
    "write",
]

#: The library version (``HA_VERSION_NUMBER`` form: MAJOR*10000 + MINOR*100 +
#: PATCH) this binding was written for; an older library is refused.
WRITTEN_FOR_VERSION = 300  # 0.3.0: the output formats (ha_output), snapshots through callbacks

#: How many bytes records() and correlate() read and feed at a time (1 MiB).
CHUNK_SIZE = 1 << 20

_READER_OPTIONS_VERSION = 2
_CORRELATOR_OPTIONS_VERSION = 3


# ---- loading --------------------------------------------------------------


if sys.platform == "darwin":
    _SONAMES = ("libhandleaudit.0.dylib", "libhandleaudit.dylib")
elif sys.platform == "win32":
    _SONAMES = ("handleaudit-0.dll", "libhandleaudit-0.dll", "handleaudit.dll")
else:
    _SONAMES = ("libhandleaudit.so.0",)


def _prefix_dirs():
    """lib folders of the Python prefix and of the prefix this module is in
    (PREFIX/lib/python3*/site-packages/handleaudit/__init__.py)."""
    here = os.path.dirname(os.path.abspath(__file__))
    prefixes = [sys.prefix, os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(here))))]
    dirs = []
    for prefix in prefixes:
        lib = os.path.join(prefix, "lib")
        dirs.append(lib)
        try:
            dirs += sorted(os.path.join(lib, d) for d in os.listdir(lib) if d.endswith("-linux-gnu"))
        except OSError:
            pass
        dirs.append(os.path.join(prefix, "lib64"))
    return dirs


def _candidates():
    """Where to look for the library, in order (see the module's doc)."""
    try:
        from . import _config  # written by meson install
        yield from (os.path.join(_config.LIBDIR, n) for n in _SONAMES)
    except ImportError:
        pass
    yield from _SONAMES  # the loader's own search
    name = ctypes.util.find_library("handleaudit")
    if name:
        yield name
    for d in _prefix_dirs():
        yield from (os.path.join(d, n) for n in _SONAMES)


def _load_library():
    path = os.environ.get("HANDLEAUDIT_LIBRARY")
    if path:
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            raise ImportError("handleaudit: cannot load HANDLEAUDIT_LIBRARY=%r: %s" % (path, e)) from e
    tried = []
    for name in _candidates():
        if os.path.isabs(name) and not os.path.exists(name):
            continue
        try:
            return ctypes.CDLL(name)
        except OSError as e:
            tried.append("%s (%s)" % (name, e))
    raise ImportError(
        "handleaudit: libhandleaudit not found; install it (meson install), or set HANDLEAUDIT_LIBRARY "
        "to the path of %s. Tried: %s" % (_SONAMES[0], "; ".join(tried) or "nothing found"))


_lib = _load_library()

_c_int, _c_uint, _c_size, _c_u32, _c_u64 = (ctypes.c_int, ctypes.c_uint, ctypes.c_size_t,
                                            ctypes.c_uint32, ctypes.c_uint64)
_c_i64 = ctypes.c_int64
_vp, _cp = ctypes.c_void_p, ctypes.c_char_p

# Callback types: int (*)(const ha_record *, void *), int (*)(const ha_diag *, void *),
# int (*)(const ha_sequence *, const ha_record *, void *).
_RecordCB = ctypes.CFUNCTYPE(_c_int, _vp, _vp)
_DiagCB = ctypes.CFUNCTYPE(_c_int, _vp, _vp)
_SequenceCB = ctypes.CFUNCTYPE(_c_int, _vp, _vp, _vp)
# int (*)(const ha_request *, void *)
_RequestCB = ctypes.CFUNCTYPE(_c_int, _vp, _vp)


class _ReaderOptions(ctypes.Structure):
    _fields_ = [
        ("version", _c_uint),
        ("on_record", _RecordCB),
        ("on_diag", _DiagCB),
        ("userdata", _vp),
        ("max_event_bytes", _c_size),
        ("max_field_bytes", _c_size),
        ("max_depth", _c_uint),
        ("allocator", _vp),
        ("flags", _c_u32),
    ]


_READER_STRICT = 1


class _CorrelatorOptions(ctypes.Structure):
    _fields_ = [
        ("version", _c_uint),
        ("on_open", _SequenceCB),
        ("on_access", _SequenceCB),
        ("on_end", _SequenceCB),
        ("userdata", _vp),
        ("max_open", _c_size),
        ("max_processes", _c_size),
        ("allocator", _vp),
        ("max_string_bytes", _c_size),
        ("reorder_window", _c_size),
        ("on_request", _RequestCB),  # version 3
    ]


def _declare(name, restype, *argtypes):
    try:
        f = getattr(_lib, name)
    except AttributeError as e:
        raise ImportError("handleaudit: the library lacks %s (too old?)" % name) from e
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_declare("ha_version_string", _cp)
_declare("ha_version_number", _c_u32)
_declare("ha_strerror", _cp, _c_int)
_declare("ha_diag_code", _c_int, _vp)
_declare("ha_diag_is_warning", _c_int, _vp)
_declare("ha_diag_message", _cp, _vp)
_declare("ha_diag_offset", _c_u64, _vp)
_declare("ha_diag_line", _c_u64, _vp)
_declare("ha_diag_column", _c_u64, _vp)
_declare("ha_diag_event_offset", _c_u64, _vp)
_declare("ha_record_json", _c_size, _vp, _cp, _c_size)
_declare("ha_sequence_json", _c_size, _vp, _cp, _c_size)
_declare("ha_request_json", _c_size, _vp, _cp, _c_size)
_declare("ha_end_name", _cp, _c_int)
_declare("ha_outcome_name", _cp, _c_int)
_declare("ha_time_format", _c_size, _c_i64, _cp, _c_size)
_declare("ha_access_right_name", _cp, _cp, _c_u32)
_declare("ha_field_from_name", _c_int, _cp)
_declare("ha_field_type_of", _c_int, _c_int)
for _name, _ret in (("event_id", _c_u32), ("version", _c_u32), ("record_id", _c_u64), ("computer", _vp),
                    ("time", _c_i64), ("audit", _c_int), ("data_count", _c_size)):
    _declare("ha_record_" + _name, _ret, _vp)
_declare("ha_record_data_name", _cp, _vp, _c_size)
_declare("ha_record_data_value", _vp, _vp, _c_size, ctypes.POINTER(_c_size))
for _name, _ret in (("computer", _vp), ("process_id", _c_u64), ("handle_id", _c_u64), ("logon_id", _c_u64),
                    ("opened", _c_int), ("end", _c_int), ("open_time", _c_i64), ("end_time", _c_i64),
                    ("duration", _c_i64), ("accesses", _c_u64), ("access_mask", _c_u32),
                    ("object_type", _vp), ("object_name", _vp), ("process_name", _vp),
                    ("process_command_line", _vp), ("deleted", _c_int), ("first_time", _c_i64),
                    ("last_time", _c_i64), ("requested_access", _c_u32), ("subject_user_sid", _vp),
                    ("subject_user_name", _vp), ("subject_domain_name", _vp), ("first_record_id", _c_u64),
                    ("last_record_id", _c_u64), ("duplicated", _c_int), ("source_process_id", _c_u64),
                    ("source_handle_id", _c_u64)):
    _declare("ha_sequence_" + _name, _ret, _vp)
for _name, _ret in (("outcome", _c_int), ("computer", _vp), ("process_id", _c_u64), ("handle_id", _c_u64),
                    ("logon_id", _c_u64), ("time", _c_i64), ("record_id", _c_u64), ("event_id", _c_u32),
                    ("requested_access", _c_u32), ("object_type", _vp), ("object_name", _vp),
                    ("process_name", _vp), ("process_command_line", _vp), ("subject_user_sid", _vp),
                    ("subject_user_name", _vp), ("subject_domain_name", _vp)):
    _declare("ha_request_" + _name, _ret, _vp)
# the output formats
_WriteCB = ctypes.CFUNCTYPE(_c_int, _vp, _c_size, _vp)
_declare("ha_format_from_name", _c_int, _cp)
_declare("ha_format_supports", _c_int, _c_int, _c_int)
_declare("ha_output_new", _c_int, _c_int, _WriteCB, _vp, _vp, ctypes.POINTER(_vp))
_declare("ha_output_free", None, _vp)
_declare("ha_output_begin", _c_int, _vp)
_declare("ha_output_end", _c_int, _vp)
_declare("ha_output_record", _c_int, _vp, _vp)
_declare("ha_output_sequence", _c_int, _vp, _vp)
_declare("ha_output_request", _c_int, _vp, _vp)
_declare("ha_reader_options_init", _c_int, ctypes.POINTER(_ReaderOptions), _c_uint)
_declare("ha_reader_new", _c_int, ctypes.POINTER(_ReaderOptions), ctypes.POINTER(_vp))
_declare("ha_reader_free", None, _vp)
_declare("ha_reader_feed", _c_int, _vp, _vp, _c_size)
_declare("ha_reader_finish", _c_int, _vp)
_declare("ha_reader_read_file", _c_int, _vp, _cp)
_declare("ha_reader_count", _c_u64, _vp, _c_int)
_declare("ha_reader_last_diag", _vp, _vp)
_declare("ha_correlator_options_init", _c_int, ctypes.POINTER(_CorrelatorOptions), _c_uint)
_declare("ha_correlator_new", _c_int, ctypes.POINTER(_CorrelatorOptions), ctypes.POINTER(_vp))
_declare("ha_correlator_free", None, _vp)
_declare("ha_correlator_flush", _c_int, _vp)
_declare("ha_correlator_count", _c_u64, _vp, _c_int)
_declare("ha_correlator_ended", _c_u64, _vp, _c_int)
_declare("ha_correlator_on_record", _c_int, _vp, _vp)
_declare("ha_correlator_event_ids", _c_size, ctypes.POINTER(ctypes.POINTER(_c_u32)))
_declare("ha_reader_set_event_filter", _c_int, _vp, ctypes.POINTER(_c_u32), _c_size)
# state snapshots: int (*)(const void *, size_t, void *), int (*)(void *, size_t, size_t *, void *)
_WriteCB = ctypes.CFUNCTYPE(_c_int, _vp, _c_size, _vp)
_ReadCB = ctypes.CFUNCTYPE(_c_int, _vp, _c_size, ctypes.POINTER(_c_size), _vp)
_declare("ha_correlator_save_to", _c_int, _vp, _WriteCB, _vp)
_declare("ha_correlator_load_from", _c_int, _vp, _ReadCB, _vp)
_declare("ha_correlator_load", _c_int, _vp, _cp, _c_size)
_declare("ha_correlator_save_file", _c_int, _vp, _cp)
_declare("ha_correlator_load_file", _c_int, _vp, _cp)
_declare("ha_correlator_last_diag", _vp, _vp)
_declare("ha_diag_path", _cp, _vp)
_declare("ha_evtx_supported", _c_int)

#: The library's version at run time, e.g. "0.1.0".
LIBRARY_VERSION = _lib.ha_version_string().decode("ascii", "replace")
#: The library's version at run time as MAJOR*10000 + MINOR*100 + PATCH.
LIBRARY_VERSION_NUMBER = int(_lib.ha_version_number())

if LIBRARY_VERSION_NUMBER < WRITTEN_FOR_VERSION or LIBRARY_VERSION_NUMBER // 10000 != WRITTEN_FOR_VERSION // 10000:
    raise ImportError("handleaudit: libhandleaudit %s found, this binding needs %d.%d.x with x >= %d"
                      % (LIBRARY_VERSION, WRITTEN_FOR_VERSION // 10000, WRITTEN_FOR_VERSION // 100 % 100,
                         WRITTEN_FOR_VERSION % 100))

# ha_correlator_on_record itself, as a reader's on_record: records go from the
# reader to the correlator without a trip through Python.
_correlator_on_record = _RecordCB(ctypes.cast(_lib.ha_correlator_on_record, _vp).value)


# ---- status codes and errors -------------------------------------------------


class Status(enum.IntEnum):
    """The library's status codes (``ha_status``): 0 or negative, fixed forever."""

    OK = 0
    ERR_NOMEM = -1
    ERR_INVALID = -2
    ERR_IO = -3
    ERR_XML = -4
    ERR_TRUNCATED = -5
    ERR_EVENT_TOO_LARGE = -6
    ERR_FIELD_TOO_LARGE = -7
    ERR_TOO_DEEP = -8
    ERR_DTD = -9
    ERR_NOT_EVENT = -10
    ERR_JUNK = -11
    ERR_BAD_VALUE = -12
    ERR_CONTROL_CHAR = -13
    ERR_NOT_FOUND = -14
    ERR_UNSUPPORTED = -15
    ERR_SNAPSHOT = -16
    ERR_SNAPSHOT_VERSION = -17
    ERR_LIMIT = -18


def _status(code):
    try:
        return Status(code)
    except ValueError:
        return int(code)


def strerror(code):
    """The library's short description of a status code (``ha_strerror``)."""
    return _lib.ha_strerror(int(code)).decode("utf-8", "replace")


class Error(Exception):
    """A fatal error of the library (a negative status such as ERR_NOMEM or ERR_IO).

    Attributes: ``code`` (a ``Status``), ``message`` (the library's text),
    and the position in the stream where it happened: ``offset`` (bytes from
    0), ``line`` and ``column`` (from 1; 0 when unknown, as for a read error
    part-way through a file opened by Python). For a state snapshot refused,
    ``offset`` is the byte of the snapshot where the problem was found and
    ``path`` the state file (or None).
    """

    def __init__(self, code, message, offset=0, line=0, column=0, path=None):
        code = _status(code)
        super().__init__(code, message, offset, line, column)
        self.code = code
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
        self.path = path  # the state file it concerns (Correlator.save_file, load_file), or None

    def __str__(self):
        name = self.code.name if isinstance(self.code, Status) else str(self.code)
        text = "%s [%s]" % (self.message, name)
        if self.line:
            text += " at line %d, column %d (byte %d)" % (self.line, self.column, self.offset)
        elif self.offset:
            text += " at byte %d" % self.offset
        return text


class EventWarning(UserWarning):
    """What ``records()`` and ``correlate()`` warn of by default, when no
    ``on_error`` was given: ``diagnostic`` is the ``Diagnostic``."""

    def __init__(self, diagnostic):
        super().__init__("%s at line %d, column %d (byte %d)" % (
            diagnostic.message, diagnostic.line, diagnostic.column, diagnostic.offset))
        self.diagnostic = diagnostic


class MalformedEventWarning(EventWarning):
    """A malformed event was skipped (the events around it were read)."""


class RepairedEventWarning(EventWarning):
    """An event was repaired (e.g. a control character XML forbids became
    U+FFFD) and delivered."""


def _warn(diag):
    warnings.warn((RepairedEventWarning if diag.is_warning else MalformedEventWarning)(diag), stacklevel=2)


class Diagnostic(NamedTuple):
    """A malformed event (an error: the event was skipped) or a repaired one
    (a warning: the event was still delivered), and where it was found.

    ``code`` is a ``Status``; ``offset`` counts bytes from 0, ``line`` and
    ``column`` (in bytes) from 1; ``event_offset`` is where the event it
    concerns begins.
    """

    code: int
    message: str
    offset: int
    line: int
    column: int
    is_warning: bool
    event_offset: int


def _diagnostic(d):
    return Diagnostic(
        _status(_lib.ha_diag_code(d)),
        _lib.ha_diag_message(d).decode("utf-8", "replace"),
        _lib.ha_diag_offset(d),
        _lib.ha_diag_line(d),
        _lib.ha_diag_column(d),
        bool(_lib.ha_diag_is_warning(d)),
        _lib.ha_diag_event_offset(d),
    )


def _error_from(reader, rc):
    """An Error for status `rc`, with the reader's last diagnostic when it is about it."""
    d = _lib.ha_reader_last_diag(reader) if reader else None
    if d and _lib.ha_diag_code(d) == rc:
        diag = _diagnostic(d)
        return Error(rc, diag.message, diag.offset, diag.line, diag.column)
    return Error(rc, strerror(rc))


# ---- callbacks ---------------------------------------------------------------
#
# One set of C callbacks for the whole module (kept alive by the module and by
# every object using them). `userdata` is an address that identifies the
# Python object: the address of a byte the object owns, or the address of its
# ha_correlator (which the correlator's reader receives). Both are addresses
# of live allocations, so they never collide. The table holds weak references
# so that the C side never keeps a Python object alive.

_objects = {}


def _lookup(userdata):
    ref = _objects.get(userdata)
    return ref() if ref is not None else None


def _c_on_record(rec, userdata):
    try:
        obj = _lookup(userdata)
        return obj._deliver_record(rec) if obj is not None else 1
    except BaseException:  # never let an exception cross into C
        return 1


def _c_on_diag(diag, userdata):
    try:
        obj = _lookup(userdata)
        return obj._deliver_diag(diag) if obj is not None else 1
    except BaseException:
        return 1


def _make_sequence_cb(kind):
    def cb(seq, rec, userdata):
        try:
            obj = _lookup(userdata)
            return obj._deliver_sequence(kind, seq, rec) if obj is not None else 1
        except BaseException:
            return 1
    return _SequenceCB(cb)


def _c_on_request(req, userdata):
    try:
        obj = _lookup(userdata)
        return obj._deliver_request(req) if obj is not None else 1
    except BaseException:
        return 1


_record_cb = _RecordCB(_c_on_record)
_request_cb = _RequestCB(_c_on_request)
_diag_cb = _DiagCB(_c_on_diag)
_open_cb = _make_sequence_cb("open")
_access_cb = _make_sequence_cb("access")
_end_cb = _make_sequence_cb("end")


# ---- records, sequences and requests as dicts, through the getters ---------------
#
# The dicts are the JSON objects the library writes (ha_record_json(), ...),
# key for key: bindings/python/tests/test_getters.py holds them to it.

_TIME_NONE = -(1 << 63)
_AUDIT_SUCCESS, _AUDIT_FAILURE = 1, 2
_TYPE_UINT = 2
_FIELD_TYPES = {}  # Data name -> whether its field is numeric (ha_field_type_of)


def _replace_each_byte(err):
    # what the library's JSON does with invalid UTF-8: U+FFFD for each byte
    return "\ufffd" * (err.end - err.start), err.end


import codecs  # noqa: E402
codecs.register_error("handleaudit.replace", _replace_each_byte)


def _text(ptr):
    """A NUL-terminated UTF-8 string from the library, or None."""
    return None if not ptr else ctypes.string_at(ptr).decode("utf-8", "handleaudit.replace")


def _time(ns):
    if ns == _TIME_NONE:
        return None
    buf = ctypes.create_string_buffer(32)
    n = _lib.ha_time_format(ns, buf, 32)
    return buf.raw[:n].decode("ascii")


def _access_names(object_type, mask):
    names = []
    for i in range(32):
        bit = 1 << i
        if mask & bit:
            name = _lib.ha_access_right_name(object_type, bit)
            names.append(name.decode("utf-8", "handleaudit.replace") if name else "0x%08x" % bit)
    return names


_WS = b" \t\r\n"
_HEXINT = re.compile(rb"0[xX][0-9a-fA-F]{1,16}\Z")  # how Windows writes HexInt32/64 and Pointer
_HEXNUM = re.compile(rb"0[xX]0*([0-9a-fA-F]{0,16})\Z")
_DECNUM = re.compile(rb"[0-9]+\Z")


def _parse_uint(b):
    """A numeric field's text as the library reads it (hex with 0x, or
    decimal): the number, None when empty, or the text when not a number."""
    if len(b) < 20 and _DECNUM.match(b):  # the common case
        return int(b)
    s = b.strip(_WS)
    if not s or s == b"-":
        return None
    if len(s) > 2 and s[0:1] == b"0" and s[1:2] in b"xX":
        m = _HEXNUM.match(s)
        return int(m.group(1) or b"0", 16) if m else b
    if not _DECNUM.match(s):
        return b
    v = int(s)
    return v if v < 1 << 64 else b


def _value(name, b):
    """A Data value as the JSON has it: null for "-", numbers for the
    numeric fields and for 0x... hex, else the text."""
    if b == b"-":
        return None
    numeric = _FIELD_TYPES.get(name)
    if numeric is None:
        numeric = _FIELD_TYPES[name] = _lib.ha_field_type_of(_lib.ha_field_from_name(name)) == _TYPE_UINT
    if numeric:
        v = _parse_uint(b)
        if not isinstance(v, bytes):
            return v
    elif _HEXINT.match(b):
        return int(b[2:], 16)
    return b.decode("utf-8", "handleaudit.replace")


def _record_dict(r):
    audit = _lib.ha_record_audit(r)
    fields = {}
    unnamed = 0
    n = _lib.ha_record_data_count(r)
    length = _c_size()
    plen = ctypes.byref(length)
    data_name, data_value, string_at = _lib.ha_record_data_name, _lib.ha_record_data_value, ctypes.string_at
    for i in range(n):
        name = data_name(r, i)
        ptr = data_value(r, i, plen)
        value = _value(name, string_at(ptr, length.value))
        if name:
            key = name.decode("utf-8", "handleaudit.replace")
        else:  # a Data without a Name: Data1, Data2, ...
            unnamed += 1
            key = "Data%d" % unnamed
        fields[key] = value
    record_id = _lib.ha_record_record_id(r)
    return {
        "type": "record",
        "event_id": _lib.ha_record_event_id(r),
        "version": _lib.ha_record_version(r),
        "record_id": record_id or None,  # the getter's 0: absent (an EventRecordID of 0 reads as absent)
        "computer": _text(_lib.ha_record_computer(r)),
        "time": _time(_lib.ha_record_time(r)),
        "success": None if audit not in (_AUDIT_SUCCESS, _AUDIT_FAILURE) else audit == _AUDIT_SUCCESS,
        "fields": fields,
    }


def _sequence_dict(s):
    L = _lib
    object_type = L.ha_sequence_object_type(s)
    duration = L.ha_sequence_duration(s)
    return {
        "type": "sequence",
        "computer": _text(L.ha_sequence_computer(s)),
        "process_id": L.ha_sequence_process_id(s),
        "handle_id": L.ha_sequence_handle_id(s),
        "logon_id": L.ha_sequence_logon_id(s),
        "opened": bool(L.ha_sequence_opened(s)),
        "end": L.ha_end_name(L.ha_sequence_end(s)).decode("ascii"),
        "open_time": _time(L.ha_sequence_open_time(s)),
        "end_time": _time(L.ha_sequence_end_time(s)),
        "duration_ns": None if duration == _TIME_NONE else duration,
        "accesses": L.ha_sequence_accesses(s),
        "access_mask": L.ha_sequence_access_mask(s),
        "object_type": _text(object_type),
        "object_name": _text(L.ha_sequence_object_name(s)),
        "process_name": _text(L.ha_sequence_process_name(s)),
        "process_command_line": _text(L.ha_sequence_process_command_line(s)),
        "deleted": bool(L.ha_sequence_deleted(s)),
        "first_time": _time(L.ha_sequence_first_time(s)),
        "last_time": _time(L.ha_sequence_last_time(s)),
        "requested_access": L.ha_sequence_requested_access(s),
        "subject_user_sid": _text(L.ha_sequence_subject_user_sid(s)),
        "subject_user_name": _text(L.ha_sequence_subject_user_name(s)),
        "subject_domain_name": _text(L.ha_sequence_subject_domain_name(s)),
        "first_record_id": L.ha_sequence_first_record_id(s),
        "last_record_id": L.ha_sequence_last_record_id(s),
        "duplicated_from": {"process_id": L.ha_sequence_source_process_id(s),
                            "handle_id": L.ha_sequence_source_handle_id(s)} if L.ha_sequence_duplicated(s) else None,
        "access_names": _access_names(object_type and ctypes.string_at(object_type), L.ha_sequence_access_mask(s)),
    }


def _request_dict(q):
    L = _lib
    object_type = L.ha_request_object_type(q)
    outcome = L.ha_outcome_name(L.ha_request_outcome(q))
    return {
        "type": "request",
        "computer": _text(L.ha_request_computer(q)),
        "process_id": L.ha_request_process_id(q),
        "handle_id": L.ha_request_handle_id(q),
        "logon_id": L.ha_request_logon_id(q),
        "time": _time(L.ha_request_time(q)),
        "outcome": outcome.decode("ascii"),
        "requested_access": L.ha_request_requested_access(q),
        "object_type": _text(object_type),
        "object_name": _text(L.ha_request_object_name(q)),
        "process_name": _text(L.ha_request_process_name(q)),
        "process_command_line": _text(L.ha_request_process_command_line(q)),
        "subject_user_sid": _text(L.ha_request_subject_user_sid(q)),
        "subject_user_name": _text(L.ha_request_subject_user_name(q)),
        "subject_domain_name": _text(L.ha_request_subject_domain_name(q)),
        "record_id": L.ha_request_record_id(q),
        "event_id": L.ha_request_event_id(q),
        "access_names": _access_names(object_type and ctypes.string_at(object_type),
                                      L.ha_request_requested_access(q)),
    }


class _JsonBuffer:
    """A growing buffer for ha_record_json()/ha_sequence_json(): the JSON the
    dicts are held to (tests), not the way they are made."""

    __slots__ = ("buf", "cap")

    def __init__(self, cap=1 << 14):
        self.cap = cap
        self.buf = ctypes.create_string_buffer(cap)

    def load(self, fn, obj):
        n = fn(obj, self.buf, self.cap)
        if n >= self.cap:
            self.cap = max(n + 1, 2 * self.cap)
            self.buf = ctypes.create_string_buffer(self.cap)
            n = fn(obj, self.buf, self.cap)
        return json.loads(ctypes.string_at(self.buf, n))


def _as_buffer(data):
    """(pointer-compatible object, length) for bytes-like `data`, copying only when needed."""
    if isinstance(data, bytes):
        return data, len(data)
    if isinstance(data, str):
        raise TypeError("feed() takes bytes-like data, not str")
    mv = memoryview(data)
    if not mv.c_contiguous:
        mv = memoryview(mv.tobytes())
    mv = mv.cast("B")
    n = mv.nbytes
    if n == 0:
        return None, 0
    if mv.readonly:
        b = mv.tobytes()
        return b, n
    return (ctypes.c_char * n).from_buffer(mv), n


def _check_size(name, value, ctype=_c_size):
    """`value` as the C field of type `ctype` takes it, never wrapped around."""
    value = int(value)
    top = (1 << (8 * ctypes.sizeof(ctype))) - 1
    if value < 0 or value > top:
        raise ValueError("%s must be 0 (the default) or a positive number up to %d" % (name, top))
    return value


class _Closing:
    """`with` support and a close() when garbage-collected, for objects that
    own library memory and have a close() that is safe to call twice."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class _Base(_Closing):
    """What Reader and Correlator share: callback plumbing, errors, lifetime."""

    _reader = None

    def _setup(self, on_error):
        self._on_error = on_error
        self._exc = None
        self._lock = threading.Lock()  # held by the thread inside a call on this object
        self._owner = None             # that thread's ident
        self._depth = 0                # its nested calls (flush() finishes, then flushes)
        self._in_c = False             # inside the C call: a callback is running
        self._pending = []
        self._keys = []
        self._writer = None
        self._probe = None  # tests: called with (kind, pointer, dict) for each object delivered
        self._anchor = ctypes.c_char()  # its address is our userdata
        self.errors = []
        self.warnings = []
        # Keep the C callbacks (and the function that frees) for as long as
        # the C objects live, even while the interpreter shuts down.
        self._callbacks = (_record_cb, _diag_cb, _open_cb, _access_cb, _end_cb, _request_cb, _correlator_on_record)
        self._registry = _objects

    def _register(self, key):
        self._keys.append(key)
        self._registry[key] = weakref.ref(self)

    def _store(self, exc):
        if self._exc is None:
            self._exc = exc
        elif hasattr(self._exc, "add_note"):
            self._exc.add_note("a later callback raised too: %r" % (exc,))

    def _deliver_diag(self, d):
        try:
            diag = _diagnostic(d)
            if self._on_error is not None:
                self._on_error(diag)
            elif diag.is_warning:
                self.warnings.append(diag)
            else:
                self.errors.append(diag)
            return 0
        except BaseException as e:
            self._store(e)
            return 1

    def _enter(self, what):
        """Take the object for this thread, waiting while another thread has it."""
        me = threading.get_ident()
        if self._owner == me:
            if self._in_c:
                raise RuntimeError("%s() called from one of this object's own callbacks" % what)
            self._depth += 1
            return
        self._lock.acquire()
        self._owner, self._depth = me, 1
        if self._reader is None:
            self._leave()
            raise ValueError("%s() on a closed %s" % (what, type(self).__name__))

    def _leave(self):
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self._lock.release()

    def _call(self, what, fn, *args):
        """Run one C call on the object; raise what a callback raised, or Error."""
        self._enter(what)
        try:
            self._in_c = True
            try:
                rc = fn(*args)
            finally:
                self._in_c = False
            return self._outcome(rc)  # still ours: its records, its exception
        finally:
            self._leave()

    def _outcome(self, rc):
        if self._exc is not None:
            exc, self._exc = self._exc, None
            if rc < 0 and hasattr(exc, "add_note"):
                exc.add_note("and the library failed: %s" % strerror(rc))
            raise exc
        if rc < 0:
            raise _error_from(self._reader, rc)
        if rc > 0:
            raise RuntimeError("the library stopped (status %d) with no exception to report" % rc)
        out, self._pending = self._pending, []
        return out

    def _feed(self, data):
        buf, n = _as_buffer(data)
        return self._call("feed", _lib.ha_reader_feed, self._reader, buf, n)

    def _finish(self):
        return self._call("finish", _lib.ha_reader_finish, self._reader)

    def _reader_counters(self):
        if self._reader is None:
            raise ValueError("counters of a closed %s" % type(self).__name__)
        names = ("bytes", "events", "errors", "warnings", "filtered")
        return {name: _lib.ha_reader_count(self._reader, i) for i, name in enumerate(names)}

    def _free_all(self):
        """Free the C objects exactly once; subclasses say which."""
        raise NotImplementedError

    def close(self):
        """Free the C objects. Safe to call more than once; the object is unusable after."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ failed before _setup
            self._free_all()
            return
        if self._owner == threading.get_ident():
            raise RuntimeError("close() called from one of this object's own callbacks")
        with lock:  # after a call another thread is making
            self._free_all()
        registry = getattr(self, "_registry", None)
        if registry is not None:
            for key in self._keys:
                registry.pop(key, None)
            self._keys = []



# ---- Reader --------------------------------------------------------------------


class Reader(_Base):
    """A streaming reader of event XML in any framing, fed in chunks cut anywhere.

    ``on_record(record)`` is called with one dict per event (the keys of
    ``handleaudit --records``: type, event_id, version, record_id, computer,
    time, success, fields). Without it, ``feed()`` and ``finish()`` return
    the records they completed, as a list.

    ``on_error(diagnostic)`` is called with a ``Diagnostic`` per malformed
    event (skipped) or warning (event repaired and delivered). Without it,
    they are collected in ``reader.errors`` and ``reader.warnings``.

    ``max_event_bytes``, ``max_field_bytes`` and ``max_depth`` bound what one
    event may take (0: the library's defaults, 4 MiB, 1 MiB and 32).

    ``writer`` (a ``Writer``) writes each record in its format, from the
    library; ``feed()`` then returns nothing (``on_record`` is still called).

    Use it as a context manager, or call ``close()``.
    """

    def __init__(self, on_record=None, on_error=None, max_event_bytes=0, max_field_bytes=0, max_depth=0,
                 strict=False, writer=None):
        self._reader = None
        self._free = _lib.ha_reader_free
        self._setup(on_error)
        self._writer = _check_writer(writer, "record")
        self._on_record = on_record
        opts = _ReaderOptions()
        rc = _lib.ha_reader_options_init(ctypes.byref(opts), _READER_OPTIONS_VERSION)
        if rc:
            raise Error(rc, strerror(rc))
        opts.on_record = _record_cb
        opts.on_diag = _diag_cb
        opts.userdata = ctypes.addressof(self._anchor)
        opts.max_event_bytes = _check_size("max_event_bytes", max_event_bytes)
        opts.max_field_bytes = _check_size("max_field_bytes", max_field_bytes)
        opts.max_depth = _check_size("max_depth", max_depth, _c_uint)
        opts.flags = _READER_STRICT if strict else 0
        out = _vp()
        rc = _lib.ha_reader_new(ctypes.byref(opts), ctypes.byref(out))
        if rc:
            raise Error(rc, strerror(rc))
        self._reader = out.value
        self._register(ctypes.addressof(self._anchor))

    def _deliver_record(self, rec):
        try:
            if self._writer is not None:
                self._writer._write(_lib.ha_output_record, rec)
                if self._on_record is None:
                    return 0
            record = _record_dict(rec)
            if self._probe is not None:
                self._probe("record", rec, record)
            if self._on_record is None:
                self._pending.append(record)
            else:
                self._on_record(record)
            return 0
        except BaseException as e:
            self._store(e)
            return 1

    def feed(self, data):
        """Feed the next bytes of the stream (bytes, bytearray, memoryview).

        Returns the records completed by this call when there is no
        ``on_record`` (else ``[]``). Raises what a callback raised, or
        ``Error`` on a fatal library error.
        """
        return self._feed(data)

    def finish(self):
        """End the stream: an incomplete event is reported as truncated.

        The reader is then ready for a new stream (offsets and lines start
        again). Returns like ``feed()``.
        """
        return self._finish()

    def read_file(self, path):
        """Read a whole file as one stream, through the library's own file
        reading (``ha_reader_read_file``), and finish it. Returns like
        ``feed()``; a file that cannot be opened or read raises ``Error``
        with ``Status.ERR_IO``. If a callback raises, the library drops the
        rest of the file.
        """
        return self._call("read_file", _lib.ha_reader_read_file, self._reader, os.fsencode(path))

    @property
    def counters(self):
        """A dict of the reader's lifetime counters: bytes, events, errors, warnings."""
        return self._reader_counters()

    def _free_all(self):
        ptr, self._reader = self._reader, None
        if ptr:
            self._free(ptr)


# ---- Correlator --------------------------------------------------------------


_END_NAMES = ("open", "close", "process_exit", "handle_reused", "evicted", "end_of_input")


class Correlator(_Base):
    """Follows every handle in a stream of event XML from open to close.

    Feed XML bytes in chunks cut anywhere with ``feed()``; an internal
    reader passes every record straight to the correlator (the library's
    ``ha_correlator_on_record``). Call ``flush()`` at the end of the input:
    the sequences still open end as ``"end_of_input"``.

    Callbacks receive ``(sequence, record)``: the sequence as a dict with
    the keys of the ``handleaudit`` JSON Lines, and the event responsible as
    a dict like ``Reader`` gives (``None`` when ``flush()`` ends the
    sequence). ``on_open`` when a sequence begins, ``on_access`` when a 4663
    or 4660 joins it, ``on_end`` when it ends. ``on_request(request)``
    receives each 4656 or 4661 that opened nothing, as a dict with the keys
    of the tool's ``"request"`` lines (``outcome`` is ``"failure"`` or
    ``"no_handle"``). Without ``on_end`` (``on_request``), ``feed()`` and
    ``flush()`` return the sequences that ended (the requests) as a list, in
    the order they came.

    ``max_open`` bounds the open sequences (0: the library's default); beyond
    it the one idle longest ends as ``"evicted"``. ``on_error``, and the
    keyword-only reader bounds, work as for ``Reader``; ``errors`` and
    ``warnings`` collect diagnostics when there is no ``on_error``. Events
    the correlator does not use are skipped unparsed (much faster), so a
    malformed one goes unreported unless ``strict=True``. ``reorder_window``
    holds up to that many events back to apply them in time order (and drops
    repeats); ``max_string_bytes`` bounds the strings kept (0: defaults).
    ``writer`` (a ``Writer``) writes each ended sequence and each request
    in its format, from the library; they are then not returned (the
    callbacks are still called).
    """

    def __init__(self, on_open=None, on_access=None, on_end=None, max_open=0, *, on_error=None,
                 max_processes=0, max_event_bytes=0, max_field_bytes=0, max_depth=0, strict=False,
                 reorder_window=0, max_string_bytes=0, on_request=None, writer=None):
        self._reader = None
        self._corr = None
        self._free_reader = _lib.ha_reader_free
        self._free_corr = _lib.ha_correlator_free
        self._setup(on_error)
        self._writer = _check_writer(writer, "sequence")
        self._sequence_cbs = {"open": on_open, "access": on_access, "end": on_end}
        self._on_request = on_request

        co = _CorrelatorOptions()
        rc = _lib.ha_correlator_options_init(ctypes.byref(co), _CORRELATOR_OPTIONS_VERSION)
        if rc:
            raise Error(rc, strerror(rc))
        if on_open is not None:  # else NULL, as ha_correlator_options_init left it
            co.on_open = _open_cb
        if on_access is not None:
            co.on_access = _access_cb
        co.on_end = _end_cb
        co.on_request = _request_cb
        co.userdata = ctypes.addressof(self._anchor)
        co.max_open = _check_size("max_open", max_open)
        co.max_processes = _check_size("max_processes", max_processes)
        co.reorder_window = _check_size("reorder_window", reorder_window)
        co.max_string_bytes = _check_size("max_string_bytes", max_string_bytes)
        ro = _ReaderOptions()
        rc = _lib.ha_reader_options_init(ctypes.byref(ro), _READER_OPTIONS_VERSION)
        if rc:
            raise Error(rc, strerror(rc))
        ro.max_event_bytes = _check_size("max_event_bytes", max_event_bytes)
        ro.max_field_bytes = _check_size("max_field_bytes", max_field_bytes)
        ro.max_depth = _check_size("max_depth", max_depth, _c_uint)
        ro.flags = _READER_STRICT if strict else 0

        out = _vp()
        rc = _lib.ha_correlator_new(ctypes.byref(co), ctypes.byref(out))
        if rc:
            raise Error(rc, strerror(rc))
        self._corr = out.value
        # The reader's one userdata must be the correlator (for
        # ha_correlator_on_record), so its diagnostics find us by that address.
        ro.on_record = _correlator_on_record
        ro.on_diag = _diag_cb
        ro.userdata = self._corr
        out = _vp()
        rc = _lib.ha_reader_new(ctypes.byref(ro), ctypes.byref(out))
        if rc:
            self._free_all()
            raise Error(rc, strerror(rc))
        self._reader = out.value
        self._register(ctypes.addressof(self._anchor))
        self._register(self._corr)
        # events the correlator does not use are skipped unparsed
        ids = ctypes.POINTER(_c_u32)()
        n = _lib.ha_correlator_event_ids(ctypes.byref(ids))
        rc = _lib.ha_reader_set_event_filter(self._reader, ids, n)
        if rc:
            self._free_all()
            raise Error(rc, strerror(rc))

    def _deliver_sequence(self, kind, seq, rec):
        try:
            cb = self._sequence_cbs[kind]
            if self._writer is not None and kind == "end":
                self._writer._write(_lib.ha_output_sequence, seq)
                if cb is None:
                    return 0
            sequence = _sequence_dict(seq)
            if self._probe is not None:
                self._probe("sequence", seq, sequence)
            if cb is None:
                self._pending.append(sequence)
            else:
                cb(sequence, _record_dict(rec) if rec else None)
            return 0
        except BaseException as e:
            self._store(e)
            return 1

    def _deliver_request(self, req):
        try:
            if self._writer is not None:
                self._writer._write(_lib.ha_output_request, req)
                if self._on_request is None:
                    return 0
            request = _request_dict(req)
            if self._probe is not None:
                self._probe("request", req, request)
            if self._on_request is None:
                self._pending.append(request)
            else:
                self._on_request(request)
            return 0
        except BaseException as e:
            self._store(e)
            return 1

    def feed(self, data):
        """Feed the next bytes of the XML stream (bytes, bytearray, memoryview).

        Returns the sequences this call ended when there is no ``on_end``
        and the requests that opened nothing when there is no
        ``on_request`` (else ``[]``). Raises what a callback raised (the record being
        applied was applied whole; the next call goes on after it), or
        ``Error`` on a fatal library error.
        """
        return self._feed(data)

    def flush(self):
        """End of input: finish the XML stream, then end every open sequence
        as ``"end_of_input"``. Returns like ``feed()``. If a callback raises,
        call ``flush()`` again to end the rest. The correlator can then be
        fed a new stream.
        """
        # What the reader's finish ended waits with the rest, so that nothing
        # is lost if the flush itself raises.
        self._enter("flush")  # both calls, with no other thread's between them
        try:
            self._pending = self._finish() + self._pending
            return self._call("flush", _lib.ha_correlator_flush, self._corr)
        finally:
            self._leave()

    def read_file(self, path):
        """Feed a whole file (XML, or .evtx when the library reads it) through
        the library's own file reading (``ha_reader_read_file``). Returns like
        ``feed()``; call ``flush()`` at the end of the input as usual."""
        return self._call("read_file", _lib.ha_reader_read_file, self._reader, os.fsencode(path))

    # ---- state snapshots (docs/state.md)

    def save(self, file=None):
        """The correlator's state (open sequences, processes, the reorder
        window, counters) as a snapshot: ``bytes``, or written to ``file`` (a
        binary file object) as it is made, 64 KiB at a time. Call it between
        whole events: bytes of an event not yet complete are not in it."""
        chunks = []
        out = chunks.append if file is None else file.write

        def write(data, n, _userdata):
            try:
                out(ctypes.string_at(data, n))
                return 0
            except BaseException as e:
                self._store(e)
                return 1

        cb = _WriteCB(write)
        self._snapshot_call("save", _lib.ha_correlator_save_to, self._corr, cb, None)
        return b"".join(chunks) if file is None else None

    def load(self, source):
        """Replace the correlator's state with a snapshot: ``bytes`` (or any
        bytes-like object) or a binary file object read to its end. Raises
        ``Error`` (ERR_SNAPSHOT, ERR_SNAPSHOT_VERSION, ERR_LIMIT), with the
        byte where the problem was found, and the state stays as it was."""
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            return self._snapshot_call("load", _lib.ha_correlator_load, self._corr, data, len(data))
        readinto = getattr(source, "readinto", None)

        def read(buf, cap, got, _userdata):
            try:
                view = (ctypes.c_char * cap).from_address(buf)
                if readinto is not None:
                    n = readinto(memoryview(view).cast("B")) or 0
                else:
                    b = source.read(cap)
                    n = len(b)
                    ctypes.memmove(buf, b, n)
                got[0] = n
                return 0
            except BaseException as e:
                self._store(e)
                return 1

        cb = _ReadCB(read)
        self._snapshot_call("load", _lib.ha_correlator_load_from, self._corr, cb, None)

    def save_file(self, path):
        """``save()`` into a file, atomically (a temporary file beside it,
        synced, renamed over it; on failure the old file stays). Raises
        ``Error`` (ERR_IO) with the system's reason and ``path``."""
        self._snapshot_call("save_file", _lib.ha_correlator_save_file, self._corr, os.fsencode(path))

    def load_file(self, path):
        """``load()`` from a file. Raises ``Error`` as ``load()``, or ERR_IO
        with the system's reason and ``path``."""
        self._snapshot_call("load_file", _lib.ha_correlator_load_file, self._corr, os.fsencode(path))

    def _snapshot_call(self, what, fn, *args):
        self._enter(what)
        try:
            self._in_c = True
            try:
                rc = fn(*args)
            finally:
                self._in_c = False
            if self._exc is not None:
                exc, self._exc = self._exc, None
                raise exc
            if rc < 0:
                d = _lib.ha_correlator_last_diag(self._corr)
                if d and _lib.ha_diag_code(d) == rc:
                    p = _lib.ha_diag_path(d)
                    raise Error(rc, _lib.ha_diag_message(d).decode("utf-8", "replace"), _lib.ha_diag_offset(d),
                                path=os.fsdecode(p) if p is not None else None)
                raise Error(rc, strerror(rc))
            if rc > 0:
                raise RuntimeError("the library stopped (status %d) with no exception to report" % rc)
        finally:
            self._leave()

    @property
    def counters(self):
        """A dict of counters: the reader's (bytes, events, errors, warnings), the
        correlator's (records, unusable, failed_opens, open, processes,
        sequences) and, under ``ended``, the sequences ended per reason."""
        counts = self._reader_counters()
        for i, name in enumerate(("records", "unusable", "failed_opens", "open", "processes", "sequences")):
            counts[name] = _lib.ha_correlator_count(self._corr, i)
        counts["ended"] = {name: _lib.ha_correlator_ended(self._corr, i)
                           for i, name in enumerate(_END_NAMES) if i}
        return counts

    def _free_all(self):
        reader, self._reader = self._reader, None
        corr, self._corr = self._corr, None
        if reader:
            self._free_reader(reader)  # first: it points at the correlator
        if corr:
            self._free_corr(corr)


# ---- output formats ----------------------------------------------------------------

#: The output formats, as ``Writer`` and ``write()`` take them (``json`` is
#: also accepted for ``jsonl``).
FORMATS = ("jsonl", "csv", "ecs", "ocsf", "timesketch")
_KIND = {"record": 1, "sequence": 2, "request": 3}


def _c_write(data, length, userdata):
    try:
        w = _lookup(userdata)
        if w is None:
            return 1
        w._file.write(ctypes.string_at(data, length))
        return 0
    except BaseException as e:  # never let an exception cross into C
        w = _lookup(userdata)
        if w is not None:
            w._exc = e
        return 1


_write_cb = _WriteCB(_c_write)


class Writer(_Closing):
    """Lines of one output format (``FORMATS``), made by the library
    (``ha_output_*``) and written to ``file``, a binary file object (or
    anything with ``write(bytes)``).

    Give it to ``Reader`` or ``Correlator`` as ``writer=``, or use
    ``write()``. ``close()`` ends the output (an empty CSV still gets its
    header) and does not close ``file``. A format without a form for records
    (csv, ocsf) refuses to be a Reader's writer.
    """

    def __init__(self, format, file):
        fmt = _lib.ha_format_from_name(str(format).encode("ascii", "replace"))
        if not fmt:
            raise ValueError("unknown format %r (one of %s)" % (format, ", ".join(FORMATS)))
        self.format = "jsonl" if format == "json" else format
        self._fmt = fmt
        self._file = file
        self._exc = None
        self._out = None
        self._anchor = ctypes.c_char()
        self._key = ctypes.addressof(self._anchor)
        self._callback = _write_cb
        out = _vp()
        rc = _lib.ha_output_new(fmt, _write_cb, self._key, None, ctypes.byref(out))
        if rc:
            raise Error(rc, strerror(rc))
        self._out = out.value
        _objects[self._key] = weakref.ref(self)
        self._check(_lib.ha_output_begin(self._out))

    def supports(self, kind):
        """Whether the format writes "record", "sequence" or "request" objects."""
        return bool(_lib.ha_format_supports(self._fmt, _KIND[kind]))

    def _check(self, rc):
        if self._exc is not None:
            exc, self._exc = self._exc, None
            raise exc
        if rc < 0:
            raise Error(rc, strerror(rc))
        if rc > 0:
            raise RuntimeError("the output stopped (status %d)" % rc)

    def _write(self, fn, obj):
        if self._out is None:
            raise ValueError("write to a closed Writer")
        self._check(fn(self._out, obj))

    def close(self):
        """End the output and free it; safe to call more than once."""
        out, self._out = self._out, None
        if out is None:
            return
        try:
            self._check(_lib.ha_output_end(out))
        finally:
            _lib.ha_output_free(out)
            _objects.pop(self._key, None)


def _check_writer(writer, kind):
    if writer is None:
        return None
    if not isinstance(writer, Writer):
        raise TypeError("writer must be a handleaudit.Writer, not %s" % type(writer).__name__)
    if not writer.supports(kind):
        raise ValueError("the %s format has no form for %ss" % (writer.format, kind))
    return writer


def write(source, file, format="jsonl", *, records=False, on_error=None, chunk_size=CHUNK_SIZE, **options):
    """Write `source`'s sequences and requests (its records with
    ``records=True``) to `file` in `format`, the lines ``handleaudit
    --format=FORMAT`` prints. `file` is a path or a binary file object;
    `source`, `on_error`, `chunk_size` and ``options`` are as for
    ``correlate()`` (``records()`` with ``records=True``).
    """
    if isinstance(file, (str, os.PathLike)):
        with open(file, "wb") as f:
            return write(source, f, format, records=records, on_error=on_error, chunk_size=chunk_size, **options)
    with Writer(format, file) as writer:
        if records:
            obj = Reader(on_error=on_error or _warn, writer=writer, **options)
            with obj:
                for chunk in _chunks(source, chunk_size):
                    obj.feed(chunk)
                obj.finish()
        else:
            with Correlator(on_error=on_error or _warn, writer=writer, **options) as corr:
                for chunk in _chunks(source, chunk_size):
                    corr.feed(chunk)
                corr.flush()


# ---- generators ----------------------------------------------------------------


def _io_error(what, path, err, offset=0, line=1, column=1):
    # The same text and place as the library's own (ha_reader_read_file):
    # "cannot open PATH: reason", at the stream's start when it never opened.
    return Error(Status.ERR_IO, "%s %s: %s" % (what, os.fsdecode(path), err.strerror or err), offset, line, column)


def _chunks(source, size):
    if isinstance(source, (bytes, bytearray, memoryview)):
        mv = memoryview(source)
        if not mv.c_contiguous:
            mv = memoryview(mv.tobytes())
        mv = mv.cast("B")
        for i in range(0, mv.nbytes, size):
            yield mv[i:i + size]
        return
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        try:
            f = open(path, "rb")
        except OSError as e:
            raise _io_error("cannot open", path, e) from e
        with f:
            done = 0
            while True:
                try:
                    chunk = f.read(size)
                except OSError as e:
                    raise _io_error("cannot read", path, e, done, 0, 0) from e
                if not chunk:
                    return
                done += len(chunk)
                yield chunk
        return
    if hasattr(source, "read"):
        while True:
            chunk = source.read(size)
            if not chunk:
                return
            yield chunk
    raise TypeError("a source is a path, bytes-like data or a binary file, not %s" % type(source).__name__)


def records(source, *, on_error=None, chunk_size=CHUNK_SIZE, **reader_options):
    """Yield one dict per event in `source`, the objects ``handleaudit --records`` prints.

    `source` is a path (str or os.PathLike), bytes-like data, or a binary
    file object; it is read in chunks of `chunk_size` bytes and records are
    yielded as each chunk is parsed. Malformed events are skipped, each with
    a ``MalformedEventWarning`` (a repaired one: ``RepairedEventWarning``);
    pass ``on_error`` (a callable taking a ``Diagnostic``) to take them
    instead, e.g. ``on_error=lambda d: None`` to ignore them.
    ``reader_options`` go to ``Reader`` (max_event_bytes, ...). A file that
    cannot be read raises ``Error`` with ``Status.ERR_IO``.
    """
    with Reader(on_error=on_error or _warn, **reader_options) as reader:
        for chunk in _chunks(source, chunk_size):
            yield from reader.feed(chunk)
        yield from reader.finish()


def correlate(source, *, max_open=0, on_error=None, chunk_size=CHUNK_SIZE, **options):
    """Yield one dict per ended sequence and per request that opened
    nothing in `source`, the objects ``handleaudit`` prints.

    Sequences (``"type": "sequence"``) come in the order they end, requests
    (``"type": "request"``: a denied 4656 or 4661, or one with HandleId 0)
    in input order among them; the sequences still open at the end of the
    input come last (``"end_of_input"``). `source`, `on_error` and
    `chunk_size` are as for ``records()``; `max_open` and ``options``
    (max_processes, max_event_bytes, ...) go to ``Correlator``.
    """
    with Correlator(max_open=max_open, on_error=on_error or _warn, **options) as corr:
        for chunk in _chunks(source, chunk_size):
            yield from corr.feed(chunk)
        yield from corr.flush()
