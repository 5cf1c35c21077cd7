/*
 * libhandleaudit: Windows Security audit events (4656, 4663, 4658, 4688 and
 * their companions) read from XML into typed records, and every handle
 * followed from open to close.
 *
 * SPDX-License-Identifier: MIT
 */
/**
 * @file handleaudit.h
 * @brief The stable API of libhandleaudit.
 *
 * What this header declares is kept from release to release (docs/abi.md).
 * The parts that are not settled yet (rules and alerts) are in
 * handleaudit/experimental.h, which a program includes after defining
 * `HA_EXPERIMENTAL_API`, accepting that they may change in any minor
 * release.
 *
 * Conventions (see docs/abi.md and docs/threading.md):
 *  - Objects are opaque and created by `ha_<object>_new()`, destroyed by
 *    `ha_<object>_free()`; freeing NULL does nothing.
 *  - Functions that can fail return an `int`: #HA_OK (0) or a negative
 *    #ha_status. A callback that returns non-zero stops the call that invoked
 *    it, and that call returns the callback's value unchanged (so return a
 *    positive value to stop, and you can tell it from the library's errors).
 *  - `void *userdata` is always the last argument of a callback.
 *  - Strings are UTF-8 and NUL-terminated. What a callback receives is
 *    borrowed until the callback returns; copy it to keep it.
 *  - No global state: different objects may be used from different threads
 *    at the same time; one object is used by one thread at a time.
 *  - The library never prints, exits or aborts.
 */
#ifndef HANDLEAUDIT_H
#define HANDLEAUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @cond INTERNAL */
#if defined(_WIN32) && defined(HA_BUILDING_DLL)
#define HA_API __declspec(dllexport)
#elif defined(_WIN32) && defined(HA_DLL)
#define HA_API __declspec(dllimport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define HA_API __attribute__((visibility("default")))
#else
#define HA_API
#endif
/** @endcond */

/* ------------------------------------------------------------------------ */
/** @defgroup version Version
 *  @{ */

/** Major version: changes when the ABI breaks. */
#define HA_VERSION_MAJOR 0
/** Minor version: changes when functions or enum values are added. */
#define HA_VERSION_MINOR 3
/** Patch version: changes for fixes only. */
#define HA_VERSION_PATCH 0
/** The version as one number: MAJOR * 10000 + MINOR * 100 + PATCH. */
#define HA_VERSION_NUMBER (HA_VERSION_MAJOR * 10000 + HA_VERSION_MINOR * 100 + HA_VERSION_PATCH)

/** The library's version at run time, e.g. "0.1.0". Static storage. */
HA_API const char *ha_version_string(void);
/** The library's version at run time as #HA_VERSION_NUMBER computes it. */
HA_API uint32_t ha_version_number(void);
/** @} */

/* ------------------------------------------------------------------------ */
/** @defgroup errors Status codes
 *  @{ */

/** Status codes. Values are fixed forever; new ones are only appended. */
typedef enum ha_status {
    HA_OK = 0,                      /**< success */
    HA_ERR_NOMEM = -1,              /**< an allocation failed */
    HA_ERR_INVALID = -2,            /**< invalid argument, or a call out of order */
    HA_ERR_IO = -3,                 /**< reading or writing a file failed */
    HA_ERR_XML = -4,                /**< an event is not well-formed XML */
    HA_ERR_TRUNCATED = -5,          /**< an event ended before its `</Event>` */
    HA_ERR_EVENT_TOO_LARGE = -6,    /**< an event exceeds the bytes-per-event limit */
    HA_ERR_FIELD_TOO_LARGE = -7,    /**< a value exceeds the bytes-per-field limit */
    HA_ERR_TOO_DEEP = -8,           /**< elements nest deeper than the depth limit */
    HA_ERR_DTD = -9,                /**< a DOCTYPE or entity declaration (refused) */
    HA_ERR_NOT_EVENT = -10,         /**< well-formed, but no `System/EventID` */
    HA_ERR_JUNK = -11,              /**< bytes outside any event that no known framing explains */
    HA_ERR_BAD_VALUE = -12,         /**< a value could not be parsed (a warning) */
    HA_ERR_CONTROL_CHAR = -13,      /**< a forbidden control character became U+FFFD (a warning) */
    HA_ERR_NOT_FOUND = -14,         /**< the field or item is absent */
    HA_ERR_UNSUPPORTED = -15,       /**< not available in this build */
    HA_ERR_SNAPSHOT = -16,          /**< a state snapshot is not one, or is corrupt or truncated */
    HA_ERR_SNAPSHOT_VERSION = -17,  /**< a state snapshot was written by a newer version */
    HA_ERR_LIMIT = -18,             /**< a configured bound was reached */
    HA_ERR_EVTX = -19               /**< a .evtx structure is damaged (signature, checksum, size or token) */
} ha_status;

/**
 * A short static description of a status code (never NULL; unknown codes
 * give "unknown status").
 */
HA_API const char *ha_strerror(int code);
/** @} */

/* ------------------------------------------------------------------------ */
/** @defgroup alloc Memory allocation
 *  @{ */

/**
 * Where an object's memory comes from. All three functions receive `ctx`.
 * `realloc_fn(NULL, n, ctx)` must behave as `malloc_fn(n, ctx)`. Returning
 * NULL is allowed at any time: the call that needed the memory returns
 * #HA_ERR_NOMEM and the object stays usable and freeable.
 */
typedef struct ha_allocator {
    void *(*malloc_fn)(size_t size, void *ctx);             /**< like malloc() */
    void *(*realloc_fn)(void *ptr, size_t size, void *ctx); /**< like realloc() */
    void (*free_fn)(void *ptr, void *ctx);                  /**< like free(); never given NULL */
    void *ctx;                                              /**< passed to the three */
} ha_allocator;
/** @} */

/* ------------------------------------------------------------------------ */
/** @defgroup diag Diagnostics
 *  A diagnostic is an error (a malformed event, skipped) or a warning (an
 *  event read with a repair, e.g. a control character replaced), with the
 *  position in the input where it was found.
 *  @{ */

/** An error or warning found in the input. Borrowed; see the getters. */
typedef struct ha_diag ha_diag;

/** The #ha_status code of the diagnostic. */
HA_API int ha_diag_code(const ha_diag *diag);
/** 1 for a warning (the event was still delivered), 0 for an error. */
HA_API int ha_diag_is_warning(const ha_diag *diag);
/** A message, e.g. expat's "mismatched tag". Never NULL. */
HA_API const char *ha_diag_message(const ha_diag *diag);
/** Byte offset in the stream (from 0) where the problem was found. */
HA_API uint64_t ha_diag_offset(const ha_diag *diag);
/** Line (from 1) of that byte; 0 in a .evtx stream, which has no lines. */
HA_API uint64_t ha_diag_line(const ha_diag *diag);
/** Column (from 1, counted in bytes) of that byte; 0 in a .evtx stream. */
HA_API uint64_t ha_diag_column(const ha_diag *diag);
/** Byte offset where the event it concerns begins (its `<Event`), or the
 *  diagnostic's own offset when it concerns no event. */
HA_API uint64_t ha_diag_event_offset(const ha_diag *diag);
/** The file the diagnostic concerns (a state file that cannot be read or
 *  written, or whose snapshot is refused), or NULL. A reader's I/O errors
 *  name their file in the message. Lives as long as the diagnostic. */
HA_API const char *ha_diag_path(const ha_diag *diag);
/** @} */

/* ------------------------------------------------------------------------ */
/** @defgroup record Records
 *  One event, typed. A record passed to a callback is borrowed until the
 *  callback returns; ha_record_copy() keeps one.
 *  @{ */

