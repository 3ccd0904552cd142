"""Captions for the melody library: what a musician would type to find each tune.

Each caption is built from the tune's real metadata (collection, origin, dance or song type from
the genre field or the title) and its measured attributes (``retrieval.attributes``: key and mode,
meter, density, range, contour, phrases, bars). Wording varies on purpose: every attribute has
several phrasings, a random subset of attributes is kept, and one of ``TEMPLATES`` joins them, so
the model learns the meaning and not one sentence shape. ``HELD_OUT_TEMPLATES`` are never used in
training (evaluation queries only). Everything is seeded from the tune id and the caption number,
so the captions of a tune are the same on every run.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from melodystudio.retrieval.attributes import TuneAttributes

NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
                10: "ten", 12: "twelve", 16: "sixteen", 24: "twenty-four", 32: "thirty-two"}


@dataclass(frozen=True)
class TuneFacts:
    """Metadata facts of one tune (English words), besides the measured attributes."""

    collection: str  # 'the Essen folk song collection'
    origin: str  # adjective: 'Irish', 'German', 'Chinese'; '' when unknown
    kind: str  # 'reel', 'lullaby', 'folk song', 'chorale', 'pop song'
    modal: str = ""  # 'dorian' / 'mixolydian' where the key field names a church mode
    modal_tonic: str = ""  # its tonic as written there ('G' of 'Glyd'; the tokens hold the relative major)


COLLECTIONS = {
    "essenFolksong": ("the Essen folk song collection", "Essen collection", "Essen folksong database"),
    "oneills1850": ("O'Neill's Music of Ireland", "O'Neill's 1850 collection", "the O'Neill collection"),
    "ryansMammoth": ("Ryan's Mammoth Collection", "Ryan's Mammoth fiddle tunes", "the Ryan collection"),
    "airdsAirs": ("Aird's Airs", "Aird's Selection of Scotch, English, Irish and Foreign Airs", "Aird's collection"),
    "bach": ("the Bach chorales", "Bach's four-part chorales", "J. S. Bach chorale melodies"),
    "pop909": ("the POP909 dataset", "POP909 Chinese pop songs", "POP909"),
}

# Type words found in genre fields and titles (English, German Essen genres, Chinese genre terms),
# first match wins, so the specific ('slip jig') precedes the general ('jig').
TYPE_WORDS: tuple[tuple[str, str], ...] = (
    ("slip ?jig", "slip jig"), ("double jig", "jig"), ("jig", "jig"), ("reel", "reel"), ("hornpipe", "hornpipe"),
    ("strathspey|strathsy", "strathspey"), ("highland fling|fling", "highland fling"), ("clog", "clog dance"),
    ("waltz|walzer", "waltz"), ("polka", "polka"), ("mazurka", "mazurka"), ("minuet|menuett", "minuet"),
    ("gavott", "gavotte"), ("quick ?step|march|marsch", "march"), ("planxty", "planxty"), ("lament|klage", "lament"),
    ("wiegen|lullaby", "lullaby"), ("kinder", "children's song"), ("weihnacht", "Christmas song"),
    ("geistlich|religi|kirchen", "sacred song"), ("hochzeit", "wedding song"), ("trink|zech", "drinking song"),
    ("soldaten|kriegs", "soldiers' song"), ("jaeger", "hunting song"), ("abschied", "farewell song"),
    ("wander", "wandering song"), ("tanz|reigen", "dance song"), ("liebe", "love song"),
    ("scherz|spott", "humorous song"),
    ("ballade|romanze", "ballad"), ("xiaodiao", "xiaodiao ditty"), ("shange", "mountain song"),
    ("haozi", "work song"), ("air", "air"),
)

ORIGIN_WORDS: tuple[tuple[str, str], ...] = (
    ("china|taiwan", "Chinese"), ("irland", "Irish"), ("luxemburg", "Luxembourgish"), ("lothringen", "Lorraine"),
    ("elsass", "Alsatian"), ("oesterreich|steiermark|tirol", "Austrian"), ("schweiz", "Swiss"),
    ("niederlande", "Dutch"), ("ungarn", "Hungarian"), ("schweden", "Swedish"), ("jugoslawien", "Slovenian"),
    ("rumaenien", "Romanian"), ("deutschland|schlesien|westfalen|rheinland|bayern|hessen|franken", "German"),
    ("polen", "Polish"), ("boehmen", "Bohemian"), ("frankreich", "French"),
)
SOURCE_ORIGIN = {"oneills1850": "Irish", "ryansMammoth": "Irish", "airdsAirs": "Scottish", "bach": "German",
                 "pop909": "Chinese"}
SOURCE_KIND = {"bach": "chorale", "pop909": "pop song"}


def tune_facts(source: str, title: str | None, origin: str | None, genre: str | None, key: str | None,
               file: str | None) -> TuneFacts:
    """English facts from a corpus tune's sidecar fields."""
    text = " ".join(x for x in (genre, title) if x).lower()
    kind = SOURCE_KIND.get(source) or next((word for pattern, word in TYPE_WORDS if re.search(pattern, text)), "")
    if not kind:
        kind = "fiddle tune" if source in ("ryansMammoth", "oneills1850", "airdsAirs") else "folk song"
    place = SOURCE_ORIGIN.get(source, "")
    if source == "essenFolksong":
        place = next((word for pattern, word in ORIGIN_WORDS if re.search(pattern, (origin or "").lower())), "")
        if not place and file and re.search(r"/(han|natmin|shanxi)", file):
            place = "Chinese"
        if not place and file and "/irl" in file:
            place = "Irish"
    modal = next((m for m in ("dorian", "mixolydian", "lydian", "phrygian") if key and m[:3] in key.lower()), "")
    tonic = re.match(r"\s*([A-G][#b]?)", key or "")
    if modal and tonic is None:
        modal = ""
    return TuneFacts(COLLECTIONS[source][0], place, kind, modal, tonic.group(1) if modal and tonic else "")


