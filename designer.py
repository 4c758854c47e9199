"""The built-in designer: reads a description the way a person does, with no model and no network.

    "Hotel reservations with guest name, check-in date, room type (Standard/Deluxe/Suite) and
     nightly rate between 60 and 900"  ->  id, guest_name, check_in, room_type, nightly_rate ...

It finds the list of fields, reads each phrase (ranges, enumerations, units, "number of", yes/no),
names the concept each phrase means with the vocabularies in vocab.json (data: field concepts,
domain templates, unit overrides), types the rest from the shape of its words, fills a terse
description from the domain it names, and ties the relations a reader takes for granted
(RELATIONS). The result is an ordinary schema, checked like any other.

It does not call a model (main.py's designer does), and it never fails on a description: the
worst it does is a small generic table.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from errors import clip
from fakes import PERSON_METHODS
from columns import MAX_CHOICE_VALUES
from schema import Schema, load_schema, snake

VOCAB_PATH = Path(__file__).resolve().parent / "vocab.json"
MAX_DRAFT_COLUMNS = 10_000      # the designer's own limit; the service's MAX_COLUMNS applies after
MAX_DESCRIPTION_ECHO = 120      # a column's description quotes at most this much of the phrase

log = logging.getLogger("synthdata")


def load_vocab() -> dict[str, Any]:
    """The designer's vocabularies and domain templates (data, not logic)."""
    try:
        return json.loads(VOCAB_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        log.warning("vocabulary %s unavailable (%s): the built-in designer uses its shapes only",
                    VOCAB_PATH.name, type(err).__name__)
        return {}


@dataclass
class Design:
    """A designer's answer: the schema, and what it assumed where the description was silent."""

    schema: Schema
    assumptions: list[str] = field(default_factory=list)


@dataclass
class Draft:
    """A column being designed: the schema column, the concept it came from, and whether only
    the shape of its words typed it (a weak guess that a domain template may replace)."""

    column: dict[str, Any]
    concept: str | None = None
    weak: bool = False

    @property
    def name(self) -> str:
        return self.column["name"]

    @property
    def type(self) -> str:
        return self.column["type"]


# --- reading a description ---

LIST_START = re.compile(r":|\b(?:with|containing|including|includes|having|that has|that have|"
                        r"which has|columns?|fields?|attributes?)\b", re.I)
SPLIT = re.compile(r"\s*(?:,|;|\band\b|&|\bplus\b|\bas well as\b|\n)\s*", re.I)
LEAD_WORDS = re.compile(r"^(?:(?:and|also|plus|the|a|an|their|its|his|her|each|every|with|"
                        r"including|of|some|optional|optionally|e\.g\.|eg)\s+)+", re.I)
MIN_AND_MAX = [(re.compile(r"^(.*?)\s*(?:range\s+)?\bmin(?:imum)?\s+and\s+max(?:imum)?$", re.I), "{0} min,{0} max"),
               (re.compile(r"^min(?:imum)?\s+and\s+max(?:imum)?\s+(.+)$", re.I), "min {0},max {0}")]
NUM = r"\$?\s*(-?\d+(?:,\d{3})*(?:\.\d+)?)\s*(k|m|million|thousand)?%?"
RANGES = [re.compile(p, re.I) for p in (
    rf"\bbetween\s+{NUM}\s+and\s+{NUM}", rf"\bfrom\s+{NUM}\s+to\s+{NUM}",
    rf"(?<![\w.]){NUM}\s*(?:-|–|—|to|\.\.)\s*{NUM}(?![\w.])")]
OUT_OF = re.compile(rf"\b(?:out of|on a scale of(?:\s+\d+\s+to)?)\s+{NUM}|/\s*{NUM}\b", re.I)
BOUND_MAX = re.compile(rf"\b(?:up to|at most|under|below|less than|max(?:imum)?(?: of)?)\s+{NUM}", re.I)
BOUND_MIN = re.compile(rf"\b(?:at least|over|above|more than|min(?:imum)?(?: of)?)\s+{NUM}", re.I)
PARENS = re.compile(r"\(([^()]*)\)")
BETWEEN_AND = re.compile(r"\bbetween\s+\S+\s+and\s+\S+", re.I)
SHARED_HEADS = {"dates", "times", "timestamps", "names", "prices", "numbers", "ids", "addresses",
                "amounts", "scores", "counts", "rates", "codes", "types", "levels", "statuses", "emails"}
SLASH_LIST = re.compile(r"(?<![\w/])([A-Za-z][\w+.'-]*(?:\s*/\s*[A-Za-z][\w+.'-]*)+)(?![\w/])")
BOOL_SETS = [{"yes", "no"}, {"true", "false"}, {"y", "n"}, {"t", "f"}]
NOT_LISTS = {"m/s", "km/h", "kb/s", "mb/s", "w/m2", "n/a", "i/o", "a/b", "s/n", "p/e", "b/w"}
SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}
FILLER = {"in", "the", "a", "an", "e", "g", "eg"}
GENERIC_DATA_WORDS = {"list", "data", "dataset", "table", "record", "records", "info", "information",
                      "detail", "details", "log", "logs", "sample", "generate", "create", "make",
                      "fake", "synthetic", "random", "realistic", "set", "of", "for", "a", "the", "some"}