/** One event read from the input. */
typedef struct ha_record ha_record;

/** Time values are signed nanoseconds since 1970-01-01T00:00:00Z; this one
 *  means "absent". */
#define HA_TIME_NONE INT64_MIN

/** The audit outcome from the Keywords bits 53 (success) and 52 (failure). */
typedef enum ha_audit {
    HA_AUDIT_NONE = 0,     /**< neither bit set (e.g. a non-audit event) */
    HA_AUDIT_SUCCESS = 1,  /**< Audit Success */
    HA_AUDIT_FAILURE = 2   /**< Audit Failure */
} ha_audit;

/**
 * Write a time as `YYYY-MM-DDTHH:MM:SS.fffffffZ` (7 fractional digits, UTC,
 * the form of the JSON output). Works like snprintf(); returns 28, or 0
 * for #HA_TIME_NONE (and writes "").
 */
HA_API size_t ha_time_format(int64_t time, char *buf, size_t cap);

/** `System/EventID` (e.g. 4656). */
HA_API uint32_t ha_record_event_id(const ha_record *rec);
/** `System/Version` (0 when absent). */
HA_API uint32_t ha_record_version(const ha_record *rec);
/** `System/Level`. */
HA_API uint32_t ha_record_level(const ha_record *rec);
/** `System/Task`: the audit subcategory (e.g. 12800 File System). */
HA_API uint32_t ha_record_task(const ha_record *rec);
/** `System/Opcode`. */
HA_API uint32_t ha_record_opcode(const ha_record *rec);
/** `System/Keywords` as a number. */
HA_API uint64_t ha_record_keywords(const ha_record *rec);
/** Success or failure, from the Keywords bits. */
HA_API ha_audit ha_record_audit(const ha_record *rec);
/** `System/TimeCreated/@SystemTime` in nanoseconds since 1970 UTC, or
 *  #HA_TIME_NONE. */
HA_API int64_t ha_record_time(const ha_record *rec);
/** `System/EventRecordID` (0 when absent). */
HA_API uint64_t ha_record_record_id(const ha_record *rec);
/** `System/Execution/@ProcessID`: the process that logged the event. */
HA_API uint32_t ha_record_execution_process_id(const ha_record *rec);
/** `System/Execution/@ThreadID`. */
HA_API uint32_t ha_record_execution_thread_id(const ha_record *rec);
/** `System/Channel`, or NULL when absent. */
HA_API const char *ha_record_channel(const ha_record *rec);
/** `System/Computer`, or NULL when absent. */
HA_API const char *ha_record_computer(const ha_record *rec);
/** `System/Provider/@Name`, or NULL. */
HA_API const char *ha_record_provider_name(const ha_record *rec);
/** `System/Provider/@Guid` as written, or NULL. */
HA_API const char *ha_record_provider_guid(const ha_record *rec);
/** `System/Security/@UserID`, or NULL when absent or empty. */
HA_API const char *ha_record_user_id(const ha_record *rec);
/** Byte offset of the event's `<Event` in its stream (of the record's
 *  header in a .evtx stream). */
HA_API uint64_t ha_record_offset(const ha_record *rec);
/** Line (from 1) of the event's `<Event` in its stream; 0 in a .evtx stream. */
HA_API uint64_t ha_record_line(const ha_record *rec);

/**
 * The documented EventData fields of the handle family, named once so that
 * they can be read without string compares. Any event that carries a Data
 * element of one of these names has it available through the typed getters,
 * whatever its EventID.
 *
 * This table is the one place a field is defined: the ::ha_field enum, and
 * in the library ha_field_name(), ha_field_from_name() and
 * ha_field_type_of(), are all made from it (docs/extending.md, "How to add
 * a field"). Each row is `X(ENUM, value, "DataName", TYPE)`: the enum
 * constant `HA_FIELD_<ENUM>` with its value, the `Name` of the Data element
 * (case-sensitive, as Windows writes it), and how the value is typed
 * (`HA_TYPE_<TYPE>`). Values are fixed forever; new rows are appended with
 * the next value.
 */
#define HA_FIELD_TABLE(X) \
    X(SUBJECT_USER_SID, 1, "SubjectUserSid", STRING)          /* SID string */ \
    X(SUBJECT_USER_NAME, 2, "SubjectUserName", STRING)        \
    X(SUBJECT_DOMAIN_NAME, 3, "SubjectDomainName", STRING)    \
    X(SUBJECT_LOGON_ID, 4, "SubjectLogonId", UINT)            /* number (HexInt64) */ \
    X(OBJECT_SERVER, 5, "ObjectServer", STRING)               \
    X(OBJECT_TYPE, 6, "ObjectType", STRING)                   \
    X(OBJECT_NAME, 7, "ObjectName", STRING)                   \
    X(HANDLE_ID, 8, "HandleId", UINT)                         /* number (Pointer) */ \
    X(TRANSACTION_ID, 9, "TransactionId", STRING)             /* GUID string */ \
    X(ACCESS_LIST, 10, "AccessList", STRING)                  /* `%%nnnn` tokens; see ha_record_access_count() */ \
    X(ACCESS_REASON, 11, "AccessReason", STRING)              \
    X(ACCESS_MASK, 12, "AccessMask", UINT)                    /* number (HexInt32) */ \
    X(PRIVILEGE_LIST, 13, "PrivilegeList", STRING)            \
    X(RESTRICTED_SID_COUNT, 14, "RestrictedSidCount", UINT)   /* number (UInt32, decimal) */ \
    X(PROCESS_ID, 15, "ProcessId", UINT)                      /* number (Pointer) */ \
    X(PROCESS_NAME, 16, "ProcessName", STRING)                \
    X(RESOURCE_ATTRIBUTES, 17, "ResourceAttributes", STRING)  \
    X(NEW_PROCESS_ID, 18, "NewProcessId", UINT)               /* number (Pointer) */ \
    X(NEW_PROCESS_NAME, 19, "NewProcessName", STRING)         \
    X(TOKEN_ELEVATION_TYPE, 20, "TokenElevationType", STRING) /* `%%1936`, `%%1937` or `%%1938` */ \
    X(COMMAND_LINE, 21, "CommandLine", STRING)                \
    X(TARGET_USER_SID, 22, "TargetUserSid", STRING)           \
    X(TARGET_USER_NAME, 23, "TargetUserName", STRING)         \
    X(TARGET_DOMAIN_NAME, 24, "TargetDomainName", STRING)     \
    X(TARGET_LOGON_ID, 25, "TargetLogonId", UINT)             /* number (HexInt64) */ \
    X(PARENT_PROCESS_NAME, 26, "ParentProcessName", STRING)   \
    X(MANDATORY_LABEL, 27, "MandatoryLabel", STRING)          /* SID string, e.g. S-1-16-8192 */ \
    X(STATUS, 28, "Status", UINT)                             /* number (HexInt32) */ \
    X(SOURCE_HANDLE_ID, 29, "SourceHandleId", UINT)           /* number (Pointer) */ \
    X(SOURCE_PROCESS_ID, 30, "SourceProcessId", UINT)         /* number (Pointer) */ \
    X(TARGET_HANDLE_ID, 31, "TargetHandleId", UINT)           /* number (Pointer) */ \
    X(TARGET_PROCESS_ID, 32, "TargetProcessId", UINT)         /* number (Pointer) */ \
    X(PROPERTIES, 33, "Properties", STRING)                   /* 4661 */ \
    X(OBJECT_VALUE_NAME, 34, "ObjectValueName", STRING)       /* 4657 */ \
    X(OPERATION_TYPE, 35, "OperationType", STRING)            /* 4657 */ \
    X(OLD_VALUE_TYPE, 36, "OldValueType", STRING)             /* 4657 */ \
    X(OLD_VALUE, 37, "OldValue", STRING)                      /* 4657 */ \
    X(NEW_VALUE_TYPE, 38, "NewValueType", STRING)             /* 4657 */ \
    X(NEW_VALUE, 39, "NewValue", STRING)                      /* 4657 */

