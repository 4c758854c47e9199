"""Datasets of several tables: a description that names several things ("customers and their
orders", "a library with members, books and loans", "School database: students, courses,
enrollments with grades") becomes one table per thing, tied by refs.

Which things exist, their usual fields and how they relate (an order belongs to a customer and
has 1-5 items; a loan is of a member and a book) is knowledge in vocab.json ("entities"); what the
description says wins: "each patient has 0-6 appointments" sets the per range, "300 students"
a table's size, "movies (title, genre, release year)" its fields. Things whose fields must agree
(a product's category and price, a book's author) come from real records (records.json) as
`data` tables. The table of events (orders, loans, ratings) is the main one: the request's rows.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from assembly import assemble, money_scale
from constraints import Resolver, Table, apply_rules, plural
from clauses import read_item, read_rules
from phrases import PARENS, Item, Rule, ascii_fold, singular, split_items
from relations import add_relations
from schema import snake

RECORDS_PATH = Path(__file__).resolve().parent / "records.json"
ENTITY_MARKERS = re.compile(r"(?<!\d):(?!\d)|\s-\s|\b(?:with|containing|including|has|have|of|tracking|storing|"
                            r"covering|across)\b", re.I)
NOT_ENTITY_HEADS = {"data", "dataset", "database", "table", "tables", "record", "system", "schema", "app", "platform",
                    "information", "info", "details", "list", "log", "logs"}
DEFAULT_ROWS = 100


def load_records() -> dict[str, Any]:
    try:
        return json.loads(RECORDS_PATH.read_text(encoding="utf-8")).get("tables", {})
    except (OSError, ValueError):
        return {}


# --- finding the things a description names ---

def find_entities(designer: Any, sents: list[str]) -> list[dict[str, Any]]:
    """The things named together in the first sentences, each with its fields and statements;
    [] when fewer than two are named."""
    context = set(w for s in sents for w in designer_tokens(s))
    for sent in sents[:2]:
        found = entity_list(designer, sent, context)
        if not found and ":" in sent:  # "Doctors, patients and appointments: every appointment has ..."
            head, rest = sent.split(":", 1)
            found = entity_list(designer, head, context)
            m = re.match(r"\s*(?:each|every|an?|the)\s+([\w-]+)\s+(?:has|have|gets?|includes?|contains?|records?|"
                         r"stores?|holds?)\s+(.+)$", rest, re.I)
            owner = next((s for s in found if m and singular(m.group(1).lower()) in (s["noun"], singular(s["table"]))),
                         None)
            if owner is not None:  # its fields, without the other things it names ("one doctor")
                others = {s["noun"] for s in found}
                owner["fields"] += [f for f in split_items(m.group(2))
                                    if not (set(designer_tokens(f)) & others) and f not in owner["fields"]]
        if found:
            return found + implied_entities(designer, found, sents, context)
    for sent in sents[:2]:  # "customers and their orders"
        m = re.search(r"\b([A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*)?)\s+(?:and|with)\s+(?:all\s+)?their\s+([A-Za-z][\w-]*"
                      r"(?:\s+[A-Za-z][\w-]*)?)", sent)
        if m:
            a, b = entity_spec(designer, m.group(1), context), entity_spec(designer, m.group(2), context)
            if a and b:
                b["rules"].append(Rule("owns", target=b["noun"], other=a["noun"], text=m.group(0)))
                return [a, b]
    return []


def implied_entities(designer: Any, found: list[dict[str, Any]], sents: list[str], context: set[str]) -> list[dict[str, Any]]:
    """Things a statement names that the list did not: 'each order has 1-5 items' adds the items."""
    known = {s["table"] for s in found}
    kinds = {(s["entity"] or {}).get("id"): s for s in found if s["entity"]}
    extra: list[dict[str, Any]] = []
    for sent in sents:
        m = re.search(r"\beach\s+\w+\s+(?:has|have|gets?)\s+[\d\s-]*[a-z][\w\s-]*?\s+with\s+(.+)$", sent, re.I)
        with_fields = split_items(m.group(1)) if m else []
        for rule in read_rules(sent)[0] + [r for s in found for r in s["rules"] if sent is sents[0]]:
            if rule.kind != "per":
                continue
            spec = entity_spec(designer, rule.target, context)
            if spec is None:
                continue
            same = kinds.get((spec["entity"] or {}).get("id"))
            if same is not None:  # "maintenance records ... each vehicle has 0-10 service visits": the same thing
                same["fields"] += [f for f in with_fields if f not in same["fields"]]
                same["aliases"] = same.get("aliases", []) + [spec["noun"]]
                continue
            if spec["table"] not in known:
                spec["fields"] += with_fields
                known.add(spec["table"])
                extra.append(spec)
    return extra


def designer_tokens(text: str) -> list[str]:
    return [singular(t) for t in re.findall(r"[a-z0-9]+", ascii_fold(text).lower())]


def entity_list(designer: Any, sent: str, context: set[str]) -> list[dict[str, Any]]:
    candidates = [(m.start(), m.end()) for m in ENTITY_MARKERS.finditer(sent)] + [(0, 0)]
    for start, end in candidates:
        body = sent[end:]
        raw = split_items(re.sub(r"\b(per|for each)\s+(\w+)\s+and\s+(\w+)", r"\1 \2 & \3", body))
        head = sent[:start].strip()
        setting = ""
        if head and re.search(r"\bwith\b", sent[start:end], re.I):
            if is_setting(designer, head, raw, context):
                setting = head  # "An online shop with customers, products and orders": the dataset, not a table
            else:
                raw = [head] + raw  # "Hospital wards with beds, ...": the wards are one of the things
        if len(raw) < 2:
            continue
        specs = [entity_spec(designer, r, context) for r in raw]
        with_list = bool(head and raw and raw[0] == head)
        for i in range(1, len(specs)):  # "books with title and author": a book's author, not a table of authors
            with_list = with_list or bool(re.search(r"\bwith\b", raw[i - 1], re.I))
            last = re.findall(r"[A-Za-z]+", raw[i].split("(")[0])[-1:]
            if with_list and specs[i] is not None and last and singular(last[0].lower()) == last[0].lower() and \
                    not specs[i]["rules"] and "(" not in raw[i] and len(raw[i].split()) <= 2:
                specs[i] = None
        for i in range(1, len(specs)):  # "bookings with check-in and check-out dates": both dates are its fields
            if specs[i] is None and specs[i - 1] is not None and specs[i - 1]["fields"] and \
                    re.search(r"\bwith\b", raw[i - 1], re.I):
                specs[i - 1]["fields"].append(raw[i])
                raw[i] = ""
        raw = [r for r in raw if r]
        if head and raw and raw[0] == head and specs and specs[0] is None:
            raw, specs = raw[1:], specs[1:]
        found = [s for s in specs if s]
        if len(found) >= 2 and len(found) * 5 >= len(raw) * 3:
            seen, out = set(), []
            for spec in found:
                if spec["table"] not in seen:
                    seen.add(spec["table"])
                    out.append(spec)
            if len(out) >= 2:
                if setting:
                    out[0]["setting"] = setting
                return out
    return []


def is_setting(designer: Any, head: str, items: list[str], context: set[str]) -> bool:
    """'An online shop with customers, products and orders', 'a library with members, books and
    loans': one place (a singular noun) that holds several things names the dataset; 'Hospital wards
    with beds, patients' (plural) lists the wards as one of the things."""
    words = re.findall(r"[A-Za-z][\w'-]*", head.split("(")[0])
    if not words or len(words) > 5 or re.search(r"\d", head):
        return False
    last = words[-1].lower()
    if singular(last) != last or last.endswith("s") and not last.endswith("ss"):
        return False
    things = [entity_spec(designer, it, context) for it in items[:6]]
    return sum(1 for t in things if t) >= 2