# Generic heads a modifier can specialise: "follower count" is a count of followers.
HEAD_TYPES: dict[str, set[str]] = {
    "count": {"int"}, "number": {"int", "pattern", "id", "faker"}, "amount": {"float", "int"},
    "total": {"float", "int", "formula"}, "value": {"float", "int"}, "rate": {"float", "int"},
    "percent": {"float", "int"}, "percentage": {"float", "int"}, "date": {"date"},
    "time": {"datetime", "date"}, "timestamp": {"datetime"}, "type": {"choice"},
    "status": {"choice"}, "level": {"choice", "int"}, "category": {"choice"}, "name": {"faker", "choice"},
    "id": {"id", "pattern"}, "score": {"int", "float"}, "flag": {"bool"}, "code": {"pattern", "choice", "faker"},
    "size": {"int", "float", "choice"}, "price": {"float"}, "cost": {"float"}, "fee": {"float"},
    "fine": {"float"}, "penalty": {"float"}, "tip": {"float"}, "charge": {"float"}, "balance": {"float"},
}
LOCALE_WORDS = {"german": "de_DE", "germany": "de_DE", "french": "fr_FR", "france": "fr_FR",
                "spanish": "es_ES", "spain": "es_ES", "italian": "it_IT", "italy": "it_IT",
                "japanese": "ja_JP", "japan": "ja_JP", "british": "en_GB", "uk": "en_GB",
                "england": "en_GB", "indian": "en_IN", "india": "en_IN", "brazilian": "pt_BR",
                "brazil": "pt_BR", "dutch": "nl_NL", "netherlands": "nl_NL", "canadian": "en_CA",
                "canada": "en_CA", "australian": "en_AU", "australia": "en_AU", "mexican": "es_MX",
                "mexico": "es_MX", "chinese": "zh_CN", "china": "zh_CN", "polish": "pl_PL",
                "swedish": "sv_SE", "korean": "ko_KR", "irish": "en_IE", "portuguese": "pt_PT"}
ROLE_WORDS = {"doctor", "physician", "nurse", "manager", "agent", "driver", "author", "instructor",
              "teacher", "coach", "seller", "buyer", "recipient", "sender", "reviewer", "host",
              "owner", "tenant", "landlord", "referee", "supervisor", "technician", "employee",
              "customer", "patient", "student", "guest", "passenger", "user", "player", "pilot",
              "rep", "representative", "salesperson", "cashier", "therapist", "surgeon", "dentist"}


NOT_PLURAL = {"species", "series", "news", "means", "analytics", "economics", "physics", "mathematics",
              "statistics", "sales", "status", "gas", "bus", "lens", "address", "business", "class", "mass"}


def singular(token: str) -> str:
    if token in NOT_PLURAL:
        return token
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def tokens(text: str) -> list[str]:
    return [singular(t) for t in re.findall(r"[a-z0-9%]+", text.lower())]


def find(words: list[str], needle: list[str]) -> int:
    """Index where `needle` occurs as whole words in `words`, else -1."""
    k = len(needle)
    for i in range(len(words) - k + 1):
        if words[i:i + k] == needle:
            return i
    return -1


@dataclass
class Concept:
    id: str
    words: list[list[str]]
    name: str
    column: dict[str, Any]
    by_domain: dict[str, dict[str, Any]]


@dataclass
class Match:
    concept: Concept
    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start


class Vocabulary:
    """Concepts, domains and units from vocab.json, indexed for matching phrases."""

    def __init__(self, data: dict[str, Any]):
        self.concepts = [Concept(c["id"], [tokens(w) for w in c.get("words", []) if tokens(w)],
                                 c.get("name") or snake(c["id"]), dict(c.get("column") or {}),
                                 c.get("by_domain") or {}) for c in data.get("concepts", [])]
        self.domains = [(d["id"], [tokens(w) for w in d.get("words", []) if tokens(w)], d)
                        for d in data.get("domains", [])]
        self.units = [([tokens(w) for w in u.get("words", []) if tokens(w)], u) for u in data.get("units", [])]

    def matches(self, words: list[str]) -> list[Match]:
        found = []
        for concept in self.concepts:
            for needle in concept.words:
                at = find(words, needle)
                if at >= 0:
                    found.append(Match(concept, at, at + len(needle)))
        return found

    def domain(self, words: list[str]) -> dict[str, Any] | None:
        best, best_score = None, 0
        for _, needles, data in self.domains:
            score = sum(len(n) for n in needles if find(words, n) >= 0)
            if score > best_score:
                best, best_score = data, score
        return best

    def unit(self, words: list[str], concept_id: str) -> dict[str, Any]:
        for needles, unit in self.units:
            if unit.get("concept") == concept_id and any(find(words, n) >= 0 for n in needles):
                return unit.get("column") or {}
        return {}

    def unit_words(self) -> set[str]:
        return {w for needles, _ in self.units for n in needles for w in n}


@dataclass
class Phrase:
    """One field a description lists, with what its words say beyond the field's name."""

    text: str                        # the words that name the field
    source: str                      # the words as written
    low: float | None = None
    high: float | None = None
    values: list[str] | None = None
    boolean: bool = False
    count_of: bool = False


def number(text: str, suffix: str | None) -> float:
    return float(text.replace(",", "")) * SCALE.get((suffix or "").lower(), 1)