/** @cond INTERNAL */
#define HA_FIELD_ENUM_ROW_(name, value, data_name, type) HA_FIELD_##name = value,
/** @endcond */

/** A known EventData field: one per row of #HA_FIELD_TABLE. */
typedef enum ha_field {
    HA_FIELD_NONE = 0, /**< not a known field */
    HA_FIELD_TABLE(HA_FIELD_ENUM_ROW_)
    HA_FIELD_COUNT_    /**< one past the last field; grows */
} ha_field;

/** How a field's value is typed. */
typedef enum ha_field_type {
    HA_TYPE_NONE = 0,    /**< not a known field */
    HA_TYPE_STRING = 1,  /**< read with ha_record_string() */
    HA_TYPE_UINT = 2     /**< read with ha_record_uint(); hex (`0x`) or decimal */
} ha_field_type;

/** The Data name of a field (e.g. "HandleId"), or NULL if unknown. */
HA_API const char *ha_field_name(ha_field field);
/** The field of a Data name (case-sensitive), or #HA_FIELD_NONE. */
HA_API ha_field ha_field_from_name(const char *name);
/** The type of a field. */
HA_API ha_field_type ha_field_type_of(ha_field field);

/**
 * A field's text, or NULL when the event does not carry it or carries `-`
 * ("not applicable" in Windows's rendering). An empty element gives "".
 * Works for numeric fields too (their text as written).
 */
HA_API const char *ha_record_string(const ha_record *rec, ha_field field);
/**
 * A numeric field's value in `*out`. Returns #HA_OK, #HA_ERR_NOT_FOUND when
 * absent, empty or `-`, or #HA_ERR_BAD_VALUE when the text is not a number
 * (`0x` hex of either case with any leading zeros, or decimal).
 */
HA_API int ha_record_uint(const ha_record *rec, ha_field field, uint64_t *out);

/** Number of Name/value pairs: every EventData `Data` in order, or for a
 *  `UserData` event every leaf element. */
HA_API size_t ha_record_data_count(const ha_record *rec);
/** Name of pair `index` ("" for a `Data` without a Name), or NULL when out
 *  of range. */
HA_API const char *ha_record_data_name(const ha_record *rec, size_t index);
/** Value of pair `index`, or NULL when out of range; `*len` gets its length
 *  in bytes when `len` is not NULL. */
HA_API const char *ha_record_data_value(const ha_record *rec, size_t index, size_t *len);
/** Value of the first pair named `name`, or NULL. */
HA_API const char *ha_record_data(const ha_record *rec, const char *name);

/** Number of tokens in the AccessList field (0 when absent). A record the
 *  reader delivered (and its copies) has its tokens indexed, so the
 *  AccessList getters take constant time per token; one made with
 *  ha_record_new() is scanned from the start. */
HA_API size_t ha_record_access_count(const ha_record *rec);
/** The number of AccessList token `index` (4416 for `%%4416`), or 0 when the
 *  token is not of the `%%n` form or `index` is out of range. */
HA_API uint32_t ha_record_access_code(const ha_record *rec, size_t index);
/** AccessList token `index` as written: a pointer into the AccessList text
 *  that is not NUL-terminated at the token's end, so `*len` (required) gets
 *  its length. NULL when out of range. */
HA_API const char *ha_record_access_token(const ha_record *rec, size_t index, size_t *len);
/** The access mask the AccessList's known codes stand for (their bits ORed). */
HA_API uint32_t ha_record_access_list_mask(const ha_record *rec);

/** The name of a `%%n` access code, e.g. 4416 -> "ReadData (or ListDirectory)",
 *  1537 -> "DELETE", or NULL when unknown. Static storage. */
HA_API const char *ha_access_code_name(uint32_t code);
/** The mask bit a `%%n` access code stands for, or 0 when unknown. */
HA_API uint32_t ha_access_code_mask(uint32_t code);
/** The name of one access-mask bit for an ObjectType ("File", "Key",
 *  "Process", "Thread", "Token", "SAM_USER", ...): standard and generic bits
 *  for any type, specific bits for known types. NULL when unknown. */
HA_API const char *ha_access_right_name(const char *object_type, uint32_t bit);

/**
 * Make an empty record, to be filled with ha_record_set_system() and
 * ha_record_add_data(): for callers that parse events elsewhere (a SIEM's
 * own JSON, a message bus) and want them correlated. `allocator` may be
 * NULL. Free with ha_record_free().
 */
HA_API int ha_record_new(const ha_allocator *allocator, ha_record **out);
/**
 * Set the System fields the correlator uses at once. `time` is nanoseconds
 * since 1970 UTC or #HA_TIME_NONE; `computer` may be NULL. Only for records
 * made by ha_record_new() (#HA_ERR_INVALID otherwise). The others (Level,
 * Task, Channel, ...) have ha_record_set_system_uint() and
 * ha_record_set_system_string().
 */
HA_API int ha_record_set_system(ha_record *rec, uint32_t event_id, uint32_t version, uint64_t keywords,
                                int64_t time, uint64_t record_id, const char *computer);
/**
 * The System fields of a record, for the setters below: each names the
 * getter it fills. Values are fixed forever; new ones are appended.
 */
typedef enum ha_system_field {
    HA_SYSTEM_NONE = 0,           /**< no field */
    HA_SYSTEM_EVENT_ID = 1,       /**< number: ha_record_event_id() */
    HA_SYSTEM_VERSION = 2,        /**< number: ha_record_version() */
    HA_SYSTEM_LEVEL = 3,          /**< number: ha_record_level() */
    HA_SYSTEM_TASK = 4,           /**< number: ha_record_task() */
    HA_SYSTEM_OPCODE = 5,         /**< number: ha_record_opcode() */
    HA_SYSTEM_KEYWORDS = 6,       /**< number (64 bits): ha_record_keywords() */
    HA_SYSTEM_RECORD_ID = 7,      /**< number (64 bits): ha_record_record_id() */
    HA_SYSTEM_PROCESS_ID = 8,     /**< number: ha_record_execution_process_id() */
    HA_SYSTEM_THREAD_ID = 9,      /**< number: ha_record_execution_thread_id() */
    HA_SYSTEM_CHANNEL = 10,       /**< string: ha_record_channel() */
    HA_SYSTEM_COMPUTER = 11,      /**< string: ha_record_computer() */
    HA_SYSTEM_PROVIDER_NAME = 12, /**< string: ha_record_provider_name() */
    HA_SYSTEM_PROVIDER_GUID = 13, /**< string: ha_record_provider_guid() */
    HA_SYSTEM_USER_ID = 14,       /**< string: ha_record_user_id() */
    HA_SYSTEM_TIME = 15           /**< time: set with ha_record_set_time() */
} ha_system_field;

/**
 * Set a numeric System field of a record made by ha_record_new(). Fields
 * other than Keywords and RecordID hold 32 bits. Returns #HA_OK, or
 * #HA_ERR_INVALID when `field` is not a numeric one, the value does not fit
 * it, or the record was not made by ha_record_new().
 */
