/* handleaudit --format csv: the JSON Lines' columns, one row a sequence or a request. */
#ifndef HANDLEAUDIT_CSV_H
#define HANDLEAUDIT_CSV_H

#include <stdio.h>

#include <handleaudit/handleaudit.h>

void csv_header(FILE *out);
/* 0, or -1 when writing failed. */
int csv_sequence(FILE *out, const ha_sequence *seq);
/* A request that opened nothing: type "request", its time and outcome in
 * the last two columns, its record ID as first and last record ID. */
int csv_request(FILE *out, const ha_request *req);

#endif
