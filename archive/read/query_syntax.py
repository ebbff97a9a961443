"""Full-text search over articles: one API on SQLite (FTS5) and PostgreSQL (tsvector).

* SQLite: ``articles_fts``, an FTS5 external-content table over ``articles(title, body_text)``
  with the unicode61 tokenizer and ``remove_diacritics 2``, kept in step by triggers.
* PostgreSQL: a stored generated ``search_vector`` column (``simple`` config, title weighted
  above body) with a GIN index.

Both are declared in ``archive.storage.schema`` and created with the ``articles`` table of a new
archive, or by the migration that introduced them for older archives.

Query syntax, the same on both: words (all must match), ``"a phrase"``, ``OR`` between two terms,
``-word`` or ``-"a phrase"`` to exclude, ``prefix*``.  Anything else is refused with a
``QueryError`` naming the problem; the database never sees an unchecked query.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


class QueryError(ValueError):
    """A search query that cannot be run; the message says what is wrong with it."""


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or the words of a phrase
    prefix: bool = False
    negated: bool = False


_TOKEN = re.compile(r'\s*(?:(-)?"([^"]*)"|(\S+))')
_WORD = re.compile(r"\w+")


def parse_query(query: str) -> list[list[Term]]:
    """``a b OR c -d`` → [[a], [b, c], [-d]]: a conjunction of OR-groups of terms."""
    if not query or not query.strip():
        raise QueryError("the search query is empty")
    if query.count('"') % 2:
        raise QueryError('a quotation mark is not closed: put phrases in "double quotes"')
    tokens: list[Term | str] = []
    for match in _TOKEN.finditer(query):
        negated_phrase, phrase, bare = match.groups()
        if phrase is not None:
            words = tuple(w.lower() for w in _WORD.findall(phrase))
            if not words:
                raise QueryError(f'the phrase "{phrase}" has no words')
            tokens.append(Term(words, negated=bool(negated_phrase)))
            continue
        if bare == "OR":
            tokens.append("OR")
            continue
        negated = bare.startswith("-")
        text = bare[1:] if negated else bare
        prefix = text.endswith("*")
        text = text.rstrip("*")
        words = tuple(w.lower() for w in _WORD.findall(text))
        if not words:
            raise QueryError(f"{bare!r} has no letters or digits to search for")
        if prefix and len(words) > 1:
            raise QueryError(f"{bare!r}: a prefix* must be a single word")
        tokens.append(Term(words, prefix=prefix, negated=negated))
    groups: list[list[Term]] = []
    joining = False
    for token in tokens:
        if token == "OR":
            if not groups or joining:
                raise QueryError("OR needs a term on each side")
            joining = True
            continue
        assert isinstance(token, Term)
        if joining:
            if token.negated or any(t.negated for t in groups[-1]):
                raise QueryError("an -excluded term cannot be part of an OR")
            groups[-1].append(token)
            joining = False
        else:
            groups.append([token])
    if joining:
        raise QueryError("OR needs a term on each side")
    if all(g[0].negated for g in groups):
        raise QueryError("a query needs at least one word to look for, not only -exclusions")
    return groups


def to_fts5(groups: list[list[Term]]) -> str:
    """The FTS5 MATCH expression; every word is quoted, so no user text is FTS5 syntax."""

    def term(t: Term) -> str:
        quoted = '"' + " ".join(t.words) + '"'
        return quoted + ("*" if t.prefix else "")

    positive = [g for g in groups if not g[0].negated]
    negative = [g[0] for g in groups if g[0].negated]
    expr = " AND ".join("(" + " OR ".join(term(t) for t in g) + ")" for g in positive)
    for t in negative:
        expr += f" NOT {term(t)}"
    return expr


MAX_EXPANSIONS = 50
_TOKEN_CHARS = re.compile(r"[^\W_]+")


def index_words(text: str) -> set[str]:
    """The words of ``text`` roughly as the FTS5 index holds them (unicode61, diacritics removed)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return set(_TOKEN_CHARS.findall("".join(c for c in folded if not unicodedata.combining(c))))


def without_prefixes(groups: list[list[Term]], words: set[str]) -> list[list[Term]] | None:
    """The query with each prefix* replaced by those of ``words`` that start with it: for the
    snippets of posts already known to match, whose words these are.  FTS5 expands a prefix again
    for every post it is asked about (~7.5 ms a post at 1M posts); a few plain words cost ~0.2 ms.
    An excluded prefix excludes those words.  None where a prefix has no such word, or too many:
    the caller keeps the query as it is."""
    out: list[list[Term]] = []
    for group in groups:
        terms: list[Term] = []
        for term in group:
            if not term.prefix:
                terms.append(term)
                continue
            stem = next(iter(index_words(term.words[0])), "")
            found = sorted(w for w in words if w.startswith(stem)) if stem else []
            if len(found) > MAX_EXPANSIONS or not (found or term.negated):
                return None
            if term.negated:  # -pre*: none of these posts' words that start with it (an excluded term is alone)
                out.extend([Term((w,), negated=True)] for w in found)
            else:
                terms.extend(Term((w,)) for w in found)
        if terms:
            out.append(terms)
    return out


def to_tsquery(groups: list[list[Term]]) -> str:
    """The ``to_tsquery('simple', …)`` text; words are lexemes in single quotes."""

    def lexeme(word: str, prefix: bool) -> str:
        return "'" + word.replace("'", "''") + "'" + (":*" if prefix else "")

    def term(t: Term) -> str:
        if len(t.words) == 1:
            out = lexeme(t.words[0], t.prefix)
        else:
            out = "(" + " <-> ".join(lexeme(w, False) for w in t.words) + ")"
        return "!" + out if t.negated else out

    return " & ".join("(" + " | ".join(term(t) for t in g) + ")" for g in groups)
