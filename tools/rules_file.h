/* handleaudit --rules FILE: rules written in YAML (tools/rules_file.c). */
#ifndef HANDLEAUDIT_RULES_FILE_H
#define HANDLEAUDIT_RULES_FILE_H

#include <handleaudit/experimental.h>

/* Make `*rules` from the file: its options (max-failures) and its rules.
 * `*with_defaults` says whether the file asks for the default rules too,
 * `*all_events` whether a rule looks at events of any EventID
 * (account-watched). 0, or -1 (and `*rules` NULL) after a message on
 * standard error naming the file, line and column. */
int rules_file_load(const char *path, ha_rules **rules, int *with_defaults, int *all_events);

#endif
