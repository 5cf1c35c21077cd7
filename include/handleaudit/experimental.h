/*
 * libhandleaudit: the experimental API.
 *
 * SPDX-License-Identifier: MIT
 */
/**
 * @file experimental.h
 * @brief The parts of the API that are not frozen yet: rules and alerts.
 *
 * Everything declared here may change or go in any minor release (0.x to
 * 0.x+1), in its source and its binary interface: see docs/abi.md. Its
 * functions are exported under their own symbol version,
 * `HANDLEAUDIT_EXPERIMENTAL_0`, which is renamed when one of them changes
 * incompatibly, so that a program built against an older shape fails to
 * load instead of calling a function it does not know. To use it, say so
 * before including it, in every file that does:
 *
 * @code
 * #define HA_EXPERIMENTAL_API
 * #include <handleaudit/experimental.h>
 * @endcode
 *
 * It includes handleaudit/handleaudit.h, the stable core; the conventions
 * written there hold here too.
 */
#ifndef HANDLEAUDIT_EXPERIMENTAL_H
#define HANDLEAUDIT_EXPERIMENTAL_H

#ifndef HA_EXPERIMENTAL_API
#error "handleaudit/experimental.h declares an API that may change in any minor release: define HA_EXPERIMENTAL_API before including it (docs/abi.md)"
#endif

