/*
 * Family 1, basic: a link is the same file under a second name. Same
 * (st_dev, st_ino), nlink up by one through both names, data shared, the
 * existing file's ctime and the parent directory's mtime and ctime advance, and the
 * count falls again on unlink. In the fat profile every link is refused with
 * HL_ERR_NOT_SUPPORTED and the existing file stays as it was.
 */
#include "hlc.h"

#include <time.h>

HLC_SUITE(basic);

HLC_CASE(basic, same_inode_and_nlink)
{
    hlc_write("existing", "hello");
    hlc_linked("new", "existing", 0);
}

HLC_CASE(basic, data_through_either_name)
{
    hlc_write("existing", "written through existing");
    if (!hlc_linked("new", "existing", 0))
        return;
    char *got = hlc_read("new");
    HLC_CHECK(got && strcmp(got, "written through existing") == 0, "read through %s: expected \"written through existing\", got \"%s\"",
              hlc_path("new"), got ? got : "(unreadable)");
    free(got);
    hlc_write("new", "then through new");
    got = hlc_read("existing");
    HLC_CHECK(got && strcmp(got, "then through new") == 0, "read through %s: expected \"then through new\", got \"%s\"",
              hlc_path("existing"), got ? got : "(unreadable)");
    free(got);
}

static long long ns(struct timespec t) { return (long long)t.tv_sec * 1000000000LL + t.tv_nsec; }

/* How far apart two different ctimes on this volume can be at least: touch a
 * file as fast as possible and take the largest step seen over a few changes
 * (1 ns-ish where the kernel hands out fine-grained stamps, 1 s on an ext4
 * with 128-byte inodes, 2 s on FAT). Never a fixed second. */
static long long ctime_granularity(void)
{
    hlc_touch("granularity");
    int fd = openat(hlc_dfd, "granularity", O_WRONLY | O_CLOEXEC);
    HLC_CHECK(fd >= 0, "setup: %s", strerror(errno));
    struct stat a, b;
    fstat(fd, &a);
    long long step = 0;
    int changes = 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        futimens(fd, NULL);
        fstat(fd, &b);
        if (ns(b.st_ctim) != ns(a.st_ctim)) {
            long long d = ns(b.st_ctim) - ns(a.st_ctim);
            step = d > step ? d : step;
            changes++;
            a = b;
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while (changes < 3 && ns(t) - ns(t0) < 5000000000LL);
    close(fd);
    unlinkat(hlc_dfd, "granularity", 0);
    HLC_CHECK(changes > 0, "the ctime of %s did not change in 5 s of timestamp updates", hlc_path("granularity"));
    return step;
}

HLC_CASE(basic, timestamps_advance)
{
    hlc_mkdir("parent");
    hlc_write("existing", "x");
    if (!hlc_links()) {
        hlc_linked("parent/new", "existing", 0);
        return;
    }
    long long g = ctime_granularity();
    struct stat s0 = hlc_stat("existing"), d0 = hlc_stat("parent");
    struct timespec wait = {(time_t)(g / 1000000000LL), (long)(g % 1000000000LL)};
    nanosleep(&wait, NULL); /* one granule: a change now must show */
    hlc_linked("parent/new", "existing", 0);
    struct stat s1 = hlc_stat("existing"), d1 = hlc_stat("parent");
    HLC_CHECK(ns(s1.st_ctim) > ns(s0.st_ctim), "the existing file's ctime did not advance: %lld.%09ld before, %lld.%09ld after (granularity %lld ns)",
              (long long)s0.st_ctim.tv_sec, s0.st_ctim.tv_nsec, (long long)s1.st_ctim.tv_sec, s1.st_ctim.tv_nsec, g);
    HLC_CHECK(ns(d1.st_mtim) > ns(d0.st_mtim), "the parent directory's mtime did not advance: %lld.%09ld before, %lld.%09ld after",
              (long long)d0.st_mtim.tv_sec, d0.st_mtim.tv_nsec, (long long)d1.st_mtim.tv_sec, d1.st_mtim.tv_nsec);
    HLC_CHECK(ns(d1.st_ctim) > ns(d0.st_ctim), "the parent directory's ctime did not advance: %lld.%09ld before, %lld.%09ld after",
              (long long)d0.st_ctim.tv_sec, d0.st_ctim.tv_nsec, (long long)d1.st_ctim.tv_sec, d1.st_ctim.tv_nsec);
    HLC_CHECK(ns(s1.st_mtim) == ns(s0.st_mtim), "linking changed the existing file's mtime");
}

HLC_CASE(basic, unlink_lowers_the_count)
{
    hlc_write("existing", "kept");
    if (!hlc_linked("new", "existing", 0))
        return;
    HLC_CHECK(unlinkat(hlc_dfd, "new", 0) == 0, "unlink %s: %s", hlc_path("new"), strerror(errno));
    struct stat st = hlc_lstat("existing");
    HLC_CHECK(st.st_nlink == 1, "after unlinking %s, the link count of %s is %llu, expected 1", hlc_path("new"),
              hlc_path("existing"), (unsigned long long)st.st_nlink);
    char *got = hlc_read("existing");
    HLC_CHECK(got && strcmp(got, "kept") == 0, "data of %s after the unlink: \"%s\"", hlc_path("existing"),
              got ? got : "(unreadable)");
    free(got);
}

HLC_CASE(basic, several_links_in_several_directories)
{
    hlc_write("existing", "many");
    hlc_mkdir("a");
    hlc_mkdir("b");
    hlc_mkdir("b/c");
    const char *names[] = {"l1", "a/l2", "a/l3", "b/l4", "b/c/l5", "b/c/l6"};
    const size_t n = sizeof names / sizeof names[0];
    for (size_t i = 0; i < n; i++)
        if (!hlc_linked(names[i], i % 2 ? names[i - 1] : "existing", 0))
            return;
    struct stat existing = hlc_lstat("existing");
    HLC_CHECK(existing.st_nlink == n + 1, "the link count of %s is %llu after %zu links, expected %zu",
              hlc_path("existing"), (unsigned long long)existing.st_nlink, n, n + 1);
    for (size_t i = 0; i < n; i++) {
        struct stat st = hlc_lstat(names[i]);
        HLC_CHECK(st.st_ino == existing.st_ino && st.st_nlink == n + 1,
                  "%s: inode %llu link count %llu, expected %llu and %zu", hlc_path(names[i]),
                  (unsigned long long)st.st_ino, (unsigned long long)st.st_nlink, (unsigned long long)existing.st_ino,
                  n + 1);
    }
    for (size_t i = 0; i < n; i++)
        HLC_CHECK(unlinkat(hlc_dfd, names[i], 0) == 0, "unlink %s: %s", hlc_path(names[i]), strerror(errno));
    HLC_CHECK(hlc_lstat("existing").st_nlink == 1, "after unlinking every other name nlink is %llu, expected 1",
              (unsigned long long)hlc_lstat("existing").st_nlink);
}
