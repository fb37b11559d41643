/*
 * Family 4, link_limit: how many names one file can have.
 *
 * policy_ntfs_max_links: with hl_options.max_links = HL_NTFS_MAX_LINKS on any
 * volume, exactly 1023 links succeed (nlink 1024, NTFS's names per file) and
 * the next is refused by libhl itself: HL_ERR_TOO_MANY_LINKS with no native
 * code (HL_DOMAIN_NONE), no new name, nlink still 1024.
 *
 * native_limit: the filesystem's own limit, hlc.link_max (HL_LINK_MAX, the
 * ntfs profile's 1024, or libhl's table), is reached exactly: the link that
 * makes nlink equal to the limit succeeds, the next is HL_ERR_TOO_MANY_LINKS
 * from EMLINK and changes nothing. Where the limit is unknown (tmpfs) or above
 * HL_LINK_BUDGET (xfs: 2^31 - 1), the case links up to the budget: a refusal
 * on the way names the limit it found (set HL_LINK_MAX to it if that is
 * right); none means no limit within the budget, and the case passes saying so.
 *
 * In the fat profile the first link of either case is HL_ERR_NOT_SUPPORTED.
 *
 * Names are spread over subdirectories of PER_DIR names each: measured here,
 * 65000 links in one directory take 1.2 s on ext4 and 3.0 s on btrfs, in
 * directories of 100 0.65 s and 1.6 s; 1023 links on ntfs-3g 3.3 s in one
 * directory, 1.8 s in directories of 32 (its cost per link grows with the
 * file's nlink, not the directory). The case unlinks its names itself (no
 * stat per name, as the harness's nftw needs); on ntfs-3g that is as slow as
 * linking, so the policy case takes about 4.5 s there.
 */
#include "hlc.h"

#include <time.h>

HLC_SUITE(link_limit);

#define PER_DIR 64

static const char *const EXISTING = "existing";
static const char *const OVER = "over/past_the_limit"; /* the one name that must not appear */

/* The name of link number k (k >= 1): "dN/k", PER_DIR to a directory. */
static const char *link_name(unsigned long long k)
{
    static char b[64];
    snprintf(b, sizeof b, "d%llu/%llu", (k - 1) / PER_DIR, k);
    return b;
}

/* Link EXISTING until it has `goal` names. Returns the number of names it has when
 * a link failed (*s, *e say how), or goal. */
static unsigned long long link_up_to(unsigned long long goal, const hl_options *o, hl_status *s, hl_error *e)
{
    unsigned long long have = 1;
    *s = HL_OK;
    while (have < goal) {
        unsigned long long k = have; /* link number k makes k + 1 names */
        if ((k - 1) % PER_DIR == 0) {
            char d[32];
            snprintf(d, sizeof d, "d%llu", (k - 1) / PER_DIR);
            hlc_mkdir(d);
        }
        *s = hl_create_at(hlc_dfd, link_name(k), EXISTING, o, e);
        if (*s != HL_OK)
            return have;
        have++;
        if (have % 4096 == 0 || have == goal)
            hlc_progress(hlc_case, have, goal);
    }
    return have;
}

/* Unlink the names link_up_to made (faster than the harness's nftw). */
static void unlink_all(unsigned long long have)
{
    for (unsigned long long k = have - 1; k >= 1; k--) {
        unlinkat(hlc_dfd, link_name(k), 0);
        if ((k - 1) % PER_DIR == 0) {
            char d[32];
            snprintf(d, sizeof d, "d%llu", (k - 1) / PER_DIR);
            unlinkat(hlc_dfd, d, AT_REMOVEDIR);
        }
    }
}

static unsigned long long nlink_of_existing(void) { return (unsigned long long)hlc_lstat(EXISTING).st_nlink; }

/* The link OVER -> EXISTING with options o is refused: status want, errno
 * want_errno (HLC_NO_ERRNO: libhl's own decision), OVER does not appear,
 * nothing else in "over/" changes and EXISTING keeps its link count (only
 * "over/" is watched: a snapshot of every name the case made would cost
 * seconds). why names where the limit comes from. */
static void expect_refused_over(const hl_options *o, hl_status want, int want_errno, const char *why)
{
    char over_dir[TK_PATH_MAX * 2], note[TK_MSG_MAX];
    snprintf(over_dir, sizeof over_dir, "%s", hlc_path("over"));
    snprintf(note, sizeof note, "at link count %llu: %s", nlink_of_existing(), why);
    hlc_call c = {.watch = over_dir, .note = note};
    hlc_call_at(&c, hlc_dfd, OVER, EXISTING, o);
    hlc_expect_refused(&c, want, want_errno, HLC_EXISTING);
}

/* ------------------------------------------------------------------ policy */