def entity_spec(designer: Any, raw: str, context: set[str]) -> dict[str, Any] | None:
    """One named thing: 'movies (title, genre, release year)', 'enrollments with grades',
    'orders where each order has 1-5 items', 'clubs (8 locations)'."""
    text = raw.strip()
    fields: list[str] = []
    rules: list[Rule] = []
    for inner in PARENS.findall(text):
        inner_rules, rest = read_rules(f"{text.split('(')[0].strip()} ({inner})")
        counts = [r for r in inner_rules if r.kind == "count"]
        if counts:
            rules += counts
        elif "," not in inner and len(inner.split()) <= 3 and inner.split()[-1].lower().endswith("s") and \
                not designer.names_field(inner):
            pass  # "shipment events (tracking scans)": another name for the thing
        elif not re.search(r"\d+\s*%|\bthan\b", inner):
            parts = split_items(inner)
            if parts and all(len(p.split()) <= 5 for p in parts):
                fields += parts
        text = text.replace(f"({inner})", " ")
    m = re.search(r"\b(?:with|including|having|that have|which have)\s+(.+)$", text, re.I)
    if m:
        fields += split_items(m.group(1))
        text = text[:m.start()]
    text = re.sub(r"\b(?:of|for|at|in|on|from|by)\s+(?:those|these|the|their|its|each|every|all)\b.*$", "", text,
                  flags=re.I)  # "bookings of those rooms": bookings
    text = re.sub(r"\b(?:that|which|who|whom)?\s*\b(?:they|he|she|it|we|you)\s+\w+.*$", "", text, flags=re.I)
    text = re.sub(r"\s+(?:who|which|that|whose)\s+\w+.*$", "", text, flags=re.I)  # "attendees who register for ..."
    text = re.sub(r"\s+(?:per|for each|for every)\s+.*$", "", text, flags=re.I)  # "daily sales per store and product"
    tied = re.search(r"\s+(?:admitted|assigned|registered|enrolled|located|stationed|placed|attached|allocated|booked|"
                     r"linked|belonging)\s+(?:to|in|at|into|for)\s+(?:a|an|the|their|its|one)?\s*([\w'-]+)", text, re.I)
    if tied:  # "patients admitted to beds": each patient has a bed
        rules.append(Rule("owns", target=text[:tied.start()].strip(), other=tied.group(1), text=tied.group(0)))
        text = text[:tied.start()]
    clause_rules, rest = read_rules(text)
    rules += clause_rules
    owns = next((r for r in clause_rules if r.kind == "owns"), None)
    count = next((r for r in clause_rules if r.kind == "count"), None)
    if owns and not designer_tokens(rest):  # "members belonging to a home club": the members
        rest = owns.target
    elif count and not designer_tokens(rest):  # "12 hotels": hotels, twelve of them
        rest = count.target
    rest = re.sub(r"\b(?:where|which|that|who|whose)\b.*$", "", rest, flags=re.I)
    if re.match(r"\s*(?:the\s+)?(?:number|count|no|num|total|amount|quantity|share|percentage)\s+of\b", rest, re.I):
        return None  # "number of parcels" is a field of the thing, not a table of parcels
    words = [w for w in designer_tokens(rest) if w not in ("a", "an", "the", "all", "some", "their", "its", "our")]
    words = [w for w in words if not w.isdigit()]
    if words and words[0] in ("daily", "weekly", "monthly", "hourly", "yearly", "annual"):
        rules.append(Rule("step", target=" ".join(words[1:]), args={"step": {"daily": "1d", "weekly": "1w", "monthly": "1mo",
                                                                            "hourly": "1h"}.get(words[0], "1y")}))
        words = words[1:]
    if not words or len(words) > 3 or (words[-1] in NOT_ENTITY_HEADS and not (words[-1] in ("record", "log") and
                                                                            len(words) >= 2)):
        return None
    known = designer.vocab.entity(words, context)
    head_raw = re.findall(r"[A-Za-z][\w'-]*", rest)
    plural_word = bool(head_raw) and head_raw[-1].lower().endswith("s") and not head_raw[-1].lower().endswith("ss")
    as_field = read_item(rest)
    if as_field.low is not None or as_field.high is not None or as_field.values or re.search(r"\d", rest):
        return None  # "nights 1-14" is a field
    if known is None:
        if not plural_word or designer.names_field(as_field.text or rest) or len(words) > 2:
            return None
    noun = " ".join(words)
    table = snake(plural(noun), 40)  # the user's own word for it: "purchases", "professors", "visits"
    if known and words[-1] in ("item", "line") and len(words) == 1:
        table = known["table"]  # "items" of orders are order items
    return {"noun": noun, "entity": known, "table": table, "fields": fields, "rules": rules, "source": raw}