def read_phrase(source: str) -> Phrase:
    """Pull ranges, enumerations and 'number of' out of a field phrase."""
    text = source.strip(" .")
    phrase = Phrase(text, source.strip())
    for inner in PARENS.findall(text):
        items = [i.strip(" .") for i in re.split(r",|/|\bor\b|\x00", re.sub(r"^(e\.g\.|eg|i\.e\.|such as)\s*", "", inner.strip(), flags=re.I)) if i.strip(" .")]
        if len(items) >= 2 and not any(RANGES[2].search(i) for i in items):
            phrase.values = items
            text = text.replace(f"({inner})", " ")
    if phrase.values is None:
        for group in SLASH_LIST.findall(text):
            items = [i.strip() for i in group.split("/")]
            if group.lower().replace(" ", "") not in NOT_LISTS and all(len(i) >= 2 or i.lower() in "yntf" for i in items):
                phrase.values = items
                text = text.replace(group, " ")
                break
    for pattern in RANGES:
        m = pattern.search(text)
        if m:
            phrase.low, phrase.high = sorted((number(m.group(1), m.group(2)), number(m.group(3), m.group(4))))
            text = text[:m.start()] + " " + text[m.end():]
            break
    else:
        m = OUT_OF.search(text)
        if m:
            phrase.high = number(m.group(1) or m.group(3), m.group(2) or m.group(4))
            text = text[:m.start()] + " " + text[m.end():]
        m = BOUND_MAX.search(text)
        if m:
            phrase.high = number(m.group(1), m.group(2))
            text = text[:m.start()] + " " + text[m.end():]
        m = BOUND_MIN.search(text)
        if m:
            phrase.low = number(m.group(1), m.group(2))
            text = text[:m.start()] + " " + text[m.end():]
    if phrase.values and {v.lower() for v in phrase.values} in BOOL_SETS:
        phrase.values, phrase.boolean = None, True
    count = re.match(r"^(?:the\s+)?(?:number|no\.|num|count|amount|total number) of\s+(.+)$", text.strip(), re.I)
    if count:
        phrase.count_of, text = True, count.group(1)
    phrase.text = re.sub(r"\s+", " ", text).strip(" .:-")
    return phrase


def split_fields(text: str, is_field: Callable[[str], bool] = lambda words: False) -> list[str]:
    """Field phrases of a list, keeping commas inside parentheses and 'min and max' pairs."""
    protected = PARENS.sub(lambda m: "(" + m.group(1).replace(",", "\x00").replace(" and ", " \x00 ") + ")", text)
    protected = BETWEEN_AND.sub(lambda m: m.group(0).replace(" and ", " \x02 "), protected)
    pieces: list[str] = []
    for chunk in re.split(r"\s*[,;\n]\s*", protected):
        for pattern, form in MIN_AND_MAX:
            m = pattern.match(chunk.strip())
            if m:
                chunk = form.format(m.group(1).strip()).replace(",", "\x01")
                break
        parts = [p for p in SPLIT.split(chunk.replace("\x01", ",")) if p]
        pieces += share_head(parts, is_field)
    phrases = [LEAD_WORDS.sub("", p.replace("\x00", ",").replace("\x02", "and")).strip(" .") for p in pieces]
    return [p for p in phrases if p and len(p) <= 120]


def share_head(parts: list[str], is_field: Callable[[str], bool]) -> list[str]:
    """'check-in and check-out dates' names two dates: the last part's plural head is shared,
    unless the words before it name fields of their own ('ages and blood types')."""
    if len(parts) < 2 or any(is_field(p) for p in parts[:-1]):
        return parts
    last = parts[-1].split()
    if len(last) < 2 or not last[-1].lower().endswith("s") or last[-1].lower() not in SHARED_HEADS:
        return parts
    head = singular(last[-1].lower())
    fronts = [p for p in parts[:-1] if len(p.split()) == 1]
    if len(fronts) != len(parts) - 1:
        return parts
    return [f"{p} {head}" for p in parts[:-1]] + [" ".join(last[:-1]) + " " + head]


