import gc
import os
import sys

from .cli import main

# A short process: the cyclic garbage collector stays off (the build pauses it anyway, see
# `build._collector_paused`; turned back on, its first pass walked every value the build had
# made, 0.9 s at 48,956 records), and the process ends without freeing those values one by
# one (`Options.exiting`, 1 s). Every file is written and closed by then; only the standard
# streams' buffers are left to flush.
gc.disable()
code = main(exiting=True)
try:
    sys.stdout.flush()
    sys.stderr.flush()
finally:
    os._exit(code)
