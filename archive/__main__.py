"""``python -m archive`` is the ``kpu-archive`` command."""

from archive.cli import main

main()
