/* Every XML file of the shared corpus, fed in 1-byte chunks, in 4096-byte
 * chunks and in random chunk sizes, gives exactly the records and
 * diagnostics of the whole-buffer feed. Skipped (77) without the corpus. */
#include <dirent.h>

#include "collect.h"

static int is_xml(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcmp(name + n - 4, ".xml") == 0) || (n > 4 && strcmp(name + n - 4, ".txt") == 0);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    DIR *dir = opendir(argv[1]);
    if (!dir) {
        fprintf(stderr, "no corpus at %s: skipped\n", argv[1]);
        return 77;
    }
    struct dirent *e;
    int files = 0;
    while ((e = readdir(dir)) != NULL) {
        if (!is_xml(e->d_name))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
        size_t len;
        char *data = read_whole(path, &len);
        CHECK(data != NULL);
        if (!data)
            continue;
        files++;
        result whole = {0};
        run(data, len, 0, &whole);
        CHECK(whole.nrecords > 0);
        size_t chunks[] = {1, 4096, SIZE_MAX, SIZE_MAX, SIZE_MAX};
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            result part = {0};
            run(data, len, chunks[c], &part);
            if (!same_result(&part, &whole)) {
                fprintf(stderr, "%s: fed in chunks of %zu: %zu records, %zu diagnostics; whole: %zu, %zu\n",
                        e->d_name, chunks[c], part.nrecords, part.ndiags, whole.nrecords, whole.ndiags);
                check_failures++;
            }
            result_free(&part);
        }
        printf("%s: %zu records, %zu diagnostics, same in every chunking\n", e->d_name, whole.nrecords,
               whole.ndiags);
        result_free(&whole);
        free(data);
    }
    closedir(dir);
    CHECK(files > 0);
    return check_done();
}
