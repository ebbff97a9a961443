"""The write side: typed crawl records in, archive rows out.

``IngestSession`` is the one entry point.  Its batch writer calls one module per job: ``identity``
(which archived article a record is), ``versions`` (new article, new version, unchanged),
``takedowns`` (a pure state machine for removal evidence), ``frontier``, ``listings``, ``runs`` and
``clustering``.  Every record comes back as a ``Result`` with its outcomes.
"""

from archive.ingest.context import Result
from archive.ingest.session import IngestSession, register_sites

__all__ = ["IngestSession", "Result", "register_sites"]
