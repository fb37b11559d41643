/* fuzz_ops' trace and report: the operations of the run, each with what the
 * model expected and what the volume answered, printed on a divergence. */
#include "ops.h"
#include "../sandbox.h"

#include <testkit.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *errname(int e)
{
    switch (e) {
    case 0: return "success";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    default: return hl_errno_name(e);
    }
}

const char *code_name(int hl, int code) { return hl ? hl_status_name((hl_status)code) : errname(code); }

void expect_str(const struct expect *e, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < e->n && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? " or " : "", code_name(e->hl, e->v[i]));
}

void trace_print(void)
{
    char line[512], ex[160];
    fprintf(stderr, "operations (each run starts in an empty directory):\n");
    for (int k = 0; k < fo.nsteps; k++) {
        const struct step *st = &fo.trace[k];
        op_table[st->op.kind].describe(st, line, sizeof line);
        if (st->closed_fd >= 0)
            fprintf(stderr, "  #%-2d close slot %d (fd %d), to reuse it\n", k, st->op.a, st->closed_fd);
        if (st->skip) {
            fprintf(stderr, "  #%-2d %s: %s%s%s\n", k, line, skip_reason_name[st->skip], st->sig[0] ? " fuzz_ops/" : "",
                    st->sig);
            continue;
        }
        expect_str(&st->ex, ex, sizeof ex);
        fprintf(stderr, "  #%-2d %s -> %s (expected %s)%s%s%s\n", k, line, code_name(st->ex.hl, st->seen), ex,
                st->sig[0] ? ", tolerated: known divergence fuzz_ops/" : "", st->sig,
                k == fo.cur_step ? "   <==" : "");
    }
}

struct repro_check *repro_check(enum rc_kind kind, const char *check, const char *path, int slot)
{
    memset(&fo.rc, 0, sizeof fo.rc);
    fo.rc.kind = kind;
    fo.rc.check = check;
    fo.rc.slot = fo.rc.slot2 = -1;
    if (path)
        snprintf(fo.rc.path, sizeof fo.rc.path, "%s", path);
    else
        fo.rc.slot = slot;
    return &fo.rc;
}

/* The divergence's signature, <operation>.<situation>.<check>: the known-list
 * hint where the model can go on past it, else made from the step and check. */
static void signature(char *buf, size_t cap)
{
    if (fo.sig_hint) {
        snprintf(buf, cap, "%s", fo.sig_hint);
        return;
    }
    const struct step *st = fo.cur_step >= 0 ? &fo.trace[fo.cur_step] : NULL;
    if (st && fo.rc.kind == RC_STATUS)
        snprintf(buf, cap, "%s.%s.status=%s", op_table[st->op.kind].name, st->ex.situation ? st->ex.situation : "any",
                 code_name(st->ex.hl, st->seen));
    else
        snprintf(buf, cap, "%s.%s.%s", st ? op_table[st->op.kind].name : "end", st && st->ex.situation ?
                 st->ex.situation : "any", fo.rc.check ? fo.rc.check : "state");
    for (char *p = buf; *p; p++)
        if (*p == ' ')
            *p = '_';
}

/* ------------------------------------------------------------------ the shell reproducer */

/* Each step's content is one letter repeated: the step's own, so a stale
 * read shows which write it saw. */
static char content_letter(unsigned seed)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    return letters[((seed - 1) / 4) % (sizeof letters - 1)];
}

/* A command writing content (len, seed) on its standard output. */
static void sh_content(char *buf, size_t cap, unsigned len, unsigned seed)
{
    char ch = content_letter(seed);
    if (len == 0)
        snprintf(buf, cap, ":");
    else if (len <= 64) {
        char word[65];
        memset(word, ch, len);
        word[len] = '\0';
        snprintf(buf, cap, "printf %s", word);
    } else
        snprintf(buf, cap, "head -c %u /dev/zero | tr '\\0' %c", len, ch);
}

/* A name, or the file a slot's descriptor holds (fd 3 + slot; stat -L
 * follows /proc/self/fd/N to the file, as fstat sees it). */
