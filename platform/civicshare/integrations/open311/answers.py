"""This node's latest answer to GET requests.json at each council, compressed once, and its ETag.

A copy is only ever served after the database has said it is still the answer: every request runs the
listing statement, which returns the marker of what it selects now and leaves the rows out only when
that marker is the copy's (`listing.fetch_listing`). A change made through any node (a new request, a
status moved, an address erased) changes the marker, so no node serves an answer older than the database.

When the marker has changed, the copy still saves most of the work: the node sends the ids and row
versions (`xmin`) its copy holds, and the statement writes the text only of the requests the copy does
not hold as they are now (new ones, changed ones); the node copies the rest from its copy's bytes
(`assembled`). Writing 1,000 requests' text was most of what the statement cost PostgreSQL, and in a
fleet of hundreds of councils an answer has nearly always changed (a few new requests) since a node last
served it. The copy also saves the compression (brotli on ~0.5 MB costs the app a few ms) while unchanged.

The ETag is the marker and a digest of the council and everything else the text depends on (the
council's name, the services' names and codes, the filters), so a client polling with If-None-Match is
answered 304 on any node. It is weak: the bytes are the same, but each content coding is a different
representation.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass, field
from io import BytesIO
from itertools import accumulate

from litestar.config.compression import CompressionConfig
from litestar.enums import CompressionEncoding
from litestar.middleware.compression.brotli_facade import BrotliCompression
from litestar.middleware.compression.gzip_facade import GzipCompression

from civicshare.integrations.open311.listing import Listed, ServiceTable
from civicshare.integrations.open311.service import RequestQuery

MOST_BYTES = 256 * 1024 * 1024
"""What the copies may hold in all on one node: a council's default window is about 0.5 MB, so a node
keeps those of some 450 councils, with their compressed forms (a tenth of that), and each answer is
rebuilt from its copy rather than written afresh; the least recently served go first."""


@dataclass
class Answer:
    marker: str
    body: bytes
    encoded: dict[str, bytes] = field(default_factory=dict)
    """The body compressed, by content coding, as it was first asked for."""
    ids: str = ""
    versions: str = ""
    """The requests' ids and row versions, newest first, as the listing statement reads them back."""
    spans: array[int] = field(default_factory=lambda: array("q"))
    """Each request's bytes in the body and the separator after it, newest first."""

    @property
    def size(self) -> int:
        rows = len(self.ids) + len(self.versions) + len(self.spans) * 8
        return len(self.body) + sum(len(body) for body in self.encoded.values()) + rows

    @property
    def held(self) -> tuple[str, str]:
        return self.ids, self.versions


def assembled(marker: str, listed: Listed, held: Answer | None) -> Answer:
    """The answer to `listed`: the text, ids and versions `held` has of the rows it holds unchanged (runs of
    them copied as one piece), the statement's fresh ones of the others."""
    texts = listed.texts
    if held is None or listed.held_at.count(None) == len(listed.held_at):
        spans = array("q", [len(text) + 1 for text in texts])
        whole = b"[" + b",".join(texts) + b"]"
        return Answer(
            marker, whole, ids=",".join(listed.fresh_ids), versions=",".join(listed.fresh_versions), spans=spans
        )
    pieces: list[bytes | memoryview] = []
    spans = array("q")
    ids: list[str] = []
    versions: list[str] = []
    body = memoryview(held.body)
    held_spans = held.spans
    held_ids, held_versions = held.ids.split(","), held.versions.split(",")
    starts = list(accumulate(held_spans, initial=1))
    fresh = zip(texts, listed.fresh_ids, listed.fresh_versions, strict=True)
    first = end = -1  # the held rows [first, end) to copy next, none yet

    def copy_held() -> None:
        pieces.append(body[starts[first] : starts[end] - 1])
        spans.extend(held_spans[first:end])
        ids.extend(held_ids[first:end])
        versions.extend(held_versions[first:end])

    for at in listed.held_at:
        if at is not None and at - 1 == end:
            end = at
            continue
        if end > first:
            copy_held()
        if at is None:
            first = end = -1
            text, fresh_id, fresh_version = next(fresh)
            pieces.append(text)
            spans.append(len(text) + 1)
            ids.append(fresh_id)
            versions.append(fresh_version)
        else:
            first, end = at - 1, at
    if end > first:
        copy_held()
    return Answer(marker, b"[" + b",".join(pieces) + b"]", ids=",".join(ids), versions=",".join(versions), spans=spans)


