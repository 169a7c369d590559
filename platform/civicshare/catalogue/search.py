"""Finding a council's services by the words residents type: plurals, synonyms and common words.

Every word is reduced to its English stem (Snowball: "potholes" and "pothole" both become "pothol",
"parking" becomes "park"), so plurals and endings do not matter. Each service is indexed by the stems
of its title, summary, category and the module's `search_terms`, plus every word whose synonyms it
uses: "fine" finds a "penalty charge notice", "rubbish" a bin. The platform's synonyms below are
added to by each module's own (`ServiceModule.synonyms`). A service matches when every meaningful
word of the query is among its terms (a word being typed matches the start of a term).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import snowballstemmer

# Words residents type -> words council services use for the same thing.
SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "bin": ("waste", "rubbish", "recycling", "refuse", "collection"),
    "rubbish": ("waste", "bin", "refuse", "dumped"),
    "refuse": ("waste", "bin", "rubbish"),
    "trash": ("waste", "bin", "rubbish"),
    "garbage": ("waste", "bin", "rubbish"),
    "wheelie": ("bin",),
    "dumping": ("fly-tipping", "dumped"),
    "flytipping": ("fly-tipping", "dumped"),
    "fine": ("penalty", "pcn"),
    "ticket": ("penalty", "pcn"),
    "pcn": ("penalty",),
    "appeal": ("challenge",),
    "dispute": ("challenge",),
    "hole": ("pothole",),
    "crater": ("pothole",),
    "road": ("pothole", "street"),
    "lamp": ("streetlight",),
    "lamppost": ("streetlight",),
    "light": ("streetlight",),
    "streetlamp": ("streetlight",),
    "car": ("parking", "vehicle"),
    "pass": ("permit",),
    "move": ("moving",),
    "house": ("home", "property"),
    "discount": ("reduction",),
    "single": ("alone",),
    "builder": ("building",),
    "extension": ("building",),
}

# Words that say nothing about which service is meant.
STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "at",
        "by",
        "can",
        "do",
        "for",
        "from",
        "get",
        "how",
        "i",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "the",
        "to",
        "we",
        "what",
        "with",
        "you",
        "your",
    }
)
WORD = re.compile(r"[a-z0-9]+")
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def stems(text: str) -> list[str]:
    """The stems of the meaningful words of `text` (hyphenated words also count joined: fly-tipping)."""
    lowered = text.lower()
    words = WORD.findall(lowered) + [part.replace("-", "") for part in re.findall(r"[a-z]+(?:-[a-z]+)+", lowered)]
    return [stem(word) for word in words if word not in STOP_WORDS]


def merged_synonyms(extra: Iterable[Mapping[str, tuple[str, ...]]]) -> dict[str, tuple[str, ...]]:
    """The platform's synonyms with the modules' added (never replacing the platform's)."""
    merged: dict[str, tuple[str, ...]] = dict(SYNONYMS)
    for synonyms in extra:
        for word, alternatives in synonyms.items():
            merged[word] = tuple(dict.fromkeys((*merged.get(word, ()), *alternatives)))
    return merged


def index_terms(text: str, synonyms: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
    """What a service can be found by: its own stems, and every word whose synonyms it uses."""
    own = set(stems(text))
    found = set(own)
    for word, alternatives in synonyms.items():
        if any(set(stems(alternative)) & own for alternative in alternatives):
            found.update(stems(word))
    return frozenset(found)


def query_stems(query: str) -> list[str]:
    return stems(query)


def matches(terms: frozenset[str], wanted: list[str]) -> bool:
    """Every wanted stem is a term, or (a word still being typed, 3 letters or more) begins one."""
    return bool(wanted) and all(
        word in terms or (len(word) >= 3 and any(term.startswith(word) for term in terms)) for word in wanted
    )