HA_API int ha_record_set_system_uint(ha_record *rec, ha_system_field field, uint64_t value);
/**
 * Set a string System field of a record made by ha_record_new(): `len`
 * bytes at `value`, which hold no NUL. NULL (or, for the UserID, an empty
 * string, as the reader reads it) removes it. Returns #HA_OK,
 * #HA_ERR_NOMEM, or #HA_ERR_INVALID as ha_record_set_system_uint().
 */
HA_API int ha_record_set_system_string(ha_record *rec, ha_system_field field, const char *value, size_t len);
/** Set `System/TimeCreated` (nanoseconds since 1970 UTC; #HA_TIME_NONE
 *  removes it) of a record made by ha_record_new(). */
HA_API int ha_record_set_time(ha_record *rec, int64_t time);
/**
 * Append a Name/value pair, as an EventData `Data` element would; `value`
 * is `value_len` bytes of UTF-8 (NULs not allowed). The typed getters then
 * see it under its name. Only for records made by ha_record_new().
 */
HA_API int ha_record_add_data(ha_record *rec, const char *name, const char *value, size_t value_len);

/** Copy a record so that it outlives the callback. Free with ha_record_free(). */
HA_API int ha_record_copy(const ha_record *rec, ha_record **out);
/** Free a record made by ha_record_copy(). NULL is ignored. */
HA_API void ha_record_free(ha_record *rec);

/**
 * The record as one JSON object (no newline): `type` "record", `event_id`,
 * `version`, `record_id`, `computer`, `time`, `success`, `fields`, the form
 * `handleaudit --records` prints. Works like snprintf(): writes at most `cap`
 * bytes including a terminating NUL and returns the length the whole text
 * needs (without the NUL); call with `cap` 0 to size a buffer.
 */
HA_API size_t ha_record_json(const ha_record *rec, char *buf, size_t cap);
/** @} */

/* ------------------------------------------------------------------------ */
/** @defgroup sequence Sequences
 *  The life of one handle: opened (4656, 4661 or 4690), used (4663),
 *  perhaps deleted through (4660), closed (4658). See docs/correlation.md.
 *  A sequence passed to a callback is borrowed until the callback returns.
 *  @{ */

/** One handle's sequence of events. */
typedef struct ha_sequence ha_sequence;

/** Why a sequence ended. Values are fixed forever. */
typedef enum ha_end {
    HA_END_NONE = 0,          /**< not ended (still open) */
    HA_END_CLOSE = 1,         /**< a 4658 closed it */
    HA_END_PROCESS_EXIT = 2,  /**< its process exited (4689) */
    HA_END_HANDLE_REUSED = 3, /**< its key was opened again, or an event on it named another
                                   object (its close was never logged) */
    HA_END_EVICTED = 4,       /**< the open-sequence limit pushed it out (oldest activity first) */
    HA_END_END_OF_INPUT = 5   /**< still open when the input ended (ha_correlator_flush()) */
} ha_end;

/** "close", "process_exit", "handle_reused", "evicted", "end_of_input", or
 *  "open" for #HA_END_NONE. Static storage. */
HA_API const char *ha_end_name(ha_end end);

/** `System/Computer` of the key (never NULL; "" when the events had none). */
HA_API const char *ha_sequence_computer(const ha_sequence *seq);
/** The key's ProcessId. */
HA_API uint64_t ha_sequence_process_id(const ha_sequence *seq);
/** The key's HandleId. */
HA_API uint64_t ha_sequence_handle_id(const ha_sequence *seq);
/** The key's SubjectLogonId. */
HA_API uint64_t ha_sequence_logon_id(const ha_sequence *seq);
/** 1 when a 4656, 4661 or 4690 opened it; 0 when it began with a 4663, 4660
 *  or 4658 whose open came before the log. */
HA_API int ha_sequence_opened(const ha_sequence *seq);
/** Why it ended, or #HA_END_NONE while open. */
HA_API ha_end ha_sequence_end(const ha_sequence *seq);
/** Time of the opening event, or #HA_TIME_NONE when not opened. */
HA_API int64_t ha_sequence_open_time(const ha_sequence *seq);
/** Time it ended: the 4658, 4689 or reusing event's; #HA_TIME_NONE for
 *  #HA_END_EVICTED, #HA_END_END_OF_INPUT, and while open. */
HA_API int64_t ha_sequence_end_time(const ha_sequence *seq);
/** end time minus open time in nanoseconds when it was opened and ended at
 *  a known time (not #HA_END_HANDLE_REUSED); #HA_TIME_NONE otherwise. */
HA_API int64_t ha_sequence_duration(const ha_sequence *seq);
/** Time of its first event, also when it was not opened (a 4663, 4660 or
 *  4658 whose open came before the log); #HA_TIME_NONE only when that event
 *  had no time. */
HA_API int64_t ha_sequence_first_time(const ha_sequence *seq);
/** Time of its last event: as ha_sequence_last_record_id() counts them (the
 *  4658 or 4689 that ended it included; a reopening or an eviction not). */
HA_API int64_t ha_sequence_last_time(const ha_sequence *seq);
/** Number of 4663 events in it (it stops counting at 2^32 - 1). */
HA_API uint64_t ha_sequence_accesses(const ha_sequence *seq);
/** OR of their AccessMask. */
HA_API uint32_t ha_sequence_access_mask(const ha_sequence *seq);
/** AccessMask the opening 4656 or 4661 requested; 0 when none did. */
HA_API uint32_t ha_sequence_requested_access(const ha_sequence *seq);
/** ObjectType from the opening event (or the first 4663), or NULL. */
HA_API const char *ha_sequence_object_type(const ha_sequence *seq);
/** ObjectName likewise, or NULL. */
HA_API const char *ha_sequence_object_name(const ha_sequence *seq);
/** ProcessName of its first event (a 4690's: the target's image from the
 *  4688 table), or NULL. */
HA_API const char *ha_sequence_process_name(const ha_sequence *seq);
/** The CommandLine of the process's 4688 in force when it began, or NULL. */
HA_API const char *ha_sequence_process_command_line(const ha_sequence *seq);
/** 1 when a 4660 deleted the object through it. */
HA_API int ha_sequence_deleted(const ha_sequence *seq);
/** SubjectUserSid of its first event, or NULL. */
HA_API const char *ha_sequence_subject_user_sid(const ha_sequence *seq);
/** SubjectUserName of its first event, or NULL. */
HA_API const char *ha_sequence_subject_user_name(const ha_sequence *seq);
/** SubjectDomainName of its first event, or NULL. */
HA_API const char *ha_sequence_subject_domain_name(const ha_sequence *seq);
/** EventRecordID of its first event. */
HA_API uint64_t ha_sequence_first_record_id(const ha_sequence *seq);
/** EventRecordID of its last event: the last that concerned the handle,
 *  counting the 4658 or 4689 that ended it, but not a reopening of its key
 *  or a record that evicted it. */
HA_API uint64_t ha_sequence_last_record_id(const ha_sequence *seq);
/** 1 when a 4690 made it (a duplicate); then the two getters below say from
 *  which process and handle. */
HA_API int ha_sequence_duplicated(const ha_sequence *seq);
/** The 4690's SourceProcessId (0 when not a duplicate). */
HA_API uint64_t ha_sequence_source_process_id(const ha_sequence *seq);
/** The 4690's SourceHandleId (0 when not a duplicate). */
HA_API uint64_t ha_sequence_source_handle_id(const ha_sequence *seq);

