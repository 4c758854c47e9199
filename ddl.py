"""SQL in: CREATE TABLE statements (PostgreSQL, MySQL, SQLite) as a schema of the same tables.

    schema_from_ddl("CREATE TABLE customers (customer_id SERIAL PRIMARY KEY, email VARCHAR(120) NOT NULL UNIQUE);"
                    "CREATE TABLE orders (order_id SERIAL PRIMARY KEY, customer_id INT NOT NULL REFERENCES customers);")

sqlread.py reads the statements into tables, columns, keys and constraints; here they become a
dataset:

- links: each foreign key's column and the column it refers to, the key other tables refer to, and
  in a circle of tables one nullable foreign key left empty so some table can be filled first;
- each table gets a role: a table of its own size (`rows`), a child made `per` the parent its first
  foreign key names (unless that parent is a small lookup table), or, for a junction with a key of
  two foreign keys, per the first with distinct picks of the second; the main table is the one the
  description counts ("5000 orders"), else the largest without a parent;
- each table's CHECKs are read into what they allow per column (Rules: IN, BETWEEN, comparisons
  with constants, LIKE, lengths) and between two columns of a row (Pair); PRIMARY KEY (a, b) and
  UNIQUE (a, b) are kept by making one member differ;
- ddlcolumns.py turns each column into a column spec from those (TableBuilder);
- a constraint that no rows could meet, or one this module cannot keep in every row, is a
  SchemaError naming the table, the column and the constraint.

The schema dict returned is checked by load_schema() before it leaves; each of its tables is left
with database.py as the DDL wrote it (Written), so the rows' CREATE TABLE is the user's own. It does not parse SQL
(sqlread.py), shape one column (ddlcolumns.py), make rows or write SQL (database.py does that).
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Any

from sqlglot import exp
from sqlglot.errors import SqlglotError

from columns import MAX_NAME_CHARS
from database import SourceTable, remember_source
from ddlcolumns import ENTITY_ROWS, NUMBER_FAMILIES, Pair, Role, Rules, TableBuilder, number_step, suggest
from errors import SchemaError, clip
from schema import load_schema
from sqlread import (COMPARE, FLIP, MAX_COLUMNS_PER_TABLE, Reader, SqlColumn, SqlTable, as_date, bare,
                     column_and_offset, conjuncts, constant, disjuncts, fail, ident, is_length, parse_sql,
                     source_table, sql_text, unparen)

__all__ = ["Builder", "schema_from_ddl", "suggest"]   # suggest: the designer's reading of a column name

# Sizes where the DDL is silent (ENTITY_ROWS, a table of its own, is in ddlcolumns.py).
LOOKUP_ROWS = 10                # a small reference table: statuses, categories, countries
PICKED_ROWS = 200               # a catalogue the other tables only pick rows from
PER_MANY = {"min": 0, "max": 5, "mean": 2}
PER_LINES = {"min": 1, "max": 5, "mean": 2.5}     # order_items, invoice_lines: at least one each
PER_ONE = {"min": 0, "max": 1, "mean": 0.8}       # a one-to-one extension of its parent

LOOKUP_NAME = re.compile(r"(^|_)(type|types|kind|kinds|categor(y|ies)|status|statuses|state|states|role|roles|"
                         r"countr(y|ies)|currenc(y|ies)|region|regions|department|departments|tag|tags|level|"
                         r"levels|tier|tiers|genre|genres|language|languages|unit|units|method|methods|channel|"
                         r"channels|priorit(y|ies)|reason|reasons|class|classes|grade|grades|segment|segments|"
                         r"brand|brands|lookup|lookups|code|codes)$", re.I)
LOOKUP_FIELD = re.compile(r"^(id|code|name|label|title|description|desc|sort_order|position|rank|is_active|active|"
                          r"abbreviation|abbr|symbol|short_name|display_name)$", re.I)
LINE_TABLE = re.compile(r"(^|_)(items?|lines?|line_items?|details?|entries|entry)$", re.I)


# --- building the schema ---

class Builder:
    def __init__(self, tables: list[SqlTable], dialect: str, description: str | None):
        self.tables = tables
        self.by = {t.name.lower(): t for t in tables}
        self.dialect = dialect
        self.description = description or ""
        names = " ".join(t.name.replace("_", " ") for t in tables)
        self.context = f"{self.description} {names}".strip()
        self.fk: dict[tuple[str, str], tuple[str, str]] = {}   # (table, column) -> (target table, target column)
        self.keys: dict[str, str | None] = {}
        self.roles: dict[str, Role] = {}
        self.cut: set[tuple[str, str]] = set()     # foreign keys left empty to break a circle of tables

    # -- tables --

    def target(self, name: str, what: str) -> SqlTable:
        found = self.by.get(name.lower())
        if found is None:
            raise fail(f"{what} refers to the table {clip(name, 64)!r}, which is not in the DDL")
        return found

    def link(self) -> None:
        """Each foreign key's column and the column it refers to."""
        referenced: dict[str, set[str]] = {}
        for table in self.tables:
            for fk in table.foreign:
                target = self.target(fk.table, f"table {table.name!r}: {fk.text}")
                if len(fk.columns) != 1:
                    raise fail(f"table {table.name!r}: the foreign key {fk.text!r} spans {len(fk.columns)} columns; "
                               "only single-column foreign keys are supported")
                if fk.targets:
                    if len(fk.targets) != 1:
                        raise fail(f"table {table.name!r}: {fk.text!r} refers to {len(fk.targets)} columns")
                    col = target.col(fk.targets[0])
                    if col is None:
                        raise fail(f"table {table.name!r}: {fk.text!r} refers to {target.name}.{fk.targets[0]}, "
                                   "which does not exist")
                    to = col.name
                elif len(target.primary) == 1:
                    to = target.primary[0]
                else:
                    raise fail(f"table {table.name!r}: {fk.text!r} names no column and {target.name!r} has no "
                               "single-column primary key")
                self.fk[(table.name, fk.columns[0])] = (target.name, to)
                referenced.setdefault(target.name, set()).add(to)
        for table in self.tables:
            wanted = referenced.get(table.name, set())
            if len(wanted) > 1:
                raise fail(f"table {table.name!r}: other tables refer to {len(wanted)} different columns of it "
                           f"({', '.join(sorted(wanted))}); one column must be the key they all refer to")
            key = next(iter(wanted)) if wanted else (table.primary[0] if len(table.primary) == 1 else None)
            if key is not None and (table.name, key) in self.fk:
                if wanted:
                    raise fail(f"table {table.name!r}: the column {key!r} is a foreign key itself, so other "
                               "tables cannot refer to it here")
                key = None  # a primary key that is a foreign key: a one-to-one extension of its parent
            col = table.col(key) if key else None
            if col is not None and col.type.family not in ("int", "text", "uuid", "decimal"):
                if wanted:
                    raise fail(f"table {table.name!r}: other tables refer to {key!r}, a {col.sql_type} column; "
                               "a key they refer to must be a number or text")
                key = None
            self.keys[table.name] = key

    def lookup(self, table: SqlTable) -> bool:
        """A small reference table: no foreign keys, a few columns of names and codes."""
        if any(fk for fk in table.foreign) or len(table.columns) > 4:
            return False
        fields = [c.name for c in table.columns if c.name != self.keys.get(table.name)]
        return bool(LOOKUP_NAME.search(table.name)) or all(LOOKUP_FIELD.match(f) for f in fields)

    def foreign_cols(self, table: SqlTable) -> list[str]:
        """The table's foreign keys to other tables, in column order, without the cut ones."""
        return [c.name for c in table.columns if (table.name, c.name) in self.fk
                and self.fk[(table.name, c.name)][0] != table.name and (table.name, c.name) not in self.cut]

    def break_circles(self) -> None:
        """Tables that refer to each other in a circle: one of the foreign keys, a nullable one,
        stays empty so some table can be filled first."""
        while True:
            circle = self.find_circle()
            if circle is None:
                return
            nullable = [(t, c) for t, c in circle if not self.by[t.lower()].col(c).not_null  # type: ignore[union-attr]
                        and c not in self.by[t.lower()].primary]
            if not nullable:
                where = " -> ".join(f"{t}.{c}" for t, c in circle)
                raise fail(f"tables refer to each other in a circle through NOT NULL foreign keys ({where}): no "
                           "table could be filled first; make one of them nullable")
            order = {t.name: i for i, t in enumerate(self.tables)}
            forward = sorted(nullable, key=lambda tc: (order[self.fk[tc][0]] < order[tc[0]], -order[tc[0]]))
            self.cut.add(forward[0])

    def find_circle(self) -> list[tuple[str, str]] | None:
        state: dict[str, int] = {}
        stack: list[tuple[str, str]] = []

        def visit(name: str) -> list[tuple[str, str]] | None:
            state[name] = 1
            table = self.by[name.lower()]
            for col in self.foreign_cols(table):
                target = self.fk[(table.name, col)][0]
                stack.append((table.name, col))
                if state.get(target) == 1:
                    start = next(i for i, (t, _) in enumerate(stack) if t == target)
                    return stack[start:]
                if state.get(target) is None:
                    found = visit(target)
                    if found:
                        return found
                stack.pop()
            state[name] = 2
            return None

        for table in self.tables:
            if state.get(table.name) is None:
                found = visit(table.name)
                if found:
                    return found
        return None

    def decide_roles(self) -> None:
        lookups = {t.name for t in self.tables if self.lookup(t)}
        for table in self.tables:
            role = Role(lookup=table.name in lookups)
            refs = self.foreign_cols(table)
            owner = None
            groups = ([table.primary] if len(table.primary) > 1 else []) + [u for u in table.uniques if len(u) > 1]
            for group in groups:
                members = [c for c in refs if c in group]
                if len(members) >= 2:
                    owner = members[0]
                    break
            if owner is None:
                one = [c for c in refs if [c] == table.primary or [c] in table.uniques
                       or (table.col(c).unique)]  # type: ignore[union-attr]
                owner = one[0] if one else next((c for c in refs if self.fk[(table.name, c)][0] not in lookups), None)
            if owner is not None:
                parent = self.fk[(table.name, owner)][0]
                role.kind, role.parent, role.owner = "per", parent, owner
                single = [owner] == table.primary or [owner] in table.uniques or table.col(owner).unique  # type: ignore[union-attr]
                role.per = dict(PER_ONE if single else PER_LINES if LINE_TABLE.search(table.name) else PER_MANY)
            self.roles[table.name] = role
        owners = {r.parent for r in self.roles.values() if r.kind == "per"}
        picked = {self.fk[(t.name, c)][0] for t in self.tables for c in self.foreign_cols(t)}
        for table in self.tables:
            role = self.roles[table.name]
            if role.kind == "per":
                continue
            if role.lookup and table.name not in owners:
                role.rows = LOOKUP_ROWS
            elif table.name in picked and table.name not in owners:
                role.rows = PICKED_ROWS
            else:
                role.rows = ENTITY_ROWS

    def main_table(self) -> str:
        tokens = re.findall(r"[a-z0-9]+", self.description.lower().replace("_", " "))
        if tokens:
            forms = {t.name: {t.name.lower(), t.name.lower().rstrip("s"), t.name.lower().replace("_", " ")}
                     for t in self.tables}
            text = " ".join(tokens)
            counted = [(m.start(), name) for name, words in forms.items() for w in words
                       for m in re.finditer(rf"\b\d[\d,.]*\s*(?:k\s+)?{re.escape(w)}s?\b", text)]
            if counted:
                return min(counted)[1]
        sizes = {t.name: self.roles[t.name].rows or 0 for t in self.tables if self.roles[t.name].kind == "rows"}
        children: dict[str, int] = {}
        for name, role in self.roles.items():
            node = role
            while node.kind == "per" and node.parent:
                children[node.parent] = children.get(node.parent, 0) + 1
                node = self.roles[node.parent]
        order = {t.name: i for i, t in enumerate(self.tables)}
        return max(sizes, key=lambda n: (sizes[n], children.get(n, 0), -order[n])) if sizes else self.tables[0].name

    # -- the whole schema --

    def schema(self) -> dict[str, Any]:
        self.link()
        self.break_circles()
        self.decide_roles()
        main = self.main_table()
        rules = {t.name: self.read_checks(t) for t in self.tables}
        self.composite_keys(rules)
        makers = {t.name: TableBuilder(self, t, self.roles[t.name], *rules[t.name]) for t in self.tables}
        columns = {name: maker.columns() for name, maker in makers.items()}
        out_tables = []
        for table in self.tables:
            role = self.roles[table.name]
            spec: dict[str, Any] = {"name": table.name}
            if role.kind == "per":
                per = dict(role.per or PER_MANY)
                for ref in role.distinct:   # distinct picks per parent row: at most as many as the rows to pick
                    size = makers[self.fk[(table.name, ref)][0]].rows
                    if size is not None and per["max"] > size:
                        per["max"] = size
                        per["min"] = min(per["min"], size)
                        per["mean"] = min(per["mean"], size)
                spec["per"] = {"table": role.parent, **per}
            else:
                spec["rows"] = makers[table.name].rows
            spec["columns"] = columns[table.name]
            out_tables.append(spec)
        name = re.sub(r"[^A-Za-z0-9_]+", "_", main)[:MAX_NAME_CHARS] or "dataset"
        schema = {"name": name, "locale": "en_US", "tables": out_tables, "main": main}
        try:
            loaded = load_schema(schema, MAX_COLUMNS_PER_TABLE)
        except SchemaError as err:
            raise fail(f"the tables could not be turned into a dataset: {err}") from None
        primaries = {t.name.lower(): t.primary for t in self.tables}
        for table in self.tables:
            remember_source(loaded.table(table.name), Written(table, self.dialect, primaries))
        return schema

    def read_checks(self, table: SqlTable) -> tuple[dict[str, Rules], list[Pair]]:
        rules: dict[str, Rules] = {c.name: Rules() for c in table.columns}
        pairs: list[Pair] = []
        for check in table.checks:
            for part in conjuncts(check.expr):
                self.read_check(table, part, check.text, rules, pairs)
        return rules, pairs

    def cannot(self, table: SqlTable, column: str | None, text: str, why: str = "") -> SchemaError:
        where = f"table {table.name!r}" + (f", column {column!r}" if column else "")
        reason = why or ("it is not a kind of CHECK this service can keep in every row (it keeps comparisons "
                         "with constants, BETWEEN, IN, LIKE, lengths, and comparisons between two columns)")
        return fail(f"{where}: CHECK ({clip(text, 120)}): {reason}")

    def read_check(self, table: SqlTable, node: exp.Expression, text: str, rules: dict[str, Rules],
                   pairs: list[Pair]) -> None:
        node = unparen(node)
        columns = {ident(c, self.dialect) for c in node.find_all(exp.Column)}
        cols = [table.col(c) for c in columns]
        if any(c is None for c in cols):
            missing = next(n for n, c in zip(columns, cols) if c is None)
            raise self.cannot(table, None, text, f"it names {missing!r}, which the table does not have")
        if not cols:
            ok, value = constant(node)
            if ok and value is True or isinstance(node, exp.Boolean) and node.this:
                return
            raise self.cannot(table, None, text, "it reads no column")
        options = [o for o in disjuncts(node) if not (isinstance(o, exp.Is) and isinstance(o.expression, exp.Null))]
        if not options:
            return   # CHECK (x IS NULL OR y IS NULL): empty cells hold it, and nothing else is asked
        if len(options) == 1:
            node = unparen(options[0])
            cols = [table.col(ident(c, self.dialect)) for c in node.find_all(exp.Column)]
            names = {c.name for c in cols if c is not None}
            if len(names) == 2 and self.read_pair(table, node, text, pairs):
                return
            if len(names) != 1:
                raise self.cannot(table, None, text)
            col = next(c for c in cols if c is not None)
            rule = rules[col.name]
            if text not in rule.texts:    # each part of one CHECK (a > 10 AND a < 5) names it once
                rule.texts.append(text)
            self.read_one(table, col, node, text, rule)
            return
        names = {table.col(ident(c, self.dialect)).name for o in options for c in o.find_all(exp.Column)}  # type: ignore[union-attr]
        if len(names) == 1 and all(isinstance(unparen(o), (exp.EQ, exp.In)) for o in options):
            col = table.col(names.pop())
            assert col is not None
            rule = rules[col.name]
            if text not in rule.texts:
                rule.texts.append(text)
            values: list[Any] = []
            for o in options:
                values += self.listed(table, col, unparen(o), text)
            self.allow(rule, values)
            return
        raise self.cannot(table, None, text)

    def listed(self, table: SqlTable, col: SqlColumn, node: exp.Expression, text: str) -> list[Any]:
        if isinstance(node, exp.In):
            if node.args.get("query") is not None or not node.expressions:
                raise self.cannot(table, col.name, text)
            out = []
            for item in node.expressions:
                ok, value = constant(item)
                if not ok:
                    raise self.cannot(table, col.name, text, f"{sql_text(item, self.dialect)!r} is not a constant")
                out.append(value)
            return out
        values = self.any_array(node)
        if values is not None:
            return values
        side = self.column_side(node, table)
        if side is None:
            raise self.cannot(table, col.name, text)
        return [side[1]]

    def any_array(self, node: exp.Expression, compare: type = exp.EQ, word: str = "ANY") -> list[Any] | None:
        """`col = ANY (ARRAY['a', 'b'])`, PostgreSQL's own spelling of IN (and `col <> ALL (...)`,
        its NOT IN, with exp.NEQ and "ALL")."""
        if not isinstance(node, compare) or not isinstance(bare(node.this), exp.Column):
            return None
        right = unparen(node.expression)
        if isinstance(right, exp.Anonymous) and right.name.upper() == word and len(right.expressions) == 1:
            inner = right.expressions[0]      # sqlglot reads ALL (ARRAY[...]) as a function call
        elif isinstance(right, exp.Any if word == "ANY" else exp.All):
            inner = right.this
        else:
            return None
        while isinstance(inner, (exp.Cast, exp.Paren)):
            inner = inner.this
        if not isinstance(inner, exp.Array):
            return None
        out = []
        for item in inner.expressions:
            ok, value = constant(item)
            if not ok:
                return None
            out.append(value)
        return out

    def column_side(self, node: exp.Expression, table: SqlTable) -> tuple[str, Any] | None:
        """`col = 5` or `5 = col` -> (column, 5)."""
        for a, b in ((node.this, node.expression), (node.expression, node.this)):
            if isinstance(bare(a), exp.Column):
                ok, value = constant(b, now=True)
                if ok:
                    return ident(bare(a), self.dialect), value
        return None

    def allow(self, rule: Rules, values: list[Any]) -> None:
        if rule.values is None:
            rule.values = list(dict.fromkeys(values))
        else:
            rule.values = [v for v in rule.values if v in values]

    def read_one(self, table: SqlTable, col: SqlColumn, node: exp.Expression, text: str, rule: Rules) -> None:
        if isinstance(node, exp.Not):
            inner = unparen(node.this)
            if isinstance(inner, exp.In):
                rule.exclude += self.listed(table, col, inner, text)
                return
            if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
                rule.not_null = True
                return
            raise self.cannot(table, col.name, text)
        if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
            rule.always_null = True
            return
        excluded = self.any_array(node, exp.NEQ, "ALL")
        if excluded is not None:
            rule.exclude += excluded
            return
        if isinstance(node, exp.In) or self.any_array(node) is not None:
            self.allow(rule, self.listed(table, col, node, text))
            return
        if isinstance(node, exp.Between) and is_length(bare(node.this)):
            ok_lo, lo = constant(node.args["low"])
            ok_hi, hi = constant(node.args["high"])
            if not (ok_lo and ok_hi and isinstance(lo, int) and isinstance(hi, int)):
                raise self.cannot(table, col.name, text)
            rule.min_length = max(rule.min_length, lo)
            rule.max_length = hi if rule.max_length is None else min(rule.max_length, hi)
            return
        if isinstance(node, exp.Between) and isinstance(bare(node.this), exp.Column):
            ok_lo, lo = constant(node.args["low"], now=True)
            ok_hi, hi = constant(node.args["high"], now=True)
            if not (ok_lo and ok_hi):
                raise self.cannot(table, col.name, text)
            self.bound(table, col, rule, ">=", lo, text)
            self.bound(table, col, rule, "<=", hi, text)
            return
        if isinstance(node, (exp.Like, exp.ILike)) and isinstance(bare(node.this), exp.Column):
            ok, pattern = constant(node.expression)
            if not ok or not isinstance(pattern, str):
                raise self.cannot(table, col.name, text)
            rule.likes.append(pattern)
            return
        if type(node) in COMPARE:
            op = COMPARE[type(node)]
            a, b = bare(node.this), bare(node.expression)
            if not isinstance(a, exp.Column) and not isinstance(a, (exp.Length, exp.Trim, exp.Anonymous)):
                a, b, op = b, a, FLIP[op]
            if isinstance(a, exp.Column):
                ok, value = constant(b, now=True)
                if not ok:
                    raise self.cannot(table, col.name, text)
                if op == "=":
                    self.allow(rule, [value])
                elif op == "<>":
                    rule.exclude.append(value)
                else:
                    self.bound(table, col, rule, op, value, text)
                return
            if is_length(a):
                ok, value = constant(b)
                if ok and isinstance(value, int):
                    lo = value + 1 if op == ">" else value if op in (">=", "=") else None
                    hi = value - 1 if op == "<" else value if op in ("<=", "=") else None
                    if lo is not None:
                        rule.min_length = max(rule.min_length, lo)
                    if hi is not None:
                        rule.max_length = hi if rule.max_length is None else min(rule.max_length, hi)
                    if op == "<>" and value == 0:
                        rule.min_length = max(rule.min_length, 1)
                    return
            if isinstance(a, exp.Trim) and op in ("<>", ">"):
                ok, value = constant(b)
                if ok and value == "":
                    rule.min_length = max(rule.min_length, 1)
                    rule.exclude.append("")
                    return
        if isinstance(node, exp.Column):   # CHECK (flag): a boolean that must be true
            self.allow(rule, [True])
            return
        raise self.cannot(table, col.name, text)

    def bound(self, table: SqlTable, col: SqlColumn, rule: Rules, op: str, value: Any, text: str) -> None:
        family = col.type.family
        if family in ("date", "datetime"):
            day = as_date(value)
            if day is None:
                raise self.cannot(table, col.name, text, f"{clip(value, 40)!r} is not a date like 2024-01-31")
            timed = isinstance(value, str) and value.strip()[11:].strip("0:. ") != ""
            if op in (">", ">="):
                # a datetime on the bound's day may fall at midnight: start the next day unless >= midnight
                later = op == ">" or (family == "datetime" and timed)
                first = day + timedelta(days=1) if later else day
                rule.first = first if rule.first is None else max(rule.first, first)
            else:
                # a datetime on the last day runs to 23:59:59: end the day before unless a date <=
                last = day if family == "date" and op == "<=" else day - timedelta(days=1)
                rule.last = last if rule.last is None else min(rule.last, last)
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    raise self.cannot(table, col.name, text, f"{clip(value, 40)!r} is not a number") from None
            else:
                raise self.cannot(table, col.name, text)
        if family not in NUMBER_FAMILIES:
            raise self.cannot(table, col.name, text, f"a {col.sql_type} column is compared with a number")
        step = number_step(col)
        if op in (">", ">="):
            lo = value + step if op == ">" else value
            if family == "int":
                lo = math.ceil(lo) if op == ">=" else math.floor(value) + 1
            rule.lo = lo if rule.lo is None else max(rule.lo, lo)
        else:
            hi = value - step if op == "<" else value
            if family == "int":
                hi = math.floor(hi) if op == "<=" else math.ceil(value) - 1
            rule.hi = hi if rule.hi is None else min(rule.hi, hi)

    def read_pair(self, table: SqlTable, node: exp.Expression, text: str, pairs: list[Pair]) -> bool:
        if type(node) not in COMPARE:
            return False
        op = COMPARE[type(node)]
        left = column_and_offset(node.this, table, self.dialect)
        right = column_and_offset(node.expression, table, self.dialect)
        if left is None or right is None or left[0] == right[0]:
            return False
        if op == "<>":
            raise self.cannot(table, left[0], text, "two columns that must differ are not supported")
        # left + a op right + b  ->  left op right + (b - a)
        pairs.append(Pair(left[0], op, right[0], right[1] - left[1], text))
        return True

    def composite_keys(self, rules: dict[str, tuple[dict[str, Rules], list[Pair]]]) -> None:
        """PRIMARY KEY (a, b) and UNIQUE (a, b): one member made to differ, so the set does."""
        for table in self.tables:
            role = self.roles[table.name]
            groups = ([table.primary] if len(table.primary) > 1 else []) + [u for u in table.uniques if len(u) > 1]
            for group in groups:
                self.composite(table, role, group, rules[table.name][0])

    def composite(self, table: SqlTable, role: Role, group: list[str], rules: dict[str, Rules]) -> None:
        text = f"UNIQUE ({', '.join(group)})" if group != table.primary else f"PRIMARY KEY ({', '.join(group)})"
        key = self.keys.get(table.name)
        if key in group or any(table.col(c).unique or [c] in table.uniques or [c] == table.primary  # type: ignore[union-attr]
                               for c in group if (table.name, c) not in self.fk):
            return
        refs = [c for c in group if (table.name, c) in self.fk]
        if role.owner in group:
            others = [c for c in group if c != role.owner]
            other_refs = [c for c in others if c in refs and (table.name, c) not in self.cut
                          and self.fk[(table.name, c)][0] != table.name]
            if other_refs:
                role.distinct.add(other_refs[0])
                return
            for c in others:
                col = table.col(c)
                assert col is not None
                if col.type.family in ("date", "datetime") and rules[c].first is None and rules[c].last is None:
                    role.series.add(c)
                    return
        for c in reversed([c for c in group if c not in refs]):
            col = table.col(c)
            assert col is not None
            before_key = key is not None and [x.name for x in table.columns].index(c) < \
                [x.name for x in table.columns].index(key)
            if col.type.family == "int" and rules[c].lo is None and rules[c].hi is None and not rules[c].values \
                    and not before_key:
                role.numbered.add(c)
                return
            if col.type.family in ("int", "decimal", "float", "text", "date", "datetime", "uuid"):
                col.unique = True
                return
        raise fail(f"table {table.name!r}: {text} cannot be kept: its columns are foreign keys that are "
                   "not the table's parent and a pick from another table; make the first of them the table's "
                   "first foreign key")