#include "handleaudit.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/** @defgroup rules Rules and alerts
 *  The checks Microsoft's guidance recommends for these events, evaluated on
 *  records and on ended sequences, where the whole context is known. See
 *  docs/rules.md.
 *  @{ */

/** A set of rules. One thread at a time; stateful (access-after-failure
 *  remembers recent failures). */
typedef struct ha_rules ha_rules;
/** An alert: which rule matched what, and why. Borrowed by the callback. */
typedef struct ha_alert ha_alert;

/** The kinds of rule. Values are not reused; new kinds are appended. */
typedef enum ha_rule_kind {
    /** Objects matching HA_PARAM_OBJECT may be opened only by processes
     *  matching HA_PARAM_PROCESS (on sequences). */
    HA_RULE_PROCESS_NAME_NOT_EXPECTED = 1,
    /** A process whose image is in none of the HA_PARAM_FOLDER folders
     *  (default: the Windows folder and its System32 and SysWOW64, Program
     *  Files and Program Files (x86)), on 4688 records and sequences. */
    HA_RULE_PROCESS_NOT_IN_STANDARD_FOLDER = 2,
    /** A process whose image is in one of the HA_PARAM_FOLDER folders
     *  (default: a user's temp folder, Temporary Internet Files, the Windows
     *  Temp folder), on 4688 records and sequences. */
    HA_RULE_PROCESS_IN_RESTRICTED_FOLDER = 3,
    /** A process whose image name contains one of HA_PARAM_SUBSTRING
     *  (default: mimikatz, cain.exe), on 4688 records and sequences. */
    HA_RULE_PROCESS_NAME_RESTRICTED_SUBSTRING = 4,
    /** A record whose subject or target account is one of HA_PARAM_ACCOUNT
     *  (SIDs or names, patterns allowed), on records of any EventID. */
    HA_RULE_ACCOUNT_WATCHED = 5,
    /** A sequence on an object matching HA_PARAM_OBJECT that requested or
     *  used any of the HA_PARAM_ACCESS_MASK bits (all when 0). */
    HA_RULE_OBJECT_WATCHED = 6,
    /** A sequence open longer than HA_PARAM_DURATION_NS. */
    HA_RULE_HANDLE_HELD_LONGER_THAN = 7,
    /** A failed 4656/4661 followed, within HA_PARAM_WINDOW_NS (default 60
     *  s), by a successful one for the same object and process. */
    HA_RULE_ACCESS_AFTER_FAILURE = 8
} ha_rule_kind;

/** How serious an alert is. */
typedef enum ha_severity {
    HA_SEVERITY_INFO = 1,
    HA_SEVERITY_LOW = 2,
    HA_SEVERITY_MEDIUM = 3,
    HA_SEVERITY_HIGH = 4,
    HA_SEVERITY_CRITICAL = 5
} ha_severity;

/** What a rule's parameter is. */
typedef enum ha_rule_param {
    HA_PARAM_OBJECT = 1,        /**< object name patterns (strings) */
    HA_PARAM_PROCESS = 2,       /**< process image patterns (strings) */
    HA_PARAM_FOLDER = 3,        /**< folders (strings); replace the defaults */
    HA_PARAM_SUBSTRING = 4,     /**< substrings of image names (strings) */
    HA_PARAM_ACCOUNT = 5,       /**< SIDs or account names, patterns allowed (strings) */
    HA_PARAM_ACCESS_MASK = 6,   /**< access bits that matter (number) */
    HA_PARAM_DURATION_NS = 7,   /**< a duration in nanoseconds (number) */
    HA_PARAM_WINDOW_NS = 8,     /**< a time window in nanoseconds (number) */
    HA_PARAM_OBJECT_TYPE = 9    /**< object-watched: only these ObjectTypes (strings) */
} ha_rule_param;

/** "process-name-not-expected", ... (the kind's name as docs and the tool
 *  write it), or NULL. Static storage. */
HA_API const char *ha_rule_kind_name(ha_rule_kind kind);
/** The kind named `name`, or 0. */
HA_API ha_rule_kind ha_rule_kind_from_name(const char *name);
/** "info", "low", "medium", "high", "critical", or NULL. */
HA_API const char *ha_severity_name(ha_severity severity);

/** Default bound on the failed opens access-after-failure remembers (2^16;
 *  beyond it the oldest is forgotten). */
#define HA_DEFAULT_MAX_FAILURES ((size_t)1 << 16)

/** Version of ::ha_rules_options this header describes. */
#define HA_RULES_OPTIONS_VERSION 1

/** How a rule set is made; zero bounds mean the defaults. Initialise with
 *  #HA_RULES_OPTIONS_INIT or ha_rules_options_init(). Grows only at its
 *  end. */
typedef struct ha_rules_options {
    unsigned int version;          /**< #HA_RULES_OPTIONS_VERSION */
    const ha_allocator *allocator; /**< NULL: malloc/realloc/free; copied */
    /** Failed 4656/4661 opens remembered for access-after-failure, each
     *  about 100 bytes; 0: #HA_DEFAULT_MAX_FAILURES. Beyond it the oldest
     *  is forgotten (a success after it is then not alerted). */
    size_t max_failures;
} ha_rules_options;

/** Static initialiser for ::ha_rules_options. */
#define HA_RULES_OPTIONS_INIT { HA_RULES_OPTIONS_VERSION, NULL, 0 }

/** Initialise `opts` for `version` (pass #HA_RULES_OPTIONS_VERSION):
 *  only the fields that version has are written. */
HA_API int ha_rules_options_init(ha_rules_options *opts, unsigned int version);
/** Make an empty rule set. `opts` may be NULL for the defaults;
 *  #HA_ERR_INVALID for a version this library does not know. #HA_ERR_IO
 *  when the system has no random source for its hash keys. */
HA_API int ha_rules_new(const ha_rules_options *opts, ha_rules **out);
/** Free a rule set. NULL is ignored. */
HA_API void ha_rules_free(ha_rules *rules);
/** Add a rule. `id` (copied) names it in alerts and in the calls below;
 *  #HA_ERR_INVALID when the id is taken or the kind unknown. */
HA_API int ha_rules_add(ha_rules *rules, ha_rule_kind kind, const char *id, ha_severity severity);
/**
 * Add a string parameter to rule `id`: a pattern, folder, substring or
 * account. Patterns are case-insensitive (Unicode simple case folding for
 * Latin, Greek and Cyrillic) with `*` for any run of characters and `?` for
 * one. A path with a drive letter (`C:\Windows\`) also matches the same
 * path in `\Device\HarddiskVolumeN\` form, and one that begins with `\`
 * matches on any volume. #HA_ERR_INVALID when the rule has no such
 * parameter.
 */
HA_API int ha_rules_add_string(ha_rules *rules, const char *id, ha_rule_param param, const char *value);
/** Set a number parameter of rule `id`. */
HA_API int ha_rules_set_number(ha_rules *rules, const char *id, ha_rule_param param, uint64_t value);
/**
 * Add the rules that need no site data, under the ids "process-not-in-
 * standard-folder", "process-in-restricted-folder", "process-name-
 * restricted-substring", "access-after-failure", "sam-hive-write" and
 * "lsass-memory-read" (see docs/rules.md). Ids already taken are skipped.
 */
HA_API int ha_rules_add_defaults(ha_rules *rules);

/** Called once per alert. Return 0 to go on, non-zero to stop. From the
 *  callback, the calls that change the rule set or check with it are
 *  refused (#HA_ERR_INVALID); the ha_alert_ getters may be called. */
typedef int (*ha_alert_cb)(const ha_alert *alert, void *userdata);
/** Evaluate the record rules on one record (any EventID). Returns #HA_OK,
 *  #HA_ERR_NOMEM, or a callback's non-zero value. */
HA_API int ha_rules_check_record(ha_rules *rules, const ha_record *rec, ha_alert_cb cb, void *userdata);
/** Evaluate the sequence rules on an ended (or open) sequence. */
HA_API int ha_rules_check_sequence(ha_rules *rules, const ha_sequence *seq, ha_alert_cb cb, void *userdata);
/** What the last call on the rule set that failed went wrong with (its
 *  code and a message: "rule id \"x\" is taken", "rule \"x\"
 *  (handle-held-longer-than) has no window parameter", "called from an
 *  alert callback"), or NULL when none has. Valid until the next call on
 *  the rule set; read it only after a call returned an error. */
HA_API const ha_diag *ha_rules_last_diag(const ha_rules *rules);

/** The id of the rule that matched. */
HA_API const char *ha_alert_rule_id(const ha_alert *alert);
/** Its kind. */
HA_API ha_rule_kind ha_alert_kind(const ha_alert *alert);
/** Its severity. */
HA_API ha_severity ha_alert_severity(const ha_alert *alert);
/** Why, in words: e.g. "C:\Users\a\AppData\Local\Temp\x.exe runs from a
 *  restricted folder (*\AppData\Local\Temp\*)". */
HA_API const char *ha_alert_reason(const ha_alert *alert);
/** The record that matched, or NULL for a sequence alert. */
HA_API const ha_record *ha_alert_record(const ha_alert *alert);
/** The sequence that matched, or NULL for a record alert. */
HA_API const ha_sequence *ha_alert_sequence(const ha_alert *alert);
/**
 * The alert as one JSON object: `type` "alert", `rule`, `severity`,
 * `reason`, `matched` ("record" or "sequence"), then the matched record's
 * or sequence's keys. Works like ha_record_json().
 */
HA_API size_t ha_alert_json(const ha_alert *alert, char *buf, size_t cap);
/** Write one alert to an output: JSON Lines only (ha_alert_json() and a
 *  newline); the other formats give #HA_ERR_UNSUPPORTED. See
 *  ha_output_record(). */
HA_API int ha_output_alert(ha_output *out, const ha_alert *alert);
/** One line of `format` for an alert, as ha_record_format(). */
HA_API size_t ha_alert_format(const ha_alert *alert, ha_format format, char *buf, size_t cap);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* HANDLEAUDIT_EXPERIMENTAL_H */