HLC_CASE(link_limit, policy_ntfs_max_links)
{
    hlc_write(EXISTING, "a file with NTFS's limit on its names");
    hlc_mkdir("over");
    hl_options o = {0, HL_NTFS_MAX_LINKS};
    if (!hlc_links()) {
        expect_refused_over(&o, HL_ERR_NOT_SUPPORTED, HLC_ANY_ERRNO, "the first link, on a volume without hard links");
        return;
    }
    /* A volume that allows fewer names than 1024 (HL_LINK_MAX below it) says
     * EMLINK first; the policy only ever lowers the limit. */
    unsigned long long limit = HL_NTFS_MAX_LINKS;
    int native_first = hlc.link_max && hlc.link_max < limit;
    if (native_first)
        limit = hlc.link_max;
    hl_status s;
    hl_error e;
    unsigned long long have = link_up_to(limit, &o, &s, &e);
    HLC_CHECK(s == HL_OK, "with max_links = %u, link %llu (nlink %llu -> %llu): expected HL_OK, got %s; %s",
              HL_NTFS_MAX_LINKS, have, have, have + 1, hlc_describe_got(s, &e), e.message);
    unsigned long long n = nlink_of_existing();
    HLC_CHECK(n == limit, "after %llu links with HL_OK, nlink of %s is %llu, expected %llu", limit - 1, hlc_path(EXISTING),
              n, limit);
    char why[160];
    if (native_first)
        snprintf(why, sizeof why, "HL_LINK_MAX=%llu, below max_links %u", limit, HL_NTFS_MAX_LINKS);
    else
        snprintf(why, sizeof why, "max_links = HL_NTFS_MAX_LINKS = %u", HL_NTFS_MAX_LINKS);
    expect_refused_over(&o, HL_ERR_TOO_MANY_LINKS, native_first ? EMLINK : HLC_NO_ERRNO, why);
    unlink_all(have);
}

/* ------------------------------------------------------------------ native */

static const char *limit_source(void)
{
    const char *lm = getenv("HL_LINK_MAX");
    if (lm && *lm)
        return "HL_LINK_MAX";
    if (hlc.profile == HLC_NTFS)
        return "the ntfs profile: NTFS allows 1024 names per file";
    return "libhl's table";
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

HLC_CASE(link_limit, native_limit)
{
    hlc_write(EXISTING, "a file with as many names as the volume allows");
    hlc_mkdir("over");
    if (!hlc_links()) {
        hlc_linked(OVER, EXISTING, 0); /* asserts HL_ERR_NOT_SUPPORTED and nothing changed */
        return;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned long long limit = hlc.link_max, budget = hlc.budget;
    int known = limit && limit <= budget;
    hl_options o = {0, 0};
    hl_status s;
    hl_error e;
    unsigned long long have = link_up_to(known ? limit : budget, &o, &s, &e);
    if (s != HL_OK) {
        int emlink = s == HL_ERR_TOO_MANY_LINKS && e.domain == HL_DOMAIN_ERRNO && e.native == EMLINK;
        const char *left = hlc_exists(link_name(have)) ? "; and the refused name exists" : "";
        if (known)
            hlc_fail("link %llu (nlink %llu -> %llu) was refused with %s, below the limit %llu (%s); %s%s%s. "
                     "If %llu is this volume's limit, set HL_LINK_MAX=%llu",
                     have, have, have + 1, hlc_describe_got(s, &e), limit, limit_source(), e.message, left,
                     emlink ? "" : " (and a limit should be HL_ERR_TOO_MANY_LINKS (EMLINK))", have, have);
        char table[96] = "none known";
        if (limit)
            snprintf(table, sizeof table, "%llu, above the budget", limit);
        hlc_fail("the limit is %llu: link %llu (nlink %llu -> %llu) was refused with %s (%s: %s; HL_LINK_BUDGET=%llu); "
                 "%s%s%s. If that is this volume's limit, set HL_LINK_MAX=%llu",
                 have, have, have, have + 1, hlc_describe_got(s, &e), limit_source(), table, budget, e.message, left,
                 emlink ? "" : " (and a limit should be HL_ERR_TOO_MANY_LINKS (EMLINK))", have);
    }
    unsigned long long n = nlink_of_existing();
    if (!known) {
        HLC_CHECK(n == budget, "after %llu links with HL_OK, nlink of %s is %llu, expected %llu", budget - 1,
                  hlc_path(EXISTING), n, budget);
        cr_log_info("%s: %s has no link limit within the budget: nlink reached HL_LINK_BUDGET=%llu in %.2f s",
                    hlc_case, hlc.vol.name, budget, seconds_since(&t0));
        fprintf(stderr, "%s: %s (%s) has no link limit within the budget: nlink reached HL_LINK_BUDGET=%llu\n",
                hlc_case, hlc.target, hlc.vol.name, budget);
        unlink_all(have);
        return;
    }
    HLC_CHECK(n == limit, "after %llu links with HL_OK, nlink of %s is %llu, expected %llu", limit - 1, hlc_path(EXISTING),
              n, limit);
    char why[160];
    snprintf(why, sizeof why, "the limit for %s, from %s", hlc.vol.name, limit_source());
    expect_refused_over(&o, HL_ERR_TOO_MANY_LINKS, EMLINK, why);
    unlink_all(have);
}
