"""The scheduler: APScheduler 3 keeping the archive current (``service``), and its settings (``config``)."""
