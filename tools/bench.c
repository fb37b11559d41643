/*
 * hl-bench [DIR] [PAIRS]: what libhl costs over the raw system call, measured
 * in one run on one volume (default /dev/shm, 200000 link+unlink pairs per
 * variant). Prints pairs per second and the ratio to raw linkat+unlink, so
 * figures from a noisy shared machine compare within the run.
 */
#define _GNU_SOURCE
#include <hl.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

enum variant { RAW, PLAIN, FOLLOW, BENEATH, BENEATH_NESTED, BENEATH_FOLLOW, POLICY };
static const char *names[] = {"raw linkat+unlink", "hl_create_at", "hl_create_at HL_FOLLOW",
                              "hl_create_at HL_BENEATH", "HL_BENEATH, d/e/ paths",
                              "HL_BENEATH|HL_FOLLOW", "max_links 1024"};

static double run(int dfd, enum variant v, long pairs)
{
    static const hl_options opts[] = {{0, 0}, {0, 0}, {HL_FOLLOW, 0}, {HL_BENEATH, 0}, {HL_BENEATH, 0},
                                      {HL_BENEATH | HL_FOLLOW, 0}, {0, HL_NTFS_MAX_LINKS}};
    const char *existing = v == BENEATH_NESTED ? "d/e/existing" : "existing";
    const char *new_name = v == BENEATH_NESTED ? "d/e/new_name" : "new_name";
    double t0 = now();
    for (long i = 0; i < pairs; i++) {
        int ok = v == RAW ? linkat(dfd, existing, dfd, new_name, 0) == 0
                          : hl_create_at(dfd, new_name, existing, &opts[v], NULL) == HL_OK;
        if (!ok || unlinkat(dfd, new_name, 0) != 0) {
            fprintf(stderr, "hl-bench: %s failed at pair %ld: %s\n", names[v], i, strerror(errno));
            exit(1);
        }
    }
    return (double)pairs / (now() - t0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: hl-bench [DIR] [PAIRS]\nTime link+unlink pairs through libhl against raw linkat on DIR's\n"
               "volume (default /dev/shm, 200000 pairs per variant); prints pairs/s and the ratio to raw.\n");
        return 0;
    }
    const char *base = argc > 1 ? argv[1] : "/dev/shm";
    long pairs = argc > 2 ? atol(argv[2]) : 200000;
    if (pairs <= 0) {
        fprintf(stderr, "hl-bench: PAIRS must be a positive number\n");
        return 2;
    }
    /* Ctrl-C waits until the directory is removed (a few seconds at most) */
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/hl-bench.XXXXXX", base);
    if (!mkdtemp(dir)) {
        fprintf(stderr, "hl-bench: cannot create a directory under %s: %s\n", base, strerror(errno));
        return 2;
    }
    int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    mkdirat(dfd, "d", 0755);
    mkdirat(dfd, "d/e", 0755);
    close(openat(dfd, "existing", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    close(openat(dfd, "d/e/existing", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    hl_volume vol;
    hl_volume_probe(dir, &vol);
    printf("hl-bench on %s (%s), %ld link+unlink pairs per variant\n", base, vol.name, pairs);
    run(dfd, RAW, pairs / 10 + 1); /* warm the dentry cache */
    double raw = run(dfd, RAW, pairs);
    printf("  %-28s %10.0f pairs/s  %6.2f us/pair  1.00 of raw\n", names[RAW], raw, 1e6 / raw);
    for (enum variant v = PLAIN; v <= POLICY; v++) {
        double r = run(dfd, v, pairs);
        printf("  %-28s %10.0f pairs/s  %6.2f us/pair  %4.2f of raw\n", names[v], r, 1e6 / r, r / raw);
    }
    unlinkat(dfd, "existing", 0);
    unlinkat(dfd, "d/e/existing", 0);
    unlinkat(dfd, "d/e", AT_REMOVEDIR);
    unlinkat(dfd, "d", AT_REMOVEDIR);
    close(dfd);
    rmdir(dir);
    return 0;
}
