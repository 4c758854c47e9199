"""Placing what a description says on the columns it mentions: the designer's rules (phrases.py)
turned into the schema language.

    Rule("share", target="denied", p=0.1)        -> status weights: denied 10%
    Rule("after", target="", other="claim", 10..120 days) -> settlement_date after claim_date
    Rule("more", target="claims", by younger drivers under 25) -> claim_amount cases on a hidden
                                                                  age_under_25 flag

A mention ("the night shift", "trips", "the claim") is resolved to a column, or to a value of a
choice column, by the words they share (Resolver). What cannot be placed is said in the design's
assumptions. Things that recur (drivers, meters, agents) become hidden tables that a column
refers to (entity_table). The tables are then assembled into a schema dict: dependences on
several things become a formula over a hidden base, correlations a matrix, private keys dropped.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from formula import parse_formula
from phrases import Item, Rule, ascii_fold, example_pattern, singular
from relations import (chance_from_number, rx, condition_value, correlate, derive, depend_on_rank,
                       given, number_text)
from schema import snake

log = logging.getLogger("synthdata")

MENTION_STOP = {"the", "a", "an", "of", "for", "per", "each", "every", "their", "its", "in", "on", "at", "by", "to",
                "and", "or", "with", "is", "are", "was", "were", "has", "have", "get", "gets", "be", "being", "that",
                "this", "those", "these", "all", "other", "others", "than", "from", "as", "it", "they", "data",
                "value", "values", "field", "column", "row", "rows", "record", "records", "number", "some", "any"}
GENERIC_TOKENS = {"date", "time", "id", "name", "amount", "type", "number", "rate", "total", "level", "status",
                  "code", "count", "value", "score", "at", "day", "year", "month"}
DATES = ("date", "datetime")
NUMBERS = ("int", "float")


PARTICLE_COMPOUND = re.compile(r"\b(check|log|sign|drop|pick|roll|walk|set|start|take|make|follow|print|opt|dine|"
                               r"take|carry|hand|stop|lay|turn|cut|fall|trade|buy|sell|pay|charge|top)[\s_-]+"
                               r"(in|out|up|off|on|over|back|down)\b")


def mention_tokens(text: str) -> list[str]:
    """The words of a mention that can name a column: 'the check-in date' -> checkin, date."""
    text = PARTICLE_COMPOUND.sub(r"\1\2", ascii_fold(text).lower().replace("_", " "))
    words = re.findall(r"[a-z0-9]+", text)
    return [singular(w) for w in words if w not in MENTION_STOP]


def stem(word: str) -> str:
    """A word's first letters after its common endings: 'studied' and 'study', 'consumed' and
    'consumption' share one."""
    for end, repl in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if len(word) > len(end) + 3 and word.endswith(end):
            word = word[:-len(end)] + repl
            break
    return word[:5] if len(word) > 5 else word


@dataclass
class Table:
    """A table being designed: its columns as dicts, and its size (rows, per a parent, or data)."""

    name: str
    columns: list[dict[str, Any]]
    rows: int | None = None
    per: dict[str, Any] | None = None
    data: list[dict[str, Any]] | None = None
    hidden: bool = False
    entity: str = ""

    def col(self, name: str) -> dict[str, Any] | None:
        return next((c for c in self.columns if c["name"] == name), None)

    def key(self) -> dict[str, Any] | None:
        return next((c for c in self.columns if c["type"] == "id"), None)


@dataclass
class Hit:
    table: Table
    col: dict[str, Any]
    value: Any = None
    score: float = 0.0


class Resolver:
    """Which column (or value of a choice column) a mention names, by the words they share."""

    def __init__(self, designer: Any, tables: list[Table], ctx: Any):
        self.designer = designer
        self.tables = tables
        self.ctx = ctx
        groups = (designer.vocab.data.get("value_synonyms") or []) if designer else []
        self.synonyms: dict[str, set[str]] = {}
        for i, group in enumerate(groups):
            for word in group:
                self.synonyms.setdefault(word, set()).add(f"~{i}")

    def canon(self, word: str) -> set[str]:
        """A word with the synonym groups it belongs to: 'L' and 'large' share one."""
        return {word, stem(word)} | self.synonyms.get(word, set())

    def same(self, a: list[str], b: list[str]) -> bool:
        """Whether every word of b is among the words of a (as itself, its stem or a synonym)."""
        pool = set().union(*(self.canon(w) for w in a)) if a else set()
        return bool(b) and all(self.canon(w) & pool for w in b)

    def col_tokens(self, col: dict[str, Any]) -> set[str]:
        """The words that name a column: its name, the user's words, and its concept's first names
        ('kwh' is energy consumption)."""
        words = set(mention_tokens(col["name"].replace("_", " "))) | set(mention_tokens(col.get("_words", "")))
        concept = self.designer.vocab.by_id.get(col.get("_concept") or "") if self.designer else None
        if concept is not None:
            for needle in concept.words[:6]:
                words |= {w for w in needle if w not in GENERIC_TOKENS}
        return words | {stem(w) for w in words}

    def find(self, mention: str, table: Table | None = None, kinds: tuple[str, ...] = (), values: bool = True,
             exclude: tuple[Any, ...] = ()) -> Hit | None:
        full = mention_tokens(mention)
        if not full:
            return None
        best: Hit | None = None
        for t in ([table] if table else []) + [x for x in self.tables if x is not table]:
            own = set(mention_tokens(t.entity)) if t.entity else set()
            stripped = [w for w in full if w not in own] if len(full) > 1 and t is table else full
            variants = [full] + ([stripped] if stripped and stripped != full else [])  # "invoice amount" is the amount
            for col in t.columns:
                if col.get("_helper") or any(col is e for e in exclude):
                    continue
                if kinds and col["type"] not in kinds and not (col["type"] == "formula" and "formula" in kinds):
                    continue
                words = self.col_tokens(col)
                score, overlap, mt = max((self.score(t, col, words, v, kinds) + (v,) for v in variants),
                                         key=lambda x: x[0])
                score += 0.05 if t is table else 0
                if score > (best.score if best else 0.3):
                    best = Hit(t, col, None, score)
                if values and col["type"] == "choice":
                    for value in col.get("values") or []:
                        vt = mention_tokens(str(value)) or [str(value).lower()]
                        hit = self.same(full, vt) or (len(full) == 1 and self.same(vt, full))
                        if hit:
                            vscore = 0.6 + len(vt) / max(len(full), 1) * 0.4 + (0.3 if overlap else 0)
                            if vscore > (best.score if best else 0):
                                best = Hit(t, col, value, vscore)
        return best

    def score(self, table: Table, col: dict[str, Any], words: set[str], mt: list[str],
              kinds: tuple[str, ...]) -> tuple[float, set[str]]:
        pool = set().union(*(self.synonyms.get(x, ()) for x in words)) | words if self.synonyms else words
        overlap = {w for w in mt if w in pool or stem(w) in pool or self.synonyms.get(w, set()) & pool}
        score = len(overlap) / len(mt)
        head = mt[-1] in overlap and not (mt[-1] in GENERIC_TOKENS and overlap <= GENERIC_TOKENS)
        if overlap and overlap <= GENERIC_TOKENS and not head and not self.only_one(table, overlap, kinds):
            score *= 0.4
        if head and len(mt) > 1:
            score += 0.35  # the mention's last word is what it names
        if set(mention_tokens(col["name"].replace("_", " "))) == set(mt):
            score += 0.5
        return score, overlap

    def only_one(self, table: Table, words: set[str], kinds: tuple[str, ...]) -> bool:
        """Whether a single column of the table carries these words ('rates' when one rate is listed)."""
        found = [c for c in table.columns if (not kinds or c["type"] in kinds) and not c.get("_helper")
                 and words <= self.col_tokens(c)]
        return len(found) == 1

    def main_dates(self, table: Table, kinds: tuple[str, ...] = DATES) -> list[dict[str, Any]]:
        """The dates a table's events happen on (not birth dates, not ones that follow others)."""
        out = [c for c in table.columns if c["type"] in kinds and not c.get("after") and not c.get("_helper")
               and not re.search(r"birth|dob|expir|valid", c["name"])]
        return out


