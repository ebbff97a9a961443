"""Keep the archive current in the background: ``python scheduler.py [options]``.

The same as ``kpu-archive schedule``; the code lives in ``archive/scheduler/``.
"""

import sys

from archive.cli import main

if __name__ == "__main__":
    main(["schedule", *sys.argv[1:]])
