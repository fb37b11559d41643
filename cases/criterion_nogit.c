/*
 * hl-cases links Criterion statically and without libgit2 (CMakeLists.txt).
 * Criterion calls libgit2 for one thing: the diff it prints under a failed
 * string-equality assertion (cr_assert(eq(str, ...))), which the cases never
 * make: their checks are HLC_CHECK messages that say what was expected and
 * what was seen. Debian's libgit2 loads 14 more shared libraries and reads the
 * system's CA bundle when it starts, and Criterion starts every case in a
 * process of its own: here, 40 empty cases took 2.3 s of wall time with the
 * shared libcriterion and 0.75 s linked so (1.95 against 0.65 s of CPU).
 *
 * These are the three libgit2 functions Criterion calls. The diff answers
 * "not available" (below zero), for which Criterion prints no diff.
 */
#include <stddef.h>

int git_libgit2_init(void);
int git_libgit2_shutdown(void);
int git_diff_buffers(const void *old_buffer, size_t old_len, const char *old_as_path, const void *new_buffer,
                     size_t new_len, const char *new_as_path, const void *options, void *file_cb, void *binary_cb,
                     void *hunk_cb, void *line_cb, void *payload);

static int inits; /* libgit2 counts its initialisations; so do we */

int git_libgit2_init(void)
{
    return ++inits;
}

int git_libgit2_shutdown(void)
{
    return inits > 0 ? --inits : 0;
}

int git_diff_buffers(const void *old_buffer, size_t old_len, const char *old_as_path, const void *new_buffer,
                     size_t new_len, const char *new_as_path, const void *options, void *file_cb, void *binary_cb,
                     void *hunk_cb, void *line_cb, void *payload)
{
    (void)old_buffer, (void)old_len, (void)old_as_path, (void)new_buffer, (void)new_len, (void)new_as_path;
    (void)options, (void)file_cb, (void)binary_cb, (void)hunk_cb, (void)line_cb, (void)payload;
    return -1; /* GIT_ERROR */
}