static const char *sh_name(const char *path, int slot, char *buf, size_t cap)
{
    if (path && *path)
        return path;
    snprintf(buf, cap, "/proc/self/fd/%d", 3 + slot);
    return buf;
}

/* renameat2(2) and linkat(2) through python3's ctypes: the shell has no
 * command for their flags (Debian 12's mv has no --exchange). */
static void sh_libc(char *buf, size_t cap, const char *call)
{
    snprintf(buf, cap, "python3 -c 'import ctypes, os, sys; c = ctypes.CDLL(None, use_errno=True); "
                       "c.%s == 0 or sys.exit(os.strerror(ctypes.get_errno()))'", call);
}

static void sh_status_call(const struct step *st, char *buf, size_t cap);

/* Step k as a shell command (a success: the step's effect), or a comment
 * where the shell has no equivalent. real[slot]: the slot holds a file the
 * script opened (not an O_TMPFILE one). */
static void sh_step(const struct step *st, int k, int *real, char *buf, size_t cap)
{
    const struct op *o = &st->op;
    const char *a = op_path[o->a & 7], *b = op_path[o->b & 7];
    char content[96];
    int fd = 3 + (o->a & 1);
    switch (o->kind) {
    case K_CREATE:
    case K_WRITE:
        sh_content(content, sizeof content, content_len(o->c), content_seed(k, o->c));
        snprintf(buf, cap, "%s >%s", content, a);
        break;
    case K_LINK:
        snprintf(buf, cap, "ln %s %s", b, a);
        break;
    case K_UNLINK:
    case K_MKDIR:
    case K_RMDIR:
        sh_status_call(st, buf, cap); /* unlink, mkdir, rmdir: the system calls themselves */
        break;
    case K_RENAME:
        if ((o->v & 3) == 3)
            sh_status_call(st, buf, cap);
        else if (st->ex.situation && strcmp(st->ex.situation, "same_file") == 0)
            /* mv refuses two names of one file itself; rename(2) is asked here */
            snprintf(buf, cap, "python3 -c 'import os; os.rename(\"%s\", \"%s\")'", a, b);
        else
            snprintf(buf, cap, "mv -T %s %s", a, b);
        break;
    case K_TMPFILE:
        real[o->a & 1] = 0;
        snprintf(buf, cap, "# fd %d = open(\"%s\", O_TMPFILE%s): no shell equivalent", fd, o->b & 8 ? "." : b,
                 o->v & 1 ? "|O_EXCL" : "");
        break;
    case K_OPEN:
        real[o->a & 1] = 1;
        snprintf(buf, cap, "exec %d<>%s", fd, b);
        break;
    case K_LINKFD:
        if (!real[o->a & 1])
            snprintf(buf, cap, "# link fd %d (O_TMPFILE) as %s: no shell equivalent", fd, b);
        else if ((o->v & 3) == 3)
            sh_status_call(st, buf, cap);
        else
            snprintf(buf, cap, "ln -L /proc/self/fd/%d %s", fd, b);
        break;
    case K_WRITEFD:
        sh_content(content, sizeof content, content_len(o->c), content_seed(k, o->c));
        if (real[o->a & 1])
            snprintf(buf, cap, "%s >/proc/self/fd/%d", content, fd);
        else
            snprintf(buf, cap, "# write fd %d (O_TMPFILE): no shell equivalent", fd);
        break;
    case K_CLOSE:
        snprintf(buf, cap, "exec %d>&-", fd);
        break;
    default:
        snprintf(buf, cap, "# an operation with no shell equivalent");
    }
}

/* The failing step's call, its errno shown as strerror's text (python3 for
 * the calls whose shell command checks first or has no such form). */
