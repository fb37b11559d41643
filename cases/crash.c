/*
 * Family crash: hard links across a crash. Bounded workloads in the manner of
 * CrashMonkey's ACE (Mohan et al., "Finding Crash-Consistency Bugs with
 * Bounded Black-Box Crash Testing", OSDI 2018): from a synced start, one or
 * two operations from {creat, mkdir, link (through hl_create), unlink,
 * rename, write, truncate}, each followed by one persistence call (fsync of
 * the file, fsync of a directory, fdatasync, sync), then a cut, then the
 * mount's own recovery and the check CrashMonkey and Hydra's SymC3 make:
 *
 *   - every file's link count equals the number of names a full scan of the
 *     volume finds (whatever was or was not persisted);
 *   - every name the persistence calls promised is there, the names of one
 *     file are one inode;
 *   - the data they promised is intact.
 *
 * What a persistence call promises (conservative; a later operation on the
 * same name or data takes the promise back):
 *   sync (syncfs of the volume): everything: every name, every file's data.
 *   fsync of a directory: its entries at that moment (the names directly in
 *     it): POSIX fsync(2) on the directory's descriptor, as fsync(2)'s Linux
 *     manual page says is needed for an entry.
 *   fsync of a file: its data and every name it has at that moment. POSIX
 *     promises the data only; Linux's ext4, xfs and btrfs persist the names
 *     too (ext4 and xfs commit their journal or log up to the inode's last
 *     change, which includes the link; btrfs logs every new name of an
 *     fsynced inode since the fix for CrashMonkey's bug 7, "Fsync of file
 *     does not persist all its names", acknowledged by its developers).
 *   fdatasync of a file: its data and size (POSIX: what a later read needs),
 *     checked through the names promised otherwise; no name.
 * The three CrashMonkey link workloads that found new btrfs bugs run by
 * name, with the outcome its developers accepted.
 *
 * The cut: FS_IOC_SHUTDOWN with FS_SHUTDOWN_FLAGS_NOLOGFLUSH where the
 * filesystem has it (probed on the volume: ext4 and xfs here), which stops
 * every write at once, leaving what was on the device; elsewhere (btrfs on
 * 6.18: ENOTTY) a copy of the image file taken right after the persistence
 * call (what the device holds then: the loop device writes through to the
 * image; only a background commit during the copy, a few ms, could tear it),
 * written back over the device once the volume is unmounted. Then a
 * mount, whose recovery (journal replay, log replay) runs as after a power
 * failure. Whether the volume has FS_IOC_SHUTDOWN is asked with flags no
 * filesystem knows (EINVAL: it has; ENOTTY: it has not), so that asking
 * shuts nothing down. A workload that ends with sync shares the cut of the
 * workload after it (in a directory of its own): after the sync all of it is
 * on the device, so what a cut leaves of it is the same then as at once;
 * every other workload is cut right after its last call, as ACE does. The
 * unmount and mount after a cut are umount2/mount of the same
 * device, type and options (hl-volume cycle takes 1.2-1.9 s here against
 * 0.1-0.2 s): the bound on the family's cost is what decides how many
 * workloads run.
 *
 * The volume: each case makes one of its own (a shutdown ruins it until the
 * next mount, and every other case holds HL_TARGET open), of the kind of
 * tools/kinds that mounts as HL_TARGET's type, made the way tools/hl-volume
 * makes that kind: the row's mkfs command, size, mount type and options. The
 * image is a file without a name (O_TMPFILE, in /dev/shm) on a loop device
 * that goes with its last user, mounted in the case's own mount namespace
 * (in the case directory): whatever ends the case, nothing of it is left.
 * Unlike hl-volume it has no VHD container around the filesystem (which only
 * the loop device reads, never the driver): 0.1-0.4 s to make, mount and
 * remove, against 5-7 s for hl-volume up and down.
 *
 * Where it applies: a volume the kernel's own driver mounts from a block
 * device (probe kernel_block_volume), whose mount type is that of a writable
 * kind with a mkfs in tools/kinds (ext2, ext3, ext4, xfs, btrfs); elsewhere
 * the cases pass as not applicable, with the reason.
 *
 * A failing workload is shown as a line of shell (from its directory on the
 * volume), then what was expected and what was seen.
 */
#include "hlc.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <time.h>
#include <linux/fs.h>
#include <linux/loop.h>

#ifndef FS_IOC_SHUTDOWN
#define FS_IOC_SHUTDOWN _IOR('X', 125, uint32_t) /* older uapi headers lack it (ext4's and xfs's own number) */
#endif
#ifndef FS_SHUTDOWN_FLAGS_NOLOGFLUSH
#define FS_SHUTDOWN_FLAGS_NOLOGFLUSH 0x2
#endif

HLC_SUITE(crash);

/* ------------------------------------------------------------------ the volume and its cut */

static enum { CUT_SHUTDOWN, CUT_COPY } cut_mode;

/* The case's own volume: an image file with no name (O_TMPFILE) on a loop
 * device that goes with its last user (LO_FLAGS_AUTOCLEAR), mounted in the
 * case's own mount namespace on a directory in its case directory: when the
 * case ends, however it ends, the mount, the loop device and the image go. */
static struct {
    int image, loop;        /* -1: none */
    char dev[64];           /* /dev/loopN */
    char mnt[TK_PATH_MAX];  /* "": not mounted */
    char kind[64], fstype[64], options[512], mkfs[512];
    unsigned long mib;
    char saved_dir[TK_PATH_MAX]; /* the case directory on HL_TARGET, while ours is on the volume */
    int saved_dfd;
} vol = {.image = -1, .loop = -1, .saved_dfd = -1};

struct segment {
    off_t at;   /* in the image */
    size_t len;
    size_t off; /* in pool */
};
/* CUT_COPY: the image's data extents at the cut, their bytes in one buffer
 * kept from cut to cut: a fresh allocation per cut faulted in every page of
 * the copy again, which was most of a cut's cost on btrfs */