# -- phrasings of each attribute: lists of alternatives (one is drawn per caption) --------------
DENSITY = {"slow": ("slow", "calm", "unhurried", "gentle", "stately", "sparse"),
           "moderate": ("moderately paced", "flowing", "steady", "walking-pace"),
           "lively": ("lively", "fast", "busy", "brisk", "energetic", "quick")}
RANGE = {"narrow": ("with a narrow range", "in a small compass", "with a narrow ambitus", "staying close together"),
         "medium": ("with a moderate range", "spanning about an octave"),
         "wide": ("with a wide range", "with large leaps across a wide compass", "covering a wide range")}
REGISTER = {"low": ("low", "low-pitched", "deep"), "middle": ("", "", "mid-register"),
            "high": ("high", "high-pitched", "bright")}
CONTOUR = {"rising": ("rising", "ascending overall", "climbing"),
           "falling": ("falling", "descending overall", "sinking"),
           "arch": ("arch-shaped", "rising then falling", "with an arching contour"),
           "valley": ("dipping in the middle", "falling then rising", "with a valley-shaped contour"),
           "level": ("level", "hovering around one register", "with a flat contour")}
METER_WORDS = {"2/4": ("2/4", "two-four time", "duple meter"), "4/4": ("4/4", "common time", "four-four time"),
               "3/4": ("3/4", "three-four time", "triple meter", "waltz time"),
               "6/8": ("6/8", "six-eight time", "compound duple meter"), "2/2": ("2/2", "cut time", "alla breve"),
               "3/8": ("3/8", "three-eight time"), "9/8": ("9/8", "nine-eight time", "compound triple meter"),
               "12/8": ("12/8", "twelve-eight time"), "6/4": ("6/4", "six-four time"), "3/2": ("3/2", "three-two time")}


def number(n: int, rng: random.Random) -> str:
    return NUMBER_WORDS[n] if n in NUMBER_WORDS and rng.random() < 0.4 else str(n)


def phrases_for(facts: TuneFacts, attrs: TuneAttributes, rng: random.Random) -> dict[str, str]:
    """One phrasing per attribute (empty where the attribute is unknown)."""
    key = f"{facts.modal_tonic} {facts.modal}" if facts.modal else attrs.key_label()
    key_forms = (key, f"in {key}", f"key of {key}", f"{key} key") if key else ("",)
    mode_forms = (f"{attrs.mode}-key", f"in a {attrs.mode} key", f"{attrs.mode} mode") if attrs.mode else ("",)
    meter_forms = METER_WORDS.get(attrs.meter, (attrs.meter,)) if attrs.meter else ("",)
    bars = number(attrs.bars, rng)
    out = {
        "density": rng.choice(DENSITY[attrs.density]),
        "register": rng.choice(REGISTER[attrs.register]),
        "origin": facts.origin,
        "kind": facts.kind,
        "collection": rng.choice(COLLECTIONS_BY_NAME[facts.collection]),
        "key": rng.choice(key_forms) if rng.random() < 0.75 else rng.choice(mode_forms),
        "meter": rng.choice(meter_forms),
        "range": rng.choice(RANGE[attrs.range_width]),
        "contour": rng.choice(CONTOUR[attrs.contour]),
        "bars": rng.choice((f"{bars} bars", f"{bars} measures", f"{bars}-bar")) if attrs.bars <= 64 else "",
        "phrases": (rng.choice((f"{number(attrs.phrases, rng)} phrases", f"in {number(attrs.phrases, rng)} phrases"))
                    if 1 < attrs.phrases <= 12 else ""),
    }
    return out


COLLECTIONS_BY_NAME = {names[0]: names for names in COLLECTIONS.values()}