static void sh_status_call(const struct step *st, char *buf, size_t cap)
{
    const struct op *o = &st->op;
    const char *a = op_path[o->a & 7], *b = op_path[o->b & 7];
    int fd = 3 + (o->a & 1);
    switch (o->kind) {
    case K_CREATE:
        snprintf(buf, cap, "python3 -c 'import os; os.open(\"%s\", os.O_WRONLY | os.O_CREAT | os.O_TRUNC%s)'", a,
                 o->v & 1 ? " | os.O_EXCL" : "");
        break;
    case K_WRITE:
        snprintf(buf, cap, "python3 -c 'import os; os.open(\"%s\", os.O_WRONLY | os.O_TRUNC)'", a);
        break;
    case K_LINK:
        snprintf(buf, cap, "python3 -c 'import os; os.link(\"%s\", \"%s\", follow_symlinks=%s)'", b, a,
                 o->v & 1 ? "True" : "False");
        break;
    case K_UNLINK:
        snprintf(buf, cap, "unlink %s", a);
        break;
    case K_MKDIR:
    case K_RMDIR:
        snprintf(buf, cap, "%s %s", op_table[o->kind].name, a);
        break;
    case K_RENAME: {
        char call[96]; /* -100: AT_FDCWD; flags 1: RENAME_NOREPLACE, 2: RENAME_EXCHANGE */
        snprintf(call, sizeof call, "renameat2(-100, b\"%s\", -100, b\"%s\", %d)", a, b,
                 (o->v & 3) == 2 ? 1 : (o->v & 3) == 3 ? 2 : 0);
        sh_libc(buf, cap, call);
        break;
    }
    case K_OPEN:
        snprintf(buf, cap, "python3 -c 'import os; os.open(\"%s\", os.O_RDWR | os.O_NOFOLLOW)'", b);
        break;
    case K_LINKFD:
        if ((o->v & 3) == 3) {
            char call[96]; /* 0x1000: AT_EMPTY_PATH */
            snprintf(call, sizeof call, "linkat(%d, b\"\", -100, b\"%s\", 0x1000)", fd, b);
            sh_libc(buf, cap, call);
        } else
            snprintf(buf, cap, "ln -%c /proc/self/fd/%d %s", (o->v & 3) == 2 ? 'P' : 'L', fd, b);
        break;
    default:
        buf[0] = '\0';
    }
}

/* The errno a shell command shows for an expected outcome (hl_status: the
 * one linkat gives for it). */
static int sh_errno(int hl, int code)
{
    if (!hl)
        return code;
    if (code == HL_ERR_IS_DIRECTORY || code == HL_ERR_NOT_SUPPORTED)
        return EPERM; /* linkat's answers; libhl names them */
    return hl_status_to_errno((hl_status)code);
}

/* The last lines: seen=$(...), the test, and what was expected and seen. */
static void sh_judge(FILE *f, const char *seen_cmd, const char *test, const char *what, const char *expected)
{
    fprintf(f, "seen=$(%s)\n%s && exit 0\necho \"%s: expected %s, seen $seen\"; exit 1\n", seen_cmd, test, what,
            expected);
}