static struct segment *saved;
static size_t nsaved, saved_cap;
static char *pool;
static size_t pool_cap;

static void free_saved(void) /* the copy is used up; its memory stays for the next */
{
    nsaved = 0;
}

static void release_saved(void)
{
    free(saved);
    free(pool);
    saved = NULL;
    pool = NULL;
    nsaved = saved_cap = pool_cap = 0;
}

/* The kind of tools/kinds whose mount type is HL_TARGET's (ext2, ext3, ext4,
 * xfs, btrfs: one row each) and how tools/hl-volume makes it: mount type,
 * size in MiB, read-write options, mkfs command (found on PATH). Not
 * applicable where no writable kind with a mkfs mounts as that type. */
static void read_kind(void)
{
    char lib[TK_PATH_MAX];
    snprintf(lib, sizeof lib, "%s", HLC_HL_VOLUME);
    *strrchr(lib, '/') = '\0';
    char script[TK_PATH_MAX + 512];
    snprintf(script, sizeof script,
             ". '%s/lib.sh' || exit 2; for k in $(kinds); do kind_load \"$k\"; "
             "[ \"${KROW[mount]}\" = \"$1\" ] && [ -n \"${KROW[mkfs]}\" ] && "
             "! kind_trait \"$k\" readonly >/dev/null || continue; set -- ${KROW[mkfs]}; "
             "printf '%%s\\n' \"$k\" \"${KROW[size]}\" \"${KROW[rw]}\" \"$(command -v \"$1\")${2:+ ${*:2}}\"; "
             "exit 0; done; exit 1",
             lib);
    char *argv[] = {"/bin/bash", "-c", script, "bash", hlc.vol.fstype, NULL};
    struct hlc_command r = hlc_command(argv);
    if (r.status == 1)
        hlc_not_applicable("no writable kind in tools/kinds mounts as %s: no volume of its own to cut",
                           hlc.vol.fstype);
    char rw[512];
    HLC_CHECK(r.status == 0 &&
                  sscanf(r.out, "%63[^\n]\n%lu\n%511[^\n]\n%511[^\n]", vol.kind, &vol.mib, rw, vol.mkfs) == 4 &&
                  vol.mib > 0 && vol.mkfs[0] == '/' && strchr(vol.mkfs, '{') == NULL,
              "setup: tools/kinds gives no size, options and mkfs (on PATH) for mount type %s (exit %d): '%s' %s",
              hlc.vol.fstype, r.status, r.out, r.err);
    snprintf(vol.fstype, sizeof vol.fstype, "%s", hlc.vol.fstype);
    vol.options[0] = '\0'; /* "-" none; "rw" is mount(2)'s default, not an option of the filesystem */
    char *save = NULL;
    for (char *o = strtok_r(rw, ",", &save); o; o = strtok_r(NULL, ",", &save))
        if (strcmp(o, "rw") != 0 && strcmp(o, "-") != 0)
            snprintf(vol.options + strlen(vol.options), sizeof vol.options - strlen(vol.options), "%s%s",
                     vol.options[0] ? "," : "", o);
}

/* A loop device over our image, configured at once (LOOP_CONFIGURE), retried
 * when another process takes the free one first. */
static void attach_loop(void)
{
    int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    HLC_CHECK(ctl >= 0, "setup: /dev/loop-control: %s", strerror(errno));
    for (int tries = 0; vol.loop < 0; tries++) {
        int n = ioctl(ctl, LOOP_CTL_GET_FREE);
        HLC_CHECK(n >= 0, "setup: no free loop device: %s", strerror(errno));
        snprintf(vol.dev, sizeof vol.dev, "/dev/loop%d", n);
        int fd = open(vol.dev, O_RDWR | O_CLOEXEC);
        HLC_CHECK(fd >= 0, "setup: open %s: %s", vol.dev, strerror(errno));
        struct loop_config c = {.fd = (uint32_t)vol.image, .info = {.lo_flags = LO_FLAGS_AUTOCLEAR}};
        if (ioctl(fd, LOOP_CONFIGURE, &c) == 0) {
            vol.loop = fd;
            break;
        }
        int e = errno;
        close(fd);
        HLC_CHECK(e == EBUSY && tries < 20, "setup: LOOP_CONFIGURE %s: %s", vol.dev, strerror(e));
    }
    close(ctl);
}

static void mount_volume(const char *when)
{
    HLC_CHECK(mount(vol.dev, vol.mnt, vol.fstype, 0, vol.options) == 0, "%s, mount -t %s -o %s %s %s: %s", when,
              vol.fstype, vol.options[0] ? vol.options : "defaults", vol.dev, vol.mnt, strerror(errno));
}

/* A fresh volume of HL_TARGET's kind (see the header); the case directory
 * (hlc_dir, hlc_dfd) becomes hlc.crash on it. */