class Written:
    """How the DDL wrote one table, in any dialect asked for (database.py's CREATE TABLE uses it
    for the rows of this table, found again by the table's columns)."""

    def __init__(self, table: SqlTable, dialect: str, primaries: dict[str, list[str]]):
        self.table, self.dialect, self.primaries = table, dialect, primaries
        self.made: dict[str, SourceTable] = {}

    def __call__(self, target: str) -> SourceTable | None:
        if target not in self.made:
            try:
                found = source_table(self.table, self.dialect, target)
            except (SqlglotError, ValueError, TypeError, KeyError, AttributeError):
                return None     # a part sqlglot cannot write: the CREATE TABLE comes from the columns
            for key in found.keys:
                if key.kind == "foreign" and not key.targets:   # REFERENCES t: its primary key
                    key.targets = list(self.primaries.get(key.table.lower()) or [])
            self.made[target] = found
        return self.made[target]


def schema_from_ddl(ddl: str, description: str | None = None, dialect: str | None = None) -> dict[str, Any]:
    """A schema dict (the `tables` form) whose tables, columns and constraints are the DDL's."""
    if not isinstance(ddl, str) or not ddl.strip():
        raise fail("give CREATE TABLE statements")
    statements, used = parse_sql(ddl, dialect)
    tables = Reader(used).read(statements)
    return Builder(tables, used, description).schema()
