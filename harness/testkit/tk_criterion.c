/* The Criterion layer: skips that still clean up, and "not run" that fails
 * in strict mode. */
#include "testkit.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>

void tk_run_fini(void)
{
    static int done;
    if (done++)
        return;
    const struct criterion_test *t = criterion_current_test;
    const struct criterion_suite *s = criterion_current_suite;
    if (t && t->data && t->data->fini)
        t->data->fini();
    if (s && s->data && s->data->fini)
        s->data->fini();
}

void tk_skip(const char *fmt, ...)
{
    char msg[TK_DIFF_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tk_run_fini();
    cr_skip_test("%s", msg);
}

void tk_not_run(const char *fmt, ...)
{
    char why[TK_DIFF_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (tk_strict())
        cr_assert_fail("not run: %s (HL_STRICT=1 makes that a failure)", why);
    tk_skip("not run: %s", why);
}
