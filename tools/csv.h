/* handleaudit --format csv: the JSON Lines' columns, one row a sequence. */
#ifndef HANDLEAUDIT_CSV_H
#define HANDLEAUDIT_CSV_H

#include <stdio.h>

#include <handleaudit/handleaudit.h>

void csv_header(FILE *out);
/* 0, or -1 when writing failed. */
int csv_sequence(FILE *out, const ha_sequence *seq);

#endif
