/* fuzz_ops' trace and report: the operations of the run, each with what the
 * model expected and what the volume answered, printed on a divergence. */
#include "ops.h"
#include "../sandbox.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
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

void diverge(const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
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
    if (fo.sig_hint)
        fprintf(stderr, "signature: fuzz_ops/%s (a driver's known divergence is a line \"fuzz_ops/%s REASON\" in "
                        "cases/known/%s.known)\n",
                fo.sig_hint, fo.sig_hint, fo.vs.vol.name);
    fprintf(stderr, "====\n");
    fz_trap();
}
