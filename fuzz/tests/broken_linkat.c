/*
 * A deliberately broken linkat for the oracle test, linked into a test build
 * of fuzz_paths only (-Wl,--wrap=linkat); never part of libhl.
 *   HL_BROKEN=success  claim success without creating the name
 *   HL_BROKEN=failure  create the name, then claim EIO
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int __real_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);

int __wrap_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
    const char *mode = getenv("HL_BROKEN");
    if (mode && strcmp(mode, "success") == 0)
        return 0;
    int r = __real_linkat(olddirfd, oldpath, newdirfd, newpath, flags);
    if (r == 0 && mode && strcmp(mode, "failure") == 0) {
        errno = EIO;
        return -1;
    }
    return r;
}
