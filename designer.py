"""The built-in designer: reads a description the way a person does, with no model and no network.

    "Hotel reservations with guest name, check-in date, room type (Standard/Deluxe/Suite) and
     nightly rate between 60 and 900"  ->  id, guest_name, check_in, room_type, nightly_rate ...

It splits a description into sentences and reads each one either as a list of fields or as
statements about them (phrases.py, the grammar: ranges, shares, order, dependence, cardinality,
formulas). It names the concept each field means with the vocabularies in vocab.json (data: field
concepts, domain templates, units, entities, locales, links between concepts), types the rest from
the shape of its words, fills a terse description from the domain it names, places each statement
on the columns it mentions (constraints.py) and ties the relations a reader takes for granted
(relations.py, RELATIONS). Things that recur ("readings from 20 machines") become hidden tables
that the visible one refers to; several things named together ("customers and their orders")
become a dataset of tables. The result is an ordinary schema, checked like any other, with the
assumptions it made in plain sentences.

It does not call a model (main.py's designer does), and it never fails on a description: the
worst it does is a small generic table.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from columns import MAX_CHOICE_VALUES
from assembly import assemble, money_scale
from constraints import Resolver, Table, apply_rules, entity_table
from errors import SchemaError, clip
from fakes import PERSON_METHODS
from clauses import read_adverb_per, read_item, read_rules
from phrases import Item, Rule, ascii_fold, foreign_language, normalize, sentences, singular, split_items
from relations import (RELATIONS, ad_funnel, add_relations, birth_date_from_age, chance_links,  # noqa: F401
                       correlated_pairs, country_of_place, dates_in_order, derive, experience_from_age, find_col,
                       follow_up_measure, formula_links, grade_from_score, graduation_year_from_age, hotel_stay,
                       line_total, min_max_pairs, only_when, ordinal_prices, records_agree, differ_pairs,
                       salary_from_experience, stock_day, total_charges, value_factors)
from schema import Schema, load_schema, snake

HERE = Path(__file__).resolve().parent
VOCAB_PATH = HERE / "vocab.json"
OWN_FILES = ("designer.py", "phrases.py", "clauses.py", "limits.py", "constraints.py", "dependence.py", "assembly.py",
             "relations.py", "bounds.py", "datasets.py", "edits.py", "workdays.py", "vocab.json", "records.json")
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
    """A column being designed: the schema column, the concept it came from, whether only the
    shape of its words typed it (a weak guess a domain template may replace), and its item."""

    column: dict[str, Any]
    concept: str | None = None
    weak: bool = False
    item: Item | None = None

    @property
    def name(self) -> str:
        return self.column["name"]

    @property
    def type(self) -> str:
        return self.column["type"]


# --- words ---

LIST_START = re.compile(r"(?<!\d):(?!\d)|\s-\s|\b(?:with|containing|including|includes|having|that has|that have|which has|"
                        r"has|have|records?|columns?|fields?|attributes?|tracking|track|capturing|captures?|showing|"
                        r"listing|consisting of|made of|comprising|storing|stores|logging|logs)\b", re.I)
GENERIC_DATA_WORDS = {"list", "data", "dataset", "table", "record", "records", "info", "information", "detail",
                      "details", "log", "logs", "sample", "generate", "create", "make", "fake", "synthetic", "random",
                      "realistic", "set", "of", "for", "a", "the", "some", "i", "need", "want", "we", "please", "me",
                      "give", "an", "our", "my", "database", "db", "result", "results", "file", "csv", "rows",
                      "row", "entry", "entries", "with", "and", "in", "on", "at", "from", "to", "by", "this", "that"}
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
ROLE_WORDS = {"doctor", "physician", "nurse", "manager", "agent", "driver", "author", "instructor",
              "teacher", "coach", "seller", "buyer", "recipient", "sender", "reviewer", "host",
              "owner", "tenant", "landlord", "referee", "supervisor", "technician", "employee",
              "customer", "patient", "student", "guest", "passenger", "user", "player", "pilot",
              "rep", "representative", "salesperson", "cashier", "therapist", "surgeon", "dentist", "rider",
              "member", "applicant", "candidate", "recruiter", "interviewer", "assignee", "vet", "trainer"}
FILLER = {"in", "the", "a", "an", "e", "g", "eg"}
IDENT_FAKERS = {"phone_number", "license_plate", "iban", "bban", "ssn", "ean", "ean13", "isbn13", "isbn10", "msisdn",
                "credit_card_number", "passport_number", "vin", "swift", "aba"}
STATEMENT_KINDS = {"share", "ratio", "more", "corr", "after", "cap", "depends", "mode", "rank", "group_share", "split"}
TRAILING_PARTICLES = {"em", "en", "de", "of", "du", "des", "da", "do", "per", "im", "w", "i"}
VERBS = re.compile(r"(?<=\s)(?:is|are|was|were|has|have|had|gets|should|must|will|would|can|could|fills|files|"
                   r"costs|needs|leaves|belongs?|comes|drops|ends|means|grows?|being|there)\b", re.I)


def tokens(text: str) -> list[str]:
    return [singular(t) for t in re.findall(r"[a-z0-9%]+", ascii_fold(text).lower())]


def find(words: list[str], needle: list[str]) -> int:
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
    by_locale: dict[str, dict[str, Any]]
    raw: list[str] = field(default_factory=list)


@dataclass
class Match:
    concept: Concept
    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start


class Vocabulary:
    """Concepts, domains, units, entities and locales from vocab.json, indexed for matching phrases."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.concepts = [Concept(c["id"], [tokens(w) for w in c.get("words", []) if tokens(w)],
                                 c.get("name") or snake(c["id"]), dict(c.get("column") or {}),
                                 c.get("by_domain") or {}, c.get("by_locale") or {},
                                 [ascii_fold(w).lower() for w in c.get("words", []) if not w.lower().endswith("ies")])
                         for c in data.get("concepts", [])]
        self.by_id = {c.id: c for c in self.concepts}
        self.index: dict[str, list[tuple[list[str], Concept]]] = {}
        owner: dict[tuple[str, ...], Concept] = {}
        said_singular = {tuple(tokens(w)): c["id"] for c in data.get("concepts", []) for w in c.get("words", [])
                         if len(tokens(w)) == 1 and tokens(w)[0] == ascii_fold(w).lower()}
        for concept in self.concepts:  # the same words in two concepts: the later, more specific one
            plural_only = {tuple(tokens(w)) for w in concept.raw if len(tokens(w)) == 1 and tokens(w)[0] != w}
            for needle in concept.words:
                key = tuple(needle)
                if key in plural_only and said_singular.get(key, concept.id) != concept.id:
                    continue  # "products" counts things; "product" names one: the one named wins
                owner[key] = concept
        for needle, concept in owner.items():
            self.index.setdefault(needle[0], []).append((list(needle), concept))
        self.domains = [(d["id"], [tokens(w) for w in d.get("words", []) if tokens(w)], d)
                        for d in data.get("domains", [])]
        self.domain_index: dict[str, list[tuple[list[str], int]]] = {}
        for i, (_, needles, _) in enumerate(self.domains):
            for needle in needles:
                self.domain_index.setdefault(needle[0], []).append((needle, i))
        self.units = [([tokens(w) for w in u.get("words", []) if tokens(w)], u) for u in data.get("units", [])]
        self.entities = [(e, [tokens(w) for w in e.get("words", []) if tokens(w)]) for e in data.get("entities", [])]
        self.entity_index: dict[str, list[tuple[list[str], dict[str, Any]]]] = {}
        for entity, needles in self.entities:
            for needle in needles:
                self.entity_index.setdefault(needle[-1], []).append((needle, entity))
        self.locale_words = {tuple(tokens(k)): v for k, v in (data.get("locales") or {}).items()}
        self.currencies = data.get("currencies") or {}
        self.money = re.compile(data.get("money_pattern") or r"(^|_)(price|amount|salary|cost|fee|revenue)($|_)")
        words = sorted(data.get("currency_words") or {}, key=len, reverse=True)
        self.currency_rx = re.compile(r"(?<![a-z])(" + "|".join(re.escape(w) for w in words) + r")(?![a-z])") if words else None

    def matches(self, words: list[str]) -> list[Match]:
        found = []
        for i, w in enumerate(words):
            for needle, concept in self.index.get(w, ()):
                if words[i:i + len(needle)] == needle:
                    found.append(Match(concept, i, i + len(needle)))
        return found

    def domain(self, words: list[str], subject: list[str] | None = None) -> dict[str, Any] | None:
        """The domain whose words the description uses most, those of its subject counting thrice."""
        subject = subject or []
        scores: dict[int, float] = {}
        seen: set[tuple[int, tuple[str, ...]]] = set()
        for at, w in enumerate(words):
            for needle, i in self.domain_index.get(w, ()):
                if words[at:at + len(needle)] == needle and (i, tuple(needle)) not in seen:
                    seen.add((i, tuple(needle)))
                    weight = 3 if find(subject, needle) >= 0 else 1
                    if subject and subject[-len(needle):] == needle:
                        weight *= 1.5  # the subject's head noun: "employee timesheets" are timesheets
                    scores[i] = scores.get(i, 0) + len(needle) ** 2 * weight
        if not scores:
            return None
        head = subject[-1:]

        def names_subject(i: int) -> bool:  # "Customers": of two domains it names, the one whose table they are
            table = str(self.domains[i][2].get("table") or "")
            return bool(head) and tokens(table.replace("_", " "))[-1:] == head
        best = max(scores, key=lambda i: (scores[i], names_subject(i), -i))
        return self.domains[best][2]

    def unit(self, words: list[str], concept_id: str) -> dict[str, Any]:
        for needles, unit in self.units:
            if unit.get("concept") == concept_id and any(find(words, n) >= 0 for n in needles):
                return unit.get("column") or {}
        return {}

    def unit_words(self) -> set[str]:
        """Words that only say a unit ('kg', 'celsius'): a one-word unit, or a unit phrase's last word."""
        words = {w for needles, _ in self.units for n in needles for w in n}
        return words - {"of", "per", "mercury", "square", "cubic", "inches"}

    def entity(self, words: list[str], context: set[str] | None = None) -> dict[str, Any] | None:
        """The kind of thing a noun phrase names ('shipment events' -> shipment_event), by its head;
        of several kinds with those words, the one whose companions the context names."""
        found = self.entity_candidates(words)
        if not found:
            return None
        context = context or set()
        return max(found, key=lambda ne: (len(ne[0]), bool(set(ne[1].get("with") or []) & context),
                                          not ne[1].get("with")))[1]

    def entity_candidates(self, words: list[str]) -> list[tuple[list[str], dict[str, Any]]]:
        if not words:
            return []
        return [(needle, entity) for needle, entity in self.entity_index.get(words[-1], ())
                if len(needle) <= len(words) and words[-len(needle):] == needle]