# Optional attributes are dropped with these probabilities, so captions range from terse to full.
DROP = {"density": 0.3, "register": 0.6, "origin": 0.2, "kind": 0.1, "collection": 0.6, "key": 0.3,
        "meter": 0.3, "range": 0.5, "contour": 0.6, "bars": 0.5, "phrases": 0.7}


def _np(p: dict[str, str]) -> str:
    """The noun phrase: '<density> <register> <origin> <kind>'."""
    return " ".join(x for x in (p["density"], p["register"], p["origin"], p["kind"] or "melody") if x)


def _details(p: dict[str, str], order: tuple[str, ...]) -> list[str]:
    return [p[k] for k in order if p[k]]


def _t_plain(p: dict[str, str]) -> str:
    return ", ".join([_np(p), *_details(p, ("key", "meter", "bars", "range", "contour", "phrases"))])


def _t_article(p: dict[str, str]) -> str:
    rest = _details(p, ("meter", "key", "range", "bars"))
    return f"a {_np(p)}" + (" in " + ", ".join(r.removeprefix("in ") for r in rest) if rest else "")


def _t_from(p: dict[str, str]) -> str:
    if p["collection"]:
        return "; ".join([f"{p['kind'] or 'tune'} from {p['collection']}",
                          *_details(p, ("density", "key", "meter", "contour", "bars"))])
    return "; ".join([_np(p), *_details(p, ("key", "meter", "contour", "bars"))])


def _t_keywords(p: dict[str, str]) -> str:
    return " ".join(_details(p, ("origin", "kind", "key", "meter", "density", "bars")))


def _t_sentence(p: dict[str, str]) -> str:
    rest = _details(p, ("key", "meter", "range", "phrases"))
    return f"This is a {_np(p)}" + (f", {' and '.join(rest)}." if rest else ".")


def _t_want(p: dict[str, str]) -> str:
    rest = _details(p, ("meter", "key", "bars", "contour"))
    return f"I want a {_np(p)}" + (" — " + ", ".join(rest) if rest else "")


def _t_melody_in(p: dict[str, str]) -> str:
    lead = " ".join(x for x in (p["density"], p["origin"]) if x)
    return f"{lead} melody in the style of a {p['kind'] or 'folk tune'}" + "".join(
        f", {d}" for d in _details(p, ("key", "meter", "range", "bars")))


def _t_attrs_first(p: dict[str, str]) -> str:
    front = " ".join(_details(p, ("meter", "key")))
    return (front + " " if front else "") + _np(p) + "".join(f", {d}" for d in _details(p, ("contour", "range")))


# Held out for evaluation only: a question, a description with 'that', a terse list with slashes.
def _t_question(p: dict[str, str]) -> str:
    rest = _details(p, ("key", "meter", "bars"))
    return f"Can you find a {_np(p)}" + (f" {' '.join(rest)}" if rest else "") + "?"


def _t_that(p: dict[str, str]) -> str:
    rest = _details(p, ("key", "meter", "range", "contour"))
    return f"melody that sounds like a {_np(p)}" + (", " + ", ".join(rest) if rest else "")


def _t_slashes(p: dict[str, str]) -> str:
    return " / ".join(_details(p, ("kind", "origin", "key", "meter", "density", "bars", "range")))


Template = Callable[[dict[str, str]], str]
TEMPLATES: tuple[Template, ...] = (_t_plain, _t_article, _t_from, _t_keywords, _t_sentence, _t_want,
                                   _t_melody_in, _t_attrs_first)
HELD_OUT_TEMPLATES: tuple[Template, ...] = (_t_question, _t_that, _t_slashes)


def seed_of(tune_id: str, number: int, salt: str = "") -> int:
    """A stable seed (crc32, not Python's salted hash)."""
    return zlib.crc32(f"{salt}|{tune_id}|{number}".encode())


def caption(facts: TuneFacts, attrs: TuneAttributes, tune_id: str, number: int, held_out: bool = False,
            drop: bool = True) -> str:
    """Caption ``number`` of a tune; ``held_out`` draws from the evaluation-only templates; without
    ``drop`` every known attribute is kept (the library's display caption)."""
    rng = random.Random(seed_of(tune_id, number, "held-out" if held_out else "train"))
    p = phrases_for(facts, attrs, rng)
    if drop:
        for name, prob in DROP.items():
            if rng.random() < prob:
                p[name] = ""
    templates = HELD_OUT_TEMPLATES if held_out else TEMPLATES
    text = rng.choice(templates)(p)
    return re.sub(r"\s+", " ", text).strip(" ,;")


def display_caption(facts: TuneFacts, attrs: TuneAttributes) -> str:
    """The fixed, complete description shown for a library tune."""
    key = f"{facts.modal_tonic} {facts.modal}" if facts.modal else attrs.key_label()
    parts = [" ".join(x for x in (attrs.density, facts.origin, facts.kind) if x), key, attrs.meter,
             f"{attrs.bars} bars", f"{attrs.range_width} range", attrs.contour]
    return ", ".join(x for x in parts if x)