/**
 * The sequence as one JSON object (no newline) with exactly the keys of the
 * contract (type "sequence", computer, process_id, handle_id, logon_id,
 * opened, end, open_time, end_time, duration_ns, accesses, access_mask,
 * object_type, object_name, process_name, process_command_line, deleted,
 * first_time, last_time) followed by requested_access, subject_user_sid,
 * subject_user_name, subject_domain_name, first_record_id, last_record_id,
 * duplicated_from and access_names (the names of access_mask's bits for
 * the object type, as ha_access_right_name() gives them; a bit without a
 * name as its hex value, "0x00000100"). Works like ha_record_json().
 */
HA_API size_t ha_sequence_json(const ha_sequence *seq, char *buf, size_t cap);
/** Copy a sequence so that it outlives the callback. Free with
 *  ha_sequence_free(). */
HA_API int ha_sequence_copy(const ha_sequence *seq, ha_sequence **out);
/** Free a copy made by ha_sequence_copy(). NULL is ignored. */
HA_API void ha_sequence_free(ha_sequence *seq);
/** @} */

/* ------------------------------------------------------------------------ */
/** @defgroup request Requests that opened nothing
 *  A 4656 or 4661 that opened no handle: denied (an Audit Failure) or
 *  granted without one (HandleId 0, as SAM often logs). No sequence
 *  follows it, but it is often the attack itself (a failed attempt to
 *  replace a system file, a denied open of LSASS), so the correlator hands
 *  it to its on_request callback. A request is borrowed until the callback
 *  returns; ha_request_copy() keeps one.
 *  @{ */

/** A 4656 or 4661 that opened nothing. */
typedef struct ha_request ha_request;

/** Why a request opened nothing. Values are fixed forever. */
typedef enum ha_outcome {
    HA_OUTCOME_FAILURE = 1,  /**< an Audit Failure (Keywords bit 52): access denied */
    HA_OUTCOME_NO_HANDLE = 2 /**< an Audit Success with HandleId 0: no handle was made */
} ha_outcome;

/** "failure" or "no_handle" ("unknown" otherwise). Static storage. */
HA_API const char *ha_outcome_name(ha_outcome outcome);

/** Why it opened nothing (a failure with HandleId 0 is a failure). */
HA_API ha_outcome ha_request_outcome(const ha_request *req);
/** `System/Computer` (never NULL; "" when the event had none). */
HA_API const char *ha_request_computer(const ha_request *req);
/** ProcessId of the requesting process. */
HA_API uint64_t ha_request_process_id(const ha_request *req);
/** HandleId as logged (0 for most). */
HA_API uint64_t ha_request_handle_id(const ha_request *req);
/** SubjectLogonId. */
HA_API uint64_t ha_request_logon_id(const ha_request *req);
/** The event's time, or #HA_TIME_NONE when it had none. */
HA_API int64_t ha_request_time(const ha_request *req);
/** The event's EventRecordID (0 when it had none). */
HA_API uint64_t ha_request_record_id(const ha_request *req);
/** The AccessMask requested. */
HA_API uint32_t ha_request_requested_access(const ha_request *req);
/** ObjectType, or NULL. */
HA_API const char *ha_request_object_type(const ha_request *req);
/** ObjectName, or NULL. */
HA_API const char *ha_request_object_name(const ha_request *req);
/** ProcessName, or else the image the 4688 table knows, or NULL. */
HA_API const char *ha_request_process_name(const ha_request *req);
/** The CommandLine of the process's 4688 in force, or NULL. */
HA_API const char *ha_request_process_command_line(const ha_request *req);
/** SubjectUserSid, or NULL. */
HA_API const char *ha_request_subject_user_sid(const ha_request *req);
/** SubjectUserName, or NULL. */
HA_API const char *ha_request_subject_user_name(const ha_request *req);
/** SubjectDomainName, or NULL. */
HA_API const char *ha_request_subject_domain_name(const ha_request *req);
/** The EventID: 4656 or 4661. */
HA_API uint32_t ha_request_event_id(const ha_request *req);
/** The 4656 or 4661 itself (borrowed like the request); NULL for a copy. */
HA_API const ha_record *ha_request_record(const ha_request *req);
/**
 * The request as one JSON object (no newline): type "request", computer,
 * process_id, handle_id, logon_id, time, outcome, requested_access,
 * object_type, object_name, process_name, process_command_line,
 * subject_user_sid, subject_user_name, subject_domain_name, record_id,
 * event_id and access_names (the names of requested_access's bits, as
 * ha_sequence_json() writes them). Works like ha_record_json().
 */
HA_API size_t ha_request_json(const ha_request *req, char *buf, size_t cap);
/** Copy a request (without its record) so that it outlives the callback.
 *  Free with ha_request_free(). */
HA_API int ha_request_copy(const ha_request *req, ha_request **out);
/** Free a copy made by ha_request_copy(). NULL is ignored. */
HA_API void ha_request_free(ha_request *req);
/** @} */

/* ------------------------------------------------------------------------ */
/** @defgroup output Output formats
 *  Records, sequences and requests written in the formats the tool prints
 *  (docs/output.md): JSON Lines, CSV, Elastic Common Schema, OCSF and
 *  Timesketch's JSON Lines. One line per object, each with its terminator
 *  ("\n"; CSV "\r\n"). Either through an ::ha_output, which hands each
 *  line to a write callback, or one line at a time into a buffer
 *  (ha_sequence_format(), ...).
 *  @{ */

/** The output formats. Values are fixed forever; new ones are appended. */
typedef enum ha_format {
    HA_FORMAT_JSONL = 1,      /**< JSON Lines: ha_record_json(), ha_sequence_json(), ... one a line */
    HA_FORMAT_CSV = 2,        /**< CSV (RFC 4180, CRLF) with a header row: sequences and requests */
    HA_FORMAT_ECS = 3,        /**< Elastic Common Schema documents, Winlogbeat's winlog.event_data */
    HA_FORMAT_OCSF = 4,       /**< OCSF File System Activity (1001) / Process Activity (1007) events */
    HA_FORMAT_TIMESKETCH = 5  /**< JSON Lines for Timesketch's importer (message, datetime, timestamp_desc) */
} ha_format;

/** What an output may be asked to write. */
typedef enum ha_output_kind {
    HA_OUTPUT_RECORD = 1,   /**< ha_output_record() */
    HA_OUTPUT_SEQUENCE = 2, /**< ha_output_sequence() */
    HA_OUTPUT_REQUEST = 3,  /**< ha_output_request() */
    HA_OUTPUT_ALERT = 4     /**< ha_output_alert() */
} ha_output_kind;

/** "jsonl", "csv", "ecs", "ocsf", "timesketch", or NULL. Static storage. */
HA_API const char *ha_format_name(ha_format format);
/** The format named `name` (the names above, and "json" for
 *  #HA_FORMAT_JSONL), or 0. */
HA_API ha_format ha_format_from_name(const char *name);
/** 1 when `format` writes objects of `kind`: every format writes sequences
 *  and requests; records all but CSV and OCSF; alerts JSON Lines only. */
HA_API int ha_format_supports(ha_format format, ha_output_kind kind);

/**
 * Receives bytes the library writes: an output's whole lines (UTF-8 text),
 * or the next part of a snapshot (ha_correlator_save_to(), at most 64 KiB at
 * a time). `data` is borrowed until it returns. Return 0 when all `len`
 * bytes are taken; a non-zero value stops the call that wrote, which
 * returns it.
 */
typedef int (*ha_write_cb)(const void *data, size_t len, void *userdata);

/** A stream of lines in one format. One thread at a time. */
typedef struct ha_output ha_output;