# Shapes of words that say what a field is when no concept names it: (pattern, column).
SHAPES: list[tuple[re.Pattern[str], dict[str, Any]]] = [(re.compile(p), c) for p, c in [
    (r"(^|_)(is|has|was|can|does|did|should)_|(^|_)flag$|(^|_)(enabled|active|verified|approved|"
     r"cancelled|canceled|churned|completed|paid|deleted|subscribed|returned|default(ed)?)$",
     {"type": "bool", "p": 0.3}),
    (r"(^|_)(date_of_birth|dob|birth_?date|birthday)$", {"type": "date", "start": "-80y", "end": "-18y"}),
    (r"(^|_)(date|day)$|^date_|_on$", {"type": "date", "start": "-3y", "end": "today"}),
    (r"(^|_)(time|timestamp|datetime|at)$", {"type": "datetime", "start": "-2y", "end": "today"}),
    (r"(^|_)(year)$", {"type": "int", "min": 1995, "max": 2025}),
    (r"(^|_)(uuid|guid)$", {"type": "id", "format": "uuid"}),
    (r"(^|_)id$", {"type": "id"}),
    (r"(^|_)(email|e_mail)", {"type": "faker", "method": "email"}),
    (r"(^|_)(phone|mobile|telephone|tel)(_|$)", {"type": "faker", "method": "phone_number"}),
    (r"(^|_)(url|link|website)$", {"type": "faker", "method": "url"}),
    (r"(^|_)(number|no|code|ref|reference|serial)$", {"type": "pattern", "pattern": "??-######"}),
    (r"(^|_)(count|quantity|qty|num|views|clicks|visits|units)$|^num_",
     {"type": "int", "min": 0, "max": 500, "distribution": "lognormal", "mean": 40, "std": 50}),
    (r"(^|_)(amount|price|cost|fee|fees|fine|fines|penalty|tip|tips|deposit|refund|bonus|commission|tax|"
     r"revenue|salary|income|spend|spent|balance|charge|charges|payment|budget|value|total|profit|sales|wage|"
     r"fare|rent|groceries|utilities|savings|expenses?)$",
     {"type": "float", "min": 1, "max": 5000, "distribution": "lognormal", "mean": 250, "std": 400, "decimals": 2}),
    (r"(^|_)(percent|percentage|pct|rate|ratio|share|probability)$",
     {"type": "float", "min": 0, "max": 100, "distribution": "normal", "mean": 35, "std": 18, "decimals": 1}),
    (r"(^|_)(score|rating|stars)$", {"type": "int", "min": 1, "max": 5, "distribution": "normal", "mean": 3.8, "std": 1}),
    (r"(^|_)(age)$", {"type": "int", "min": 18, "max": 85, "distribution": "normal", "mean": 40, "std": 14}),
    (r"(^|_)(duration|hours|minutes|seconds|days|length|distance|weight|height|size|speed)$",
     {"type": "float", "min": 0.1, "max": 500, "distribution": "lognormal", "mean": 30, "std": 40, "decimals": 1}),
    (r"(^|_)(priority|severity|level|risk)$", {"type": "choice", "values": ["Low", "Medium", "High", "Critical"], "weights": [35, 40, 20, 5]}),
    (r"(^|_)(tier|membership|plan)$", {"type": "choice", "values": ["Basic", "Standard", "Premium", "Enterprise"], "weights": [40, 35, 20, 5]}),
    (r"(^|_)(status|state)$", {"type": "choice", "values": ["Active", "Inactive", "Pending", "Suspended"], "weights": [65, 15, 15, 5]}),
    (r"(^|_)(type|kind|class|category|group|segment|mode|method|channel|stage|source)$",
     {"type": "choice", "values": ["Standard", "Premium", "Basic", "Custom"], "weights": [45, 20, 25, 10]}),
    (r"(^|_)(description|notes?|comments?|text|review|feedback|message|summary|bio|body|content|remarks)$",
     {"type": "faker", "method": "paragraph"}),
    (r"(^|_)(title|subject|headline)$", {"type": "faker", "method": "sentence"}),
    (r"(^|_)(name|owner|manager|contact|person)$", {"type": "faker", "method": "name"}),
    (r"(^|_)(address)$", {"type": "faker", "method": "street_address"}),
    (r"(^|_)(city|town)$", {"type": "faker", "method": "city"}),
    (r"(^|_)(country)$", {"type": "faker", "method": "country"}),
    (r"(^|_)(company|employer|organization|vendor|supplier)$", {"type": "faker", "method": "company"}),
    (r"(^|_)(color|colour)$", {"type": "faker", "method": "color_name"}),
]]
FALLBACK_COLUMN = {"type": "faker", "method": "word"}
GENERIC_TABLE = ["id", "name", "email", "city", "created at", "amount", "status"]
PAIRS: list[tuple[str, str, float, float]] = [  # start words, end words, fewest and most days after
    (r"check_?in", r"check_?out", 1, 14), (r"admission|admit", r"discharge", 1, 21),
    (r"order", r"ship", 0, 5), (r"ship", r"deliver", 1, 10), (r"order|purchase", r"deliver", 2, 14),
    (r"depart", r"arriv", 0.04, 0.75), (r"hire|join", r"terminat|exit|leave", 30, 2500),
    (r"start|begin", r"end|finish|complet", 0, 60), (r"creat|open|submit|report", r"resolv|clos|updat", 0, 20),
    (r"issue", r"due|expir", 14, 365), (r"pickup|pick_up", r"drop", 0.01, 0.2),
    (r"enrol", r"graduat", 900, 1800), (r"sign_?up|regist", r"last_(login|seen|active|purchase)", 0, 700),
    (r"borrow|checkout|loan", r"return", 1, 30), (r"borrow|checkout|loan_date", r"due", 7, 30),
    (r"login", r"logout", 0.001, 0.3), (r"plant|sow", r"harvest", 60, 200),
    (r"policy_start|effective|coverage_start", r"expir|renewal|coverage_end", 180, 366),
    (r"appointment|booking|booked", r"visit|service_date", 1, 60), (r"install", r"uninstall|churn", 1, 365),
]


