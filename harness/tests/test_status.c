/* The error model's tables: every entry, both directions. */
#include "common.h"

Test(status, every_status_has_a_unique_name_and_a_sentence)
{
    for (int s = 0; s < HL_STATUS_COUNT; s++) {
        const char *n = hl_status_name((hl_status)s), *m = hl_strerror((hl_status)s);
        cr_assert(n && strncmp(n, "HL_", 3) == 0, "status %d: name \"%s\"", s, n ? n : "(null)");
        cr_assert(m && strlen(m) > 10 && m[strlen(m) - 1] == '.', "%s: message \"%s\"", n, m ? m : "(null)");
        for (int t = 0; t < s; t++)
            cr_assert_str_neq(n, hl_status_name((hl_status)t), "statuses %d and %d share a name", s, t);
    }
    cr_assert_str_eq(hl_status_name(HL_ERR_CROSS_DEVICE), "HL_ERR_CROSS_DEVICE");
    cr_assert_str_eq(hl_status_name(HL_STATUS_COUNT), "HL_STATUS_INVALID");
    cr_assert_str_eq(hl_status_name((hl_status)-1), "HL_STATUS_INVALID");
    cr_assert(strlen(hl_strerror((hl_status)1000)) > 0, "an invalid status still has a sentence");
}

/* Every errno entry maps to its status, and that status's canonical errno
 * maps back to it (directly or as a documented refinement). */
Test(status, errno_table_both_directions)
{
    int n = 0;
    for (const struct hl_code_map *m = hl__errno_table; m->name; m++, n++) {
        cr_assert_eq(hl_status_from_errno((int)m->code), m->status, "%s: expected %s, got %s", m->name,
                     hl_status_name(m->status), hl_status_name(hl_status_from_errno((int)m->code)));
        cr_assert_str_eq(hl_errno_name((int)m->code), m->name);
        cr_assert(hl_status_refines(HL_DOMAIN_ERRNO, m->code, m->status));
        int back = hl_status_to_errno(m->status);
        cr_assert(back != 0, "%s has no canonical errno", hl_status_name(m->status));
        for (const struct hl_code_map *o = hl__errno_table; o < m; o++)
            cr_assert_neq(o->code, m->code, "%s and %s are the same errno: one entry each", o->name, m->name);
    }
    cr_assert_geq(n, 18, "the errno table has only %d entries", n);
    for (int s = 1; s < HL_STATUS_COUNT; s++) {
        if (s == HL_ERR_UNEXPECTED)
            continue;
        int e = hl_status_to_errno((hl_status)s);
        cr_assert(hl_status_refines(HL_DOMAIN_ERRNO, e, (hl_status)s), "%s: canonical errno %s does not map back",
                  hl_status_name((hl_status)s), hl_errno_name(e));
    }
    cr_assert_eq(hl_status_to_errno(HL_OK), 0);
    cr_assert_eq(hl_status_to_errno(HL_ERR_UNEXPECTED), 0);
}

static const struct {
    unsigned long code;
    hl_status status;
} win32_expected[] = {
    {2, HL_ERR_NOT_FOUND}, {3, HL_ERR_PATH_NOT_FOUND}, {5, HL_ERR_ACCESS_DENIED}, {1, HL_ERR_NOT_SUPPORTED},
    {50, HL_ERR_NOT_SUPPORTED}, {17, HL_ERR_CROSS_DEVICE}, {19, HL_ERR_READ_ONLY}, {80, HL_ERR_EXISTS},
    {183, HL_ERR_EXISTS}, {87, HL_ERR_INVALID_ARGUMENT}, {112, HL_ERR_NO_SPACE}, {123, HL_ERR_INVALID_ARGUMENT},
    {206, HL_ERR_NAME_TOO_LONG}, {1142, HL_ERR_TOO_MANY_LINKS}, {1921, HL_ERR_LOOP},
};

/* The Win32 codes named by the issue and shared/FACTS.md, then every entry. */
Test(status, win32_table_both_directions)
{
    for (size_t i = 0; i < sizeof win32_expected / sizeof win32_expected[0]; i++)
        cr_assert_eq(hl_status_from_win32(win32_expected[i].code), win32_expected[i].status,
                     "Win32 %lu (%s): expected %s, got %s", win32_expected[i].code,
                     hl_win32_name(win32_expected[i].code), hl_status_name(win32_expected[i].status),
                     hl_status_name(hl_status_from_win32(win32_expected[i].code)));
    for (const struct hl_code_map *m = hl__win32_table; m->name; m++) {
        cr_assert_eq(hl_status_from_win32((unsigned long)m->code), m->status, "%s", m->name);
        cr_assert_str_eq(hl_win32_name((unsigned long)m->code), m->name);
        for (const struct hl_code_map *o = hl__win32_table; o < m; o++)
            cr_assert_neq(o->code, m->code, "%s and %s share a code", o->name, m->name);
    }
    for (int s = 1; s < HL_STATUS_COUNT; s++) {
        unsigned long w = hl_status_to_win32((hl_status)s);
        if (s == HL_ERR_UNEXPECTED)
            continue;
        if (s == HL_ERR_ESCAPE) { /* Windows has no "beneath": a sandbox answers access denied */
            cr_assert_eq(w, 5UL);
            continue;
        }
        cr_assert(hl_status_refines(HL_DOMAIN_WIN32, (long)w, (hl_status)s),
                  "%s: canonical Win32 %s does not map back", hl_status_name((hl_status)s), hl_win32_name(w));
    }
    cr_assert_eq(hl_status_to_win32(HL_ERR_TOO_MANY_LINKS), 1142UL);
    cr_assert_eq(hl_status_to_win32(HL_ERR_EXISTS), 183UL);
    cr_assert_eq(hl_status_to_win32(HL_ERR_CROSS_DEVICE), 17UL);
}