/** The version of ha_output_options this header describes. */
#define HA_OUTPUT_OPTIONS_VERSION 1

/** What an output may be given besides its format and where it writes;
 *  fields are only ever added at the end, with a new version. */
typedef struct ha_output_options {
    unsigned int version;          /**< HA_OUTPUT_OPTIONS_VERSION (or an older one) */
    const ha_allocator *allocator; /**< NULL: malloc/realloc/free */
} ha_output_options;

/** The defaults, for a struct defined by the caller. */
#define HA_OUTPUT_OPTIONS_INIT { HA_OUTPUT_OPTIONS_VERSION, NULL }

/** Fill `opts` with the defaults of `version` (for callers that cannot use
 *  the macro, through FFI). #HA_ERR_INVALID for an unknown version. */
HA_API int ha_output_options_init(ha_output_options *opts, unsigned int version);

/** Make an output writing `format` through `write` (required) with
 *  `userdata`; `opts` may be NULL for the defaults. #HA_ERR_INVALID for an
 *  unknown format or options version. */
HA_API int ha_output_new(ha_format format, ha_write_cb write, void *userdata, const ha_output_options *opts,
                         ha_output **out);
/** Free an output (ha_output_end() is not called). NULL is ignored. */
HA_API void ha_output_free(ha_output *out);
/** Write the format's header (CSV's header row; nothing for the others).
 *  Done by the first write if not called; a second call does nothing. */
HA_API int ha_output_begin(ha_output *out);
/** Write one record; #HA_ERR_UNSUPPORTED when the format has no record
 *  form (see ha_format_supports()). Returns #HA_OK, #HA_ERR_NOMEM, or the
 *  write callback's non-zero value. */
HA_API int ha_output_record(ha_output *out, const ha_record *rec);
/** Write one sequence, as ha_output_record(). */
HA_API int ha_output_sequence(ha_output *out, const ha_sequence *seq);
/** Write one request that opened nothing, as ha_output_record(). */
HA_API int ha_output_request(ha_output *out, const ha_request *req);
/** End the output: the header if nothing was written, and the format's
 *  footer (none of today's formats has one). */
HA_API int ha_output_end(ha_output *out);

/**
 * One line of `format` for a record, terminator included. Works like
 * snprintf(): writes at most `cap` bytes including a terminating NUL and
 * returns the length the whole line needs; 0 when the format has no form
 * for it (or `rec` is NULL).
 */
HA_API size_t ha_record_format(const ha_record *rec, ha_format format, char *buf, size_t cap);
/** One line of `format` for a sequence, as ha_record_format(). */
HA_API size_t ha_sequence_format(const ha_sequence *seq, ha_format format, char *buf, size_t cap);
/** One line of `format` for a request, as ha_record_format(). */
HA_API size_t ha_request_format(const ha_request *req, ha_format format, char *buf, size_t cap);
/** The format's header line (CSV's column names), as ha_record_format();
 *  0 for formats without one. */
HA_API size_t ha_format_header(ha_format format, char *buf, size_t cap);
/** @} */

/* ------------------------------------------------------------------------ */
/** @defgroup correlator Correlator
 *  Follows every handle through a hash table keyed on (Computer, ProcessId,
 *  HandleId, SubjectLogonId), processes through a second one keyed on
 *  (Computer, NewProcessId).
 *  @{ */

/** A correlator of handle events. */
typedef struct ha_correlator ha_correlator;

/**
 * Called when a sequence opens, when an event joins it, and when it ends.
 * `rec` is the event responsible (NULL when ha_correlator_flush() ends the
 * sequence). A 4663 or 4660 that begins a sequence makes on_open, then
 * on_access; a record that ends one sequence and begins another (a reused
 * key, an eviction) makes on_end before on_open. Return 0 to go on; see
 * ha_correlator_add() for non-zero.
 */
typedef int (*ha_sequence_cb)(const ha_sequence *seq, const ha_record *rec, void *userdata);

/**
 * Called for each 4656 or 4661 that opened nothing (see ::ha_request), in
 * the order records are applied, among the sequence callbacks. Return 0 to
 * go on; see ha_correlator_add() for non-zero.
 */
typedef int (*ha_request_cb)(const ha_request *req, void *userdata);

/** Default bound on open sequences (2^20; about 300 MB at worst). */
#define HA_DEFAULT_MAX_OPEN ((size_t)1 << 20)
/** Default bound on processes remembered without open sequences (2^18). */
#define HA_DEFAULT_MAX_PROCESSES ((size_t)1 << 18)
/** Default bound on the bytes of interned strings (256 MiB). */
#define HA_DEFAULT_MAX_STRING_BYTES ((size_t)256 << 20)

/** Version of ::ha_correlator_options this header describes (1: up to
 *  `allocator`; 2: `max_string_bytes` and `reorder_window` added; 3:
 *  `on_request` added). */
#define HA_CORRELATOR_OPTIONS_VERSION 3

/** How a correlator is made; zero bounds mean the defaults. Grows only at
 *  its end. */
typedef struct ha_correlator_options {
    unsigned int version;           /**< #HA_CORRELATOR_OPTIONS_VERSION */
    ha_sequence_cb on_open;         /**< a sequence began (may be NULL) */
    ha_sequence_cb on_access;       /**< a 4663 or 4660 joined a sequence (may be NULL) */
    ha_sequence_cb on_end;          /**< a sequence ended (may be NULL) */
    void *userdata;                 /**< passed to the callbacks */
    size_t max_open;                /**< 0: #HA_DEFAULT_MAX_OPEN; beyond it the oldest is evicted */
    size_t max_processes;           /**< 0: #HA_DEFAULT_MAX_PROCESSES idle processes kept */
    const ha_allocator *allocator;  /**< NULL: malloc/realloc/free; copied */
    /** (Version 2.) Bound on the bytes of the strings (names, paths,
     *  command lines) kept for open sequences and processes, as allocated
     *  (each string's block, header included, and the table's buckets);
     *  0: #HA_DEFAULT_MAX_STRING_BYTES.
     *  Beyond it, before the next record, the idlest sequences are evicted
     *  and then the idlest processes forgotten until it holds again. */
    size_t max_string_bytes;
    /** (Version 2.) 0: records are applied as they come. N > 0: up to N handle-family
     *  records are held back and applied in the order of (TimeCreated,
     *  EventRecordID), for input merged from several files or forwarded
     *  late; a record displaced by up to N positions is put back in place.
     *  A repeated record (same Computer and EventRecordID as one of the
     *  last 2N) is dropped and counted (#HA_CORR_DUPLICATES). */
    size_t reorder_window;
    /** (Version 3.) A 4656 or 4661 opened nothing (may be NULL); gets
     *  `userdata` too. */
    ha_request_cb on_request;
} ha_correlator_options;

/** Static initialiser for ::ha_correlator_options. */
#define HA_CORRELATOR_OPTIONS_INIT { HA_CORRELATOR_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 0, 0, NULL, 0, 0, NULL }

/** Initialise `opts` for `version` (pass #HA_CORRELATOR_OPTIONS_VERSION):
 *  only the fields that version has are written. */
HA_API int ha_correlator_options_init(ha_correlator_options *opts, unsigned int version);
/** Make a correlator. `opts` may be NULL for the defaults. Its hash
 *  tables get a secret key from the system's random source (#HA_ERR_IO
 *  when there is none); see docs/threading-and-memory.md. */
HA_API int ha_correlator_new(const ha_correlator_options *opts, ha_correlator **out);
/** Free a correlator; open sequences are dropped without callbacks. NULL is
 *  ignored. */