static void sh_check(FILE *f)
{
    const struct repro_check *rc = &fo.rc;
    char n1[32], n2[32], cmd[512], test[512], exp[256], what[200];
    const char *p = sh_name(rc->path, rc->slot, n1, sizeof n1), *p2 = sh_name(rc->path2, rc->slot2, n2, sizeof n2);
    struct repro_check policy;
    const struct step *cur = fo.cur_step >= 0 ? &fo.trace[fo.cur_step] : NULL;
    if (rc->kind == RC_STATUS && cur->op.kind == K_LINK && (cur->op.v >> 2) & 3) {
        /* hl_create_at's max_links policy (libhl's, no shell command has it)
         * decides on the existing name's link count: that count is checked */
        int dir, d;
        const char *base;
        if (!model_resolve(&fo.m, op_path[cur->op.b], &dir, &d, &base) && d >= 0) {
            policy = *rc;
            policy.kind = RC_NLINK;
            snprintf(policy.path, sizeof policy.path, "%s", op_path[cur->op.b]);
            policy.lo = policy.hi = fo.m.inode[fo.m.dent[d].ino].nlink;
            rc = &policy;
            p = policy.path;
            fprintf(f, "# hl_create_at(new %s, existing %s, max_links %d) decides on the link count of %s:\n",
                    op_path[cur->op.a], p, (cur->op.v >> 2) & 3, p);
        }
    }
    switch (rc->kind) {
    case RC_STATUS: {
        const struct step *st = cur;
        char call[400];
        sh_status_call(st, call, sizeof call);
        if (!call[0])
            break;
        size_t n = 0;
        exp[0] = test[0] = '\0';
        int ok = 0;
        for (int i = 0; i < st->ex.n; i++) {
            int e = sh_errno(st->ex.hl, st->ex.v[i]);
            ok |= e == 0;
            if (e)
                n += (size_t)snprintf(test + n, sizeof test - n, "%s*'%s'*", n ? "|" : "", strerror(e));
            snprintf(exp + strlen(exp), sizeof exp - strlen(exp), "%s%s", i ? " or " : "",
                     e ? strerror(e) : "success");
        }
        if (ok)
            snprintf(test + n, sizeof test - n, "%ssuccess", n ? "|" : "");
        fprintf(f, "LC_ALL=C; export LC_ALL\nif out=$(%s 2>&1); then seen=success; else seen=$(echo \"$out\" | tail -n 1); fi\n"
                   "case $seen in %s) exit 0 ;; esac\necho \"%s %s%s%s: expected %s, seen $seen\"; exit 1\n",
                call, test, op_table[st->op.kind].name, op_path[st->op.a & 7], op_table[st->op.kind].nb ? " " : "",
                op_table[st->op.kind].nb ? op_path[st->op.b & 7] : "", exp);
        return;
    }
    case RC_NLINK:
    case RC_SIZE:
    case RC_DIR_NLINK: {
        char fmt = rc->kind == RC_SIZE ? 's' : 'h';
        snprintf(cmd, sizeof cmd, "stat -L -c %%%c %s", fmt, p);
        long lo = rc->lo, hi = rc->hi;
        if (rc->kind == RC_DIR_NLINK) { /* both conventions (1, or 2 + subdirectories) are Linux's */
            if (lo == 1) {
                snprintf(test, sizeof test, "[ \"$seen\" -ge 1 ]");
                snprintf(exp, sizeof exp, "1 or 2 + subdirectories");
            } else {
                snprintf(test, sizeof test, "[ \"$seen\" = %ld ] || [ \"$seen\" = 1 ]", lo);
                snprintf(exp, sizeof exp, "%ld (or 1)", lo);
            }
        } else if (lo == hi) {
            snprintf(test, sizeof test, "[ \"$seen\" = %ld ]", lo);
            snprintf(exp, sizeof exp, "%ld", lo);
        } else {
            snprintf(test, sizeof test, "[ \"$seen\" -ge %ld ] && [ \"$seen\" -le %ld ]", lo, hi);
            snprintf(exp, sizeof exp, "%ld to %ld", lo, hi);
        }
        snprintf(what, sizeof what, "%s of %s", rc->kind == RC_SIZE ? "size" : "nlink", p);
        sh_judge(f, cmd, test, what, exp);
        return;
    }
    case RC_TYPE:
    case RC_EXISTS:
        snprintf(cmd, sizeof cmd, "stat -L -c %%F %s 2>&1", p);
        snprintf(test, sizeof test, "case $seen in %s) true ;; *) false ;; esac",
                 rc->want_dir ? "directory" : "regular*file");
        snprintf(what, sizeof what, "stat %s", p);
        sh_judge(f, cmd, test, what, rc->want_dir ? "a directory" : "a regular file");
        return;
    case RC_MISSING:
        snprintf(cmd, sizeof cmd, "stat -c %%F %s 2>/dev/null || echo nothing", p);
        snprintf(what, sizeof what, "stat %s", p);
        sh_judge(f, cmd, "[ \"$seen\" = nothing ]", what, "nothing");
        return;
    case RC_ONE_INO:
    case RC_TWO_INO:
        snprintf(cmd, sizeof cmd, "stat -L -c %%i %s %s | uniq | tr '\\n' ' '", p, p2);
        snprintf(test, sizeof test, "[ $(echo $seen | wc -w) = %d ]", rc->kind == RC_ONE_INO ? 1 : 2);
        snprintf(what, sizeof what, "st_ino of %s and %s", p, p2);
        sh_judge(f, cmd, test, what, rc->kind == RC_ONE_INO ? "one number" : "two numbers");
        return;
    case RC_CONTENT: {
        const struct inode *in = &fo.m.inode[rc->ino];
        char ch = content_letter(in->seed), src[80];
        if (*rc->path)
            snprintf(src, sizeof src, "%s", p);
        else /* read through the descriptor itself */
            snprintf(src, sizeof src, "&%d", 3 + rc->slot);
        if (*rc->path && rc->uncached)
            fprintf(f, "dd if=%s iflag=nocache count=0 2>/dev/null  # drop its page cache\n", p);
        if (in->len <= 64) {
            memset(exp, ch, in->len);
            exp[in->len] = '\0';
            snprintf(cmd, sizeof cmd, "cat <%s", src);
        } else { /* bytes counted: how many are the letter written, how many other (.) */
            snprintf(cmd, sizeof cmd,
                     "tr -c %c . <%s | fold -w 1 | sort | uniq -c | awk '{ printf \"%%s%%d %%s\", (NR > 1 ? \", \" : \"\"), $1, $2 }'",
                     ch, src);
            snprintf(exp, sizeof exp, "%u %c", in->len, ch);
        }
        snprintf(test, sizeof test, "[ \"$seen\" = \"%s\" ]", exp);
        snprintf(what, sizeof what, "content of %s", *rc->path ? p : "the descriptor");
        sh_judge(f, cmd, test, what, exp);
        return;
    }
    case RC_LISTING: {
        size_t n = 0;
        exp[0] = '\0';
        /* the model's names in the directory, in ls's order (C locale: bytes) */
        char names[MAXD][4];
        int cnt = 0;
        for (int d = 0; d < fo.m.ndents; d++)
            if (fo.m.dent[d].live && fo.m.dent[d].parent == rc->ino)
                snprintf(names[cnt++], sizeof names[0], "%s", fo.m.dent[d].name);
        for (int i = 0; i < cnt; i++)
            for (int j = i + 1; j < cnt; j++)
                if (strcmp(names[j], names[i]) < 0) {
                    char t[4];
                    memcpy(t, names[i], 4);
                    memcpy(names[i], names[j], 4);
                    memcpy(names[j], t, 4);
                }
        for (int i = 0; i < cnt; i++)
            n += (size_t)snprintf(exp + n, sizeof exp - n, "%s%s", i ? " " : "", names[i]);
        snprintf(cmd, sizeof cmd, "LC_ALL=C ls -A %s | grep -v '^\\.fuse_hidden' | tr '\\n' ' ' | sed 's/ $//'", p);
        snprintf(test, sizeof test, "[ \"$seen\" = \"%s\" ]", exp);
        snprintf(what, sizeof what, "ls -A %s", p);
        sh_judge(f, cmd, test, what, exp);
        return;
    }
    case RC_NONE:
        break;
    }
    /* no shell form of this check: every name's type, link count and size */
    size_t n = 0, m = 0;
    char names[256];
    names[0] = exp[0] = '\0';
    for (int d = 0; d < fo.m.ndents; d++) {
        if (!fo.m.dent[d].live)
            continue;
        const struct inode *in = &fo.m.inode[fo.m.dent[d].ino];
        char path[64];
        model_path_of(&fo.m, d, path, sizeof path);
        if (in->type != T_REG)
            continue;
        m += (size_t)snprintf(names + m, sizeof names - m, " %s", path);
        n += (size_t)snprintf(exp + n, sizeof exp - n, "%s%s %d %u", n ? " " : "", path, in->nlink, in->len);
    }
    if (!m) {
        fprintf(f, "# %s: no shell form of this check\nexit 0\n", fo.rc.check ? fo.rc.check : "state");
        return;
    }
    snprintf(cmd, sizeof cmd, "stat -c '%%n %%h %%s' %s | tr '\\n' ' ' | sed 's/ $//'", names + 1);
    snprintf(test, sizeof test, "[ \"$seen\" = \"%s\" ]", exp);
    sh_judge(f, cmd, test, "name, nlink, size", exp);
}

