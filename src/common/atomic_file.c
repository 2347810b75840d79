/* Write to "<path>.tmp.XXXXXX", then fsync + rename + fsync(dir). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "patsift/atomic.h"

struct ps_atomic_file {
    FILE *fp;
    char *path;
    char *tmp;
};

ps_rc ps_atomic_open(const char *path, ps_atomic_file **out)
{
    *out = NULL;
    ps_atomic_file *f = calloc(1, sizeof *f);
    size_t n = strlen(path);
    if (!f || !(f->path = strdup(path)) || !(f->tmp = malloc(n + 12))) {
        ps_atomic_abort(f);
        errno = ENOMEM;
        return PS_ENOMEM;
    }
    memcpy(f->tmp, path, n);
    memcpy(f->tmp + n, ".tmp.XXXXXX", 12);
    int fd = mkstemp(f->tmp);
    if (fd < 0) {
        free(f->tmp);
        f->tmp = NULL;
        ps_atomic_abort(f);
        return PS_EIO;
    }
    fchmod(fd, 0644);
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        int e = errno;
        close(fd);
        ps_atomic_abort(f);
        errno = e;
        return PS_EIO;
    }
    *out = f;
    return PS_OK;
}

FILE *ps_atomic_stream(ps_atomic_file *f) { return f->fp; }

static void sync_dir(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

ps_rc ps_atomic_commit(ps_atomic_file *f)
{
    int err = 0;
    if (fflush(f->fp) != 0 || ferror(f->fp) || fsync(fileno(f->fp)) != 0)
        err = errno ? errno : EIO;
    if (fclose(f->fp) != 0 && !err)
        err = errno;
    f->fp = NULL;
    if (!err && rename(f->tmp, f->path) != 0)
        err = errno;
    if (err) {
        ps_atomic_abort(f);
        errno = err;
        return PS_EIO;
    }
    sync_dir(f->path);
    free(f->tmp);
    f->tmp = NULL;
    ps_atomic_abort(f);
    return PS_OK;
}

void ps_atomic_abort(ps_atomic_file *f)
{
    if (!f)
        return;
    if (f->fp)
        fclose(f->fp);
    if (f->tmp)
        unlink(f->tmp);
    free(f->tmp);
    free(f->path);
    free(f);
}
