/* A .evtx read whole (ha_reader_read_file) gives exactly what its bytes give
 * when fed through ha_reader_feed in 1-byte, 4096-byte, 65536-byte and
 * random-size chunks, and through ha_reader_read_fd and _fp: every record's
 * JSON (ha_record_json) with its offset and line, every diagnostic's code,
 * severity and positions.
 *
 *     evtx_chunks FILE.evtx|DIR...   (every *.evtx in a DIR; 77: none at all)
 */
#include <dirent.h>
#include <fcntl.h>
#ifndef O_BINARY
#define O_BINARY 0
#endif
#include <unistd.h>

#include "collect.h"

static ha_reader *new_reader(result *res)
{
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = on_record;
    o.on_diag = on_diag;
    o.userdata = res;
    ha_reader *r = NULL;
    CHECK_INT(ha_reader_new(&o, &r), HA_OK);
    return r;
}

enum how { BY_PATH, BY_FD, BY_FP };

static void read_by(const char *path, enum how how, result *res)
{
    ha_reader *r = new_reader(res);
    if (!r)
        return;
    if (how == BY_PATH) {
        CHECK_INT(ha_reader_read_file(r, path), HA_OK);
    } else if (how == BY_FD) {
        int fd = open(path, O_RDONLY | O_BINARY); /* Windows: no text-mode translation */
        CHECK(fd >= 0);
        CHECK_INT(ha_reader_read_fd(r, fd), HA_OK);
        close(fd);
    } else {
        FILE *fp = fopen(path, "rb");
        CHECK(fp != NULL);
        CHECK_INT(ha_reader_read_fp(r, fp), HA_OK);
        fclose(fp);
    }
    ha_reader_free(r);
}

/* The first line where two results' records differ, for the message. */
static void show_difference(const char *name, const char *how, const result *got, const result *want)
{
    fprintf(stderr, "%s: %s: %zu records, %zu diagnostics; ha_reader_read_file: %zu, %zu\n", name, how,
            got->nrecords, got->ndiags, want->nrecords, want->ndiags);
    const char *a = got->records.s ? got->records.s : "", *b = want->records.s ? want->records.s : "";
    size_t line = 1;
    while (*a && *a == *b) {
        line += *a == '\n';
        a++, b++;
    }
    if (*a || *b) {
        while (a > got->records.s && a[-1] != '\n')
            a--, b--;
        fprintf(stderr, "  record %zu differs:\n  got  %.300s\n  want %.300s\n", line, a, b);
        return;
    }
    for (size_t i = 0; i < got->ndiags && i < want->ndiags; i++) {
        const diag_rec *x = &got->diags[i], *y = &want->diags[i];
        if (memcmp(x, y, sizeof *x) != 0) {
            fprintf(stderr, "  diagnostic %zu differs: code %d at %" PRIu64 " vs code %d at %" PRIu64 "\n", i,
                    x->code, x->offset, y->code, y->offset);
            return;
        }
    }
}

static int check_file(const char *path, const char *name)
{
    size_t len;
    char *data = read_whole(path, &len);
    CHECK(data != NULL);
    if (!data)
        return 0;
    result whole = {.positions = 1};
    read_by(path, BY_PATH, &whole);
    CHECK(whole.nrecords > 0 || whole.ndiags > 0);
    struct {
        const char *how;
        size_t chunk, random_max; /* chunk 0: whole buffer, SIZE_MAX: random up to random_max */
        int by;                   /* -1: fed; otherwise an enum how */
    } ways[] = {
        {"fed whole", 0, 0, -1},           {"fed in 1-byte chunks", 1, 0, -1},
        {"fed in 4096-byte chunks", 4096, 0, -1}, {"fed in 65536-byte chunks", 65536, 0, -1},
        {"fed in random chunks up to 600 bytes", SIZE_MAX, 600, -1},
        {"fed in random chunks up to 200000 bytes", SIZE_MAX, 200000, -1},
        {"read by ha_reader_read_fd", 0, 0, BY_FD}, {"read by ha_reader_read_fp", 0, 0, BY_FP},
    };
    int same = 1;
    for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
        result part = {.positions = 1};
        if (ways[w].by >= 0) {
            read_by(path, (enum how)ways[w].by, &part);
        } else {
            random_chunk_max = ways[w].random_max ? ways[w].random_max : random_chunk_max;
            run(data, len, ways[w].chunk, &part);
        }
        if (!same_result(&part, &whole)) {
            show_difference(name, ways[w].how, &part, &whole);
            check_failures++;
            same = 0;
        }
        result_free(&part);
    }
    printf("%s: %zu records, %zu diagnostics%s\n", name, whole.nrecords, whole.ndiags,
           same ? ", the same in every chunking" : ": DIFFERENT");
    result_free(&whole);
    free(data);
    return 1;
}

static int is_evtx(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".evtx") == 0;
}

int main(int argc, char **argv)
{
    int files = 0;
    for (int i = 1; i < argc; i++) {
        DIR *dir = opendir(argv[i]);
        if (!dir) {
            if (is_evtx(argv[i]) && access(argv[i], R_OK) == 0)
                files += check_file(argv[i], argv[i]);
            continue;
        }
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            if (!is_evtx(e->d_name))
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            files += check_file(path, e->d_name);
        }
        closedir(dir);
    }
    if (files == 0) {
        fprintf(stderr, "no .evtx file: skipped\n");
        return 77;
    }
    return check_done();
}