static void volume_up(void)
{
    read_kind();
    vol.image = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (vol.image < 0)
        vol.image = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    HLC_CHECK(vol.image >= 0, "setup: an image file without a name in /dev/shm or /tmp: %s", strerror(errno));
    HLC_CHECK(ftruncate(vol.image, (off_t)vol.mib << 20) == 0, "setup: ftruncate the image to %lu MiB: %s", vol.mib,
              strerror(errno));
    attach_loop();
    char *argv[32];
    int argc = 0;
    char mkfs[sizeof vol.mkfs], *save = NULL;
    snprintf(mkfs, sizeof mkfs, "%s", vol.mkfs);
    for (char *w = strtok_r(mkfs, " ", &save); w && argc < 30; w = strtok_r(NULL, " ", &save))
        argv[argc++] = w;
    argv[argc++] = vol.dev;
    argv[argc] = NULL;
    struct hlc_command r = hlc_command(argv);
    HLC_CHECK(r.status == 0, "setup: %s %s failed (exit %d): %s", vol.mkfs, vol.dev, r.status, r.err);
    char mnt[TK_PATH_MAX];
    HLC_CHECK(snprintf(mnt, sizeof mnt, "%s/volume", hlc_dir) < (int)sizeof mnt, "setup: %s/volume is too long", hlc_dir);
    HLC_CHECK(mkdir(mnt, 0755) == 0, "setup: mkdir %s: %s", mnt, strerror(errno));
    snprintf(vol.mnt, sizeof vol.mnt, "%s", mnt);
    mount_volume("setup");
    char dir[TK_PATH_MAX];
    snprintf(dir, sizeof dir, "%.4000s/hlc.crash", vol.mnt);
    HLC_CHECK(mkdir(dir, 0755) == 0, "setup: mkdir %s: %s", dir, strerror(errno));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    HLC_CHECK(fd >= 0, "setup: open %s: %s", dir, strerror(errno));
    snprintf(vol.saved_dir, sizeof vol.saved_dir, "%s", hlc_dir);
    vol.saved_dfd = hlc_dfd;
    hlc_dfd = fd;
    snprintf(hlc_dir, sizeof hlc_dir, "%s", dir);
}

/* Undo volume_up, whatever is left of it; the first thing that cannot be
 * undone is returned (a message, or NULL). */
static const char *volume_down(void)
{
    static char why[TK_PATH_MAX + 128];
    why[0] = '\0';
    if (vol.saved_dfd >= 0) {
        if (hlc_dfd >= 0)
            close(hlc_dfd);
        snprintf(hlc_dir, sizeof hlc_dir, "%s", vol.saved_dir);
        hlc_dfd = vol.saved_dfd;
        vol.saved_dfd = -1;
    }
    if (vol.mnt[0]) {
        if (umount2(vol.mnt, 0) != 0 && errno != EINVAL) /* EINVAL: not mounted (a failed mount after a cut) */
            snprintf(why, sizeof why, "umount %s: %s", vol.mnt, strerror(errno));
        else if (rmdir(vol.mnt) != 0)
            snprintf(why, sizeof why, "rmdir %s: %s", vol.mnt, strerror(errno));
        vol.mnt[0] = '\0';
    }
    if (vol.loop >= 0)
        close(vol.loop); /* the last user: the loop device lets the image go */
    if (vol.image >= 0)
        close(vol.image);
    vol.loop = vol.image = -1;
    return why[0] ? why : NULL;
}

/* CUT_COPY: keep the image's data extents as they are now. */
static void copy_image(void)
{
    free_saved();
    int fd = vol.image;
    off_t end = lseek(fd, 0, SEEK_END), at = 0;
    size_t used = 0;
    while (at < end) {
        off_t data = lseek(fd, at, SEEK_DATA);
        if (data < 0)
            break; /* ENXIO: only a hole is left */
        off_t hole = lseek(fd, data, SEEK_HOLE);
        size_t len = (size_t)(hole - data);
        if (nsaved == saved_cap) {
            saved_cap = saved_cap ? 2 * saved_cap : 64;
            saved = realloc(saved, saved_cap * sizeof *saved);
            HLC_CHECK(saved, "cut: out of memory");
        }
        if (used + len > pool_cap) {
            pool_cap = used + len > 2 * pool_cap ? used + len : 2 * pool_cap;
            pool = realloc(pool, pool_cap);
            HLC_CHECK(pool, "cut: out of memory for a copy of %zu bytes", pool_cap);
        }
        saved[nsaved++] = (struct segment){.at = data, .len = len, .off = used};
        HLC_CHECK(pread(fd, pool + used, len, data) == (ssize_t)len, "cut: reading the image: %s", strerror(errno));
        used += len;
        at = hole;
    }
}

/* CUT_COPY, the volume unmounted: the image as it was at the cut. */
static void restore_image(void)
{
    int fd = vol.image;
    off_t end = lseek(fd, 0, SEEK_END);
    HLC_CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, end) == 0, "cut: punching the image: %s",
              strerror(errno));
    for (size_t i = 0; i < nsaved; i++)
        HLC_CHECK(pwrite(fd, pool + saved[i].off, saved[i].len, saved[i].at) == (ssize_t)saved[i].len,
                  "cut: writing the image back: %s", strerror(errno));
    free_saved();
    ioctl(vol.loop, BLKFLSBUF, 0); /* no page of the device from before the cut may be read again */
}

/* Unmount (after a cut), put the image back if the cut was a copy, mount the
 * same device again: its recovery runs. */
