/* The Criterion layer: skips that still clean up, and "not run" that fails
 * in strict mode. */
#include "testkit.h"

#include <criterion/criterion.h>
#include <string.h>

/* Criterion keeps its test and suite records in an ELF section without
 * alignment: read them by copy (UBSan: misaligned member access). */
static void run_fini_of(const void *record, size_t data_offset)
{
    if (!record)
        return;
    struct criterion_test_extra_data *p, d;
    memcpy(&p, (const char *)record + data_offset, sizeof p);
    if (!p)
        return;
    memcpy(&d, p, sizeof d);
    if (d.fini)
        d.fini();
}

void tk_run_fini(void)
{
    static int done;
    if (done++)
        return;
    run_fini_of(criterion_current_test, offsetof(struct criterion_test, data));
    run_fini_of(criterion_current_suite, offsetof(struct criterion_suite, data));
}

__attribute__((noreturn)) static void skip_with(const char *msg)
{
    tk_run_fini();
    cr_skip_test("%s", msg);
}

void tk_skip(const char *fmt, ...)
{
    char msg[TK_DIFF_MAX];
    TK_FORMAT(msg, fmt);
    skip_with(msg);
}

void tk_not_run(const char *fmt, ...)
{
    char why[TK_DIFF_MAX], msg[TK_DIFF_MAX + 16];
    TK_FORMAT(why, fmt);
    if (tk_strict())
        cr_assert_fail("not run: %s (HL_STRICT=1 makes that a failure)", why);
    snprintf(msg, sizeof msg, "not run: %s", why);
    skip_with(msg);
}