class OfflineDesigner:
    """Reads a description the way a person does: fields listed, ranges, enumerations, units,
    and the domain it names, with vocabularies from vocab.json and shapes of words otherwise."""

    def __init__(self, vocab: dict[str, Any] | None = None):
        vocab = load_vocab() if vocab is None else vocab
        self.vocab = Vocabulary(vocab)
        self.unit_words = self.vocab.unit_words()
        # the cache key follows this file and the vocabulary: a change to either designs anew
        digest = hashlib.sha256(Path(__file__).read_bytes() + json.dumps(vocab, sort_keys=True).encode())
        self.identity = f"offline:{digest.hexdigest()[:12]}"

    def design(self, description: str) -> Design:
        text = " ".join(description.split())
        words = tokens(text)
        domain = self.vocab.domain(words)
        domain_id = domain["id"] if domain else None
        head = LIST_START.search(text)
        subject = text[:head.start()] if head else text
        listed = split_fields(text[head.end():], self.names_field) if head else []
        drafts = [d for d in (self.column(read_phrase(source), domain_id, subject) for source in listed) if d]
        strong = sum(1 for d in drafts if not d.weak)
        assumptions = []
        if strong < 2 and domain:
            assumptions.append(f"few fields were named: the usual columns of {domain.get('table') or domain['id']} "
                               "data were assumed")
            template = [d for d in (self.column(read_phrase(p), domain_id, subject, from_template=True)
                                    for p in domain.get("fields", [])) if d]
            # "hotel guest reviews": the template, plus what the words themselves name
            signals = {w for n in (tokens(w) for w in domain.get("words", [])) for w in n}
            known = {t.concept for t in template} | {t.name for t in template}
            named = [d for d in self.columns_named_in(subject, domain_id, subject)
                     if d.concept not in known and d.name not in known and d.type != "id"
                     and (d.type == "bool" or d.column.get("method") in TEXT_METHODS
                          or not set(tokens(d.column["description"])) <= signals)]
            drafts = template + named + drafts
        elif strong < 2:
            found = self.columns_named_in(text, domain_id, subject)
            if len(found) + strong < 2:
                assumptions.append("no fields or known domain were named: a small generic table was assumed")
                found = [self.column(read_phrase(p), domain_id, subject, from_template=True) for p in GENERIC_TABLE]
            drafts = [d for d in found if d] + drafts
        columns = unique_names([d.column for d in drafts])
        assign_entities(columns, tokens(subject))
        add_relations(columns, domain_id)
        name = (domain.get("table") if domain and strong < 2 else None) or table_name(subject)
        locale = next((LOCALE_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in LOCALE_WORDS), "en_US")
        return Design(load_schema({"name": name, "locale": locale, "columns": columns}, MAX_DRAFT_COLUMNS),
                      assumptions)

    def edit(self, schema: Schema, instruction: str) -> Design:
        """The schema changed as an instruction says ("make ages 30 to 50", "drop the email")."""
        return Design(schema, [f"the instruction {clip(instruction, 80)!r} was not understood; the schema is unchanged"])

    def names_field(self, text: str) -> bool:
        """Whether these words alone name a field ('ages' does; 'check-in' and 'first' do not)."""
        words = tokens(text)
        return any(m.start == 0 and m.end == len(words) for m in self.vocab.matches(words))

    def columns_named_in(self, text: str, domain_id: str | None, subject: str) -> list[Draft]:
        """Concepts named anywhere in a description that lists nothing ("a list of email addresses")."""
        words = tokens(text)
        found, taken = [], set()
        for m in sorted(self.vocab.matches(words), key=lambda m: -m.size):
            if taken & set(range(m.start, m.end)):
                continue
            taken |= set(range(m.start, m.end))
            draft = self.column(read_phrase(" ".join(words[m.start:m.end])), domain_id, subject)
            if draft and not draft.weak:
                found.append(draft)
        return found

    def column(self, phrase: Phrase, domain_id: str | None, subject: str,
               from_template: bool = False) -> Draft | None:
        words = tokens(phrase.text)
        if not words:
            return None
        core = [w for w in words if w not in self.unit_words] or words
        concept = self.pick(core, subject, domain_id) or self.pick(words, subject, domain_id)
        col: dict[str, Any]
        weak = False
        if phrase.count_of:
            col = {"type": "int", "min": 0, "max": 200, "distribution": "lognormal", "mean": 12, "std": 15}
            if concept and concept.column.get("type") == "int":
                col = dict(concept.column)
        elif not COUNTED.match(phrase.text) and (
                (FLAG_PHRASE.match(phrase.text) and (not concept or concept.column.get("type") not in ("bool", "date", "datetime")))
                or (PARTICIPLE.search(phrase.text) and len(words) <= 2 and (not concept or concept.column.get("type") == "choice"))):
            col = {"type": "bool", "p": 0.3}
        elif COUNTED.match(phrase.text):  # "deliveries completed", "books borrowed"
            col = {"type": "int", "min": 0, "max": 500, "distribution": "lognormal", "mean": 25, "std": 30}
        elif not concept and any(w in self.unit_words for w in words):  # "diameter in mm"
            col = {"type": "float", "min": 0.1, "max": 1000, "distribution": "lognormal", "mean": 40, "std": 50, "decimals": 1}
        elif concept:
            col = dict(concept.column)
            # what the phrase says (a unit) beats the domain's habit, but a domain template's own
            # phrase was written for the domain's values
            overrides = [concept.by_domain.get(domain_id or "", {}), self.vocab.unit(words, concept.id)]
            for override in reversed(overrides) if from_template else overrides:
                col = merge_override(col, override)
        else:
            col = dict(next((c for p, c in SHAPES if p.search(snake(phrase.text))), FALLBACK_COLUMN))
            weak = col is FALLBACK_COLUMN or col == FALLBACK_COLUMN
        col = apply_phrase(col, phrase)
        base_name = field_name(phrase, col, concept)
        if col.get("type") == "id" and not col.get("prefix") and not col.get("format") and base_name.endswith("_id"):
            stem = re.sub(r"[^a-z]", "", base_name[:-3].split("_")[-1])
            if len(stem) >= 2:  # "meter id" -> MET-00001: an id that reads as one
                col.update(prefix=stem[:3].upper() + "-", width=5)
        if col.get("type") == "faker" and col.get("method") in PERSON_METHODS:
            role = next((w for w in core if w in ROLE_WORDS), "")
            if role:
                col["entity"] = role
        col["name"] = base_name
        col["description"] = clip(phrase.source, MAX_DESCRIPTION_ECHO)
        return Draft(col, concept.id if concept else None, weak)

    def pick(self, words: list[str], subject: str, domain_id: str | None = None) -> Concept | None:
        """The concept a phrase names: one covering its head (last) word, longest first; a generic
        head ("count", "date") lets a fitting modifier concept speak ("follower count")."""
        found = self.vocab.matches(words)
        last = len(words) - 1
        heads = sorted((m for m in found if m.end - 1 == last), key=lambda m: -m.size)
        if heads and (heads[0].size > 1 or words[last] not in HEAD_TYPES):
            return heads[0].concept
        fits = HEAD_TYPES.get(words[last], set())
        others = sorted((m for m in found if m.end - 1 < last), key=lambda m: -m.size)
        for m in others:
            column = merge_override(m.concept.column, m.concept.by_domain.get(domain_id or "", {}))
            if column.get("type") in fits:
                return m.concept
        if words == ["name"]:
            subj = [w for w in tokens(subject) if w not in GENERIC_DATA_WORDS]
            if subj and subj[-1] not in ROLE_WORDS:
                named = self.vocab.matches([subj[-1], "name"])
                better = [m for m in named if m.size == 2]
                if better:
                    return better[0].concept
        if heads:
            return heads[0].concept
        return None if words[last] in HEAD_TYPES else (others[0].concept if others else None)