# --- designing the tables ---

def design_dataset(designer: Any, reading: Any, ctx: Any, notes: list[str]) -> dict[str, Any]:
    specs = reading.entities
    records = load_records()
    by_noun: dict[str, dict[str, Any]] = {}
    for spec in specs:
        by_noun[spec["noun"]] = spec
        by_noun.setdefault(spec["noun"].split()[-1], spec)
        if spec["entity"]:
            by_noun.setdefault(spec["entity"]["id"], spec)
    own_fields = fields_by_entity(designer, reading, specs)
    tables: dict[str, Table] = {}
    drafts_by_table: dict[str, list[Any]] = {}
    for spec in specs:
        table, drafts = entity_table_draft(designer, spec, own_fields.get(spec["table"], []), ctx, records)
        tables[spec["table"]] = table
        drafts_by_table[spec["table"]] = drafts
    links = relationships(designer, specs, reading, by_noun)
    counts = stated_counts(reading, specs, by_noun)
    main = choose_main(specs, links, counts)
    wire(specs, tables, links, counts, main, notes)
    ordered = [tables[s["table"]] for s in specs]
    resolver = Resolver(designer, ordered, ctx)
    for spec in specs:
        table = tables[spec["table"]]
        if table.data is not None:
            continue
        money_scale(designer, table.columns, ctx)
    for head, items, _ in reading.lists:  # "Plans: Free, Pro ($29/mo), Business ($99/mo)"
        listed = value_list(head, items)
        if listed:
            place_value_list(listed, [tables[s["table"]] for s in specs if tables[s["table"]].data is None],
                             tables[main])
    rules = [r for r in reading.rules if r.kind not in ("per", "owns", "count")]
    homes = rule_homes(resolver, rules, tables[main])
    for spec in specs:
        table = tables[spec["table"]]
        if table.data is not None:
            continue
        own = [(rule, d.column) for d in drafts_by_table[spec["table"]] if d.item for rule in d.item.rules]
        mine = [r for r in rules if homes.get(id(r)) is table] + [r for r in spec["rules"] if r.kind not in (
            "per", "owns", "count")]
        apply_rules(designer, resolver, table, own, mine, ctx, notes)
        add_relations(table.columns, ctx.domain_id)
    follow_parent_dates(designer, specs, tables)
    totals_from_lines(tables)
    notes.append(f"{len(specs)} tables were made ({', '.join(s['table'] for s in specs)}); "
                 f"the request's rows are {main}")
    setting = next((s["setting"] for s in specs if s.get("setting")), "")
    name = snake(re.sub(r"^\s*(?:an?|the|our|my)\s+", "", setting, flags=re.I), 40) if setting else ""
    return assemble(resolver.tables, ctx, main=main, name=name)