/* $HL_FUZZ_OPS_SH: the run so far as a POSIX sh script, its last lines the
 * check that failed. Between steps it looks at every name as the checks do
 * (stat and read), unless HL_FUZZ_OPS_SH_LOOK=0: a stale cache often needs
 * that look, and a shorter script is tried without it (tools/fuzz-repro). */
static void sh_write(const char *sig)
{
    const char *file = getenv("HL_FUZZ_OPS_SH");
    if (!file || !*file)
        return;
    const char *lk = getenv("HL_FUZZ_OPS_SH_LOOK");
    int look = !lk || strcmp(lk, "0") != 0;
    FILE *f = fopen(file, "w");
    if (!f) {
        fprintf(stderr, "fuzz_ops: HL_FUZZ_OPS_SH=%s: %s\n", file, strerror(errno));
        return;
    }
    fprintf(f, "#!/bin/sh\n# fuzz_ops/%s on %s (%s)\n"
               "# Run in an empty directory there: prints expected and seen, exits 1 if it diverges, else 0.\n",
            sig, fo.vs.vol.name, fo.vs.vol.fstype);
    if (look)
        fprintf(f, "look() { stat a b c d e d/x d/y e/x; cat a b c d e d/x d/y e/x; } >/dev/null 2>&1\n");
    int real[NSLOTS] = {0};
    int last = fo.cur_step >= 0 ? fo.cur_step : fo.nsteps - 1;
    char line[512];
    for (int k = 0; k <= last; k++) {
        const struct step *st = &fo.trace[k];
        if (st->closed_fd >= 0)
            fprintf(f, "exec %d>&-\n", 3 + (st->op.a & 1));
        if (st->skip == SKIP_KNOWN)
            fprintf(f, "# step %d not run by fuzz_ops: known divergence fuzz_ops/%s\n", k, st->sig);
        if (st->skip || (k == fo.cur_step && fo.rc.kind == RC_STATUS))
            continue;
        if (st->seen != 0) {
            if (st->op.kind == K_TMPFILE)
                real[st->op.a & 1] = 0;
            continue; /* a failure changed nothing */
        }
        sh_step(st, k, real, line, sizeof line);
        fprintf(f, "%s\n", line);
        if (look && line[0] != '#')
            fprintf(f, "look\n");
    }
    if (fo.cur_step < 0) /* the end of a run: descriptors are closed first */
        for (int s = 0; s < NSLOTS; s++)
            if (fo.m.slot[s].fd < 0 && real[s])
                fprintf(f, "exec %d>&-\n", 3 + s);
    sh_check(f);
    fclose(f);
}