HA_API void ha_correlator_free(ha_correlator *corr);

/**
 * Apply one record (or, with a reorder window, hold it back and apply the
 * one it pushes out). Events outside the handle family are ignored. A record
 * is applied whole, every callback it causes is made, and the first non-zero
 * value a callback returned is returned (so stopping takes effect between
 * records). Otherwise #HA_OK, or #HA_ERR_NOMEM (the record may be partly
 * applied; the correlator stays usable and freeable).
 */
HA_API int ha_correlator_add(ha_correlator *corr, const ha_record *rec);
/**
 * An ::ha_record_cb that passes each record to the correlator given as
 * `userdata`: set a reader's on_record to it to correlate while reading.
 */
HA_API int ha_correlator_on_record(const ha_record *rec, void *userdata);
/**
 * The EventIDs the correlator uses (4656, 4658, 4660, 4661, 4663, 4688,
 * 4689, 4690), in `*ids` (static storage); returns their number. Give them
 * to ha_reader_set_event_filter() to skip every other event unparsed.
 */
HA_API size_t ha_correlator_event_ids(const uint32_t **ids);
/**
 * End of input: the records the reorder window holds are applied, then
 * every open sequence ends with #HA_END_END_OF_INPUT, oldest activity
 * first. A callback's non-zero value stops the flush and is returned; flush
 * again to end the rest.
 */
HA_API int ha_correlator_flush(ha_correlator *corr);

/* ha_correlator_save_to() writes through an ha_write_cb (see the output section). */
/**
 * Called by ha_correlator_load_from() for the snapshot's next bytes: put up
 * to `cap` of them in `buf`, their number in `*got` (0 only at the end of
 * the snapshot's bytes), and return 0; or return non-zero to stop the load
 * (which returns that value and changes nothing).
 */
typedef int (*ha_read_cb)(void *buf, size_t cap, size_t *got, void *userdata);

/**
 * Write the correlator's whole state (open sequences, the process table,
 * the reorder window, counters) as a snapshot: a versioned, checksummed
 * byte string that ha_correlator_load_from() reads back, so that a
 * long-running agent can restart, or a log be processed in pieces, and give
 * the same sequences as one uninterrupted run. The bytes go to `write` as
 * the state is walked, through one 64 KiB buffer: the memory a save needs
 * does not grow with the state. Nothing in the correlator changes. Returns
 * #HA_OK, #HA_ERR_NOMEM, #HA_ERR_INVALID (NULL, or called from one of the
 * correlator's own callbacks), or the non-zero value `write` returned.
 */
HA_API int ha_correlator_save_to(const ha_correlator *corr, ha_write_cb write, void *userdata);
/**
 * Replace the correlator's state with a snapshot read from `read`. A
 * snapshot that is not one, is truncated or corrupt (#HA_ERR_SNAPSHOT),
 * comes from a newer format (#HA_ERR_SNAPSHOT_VERSION) or holds more than
 * this correlator's `max_open` open sequences or `max_processes` idle
 * processes (#HA_ERR_LIMIT) is refused, as is any load `read` stops (its
 * value is returned), and the correlator keeps its state and stays usable;
 * ha_correlator_last_diag() says what was wrong and at which byte. Memory
 * grows only with the bytes that arrive. The correlator's options
 * (callbacks, bounds) stay its own; a reorder window of another size takes
 * the held records as they are. Every earlier format loads.
 */
HA_API int ha_correlator_load_from(ha_correlator *corr, ha_read_cb read, void *userdata);
/**
 * ha_correlator_save_to() into `buf`: #HA_OK when the snapshot fits in
 * `cap` bytes; #HA_ERR_LIMIT when it does not (what `buf` holds is then of
 * no use). Either way `*len` (when not NULL) gets the snapshot's size, so a
 * call with `cap` 0 sizes the buffer.
 */
HA_API int ha_correlator_save_buffer(const ha_correlator *corr, void *buf, size_t cap, size_t *len);
/** ha_correlator_load_from() on `len` bytes at `data`. */
HA_API int ha_correlator_load(ha_correlator *corr, const void *data, size_t len);
/**
 * ha_correlator_save_to() into a file, atomically: a new temporary file
 * beside `path` (mkstemp: O_EXCL, mode 0600, never a file or symlink
 * already there), written, synced and renamed over `path`; on any failure
 * it is removed and `path` stays as it was. #HA_ERR_IO when the file cannot
 * be written, with the reason in ha_correlator_last_diag() (which is why
 * this function, alone of the saves, takes the correlator non-const: the
 * diagnostic is all it changes).
 */
HA_API int ha_correlator_save_file(ha_correlator *corr, const char *path);
/** ha_correlator_load_from() from a file. #HA_ERR_IO when it cannot be
 *  opened or read; ha_correlator_last_diag() names it and the reason. */
HA_API int ha_correlator_load_file(ha_correlator *corr, const char *path);
/**
 * What the last call on the correlator that failed went wrong with: its
 * code, a message ("corrupt snapshot: the checksum does not match",
 * "cannot open s.state: No such file or directory"), the byte of the
 * snapshot where it was found (ha_diag_offset()) and the file it concerns
 * (ha_diag_path()). NULL when no call has failed yet. Valid until the next
 * call on the correlator; read it only after a call returned an error.
 */
HA_API const ha_diag *ha_correlator_last_diag(const ha_correlator *corr);

/** Counters of a correlator. */
typedef enum ha_correlator_counter {
    HA_CORR_RECORDS = 0,       /**< records added, of any EventID */
    HA_CORR_UNUSABLE = 1,      /**< handle-family records lacking a field the key needs (not applied) */
    HA_CORR_FAILED_OPENS = 2,  /**< 4656/4661 that opened nothing (each one handed to on_request):
                                    an Audit Failure (Keywords bit 52) or HandleId 0; no audit bit
                                    at all still opens */
    HA_CORR_OPEN = 3,          /**< sequences open now */
    HA_CORR_PROCESSES = 4,     /**< processes remembered now */
    HA_CORR_SEQUENCES = 5,     /**< sequences begun */
    HA_CORR_DUPLICATES = 6,    /**< repeated records dropped by the reorder window */
    HA_CORR_HELD = 7,          /**< records held back by the reorder window now */
    HA_CORR_STRING_BYTES = 8,  /**< bytes allocated for interned strings now (what max_string_bytes bounds) */
    HA_CORR_IGNORED = 9        /**< records of an EventID the correlator does not handle (not one of
                                    ha_correlator_event_ids()), passed over; kept in snapshots
                                    (a snapshot of format 1 or 2 leaves it as it was) */
} ha_correlator_counter;

/** The value of a counter. */
HA_API uint64_t ha_correlator_count(const ha_correlator *corr, ha_correlator_counter which);
/** How many sequences ended for `end`. */
HA_API uint64_t ha_correlator_ended(const ha_correlator *corr, ha_end end);
/** @} */

/* ------------------------------------------------------------------------ */
/** @defgroup reader Reader
 *  Streams of event XML in any framing, fed in chunks cut anywhere.
 *  @{ */

/** A streaming reader of event XML. */
typedef struct ha_reader ha_reader;

/** Called once per event read. Return 0 to go on, non-zero to stop. */
typedef int (*ha_record_cb)(const ha_record *rec, void *userdata);
/** Called once per error or warning. Return 0 to go on, non-zero to stop. */
typedef int (*ha_diag_cb)(const ha_diag *diag, void *userdata);