def fields_by_entity(designer: Any, reading: Any, specs: list[dict[str, Any]]) -> dict[str, list[Item]]:
    """Fields the description lists for each thing: in its parentheses, after 'with', or in a
    sentence about it ('appointments have a date, doctor, reason and a status')."""
    out: dict[str, list[Item]] = {}
    for spec in specs:
        out[spec["table"]] = [read_item(f) for f in spec["fields"]]
    entity_words = {spec["table"]: designer_tokens(spec["noun"])[-1:] for spec in specs}
    for head, items, sentence in reading.lists:
        head_words = designer_tokens(head)
        at = {t: head_words.index(w[0]) for t, w in entity_words.items() if w and w[0] in head_words}
        owner = min(at, key=at.get) if at else None  # "A shipment leaves a warehouse, has ...": the shipment
        if owner is None and sentence == 0:
            continue  # the sentence naming the things themselves
        if owner is None:
            continue
        out[owner] = out.get(owner, []) + [it for it in items if not is_entity_item(designer, it, specs)]
    return out


def is_entity_item(designer: Any, item: Item, specs: list[dict[str, Any]]) -> bool:
    words = designer_tokens(item.text)
    if any(s["source"].strip().lower() == item.source.strip().lower() for s in specs):
        return True
    return any(words and words[-1] == designer_tokens(s["noun"])[-1] for s in specs)


def entity_table_draft(designer: Any, spec: dict[str, Any], fields: list[Item], ctx: Any,
                       records: dict[str, Any]) -> tuple[Table, list[Any]]:
    entity = spec["entity"] or {}
    noun = spec["noun"].split()[-1]
    key_name = f"{snake(noun, 30)}_id"
    record_table = records.get(entity.get("records") or "")
    names = [snake(ascii_fold(f.text), 40) for f in fields if f.text]
    if record_table and covered_by_records(names, record_table):
        return records_table(spec, record_table, key_name, names), []
    template = [read_item(f) for f in entity.get("fields") or [f"{noun} id", "name"]]
    by_name = {snake(ascii_fold(t.text), 40): t for t in template}
    fields = [by_name.get(snake(ascii_fold(f.text), 40), f) if not (f.values or f.low is not None or f.high is not None
                                                                    or f.rules) else f for f in fields]
    items = fields if fields else template
    ctx = copy.copy(ctx)
    ctx.subject, ctx.entity = spec["noun"], noun   # "name" in a table of members is a member's name
    drafts = [d for d in (designer.column(it, ctx, role_hint=noun) for it in items) if d]
    if fields and entity.get("label"):  # the thing keeps its name beside the fields asked for
        label = read_item(entity["label"])
        named = {d.name for d in drafts}
        label_draft = designer.column(label, ctx, role_hint=noun)
        if label_draft and label_draft.name not in named and not any(d.type == "faker" and d.column.get("method") == "name"
                                                                     for d in drafts):
            drafts.insert(0, label_draft)
    columns = [d.column for d in drafts if not (d.type == "id" and d.name != key_name)]
    for col in columns:
        if col["type"] == "faker" and col.get("entity"):
            col.pop("entity")
    columns = [c for c in columns if c["name"] != key_name]
    key = {"name": key_name, "type": "id", "prefix": noun[:3].upper() + "-", "width": 5}
    table = Table(spec["table"], [key] + dedupe_columns(columns), entity=noun)
    return table, drafts