# --- drafting a column from an item ---

SHAPES: list[tuple[re.Pattern[str], dict[str, Any]]] = [(re.compile(p), c) for p, c in [
    (r"(^|_)(is|has|was|can|does|did|should)_|(^|_)flag$|(^|_)(enabled|active|verified|approved|"
     r"cancelled|canceled|churned|completed|paid|deleted|subscribed|returned|default(ed)?|attended|converted)$",
     {"type": "bool", "p": 0.3}),
    (r"(^|_)(date_of_birth|dob|birth_?date|birthday)$", {"type": "date", "start": "-80y", "end": "-18y"}),
    (r"datum$|^fecha|^data_d[aeio]|^date_d[eu]_|^datum|^datum_", {"type": "date", "start": "-5y", "end": "today"}),
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
    (r"(^|_)(priority|severity|level|risk)$", {"type": "choice", "values": ["Low", "Medium", "High", "Critical"],
                                              "weights": [35, 40, 20, 5]}),
    (r"(^|_)(tier|membership|plan)$", {"type": "choice", "values": ["Basic", "Standard", "Premium", "Enterprise"],
                                      "weights": [40, 35, 20, 5]}),
    (r"(^|_)(status|state)$", {"type": "choice", "values": ["Active", "Inactive", "Pending", "Suspended"],
                              "weights": [65, 15, 15, 5]}),
    (r"(^|_)(type|kind|class|category|group|segment|mode|method|channel|stage|source)$",
     {"type": "choice", "values": ["Standard", "Premium", "Basic", "Custom"], "weights": [45, 20, 25, 10]}),
    (r"(^|_)(description|notes?|comments?|text|review|feedback|message|summary|bio|body|content|remarks|reason)$",
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
NUMERIC_TYPES = ("int", "float")
TEXT_METHODS = {"paragraph", "text", "sentence"}
PARTICIPLE = re.compile(r"(?<!spe)(?<!ne)(?<!se)(?<!fe)(?<!hundr)[a-z]{3,}(?<!e)ed$", re.I)
# "position applied", "item purchased": the participle says which one, the noun names the field
OBJECT_PARTICIPLES = {"applied", "purchased", "ordered", "requested", "booked", "used", "preferred", "selected",
                      "chosen", "visited", "watched", "played", "rented", "borrowed", "reached", "bought", "sold",
                      "viewed", "searched", "clicked", "downloaded", "listened", "assigned", "attended", "taken",
                      "sent", "received", "paid", "spent", "earned", "raised", "donated", "charged", "refunded",
                      "billed", "deposited", "withdrawn", "transferred", "owed", "saved", "won", "claimed", "invoiced",
                      "collected", "lent", "borrowed", "financed", "quoted", "offered", "awarded", "granted"}
COUNTED = re.compile(r"^[a-z]+(?:ies|[^s]s)\s+[a-z]+ed$", re.I)
FLAG_PHRASE = re.compile(r"^(is|has|was|were|can|did|does|should|will|have)\s", re.I)


def merge_override(col: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """A domain's or unit's values for a column; one that names another type is a whole column."""
    if "type" in override and override["type"] != col.get("type"):
        return dict(override)
    if "values" in override and "weights" not in override:
        col = {k: v for k, v in col.items() if k != "weights"}  # other values: their own weights or none
    return col | override


def field_name(item: Item, col: dict[str, Any], concept: Concept | None) -> str:
    """snake_case of the user's own words, singular unless it counts things ("num_likes") or the
    word is not an English plural ("woonplaats", "apellidos" as the concept knows them)."""
    words = [w for w in re.findall(r"[A-Za-z0-9%]+(?:-[A-Za-z0-9]+)*", ascii_fold(item.text)) if w.lower() not in FILLER]
    while len(words) > 1 and words[-1].lower() in TRAILING_PARTICLES:  # "salario em (reais)"
        words.pop()
    own_word = concept is not None and words and any(raw.split()[-1:] == [words[-1].lower()] for raw in concept.raw) \
        and not any(raw.split()[-1:] == [singular(words[-1].lower())] for raw in concept.raw)
    if words and words[-1].lower().endswith("s") and not own_word:
        one = singular(words[-1].lower())
        wanted = concept.name if concept else ""
        if col.get("type") not in NUMERIC_TYPES or wanted in (one, snake(" ".join(words[:-1] + [one]))):
            words[-1] = one
    name = snake(" ".join(words).replace("%", " pct"), 40)
    return ("num_" + name if item.count_of else name) or (concept.name if concept else "field")


def apply_item(col: dict[str, Any], item: Item) -> dict[str, Any]:
    """What the user wrote wins over the vocabulary: their range, their values, yes/no."""
    col = dict(col)
    if item.boolean:
        return {"type": "bool", "p": col.get("p", 0.5) if col.get("type") == "bool" else 0.5}
    if item.values:
        values: list[Any] = item.values[:MAX_CHOICE_VALUES]
        if all(re.fullmatch(r"-?\d+", v) for v in values):
            values = [int(v) for v in values]
        return {"type": "choice", "values": values}
    if item.low is None and item.high is None:
        return col
    if col.get("type") in ("date", "datetime") and all(v is None or 1900 <= v <= 2100 for v in (item.low, item.high)):
        col.update(start=f"{int(item.low or 1990)}-01-01", end=f"{int(item.high or 2025)}-12-31")
        return col
    kind = col.get("type")
    if kind not in ("int", "float"):
        whole = all(v is None or float(v).is_integer() for v in (item.low, item.high))
        col = {"type": "int" if whole else "float", "distribution": "uniform"}
        if not whole:
            col["decimals"] = 2
    lo = item.low if item.low is not None else min(col.get("min", 0), item.high or 0)
    hi = item.high if item.high is not None else max(col.get("max", lo), lo)
    if col["type"] == "int" and not (float(lo).is_integer() and float(hi).is_integer()):
        col = {**col, "type": "float", "decimals": 2}
    if col["type"] == "int":
        lo, hi = int(lo), int(hi)
    old_lo, old_hi = col.get("min"), col.get("max")
    if col.get("mean") is not None and old_lo is not None and old_hi is not None and old_hi > old_lo:
        scale = (hi - lo) / (old_hi - old_lo)   # the same shape on the user's scale
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
    text = re.sub(r"\b([a-z])/([a-z])\b", r"\1\2", ascii_fold(subject).lower())  # "A/B test" -> ab_test
    text = re.split(r"\s(?:logs?|records?|tracks?|keeps?|stores?|collects?|captures?|lists?|registers?)\s+"
                    r"(?:each|every|all|the|its|their)\b", text)[0]  # "a garage logs each car": the garage's log
    head = re.match(r"^(?:the\s+|an?\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?)\s+(?:on|at|in|from|for|of|across|over|de|en|von|di|du|da|do)\s+"
                    r"(?:a|an|the|our|my|un|una|el|la|le|der|die|das|um|uma|\d[\d,]*)\s", text)
    if head and (head.group(1).split()[-1].endswith("s") or head.group(1).split()[-1] in GENERIC_DATA_WORDS):
        text = head.group(1)  # "listings on a second-hand marketplace": the listings
    text = re.sub(r"(?:\s+(?:for|of|from|across|with|in|on|at|by|over|and))+\s*$", "", text)
    words = [w for w in re.findall(r"[a-z0-9]+", text) if w not in GENERIC_DATA_WORDS]
    return snake("_".join(words[-3:]), 40) or "dataset"


# --- reading a description ---

@dataclass
class Context:
    """What the whole description says: its domain, country, currency and the words of its subject."""

    text: str
    domain: dict[str, Any] | None
    locale: str = "en_US"
    currency: str = "USD"
    subject: str = ""
    entity: str = ""

    @property
    def domain_id(self) -> str | None:
        return self.domain["id"] if self.domain else None


@dataclass
class Reading:
    subject: str = ""
    items: list[Item] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lists: list[tuple[str, list[Item], int]] = field(default_factory=list)   # (words before, fields, sentence)
    sentence_rules: list[tuple[int, Rule]] = field(default_factory=list)


class OfflineDesigner:
    """Reads a description the way a person does: fields listed, statements about them, the domain
    it names, with the knowledge in vocab.json and the shapes of words otherwise."""

    def __init__(self, vocab: dict[str, Any] | None = None):
        own = vocab is None
        vocab = load_vocab() if vocab is None else vocab
        self.vocab = Vocabulary(vocab)
        self.unit_words = self.vocab.unit_words()
        # the cache key follows the designer's code and knowledge: a change to either designs anew
        digest = hashlib.sha256()
        for name in OWN_FILES:
            path = HERE / name
            if path.exists():
                digest.update(path.read_bytes())
        if not own:
            digest.update(json.dumps(vocab, sort_keys=True).encode())
        self.identity = f"offline:{digest.hexdigest()[:12]}"

    # -- the whole description --

    def design(self, description: str) -> Design:
        text = normalize(description)
        language, text = foreign_language(text, self.vocab.data.get("languages") or {})
        ctx = self.context(text)
        reading = self.read(text, ctx)
        assumptions: list[str] = list(reading.notes)
        if language:
            lang = self.vocab.data["languages"][language]
            if ctx.locale == "en_US" and not any(self.vocab.locale_words.get(tuple(tokens(w))) for w in
                                                 re.findall(r"[A-Za-z]+", text)):  # no country named: the language's
                ctx.locale = lang.get("locale", "en_US")
                ctx.currency = (self.vocab.data.get("locale_currency") or {}).get(ctx.locale, ctx.currency)
            assumptions.append(f"the description does not look English: it was read as {lang.get('name', language)} "
                               f"(its list words as 'with' and 'and', field words by the vocabulary's own words), "
                               f"with the locale {ctx.locale}")
        if len(reading.entities) >= 2:
            from datasets import design_dataset  # several tables: their own module
            data = design_dataset(self, reading, ctx, assumptions)
        else:
            data = self.one_table(reading, ctx, assumptions)
        schema = self.checked(data, assumptions)
        return Design(schema, dedupe(assumptions))

    def context(self, text: str) -> Context:
        words = tokens(text)
        first = sentences(text)[:1]
        head = LIST_START.split(first[0])[0] if first else text
        ctx = Context(text, self.vocab.domain(words, tokens(head)))
        ctx.locale, ctx.currency = self.locale_of(text)
        return ctx

    def locale_of(self, text: str) -> tuple[str, str]:
        """A country named picks the locale (and its currency): a country's name over an adjective,
        the first sentence over later ones."""
        first = tokens(sentences(text)[0]) if sentences(text) else []
        words = tokens(text)
        best, best_score = None, 0.0
        for needle, info in self.vocab.locale_words.items():
            at = find(words, list(needle))
            if at < 0:
                continue
            score = (2 if info.get("country") else 1) + (1 if find(first, list(needle)) >= 0 else 0) - at / 10000
            if score > best_score:
                best, best_score = info, score
        code = (best or {}).get("locale", "en_US")
        currency = (best or {}).get("currency") or (self.vocab.data.get("locale_currency") or {}).get(code, "USD")
        m = self.vocab.currency_rx.search(text.lower()) if self.vocab.currency_rx else None
        if m:
            currency = (self.vocab.data.get("currency_words") or {})[m.group(1)]
        return code, currency

    def read(self, text: str, ctx: Context) -> Reading:
        """Each sentence is a list of fields (after 'with', ':', 'has' ... or on its own), or
        statements about fields; entities named together make a dataset."""
        reading = Reading()
        sents = sentences(text) or [text]
        from datasets import find_entities
        reading.entities = find_entities(self, sents)
        for i, sent in enumerate(sents):
            rules, rest = read_rules(sent)
            mostly_said = rules and len(tokens(rest)) * 3 <= len(tokens(sent)) and not (
                i == 0 and len(sents) > 1 and not reading.subject)
            listed = None if mostly_said else self.list_in(sent)  # a sentence of statements lists no fields
            if listed is not None:
                head, items, others = listed
                reading.items += items
                reading.lists.append((head, items, i))
                if head:
                    rules, head_rest = read_rules(head)
                    reading.rules += rules
                    reading.sentence_rules += [(i, r) for r in rules]
                    if i == 0 or not reading.subject:
                        reading.subject = reading.subject or head_rest or head
                for other in others:
                    rules, rest = read_rules(other.source)
                    reading.rules += rules
                    reading.sentence_rules += [(i, r) for r in rules]
                    self.note_rest(rest, reading)
                for item in items:  # how things relate, said inside a field list
                    for rule in item.rules:
                        if rule.kind == "sorted" and not rule.target:
                            rule.target = item.text
                        if rule.kind in ("per", "owns", "count", "popular", "sorted"):
                            reading.rules.append(rule)
                continue
            reading.rules += rules
            reading.sentence_rules += [(i, r) for r in rules]
            if i == 0 and not reading.subject:
                reading.subject = rest or sent
                continue
            sentence_item = read_item(rest) if rest else None
            if sentence_item and (sentence_item.low is not None or sentence_item.high is not None or sentence_item.rules):
                reading.rules.append(Rule("item", target=sentence_item.text, args={"item": sentence_item}, text=sent))
            elif rest:
                self.note_rest(rest, reading)
        if not reading.subject:
            reading.subject = sents[0] if sents else text
        ctx.subject = reading.subject
        ctx.entity = self.subject_noun(reading.subject)
        return reading

    def subject_noun(self, subject: str) -> str:
        """The thing a table is about: 'Orders at a pizza restaurant' -> order."""
        words = [w for w in tokens(subject) if w not in GENERIC_DATA_WORDS and not w.isdigit()]
        for i in range(len(words)):
            if self.vocab.entity(words[:i + 1][-1:]):
                return words[i]
        return words[0] if words else ""

    def note_rest(self, rest: str, reading: Reading) -> None:
        words = [w for w in tokens(rest) if w not in GENERIC_DATA_WORDS and len(w) > 2 and
                 w not in ("each", "every", "there", "then", "also", "where", "which")]
        if len(words) >= 2 and not self.known_words(words):
            reading.notes.append(f"the words {clip(rest, 60)!r} were not placed on any column")

    def known_words(self, words: list[str]) -> bool:
        return bool(self.vocab.matches(words))

    def list_in(self, sent: str) -> tuple[str, list[Item], list[Item]] | None:
        """The fields a sentence lists, with the words before the list and the items that are not
        fields; None when the sentence lists nothing."""
        candidates = [(m.start(), m.end()) for m in LIST_START.finditer(sent)] + [(0, 0)]
        best, best_key = None, (0, 0, 0)
        for rank, (start, end) in enumerate(candidates):
            if start == end == 0 and best is not None:
                break  # a list after a marker wins over the whole sentence read as one
            head, body = sent[:start].strip(), sent[end:].strip()
            if not body or ":" in body.split(",")[0]:
                continue  # "logs each car: ticket number, ...": the list starts at the colon
            if start and "," in head and not re.match(r"\s*(?:each|every)\b", head, re.I) and \
                    sum(1 for x in split_items(head) if self.strong_field(read_item(x))) >= 2:
                continue  # "age 18 to 85, claim amount ... with a long tail, ...": a marker inside the list
            items = [read_item(x) for x in split_items(body, self.names_field)]
            fields = [it for it in items if self.is_field(it)]
            if start == end == 0:  # with no marker, words that carry a statement are no field
                fields = [it for it in fields if not any(
                    r.kind in STATEMENT_KINDS and r.target and not r.args.get("own") and
                    not set(tokens(r.target)) & set(tokens(it.text)) for r in it.rules)]
            strong = [it for it in fields if self.strong_field(it)]
            marker = sent[start:end].strip().lower()
            enough = (len(fields) * 2 >= len(items) and (len(strong) >= 1 if marker in (":", "-", "with", "columns",
                                                                                     "fields", "including", "record",
                                                                                     "records", "has", "have")
                                                         else len(strong) >= 2))
            if start == 0 and end == 0:
                enough = len(strong) >= 2 and len(fields) * 5 >= len(items) * 3
            key = (len([f for f in fields if f.text]), len(strong), -rank)
            if enough and key > best_key:
                others = [it for it in items if it not in fields]
                lone = [it for it in fields if not it.text and not it.values and not it.boolean]
                best, best_key = (head, [it for it in fields if it not in lone], others + lone), key
        return best

    def is_field(self, item: Item) -> bool:
        words = tokens(item.text)
        if not words:
            return bool(item.values) or item.boolean
        if len(words) > 6 or (VERBS.search(item.text) and not self.strong_field(item)):
            return False
        return True

    def strong_field(self, item: Item) -> bool:
        words = tokens(item.text)
        if not words:
            return bool(item.values)
        core = [w for w in words if w not in self.unit_words and w not in FILLER] or words
        if any(m.end == len(core) or m.size >= 2 for m in self.vocab.matches(core)):
            return True
        name = snake(ascii_fold(item.text))
        return any(p.search(name) for p, _ in SHAPES) or bool(item.values) or item.boolean or \
            item.low is not None or item.high is not None

    def names_field(self, text: str) -> bool:
        """Whether these words alone name a field ('ages' does; 'check-in' and 'first' do not)."""
        words = tokens(text)
        return any(m.start == 0 and m.end == len(words) for m in self.vocab.matches(words))

    # -- one table --

    def one_table(self, reading: Reading, ctx: Context, assumptions: list[str]) -> dict[str, Any]:
        drafts = self.drafts(reading.items, ctx)
        strong = sum(1 for d in drafts if not d.weak)
        domain = ctx.domain
        if strong < 2 and domain:
            table_words = domain.get("table") or domain["id"]
            assumptions.append(f"few fields were named: the usual columns of {table_words.replace('_', ' ')} "
                               "data were assumed")
            template = self.template(domain, ctx)
            signals = {w for n in (tokens(w) for w in domain.get("words", [])) for w in n}
            known = {t.concept for t in template} | {t.name for t in template}
            named = [d for d in self.columns_named_in(reading.subject, ctx)
                     if d.concept not in known and d.name not in known and d.type != "id"
                     and (d.type == "bool" or d.column.get("method") in TEXT_METHODS
                          or not set(tokens(d.column["description"])) <= signals)]
            drafts = template + named + [d for d in drafts if d.name not in known and d.concept not in known]
        elif strong < 2 and (thing := self.named_thing(reading.subject)) is not None:
            assumptions.append(f"few fields were named: the usual fields of {thing['table'].replace('_', ' ')} "
                               "were assumed")
            sub = copy.copy(ctx)
            sub.entity = self.subject_noun(reading.subject)
            template = [d for d in (self.column(read_item(p), sub, from_template=True, role_hint=sub.entity)
                                    for p in thing.get("fields", [])) if d]
            known = {t.concept for t in template} | {t.name for t in template}
            drafts = template + [d for d in drafts if d.name not in known and d.concept not in known]
            domain = {"id": "", "table": thing["table"]}
        elif strong < 2:
            found = self.columns_named_in(ctx.text, ctx)
            if len(found) + strong < 2:
                assumptions.append("no fields or known domain were named: a small generic table was assumed")
                found = [d for d in (self.column(read_item(p), ctx, from_template=True) for p in GENERIC_TABLE) if d]
            drafts = found + drafts
        if not any(d.type == "id" for d in drafts) and reading.items and strong >= 2:
            pass
        columns = unique_names([d.column for d in drafts])
        assign_entities(columns, tokens(reading.subject))
        name = (domain.get("table") if domain and strong < 2 else None) or table_name(reading.subject)
        table = Table(snake(name, 40) or "dataset", columns)
        tables = [table]
        own = [(rule, d.column) for d in drafts if d.item for rule in d.item.rules]
        resolver = Resolver(self, tables, ctx)
        money_scale(self, table.columns, ctx)
        rules = reading.rules + self.domain_says(ctx.domain, reading.rules, columns, assumptions)
        series = read_adverb_per(reading.subject)  # "Daily sales per store with ...": a series per store
        if series is not None and not any(r.kind in ("step", "sorted") for r in rules):
            rules.append(series)
        apply_rules(self, resolver, table, own, rules, ctx, assumptions)
        add_relations(table.columns, ctx.domain_id)
        return assemble(resolver.tables, ctx, main=table.name)

    def domain_says(self, domain: dict[str, Any] | None, said: list[Rule], columns: list[dict[str, Any]],
                    assumptions: list[str]) -> list[Rule]:
        """What is true of a domain unless the description says otherwise ('says' in vocab.json:
        stock prices are one row per ticker per trading day), for the columns the table has."""
        out: list[Rule] = []
        for sentence in (domain or {}).get("says", []):
            rules, _ = read_rules(sentence)
            for rule in rules:
                if any(r.kind == rule.kind or {r.kind, rule.kind} <= {"step", "sorted", "workdays"} for r in said):
                    continue  # the user's own words on it win
                thing = singular(rule.other.split()[-1].lower()) if rule.other else ""
                if thing and not any(thing in c["name"].split("_") for c in columns):
                    continue
                out.append(rule)
                assumptions.append(f"{domain.get('table', domain['id']).replace('_', ' ')}: {sentence} was assumed")
        return out

    def named_thing(self, subject: str) -> dict[str, Any] | None:
        """A description that only names a kind of thing ('products', 'hotel rooms'): that entity."""
        words = [w for w in tokens(subject) if w not in GENERIC_DATA_WORDS and not w.isdigit()]
        if not words or len(words) > 3:
            return None
        found = self.vocab.entity_candidates(words)
        whole = [e for needle, e in found if len(needle) >= len(words) - 1]
        return whole[0] if whole and whole[0].get("fields") else None

    def template(self, domain: dict[str, Any], ctx: Context) -> list[Draft]:
        return [d for d in (self.column(read_item(p), ctx, from_template=True) for p in domain.get("fields", [])) if d]

    def drafts(self, items: list[Item], ctx: Context) -> list[Draft]:
        return [d for d in (self.column(item, ctx) for item in items) if d]

    def columns_named_in(self, text: str, ctx: Context) -> list[Draft]:
        """Concepts named anywhere in a description that lists nothing ("a list of email addresses")."""
        words = tokens(text)
        found, taken = [], set()
        for m in sorted(self.vocab.matches(words), key=lambda m: -m.size):
            if taken & set(range(m.start, m.end)):
                continue
            taken |= set(range(m.start, m.end))
            draft = self.column(read_item(" ".join(words[m.start:m.end])), ctx)
            if draft and not draft.weak:
                found.append(draft)
        return found

    def column(self, item: Item, ctx: Context, from_template: bool = False, role_hint: str = "") -> Draft | None:
        words = tokens(item.text)
        alias = next((r.args["text"] for r in item.rules if r.kind == "alias"), "")
        if not words and alias:
            words = tokens(alias)
        if not words:
            if item.values or item.boolean:
                words = tokens(role_hint or "type")
            else:
                return None
        domain_id = ctx.domain_id
        core = [w for w in words if w not in self.unit_words] or words
        whole = [m for m in self.vocab.matches(words) if m.start == 0 and m.end == len(words) and m.size >= 2]
        concept = whole[0].concept if whole else (self.pick(core, ctx.subject, domain_id) or
                                                 self.pick(words, ctx.subject, domain_id))
        if concept is not None and not whole and core != words and not self.vocab.unit(words, concept.id):
            for needles, unit in self.vocab.units:  # "area in square metres": the concept measured in that unit
                other = self.vocab.by_id.get(unit.get("concept") or "")
                if other is not None and any(find(words, n) >= 0 for n in needles) and \
                        any(w in needle for needle in other.words for w in core):
                    concept = other
                    break
        if len(words) >= 2 and words[-1] in ("number", "no", "id", "ref", "reference") and concept is not None and \
                not whole and not (concept.column.get("type") in ("id", "pattern") or
                                   concept.column.get("method") in IDENT_FAKERS):
            concept = None  # "job number" names a job, not a count or a job title: an id by its shape
        surface = ascii_fold(item.text).lower().strip()
        exact = [c for c in self.vocab.concepts if surface in c.raw and c is not concept] if " " not in surface else []
        if exact and not whole and singular(surface) != surface and exact[-1].column.get("type") in ("int", "float"):
            concept = exact[-1]  # "conversions" as said counts them, where "conversion" would be a flag
        if not whole and "per" in words[1:-1]:  # "price per book" is a price; "per book" counts by
            concept = self.pick(words[:words.index("per")], ctx.subject, domain_id) or concept
        if alias:  # "state (UF)": a short or coded other name says which concept
            named = self.pick(tokens(alias), ctx.subject, domain_id)
            if named and (concept is None or len(alias) <= 4 or re.search(r"\b(code|abbr|abbreviation|initials)\b", alias, re.I)):
                concept = named
        col: dict[str, Any]
        weak = False
        if item.count_of:
            col = {"type": "int", "min": 0, "max": 200, "distribution": "lognormal", "mean": 12, "std": 15}
            if concept and concept.column.get("type") == "int":
                col = dict(concept.column)
        elif words[-1] in ("at", "on", "by") and len(words) >= 2 and not (concept and concept.name.endswith(
                ("_at", "_on", "_by")) or concept and concept.column.get("type") in ("datetime", "date", "faker")):
            col = ({"type": "datetime", "start": "-1y", "end": "today"} if words[-1] == "at" else
                   {"type": "date", "start": "-2y", "end": "today"} if words[-1] == "on" else
                   {"type": "faker", "method": "name"})  # "resolved at", "shipped on", "approved by"
        elif words[-1] in OBJECT_PARTICIPLES and len(words) >= 2 and not COUNTED.match(item.text) and \
                (object_concept := concept if whole else (self.pick(words[:-1], ctx.subject, domain_id) or concept)) \
                and object_concept.column.get("type") != "bool":
            concept = object_concept
            col = dict(concept.column)  # "position applied" is a position, "amount sent" an amount
        elif not COUNTED.match(item.text) and (
                (FLAG_PHRASE.match(item.text) and (not concept or concept.column.get("type") not in ("bool", "date", "datetime")))
                or (PARTICIPLE.search(item.text) and len(words) <= 2 and (not concept or concept.column.get("type") == "choice"))):
            col = {"type": "bool", "p": 0.3}
        elif COUNTED.match(item.text) and not (self.covers(words, concept) and
                                               concept.column.get("type") in ("int", "float", "bool")):  # "deliveries completed", "books borrowed"
            col = {"type": "int", "min": 0, "max": 500, "distribution": "lognormal", "mean": 25, "std": 30}
        elif not concept and any(w in self.unit_words for w in words):  # "diameter in mm"
            col = {"type": "float", "min": 0.1, "max": 1000, "distribution": "lognormal", "mean": 40, "std": 50, "decimals": 1}
        elif concept:
            col = dict(concept.column)
            overrides = [concept.by_domain.get(domain_id or "", {}), self.vocab.unit(words, concept.id)]
            for override in reversed(overrides) if from_template else overrides:
                col = merge_override(col, override)
            if ctx.locale in concept.by_locale:
                col = merge_override(col, concept.by_locale[ctx.locale])
        else:
            col = dict(next((c for p, c in SHAPES if p.search(snake(ascii_fold(item.text)))), FALLBACK_COLUMN))
            weak = col == FALLBACK_COLUMN
        if words[-1] in ("time", "timestamp", "datetime") and col.get("type") == "date":
            col = {**col, "type": "datetime"}  # "discharge time" has a time of day
        if col.get("type") in ("date", "datetime") and any(w in ("minute", "hour", "second", "min", "hr", "sec", "day")
                                                             for w in words[1:]):  # "finish time in minutes"
            col = {"type": "float", "min": 1, "max": 600, "distribution": "lognormal", "mean": 60, "std": 40, "decimals": 1}
        if concept and concept.column.get("type") == "int" and col.get("type") == "float" and item.low is not None \
                and item.high is not None and float(item.low).is_integer() and float(item.high).is_integer() \
                and item.high - item.low <= 10:
            col = dict(concept.column)  # "1-5 stars" are whole stars, whatever the domain's habit
        col = copy.deepcopy(col)
        if item.values and any(r.kind == "examples" for r in item.rules):
            known = self.knows_examples(item.values, concept, col, ctx)
            if known is not None:  # "state (e.g. NSW, VIC)": the state codes, not just two of them
                col, item = known, Item(item.text, item.source, rules=item.rules)
        given = set()
        if item.boolean or item.values:
            given.add("values")
        if item.low is not None or item.high is not None:
            given.add("range")
        col = apply_item(col, item)
        if item.text:
            base_name = field_name(item, col, concept)
        elif alias:
            base_name = snake(ascii_fold(alias), 40)
        elif item.values and len(item.values) <= 3 and not any(r.kind == "whether" for r in item.rules):
            base_name = snake("_".join(ascii_fold(str(v)) for v in item.values), 40)   # "pass/fail"
        else:
            base_name = snake(f"{role_hint or ctx.entity or 'record'} type", 40)
        if col.get("type") == "pattern" and col.get("pattern") == "??-######" and \
                re.search(r"_(number|no|ref|reference)$", base_name):
            col = {"type": "id", "prefix": "", "width": 0}  # "job number": JOB-00001
        if col.get("type") == "id" and not col.get("prefix") and not col.get("format") and \
                re.search(r"_(id|number|no|ref|reference)$", base_name):
            stem = re.sub(r"[^a-z]", "", re.sub(r"_(id|number|no|ref|reference)$", "", base_name).split("_")[-1])
            if len(stem) >= 2:  # "meter id" -> MET-00001: an id that reads as one
                col.update(prefix=stem[:3].upper() + "-", width=5)
        if col.get("type") == "faker" and col.get("method") in PERSON_METHODS:
            role = next((w for w in core if w in ROLE_WORDS), "")
            if role:
                col["entity"] = role
        col["name"] = base_name
        col["description"] = clip(item.source, MAX_DESCRIPTION_ECHO)
        col["_given"] = given
        col["_words"] = " ".join(words + tokens(alias))
        col["_concept"] = concept.id if concept else ""
        if from_template:
            col["_template"] = True
        if item.currency:
            col["_currency"] = item.currency
        return Draft(col, concept.id if concept else None, weak, item)

    def knows_examples(self, examples: list[str], concept: Concept | None, col: dict[str, Any],
                       ctx: Context) -> dict[str, Any] | None:
        """A choice the vocabulary knows that holds the examples a description gives."""
        wanted = {ascii_fold(e).lower() for e in examples}
        candidates = [col] if col.get("type") == "choice" else []
        related = [c for c in self.vocab.concepts if concept and (c is concept or set(c.id.split("_")) & set(concept.id.split("_")))]
        for c in related:
            variant = merge_override(dict(c.column), c.by_locale.get(ctx.locale, {}))
            if variant.get("type") == "choice":
                candidates.append(variant)
        for cand in candidates:
            values = {ascii_fold(str(v)).lower() for v in cand.get("values") or []}
            if wanted <= values:
                return copy.deepcopy(cand)
        return None

    def covers(self, words: list[str], concept: Concept | None) -> bool:
        """Whether a concept's own words are the whole phrase ('pets allowed' is a concept)."""
        return bool(concept) and any(needle == words for needle in concept.words)

    def pick(self, words: list[str], subject: str, domain_id: str | None = None) -> Concept | None:
        """The concept a phrase names: one covering its head (last) word, longest first; a generic
        head ("count", "date") lets a fitting modifier concept speak ("follower count")."""
        if not words:
            return None
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
            noun = self.subject_noun(subject) if subj else ""
            if noun and noun not in ROLE_WORDS:
                named = self.vocab.matches([noun, "name"])
                better = [m for m in named if m.size == 2]
                if better:
                    return better[0].concept
        if heads:
            return heads[0].concept
        return None if words[last] in HEAD_TYPES else (others[0].concept if others else None)

    # -- checking the result --

    def checked(self, data: dict[str, Any], assumptions: list[str]) -> Schema:
        """The schema as designed; a part the checks refuse is dropped (and said), never the whole."""
        try:
            return load_schema(data, MAX_DRAFT_COLUMNS)
        except SchemaError as err:
            log.info("designed schema refused (%s); simplifying", err)
            first_error = str(err)
        simpler = simplify(data)
        try:
            schema = load_schema(simpler, MAX_DRAFT_COLUMNS)
            assumptions.append(f"a relation could not be kept ({clip(first_error, 100)}); columns are drawn independently")
            return schema
        except SchemaError as err:
            log.warning("simplified schema refused too (%s)", err)
        plain = {"name": data.get("name", "dataset"), "locale": data.get("locale", "en_US"),
                 "columns": [{"name": "id", "type": "id"}, {"name": "name", "type": "faker", "method": "name"},
                             {"name": "created_at", "type": "datetime", "start": "-2y", "end": "today"}]}
        assumptions.append("the design could not be checked: a small generic table was made instead")
        return load_schema(plain, MAX_DRAFT_COLUMNS)

    # -- editing a schema --

    def edit(self, schema: Schema, instruction: str) -> Design:
        """The schema changed as an instruction says ("make ages 30 to 50", "add a loyalty tier",
        "drop the email", "make churn 10%"), read by the same grammar as a description."""
        from edits import edit_schema
        data, assumptions = edit_schema(self, schema, instruction)
        try:
            return Design(load_schema(data, MAX_DRAFT_COLUMNS), assumptions)
        except SchemaError as err:
            return Design(schema, [f"the instruction {clip(instruction, 80)!r} could not be applied ({clip(str(err), 120)}); "
                                   "the schema is unchanged"])


def simplify(data: dict[str, Any]) -> dict[str, Any]:
    """A schema without the relations between columns: formulas and refs kept only where plain."""
    out = copy.deepcopy(data)
    tables = out.get("tables") or [out]
    for table in tables:
        table.pop("correlations", None)
        for col in table.get("columns") or []:
            for key in ("depends_on", "cases", "null_if", "step", "per"):
                col.pop(key, None)
    return out


def dedupe(lines: list[str]) -> list[str]:
    seen, out = set(), []
    for line in lines:
        if line not in seen:
            seen.add(line)
            out.append(line)
    return out[:20]


__all__ = ["OfflineDesigner", "Design", "RELATIONS", "Vocabulary", "tokens", "entity_table", "derive", "find_col"]
