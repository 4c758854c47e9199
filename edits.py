"""Editing a designed schema by an instruction, read by the same grammar as a description:

    "make ages 30 to 50"           -> the age column's range
    "add a loyalty tier"           -> a new column, drafted like a listed field
    "drop the email"               -> the column gone, and what read it drawn on its own
    "make churn 10%"               -> the churn flag true in 10% of rows
    "rename amount to total"       -> the column and every reference to it
    "use German names"             -> the locale

Several instructions may be joined ("make ages 30 to 50 and add a loyalty tier"). What cannot be
placed is said in the assumptions; the rest of the schema is left as it was.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from assembly import assemble
from constraints import Placer, Resolver, Table, apply_item, mention_tokens
from dependence import finish_dependences
from formula import parse_formula
from clauses import read_item, read_rules
from phrases import Rule, ascii_fold, normalize, split_items
from relations import add_relations
from schema import Schema, snake

DROP = re.compile(r"^(?:please\s+)?(?:drop|remove|delete|omit|exclude|get rid of|leave out|take out|lose|no)\s+(?:the\s+)?(.+?)"
                  r"(?:\s+(?:column|field|columns|fields))?$", re.I)
ADD = re.compile(r"^(?:please\s+)?(?:add|include|also include|append|insert|put in|give (?:it|them|each row)|"
                 r"we also need|also need|plus)\s+(?:an?\s+|the\s+|some\s+)?(.+?)(?:\s+(?:column|field))?$", re.I)
RENAME = re.compile(r"^(?:please\s+)?rename\s+(?:the\s+)?(.+?)\s+(?:column\s+|field\s+)?(?:to|as|into)\s+(.+)$", re.I)
CHANGE = re.compile(r"^(?:please\s+)?(?:make|set|change|update|let|have|limit|restrict|keep|turn)\s+(?:the\s+|all\s+)?(.+?)$",
                    re.I)
LOCALE = re.compile(r"\b(?:locale|language|country|names?|addresses|data)\b.*\b(?:to|in|from|as)\b|^(?:use|switch to|make it)\b",
                    re.I)


def edit_schema(designer: Any, schema: Schema, instruction: str) -> tuple[dict[str, Any], list[str]]:
    """The schema as a dict changed by the instruction, and what was assumed or not understood."""
    text = normalize(instruction).strip(" .!")
    tables = tables_of(schema)
    main = schema.main_table().name
    ctx = SimpleNamespace(text=text, domain=None, locale=schema.locale, currency="USD", subject=schema.name,
                          entity="", domain_id=None)
    ctx.domain = designer.vocab.domain([w for w in mention_tokens(schema.name + " " + " ".join(
        c["name"] for t in tables for c in t.columns))])
    ctx.domain_id = ctx.domain["id"] if ctx.domain else None
    resolver = Resolver(designer, tables, ctx)
    notes: list[str] = []
    changed = False
    for clause in clauses(text):
        done = edit_one(designer, resolver, tables, main, clause, ctx, notes)
        changed = changed or done
        if not done:
            notes.append(f"the instruction {clause!r} was not understood; that part of the schema is unchanged")
    for table in tables:
        if table.data is None:
            add_relations(table.columns, ctx.domain_id)
    data = assemble(resolver.tables, ctx, main=main if any(t.name == main for t in resolver.tables) else tables[0].name)
    if schema.one_table and "columns" in data:
        data["name"] = schema.name
    return data, notes


def clauses(text: str) -> list[str]:
    """'make ages 30 to 50 and add a loyalty tier' -> two instructions (ranges keep their 'and')."""
    protected = re.sub(r"\b(between\s+\S+)\s+and\s+", lambda m: m.group(1) + " \x02 ", text, flags=re.I)
    protected = re.sub(r"\([^()]*\)", lambda m: m.group(0).replace(",", "\x03").replace(";", "\x04")
                       .replace(" and ", " \x02 "), protected)  # "(A if 70 or more, B if 60-69, otherwise F)"
    parts = re.split(r"\s*(?:;|,\s*(?:and\s+|then\s+)?|\s+and\s+(?=(?:make|set|add|drop|remove|delete|rename|change|"
                     r"include|use|switch|update|limit|keep|turn)\b)|\s+then\s+)\s*", protected, flags=re.I)
    return [p.replace("\x02", "and").replace("\x03", ",").replace("\x04", ";").strip() for p in parts if p and p.strip()]


def tables_of(schema: Schema) -> list[Table]:
    out = []
    public = schema.public()
    bodies = public.get("tables") or [dict(public, name=schema.tables[0].name)]
    for body in bodies:
        columns = [dict(c) for c in body.get("columns") or []]
        for col in columns:
            col["_given"] = {"values", "range", "formula", "after", "depends", "window"}
            col["_words"] = col.get("description") or col["name"].replace("_", " ")
        corr = body.get("correlations")
        if corr:
            names = corr["columns"]
            for i, a in enumerate(names):
                for j in range(i + 1, len(names)):
                    if abs(corr["matrix"][i][j]) > 1e-9:
                        col = next((c for c in columns if c["name"] == a), None)
                        if col is not None:
                            col.setdefault("_corr", []).append((names[j], corr["matrix"][i][j]))
        table = Table(body["name"], columns, rows=body.get("rows"), per=body.get("per"), data=body.get("data"),
                      hidden=bool(body.get("hidden")))
        out.append(table)
    return out


def edit_one(designer: Any, resolver: Resolver, tables: list[Table], main: str, clause: str, ctx: Any,
             notes: list[str]) -> bool:
    home = next((t for t in tables if t.name == main), tables[0])
    m = RENAME.match(clause)
    if m:
        return rename(resolver, home, m.group(1), m.group(2))
    m = DROP.match(clause)
    if m:
        return drop(resolver, home, m.group(1), notes)
    locale = locale_in(designer, clause)
    if locale and LOCALE.search(clause):
        ctx.locale = locale
        return True
    m = ADD.match(clause)
    if m:
        words = m.group(1)
        place = re.match(r"(.+?)\s+(?:to|for|in|into|on)\s+(?:the\s+|each\s+|every\s+|all\s+)?([\w ]+?)(?:\s+table)?$", words, re.I)
        target = table_named(tables, place.group(2)) if place else None
        if target is not None:
            home, words = target, place.group(1)
        return add(designer, resolver, home, words, ctx, notes)
    m = CHANGE.match(clause)
    body = m.group(1) if m else clause
    body = re.sub(r"(?<![\d%])\s+(?:to be|be|into|to)\s+(?![\d$€£¥₹-])", " ", body, count=1, flags=re.I)
    return change(designer, resolver, home, body, ctx, notes)


def table_named(tables: list[Table], words: str) -> Table | None:
    wanted = [w for w in mention_tokens(words)]
    for table in tables:
        names = set(mention_tokens(table.name.replace("_", " ")))
        if wanted and set(wanted) <= names and table.data is None:
            return table
    return None


def locale_in(designer: Any, clause: str) -> str | None:
    words = mention_tokens(clause)
    for needle, info in designer.vocab.locale_words.items():
        if list(needle) == words[-len(needle):] or any(list(needle) == words[i:i + len(needle)] for i in range(len(words))):
            return info.get("locale")
    return None


def find_column(resolver: Resolver, home: Table, words: str) -> tuple[Table, dict[str, Any]] | None:
    hit = resolver.find(words, home, values=False)
    if hit is None or hit.score < 0.5:
        return None
    return hit.table, hit.col


def drop(resolver: Resolver, home: Table, words: str, notes: list[str]) -> bool:
    """Columns gone; a column that read one is drawn on its own, as its name suggests."""
    dropped = False
    for part in split_items(words):
        found = find_column(resolver, home, part)
        if found is None:
            continue
        table, col = found
        if table.key() is col and any(c.get("table") == table.name for t in resolver.tables for c in t.columns):
            notes.append(f"{col['name']} is the key other tables refer to; it was kept")
            continue
        table.columns.remove(col)
        for other in table.columns:
            other["_corr"] = [(n, r) for n, r in other.get("_corr", []) if n != col["name"]]
            if reads(other, col["name"]):
                free_column(other)
                notes.append(f"{other['name']} read {col['name']}; it is now drawn on its own")
        dropped = True
    return dropped


def reads(col: dict[str, Any], name: str) -> bool:
    names: list[str] = []
    for key in ("expr", "null_if"):
        if col.get(key):
            try:
                names += list(parse_formula(col[key], col["name"]).names)
            except Exception:
                names.append(name)
    names += [col[k] for k in ("after", "depends_on", "per") if col.get(k)]
    return any(n == name or n.split(".")[0] == name for n in names)


def free_column(col: dict[str, Any]) -> None:
    """A column that read a dropped one, drafted again from its own name."""
    from designer import OfflineDesigner  # noqa: F401  (the drafting lives there)
    name = col["name"]
    if col.get("after"):
        for key in ("after", "min_days", "max_days"):
            col.pop(key, None)
        col.update(start="-2y", end="today")
    if col.get("depends_on"):
        col.pop("depends_on", None)
        col.pop("cases", None)
    if col.get("null_if"):
        col.pop("null_if", None)
        col["null_rate"] = col.get("null_rate") or 0.2
    if col.get("per"):
        col.pop("per", None)
        col.pop("step", None)
    if col["type"] == "formula":
        keep = {k: col[k] for k in ("name", "description", "_words") if k in col}
        col.clear()
        col.update(keep, type="float", min=0, max=1000, distribution="lognormal", mean=80, std=90, decimals=2)
        col["name"] = name


def rename(resolver: Resolver, home: Table, old: str, new: str) -> bool:
    found = find_column(resolver, home, old)
    if found is None:
        return False
    table, col = found
    old_name, new_name = col["name"], snake(ascii_fold(new), 64)
    if not new_name or table.col(new_name) is not None:
        return False
    col["name"] = new_name
    pattern = re.compile(rf"(?<![\w.]){re.escape(old_name)}(?![\w])")
    for other in table.columns:
        for key in ("expr", "null_if"):
            if other.get(key):
                other[key] = pattern.sub(new_name, other[key])
        for key in ("after", "depends_on", "per"):
            if other.get(key) == old_name:
                other[key] = new_name
        other["_corr"] = [(new_name if n == old_name else n, r) for n, r in other.get("_corr", [])]
    return True


def add(designer: Any, resolver: Resolver, home: Table, words: str, ctx: Any, notes: list[str]) -> bool:
    """A new column drafted like a listed field, with what its words say placed on it."""
    added = False
    for part in split_items(words):
        item = read_item(part)
        draft = designer.column(item, ctx)
        if draft is None or draft.weak and not (item.values or item.low is not None or item.boolean):
            if draft is None:
                continue
        col = draft.column
        if home.col(col["name"]) is not None:
            notes.append(f"a column named {col['name']} was already there")
            continue
        home.columns.append(col)
        placer = Placer(designer, resolver, home, ctx, notes)
        for rule in item.rules:
            placer.place(rule, col)
        added = True
    return added


def change(designer: Any, resolver: Resolver, home: Table, body: str, ctx: Any, notes: list[str]) -> bool:
    """'ages 30 to 50', 'churn 10%', 'the email unique', 'prices between 5 and 50 euros'."""
    item = read_item(body)
    unique = bool(re.search(r"\bunique\b", body, re.I))
    target = item.text or body
    if not item.text and item.rules:  # "churn 10%": the share's words name the column
        target = next((r.target for r in item.rules if r.target), body)
    found = find_column(resolver, home, target)
    if found is None:
        rules, _ = read_rules(body)
        placer = Placer(designer, resolver, home, ctx, notes)
        placed = False
        for rule in rules:
            placed = placer.place(rule, None) or placed
        finish_dependences(placer)
        return placed
    table, col = found
    done = False
    if item.low is not None or item.high is not None or item.values or item.boolean:
        new = apply_item(strip_relations(col), item)
        keep = {k: v for k, v in col.items() if k.startswith("_") or k in ("name", "description", "null_rate")}
        col.clear()
        col.update(new, **keep)
        done = True
    if unique and col["type"] in ("id", "pattern", "faker", "int", "choice"):
        col["unique"] = True
        done = True
    placer = Placer(designer, resolver, table, ctx, notes)
    for rule in item.rules:
        if rule.kind == "share" and rule.target and col["type"] == "bool":
            rule = Rule("share", target="", args=rule.args, text=rule.text)
        done = placer.place(rule, col) or done
    finish_dependences(placer)
    m = re.search(r"\b(?:optional|nullable|sometimes (?:empty|blank|missing))\b", body, re.I)
    if m:
        col["null_rate"] = col.get("null_rate") or 0.2
        done = True
    return done


def strip_relations(col: dict[str, Any]) -> dict[str, Any]:
    """A column as drawn on its own: a new range replaces the formula or the cases it had."""
    out = {k: v for k, v in col.items() if not k.startswith("_")}
    for key in ("depends_on", "cases"):
        out.pop(key, None)
    if out.get("type") == "formula":
        out = {"type": "float", "decimals": 2}
    return out