static void remount(void)
{
    if (hlc_dfd >= 0)
        close(hlc_dfd);
    hlc_dfd = -1;
    int r = -1;
    for (int i = 0; i < 100 && (r = umount2(vol.mnt, 0)) != 0 && errno == EBUSY; i++)
        usleep(20000);
    HLC_CHECK(r == 0, "cut: umount %s: %s", vol.mnt, strerror(errno));
    /* The filesystem is gone only when nothing holds it: a mount namespace
     * made elsewhere while it was mounted keeps it alive (still shut down, or
     * writing over the image put back), and a mount now would get it again. */
    int b = -1;
    for (int i = 0; i < 500 && (b = open(vol.dev, O_RDONLY | O_EXCL | O_CLOEXEC)) < 0 && errno == EBUSY; i++)
        usleep(20000);
    HLC_CHECK(b >= 0, "cut: %s is still in use 10 s after umount %s (%s): mounted in another mount namespace?",
              vol.dev, vol.mnt, strerror(errno));
    close(b);
    if (cut_mode == CUT_COPY)
        restore_image();
    mount_volume("after the cut");
    hlc_dfd = open(hlc_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    HLC_CHECK(hlc_dfd >= 0, "after the cut and the mount, %s cannot be opened: %s", hlc_dir, strerror(errno));
}

static const char *cut_text(void)
{
    return cut_mode == CUT_SHUTDOWN ? "<cut: FS_IOC_SHUTDOWN NOLOGFLUSH; umount; mount>"
                                    : "<cut: copy of the image; umount; image put back; mount>";
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Make our volume and decide the cut: a shutdown probed on it (and the
 * volume mounted again after), else a copy of the image. */
static void crash_setup(void)
{
    HLC_REQUIRE(root);
    if (!HLC_HAS(kernel_block_volume))
        hlc_not_applicable("%s; no crash to cut and recover", hlc_why(HLC_NEED_kernel_block_volume));
    if (!hlc_links())
        hlc_not_applicable("the %s profile has no hard links", hlc_profile_name());
    /* our volume mounted in a namespace of our own: one another process makes
     * (the cases run in parallel) copies no mount of it, which would keep the
     * filesystem alive across our unmount */
    HLC_REQUIRE(private_mounts);
    volume_up();
    HLC_CHECK(syncfs(hlc_dfd) == 0, "setup: syncfs %s: %s", hlc_dir, strerror(errno)); /* the case directory stays */
    /* Flags no filesystem knows: one that has the ioctl refuses them with
     * EINVAL (ext2/3/4, xfs), one without it answers ENOTTY (btrfs on 6.18),
     * and nothing is shut down (a probing shutdown would cost a remount). */
    uint32_t flags = ~0u;
    if (ioctl(hlc_dfd, FS_IOC_SHUTDOWN, &flags) == 0) { /* taken all the same: it shut down */
        cut_mode = CUT_SHUTDOWN;
        remount();
        return;
    }
    int e = errno;
    HLC_CHECK(e == EINVAL || e == ENOTTY || e == EOPNOTSUPP, "setup: FS_IOC_SHUTDOWN (flags 0x%x) on %s: %s", flags,
              vol.mnt, strerror(e));
    cut_mode = e == EINVAL ? CUT_SHUTDOWN : CUT_COPY;
}

/* ------------------------------------------------------------------ the model */

enum { MAXINO = 16, MAXNAMES = 32, MAXDATA = 16384, MAXSTEPS = 16 };

struct mfile {
    int dir;
    size_t len;
    char data[MAXDATA];
    const char *data_why; /* the call that promised the data; NULL: none */
    size_t plen;
    char pdata[MAXDATA];
};
struct mname {
    char path[64];
    int file;
    const char *why; /* the call that promised the name; NULL: none */
};
struct model {
    const char *title; /* what a failure calls it */
    struct mfile file[MAXINO];
    int nfile;
    struct mname name[MAXNAMES];
    int nname;
    char wdir[32];                /* the workload's directory, relative to the case directory */
    char shell[MAXSTEPS * 96 + 256]; /* the workload as shell */
    char steps[MAXSTEPS][64];     /* the step texts (the promises point into these) */
    int nsteps;
};
static struct model *m; /* the workload being run or checked */

static int find_name(const char *path)
{
    for (int i = 0; i < m->nname; i++)
        if (strcmp(m->name[i].path, path) == 0)
            return i;
    return -1;
}

static void drop_name(int i) { m->name[i] = m->name[--m->nname]; }

static int add_file(int dir)
{
    HLC_CHECK(m->nfile < MAXINO, "workload: too many files");
    struct mfile *f = &m->file[m->nfile];
    f->dir = dir;
    f->len = 0;
    f->data_why = NULL;
    return m->nfile++;
}

static void add_name(const char *path, int file)
{
    HLC_CHECK(m->nname < MAXNAMES, "workload: too many names");
    snprintf(m->name[m->nname].path, sizeof m->name[0].path, "%s", path);
    m->name[m->nname].file = file;
    m->name[m->nname].why = NULL;
    m->nname++;
}

/* "A" for "A/bar", "." for "bar" */
static void parent_of(const char *path, char *out, size_t size)
{
    const char *s = strrchr(path, '/');
    if (!s)
        snprintf(out, size, ".");
    else
        snprintf(out, size, "%.*s", (int)(s - path), path);
}

/* The workload's path in the case directory. */
static const char *wpath(const char *path)
{
    static char bufs[4][128];
    static int i;
    char *b = bufs[i++ & 3];
    if (strcmp(path, ".") == 0)
        snprintf(b, sizeof bufs[0], "%s", m->wdir);
    else
        snprintf(b, sizeof bufs[0], "%s/%s", m->wdir, path);
    return b;
}

static void promise_data(int file, const char *why)
{
    struct mfile *f = &m->file[file];
    if (f->dir)
        return;
    f->data_why = why;
    f->plen = f->len;
    memcpy(f->pdata, f->data, f->len);
}

static void promise_names_of(int file, const char *why)
{
    for (int i = 0; i < m->nname; i++)
        if (m->name[i].file == file)
            m->name[i].why = why;
}

/* ------------------------------------------------------------------ the steps */

/* Append the step to the workload's shell line. */
static void shell_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void shell_add(const char *fmt, ...)
{
    size_t n = strlen(m->shell);
    if (n && n + 2 < sizeof m->shell) {
        memcpy(m->shell + n, "; ", 3);
        n += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->shell + n, sizeof m->shell - n, fmt, ap);
    va_end(ap);
}

static void fill(struct mfile *f, char c, size_t n)
{
    HLC_CHECK(f->len + n <= MAXDATA, "workload: file too big");
    memset(f->data + f->len, c, n);
    f->len += n;
}

static int open_path(const char *path, int flags)
{
    int fd = openat(hlc_dfd, wpath(path), flags | O_CLOEXEC, 0644);
    HLC_CHECK(fd >= 0, "workload: %s: open %s: %s", m->shell, hlc_path(wpath(path)), strerror(errno));
    return fd;
}

/* Run one step on the volume and in the model. Steps: touch P, mkdir P,
 * ln EXISTING NEW (hl_create), rm P, mv OLD NEW, write P C N (N bytes of C,
 * creating or truncating), append P C N, truncate P N, fsync P, fdatasync
 * P, sync (the volume's), expect P (a name the case's source promises). */
static void step(const char *text)
{
    HLC_CHECK(m->nsteps < MAXSTEPS, "workload: too many steps");
    char *s = m->steps[m->nsteps++];
    snprintf(s, sizeof m->steps[0], "%s", text);
    char verb[16], a[64] = "", b[64] = "", c[16] = "";
    int n = sscanf(text, "%15s %63s %63s %15s", verb, a, b, c);
    HLC_CHECK(n >= 1, "workload: empty step");
    int ia = a[0] ? find_name(a) : -1, ib = b[0] ? find_name(b) : -1;
    int fd, e;
    if (strcmp(verb, "touch") == 0) {
        shell_add("touch %s", a);
        close(open_path(a, O_WRONLY | O_CREAT | O_EXCL));
        add_name(a, add_file(0));
    } else if (strcmp(verb, "mkdir") == 0) {
        shell_add("mkdir %s", a);
        e = tk_mkdir(hlc_dfd, wpath(a), 0755);
        HLC_CHECK(!e, "workload: %s: mkdir %s: %s", m->shell, hlc_path(wpath(a)), strerror(e));
        add_name(a, add_file(1));
    } else if (strcmp(verb, "ln") == 0) {
        shell_add("ln %s %s", a, b);
        HLC_CHECK(ia >= 0 && ib < 0, "workload: ln %s %s does not fit the model", a, b);
        hlc_linked(wpath(b), wpath(a), 0); /* through hl_create, judged */
        add_name(b, m->name[ia].file);
    } else if (strcmp(verb, "rm") == 0) {
        shell_add("rm %s", a);
        HLC_CHECK(ia >= 0, "workload: rm %s does not fit the model", a);
        HLC_CHECK(unlinkat(hlc_dfd, wpath(a), 0) == 0, "workload: %s: unlink %s: %s", m->shell, hlc_path(wpath(a)),
                  strerror(errno));
        drop_name(ia);
    } else if (strcmp(verb, "mv") == 0) {
        shell_add("mv %s %s", a, b);
        HLC_CHECK(ia >= 0, "workload: mv %s %s does not fit the model", a, b);
        HLC_CHECK(renameat(hlc_dfd, wpath(a), hlc_dfd, wpath(b)) == 0, "workload: %s: rename %s %s: %s", m->shell,
                  hlc_path(wpath(a)), hlc_path(wpath(b)), strerror(errno));
        if (ib >= 0 && m->name[ib].file == m->name[ia].file)
            return; /* two names of one file: POSIX, no other action */
        if (ib >= 0) {
            drop_name(ib);
            ia = find_name(a);
        }
        snprintf(m->name[ia].path, sizeof m->name[0].path, "%s", b);
        m->name[ia].why = NULL; /* which of the two names survives a cut is not promised */
    } else if (strcmp(verb, "write") == 0 || strcmp(verb, "append") == 0) {
        size_t len = strtoul(c, NULL, 10);
        int append = verb[0] == 'a';
        HLC_CHECK(ia >= 0 || !append, "workload: append %s does not fit the model", a);
        shell_add("head -c %zu /dev/zero | tr '\\0' %s >%s%s", len, b, append ? ">" : "", a);
        fd = open_path(a, append ? O_WRONLY | O_APPEND : O_WRONLY | O_CREAT | O_TRUNC);
        char buf[MAXDATA];
        memset(buf, b[0], len < sizeof buf ? len : sizeof buf);
        ssize_t w = write(fd, buf, len);
        e = errno;
        close(fd);
        HLC_CHECK(w == (ssize_t)len, "workload: %s: write %s: %s", m->shell, hlc_path(wpath(a)), strerror(e));
        if (ia < 0) {
            add_name(a, add_file(0));
            ia = find_name(a);
        }
        struct mfile *f = &m->file[m->name[ia].file];
        if (!append)
            f->len = 0;
        fill(f, b[0], len);
        f->data_why = NULL;
    } else if (strcmp(verb, "truncate") == 0) {
        size_t len = strtoul(b, NULL, 10);
        shell_add("truncate -s %zu %s", len, a);
        HLC_CHECK(ia >= 0, "workload: truncate %s does not fit the model", a);
        fd = open_path(a, O_WRONLY);
        int r = ftruncate(fd, (off_t)len);
        e = errno;
        close(fd);
        HLC_CHECK(r == 0, "workload: %s: truncate %s: %s", m->shell, hlc_path(wpath(a)), strerror(e));
        struct mfile *f = &m->file[m->name[ia].file];
        if (len > f->len)
            fill(f, '\0', len - f->len);
        f->len = len;
        f->data_why = NULL;
    } else if (strcmp(verb, "fsync") == 0 || strcmp(verb, "fdatasync") == 0) {
        int data_only = verb[1] == 'd';
        shell_add("xfs_io -c %s %s", verb, a);
        HLC_CHECK(ia >= 0 || strcmp(a, ".") == 0, "workload: %s %s does not fit the model", verb, a);
        fd = open_path(a, O_RDONLY);
        int r = data_only ? fdatasync(fd) : fsync(fd);
        e = errno;
        close(fd);
        HLC_CHECK(r == 0, "workload: %s: %s %s: %s", m->shell, verb, hlc_path(wpath(a)), strerror(e));
        if (ia < 0 || m->file[m->name[ia].file].dir) {
            if (data_only)
                return;
            for (int i = 0; i < m->nname; i++) { /* a directory: its entries */
                char p[64];
                parent_of(m->name[i].path, p, sizeof p);
                if (strcmp(p, a) == 0)
                    m->name[i].why = s;
            }
            return;
        }
        promise_data(m->name[ia].file, s);
        if (!data_only)
            promise_names_of(m->name[ia].file, s);
    } else if (strcmp(verb, "sync") == 0) {
        shell_add("sync -f .");
        HLC_CHECK(syncfs(hlc_dfd) == 0, "workload: %s: syncfs %s: %s", m->shell, hlc_dir, strerror(errno));
        for (int i = 0; i < m->nname; i++)
            m->name[i].why = s;
        for (int i = 0; i < m->nfile; i++)
            promise_data(i, s);
    } else if (strcmp(verb, "expect") == 0) {
        HLC_CHECK(ia >= 0, "workload: expect %s: no such name in the model", a);
        m->name[ia].why = s;
    } else {
        hlc_fail("workload: unknown step '%s'", text);
    }
}

/* ------------------------------------------------------------------ after the cut */

struct seen {
    ino_t ino;
    nlink_t nlink;
    unsigned names;
    char first[512];
};
static struct seen *scan;
static size_t nscan;

/* Every name on the volume, counted per inode (directories aside: their link
 * count is the filesystem's own convention). */
static void walk(int dfd, const char *rel)
{
    DIR *d = fdopendir(dfd);
    HLC_CHECK(d, "after the cut: cannot read %s: %s", rel, strerror(errno));
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", rel, de->d_name);
        HLC_CHECK(fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0,
                  "after the cut: %s is listed but cannot be looked up: %s", path, strerror(errno));
        if (S_ISDIR(st.st_mode)) {
            int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            HLC_CHECK(sub >= 0, "after the cut: cannot open directory %s: %s", path, strerror(errno));
            walk(sub, path);
            continue;
        }
        size_t i = 0;
        while (i < nscan && scan[i].ino != st.st_ino)
            i++;
        if (i == nscan) {
            scan = realloc(scan, (nscan + 1) * sizeof *scan);
            HLC_CHECK(scan, "out of memory");
            scan[nscan].ino = st.st_ino;
            scan[nscan].nlink = st.st_nlink;
            scan[nscan].names = 0;
            snprintf(scan[nscan].first, sizeof scan[0].first, "%s", path);
            nscan++;
        }
        scan[i].names++;
    }
    closedir(d);
}

/* The workloads run since the last cut, each in its own directory, in
 * order; every one but the last ended with sync (see workload). */
enum { MAXBATCH = 16 };
static struct model *batch[MAXBATCH];
static int nbatch;

/* Fail the case showing the workload as shell, then what was expected and what was seen. */
__attribute__((noreturn, format(printf, 1, 2))) static void WFAIL(const char *fmt, ...)
{
    char what[2048], later[256] = "";
    TK_FORMAT(what, fmt);
    if (nbatch && m != batch[nbatch - 1])
        snprintf(later, sizeof later, "<then the workloads up to %s, each in its own directory>; ",
                 batch[nbatch - 1]->wdir);
    hlc_fail("%s (in %s): %s; %s%s: expected %s", m->title, hlc_path(m->wdir), m->shell, later, cut_text(), what);
}

/* What the workload m's persistence calls promised is there. */
static void check_promises(void)
{
    struct stat wd;
    if (fstatat(hlc_dfd, m->wdir, &wd, 0) != 0)
        WFAIL("%s, synced before the workload, to be there; it is gone (%s)", m->wdir, strerror(errno));
    for (int i = 0; i < m->nname; i++) {
        const struct mname *n = &m->name[i];
        if (!n->why)
            continue;
        struct stat st;
        if (fstatat(hlc_dfd, wpath(n->path), &st, AT_SYMLINK_NOFOLLOW) != 0)
            WFAIL("%s to be there (promised by '%s'); it is gone (%s)", n->path, n->why, strerror(errno));
        if (!S_ISDIR(st.st_mode) != !m->file[n->file].dir)
            WFAIL("%s to be a %s; it is mode 0%o", n->path, m->file[n->file].dir ? "directory" : "file",
                  (unsigned)st.st_mode);
        for (int j = 0; j < i; j++) {
            struct stat o;
            if (!m->name[j].why || m->name[j].file != n->file ||
                fstatat(hlc_dfd, wpath(m->name[j].path), &o, AT_SYMLINK_NOFOLLOW) != 0)
                continue;
            if (o.st_ino != st.st_ino)
                WFAIL("%s and %s to be one file; they are inodes %llu and %llu", n->path, m->name[j].path,
                      (unsigned long long)st.st_ino, (unsigned long long)o.st_ino);
        }
        const struct mfile *f = &m->file[n->file];
        if (f->dir || !f->data_why)
            continue;
        size_t len = 0;
        char *got = tk_read(hlc_dfd, wpath(n->path), &len);
        int readable = got != NULL, same = got && len == f->plen && memcmp(got, f->pdata, len) == 0;
        free(got);
        if (!same)
            WFAIL("%s to hold the %zu bytes '%s' promised; it holds %s%zu bytes", n->path, f->plen, f->data_why,
                  readable ? "other " : "unreadable, ", len);
    }
}

/* Every file's link count equals its names on the whole volume; a failure
 * is blamed on the workload whose directory holds the file's first name. */
static void check_counts(void)
{
    nscan = 0;
    int root = open(vol.mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    HLC_CHECK(root >= 0, "after the cut: open %s: %s", vol.mnt, strerror(errno));
    walk(root, vol.mnt);
    for (size_t i = 0; i < nscan; i++) {
        if ((unsigned long long)scan[i].nlink == scan[i].names)
            continue;
        for (int k = 0; k < nbatch; k++) {
            char in[TK_PATH_MAX + 64];
            snprintf(in, sizeof in, "%s/%s/", hlc_dir, batch[k]->wdir);
            if (strncmp(scan[i].first, in, strlen(in)) == 0)
                m = batch[k];
        }
        WFAIL("every file's link count to equal its names on the volume; %s (inode %llu) has link count %llu and "
              "%u names",
              scan[i].first, (unsigned long long)scan[i].ino, (unsigned long long)scan[i].nlink, scan[i].names);
    }
}

static void free_batch(void)
{
    for (int k = 0; k < nbatch; k++)
        free(batch[k]);
    nbatch = 0;
    m = NULL;
}

/* Run a workload up to its cut: its setup (then synced, as ACE starts), its
 * steps, in a directory of its own. Steps are separated by ';'. */
static int workloads_run, cuts;
static int may_share_cut(void);
static void cut_and_check(void);

static void workload(const char *title, const char *setup, const char *steps)
{
    HLC_CHECK(nbatch < MAXBATCH, "workload: more than %d workloads before a cut", MAXBATCH);
    m = calloc(1, sizeof *m);
    HLC_CHECK(m, "workload: out of memory");
    batch[nbatch++] = m;
    m->title = title;
    snprintf(m->wdir, sizeof m->wdir, "w%03d", workloads_run++);
    hlc_mkdir(m->wdir);
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", setup);
    char *save = NULL;
    for (char *s = strtok_r(buf, ";", &save); s; s = strtok_r(NULL, ";", &save))
        step(s + strspn(s, " "));
    step("sync");
    snprintf(buf, sizeof buf, "%s", steps);
    for (char *s = strtok_r(buf, ";", &save); s; s = strtok_r(NULL, ";", &save))
        step(s + strspn(s, " "));
    if (!may_share_cut())
        cut_and_check();
}

/* Did the workload just run end with sync? Then everything of it is on the
 * device already, and nothing a later workload does in another directory
 * can add to or take from what a cut leaves of it: it may share that later
 * workload's cut, exactly as if it had its own right after the sync. A
 * workload ending with any other call is cut at once (a later fsync or sync
 * would persist more of it than its own call did, and hide a bug). */
static int may_share_cut(void)
{
    return m->nsteps > 0 && strcmp(m->steps[m->nsteps - 1], "sync") == 0 && nbatch < MAXBATCH;
}

/* The cut, the recovery, the check of every workload since the last cut. */
static void cut_and_check(void)
{
    if (!nbatch)
        return;
    if (cut_mode == CUT_SHUTDOWN) {
        uint32_t flags = FS_SHUTDOWN_FLAGS_NOLOGFLUSH;
        HLC_CHECK(ioctl(hlc_dfd, FS_IOC_SHUTDOWN, &flags) == 0, "cut: FS_IOC_SHUTDOWN on %s: %s", hlc_dir,
                  strerror(errno));
    } else {
        copy_image();
    }
    cuts++;
    remount();
    for (int k = 0; k < nbatch; k++) {
        m = batch[k];
        check_promises();
    }
    check_counts();
    for (int k = 0; k < nbatch; k++) { /* a small volume holds a few hundred workloads only */
        int e = tk_remove_tree(hlc_dfd, batch[k]->wdir);
        HLC_CHECK(!e, "cleanup: cannot remove %s: %s", hlc_path(batch[k]->wdir), strerror(e));
    }
    free_batch();
}

static void crash_fini(void)
{
    free_batch();
    release_saved();
    free(scan);
    scan = NULL;
    const char *why = volume_down();
    if (why)
        fprintf(stderr, "%s: could not take its volume down: %s\n", hlc_case, why);
}

/* The end of a case that passed: its volume down, or the case fails. */
static void crash_down(void)
{
    const char *why = volume_down();
    HLC_CHECK(!why, "cleanup: %s", why);
}

/* ------------------------------------------------------------------ CrashMonkey's link workloads */

/* The three link workloads with which CrashMonkey found new btrfs bugs (its
 * "new bugs" list, kernel 4.16), with the outcome its developers accepted as
 * right; one case (one volume), each failure says which. */
static const struct {
    const char *name, *steps;
} crashmonkey[] = {
    /* bug 7: after the fsync, A/bar was missing and foo had link count 1 */
    {"CrashMonkey bug 7 (fsync of a file persists all its names)", "touch foo; mkdir A; ln foo A/bar; fsync foo"},
    /* bug 5: in spite of the fsync of B/foo, B/foo (and B) were not persisted */
    {"CrashMonkey bug 5 (a link across two directories, fsync of both names)",
     "mkdir A; mkdir B; touch A/foo; ln A/foo B/foo; fsync A/foo; fsync B/foo"},
    /* bug 3: in spite of the fsync of A, A and all its contents went missing;
     * the fix makes fsync of a directory persist it and its new subdirectories
     * with their entries (the expect steps) */
    {"CrashMonkey bug 3 (a link into a nested directory, fsync of the top directory)",
     "mkdir A; mkdir B; mkdir A/C; touch B/foo; fsync B/foo; ln B/foo A/C/foo; fsync A; expect A; expect A/C/foo"},
};

HLC_CASE(crash, crashmonkey_link_bugs, .fini = crash_fini)
{
    crash_setup();
    for (size_t i = 0; i < sizeof crashmonkey / sizeof crashmonkey[0]; i++) {
        workload(crashmonkey[i].name, "", crashmonkey[i].steps);
    }
    cut_and_check();
    crash_down();
}

/* ------------------------------------------------------------------ ACE's bounded workloads */

/* The start of every ACE workload (then synced): foo with two names in two
 * directories, bar with one. */
static const char ACE_SETUP[] = "mkdir A; mkdir B; write foo f 8192; ln foo B/foo.1; write bar b 5000";

static const struct ace_op {
    const char *step;
    const char *file; /* what "fsync the file" and fdatasync take */
    const char *dir;  /* what "fsync a directory" takes: the new name's */
    const char *needs[2]; /* names that must exist before */
    const char *makes;    /* the name it makes, which must not exist before */
    const char *drops;    /* the name it removes */
} ace_ops[] = {
    {"touch A/new", "A/new", "A", {NULL, NULL}, "A/new", NULL},
    {"mkdir C", "C", ".", {NULL, NULL}, "C", NULL},
    {"ln foo A/bar", "foo", "A", {"foo", NULL}, "A/bar", NULL},
    {"ln foo foo2", "foo", ".", {"foo", NULL}, "foo2", NULL},
    {"rm B/foo.1", "foo", "B", {"B/foo.1", "foo"}, NULL, "B/foo.1"},
    {"mv foo A/moved", "A/moved", "A", {"foo", NULL}, "A/moved", "foo"},
    {"mv B/foo.1 foo", "foo", ".", {"B/foo.1", "foo"}, NULL, NULL}, /* as op1 two names of one file: a no-op */
    {"mv bar B/foo.1", "B/foo.1", "B", {"bar", NULL}, NULL, "bar"},
    {"append foo g 4096", "foo", ".", {"foo", NULL}, NULL, NULL},
    {"truncate foo 1000", "foo", ".", {"foo", NULL}, NULL, NULL},
};
enum { NOPS = sizeof ace_ops / sizeof ace_ops[0], NPERSIST = 4 };

/* The persistence call after op: fsync of its file, fsync of its directory,
 * fdatasync of its file, sync. */
static void persist_text(char *out, size_t size, const struct ace_op *op, int p)
{
    if (p == 0)
        snprintf(out, size, "fsync %s", op->file);
    else if (p == 1)
        snprintf(out, size, "fsync %s", op->dir);
    else if (p == 2)
        snprintf(out, size, "fdatasync %s", op->file);
    else
        snprintf(out, size, "sync");
}

/* Can op run after the names in have[] (and leave its file there)? Updates have[]. */
static int ace_fits(const struct ace_op *op, char have[][16], int *nhave)
{
    for (int k = 0; k < 2; k++) {
        if (!op->needs[k])
            continue;
        int found = 0;
        for (int i = 0; i < *nhave; i++)
            found |= strcmp(have[i], op->needs[k]) == 0;
        if (!found)
            return 0;
    }
    for (int i = 0; i < *nhave; i++)
        if (op->makes && strcmp(have[i], op->makes) == 0)
            return 0;
    for (int i = 0; i < *nhave; i++)
        if (op->drops && strcmp(have[i], op->drops) == 0)
            memmove(have[i], have[--*nhave], sizeof have[0]);
    if (op->makes)
        snprintf(have[(*nhave)++], sizeof have[0], "%s", op->makes);
    return 1;
}

/* Workload number k of the enumeration: seq-1 (op, persistence) for k <
 * NOPS * NPERSIST, then seq-2 in order; "" if its operations do not fit. */
static void ace_workload(unsigned k, char *out, size_t size)
{
    char have[16][16] = {"foo", "B/foo.1", "bar"};
    int nhave = 3;
    unsigned one = NOPS * NPERSIST;
    unsigned a = k < one ? k : (k - one) / one, b = k < one ? 0 : (k - one) % one;
    const struct ace_op *op1 = &ace_ops[a / NPERSIST], *op2 = &ace_ops[b / NPERSIST];
    char p1[64], p2[64];
    out[0] = '\0';
    if (!ace_fits(op1, have, &nhave))
        return;
    persist_text(p1, sizeof p1, op1, (int)(a % NPERSIST));
    if (k < one) {
        snprintf(out, size, "%s; %s", op1->step, p1);
        return;
    }
    if (!ace_fits(op2, have, &nhave))
        return;
    persist_text(p2, sizeof p2, op2, (int)(b % NPERSIST));
    snprintf(out, size, "%s; %s; %s; %s", op1->step, p1, op2->step, p2);
}

/* Which workloads run: every seq-1 workload (NOPS operations times NPERSIST
 * calls, 40), then ACE_SEQ2 of the 1600 seq-2 ones that fit, deterministic:
 * the i-th try is number (i * 97) mod 1600 (97 is prime to 1600 and to 40,
 * so both operations and both calls vary from one to the next). All of
 * seq-2 would take 2-6 minutes a filesystem here. */
#ifndef HLC_CRASH_SEQ2 /* -DHLC_CRASH_SEQ2=1600 at build time runs every seq-2 workload */
#define HLC_CRASH_SEQ2 10
#endif
enum { ACE_ONE = NOPS * NPERSIST, ACE_TWO = ACE_ONE * ACE_ONE, ACE_SEQ2 = HLC_CRASH_SEQ2, ACE_STEP = 97 };

HLC_CASE(crash, ace_bounded, .fini = crash_fini)
{
    crash_setup();
    double t0 = now();
    int ran[2] = {0, 0};
    char steps[512];
    for (unsigned k = 0; k < ACE_ONE; k++) {
        ace_workload(k, steps, sizeof steps);
        if (steps[0]) {
            workload("ACE seq-1 workload", ACE_SETUP, steps);
            ran[0]++;
        }
    }
    for (unsigned i = 0; i < ACE_TWO && ran[1] < ACE_SEQ2; i++) {
        ace_workload(ACE_ONE + i * ACE_STEP % ACE_TWO, steps, sizeof steps);
        if (steps[0]) {
            workload("ACE seq-2 workload", ACE_SETUP, steps);
            ran[1]++;
        }
    }
    cut_and_check();
    double t = now() - t0;
    cr_log_info("crash/ace_bounded: %d seq-1 and %d seq-2 workloads on %s in %d cuts, %.1f s", ran[0], ran[1],
                vol.kind, cuts, t);
    fprintf(stderr, "NOTE crash/ace_bounded: %d seq-1 and %d seq-2 workloads on %s (cut: %s; %d cuts) in %.1f s\n",
            ran[0], ran[1], vol.kind, cut_mode == CUT_SHUTDOWN ? "FS_IOC_SHUTDOWN" : "image copy", cuts, t);
    crash_down();
}