AnswerKey = tuple[str, str, tuple[str, ...], frozenset[str]]


def answer_key(schema: str, agency: str, query: RequestQuery) -> AnswerKey:
    """The window's dates are left out: the marker says which requests the answer holds."""
    return (schema, agency, query.services, query.statuses)


class RecentAnswers:
    """The copies, least recently served first, within MOST_BYTES."""

    def __init__(self, most_bytes: int = MOST_BYTES) -> None:
        self._answers: OrderedDict[AnswerKey, Answer] = OrderedDict()
        self._bytes = 0
        self._most_bytes = most_bytes

    def get(self, key: AnswerKey) -> Answer | None:
        found = self._answers.get(key)
        if found is not None:
            self._answers.move_to_end(key)
        return found

    def put(self, key: AnswerKey, answer: Answer) -> None:
        self.forget(key)
        if answer.size > self._most_bytes:
            return
        self._answers[key] = answer
        self._bytes += answer.size
        self._trim()

    def _trim(self) -> None:
        while self._bytes > self._most_bytes and self._answers:
            _, oldest = self._answers.popitem(last=False)
            self._bytes -= oldest.size

    def forget(self, key: AnswerKey) -> None:
        previous = self._answers.pop(key, None)
        if previous is not None:
            self._bytes -= previous.size

    def encoded(self, key: AnswerKey, answer: Answer, coding: str, config: CompressionConfig) -> bytes:
        """The answer's body in `coding`, compressed the first time it is asked for."""
        found = answer.encoded.get(coding)
        if found is None:
            found = answer.encoded[coding] = compress(answer.body, coding, config)
            if self._answers.get(key) is answer:
                self._bytes += len(found)
                self._trim()
        return found

    @property
    def held_bytes(self) -> int:
        return self._bytes


def content_coding(accept_encoding: str, size: int, config: CompressionConfig) -> str | None:
    """The coding the app's compression middleware would choose for a body of `size` bytes."""
    if size < config.minimum_size:
        return None
    preferred = CompressionEncoding(config.compression_facade.encoding).value
    if preferred in accept_encoding:
        return preferred
    if config.gzip_fallback and "gzip" in accept_encoding:
        return "gzip"
    return None


def compress(body: bytes, coding: str, config: CompressionConfig) -> bytes:
    """`body` compressed as the middleware compresses one whole body (its own facades and settings)."""
    buffer = BytesIO()
    facade = BrotliCompression(buffer, coding, config) if coding == "br" else GzipCompression(buffer, coding, config)
    facade.write(body)
    facade.close()
    return buffer.getvalue()


def rendering_digest(schema: str, agency: str, services: ServiceTable, query: RequestQuery) -> str:
    """Whose answer it is and what besides the requests its text depends on, as 16 hex digits (the same
    on every node): another council's tag never matches, whatever its marker."""
    parts = (
        "requests.json/1",
        schema,
        agency,
        repr(services),
        repr(query.services),
        repr(sorted(query.statuses)),
    )
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=8).hexdigest()


def etag(marker: str, digest: str) -> str:
    return f'W/"{marker}.{digest}"'


MOST_TAGS = 8
"""Most entity tags of one If-None-Match that are looked at (a client sends its one latest)."""


def markers_asked(if_none_match: str | None, digest: str) -> tuple[set[str], bool]:
    """The markers of this rendering a client's If-None-Match names, and whether it says `*`."""
    markers: set[str] = set()
    if not if_none_match:
        return markers, False
    for tag in if_none_match.split(",", MOST_TAGS)[:MOST_TAGS]:
        tag = tag.strip()
        if tag == "*":
            return markers, True
        opaque = tag.removeprefix("W/").strip('"')
        marker, dot, rest = opaque.rpartition(".")
        if dot and rest == digest and 0 < len(marker) <= 64:
            markers.add(marker)
    return markers, False


def known_markers(answer: Answer | None, asked: Collection[str]) -> list[str]:
    return sorted({*asked, *([answer.marker] if answer is not None else [])})
