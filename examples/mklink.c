/* mklink NEW EXISTING: create a hard link the way Windows' "mklink /H" does,
 * through libhl. Build: cc mklink.c $(pkg-config --cflags --libs hl) */
#include <hl.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mklink NEW EXISTING\n");
        return 2;
    }
    hl_error err;
    hl_status s = hl_create(argv[1], argv[2], &err); /* new name first */
    if (s != HL_OK) {
        fprintf(stderr, "mklink: %s\n", err.message);
        return 1;
    }
    printf("Hardlink created for %s <<===>> %s\n", argv[1], argv[2]);
    return 0;
}
