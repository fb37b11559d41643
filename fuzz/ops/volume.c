/* What the volume under fuzz_ops does: hl_volume_probe, and probes in the
 * sandbox at start for what no name tells reliably. The model follows these;
 * anything else the volume does differently is a divergence (or a known one,
 * known.c). */
#include "ops.h"
#include "../sandbox.h"

#include <testkit.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int probe_errno(int r) { return r == 0 ? 0 : errno; }

void volume_probe(struct volume_semantics *vs, int dirfd, const char *sandbox)
{
    if (hl_volume_probe(sandbox, &vs->vol) != HL_OK)
        fz_die("fuzz_ops", "hl_volume_probe(%s) failed", sandbox);
    vs->links = vs->vol.hardlinks != 0;
    vs->fuse_hide = vs->vol.magic == FUSE_SUPER_MAGIC;
    vs->fuse_async = vs->fuse_hide && strcmp(vs->vol.fstype, "fuseblk") != 0;
    int made_up, e = tk_probe_made_up_inodes(&vs->vol, &made_up);
    if (e)
        fz_die("fuzz_ops", "cannot look at the root of the volume of %s: %s", sandbox, strerror(e));
    vs->ino_stable = !made_up;
    if (tk_probe_o_tmpfile(dirfd, &vs->tmpfile_errno) < 0)
        fz_die("fuzz_ops", "O_TMPFILE in %s fails with %s, not EOPNOTSUPP or EISDIR: no model for that", sandbox,
               strerror(vs->tmpfile_errno));
    /* renameat2 flags: tried on a name that does not exist yet, so only the
     * filesystem can refuse them */
    int a = openat(dirfd, "p", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    int b = openat(dirfd, "q", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (a < 0 || b < 0)
        fz_die("fuzz_ops", "cannot create files in %s: %s", sandbox, strerror(errno));
    close(a);
    close(b);
    int r = probe_errno(renameat2(dirfd, "p", dirfd, "r", RENAME_NOREPLACE));
    vs->noreplace_ok = r == 0;
    int r2 = probe_errno(renameat2(dirfd, vs->noreplace_ok ? "r" : "p", dirfd, "q", RENAME_EXCHANGE));
    vs->exchange_ok = r2 == 0;
    if ((r && r != EINVAL) || (r2 && r2 != EINVAL))
        fz_die("fuzz_ops", "renameat2 flags in %s: %s / %s, not EINVAL: no model for that", sandbox, strerror(r),
               strerror(r2));
    /* directory link counts */
    struct stat st;
    if (mkdirat(dirfd, "s", 0755) != 0 || mkdirat(dirfd, "s/t", 0755) != 0 ||
        fstatat(dirfd, "s", &st, AT_SYMLINK_NOFOLLOW) != 0)
        fz_die("fuzz_ops", "cannot make directories in %s: %s", sandbox, strerror(errno));
    if (st.st_nlink == 3)
        vs->dir_nlink = DIRN_SUBDIRS;
    else if (st.st_nlink == 1)
        vs->dir_nlink = DIRN_ONE;
    else
        fz_die("fuzz_ops", "a directory with one subdirectory has nlink %ld in %s: no model for that",
               (long)st.st_nlink, sandbox);
    fz_wipe(dirfd);
}
