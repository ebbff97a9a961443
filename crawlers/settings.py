"""Scrapy settings for the KPU crawl: polite by default (reference: performance-and-reliability §2.5).

Every ``KPU_*`` default lives here; the command line overrides them per crawl.
"""

import os

from scrapy.settings import default_settings

BOT_NAME = "kpu-archive"
# The one spider by module, not the package: the worker spider (crawlers.spiders.kpu_worker) brings
# scrapy-redis and redis (~10 MB) into every crawl otherwise; ``kpu-archive worker`` passes its class.
SPIDER_MODULES = ["crawlers.spiders.kpu"]
NEWSPIDER_MODULE = "crawlers.spiders"

USER_AGENT = os.environ.get(
    "KPU_USER_AGENT",
    "kpu-archive/0.1 (open-source research archive of public KPU posts; Scrapy; polite: 2 requests per site)",
)
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
# no console into the process: Scrapy's telnet console, nor (Scrapy 2.19+) its remote control, an
# HTTP server that runs posted Python and leaves a job file in the user's home
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# KPU_DOWNLOAD_DELAY lowers the delay for a local mirror or test server, never for the real sites
DOWNLOAD_DELAY = float(os.environ.get("KPU_DOWNLOAD_DELAY", "0.5"))
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = max(DOWNLOAD_DELAY, float(os.environ.get("KPU_DOWNLOAD_DELAY", "1.0")))
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
METAREFRESH_ENABLED = False

RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.BackoffRetryMiddleware": 550,
    # next to the downloader: every answer as sent (before redirects, retries and decompression)
    "crawlers.warc.WarcMiddleware": 950,
}
ITEM_PIPELINES = {"crawlers.pipelines.ArchivePipeline": 500}
EXTENSIONS = {"crawlers.extensions.SiteProgress": 500, "crawlers.startup_heap.FreezeStartupHeap": 100}
# Scrapy imports every extension it lists, enabled or not, and the remote control's import is
# aiohttp.web (~10 MB resident in every crawl and worker): so it is left out of the base list
# itself, which is otherwise Scrapy's own (EXTENSIONS = {...: None} would still import it)
EXTENSIONS_BASE = {
    path: order for path, order in default_settings.EXTENSIONS_BASE.items() if not path.endswith(".RemoteControl")
}

# breadth-first: finish listings and articles site by site without holding early requests alive
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
# many sites at once (Scrapy's advice for broad crawls): the next request comes from the site with
# the fewest in the downloader, so one site's backlog never holds the others' slots
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"

LOG_LEVEL = os.environ.get("KPU_LOG_LEVEL", "INFO")

# project settings (KPU_*)
KPU_ARCHIVE_DB = os.environ.get("KPU_ARCHIVE_DB")  # None: ./kpu-archive.db
KPU_REGISTRY = os.environ.get("KPU_REGISTRY")  # None: the bundled registry
KPU_MAX_LISTING_PAGES = 1000  # hard cap per category; the deepest seen is 258 (bali)
KPU_BATCH_SIZE = int(os.environ.get("KPU_BATCH_SIZE", "200"))  # articles per transaction...
KPU_COMMIT_SECONDS = float(os.environ.get("KPU_COMMIT_SECONDS", "0.25"))  # ...or this long after the oldest came
KPU_INCREMENTAL_STOP_PAGES = 1  # incremental: stop a walked category after this many pages with nothing new
KPU_REMOVAL_CONFIRM_HOURS = 12.0  # a takedown counts once a check this long after the first evidence confirms it
KPU_RETRY_BACKOFF_BASE = 2.0  # seconds; doubled on each retry unless Retry-After says otherwise
KPU_RETRY_BACKOFF_MAX = 120.0
KPU_PROGRESS_INTERVAL = 5.0  # seconds between progress updates; 0 turns them off
# sites a worker of a distributed crawl leases at a time (one owner per site)
KPU_WORKER_SITES = int(os.environ.get("KPU_WORKER_SITES", "32"))
# provenance: WARC output (off unless a directory is given) and attachments (on)
KPU_WARC_DIR = os.environ.get("KPU_WARC_DIR")  # None: no WARC
KPU_WARC_MAX_BYTES = int(os.environ.get("KPU_WARC_MAX_BYTES", str(1_000_000_000)))  # rotate at about 1 GB
KPU_ATTACHMENTS = os.environ.get("KPU_ATTACHMENTS", "1") not in ("0", "false", "no")  # download linked documents
KPU_ATTACHMENT_MAX_BYTES = int(os.environ.get("KPU_ATTACHMENT_MAX_BYTES", str(50 * 1024 * 1024)))  # per file
KPU_ATTACHMENTS_DIR = os.environ.get("KPU_ATTACHMENTS_DIR")  # None: beside the archive (archive.storage.files)