# --- the user's words over the vocabulary's ---

def apply_item(col: dict[str, Any], item: Item) -> dict[str, Any]:
    """What the user wrote wins over the vocabulary: their range, their values, yes/no."""
    from designer import apply_item as draft_apply
    return draft_apply(col, item)


# --- placing rules ---

ORDER = ["item", "alias", "examples", "example", "code", "unique", "null", "percent", "dist", "window", "hours", "round", "split",
         "share", "group_share", "formula", "percent_of", "after", "count", "step", "workdays", "per", "owns", "popular",
         "more", "rank", "mode", "corr", "depends", "shift", "whether", "sorted", "condition", "prices"]


class Placer:
    def __init__(self, designer: Any, resolver: Resolver, table: Table, ctx: Any, notes: list[str]):
        self.designer = designer
        self.resolver = resolver
        self.table = table
        self.ctx = ctx
        self.notes = notes
        self.deps: list[tuple[Rule, dict[str, Any] | None]] = []
        self.counts: dict[str, int] = {}

    @property
    def columns(self) -> list[dict[str, Any]]:
        return self.table.columns

    def note(self, rule: Rule) -> None:
        if rule.text:
            self.notes.append(f"the statement {rule.text.strip()!r} could not be placed on a column")

    def find(self, mention: str, kinds: tuple[str, ...] = (), values: bool = True) -> Hit | None:
        return self.resolver.find(mention, self.table, kinds, values)

    def new_column(self, words: str, kind: str | None = None) -> dict[str, Any] | None:
        """A column for a field a statement names but no list did ('flagged as suspected fraud')."""
        item = Item(words, words)
        draft = self.designer.column(item, self.ctx)
        if draft is None:
            return None
        col = draft.column
        if kind == "bool" and col["type"] != "bool":
            col = {"name": col["name"], "type": "bool", "p": 0.5, "description": words, "_words": col.get("_words", ""),
                   "_given": set()}
        if kind == "date" and col["type"] not in DATES:
            return None
        if any(c["name"] == col["name"] for c in self.columns):
            col["name"] += "_2"
        self.columns.append(col)
        return col

    # -- one column's own words --

    def place_item(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        item: Item = rule.args["item"]
        hit = self.find(item.text, NUMBERS + DATES + ("choice",), values=False)
        if not hit:
            return False
        col = hit.col
        new = apply_item(col, item)
        keep = {k: v for k, v in col.items() if k.startswith("_") or k in ("name", "description")}
        col.clear()
        col.update(new, **keep)
        col.setdefault("_given", set()).add("range")
        for sub in item.rules:
            self.place(sub, col)
        return True

    def place_alias(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        return True

    def place_examples(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        return True

    def place_whether(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        return True

    def place_example(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        if own is None:
            return False
        if own["type"] == "faker" and own.get("method") in ("postcode", "zipcode", "phone_number"):
            return True
        shape = example_pattern(rule.args["example"])
        if own["type"] == "choice" and any(example_pattern(str(x)) == shape for x in own.get("values") or []):
            return True  # "tax code (like 1257L)": the known codes already look like that
        keep = {k: own[k] for k in ("name", "description", "_given", "_words", "_concept") if k in own}
        own.clear()
        own.update(keep, type="pattern", pattern=example_pattern(rule.args["example"]))
        return True

    def place_code(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        if own is None:
            return False
        regions = (self.designer.vocab.data.get("regions") or {}).get(self.ctx.locale)
        if re.search(r"state|province|region|prefecture|county|canton|land|uf|estado", own["name"]) and regions:
            own.clear() if False else None
            keep = {k: own[k] for k in ("name", "description", "_given", "_words", "_concept") if k in own}
            own.clear()
            own.update(keep, type="choice", values=[r[1] for r in regions], weights=[r[2] for r in regions])
            return True
        if own["type"] == "faker" and own.get("method") == "state":
            own["method"] = "state_abbr"
            return True
        if own["type"] in ("faker", "pattern", "choice") and not given(own, "values"):
            own.update(type="pattern", pattern="?" * int(rule.args.get("letters", 2)))
            own.pop("method", None)
            return True
        return False

    def place_unique(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        if own is not None and own["type"] in ("id", "pattern", "faker", "int"):
            own["unique"] = True
            return True
        return False

    def place_null(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        if own is None:
            return False
        if rule.other:
            hit = self.find(rule.other, ("choice", "bool"))
            if hit and hit.value is not None:
                own["null_if"] = f"{hit.col['name']} == {condition_value(hit.value)}"
                return True
            if hit and hit.col["type"] == "bool":
                own["null_if"] = hit.col["name"]
                return True
        own.setdefault("null_rate", 0.3)
        return True

    def place_percent(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        if own is not None and own["type"] == "int" and own.get("max", 100) <= 100:
            own.update(type="float", decimals=1)
        return True

    def place_dist(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        if own is None:
            return False
        args = rule.args
        if own["type"] not in NUMBERS:
            if "mean" not in args:
                return False
            keep = {k: own[k] for k in ("name", "description", "_given", "_words", "_concept") if k in own}
            own.clear()
            own.update(keep, type="float", decimals=1)
        ranged = given(own, "range")
        lo, hi = own.get("min"), own.get("max")
        if args.get("distribution") == "lognormal" and lo is not None and hi is not None:
            lo, hi = float(lo), float(hi)
            if ranged:
                mid = (max(lo, 1e-9) * hi) ** 0.5
                own.update(min=round_to(own, max(lo * 0.5, 0)), max=round_to(own, hi * 2.5), distribution="lognormal",
                           mean=round_to(own, mid * 1.3), std=round_to(own, mid * 1.5))
            else:
                own.update(distribution="lognormal")
        elif args.get("distribution") == "normal":
            own["distribution"] = "normal"
        elif args.get("distribution"):
            own["distribution"] = args["distribution"]
            if args["distribution"] == "uniform":
                own.pop("mean", None)
                own.pop("std", None)
        if args.get("mostly") and ranged and lo is not None and hi is not None and own.get("distribution") != "lognormal":
            span = float(hi) - float(lo)
            own.update(distribution="normal", mean=round_to(own, (float(lo) + float(hi)) / 2), std=round_to(own, span / 4, 4),
                       min=round_to(own, max(float(lo) - span * 0.25, 0) if float(lo) >= 0 else float(lo) - span * 0.25),
                       max=round_to(own, float(hi) + span * 0.25))
        if "mean" in args:
            mean = float(args["mean"])
            std = float(own.get("std") or 0)
            if not ranged:
                std = float(args.get("std") or abs(mean) * 0.03 or 1)
                own.update(min=round_to(own, mean - 4.5 * std), max=round_to(own, mean + 4.5 * std))
            own.update(mean=round_to(own, mean), distribution="normal")
            if std:
                own["std"] = round_to(own, std, 4)
            if own.get("min") is not None and own["min"] > own["mean"]:
                own["min"] = own["mean"]
            if own.get("max") is not None and own["max"] < own["mean"]:
                own["max"] = own["mean"]
        if "std" in args:
            std = float(args["std"])
            own["std"] = round_to(own, std, 4)
            own["distribution"] = own.get("distribution") if own.get("distribution") in ("normal", "lognormal") else "normal"
            if own.get("mean") is not None and not ranged:
                own.update(min=round_to(own, float(own["mean"]) - 4.5 * std), max=round_to(own, float(own["mean"]) + 4.5 * std))
        if own["type"] == "int" and (own.get("std") or 1) < 1 and own.get("distribution") == "normal":
            own.update(type="float", decimals=2)
        own.setdefault("_given", set()).add("dist")
        return True

    def place_window(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        args = rule.args
        targets = [own] if own is not None else self.resolver.main_dates(self.table, DATES)
        if own is None and not targets:
            return False
        for col in targets:
            if col["type"] == "int" and args.get("years"):
                col.update(min=args["years"][0], max=args["years"][1], distribution="uniform")
                col.pop("mean", None)
                col.pop("std", None)
                col.setdefault("_given", set()).add("range")
            elif col["type"] in DATES and not col.get("after") and not given(col, "window") or (col is own and col["type"] in DATES):
                col["start"], col["end"] = args["start"], args["end"]
                col.pop("after", None)
                col.setdefault("_given", set()).add("window")
            elif col is own and col["type"] not in DATES:
                return True  # "claims in the last 5 years": a period the count covers, not a date
        return True

    def place_hours(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        a, b = rule.args["from"], rule.args["to"]
        window = f"{int(a):02d}:{round((a % 1) * 60):02d}-{int(b):02d}:{round((b % 1) * 60):02d}"
        targets = [own] if own is not None else self.resolver.main_dates(self.table)
        if not targets:
            return False
        for col in targets:
            if col["type"] == "date":
                col["type"] = "datetime"
            if col["type"] == "datetime" and not col.get("after"):
                col["hours"] = window
        return True

    def place_round(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        if own is not None and own["type"] in ("float", "formula"):
            own["decimals"] = int(rule.args["decimals"])
            return True
        return own is None

    # -- shares --

    def place_split(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        weights, values = rule.args["weights"], [v for v in rule.args.get("values") or [] if v]
        col = None
        if values:
            best = 0
            for c in self.columns:
                if c["type"] == "choice":
                    found = sum(1 for v in values if self.resolver.find(v, self.table, ("choice",)) and
                                any(self.same_value(v, x) for x in c.get("values") or []))
                    if found > best:
                        col, best = c, found
            if col is None:
                for v in values:
                    words = rule.text.lower().split(v.lower())[-1] if v.lower() in rule.text.lower() else ""
                    hit = self.find(words, ("choice", "faker", "pattern")) if words.strip() else None
                    if hit:
                        col = hit.col
                        break
            if col is None:
                tail = re.search(r"(\w+)\s*$", rule.text)
                hit = self.find(tail.group(1), ("choice", "faker", "pattern", "bool")) if tail else None
                col = hit.col if hit else self.new_column(tail.group(1) if tail else "group")
            if col is None:
                return False
            own_values = given(col, "values") and col["type"] == "choice" and all(
                any(self.same_value(v, x) for x in col.get("values") or []) for v in values)
            if not own_values:  # the split names the values
                keep = {k: col[k] for k in ("name", "description", "_given", "_words", "_concept") if k in col}
                col.clear()
                col.update(keep, type="choice", values=[v for v in values])
            ordered = []
            for x in col["values"]:
                idx = next((i for i, v in enumerate(values) if self.same_value(v, x)), None)
                ordered.append(weights[idx] if idx is not None and idx < len(weights) else 0)
            if sum(ordered) > 0:
                col["weights"] = ordered
            col.setdefault("_given", set()).add("values")
            return True
        two = [c for c in self.columns if c["type"] == "choice" and len(c.get("values") or []) == len(weights)]
        if own is not None and own["type"] == "choice":
            two = [own]
        if not two:
            return False
        two[0]["weights"] = list(weights)
        return True

    def same_value(self, mention: str, value: Any) -> bool:
        a = [singular(w) for w in re.findall(r"[a-z0-9]+", ascii_fold(str(mention)).lower())]
        b = [singular(w) for w in re.findall(r"[a-z0-9]+", ascii_fold(str(value)).lower())]
        if not a or not b:
            return False
        return self.resolver.same(a, b) or self.resolver.same(b, a)

    def place_share(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        p = float(rule.args["p"])
        target = rule.target
        negate = bool(re.match(r"^(?:not|no|never|non)\b", target.lower()))
        target = re.sub(r"^(?:not|no|never|non)\s+", "", target, flags=re.I)
        from bounds import single_share
        if not negate and single_share(self, target, p):
            return True
        if own is not None and (not target or own["type"] == "choice"):
            if own["type"] == "bool" and not target:
                own["p"] = round(p, 4)
                return True
            if own["type"] == "choice" and target:
                value = next((v for v in own.get("values") or [] if self.same_value(target, v)), None)
                if value is not None:
                    set_share(own, value, p)
                    return True
        hit = self.find(target, ("bool", "choice", "int", "float", "formula") + DATES) if target else None
        if hit and hit.value is not None:
            set_share(hit.col, hit.value, 1 - p if negate else p)
            return True
        if hit and hit.col["type"] == "bool" and hit.score >= 0.5:
            hit.col["p"] = round(1 - p if negate else p, 4)
            hit.col.setdefault("_given", set()).add("share")
            return True
        if hit and hit.col["type"] in NUMBERS + DATES + ("formula",) and hit.score >= 0.5 and p < 1:
            hit.col["null_rate"] = round(1 - p, 4)  # "15% of trips have a tip", "60% sell": the rest have none
            return True
        things = {singular(w) for t in self.resolver.tables for w in re.findall(r"[a-z]+", (t.entity or "") + " " + t.name)}
        if target and len(target.split()) <= 3 and not re.search(r"\d", target) and \
                not {singular(w) for w in re.findall(r"[a-z]+", target.lower())} <= things:
            col = self.new_column(target, "bool")
            if col is not None:
                col["p"] = round(1 - p if negate else p, 4)
                return True
        return False

    def place_group_share(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        target = self.find(rule.target, ("bool", "choice")) if rule.target else None
        flag = target.col if target else (own if own is not None and own["type"] == "bool" else None)
        if flag is None and rule.target:
            flag = self.new_column(rule.target, "bool")
        if flag is None:
            return False
        cases, by = [], None
        for group, share in zip(rule.args["groups"], rule.args["shares"]):
            hit = self.find(group, ("choice",))
            if not hit or hit.value is None or (by is not None and hit.col is not by):
                continue
            by = hit.col
            cases.append((hit.value, share))
        if not by or not cases:
            return False
        if flag["type"] == "bool":
            flag.update(depends_on=by["name"], cases=[{"when": v, "p": round(s, 4)} for v, s in cases],
                        p=round(sum(s for _, s in cases) / len(cases), 4))
        elif target and target.value is not None:
            values = flag["values"]
            base = flag.get("weights") or [1] * len(values)
            out = []
            for v, s in cases:
                w = list(base)
                share_weights(w, values.index(target.value), s)
                out.append({"when": v, "weights": w})
            flag.update(depends_on=by["name"], cases=out)
        flag.setdefault("_given", set()).add("depends")
        return True

    # -- arithmetic and order --

    def place_formula(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        tokens = rule.args["tokens"]
        target = None
        if rule.target:
            hit = self.find(rule.target, NUMBERS + DATES + ("formula", "choice", "bool", "pattern", "faker"), values=False)
            target = hit.col if hit and hit.score >= 0.5 else None
        if target is None and own is not None:
            target = own
        used: list[dict[str, Any]] = []
        parts: list[str] = []
        pending_per = False
        tokens = self.join_per(tokens)
        for kind, value in tokens:
            if kind == "num":
                parts.append(value)
            elif kind == "pct":
                parts.append(number_text(float(value) / 100))
            elif kind == "op":
                if value == "per":
                    parts.append("*")
                    pending_per = True
                    continue
                parts.append(value)
            else:
                col = self.operand(value, target, unit=pending_per)
                if col is None:
                    return False
                used.append(col)
                parts.append(col["name"])
            pending_per = False
        if target is None and rule.target and any(k == "op" and v == "per" for k, v in tokens):
            money = [c for c in self.columns if self.designer.vocab.money.search(c["name"]) and c not in used
                     and c["type"] in NUMBERS + ("formula",)]
            target = money[0] if money else None
        if target is None and rule.target:
            target = self.new_column(rule.target)
        if target is None or any(c is target for c in used) or self.reads_into(used, target):
            return False
        expr = " ".join(parts)
        if target["type"] in DATES:
            derive(target, expr)
        else:
            decimals = rule.args.get("decimals")
            money = bool(self.designer.vocab.money.search(target["name"]))
            if decimals is None:
                decimals = 2 if money or target.get("type") == "float" or "/" in expr else None
            if decimals is not None and not rule.args.get("copy"):
                expr = f"round({expr}, {int(decimals)})"
            if rule.args.get("cap") is not None:  # "capped at $20"
                expr = f"min({number_text(rule.args['cap'])}, {expr})"
            if rule.args.get("floor") is not None:
                expr = f"max({number_text(rule.args['floor'])}, {expr})"
            derive(target, expr)
        try:
            parse_formula(target["expr"], target["name"])
        except Exception:
            return False
        target.setdefault("_given", set()).add("formula")
        return True

    def join_per(self, tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """'rate per kWh' is one field when a column is named so, not rate times kWh."""
        out: list[tuple[str, str]] = []
        i = 0
        while i < len(tokens):
            if i + 2 < len(tokens) and tokens[i][0] == "field" and tokens[i + 1] == ("op", "per") and tokens[i + 2][0] == "field":
                joined = f"{tokens[i][1]} per {tokens[i + 2][1]}"
                name = snake(joined)
                if any(c["name"] == name or c["name"].startswith(name) for c in self.columns):
                    out.append(("field", joined))
                    i += 3
                    continue
            out.append(tokens[i])
            i += 1
        return out

    def operand(self, words: str, target: dict[str, Any] | None, unit: bool = False) -> dict[str, Any] | None:
        kinds = NUMBERS + DATES + ("formula", "bool")
        hit = self.find(words, kinds, values=False)
        if hit and hit.score >= 0.5 and hit.col is not target:
            return self.through(hit)
        if unit:
            from bounds import elapsed  # "$2 per started hour": the hours between a start and an end
            span = elapsed(self, words)
            if span is not None:
                return span
        if unit:  # "1.80 per km": the column measured in km
            for col in self.columns:
                if col is not target and col["type"] in NUMBERS + ("formula",) and re.search(
                        rf"(^|_){re.escape(snake(words))}($|_)", col["name"]):
                    return col
            unit_concepts = {u.get("concept") for needles, u in self.designer.vocab.units
                             if any(n == [singular(w) for w in words.lower().split()] for n in needles)}
            for col in self.columns:
                if col is not target and col.get("_concept") in unit_concepts and col["type"] in NUMBERS + ("formula",):
                    return col
        col = self.new_column(words)
        if col is not None and col["type"] in kinds and (col.get("_concept") or len(words.split()) <= 2):
            return col
        if col is not None:
            self.columns.remove(col)
        return None

    def through(self, hit: Hit) -> dict[str, Any]:
        """A column of another table is read through the refs that lead to it (one or more hops)."""
        if hit.table is self.table:
            return hit.col
        path = ref_path(self.resolver.tables, self.table, hit.table)
        if path is None:
            return hit.col
        return {"name": ".".join(path + [hit.col["name"]]), "type": hit.col["type"], "_virtual": True}

    def reads_into(self, used: list[dict[str, Any]], target: dict[str, Any]) -> bool:
        """Whether a column would read the target through others (a circle)."""
        seen: set[str] = set()
        stack = [c["name"] for c in used]
        while stack:
            name = stack.pop()
            if name == target["name"]:
                return True
            if name in seen:
                continue
            seen.add(name)
            col = self.table.col(name)
            if col is None:
                continue
            reads = []
            if col.get("expr"):
                try:
                    reads += list(parse_formula(col["expr"], col["name"]).names)
                except Exception:
                    pass
            reads += [col[k] for k in ("after", "depends_on") if col.get(k)]
            stack += [r.split(".")[0] for r in reads]
        return False

    def place_percent_of(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        p = float(rule.args["p"])
        hit = self.find(rule.target, NUMBERS + ("formula",), values=False)
        target = hit.col if hit and hit.score >= 0.5 else self.new_column(rule.target)
        if target is None:
            return False
        base = None
        for pattern in (r"subtotal", r"(^|_)net", r"gross", r"(^|_)(unit_)?price$", r"amount", r"fare", r"bill", r"salary",
                        r"revenue", r"sales", r"(^|_)price", r"total"):
            base = next((c for c in self.columns if rx(pattern).search(c["name"]) and c is not target
                         and c["type"] in NUMBERS + ("formula",)), None)
            if base:
                break
        if base is None or self.reads_into([base], target):
            return False
        derive(target, f"round({base['name']} * {number_text(p)}, 2)")
        target.setdefault("_given", set()).add("formula")
        total = next((c for c in self.columns if re.search(r"(^|_)total", c["name"]) and c is not base
                      and c is not target and c["type"] in NUMBERS and not given(c, "formula")), None)
        if total and not self.reads_into([base, target], total):
            sign = "-" if re.search(r"discount|rebate", target["name"]) else "+"
            derive(total, f"round({base['name']} {sign} {target['name']}, 2)")
            total.setdefault("_given", set()).add("formula")
        return True

    def place_after(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        if rule.target:
            hit = self.find(rule.target, DATES + ("formula",), values=False)
            target = hit.col if hit and hit.score >= 0.5 else None
            if target is None:
                target = self.new_column(rule.target, "date")
                if target is not None and re.search(r"\bif (?:there is|any)\b|\boptional", rule.text, re.I):
                    target["null_rate"] = 0.5
        else:
            target = own
        hit = self.find(rule.other, DATES + ("formula",), values=False) if rule.other else None
        other = (hit.col if hit.table is self.table else self.through(hit)) if hit else None
        if other is not None and other.get("_virtual") and "." not in other["name"]:
            other = None  # a date of a table this one does not refer to
        if other is None and rule.other:
            other = self.new_column(rule.other + (" date" if "date" not in rule.other.lower() else ""), "date")
        if other is None and not rule.other and target is not None and target in self.columns:
            earlier = [c for c in self.columns[:self.columns.index(target)] if c["type"] in DATES]
            other = earlier[-1] if earlier else None  # "a loan date and a due date 21 days later"
        if target is None or other is None or target is other or target["type"] not in DATES:
            return False
        if other["type"] == "formula" and not re.search(r"date|time|at$|_on$", other["name"]):
            return False
        if self.reads_into([other], target):
            return False
        lo, hi = rule.args.get("lo"), rule.args.get("hi")
        if lo is None:
            lo, hi = default_gap(target, other)
        if hi < 1 and target["type"] == "date":
            target["type"] = "datetime"
            if other["type"] == "date":
                other["type"] = "datetime"
        for key in ("start", "end", "step", "per", "hours"):
            target.pop(key, None)
        target.update(after=other["name"], min_days=round(lo, 6), max_days=round(max(hi, lo), 6))
        target.setdefault("_given", set()).add("after")
        return True

    # -- recurring things and time series --

    def place_count(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        n = int(rule.args["n"])
        noun = singular(rule.target.split()[-1].lower()) if rule.target else ""
        self.counts[noun] = n
        for word in rule.target.lower().split():
            self.counts.setdefault(singular(word), n)
        if rule.args.get("alias"):
            self.counts[singular(rule.args["alias"].lower())] = n
        hit = self.find(rule.target, ("id", "pattern", "choice", "faker", "int", "ref"), values=False)
        if hit is None or hit.score < 0.5:
            subject = set(mention_tokens(self.ctx.subject))
            if noun in subject:
                return True  # "300 students" in a table of students: its own size
            return True  # kept for a time series or a table of its own
        col = hit.col
        if rule.args.get("values") and col["type"] in ("choice", "faker", "pattern"):
            keep = {k: col[k] for k in ("name", "description", "_given", "_words", "_concept") if k in col}
            col.clear()
            col.update(keep, type="choice", values=list(rule.args["values"]))
            col.setdefault("_given", set()).add("values")
            return True
        return make_recurring(self, hit.table, col, noun, n)

    def place_step(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        step = rule.args["step"]
        if not rule.other and any(c.get("step") == step and c.get("per") for c in self.columns):
            return True  # "daily" again after "daily ... per episode": the series is made already
        big = step.endswith(("d", "w", "mo", "y"))
        times = self.resolver.main_dates(self.table, ("datetime",)) or self.resolver.main_dates(self.table, ("date",))
        if not times:
            col = self.new_column("timestamp")
            times = [col] if col else []
        if not times:
            return False
        time = times[0]
        if time["type"] == "date" and not big:
            time["type"] = "datetime"
            name = re.sub(r"_date$", "_time", time["name"])
            if time.get("_template") and name != time["name"] and not self.table.col(name) and not any(
                    time["name"] in str(c.get("expr", "")) + str(c.get("after", "")) for c in self.columns):
                time["name"] = name  # a reading every hour has a time, not a date
        entity = rule.other or ""
        per_col = None
        if entity:
            hit = self.find(entity, ("id", "pattern", "choice", "faker", "int", "ref"), values=False)
            if hit and hit.score >= 0.5 and hit.table is not self.table:  # "per episode" in a table of stats:
                per_col = next((c for c in self.columns if c["type"] == "ref" and c.get("table") == hit.table.name), None)
                if per_col is None:  # its ref to the episodes, or none
                    return False
            elif hit and hit.score >= 0.5:
                per_col = hit.col
            else:
                per_col = self.new_column(f"{entity} id")
        else:
            own_noun = singular(self.table.name.split("_")[-1])  # "weather_observations": an observation's own id
            per_col = next((c for c in self.columns if c["type"] == "ref"), None) or next(
                (c for c in self.columns if c["type"] in ("id", "pattern") and c["name"].endswith("_id") and
                 singular(c["name"].removesuffix("_id").split("_")[-1]) != own_noun and
                 (c is not self.columns[0] or c.get("_template") or len(self.columns) > 1)), None)
        if per_col is not None and per_col["type"] != "ref":
            noun = singular((entity or per_col["name"].removesuffix("_id").split("_")[-1]).split()[-1].lower())
            n = self.counts.get(noun) or next(iter(self.counts.values()), None) or 20
            make_recurring(self, self.table, per_col, noun, n, as_table=True)
            if per_col["type"] == "formula":  # a label read through a hidden ref: the series runs per ref
                per_col = self.table.col(per_col["expr"].split(".")[0]) or per_col
        if per_col is not None and per_col["type"] == "ref":
            ref = per_col if per_col.get("table") else None
            if ref is None:
                return False
            time["per"] = ref["name"]
        time["step"] = step
        for key in ("after", "hours", "weekdays"):
            time.pop(key, None)
        if "start" not in time:
            time.update(start="-30d", end="today")
        time.setdefault("_given", set()).add("window")
        if rule.args.get("workdays"):  # "per trading day": Monday to Friday
            from workdays import weekday_series
            weekday_series(self.table, time)
        return True

    def place_workdays(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        from workdays import place_workdays
        return place_workdays(self, rule, own)

    def place_sorted(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        """'events in time order': each parent's rows follow one another in time."""
        if self.table.per is None:
            return own is not None
        owner = next((c for c in self.columns if c["type"] == "ref" and c.get("table") == self.table.per["table"]), None)
        times = [own] if own is not None and own["type"] in DATES else self.resolver.main_dates(self.table)
        if owner is None or not times:
            return False
        time = times[0]
        time.update(step="1d" if time["type"] == "date" else "8h", per=owner["name"])
        for key in ("after", "hours", "weekdays"):
            time.pop(key, None)
        time.setdefault("start", "-1y")
        time.setdefault("end", "today")
        return True

    def place_condition(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        """'passed (final score at least 50)': the flag is the comparison, in every row."""
        if own is None:
            return False
        hit = self.find(rule.other, NUMBERS + ("formula",), values=False)
        if not hit or hit.col is own or self.reads_into([hit.col], own):
            return False
        derive(own, f"{self.through(hit)['name']} {rule.args['op']} {number_text(float(rule.args['n']))}")
        own.setdefault("_given", set()).add("formula")
        return True

    def place_prices(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        """'plan (basic $8.99, standard $15.49)': a price column follows each value."""
        if own is None or own["type"] != "choice":
            return False
        prices = rule.args["prices"]
        expr = "0"
        for value, price in zip(own["values"], prices):
            if price:
                expr = f"if({own['name']} == {condition_value(value)}, {number_text(price)}, {expr})"
        target = next((c for c in self.columns if c is not own and c["type"] in NUMBERS and
                       re.search(r"(^|_)(price|fee|cost|amount|charge)($|_)", c["name"]) and not given(c, "formula")), None)
        if target is None:
            target = {"name": f"{own['name']}_price", "_words": f"{own['name']} price"}
            self.columns.insert(self.columns.index(own) + 1, target)
        derive(target, expr)
        target.setdefault("_given", set()).add("formula")
        return True

    def place_per(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        return True  # tables per parent: the dataset's concern

    def place_owns(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        return True

    def place_popular(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        hit = self.find(rule.other, ("ref", "choice", "id", "pattern"), values=False)
        if not hit:
            return False
        col = hit.col
        if col["type"] == "ref":
            col["distribution"] = "zipf"
        elif col["type"] == "choice":
            k = len(col.get("values") or [])
            col["weights"] = [round(1 / (i + 1) ** 1.1, 4) for i in range(k)]
        return True

    # -- dependence, collected and placed together --

    def place_more(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        self.deps.append((rule, own))
        return True

    place_rank = place_more
    place_mode = place_more

    def place_corr(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        a = self.find(rule.target, NUMBERS + ("bool",), values=False) if rule.target else None
        b = self.find(rule.other, NUMBERS + ("bool",), values=False)
        a_col = a.col if a else own
        if a_col is None or b is None:
            return False
        sign = int(rule.args.get("sign", 1))
        if a_col["type"] == "bool" and b.col["type"] in NUMBERS:
            chance_from_number(a_col, b.col, sign)
            return True
        if b.col["type"] == "bool" and a_col["type"] in NUMBERS:
            chance_from_number(b.col, a_col, sign)
            return True
        if correlate(a_col, b.col, 0.75 * sign):
            a_col.setdefault("_given", set()).add("depends")
            b.col.setdefault("_given", set()).add("depends")
            return True
        return False

    def place_depends(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        a = self.find(rule.target, NUMBERS + ("bool", "choice"), values=False) if rule.target else None
        a_col = a.col if a else own
        b = self.find(rule.other, NUMBERS + ("choice", "bool"), values=False)
        if a_col is None or b is None or a_col is b.col:
            return False
        if b.col["type"] == "choice" and a_col["type"] in NUMBERS:
            depend_on_rank(a_col, b.col, list(b.col.get("values") or []), 0.3)
            a_col.setdefault("_given", set()).add("depends")
            return True
        if b.col["type"] in NUMBERS and a_col["type"] in NUMBERS:
            return correlate(a_col, b.col, 0.6)
        if a_col["type"] == "bool" and b.col["type"] in NUMBERS:
            chance_from_number(a_col, b.col, 1)
            return True
        return False

    def place_shift(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        """'The treatment arm should drop about 10 mmHg more than placebo': the later measurement
        moves from the baseline, by that much more in one group."""
        group = self.find(rule.other, ("choice",))
        pair = follow_up_pair(self.columns)
        if not pair:
            return False
        base, later = pair
        amount = float(rule.args["amount"])
        spread = abs(amount) * 0.8 or 1
        drift = amount * 0.5
        extra = ""
        if group and group.value is not None:
            extra = f" + if({group.col['name']} == {condition_value(group.value)}, {number_text(amount)}, 0)"
        derive(later, f"round({base['name']} + normal({number_text(drift)}, {number_text(spread)}){extra}, 1)")
        later.setdefault("_given", set()).add("formula")
        return True

    def place(self, rule: Rule, own: dict[str, Any] | None) -> bool:
        handler = getattr(self, f"place_{rule.kind}", None)
        if handler is None:
            from bounds import PLACEMENTS  # numbers bounded by others, values under conditions
            found = PLACEMENTS.get(rule.kind)
            handler = (lambda r, o: found(self, r, o)) if found else None
        if handler is None:
            return False
        try:
            return bool(handler(rule, own))
        except (KeyError, ValueError, TypeError, IndexError, ZeroDivisionError) as err:
            log.info("rule %s not placed: %s", rule.kind, err)
            return False


def ref_path(tables: list[Table], start: Table, goal: Table) -> list[str] | None:
    """The ref columns to follow from one table to another: ['subscription_id', 'plan_id']."""
    by_name = {t.name: t for t in tables}
    queue: list[tuple[Table, list[str]]] = [(start, [])]
    seen = {start.name}
    while queue:
        table, path = queue.pop(0)
        if table is goal:
            return path
        for col in table.columns:
            nxt = by_name.get(col.get("table") or "") if col["type"] == "ref" else None
            if nxt is not None and nxt.name not in seen and len(path) < 3:
                seen.add(nxt.name)
                queue.append((nxt, path + [col["name"]]))
    return None


def default_gap(target: dict[str, Any], other: dict[str, Any]) -> tuple[float, float]:
    from relations import links
    for link in links("order"):
        if rx(link["a"]).search(other["name"]) and rx(link["b"]).search(target["name"]):
            return float(link["days"][0]), float(link["days"][1])
    if target["type"] == "datetime" and other["type"] == "datetime":
        return 0.01, 3.0
    return 0.0, 30.0


def round_to(col: dict[str, Any], x: float, digits: int | None = None) -> float | int:
    if col["type"] == "int" and digits is None:
        return int(round(x))
    return round(x, digits if digits is not None else max(int(col.get("decimals", 2)), 2))


def set_share(col: dict[str, Any], value: Any, p: float) -> None:
    """The weights of a choice column with `value` at share p, the others keeping their proportions."""
    values = col.get("values") or []
    if value not in values:
        return
    weights = list(col.get("weights") or [1.0] * len(values))
    fixed = col.setdefault("_fixed", {})  # shares said before keep theirs: "about half ...; adjustments are rare"
    fixed[value] = p
    free_total = sum(w for v, w in zip(values, weights) if v not in fixed) or 0.0
    left = max(0.0, 1.0 - sum(fixed.values()))
    if free_total <= 0:
        free_total, weights = float(sum(1 for v in values if v not in fixed)) or 1.0, [1.0] * len(values)
    col["weights"] = [round(fixed[v] * 100, 4) if v in fixed else round(w / free_total * left * 100, 4)
                      for v, w in zip(values, weights)]
    col.setdefault("_given", set()).add("share")


def share_weights(weights: list[float], i: int, p: float) -> None:
    others = sum(w for j, w in enumerate(weights) if j != i)
    if others <= 0:
        for j in range(len(weights)):
            weights[j] = 1.0 if j != i else 0.0
        others = len(weights) - 1
    p = min(max(p, 0.0), 1.0)
    scale = 100.0 / others * (1 - p) if others else 0
    for j in range(len(weights)):
        weights[j] = round(weights[j] * scale, 4) if j != i else round(p * 100, 4)


def follow_up_pair(columns: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    from relations import links
    for link in links("follow_up"):
        base = next((c for c in columns if rx(link["a"]).search(c["name"]) and c["type"] in NUMBERS), None)
        later = next((c for c in columns if rx(link["b"]).search(c["name"]) and c["type"] in NUMBERS + ("formula",)
                      and c is not base and not rx(link["a"]).search(c["name"])), None)
        if base and later:
            return base, later
    return None


def make_recurring(placer: Placer, table: Table, col: dict[str, Any], noun: str, n: int, as_table: bool = False) -> bool:
    """A column naming one of n recurring things: n labels for a choice, else a hidden table of n
    rows that the column refers to (its other columns read through it). A time series per thing
    always gets the table, so each thing has its own run of times."""
    if as_table and col["type"] in ("choice", "faker"):
        pass
    elif col["type"] == "choice" and not given(col, "values"):
        label = noun.replace("_", " ").title()
        col["values"] = [f"{label} {i}" for i in range(1, n + 1)] if n <= 1000 else col["values"]
        col.pop("weights", None)
        return True
    elif col["type"] == "choice":
        return True
    if col["type"] == "ref":
        target = next((t for t in placer.resolver.tables if t.name == col.get("table")), None)
        if target and target.rows is not None and target.hidden:
            target.rows = n
        return True
    if col["type"] == "int" and not re.search(r"_id$|(^|_)(number|no)$", col["name"]):
        col.update(min=1, max=n, distribution="uniform")
        col.pop("mean", None)
        col.pop("std", None)
        return True
    entity = entity_table(placer.resolver, noun, n, col)
    keep = {k: col[k] for k in ("name", "description", "_given", "_words", "_concept") if k in col}
    if col["type"] in ("id", "pattern", "int"):
        col.clear()
        col.update(keep, type="ref", table=entity.name)
        move_attributes(table, entity, col, noun)
        return True
    # a name or label of the recurring thing: drawn in the hidden table, read through a ref
    field_col = dict(col)
    field_col["name"] = "label" if col["type"] != "faker" else ("name" if col.get("method") in ("name", "first_name",
                                                                                             "last_name") else "label")
    if col["type"] == "choice" and not given(col, "values") and len(col.get("values") or []) >= max(n, 2) * 3 // 2:
        field_col.update(unique=True)  # real names enough for each thing (tickers, stores): one each
        field_col.pop("weights", None)
    elif col["type"] == "choice" and not given(col, "values"):  # "Campaign 1" ... "Campaign 25", one each
        field_col = {"name": "label", "type": "id", "prefix": noun.replace("_", " ").title() + " "}
    field_col.pop("entity", None)
    for k in list(field_col):
        if k.startswith("_"):
            field_col.pop(k)
    entity.columns.append(field_col)
    ref_name = f"{noun}_id"
    if table.col(ref_name) is None:
        table.columns.insert(table.columns.index(col), {"name": ref_name, "type": "ref", "table": entity.name,
                                                        "hidden": True, "_helper": True})
    col.clear()
    col.update(keep, type="formula", expr=f"{ref_name}.{field_col['name']}")
    if field_col.get("type") == "choice":
        col["_values"] = list(field_col.get("values") or [])  # what other columns may follow (a ticker's price)
    return True


PLACE_ATTRIBUTES = re.compile(r"^(city|town|location|site|region|state|country|latitude|longitude|lat|lon|lng|address|"
                              r"zone|area|district|postcode|zip|zip_code|postal_code|timezone|elevation|altitude)$")


def move_attributes(table: Table, entity: Table, ref: dict[str, Any], noun: str) -> None:
    """What describes a recurring thing (a station's city, a machine's type) is drawn once per
    thing in its hidden table and read through the ref, so it agrees in every row."""
    if PLACE_ATTRIBUTES.match(singular(table.name.split("_")[-1])):
        return
    for col in list(table.columns):
        name = col["name"]
        own = name.startswith(noun + "_") and name != f"{noun}_id"
        if col is ref or not (own or PLACE_ATTRIBUTES.match(name)) or col["type"] in ("formula", "ref", "id") or \
                col.get("after") or col.get("step") or col.get("depends_on") or col.get("_corr") or col.get("_factors"):
            continue
        if any(name in str(c.get("expr", "")) + str(c.get("after", "")) + str(c.get("depends_on", ""))
               for c in table.columns if c is not col):
            continue
        moved = {k: v for k, v in col.items() if not k.startswith("_") and k not in ("null_rate", "null_if")}
        if entity.col(name) is None:
            entity.columns.append(moved)
        keep = {k: col[k] for k in ("name", "description", "_given", "_words", "_concept") if k in col}
        col.clear()
        col.update(keep, type="formula", expr=f"{ref['name']}.{name}")


def entity_table(resolver: Resolver, noun: str, n: int, like: dict[str, Any] | None = None) -> Table:
    """A hidden table of n recurring things (drivers, meters, agents) that columns refer to."""
    name = snake(plural(noun), 40) or "entities"
    existing = next((t for t in resolver.tables if t.name == name), None)
    if existing:
        existing.rows = n
        return existing
    key: dict[str, Any] = {"name": f"{snake(noun, 30)}_id", "type": "id"}
    if like and like.get("type") == "id" and like.get("prefix"):
        key.update(prefix=like["prefix"], width=like.get("width", 5))
    elif like and like.get("type") == "pattern":
        key.update(prefix=re.sub(r"[^A-Za-z-]", "", (like.get("pattern") or "").split("#")[0])[:6] or
                   noun[:3].upper() + "-", width=4)
    else:
        key.update(prefix=noun[:3].upper() + "-", width=4)
    table = Table(name, [key], rows=n, hidden=True, entity=noun)
    resolver.tables.insert(0, table)
    return table


def plural(noun: str) -> str:
    if noun in ("sales", "news", "series", "species", "analytics", "data", "media", "staff", "equipment", "people"):
        return noun
    if noun.endswith("y") and not noun.endswith(("ay", "ey", "oy", "uy")):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def apply_rules(designer: Any, resolver: Resolver, table: Table, own: list[tuple[Rule, dict[str, Any]]],
                rules: list[Rule], ctx: Any, notes: list[str]) -> Placer:
    """Every rule placed on the table's columns, in an order where each sees what it needs:
    ranges and shares first, then formulas and dates, then recurring things, then dependence."""
    placer = Placer(designer, resolver, table, ctx, notes)
    pending: list[tuple[Rule, dict[str, Any] | None]] = list(own) + [(r, None) for r in rules]
    merged: dict[int, Rule] = {}
    for rule, col in list(pending):  # one column's several words about its distribution, together
        if rule.kind == "dist" and col is not None:
            first = merged.get(id(col))
            if first is None:
                merged[id(col)] = rule
            else:
                first.args = {**first.args, **rule.args}
                pending.remove((rule, col))
    pending.sort(key=lambda rc: ORDER.index(rc[0].kind) if rc[0].kind in ORDER else len(ORDER))
    for rule, col in pending:
        if not placer.place(rule, col) and rule.kind not in ("alias", "whether", "per", "owns"):
            placer.note(rule)
    from dependence import finish_dependences  # placed last, after every other statement
    finish_dependences(placer)
    return placer
