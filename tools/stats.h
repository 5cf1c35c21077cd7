/* handleaudit --stats: counts gathered while reading, printed at the end. */
#ifndef HANDLEAUDIT_STATS_H
#define HANDLEAUDIT_STATS_H

#include <stdio.h>

#include <handleaudit/experimental.h>

typedef struct stats stats;

stats *stats_new(void);
void stats_free(stats *st);
void stats_record(stats *st, const ha_record *rec);
void stats_sequence(stats *st, const ha_sequence *seq);
void stats_request(stats *st, const ha_request *req);
void stats_alert(stats *st, const ha_alert *alert);
/* Print everything; NULL correlator in --records mode. */
void stats_print(stats *st, const ha_correlator *corr, FILE *out);

#endif
