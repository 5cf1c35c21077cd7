/* Hostile input: one 4663 whose AccessList is a megabyte of tokens (inside
 * max_field_bytes). Reading every token by index, every code and the mask
 * must take time linear in the list: the quadratic getters took about 97 s
 * for this, so the suite's timeout (60 s) stops them by a wide margin while
 * the linear ones take milliseconds. The values read are checked too, on
 * the record delivered and on a copy. */
#include <handleaudit/handleaudit.h>

#include "check.h"

static const uint32_t codes[] = {4416, 4417, 4418, 1537, 1538, 4423, 4424};
#define NCODES (sizeof codes / sizeof codes[0])

static size_t ntokens;
static int seen;

static void check_record(const ha_record *r)
{
    CHECK_U64(ha_record_access_count(r), ntokens);
    uint32_t mask = 0;
    for (size_t i = 0; i < NCODES; i++)
        mask |= ha_access_code_mask(codes[i]);
    CHECK_U64(ha_record_access_list_mask(r), mask);
    size_t bad = 0;
    for (size_t i = 0; i < ntokens; i++) {
        size_t len = 0;
        char want[16];
        int n = snprintf(want, sizeof want, "%%%%%u", (unsigned)codes[i % NCODES]);
        const char *t = ha_record_access_token(r, i, &len);
        if (!t || len != (size_t)n || memcmp(t, want, len) != 0 || ha_record_access_code(r, i) != codes[i % NCODES])
            bad++;
    }
    CHECK_U64(bad, 0);
    size_t len;
    CHECK(ha_record_access_token(r, ntokens, &len) == NULL);
    CHECK_INT(ha_record_access_code(r, ntokens), 0);
}

static int on_record(const ha_record *r, void *ud)
{
    (void)ud;
    seen++;
    check_record(r);
    ha_record *copy;
    CHECK_INT(ha_record_copy(r, &copy), HA_OK);
    check_record(copy);
    ha_record_free(copy);
    return 0;
}

int main(void)
{
    const size_t budget = ((size_t)1 << 20) - 64; /* the AccessList's bytes, under the 1 MiB field limit */
    size_t cap = budget + 1024, n = 0;
    char *xml = malloc(cap);
    n += (size_t)snprintf(xml, cap,
                          "<Event><System><EventID>4663</EventID></System><EventData>"
                          "<Data Name='ObjectName'>C:\\x</Data><Data Name='AccessList'>");
    size_t start = n;
    for (ntokens = 0; n - start + 16 < budget; ntokens++)
        n += (size_t)snprintf(xml + n, cap - n, "%%%%%u%s", (unsigned)codes[ntokens % NCODES],
                              ntokens % 5 == 4 ? "\n\t\t\t\t" : " ");
    n += (size_t)snprintf(xml + n, cap - n, "</Data></EventData></Event>");

    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = on_record;
    ha_reader *rd;
    CHECK_INT(ha_reader_new(&o, &rd), HA_OK);
    CHECK_INT(ha_reader_feed(rd, xml, n), HA_OK);
    CHECK_INT(ha_reader_finish(rd), HA_OK);
    CHECK_INT(seen, 1);
    CHECK(ntokens > 100000);
    ha_reader_free(rd);
    free(xml);
    return check_done();
}
