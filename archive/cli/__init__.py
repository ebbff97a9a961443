"""The ``kpu-archive`` command line: the composition root, where the archive and the crawl meet.

One module per group of commands; ``app`` holds the group and its one-line errors, ``options`` the
shared options, ``archives`` how a command opens the archive (readers never create or migrate).
"""

from archive.cli.app import main
from archive.cli.attachments import attachments
from archive.cli.crawl import crawl
from archive.cli.demo import demo
from archive.cli.doctor import doctor
from archive.cli.export import export, search
from archive.cli.extract import extract
from archive.cli.inspect import clusters, history, runs, status
from archive.cli.propagation import propagation
from archive.cli.reextract import reextract
from archive.cli.schedule import schedule, upgrade
from archive.cli.serve import serve
from archive.cli.sites import sites_command
from archive.cli.worker import worker

COMMANDS = (
    crawl,
    worker,
    export,
    search,
    history,
    runs,
    clusters,
    propagation,
    attachments,
    status,
    sites_command,
    schedule,
    upgrade,
    serve,
    demo,
    extract,
    reextract,
    doctor,
)
for _command in COMMANDS:
    main.add_command(_command)

__all__ = ["COMMANDS", "main"]
