/* Replays fuzz inputs through a target's LLVMFuzzerTestOneInput without
 * libFuzzer, so `make test` (gcc, optionally ASan+UBSan) runs the seed
 * corpus and every saved crash reproducer on each build.
 *
 * Usage: replay_<target> [file|dir]...
 * A directory is read one level deep (sub-directories one more level);
 * names starting with '.' are skipped (.gitkeep). A path that does not
 * exist is skipped silently: an empty regress/ folder is normal. A crash,
 * abort or sanitizer report is the failure signal; otherwise it prints
 * "replay <target>: N inputs ok" and exits 0. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long n_ok;

/* Reads the whole file; returns 0 on success (*out malloc'ed, never NULL). */
static int read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return -1;
    }
    for (;;) {
        if (n == cap) {
            uint8_t *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = p;
            cap *= 2;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

static void run_file(const char *path)
{
    uint8_t *data;
    size_t len;
    if (read_file(path, &data, &len) != 0) {
        fprintf(stderr, "replay: %s: cannot read: %s\n", path, strerror(errno));
        exit(1);
    }
    /* copy into an exact-size block so ASan sees reads past the end */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        fprintf(stderr, "replay: %s: out of memory\n", path);
        exit(1);
    }
    if (len)
        memcpy(exact, data, len);
    free(data);
    if (getenv("REPLAY_VERBOSE"))
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    n_ok++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_path(const char *path, int depth);

static void run_dir(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: %s: cannot open folder: %s\n", dir, strerror(errno));
        exit(1);
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *p);
            if (!p) {
                fprintf(stderr, "replay: out of memory\n");
                exit(1);
            }
            names = p;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n]) {
            fprintf(stderr, "replay: out of memory\n");
            exit(1);
        }
        snprintf(names[n++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str); /* same order every run */
    for (size_t i = 0; i < n; i++) {
        run_path(names[i], depth + 1);
        free(names[i]);
    }
    free(names);
}

static void run_path(const char *path, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return; /* missing: nothing to replay */
    if (S_ISDIR(st.st_mode)) {
        if (depth <= 1)
            run_dir(path, depth);
    } else if (S_ISREG(st.st_mode)) {
        run_file(path);
    }
}

int main(int argc, char **argv)
{
    const char *target = argc > 0 && argv[0] ? argv[0] : "replay";
    const char *slash = strrchr(target, '/');
    if (slash)
        target = slash + 1;
    if (strncmp(target, "replay_", 7) == 0)
        target += 7;
    for (int i = 1; i < argc; i++)
        run_path(argv[i], 0);
    printf("replay %s: %lu inputs ok\n", target, n_ok);
    return 0;
}
