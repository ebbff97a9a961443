"""Keep the cyclic garbage collector off what the crawl builds before its first request.

By the time the engine starts, the process holds a million or so long-lived objects: the modules
(Scrapy, Twisted, SQLAlchemy, the platforms), the registry, the settings, the opened archive.  Each
full collection walked all of them again (about a tenth of a crawl's CPU went to collections);
``gc.freeze()`` moves them to the permanent generation, as the ``gc`` documentation suggests for a
process that has finished starting up.  What is created later is collected as before.
"""

from __future__ import annotations

import gc

from scrapy import signals
from scrapy.crawler import Crawler


class FreezeStartupHeap:
    """Scrapy extension: ``gc.freeze()`` once the engine has started."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FreezeStartupHeap:
        extension = cls()
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        return extension

    def engine_started(self) -> None:
        gc.collect()  # what start-up left as garbage is freed, not frozen
        gc.freeze()