/* Unknown codes are never guessed: ntfs-3g's ERANGE at its limit, ENOMEM,
 * Wine's ERROR_GEN_FAILURE for EMLINK. */
Test(status, unknown_codes_are_unexpected)
{
    const int errnos[] = {0, ERANGE, ENOMEM, EAGAIN, EBUSY, -1, 100000};
    for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++) {
        cr_assert_eq(hl_status_from_errno(errnos[i]), HL_ERR_UNEXPECTED, "errno %d (%s): got %s", errnos[i],
                     hl_errno_name(errnos[i]), hl_status_name(hl_status_from_errno(errnos[i])));
        cr_assert(hl_status_refines(HL_DOMAIN_ERRNO, errnos[i], HL_ERR_UNEXPECTED));
        cr_assert(!hl_status_refines(HL_DOMAIN_ERRNO, errnos[i], HL_ERR_IO));
    }
    const unsigned long codes[] = {0, 31, 4294967295UL, 1143};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        cr_assert_eq(hl_status_from_win32(codes[i]), HL_ERR_UNEXPECTED, "Win32 %lu", codes[i]);
    cr_assert_str_eq(hl_errno_name(ERANGE), "ERANGE");
    cr_assert_str_eq(hl_errno_name(9999), "errno 9999");
    cr_assert_str_eq(hl_win32_name(31), "Win32 31");
}

/* The documented follow-ups, and nothing else. */
Test(status, refinements_are_exactly_the_documented_ones)
{
    cr_assert(hl_status_refines(HL_DOMAIN_ERRNO, EPERM, HL_ERR_IS_DIRECTORY));
    cr_assert(hl_status_refines(HL_DOMAIN_ERRNO, EPERM, HL_ERR_NOT_SUPPORTED));
    cr_assert(hl_status_refines(HL_DOMAIN_ERRNO, EPERM, HL_ERR_ACCESS_DENIED));
    cr_assert(hl_status_refines(HL_DOMAIN_ERRNO, ENOENT, HL_ERR_PATH_NOT_FOUND));
    cr_assert(hl_status_refines(HL_DOMAIN_ERRNO, EXDEV, HL_ERR_ESCAPE));
    cr_assert(hl_status_refines(HL_DOMAIN_WIN32, 5, HL_ERR_IS_DIRECTORY));
    cr_assert(!hl_status_refines(HL_DOMAIN_ERRNO, EPERM, HL_ERR_EXISTS));
    cr_assert(!hl_status_refines(HL_DOMAIN_ERRNO, EEXIST, HL_ERR_ACCESS_DENIED));
    cr_assert(!hl_status_refines(HL_DOMAIN_WIN32, 2, HL_ERR_IS_DIRECTORY));
    cr_assert(!hl_status_refines(HL_DOMAIN_ERRNO, ENOENT, HL_STATUS_COUNT));
    cr_assert(!hl_status_refines((hl_domain)7, 0, HL_ERR_IO));
    /* libhl's own decisions carry no native code */
    cr_assert(hl_status_refines(HL_DOMAIN_NONE, 0, HL_ERR_INVALID_ARGUMENT));
    cr_assert(hl_status_refines(HL_DOMAIN_NONE, 0, HL_ERR_TOO_MANY_LINKS));
    cr_assert(!hl_status_refines(HL_DOMAIN_NONE, 0, HL_ERR_IO));
    cr_assert(!hl_status_refines(HL_DOMAIN_NONE, 2, HL_ERR_INVALID_ARGUMENT));
    for (const struct hl_refinement *r = hl__refinements; r->domain != HL_DOMAIN_NONE; r++) {
        hl_status primary = r->domain == HL_DOMAIN_ERRNO ? hl_status_from_errno((int)r->native)
                                                         : hl_status_from_win32((unsigned long)r->native);
        cr_assert_neq(primary, HL_ERR_UNEXPECTED, "refinement of a code the table does not know: %ld", r->native);
        cr_assert_neq(primary, r->status, "refinement equal to the table's answer: %ld", r->native);
    }
}

/* Every status comes out of some table entry (or is libhl's own decision). */
Test(status, every_status_is_reachable)
{
    for (int s = 0; s < HL_STATUS_COUNT; s++) {
        int reached = s == HL_OK || s == HL_ERR_UNEXPECTED;
        for (const struct hl_code_map *m = hl__errno_table; m->name; m++)
            reached |= m->status == (hl_status)s;
        for (const struct hl_refinement *r = hl__refinements; r->domain != HL_DOMAIN_NONE; r++)
            reached |= r->status == (hl_status)s;
        cr_assert(reached, "%s cannot come from any errno", hl_status_name((hl_status)s));
    }
}