def dedupe_columns(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for col in columns:
        if col["name"] in seen:
            continue
        seen.add(col["name"])
        out.append(col)
    return out


def covered_by_records(names: list[str], record_table: dict[str, Any]) -> bool:
    fields = record_table["fields"]
    return all(any(re.fullmatch(pattern, n) or re.search(rf"(^|_)({pattern})($|_)", n) for pattern in fields.values())
               for n in names if n and not n.endswith("_id"))


def records_table(spec: dict[str, Any], record_table: dict[str, Any], key_name: str, names: list[str]) -> Table:
    """Real records as a data table: the fields asked for (all of them when none were), keyed 1..n."""
    fields = list(record_table["fields"])
    if names:
        wanted = [f for f in fields if any(re.fullmatch(record_table["fields"][f], n) or
                                           re.search(rf"(^|_)({record_table['fields'][f]})($|_)", n) for n in names)]
        fields = wanted or fields
    data = [{key_name: i + 1, **{f: row.get(f) for f in fields}} for i, row in enumerate(record_table["rows"])]
    return Table(spec["table"], [], data=data, entity=spec["noun"])


# --- how the tables relate ---

def relationships(designer: Any, specs: list[dict[str, Any]], reading: Any,
                  by_noun: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """(child, parent) links: stated ones first ('each order has 1-5 items'), then the knowledge's."""
    links: list[dict[str, Any]] = []

    def spec_of(words: str) -> dict[str, Any] | None:
        tokens = designer_tokens(words)
        if not tokens:
            return None
        for size in (len(tokens), 1):
            key = " ".join(tokens[-size:])
            if key in by_noun:
                return by_noun[key]
        known = designer.vocab.entity(tokens)
        return by_noun.get(known["id"]) if known else None

    all_rules = list(reading.rules) + [r for s in specs for r in s["rules"]]
    for rule in all_rules:
        if rule.kind not in ("per", "owns"):
            continue
        child, parent = spec_of(rule.target), spec_of(rule.other)
        if child is None and rule.kind == "per" and parent is not None:
            child = next((s for s in specs if s is not parent and any(
                r.get("to") == (parent["entity"] or {}).get("id") for r in (s["entity"] or {}).get("refs", []))), None)
        if not child or not parent or child is parent:
            continue
        link = {"child": child["table"], "parent": parent["table"], "stated": True}
        if rule.kind == "per":
            lo, hi = rule.args["lo"], rule.args["hi"]
            link["per"] = [lo, hi, (lo + hi) / 2]
            link["said"] = True  # "each with 10-40 employees": the count per parent was asked for
        else:
            known = next((r for r in (child["entity"] or {}).get("refs", []) if r.get("to") == (parent["entity"] or {}).get("id")), {})
            link["per"] = known.get("per") or [0, 6, 2]
        links.append(link)
    present = {(s["entity"] or {}).get("id"): s for s in specs if s["entity"]}
    for spec in specs:
        for ref in (spec["entity"] or {}).get("refs", []):
            parent = present.get(ref["to"])
            if parent is None or parent is spec:
                continue
            if any(l["child"] == spec["table"] and l["parent"] == parent["table"] and not ref.get("name") for l in links):
                continue
            links.append({"child": spec["table"], "parent": parent["table"], "per": ref.get("per"),
                          "zipf": ref.get("zipf", False), "copy": ref.get("copy"), "name": ref.get("name")})
    parents_of: dict[str, set[str]] = {}
    for link in links:
        parents_of.setdefault(link["child"], set()).add(link["parent"])
    named = {(l["child"], l["parent"]): l["name"] for l in links if l.get("name")}
    for link in links:  # a stated link takes the knowledge's name for it ("home_club_id")
        if link.get("stated") and (link["child"], link["parent"]) in named:
            link["name"] = named[(link["child"], link["parent"])]
    links = [l for i, l in enumerate(links) if not any(m is not l and m["child"] == l["child"] and m["parent"] == l["parent"]
                                                       and m.get("name") == l.get("name") and m.get("stated")
                                                       and not l.get("stated") for m in links)]
    owners = {(l["child"], l["parent"]) for l in links if l.get("per")}
    kept = []
    for l in links:  # an invoice's account is its subscription's: read through it, not drawn again
        via = next((q for q in parents_of.get(l["child"], set()) if q != l["parent"] and (l["child"], q) in owners
                    and (q, l["parent"]) in owners), None)
        if via and not l.get("stated") and not l.get("name"):
            l = dict(l, via=via)
        kept.append(l)
    links = kept
    linked = {l["child"] for l in links} | {l["parent"] for l in links}
    for i, spec in enumerate(specs):  # things the knowledge does not relate: the last one refers to the others
        if spec["table"] not in linked and i == len(specs) - 1 and len(specs) >= 2:
            links.append({"child": spec["table"], "parent": specs[-2]["table"], "per": None})
        elif spec["table"] not in linked:
            last = specs[-1]
            links.append({"child": last["table"], "parent": spec["table"], "per": None})
    for rule in all_rules:  # "popular movies get many more ratings": a few rows are picked often
        if rule.kind == "popular":
            child, parent = spec_of(rule.target), spec_of(rule.other)
            for link in links:
                if child and parent and link["child"] == child["table"] and link["parent"] == parent["table"]:
                    link["zipf"] = True
    return links


def stated_counts(reading: Any, specs: list[dict[str, Any]], by_noun: dict[str, dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rule in list(reading.rules) + [r for s in specs for r in s["rules"]]:
        if rule.kind != "count":
            continue
        for word in [rule.target, rule.args.get("alias") or ""]:
            tokens = designer_tokens(word)
            spec = by_noun.get(" ".join(tokens)) or (by_noun.get(tokens[-1]) if tokens else None)
            if spec:
                counts[spec["table"]] = int(rule.args["n"])
                break
        else:
            for spec in specs:  # "clubs (8 locations)": the count follows its table
                if rule in spec["rules"]:
                    counts[spec["table"]] = int(rule.args["n"])
    return counts


def choose_main(specs: list[dict[str, Any]], links: list[dict[str, Any]], counts: dict[str, int]) -> str:
    """The table whose rows the request counts: an event that nothing else hangs from, else the
    last thing named; never one whose size the description states."""
    parents = {l["parent"] for l in links}
    children = {l["child"] for l in links}

    def score(i_spec: tuple[int, dict[str, Any]]) -> tuple:
        i, spec = i_spec
        t = spec["table"]
        event = bool((spec["entity"] or {}).get("event"))
        return (t not in counts, t in children, event, t not in parents, i)
    return max(enumerate(specs), key=score)[1]["table"]


def wire(specs: list[dict[str, Any]], tables: dict[str, Table], links: list[dict[str, Any]], counts: dict[str, int],
         main: str, notes: list[str]) -> None:
    """Refs, `per` parents and sizes on the tables."""
    owner: dict[str, str] = {}
    for link in links:
        child, parent = tables[link["child"]], tables[link["parent"]]
        if child.data is not None:
            continue
        parent_key = parent_key_name(parent)
        name = link.get("name") or parent_key
        if child.col(name) is not None and child.col(name)["type"] == "ref":
            continue
        existing = child.col(name)
        col = {"name": name, "type": "ref", "table": parent.name}
        if link.get("via"):  # the same parent row as the owning row's: a copy of its key
            via_table = tables[link["via"]]
            via_ref = next((c["name"] for c in child.columns if c["type"] == "ref" and c.get("table") == via_table.name), None)
            if via_ref and via_table.col(name) is not None:
                child.columns.append({"name": name, "type": "formula", "expr": f"{via_ref}.{name}"})
                continue
        if parent.entity:  # the parent's own name or label is read through the ref, not drawn again
            for extra in [c for c in child.columns if c["name"] in (snake(parent.entity, 40), snake(parent.entity + " name", 40))
                          and c["type"] in ("choice", "faker") and not c.get("_given")]:
                child.columns.remove(extra)
        if link.get("zipf"):
            col["distribution"] = "zipf"
        if existing is not None:
            existing.clear()
            existing.update(col)
        else:
            position = 1 if child.columns and child.columns[0]["type"] == "id" else 0
            if child.per and position < len(child.columns) and child.columns[position]["type"] == "ref" and \
                    child.columns[position].get("table") == child.per["table"]:
                position += 1  # the owning row's key stays first
            child.columns.insert(position, col)
        per = link.get("per")
        if per and link["child"] not in owner and parent.data is None and (link["parent"] not in counts or link.get("said")):
            owner[link["child"]] = link["parent"]
            lo, hi = int(per[0]), int(per[1])
            mean = float(per[2]) if len(per) > 2 else (lo + hi) / 2
            child.per = {"table": parent.name, "min": lo, "max": max(hi, lo), "mean": min(max(mean, lo), max(hi, lo))}
            child.columns.remove(child.col(name))
            child.columns.insert(1, col)
        for target, source in (link.get("copy") or {}).items():  # "unit_price" of an item is its product's price
            field = parent_field(parent, source)
            target_col = child.col(target)
            if field and target_col is not None and target_col["type"] in ("int", "float"):
                keep = {k: v for k, v in target_col.items() if k in ("name", "description", "_given", "_words")}
                target_col.clear()
                target_col.update(keep, type="formula", expr=f"{name}.{field}")
    for spec in specs:
        table = tables[spec["table"]]
        if table.data is not None or table.per is not None:
            continue
        if table.name == main:
            continue
        table.rows = counts.get(table.name) or (spec["entity"] or {}).get("rows") or DEFAULT_ROWS
    for name, n in counts.items():
        if tables[name].per is not None:
            notes.append(f"{n} {name} were asked for, but {name} are made per their parent")


RELATIVE_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def follow_parent_dates(designer: Any, specs: list[dict[str, Any]], tables: dict[str, Table]) -> None:
    """An event of a thing happens after the thing began: an order after its customer signed up,
    a ticket after its account was created. The event's date is drawn between the later of the
    parent's start and its own window's start, and today (read through the ref)."""
    starts = set(designer.vocab.data.get("life_starts") or [])
    for spec in specs:
        table = tables[spec["table"]]
        if table.data is not None or not (spec["entity"] or {}).get("event"):
            continue
        when = next((c for c in table.columns if c["type"] in ("date", "datetime")), None)
        if when is None or str(when.get("end", "today")) != "today" or any(
                when.get(k) for k in ("after", "step", "hours", "weekdays", "depends_on", "null_if")) or \
                (when.get("_given") or set()) & {"range", "window"}:
            continue
        refs = [c for c in table.columns if c["type"] == "ref"]
        if table.per:
            refs.sort(key=lambda c: c.get("table") != table.per["table"])
        for ref in refs:
            parent = tables.get(ref.get("table", ""))
            if parent is None or parent.data is not None:
                continue
            began = next((c for c in parent.columns if c["type"] in ("date", "datetime") and c.get("_concept") in starts
                          and str(c.get("end", "today")) == "today" and not c.get("null_rate")), None)
            if began is None:
                continue
            m = re.fullmatch(r"-(\d+)([dwmy])", str(when.get("start", "")))
            lower = f"{ref['name']}.{began['name']}"
            if m:
                lower = f"max({lower}, today() - {int(m.group(1)) * RELATIVE_DAYS[m.group(2)]})"
            spread = "uniform(0, 1)" if when["type"] == "datetime" else "floor(uniform(0, 1)"
            expr = f"{lower} + {spread} * (today() - {lower})" + ("" if when["type"] == "datetime" else ")")
            keep = {k: when[k] for k in ("name", "description", "_given", "_words", "_concept") if k in when}
            when.clear()
            when.update(keep, type="formula", expr=expr)
            break


TOTAL_NAME = re.compile(r"^(?:order_|invoice_|basket_|bill_|grand_)?(?:total|total_amount|total_price|amount|value|"
                        r"order_value|total_value|subtotal)$")
LINE_NAME = re.compile(r"(?:^|_)(?:line_total|total|amount|subtotal|line_amount|line_value)$")


def totals_from_lines(tables: dict[str, Table]) -> None:
    """A parent's total is on the scale of its lines: an order of 1-5 items of products at their
    prices totals about items x quantity x price (a total cannot sum rows made after it, so its
    scale follows theirs)."""
    for child in tables.values():
        if not child.per or child.data is not None:
            continue
        parent = tables.get(child.per["table"])
        line = next((c for c in child.columns if c["type"] == "formula" and LINE_NAME.search(c["name"])
                     and "*" in c.get("expr", "")), None)
        if parent is None or parent.data is not None or line is None:
            continue
        total = next((c for c in parent.columns if c["type"] in ("float", "int") and TOTAL_NAME.match(c["name"])
                      and not (c.get("_given") or set()) & {"range", "dist"}), None)
        factors = [mean_of(tables, child, name) for name in re.findall(r"[A-Za-z_][\w.]*", line["expr"])
                   if name not in ("round", "min", "max") and not name.isdigit()]
        factors = [f for f in factors if f is not None]
        if total is None or len(factors) < 2:
            continue
        each = 1.0
        for f in factors:
            each *= f
        mean = each * float(child.per.get("mean") or (child.per["min"] + child.per["max"]) / 2)
        if mean <= 0:
            continue
        total.update(distribution="lognormal", mean=round(mean, 2), std=round(mean * 0.8, 2),
                     min=round(min(float(total.get("min", 1)), mean / 20), 2), max=round(max(float(total.get("max", 0)),
                                                                                       mean * 12), 2))


def mean_of(tables: dict[str, Table], table: Table, name: str) -> float | None:
    """The typical value of a number column, or of a field read through a ref from a data table."""
    col = table.col(name)
    if col is None:
        return None
    if col["type"] in ("int", "float"):
        if col.get("mean") is not None:
            return float(col["mean"])
        return (float(col.get("min", 0)) + float(col.get("max", 0))) / 2
    if col["type"] == "formula" and re.fullmatch(r"[a-z_]\w*\.[a-z_]\w*", col.get("expr", "")):
        ref_name, field = col["expr"].split(".")
        ref = table.col(ref_name)
        source = tables.get((ref or {}).get("table", ""))
        if source is not None and source.data:
            values = [r.get(field) for r in source.data if isinstance(r.get(field), (int, float))]
            return sum(values) / len(values) if values else None
    return None


def parent_key_name(table: Table) -> str:
    if table.data is not None:
        return next(iter(table.data[0]))
    key = table.key()
    return key["name"] if key else f"{table.name}_id"


def parent_field(table: Table, source: str) -> str | None:
    if table.data is not None:
        fields = list(table.data[0])
        return next((f for f in fields if f == source or f.endswith("_" + source) or source in f), None)
    col = next((c for c in table.columns if c["name"] == source or c["name"].endswith("_" + source)), None)
    return col["name"] if col else None


MONEY_IN = re.compile(r"[$€£¥₹]\s?(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*(?:usd|eur|gbp|dollars?|euros?|/\s*mo|per month|a month)",
                      re.I)


def value_list(head: str, items: list[Item]) -> tuple[str, list[str], list[float]] | None:
    """A list of values with prices: the field, its values and each one's amount (free ones 0)."""
    words = [w for w in designer_tokens(head) if w not in ("our", "the", "available", "three", "two", "four")]
    if not words or len(words) > 2 or not items:
        return None
    amounts = [MONEY_IN.search(it.source) for it in items]
    if sum(1 for a in amounts if a) * 2 < len(items) or any(len(it.text.split()) > 3 for it in items):
        return None
    values = [it.text.strip() for it in items]
    prices = [float(a.group(1) or a.group(2)) if a else 0.0 for a in amounts]
    return snake(words[-1], 40), values, prices


def place_value_list(listed: tuple[str, list[str], list[float]], tables: list[Table], main: Table) -> None:
    """The field takes the listed values, and a price column beside it follows each value."""
    field, values, prices = listed
    home, col = None, None
    for table in tables:
        col = next((c for c in table.columns if c["name"] == field or c["name"].startswith(field + "_")
                    and c["type"] == "choice"), None)
        if col is not None:
            home = table
            break
    if home is None:
        home = main
        col = {"name": field, "type": "choice", "values": values}
        home.columns.append(col)
    col.clear()
    col.update(name=field, type="choice", values=values, _given={"values"}, _words=field)
    expr = "0"
    for value, price in zip(values, prices):
        if price:
            expr = f"if({field} == '{value.replace(chr(39), '')}', {price:g}, {expr})"
    price_col = {"name": f"{field}_price", "type": "formula", "expr": expr, "_words": f"{field} price"}
    home.columns.insert(home.columns.index(col) + 1, price_col)


def rule_homes(resolver: Resolver, rules: list[Rule], main: Table) -> dict[int, Table]:
    """Each statement goes to the table whose columns it mentions, the main one when unsure."""
    homes: dict[int, Table] = {}
    for rule in rules:
        best, best_score = main, 0.0
        for mention in (rule.target, rule.other):
            if not mention:
                continue
            hit = resolver.find(mention)
            if hit and hit.score > best_score and hit.table.data is None:
                best, best_score = hit.table, hit.score
        if rule.kind in ("step", "sorted") and rule.target:
            words = designer_tokens(rule.target)
            table = next((t for t in resolver.tables if t.entity and designer_tokens(t.entity)[-1:] == words[-1:]), None)
            if table is not None:
                best = table
        homes[id(rule)] = best
    return homes
