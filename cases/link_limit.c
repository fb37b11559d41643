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
 * HL_LINK_BUDGET (xfs: 2^31 - 1), the case links up to the budget, or for
 * HL_LINK_SECONDS (a slow FUSE driver): a clean refusal (EMLINK, the refused
 * name absent, nlink unchanged) on a volume whose limit nobody declared is a
 * finding, reported (a NOTE line and the Criterion log) and passed; a refusal
 * below a limit the table or HL_LINK_MAX gives, or an unclean one, fails;
 * none means no limit within the budget, and the case passes saying so.
 *
 * one_directory and long_names: every name in one directory, short or
 * nearly as long as the volume's name limit (statfs f_namelen): a filesystem
 * may keep a file's names per directory in one record (btrfs without the
 * extref feature: EMLINK after about 1,150 short names in one directory).
 * A clean EMLINK before the per-file limit is a finding (per directory),
 * anything else refused fails; reaching the per-file limit passes (the
 * refusal past it is native_limit's); one_directory stops at ONE_DIR_LINKS,
 * long_names at LONG_LINKS (space).
 *
 * In the fat profile the first link of every case is HL_ERR_NOT_SUPPORTED.
 *
 * The three probing cases end their NOTE lines (stderr) with a stable tail
 * after " -- " that tools/case-outcomes --limits reads for REPORT.md's table:
 *   result=R nlink=N errno=E budget_links=N budget_seconds=S seconds=S declared=N
 * R: found (a clean EMLINK where none was declared: the limit is nlink),
 * limit (the declared limit reached; errno: what the next link got, "none" if
 * it linked), file_limit (a one-directory case reached the per-file limit),
 * budget or seconds (stopped there, no refusal: nlink is how far it got),
 * refused (a refusal the case fails). budget_seconds 0: no time limit;
 * declared 0: no limit known (HL_LINK_MAX, the profile or libhl's table).
 *
 * native_limit spreads names over subdirectories of PER_DIR names each:
 * measured here, 65000 links in one directory take 1.2 s on ext4 and 3.0 s on
 * btrfs, in directories of 100 0.65 s and 1.6 s; 1023 links on ntfs-3g 3.3 s
 * in one directory, 1.8 s in directories of 32 (its cost per link grows with
 * the file's nlink, not the directory). The case unlinks its names itself (no
 * stat per name, as the harness's nftw needs); on ntfs-3g that is as slow as
 * linking, so the policy case takes about 4.5 s there.
 */
#include "hlc.h"

#include <sys/statfs.h>
#include <time.h>

HLC_SUITE(link_limit);

#define PER_DIR 64
/* long_names stops here: a 64 KiB btree node (btrfs's largest) holds about
 * 260 names of 239 bytes; 300 such names are 80 KB of directory */
#define LONG_LINKS 300
/* one_directory stops here: a per-directory record of names fills one btree
 * node (btrfs without extref: 1240 short names in a 16 KiB node, about 5000 in
 * its largest, 64 KiB); going on to 65000 would double the family's time */
#define ONE_DIR_LINKS 8192
/* HL_LINK_SECONDS default: with unlinking (as slow as linking on ntfs-3g,
 * slower with long names) each case stays near 10 s here */
#define LINK_SECONDS 2.0

static const char *const EXISTING = "existing";
static const char *const OVER = "over/past_the_limit"; /* the one name that must not appear */

/* Where the names of one case go, and the time it may take. */
enum layout { SPREAD, ONE_DIR, LONG_NAMES };
struct run {
    enum layout layout;
    int name_len;        /* LONG_NAMES: bytes per name */
    double seconds;      /* stop linking after this long; 0: no time limit */
    unsigned long long goal; /* the count link_up_to was given */
    struct timespec t0;
    int timed_out;
};

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* HL_LINK_SECONDS, the time budget of a probe for a limit. */
static double link_seconds(void)
{
    const char *v = getenv("HL_LINK_SECONDS");
    if (!v || !*v)
        return LINK_SECONDS;
    char *end;
    double d = strtod(v, &end);
    cr_assert(*end == '\0' && d > 0, "HL_LINK_SECONDS=%s: expected a positive number of seconds", v);
    return d;
}

/* The name of link number k (k >= 1): "dN/k" PER_DIR to a directory, "one/k",
 * or "long/" and k zero-padded to name_len bytes. */
static const char *link_name(const struct run *r, unsigned long long k)
{
    static char b[TK_PATH_MAX];
    if (r->layout == SPREAD)
        snprintf(b, sizeof b, "d%llu/%llu", (k - 1) / PER_DIR, k);
    else if (r->layout == ONE_DIR)
        snprintf(b, sizeof b, "one/%llu", k);
    else
        snprintf(b, sizeof b, "long/%0*llu", r->name_len, k);
    return b;
}

/* Link EXISTING until it has `goal` names, or the time runs out
 * (r->timed_out). Returns the number of names it has when a link failed
 * (*s, *e say how), or when it stopped. */
static unsigned long long link_up_to(unsigned long long goal, const hl_options *o, hl_status *s, hl_error *e,
                                     struct run *r)
{
    unsigned long long have = 1;
    *s = HL_OK;
    r->goal = goal;
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    r->timed_out = 0;
    if (r->layout != SPREAD)
        hlc_mkdir(r->layout == ONE_DIR ? "one" : "long");
    while (have < goal) {
        unsigned long long k = have; /* link number k makes k + 1 names */
        if (r->layout == SPREAD && (k - 1) % PER_DIR == 0) {
            char d[32];
            snprintf(d, sizeof d, "d%llu", (k - 1) / PER_DIR);
            hlc_mkdir(d);
        }
        *s = hl_create_at(hlc_dfd, link_name(r, k), EXISTING, o, e);
        if (*s != HL_OK)
            return have;
        have++;
        if (have % 4096 == 0 || have == goal)
            hlc_progress(hlc_case, have, goal);
        if (r->seconds > 0 && have % 32 == 0 && have < goal && seconds_since(&r->t0) > r->seconds) {
            r->timed_out = 1;
            break;
        }
    }
    return have;
}

/* Unlink the names link_up_to made (faster than the harness's nftw). */
static void unlink_all(const struct run *r, unsigned long long have)
{
    for (unsigned long long k = have - 1; k >= 1; k--) {
        unlinkat(hlc_dfd, link_name(r, k), 0);
        if (r->layout == SPREAD && (k - 1) % PER_DIR == 0) {
            char d[32];
            snprintf(d, sizeof d, "d%llu", (k - 1) / PER_DIR);
            unlinkat(hlc_dfd, d, AT_REMOVEDIR);
        }
    }
    if (r->layout != SPREAD)
        unlinkat(hlc_dfd, r->layout == ONE_DIR ? "one" : "long", AT_REMOVEDIR);
}

/* A finding or a limit that was not reached: a NOTE line and the Criterion
 * log; the NOTE ends with the key=value tail (result, nlink, e: the errno the
 * refusal carried, 0 for none) described at the top. */
__attribute__((format(printf, 5, 6))) static void note(const struct run *r, const char *result,
                                                       unsigned long long nlink, int e, const char *fmt, ...)
{
    char what[TK_MSG_MAX];
    TK_FORMAT(what, fmt);
    cr_log_info("%s: %s", hlc_case, what);
    fprintf(stderr,
            "NOTE %s: %s (%s) -- result=%s nlink=%llu errno=%s budget_links=%llu budget_seconds=%g seconds=%.2f "
            "declared=%llu\n",
            hlc_case, what, hlc.target, result, nlink, e ? hl_errno_name(e) : "none", r->goal, r->seconds,
            seconds_since(&r->t0), hlc.link_max);
}

/* The errno a refusal carried, 0 for none (libhl's own decision). */
static int native_errno(const hl_error *e) { return e->domain == HL_DOMAIN_ERRNO ? e->native : 0; }

static unsigned long long nlink_of_existing(void) { return (unsigned long long)hlc_lstat(EXISTING).st_nlink; }

/* The link OVER -> EXISTING with options o is refused: status want, errno
 * want_errno (HLC_NO_ERRNO: libhl's own decision), OVER does not appear,
 * nothing else in "over/" changes and EXISTING keeps its link count (only
 * "over/" is watched: a snapshot of every name the case made would cost
 * seconds). why names where the limit comes from. With r, a NOTE says what
 * the link past the declared limit got, before it is judged. */
static void expect_refused_over(const hl_options *o, hl_status want, int want_errno, const char *why,
                                const struct run *r)
{
    char over_dir[TK_PATH_MAX * 2], at[TK_MSG_MAX];
    snprintf(over_dir, sizeof over_dir, "%s", hlc_path("over"));
    snprintf(at, sizeof at, "at link count %llu: %s", nlink_of_existing(), why);
    hlc_call c = {.watch = over_dir, .note = at};
    hlc_call_at(&c, hlc_dfd, OVER, EXISTING, o);
    if (r)
        note(r, "limit", c.existing_before.st_nlink, c.status == HL_OK ? 0 : native_errno(&c.err),
             "%s reaches its declared limit, %s: the next link %s", hlc.vol.name, why,
             c.status == HL_OK ? "succeeds" : hlc_describe_got(c.status, &c.err));
    hlc_expect_refused(&c, want, want_errno, HLC_EXISTING);
}

/* ------------------------------------------------------------------ policy */

HLC_CASE(link_limit, policy_ntfs_max_links)
{
    hlc_write(EXISTING, "a file with NTFS's limit on its names");
    hlc_mkdir("over");
    hl_options o = {0, HL_NTFS_MAX_LINKS};
    if (!hlc_links()) {
        expect_refused_over(&o, HL_ERR_NOT_SUPPORTED, HLC_ANY_ERRNO, "the first link, on a volume without hard links",
                            NULL);
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
    struct run r = {.layout = SPREAD};
    unsigned long long have = link_up_to(limit, &o, &s, &e, &r);
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
    expect_refused_over(&o, HL_ERR_TOO_MANY_LINKS, native_first ? EMLINK : HLC_NO_ERRNO, why, NULL);
    unlink_all(&r, have);
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

/* The directory link number k goes in (link_name's). */
static const char *link_dir(const struct run *r, unsigned long long k)
{
    static char b[32];
    if (r->layout == SPREAD)
        snprintf(b, sizeof b, "d%llu", (k - 1) / PER_DIR);
    else
        snprintf(b, sizeof b, "%s", r->layout == ONE_DIR ? "one" : "long");
    return b;
}

/* The loop was refused at link number have: the same link again through the
 * call that records everything (watching only its directory: a snapshot of
 * every name the case made would cost seconds), for the one judge of a
 * refusal. Returns 1 if it is clean: HL_ERR_TOO_MANY_LINKS from EMLINK,
 * nothing changed, and the loop's refused call left the link count at have
 * (a name it left makes the retry EEXIST); else 0, why says what is wrong. */
static int refused_again(const struct run *r, unsigned long long have, const hl_options *o, hlc_call *c,
                         char *why, size_t size)
{
    static char dir[TK_PATH_MAX], at[TK_MSG_MAX];
    snprintf(dir, sizeof dir, "%s", hlc_path(link_dir(r, have)));
    snprintf(at, sizeof at, "link %llu (nlink %llu -> %llu), the loop's refused link made again", have, have,
             have + 1);
    *c = (hlc_call){.watch = dir, .note = at};
    hlc_call_at(c, hlc_dfd, link_name(r, have), EXISTING, o);
    if (!hlc_refusal_verdict(c, HL_ERR_TOO_MANY_LINKS, EMLINK, HLC_EXISTING, why, size))
        return 0;
    if (c->existing_before.st_nlink != have) {
        snprintf(why, size, "the refused link %llu changed the link count of %s: %llu, expected %llu", have,
                 hlc_path(EXISTING), (unsigned long long)c->existing_before.st_nlink, have);
        return 0;
    }
    return 1;
}

/* A refusal on the way: judged on the same link again (refused_again, the
 * harness's judge); a clean one is a finding, noted with where (in what). */
static void judge_refusal(const struct run *r, unsigned long long have, const hl_options *o, const char *what)
{
    hlc_call c;
    char why[HLC_VERDICT_MAX];
    int clean = refused_again(r, have, o, &c, why, sizeof why);
    note(r, clean ? "found" : "refused", have, native_errno(&c.err),
         "%s refuses a link at nlink %llu %s: %s, after %.2f s", hlc.vol.name, have, what, clean ? "cleanly (EMLINK, nothing changed)" : hlc_describe_got(c.status, &c.err),
         seconds_since(&r->t0));
    hlc_expect_refused(&c, HL_ERR_TOO_MANY_LINKS, EMLINK, HLC_EXISTING);
    HLC_CHECK(clean, "link %llu (nlink %llu -> %llu) %s: %s", have, have, have + 1, what, why);
}

HLC_CASE(link_limit, native_limit)
{
    hlc_write(EXISTING, "a file with as many names as the volume allows");
    hlc_mkdir("over");
    if (!hlc_links()) {
        hlc_linked(OVER, EXISTING, 0); /* asserts HL_ERR_NOT_SUPPORTED and nothing changed */
        return;
    }
    unsigned long long limit = hlc.link_max, budget = hlc.budget;
    int known = limit && limit <= budget;
    hl_options o = {0, 0};
    hl_status s;
    hl_error e;
    /* a known limit is reached whatever the time; a probe stops at HL_LINK_SECONDS */
    struct run r = {.layout = SPREAD, .seconds = known ? 0 : link_seconds()};
    unsigned long long have = link_up_to(known ? limit : budget, &o, &s, &e, &r);
    if (s != HL_OK) {
        if (limit) {
            hlc_call c;
            char why[HLC_VERDICT_MAX];
            const char *clean = refused_again(&r, have, &o, &c, why, sizeof why) ? "a clean refusal" : why;
            note(&r, "refused", have, native_errno(&c.err),
                 "%s refuses a link at nlink %llu with %s, below the declared limit %llu", hlc.vol.name, have,
                 hlc_describe_got(c.status, &c.err), limit);
            if (known)
                hlc_fail("link %llu (nlink %llu -> %llu) was refused with %s, below the limit %llu (%s); %s. "
                         "If %llu is this volume's limit, set HL_LINK_MAX=%llu",
                         have, have, have + 1, hlc_describe_got(s, &e), limit, limit_source(), clean, have, have);
            hlc_fail("link %llu (nlink %llu -> %llu) was refused with %s, below the limit %llu (%s; above "
                     "HL_LINK_BUDGET=%llu); %s. If that is this volume's limit, set HL_LINK_MAX=%llu",
                     have, have, have + 1, hlc_describe_got(s, &e), limit, limit_source(), budget, clean, have);
        }
        /* no limit declared: a clean refusal is this volume's limit, found */
        judge_refusal(&r, have, &o, "per file (found by probing; libhl's table knows none)");
        unlink_all(&r, have);
        return;
    }
    unsigned long long n = nlink_of_existing();
    if (!known) {
        HLC_CHECK(n == have, "after %llu links with HL_OK, nlink of %s is %llu, expected %llu", have - 1,
                  hlc_path(EXISTING), n, have);
        if (r.timed_out)
            note(&r, "seconds", have, 0,
                 "no limit within %llu links in %g s (HL_LINK_SECONDS; %s: the limit is not known)", have, r.seconds,
                 hlc.vol.name);
        else
            note(&r, "budget", have, 0,
                 "%s has no link limit within the budget: nlink reached HL_LINK_BUDGET=%llu in %.2f s", hlc.vol.name,
                 budget, seconds_since(&r.t0));
        unlink_all(&r, have);
        return;
    }
    HLC_CHECK(n == limit, "after %llu links with HL_OK, nlink of %s is %llu, expected %llu", limit - 1, hlc_path(EXISTING),
              n, limit);
    char why[160];
    snprintf(why, sizeof why, "the limit for %s, from %s", hlc.vol.name, limit_source());
    expect_refused_over(&o, HL_ERR_TOO_MANY_LINKS, EMLINK, why, &r);
    unlink_all(&r, have);
}

/* Every name in one directory (r->layout): the per-file limit, when known and
 * within goal_cap, is reached there too; a clean EMLINK before it is a
 * per-directory limit, a finding; a probe stops at HL_LINK_SECONDS. */
static void in_one_directory(struct run *r, unsigned long long goal_cap, const char *what)
{
    hlc_write(EXISTING, "a file with all its names in one directory");
    hlc_mkdir("over");
    if (!hlc_links()) {
        hlc_linked(OVER, EXISTING, 0);
        return;
    }
    unsigned long long limit = hlc.link_max;
    int known = limit && limit <= goal_cap;
    unsigned long long goal = known ? limit : goal_cap;
    hl_options o = {0, 0};
    hl_status s;
    hl_error e;
    /* the two one-directory cases share one HL_LINK_SECONDS (ntfs-3g: about
     * 150 links a second, and unlinking costs as much) */
    r->seconds = link_seconds() / 2;
    unsigned long long have = link_up_to(goal, &o, &s, &e, r);
    if (s != HL_OK) {
        /* EXISTING itself is outside the directory: have - 1 names are in it */
        char where[300], per_file[200] = "none known";
        if (limit)
            snprintf(per_file, sizeof per_file, "%llu, %s", limit, limit_source());
        snprintf(where, sizeof where, "with its new names %s (%llu there; per file: %s)", what, have - 1, per_file);
        judge_refusal(r, have, &o, where);
        unlink_all(r, have);
        return;
    }
    unsigned long long n = nlink_of_existing();
    HLC_CHECK(n == have, "after %llu links with HL_OK %s, nlink of %s is %llu, expected %llu", have - 1, what,
              hlc_path(EXISTING), n, have);
    if (have == limit) {
        /* the refusal past it is native_limit's to judge (and ntfs-3g's known divergence there) */
        note(r, "file_limit", have, 0, "reached the per-file limit, %llu names (%s), %s", limit, limit_source(), what);
    } else if (r->timed_out) {
        note(r, "seconds", have, 0, "no limit within %llu links %s in %g s (half of HL_LINK_SECONDS)", have, what,
             r->seconds);
    } else {
        note(r, "budget", have, 0, "no limit within %llu links %s (the case's budget)", have, what);
    }
    unlink_all(r, have);
}

HLC_CASE(link_limit, one_directory)
{
    struct run r = {.layout = ONE_DIR};
    in_one_directory(&r, hlc.budget < ONE_DIR_LINKS ? hlc.budget : ONE_DIR_LINKS, "in one directory");
}

HLC_CASE(link_limit, long_names)
{
    struct statfs sf;
    HLC_CHECK(fstatfs(hlc_dfd, &sf) == 0, "statfs %s: %s", hlc.target, strerror(errno));
    /* near the volume's name limit, not at it: the names family tests the edge */
    long len = (long)sf.f_namelen > 32 ? (long)sf.f_namelen - 16 : 16;
    struct run r = {.layout = LONG_NAMES, .name_len = (int)(len > 255 ? 255 : len)};
    char what[96];
    snprintf(what, sizeof what, "in one directory, names of %d bytes", r.name_len);
    in_one_directory(&r, hlc.budget < LONG_LINKS ? hlc.budget : LONG_LINKS, what);
}
