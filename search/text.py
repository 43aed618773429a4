"""From what a person types to an index query: words, synonyms, typos, "did you mean".

"i need a bed tonight" keeps "bed" (the rest are words every request shares) and widens it
with its synonyms; "shleter" is not in the index, so the closest index term by rapidfuzz
`fuzz.ratio` among terms held by at least MIN_DF documents ("shelter") is searched instead
and offered as a suggestion. Words shorter than four letters are never corrected.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from search import facts
from search.candidates import SearchCache
from search.index import PostgresIndex, SearchIndex, TextQuery
from search.models import search_document as D

MIN_TYPO_LEN = 4
TYPO_CUTOFF = 75.0
MAX_WORDS = 12
MAX_ALTERNATIVES = 8
_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    """
    a an and the of for to in on at by with from or is are am be been was were do does did i me my
    mine we us our you your he she they them their it its this that these those there here where
    what which who whom how when why can could would should will shall may might must need needs
    needed want wants wanted looking look find finding get getting got some any somewhere anywhere
    place please help tonight today now right asap near nearby close closest nearest around area
    open just like also really very im i'm ive dont don't know something someone anyone have has
    had
    """.split()  # noqa: SIM905
)


@dataclass
class ParsedText:
    query: TextQuery | None
    words: list[str] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)
    suggestions: list[str] = field(default_factory=list)


def words_of(value: str) -> list[str]:
    """Lower-case ASCII words (diacritics dropped: "albergue" finds "albergué")."""
    plain = unicodedata.normalize("NFKD", value.lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return _WORD.findall(plain.replace("'", ""))


def _expand(phrase: str, synonyms: dict[str, set[str]]) -> list[str]:
    """The phrase and its synonyms, two hops at most (bed ~ shelter ~ emergency shelter)."""
    out = [phrase]
    frontier = [phrase]
    for _ in range(2):
        nxt = []
        for p in frontier:
            for s in sorted(synonyms.get(p, ())):
                if s not in out:
                    out.append(s)
                    nxt.append(s)
        frontier = nxt
    cleaned = []
    for alt in out[:MAX_ALTERNATIVES]:
        w = " ".join(words_of(alt))
        if w and w not in cleaned:
            cleaned.append(w)
    return cleaned


def _surface(conn: Connection, index: SearchIndex, stem: str) -> str:
    """A readable word for an index stem ("pantri" -> "pantry"), from documents that hold it."""
    query = TextQuery([[stem]])
    rows = index.match_rows(conn, query, [], [D.c.name, D.c.taxonomy, D.c.keywords], limit=5)
    counts: Counter[str] = Counter()
    for row in rows:
        for w in words_of(" ".join(row[:3])):
            if index.stem(w) == stem:
                counts[w] += 1
    return counts.most_common(1)[0][0] if counts else stem


def correct(conn: Connection, index: SearchIndex, word: str, state: Any = None) -> str | None:
    """The closest well-attested index term to an unknown word, as a readable word (kept for
    the index generation in `state`)."""
    found: str | None = SearchCache.memo(state, ("correct", word), lambda: _correct(conn, index, word))
    return found


def known(conn: Connection, index: SearchIndex, word: str, state: Any = None) -> bool:
    """Whether some document holds the word (kept for the index generation in `state`)."""
    return bool(SearchCache.memo(state, ("df", word), lambda: index.doc_freq(conn, word)))


def _correct(conn: Connection, index: SearchIndex, word: str) -> str | None:
    vocab = facts.vocabulary(conn, index)
    if not vocab:
        return None
    stem = index.stem(word)
    best = process.extract(stem, vocab.keys(), scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF, limit=5)
    if not best:
        return None
    top = max(score for _, score, _ in best)
    choice = max((c for c in best if c[1] == top), key=lambda c: vocab[c[0]])[0]
    if not index.doc_freq(conn, choice):
        return None
    return _surface(conn, index, choice)


def parse(
    conn: Connection, index: SearchIndex, q: str | None, synonyms: dict[str, set[str]], state: Any = None
) -> ParsedText:
    raw = words_of(q or "")[: MAX_WORDS * 2]
    groups: list[list[str]] = []
    kept: list[str] = []
    corrections: dict[str, str] = {}
    i = 0
    while i < len(raw):
        for n in (3, 2, 1):
            phrase = " ".join(raw[i : i + n])
            if len(raw) - i >= n and phrase in synonyms:
                groups.append(_expand(phrase, synonyms))
                kept.append(phrase)
                i += n
                break
        else:
            word = raw[i]
            i += 1
            if word in STOPWORDS:
                continue
            kept.append(word)
            if len(word) >= MIN_TYPO_LEN and not word.isdigit() and not known(conn, index, word, state):
                fixed = correct(conn, index, word, state)
                if fixed and fixed != word:
                    corrections[word] = fixed
                    groups.append(_expand(fixed, synonyms))
                    continue
            groups.append([word])
    groups = groups[:MAX_WORDS]
    if isinstance(index, PostgresIndex):
        groups = [[a for a in g if _pg_safe(a)] or g for g in groups]
    suggestions = []
    if corrections:
        suggestions.append(" ".join(corrections.get(w, w) for w in kept))
    return ParsedText(TextQuery(groups) if groups else None, kept, corrections, suggestions)


def _pg_safe(alt: str) -> bool:
    return all(w not in STOPWORDS for w in alt.split())


def count_documents(conn: Connection) -> int:
    return int(conn.execute(select(text("count(*)")).select_from(D)).scalar_one())
