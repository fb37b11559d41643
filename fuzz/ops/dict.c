/* fuzz_ops_dict: print fuzz_ops' dictionary, made from its table of
 * operations (fuzz/fuzz_ops.dict is this program's output). */
#include "ops.h"

int main(void)
{
    op_write_dict(stdout);
    return 0;
}