NUMERIC_TYPES = ("int", "float")
TEXT_METHODS = {"paragraph", "text", "sentence"}
PARTICIPLE = re.compile(r"(?<!spe)(?<!ne)(?<!se)(?<!fe)(?<!hundr)[a-z]{3,}ed$", re.I)   # "unsubscribed", "pets allowed": a yes or no
COUNTED = re.compile(r"^[a-z]+(?:ies|[^s]s)\s+[a-z]+ed$", re.I)
FLAG_PHRASE = re.compile(r"^(is|has|was|were|can|did|does|should|will|have)\s", re.I)


def merge_override(col: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """A domain's or unit's values for a column; one that names another type is a whole column."""
    if "type" in override and override["type"] != col.get("type"):
        return dict(override)
    return col | override


def field_name(phrase: Phrase, col: dict[str, Any], concept: Concept | None) -> str:
    """snake_case of the user's own words, singular unless it counts things ("num_likes")."""
    words = [w for w in re.findall(r"[A-Za-z0-9%]+(?:-[A-Za-z0-9]+)*", phrase.text) if w.lower() not in FILLER]
    if words and words[-1].lower().endswith("s"):
        one = singular(words[-1].lower())
        wanted = concept.name if concept else ""
        if col.get("type") not in NUMERIC_TYPES or wanted in (one, snake(" ".join(words[:-1] + [one]))):
            words[-1] = one
    name = snake(" ".join(words).replace("%", " pct"), 40)
    return ("num_" + name if phrase.count_of else name) or (concept.name if concept else "field")


def apply_phrase(col: dict[str, Any], phrase: Phrase) -> dict[str, Any]:
    """What the user wrote wins over the vocabulary: their range, their values, yes/no."""
    col = dict(col)
    if phrase.boolean:
        return {"type": "bool", "p": col.get("p", 0.5) if col.get("type") == "bool" else 0.5}
    if phrase.values:
        return {"type": "choice", "values": phrase.values[:MAX_CHOICE_VALUES]}
    if phrase.low is None and phrase.high is None:
        return col
    kind = col.get("type")
    if kind not in ("int", "float"):
        whole = all(v is None or float(v).is_integer() for v in (phrase.low, phrase.high))
        col = {"type": "int" if whole else "float", "distribution": "uniform"}
        if not whole:
            col["decimals"] = 2
    lo = phrase.low if phrase.low is not None else min(col.get("min", 0), phrase.high or 0)
    hi = phrase.high if phrase.high is not None else max(col.get("max", lo), lo)
    if col["type"] == "int" and not (float(lo).is_integer() and float(hi).is_integer()):
        col = {**col, "type": "float", "decimals": 2}
    if col["type"] == "int":
        lo, hi = int(lo), int(hi)
    old_lo, old_hi = col.get("min"), col.get("max")
    if col.get("mean") is not None and old_lo is not None and old_hi is not None and old_hi > old_lo:
        # the same shape on the user's scale: a rating's mean 3.9 of 1..5 is 7.1 of 0..10
        scale = (hi - lo) / (old_hi - old_lo)
        col["mean"] = lo + (col["mean"] - old_lo) * scale
        if col.get("std") is not None:
            col["std"] = col["std"] * scale
    col.update(min=lo, max=hi)
    if col.get("mean") is not None and hi > lo:  # a user's range is where most values should fall
        col["mean"] = min(max(col["mean"], lo + (hi - lo) * 0.1), hi - (hi - lo) * 0.1)
    if col.get("mean") is not None and not lo <= col["mean"] <= hi:
        col.pop("mean", None)
        col.pop("std", None)
    if col.get("distribution") in ("normal", None) and col.get("mean") is None:
        col.update(distribution="normal", mean=(lo + hi) / 2, std=(hi - lo) / 4) if hi > lo else None
    return col


def unique_names(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, int] = {}
    out = []
    for col in columns:
        name = col["name"]
        if name in seen:
            if col.get("description") and any(c.get("description") == col["description"] for c in out):
                continue  # the same field twice
            seen[name] += 1
            col["name"] = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        out.append(col)
    return out


def assign_entities(columns: list[dict[str, Any]], subject: list[str]) -> None:
    """The person a table is about is the default entity; other roles (a doctor, a manager) are
    other people. Without a role named in the subject, the first person column's role is the main one."""
    people = [c for c in columns if c["type"] == "faker" and c.get("method") in PERSON_METHODS]
    roles = [c.get("entity") for c in people]
    main = next((r for r in roles if r and r in subject), roles[0] if roles else None)
    for col in people:
        if col.get("entity") == main:
            col.pop("entity", None)


def table_name(subject: str) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", subject.lower()) if w not in GENERIC_DATA_WORDS]
    return snake("_".join(words[-3:]), 40) or "dataset"


def find_col(columns: list[dict[str, Any]], pattern: str, types: tuple[str, ...] = ()) -> dict[str, Any] | None:
    rx = re.compile(pattern)
    return next((c for c in columns if rx.search(c["name"]) and (not types or c["type"] in types)), None)


DERIVED_KEEPS = ("name", "description", "hidden", "null_rate", "decimals")


def derive(col: dict[str, Any], expr: str, decimals: int | None = None) -> None:
    """Turn a designed column into a formula, dropping what only its old type used."""
    keep = {k: col[k] for k in DERIVED_KEEPS if k in col}
    col.clear()
    col.update(keep, type="formula", expr=expr)
    if decimals is not None:
        col["decimals"] = decimals


# --- relations between drafted columns: one named rule each, applied in RELATIONS' order ---

Columns = list[dict[str, Any]]
AMOUNTS = ("float", "int")
DATES = ("date", "datetime")
COMPUTED = ("formula",)


def dates_in_order(columns: Columns, domain_id: str | None) -> None:
    """An end date falls after its start (check-out after check-in, delivery after order)."""
    for start_words, end_words, lo, hi in PAIRS:
        start = find_col(columns, rf"(^|_)({start_words})", DATES)
        end = find_col(columns, rf"(^|_)({end_words})", DATES)
        if start and end and start is not end and not end.get("after"):
            for key in ("start", "end"):
                end.pop(key, None)
            end.update(after=start["name"], min_days=lo, max_days=hi)


def hotel_stay(columns: Columns, domain_id: str | None) -> None:
    """Nights are check-out minus check-in; a stay's total is its nights times the nightly rate."""
    check_in, check_out = find_col(columns, r"check_?in", DATES), find_col(columns, r"check_?out", DATES)
    nights = find_col(columns, r"(^|_)(nights|length_of_stay|stay_length)", AMOUNTS)
    if check_in and check_out and nights:
        derive(nights, f"{check_out['name']} - {check_in['name']}")
    total_price = find_col(columns, r"(^|_)(total|total_price|total_cost|total_amount|amount)$", AMOUNTS)
    nightly = find_col(columns, r"(nightly|per_night|room_rate)", AMOUNTS)
    if check_in and check_out and not nights and nightly and total_price:
        derive(total_price, f"round(({check_out['name']} - {check_in['name']}) * {nightly['name']}, 2)")
    rate = find_col([c for c in columns if c is not total_price],
                    r"(nightly|per_night|room_rate|(^|_)rate$|price)", AMOUNTS)
    if nights and total_price and rate is None:
        columns.append({"name": "nightly_rate", "type": "float", "min": 45, "max": 900, "distribution": "lognormal",
                        "mean": 170, "std": 110, "decimals": 2, "hidden": True, "description": "rate behind the total"})


def line_total(columns: Columns, domain_id: str | None) -> None:
    """A total is quantity times unit price."""
    qty = find_col(columns, r"(^|_)(quantity|qty|units|nights|num_items|items)($|_)", AMOUNTS + COMPUTED)
    total = find_col(columns, r"(^|_)(total|line_total|subtotal|amount|total_price|total_cost|total_amount|"
                              r"order_total)($|_)", AMOUNTS)
    price = find_col([c for c in columns if c is not total],
                     r"(unit_price|price_per|nightly_rate|rate_per|(^|_)price$|(^|_)rate$|unit_cost)", AMOUNTS)
    if qty and price and total and total is not price:
        derive(total, f"round({qty['name']} * {price['name']}, 2)")


def birth_date_from_age(columns: Columns, domain_id: str | None) -> None:
    """A birth date agrees with the age beside it."""
    age, dob = find_col(columns, r"(^|_)age$", ("int",)), find_col(columns, r"(birth|dob)", ("date",))
    if age and dob:
        derive(dob, f"today() - ({age['name']} * 365 + randint(0, 364))")


def graduation_year_from_age(columns: Columns, domain_id: str | None) -> None:
    """Students graduate after they turn about 22; graduates did so years ago."""
    age, grad = find_col(columns, r"(^|_)age$", ("int",)), find_col(columns, r"grad.*year|year.*grad", ("int",))
    if age and grad:
        expr = (f"year(today()) + max(22 - {age['name']}, 0) + randint(0, 1)" if domain_id == "education"
                else f"year(today()) - max({age['name']} - 22, 0) + randint(0, 2)")
        derive(grad, expr)


def experience_from_age(columns: Columns, domain_id: str | None) -> None:
    """Nobody has more years of experience than years since twenty."""
    age = find_col(columns, r"(^|_)age$", ("int",))
    experience = find_col(columns, r"experience|years_of_service|tenure_years", ("int", "float"))
    if age and experience:
        derive(experience, f"min(randint(0, max({age['name']} - 20, 0)), 45)")


def salary_from_experience(columns: Columns, domain_id: str | None) -> None:
    """Pay grows with experience, within the salary's own range."""
    experience = find_col(columns, r"experience|years_of_service|tenure_years", ("int", "float") + COMPUTED)
    salary = find_col(columns, r"salary|income|pay$|compensation", ("float", "int"))
    if experience and salary:
        lo, hi = salary.get("min", 30000), salary.get("max", 200000)
        derive(salary, (f"round(min(max({lo} + {experience['name']} * {(hi - lo) / 25:.0f} "
                        f"+ normal(0, {(hi - lo) / 12:.0f}), {lo}), {hi}), 2)"))


def stock_day(columns: Columns, domain_id: str | None) -> None:
    """Close moves a little from open; high and low bracket them both."""
    opening = find_col(columns, r"(^|_)open(_price)?$", AMOUNTS)
    closing = find_col(columns, r"(^|_)close(_price)?$", AMOUNTS)
    high, low = find_col(columns, r"(^|_)high(_price)?$", AMOUNTS), find_col(columns, r"(^|_)low(_price)?$", AMOUNTS)
    if opening and closing:
        derive(closing, f"round({opening['name']} * (1 + normal(0, 0.02)), 2)")
        if high:
            derive(high, f"round(max({opening['name']}, {closing['name']}) * (1 + uniform(0, 0.015)), 2)")
        if low:
            derive(low, f"round(min({opening['name']}, {closing['name']}) * (1 - uniform(0, 0.015)), 2)")


def min_max_pairs(columns: Columns, domain_id: str | None) -> None:
    """A maximum lies above its minimum (min_price and max_price)."""
    for low_col in columns:
        m = re.match(r"^(min|minimum)_(.+)$|^(.+)_(min|minimum)$", low_col["name"])
        stem = m and (m.group(2) or m.group(3))
        high_col = stem and find_col(columns, rf"^(max|maximum)_{re.escape(stem)}$|^{re.escape(stem)}_(max|maximum)$",
                                     AMOUNTS)
        if high_col and low_col["type"] in AMOUNTS:
            digits = 2 if low_col["type"] == "float" else 0
            span = float(low_col.get("max", 100)) - float(low_col.get("min", 0))
            derive(high_col, f"round({low_col['name']} + uniform({span * 0.05:.4g}, {span * 0.25:.4g}), {digits})")


def country_of_place(columns: Columns, domain_id: str | None) -> None:
    """A country beside a city, state and zip is where they are, not a country of its own."""
    city = find_col(columns, r"(^|_)city$", ("faker",))
    country = find_col(columns, r"(^|_)country$", ("choice",))
    if city and country and find_col(columns, r"(^|_)(state|zip|zip_code|zipcode|postcode|postal_code)", ("faker",)):
        keep = {k: country[k] for k in ("name", "description") if k in country}
        country.clear()
        country.update(keep, type="faker", method="country")


def ad_funnel(columns: Columns, domain_id: str | None) -> None:
    """A funnel narrows: clicks from impressions, conversions from clicks, CTR from both."""
    impressions = find_col(columns, r"impression", ("int",))
    clicks = find_col(columns, r"(^|_)clicks?($|_)", ("int",))
    conversions = find_col(columns, r"conversion", ("int",))
    if impressions and clicks:
        derive(clicks, f"round({impressions['name']} * uniform(0.005, 0.06))")
        if conversions:
            derive(conversions, f"round({clicks['name']} * uniform(0.01, 0.15))")
        ctr = find_col(columns, r"ctr|click_through", AMOUNTS)
        if ctr:
            derive(ctr, f"if({impressions['name']} > 0, {clicks['name']} / {impressions['name']} * 100, 0)",
                   decimals=2)


def total_charges(columns: Columns, domain_id: str | None) -> None:
    """Total charges are about the monthly charge times the months of tenure."""
    monthly = find_col(columns, r"monthly", AMOUNTS)
    tenure = find_col(columns, r"tenure|months", ("int",))
    total = find_col(columns, r"total", AMOUNTS)
    if monthly and tenure and total and total is not monthly:
        derive(total, f"round({monthly['name']} * max({tenure['name']}, 1) * uniform(0.97, 1.03), 2)")


RELATIONS: list[Callable[[Columns, str | None], None]] = [
    dates_in_order, hotel_stay, line_total, birth_date_from_age, graduation_year_from_age,
    experience_from_age, salary_from_experience, stock_day, min_max_pairs, country_of_place,
    ad_funnel, total_charges,
]


def add_relations(columns: Columns, domain_id: str | None) -> None:
    """The relations a reader takes for granted, each rule in turn: a later rule sees what an
    earlier one derived (a line total from the nights a stay rule computed)."""
    for rule in RELATIONS:
        rule(columns, domain_id)
