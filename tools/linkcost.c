/*
 * hl-linkcost DIR [--max N] [--seconds S]: what one more hard link costs as a
 * file's link count grows. One file in a fresh directory under DIR is linked
 * over and over through hl_create_at; after each bucket of links one TSV line
 * `<link count>\t<microseconds per link>` (the link count the file has after
 * the bucket's last link, the median cost of the bucket's links: one stall
 * of a shared machine does not move it). Buckets are
 * 16 links wide up to 256, then 1/16 of the link count (evenly spaced on a
 * log axis). Stops at N links (default 2000), after S seconds (default 60) or
 * at the first refusal, said on a # line with its status and errno; then
 * removes every name it made (also on SIGINT/SIGTERM: exit 130/143).
 */
#define _GNU_SOURCE
#include <hl.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: hl-linkcost DIR [--max N] [--seconds S]\n"
            "Link one file in a new directory under DIR over and over (hl_create_at) and print,\n"
            "per bucket of links, TSV lines <link count>\\t<microseconds per link>; lines\n"
            "starting with # are comments (the header, and why it stopped). Stops at N links\n"
            "(default 2000), after S seconds (default 60) or at the first refusal; removes\n"
            "every name it made, also on SIGINT (exit 130) and SIGTERM (exit 143).\n"
            "Exit: 0 measured (a refusal ends the run and is not an error), 1 a setup or\n"
            "clean-up failure, 2 bad usage.\n");
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* The end (a link count) of the bucket starting at link count START. */
static long bucket_end(long start)
{
    return start < 256 ? start + 16 : start + start / 16;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of the N > 0 times in T, in microseconds (sorts T). */
static double median_us(double *t, long n)
{
    qsort(t, (size_t)n, sizeof *t, by_value);
    return (n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2) * 1e6;
}

/* Remove the names l1..lLAST, the file and the directory; 0 when all are gone. */
static int clean_up(int dfd, const char *dir, long last)
{
    int rc = 0;
    char name[32];
    for (long i = 1; i <= last; i++) {
        snprintf(name, sizeof name, "l%ld", i);
        if (unlinkat(dfd, name, 0) != 0 && errno != ENOENT) {
            fprintf(stderr, "hl-linkcost: cannot remove %s/%s: %s\n", dir, name, strerror(errno));
            rc = 1;
        }
    }
    if (unlinkat(dfd, "f", 0) != 0 && errno != ENOENT)
        rc = 1;
    close(dfd);
    if (rmdir(dir) != 0) {
        fprintf(stderr, "hl-linkcost: cannot remove %s: %s\n", dir, strerror(errno));
        rc = 1;
    }
    return rc;
}

int main(int argc, char **argv)
{
    const char *base = NULL;
    long max = 2000, seconds = 60;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) {
            if (parse_long(argv[++i], 1, LONG_MAX / 2, &max) != 0) {
                fprintf(stderr, "hl-linkcost: --max wants a number of links >= 1, not '%s'\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            if (parse_long(argv[++i], 1, 86400, &seconds) != 0) {
                fprintf(stderr, "hl-linkcost: --seconds wants 1..86400, not '%s'\n", argv[i]);
                return 2;
            }
        } else if (argv[i][0] == '-' || base) {
            fprintf(stderr, "hl-linkcost: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else {
            base = argv[i];
        }
    }
    if (!base) {
        usage(stderr);
        return 2;
    }

    /* no SA_RESTART: a signal ends the loop at the next link, then the clean-up runs */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* a reader that goes away (| head) ends the run at the next line, with the clean-up */
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    char dir[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s/hl-linkcost.XXXXXX", base) >= (int)sizeof dir || !mkdtemp(dir)) {
        fprintf(stderr, "hl-linkcost: cannot create a directory under %s: %s\n", base, strerror(errno));
        return 2;
    }
    int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int fd = dfd < 0 ? -1 : openat(dfd, "f", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "hl-linkcost: cannot create %s/f: %s\n", dir, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        rmdir(dir);
        return 1;
    }
    close(fd);

    hl_volume vol;
    const char *fs = hl_volume_probe(dir, &vol) == HL_OK ? vol.name : "unknown";
    printf("# hl-linkcost %s (%s): one file linked with hl_create_at, up to %ld links or %ld s\n", base, fs, max,
           seconds);
    printf("# median microseconds of the links in each bucket, by the link count after its last\n");
    printf("# nlink\tus_per_link\n");

    char name[32];
    long nlink = 1, start = 1, end = bucket_end(1);
    double t_start = now();
    /* the times of the bucket's links; the widest bucket is the last, near --max */
    double *times = malloc(sizeof *times * (size_t)(bucket_end(max) - max + 1));
    if (!times) {
        fprintf(stderr, "hl-linkcost: out of memory\n");
        clean_up(dfd, dir, 0);
        return 1;
    }
    const char *why = NULL;
    hl_error err;
    char refusal[HL_MESSAGE_MAX + 256];
    while (!why) {
        if (stop_signal) {
            why = "signal";
            break;
        }
        snprintf(name, sizeof name, "l%ld", nlink);
        double t0 = now();
        hl_status s = hl_create_at(dfd, name, "f", NULL, &err);
        double t1 = now();
        if (s != HL_OK) {
            if (stop_signal && err.domain == HL_DOMAIN_ERRNO && err.native == EINTR)
                continue;
            snprintf(refusal, sizeof refusal, "# stopped: refused at link count %ld: %s (%s %ld): %s\n", nlink,
                     hl_status_name(s), err.domain == HL_DOMAIN_ERRNO ? hl_errno_name((int)err.native) : "native",
                     err.native, err.message);
            why = "refused";
            break;
        }
        times[nlink - start] = t1 - t0;
        nlink++;
        if (nlink >= end || nlink > max || t1 - t_start >= (double)seconds) {
            printf("%ld\t%.2f\n", nlink, median_us(times, nlink - start));
            start = nlink;
            end = bucket_end(nlink);
            if (fflush(stdout) != 0) {
                why = "output";
                break;
            }
            if (nlink > max) {
                printf("# stopped: %ld links made (--max %ld)\n", nlink - 1, max);
                why = "max";
            } else if (t1 - t_start >= (double)seconds) {
                printf("# stopped: time budget of %ld s spent at link count %ld\n", seconds, nlink);
                why = "time";
            }
        }
    }
    if (nlink > start && (strcmp(why, "signal") == 0 || strcmp(why, "refused") == 0))
        printf("%ld\t%.2f\n", nlink, median_us(times, nlink - start));
    if (strcmp(why, "refused") == 0)
        fputs(refusal, stdout);
    if (stop_signal)
        printf("# stopped: %s at link count %ld; removing what was made\n", strsignal(stop_signal), nlink);
    free(times);
    int rc = clean_up(dfd, dir, nlink - 1);
    if (stop_signal)
        return 128 + stop_signal;
    return rc;
}