void diverge(const char *fmt, ...)
{
    char what[512], sig[SIG_MAX + 32];
    TK_FORMAT(what, fmt);
    fz_violation_header("fuzz_ops", "divergence from the model");
    fprintf(stderr, "on %s (%s, mounted on %s), sandbox %s\n", fo.vs.vol.name, fo.vs.vol.fstype,
            fo.vs.vol.mount_point, fz_sandbox_path());
    trace_print();
    if (fo.cur_step >= 0)
        fprintf(stderr, "at step #%d: %s\n", fo.cur_step, what);
    else
        fprintf(stderr, "at the end of the run: %s\n", what);
    if (fo.hl_msg[0])
        fprintf(stderr, "libhl said: %s\n", fo.hl_msg);
    signature(sig, sizeof sig);
    if (fo.sig_hint)
        fprintf(stderr, "signature: fuzz_ops/%s (a driver's known divergence is a line \"fuzz_ops/%s REASON\" in "
                        "cases/known/%s.known)\n",
                sig, sig, fo.vs.vol.name);
    else
        fprintf(stderr, "signature: fuzz_ops/%s (the model cannot go on past it: a known-list line only marks it known)\n",
                sig);
    sh_write(sig);
    fprintf(stderr, "====\n");
    fz_trap();
}