/** Default bytes per event (4 MiB). */
#define HA_DEFAULT_MAX_EVENT_BYTES ((size_t)4 << 20)
/** Default bytes per field value (1 MiB). */
#define HA_DEFAULT_MAX_FIELD_BYTES ((size_t)1 << 20)
/** Default element depth inside an event (`Event` is depth 1). */
#define HA_DEFAULT_MAX_DEPTH 32u

/**
 * Called while a whole input is read (ha_reader_read_file(),
 * ha_reader_read_file_parallel(), ha_reader_read_fd(), ha_reader_read_fp();
 * not ha_reader_feed()): `done` bytes of it have been consumed, of `total`
 * (its size; 0 when unknown, as for a pipe). It is called after each block
 * read (256 KiB; a 1 MB piece when threads read the file), so at a rate
 * bounded by the throughput, on the calling thread, with `done` never going
 * back, and once at the end with every byte read (`done` is then the
 * file's size). Return 0 to go on, non-zero to stop reading: the read
 * function returns that value, and the rest of the input is dropped.
 */
typedef int (*ha_progress_cb)(uint64_t done, uint64_t total, void *userdata);

/** Version of ::ha_reader_options this header describes (1: up to
 *  `allocator`; 2: `flags` added; 3: `on_progress` added). */
#define HA_READER_OPTIONS_VERSION 3

/**
 * How a reader is made. Initialise with #HA_READER_OPTIONS_INIT or
 * ha_reader_options_init(), then set what you need; zero limits mean the
 * defaults. The struct only ever grows at its end.
 */
typedef struct ha_reader_options {
    unsigned int version;            /**< #HA_READER_OPTIONS_VERSION */
    ha_record_cb on_record;          /**< per event; may be NULL */
    ha_diag_cb on_diag;              /**< per error/warning; may be NULL */
    void *userdata;                  /**< passed to the callbacks */
    size_t max_event_bytes;          /**< 0: #HA_DEFAULT_MAX_EVENT_BYTES */
    size_t max_field_bytes;          /**< 0: #HA_DEFAULT_MAX_FIELD_BYTES */
    unsigned int max_depth;          /**< 0: #HA_DEFAULT_MAX_DEPTH */
    const ha_allocator *allocator;   /**< NULL: malloc/realloc/free; copied */
    uint32_t flags;                  /**< #HA_READER_STRICT (version 2) */
    ha_progress_cb on_progress;      /**< as whole inputs are read; may be NULL (version 3) */
} ha_reader_options;

/** Reader flag: events the EventID filter skips are still parsed, so that a
 *  malformed one is reported (they are not delivered either way). */
#define HA_READER_STRICT 1u

/** Static initialiser for ::ha_reader_options. */
#define HA_READER_OPTIONS_INIT { HA_READER_OPTIONS_VERSION, NULL, NULL, NULL, 0, 0, 0, NULL, 0, NULL }

/** Initialise `opts` for `version` (pass #HA_READER_OPTIONS_VERSION):
 *  only the fields that version has are written. */
HA_API int ha_reader_options_init(ha_reader_options *opts, unsigned int version);

/** Make a reader. `opts` may be NULL for the defaults (no callbacks). */
HA_API int ha_reader_new(const ha_reader_options *opts, ha_reader **out);
/** Free a reader. NULL is ignored. */
HA_API void ha_reader_free(ha_reader *reader);

/**
 * Feed the next `len` bytes of the stream. Chunks may end anywhere, even
 * inside a tag or a UTF-8 sequence. A stream is a Windows .evtx log when it
 * begins with the file signature `ElfFile\0` (at least 5 of its 8 bytes, so
 * that a damaged signature is still recognised), event XML otherwise; .evtx
 * records are decoded straight from their binary XML, and their
 * ha_record_offset() is the record's byte offset in the file (line 0).
 * Events are delivered as soon as they are complete. Malformed events and
 * damaged .evtx structures are reported to `on_diag` (#HA_ERR_EVTX, with the
 * chunk and record in the message) and skipped; they do not make this call
 * fail. Returns #HA_OK, a negative #ha_status on a fatal problem
 * (#HA_ERR_NOMEM), or the non-zero value a callback returned.
 */
HA_API int ha_reader_feed(ha_reader *reader, const void *buf, size_t len);
/**
 * End the stream: an event left incomplete is reported as truncated. The
 * reader is then ready for a new stream (offsets and lines start again at
 * 0 and 1; counters go on). Returns as ha_reader_feed().
 */
HA_API int ha_reader_finish(ha_reader *reader);

/** Feed a whole file as one stream and finish it. #HA_ERR_IO if it cannot
 *  be opened or read. Like every stream, it may be XML or a Windows .evtx
 *  log (see ha_reader_feed()). */
HA_API int ha_reader_read_file(ha_reader *reader, const char *path);
/** The same as ha_reader_read_file() (kept from the days when .evtx files
 *  were read apart). */
HA_API int ha_reader_read_evtx(ha_reader *reader, const char *path);
/** 1: every build reads .evtx files, with its own decoder. */
HA_API int ha_evtx_supported(void);
/**
 * Like ha_reader_read_file(), with `threads` threads: the file is cut into
 * pieces at event boundaries and the pieces are parsed at once, each by a
 * reader of its own; records and diagnostics then reach the callbacks on the
 * calling thread, in file order, exactly as one thread gives them (positions
 * included). `threads` 0 means one per CPU. A stream in progress is finished
 * first. A pipe, a small file or a .evtx file is read by one thread.
 * Callbacks are never called from the worker threads, but the reader's
 * allocator is: it must be thread-safe (malloc is). The file is mapped, and
 * the pages already delivered are given back as it goes: memory stays near
 * 2 x `threads` pieces of up to 1 MB and their records (about 25 MB for
 * two threads), whatever the file's size.
 */
HA_API int ha_reader_read_file_parallel(ha_reader *reader, const char *path, unsigned threads);
/** Feed everything left in `fp` as one stream and finish it. On Windows,
 *  open it in binary mode ("rb"): text mode changes the bytes. */
HA_API int ha_reader_read_fp(ha_reader *reader, FILE *fp);
/** Feed everything left in file descriptor `fd` as one stream and finish it.
 *  The descriptor is not closed. On Windows, open it with O_BINARY. */
HA_API int ha_reader_read_fd(ha_reader *reader, int fd);

/**
 * Deliver only events whose EventID is one of `ids[0, count)`; `count` 0
 * delivers every event again. The others are recognised by a scan of their
 * bytes and skipped without being parsed, which is much faster (unless the
 * reader is #HA_READER_STRICT). An event whose EventID cannot be seen
 * without parsing is parsed. The list is copied. Set it between streams.
 */
HA_API int ha_reader_set_event_filter(ha_reader *reader, const uint32_t *ids, size_t count);

/** Counters kept by a reader over its whole life. */
typedef enum ha_reader_counter {
    HA_COUNT_BYTES = 0,     /**< bytes fed */
    HA_COUNT_EVENTS = 1,    /**< events delivered to on_record */
    HA_COUNT_ERRORS = 2,    /**< errors reported (events or bytes skipped) */
    HA_COUNT_WARNINGS = 3,  /**< warnings reported */
    HA_COUNT_FILTERED = 4   /**< events the EventID filter skipped */
} ha_reader_counter;

/** The value of a counter. */
HA_API uint64_t ha_reader_count(const ha_reader *reader, ha_reader_counter which);
/**
 * The last diagnostic the reader made (also for #HA_ERR_IO, whose message
 * says which file and why), or NULL if none yet. Valid until the next call
 * on the reader.
 */
HA_API const ha_diag *ha_reader_last_diag(const ha_reader *reader);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* HANDLEAUDIT_H */
