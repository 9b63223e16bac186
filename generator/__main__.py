import gc
import os
import sys

from .cli import main

# A short process: the cyclic garbage collector stays off (the build pauses it anyway, see
# `build.collector_paused`; turned back on, its first pass would walk every value the build
# made), and the process ends without freeing those values one by one (`Options.exiting`).
# Every file is written and closed by then; only the standard streams' buffers are left.
gc.disable()
code = main(exiting=True)
try:
    sys.stdout.flush()
    sys.stderr.flush()
finally:
    os._exit(code)
