/*
 * fuzz_ops: a model-based fuzzer of hard links among the operations that
 * change names.
 *
 * The input is a sequence of at most MAX_OPS operations of four bytes each
 * [op, a, b, c] (a trailing partial record is ignored) over eight names in a
 * sandbox directory: a b c d e d/x d/y e/x. Operations (fuzz/ops/operations.c,
 * one table): create (O_CREAT, with or without O_EXCL) and write (O_TRUNC)
 * with content, link (hl_create_at, NEW first, with every flag combination
 * and a max_links policy), unlink, rename (plain, RENAME_NOREPLACE,
 * RENAME_EXCHANGE), mkdir, rmdir, and open-unlink-link: two descriptor slots
 * hold an O_TMPFILE file (linkable, or not with O_EXCL) or a file opened by
 * name, which can be written, closed, or linked back in through hl_create_at
 * on "/proc/self/fd/N" (HL_FOLLOW; HL_BENEATH, which must refuse an absolute
 * path; no flag, which links the magic link itself and so must be
 * cross-device) or a raw linkat(fd, "", AT_EMPTY_PATH).
 *
 * An in-memory model (ops/model.c) predicts each operation's outcome:
 * success, or the failure (hl_status for links, errno for the rest). Where
 * several failures apply at once any of them is accepted; where one applies,
 * exactly that one. After every operation the real state must match
 * (ops/checks.c): lstat of every name the model has and of every one of the
 * eight it has not (type, size, nlink, and st_ino equality classes), fstat
 * of open descriptors, the contents of the files the operation touched. At
 * the end of a run every file's content and every directory's listing are
 * compared, descriptors closed, and the model's names removed, which must
 * leave the sandbox empty. A divergence prints the whole operation sequence
 * with what was expected and seen and its signature (ops/trace.c), wipes the
 * sandbox and traps; with HL_FUZZ_OPS_SH=FILE it also writes the sequence as a
 * POSIX sh reproducer (tools/fuzz-repro; campaigns: tools/fuzz-run --kind).
 *
 * Where: the sandbox is a fresh directory in $HL_TARGET (HL_FUZZ_TARGET is a
 * deprecated alias; default /tmp), one per process. Pointed at a test volume
 * (tools/hl-volume up KIND), the model takes that volume's semantics from
 * hl_volume_probe and probes at start (ops/volume.c), printed at start. A
 * driver's known divergences are data: the "fuzz_ops/<signature> reason"
 * lines of cases/known/<driver>.known (or $HL_KNOWN), tolerated unless
 * HL_STRICT=1 (ops/known.c); a divergence report names its signature.
 *
 * libFuzzer mutates inputs through ops/mutator.c, a mutator of whole
 * operations; a build with HL_FUZZ_OPS_BYTE_MUTATOR leaves libFuzzer's byte
 * mutator alone (the oracle test measures the difference).
 */
#include "ops/ops.h"
#include "sandbox.h"

#include <testkit.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fo_close_all(void)
{
    if (fo.tfd >= 0)
        close(fo.tfd);
    fo.tfd = -1;
    for (int s = 0; s < NSLOTS; s++)
        if (fo.m.slot[s].fd >= 0) {
            close(fo.m.slot[s].fd);
            fo.m.slot[s].fd = -1;
        }
}

/* $HL_KNOWN, else the driver's file among the cases' known lists. */
static void load_known(void)
{
#ifdef HL_KNOWN_DIR
    const char *dir = HL_KNOWN_DIR;
#else
    const char *dir = NULL;
#endif
    char buf[TK_PATH_MAX];
    known_load(tk_known_path(buf, dir, fo.vs.vol.name));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *base = tk_target("HL_FUZZ_TARGET", "/tmp");
    fo.tfd = -1;
    for (int s = 0; s < NSLOTS; s++)
        fo.m.slot[s].fd = -1;
    fo.dirfd = fz_sandbox_make("fuzz_ops", base, fo_close_all);
    volume_probe(&fo.vs, fo.dirfd, fz_sandbox_path());
    fo.m.fuse_hide = fo.vs.fuse_hide;
    fo.m.dir_nlink_one = fo.vs.dir_nlink == DIRN_ONE;
    load_known();
    atexit(known_summary);
    char known[TK_PATH_MAX + 96] = "";
    if (known_count())
        snprintf(known, sizeof known, "; %zu known divergences from %s, %s", known_count(), known_file(),
                 fz_strict() ? "failures (HL_STRICT=1)" : "tolerated (HL_STRICT=1: failures)");
    fprintf(stderr,
            "fuzz_ops: sandbox %s on %s (%s): hard links %s, O_TMPFILE %s, RENAME_NOREPLACE %s, "
            "RENAME_EXCHANGE %s, directory nlink %s, st_ino %s%s%s\n",
            fz_sandbox_path(), fo.vs.vol.name, fo.vs.vol.fstype, fo.vs.links ? "yes" : "no (links refused)",
            fo.vs.tmpfile_errno ? "refused" : "yes", fo.vs.noreplace_ok ? "yes" : "refused",
            fo.vs.exchange_ok ? "yes" : "refused", fo.vs.dir_nlink == DIRN_ONE ? "1" : "2+subdirectories",
            fo.vs.ino_stable ? "stable" : "per step", fo.vs.fuse_hide ? ", libfuse .fuse_hidden names allowed" : "",
            known);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fo.dirfd < 0)
        return 0;
    model_reset(&fo.m);
    fo.nsteps = 0;
    fo.sig_hint = NULL;
    fo.input = data;
    fo.input_size = size;
    size_t n = size / OP_BYTES > MAX_OPS ? MAX_OPS : size / OP_BYTES;
    for (size_t k = 0; k < n; k++) {
        op_decode(data + OP_BYTES * k, &fo.trace[k].op);
        fo.cur_step = (int)k;
        fo.nsteps = (int)k + 1;
        op_run((int)k);
    }
    check_end_of_run();
    return 0;
}

#ifndef HL_FUZZ_OPS_BYTE_MUTATOR
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    return ops_mutate(data, size, max_size, seed);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2,
                                 uint8_t *out, size_t max_out_size, unsigned int seed)
{
    return ops_cross_over(data1, size1, data2, size2, out, max_out_size, seed);
}
#endif
