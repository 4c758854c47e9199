"""Row makers: a dataset's rows, made a block of 65,536 at a time, column by column, with numpy
and pyarrow, so any number of rows streams in constant memory.

Rows are a pure function of (schema, seed, table, block): every random draw of a block comes
from a stream seeded with (seed, block number, stream, purpose[, table]) only (RANDOM STREAMS
below), so the same seed gives the same rows whatever the batching, the worker or the machine.
A child table reads its parents' values by making the parent's block again (a few are kept):
nothing holds a whole table. A `per` table's rows follow its parents': the number of children
of each parent row is drawn per parent block, and their running sum says which parent owns a
child row. One maker per column type (MAKERS); Faker's columns come from fakes.py.

It does not check schemas (schema.py does, before the first block) or print cells (writers.py).
"""

from __future__ import annotations

import math
import re
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cells import DEFAULT_DECIMALS, EPOCH_DAY, MAX_ABS_NUMBER, SECONDS_PER_DAY
from columns import (HOURS_WINDOW, Case, Column, after_days, date_bounds, date_quantile, numeric_bounds, step_size,
                     unique_size)
from errors import SchemaError
from fakes import PERSON_METHODS, PLACE_METHODS, FakerColumns, Person, fill_templates, real_places, uuid_strings
from formula import MAX_DAY, MIN_DAY, FormulaEval, float_array, pa_array, parse_formula, result_decimals
from schema import Schema, Table, check_capacity, column_order, table_order

BLOCK_ROWS = 65_536             # rows per seeded block: the unit of determinism, fixed forever
MAX_REDRAWS = 8                 # out-of-range draws of a distribution are drawn again this often
KEPT_BLOCKS = 4                 # blocks of a parent table kept for its children to read
BLOCK_BYTE_BUDGET = 512 << 20   # what one block of a table may take in memory
ZIPF_EXPONENT = 1.1             # how strongly a zipf ref favours its popular rows
MAX_UNIQUE_BUMPS = 1000         # tries to make a repeated unique value new
GENDER_NAME = re.compile(r"(^|_)(gender|sex)($|_)", re.I)


# --- random streams ---

# A block's generator for (stream, purpose) is numpy's default_rng([seed, block, stream, purpose]),
# with the table's position appended for every table but the first. These numbers are part of
# the output: changing one changes the bytes of every seed.
VALUES, PERSON, NULLS, GENDER, PLACE, COPULA = 0, 1, 2, 3, 4, 5   # purposes; a column's stream is its index
PERSON_STREAMS = 100_000        # + crc32(entity) % 100_000: the people of one entity
PLACE_STREAMS = 200_000         # + crc32(entity) % 100_000: the places of one entity
ENTITY_STREAMS = 100_000        # streams per kind of entity
COUNT_STREAM = 300_000          # children per parent row of a per table, drawn per parent block
COPULA_STREAM = 300_001         # the correlated normal scores of a table's correlations
UNIQUE_STREAMS = 2**31          # + column index, seeded without the block: one permutation per column
SERIES_SALT = 0x5E41E5          # the start of each entity's time series, hashed from its number


def entity_stream(base: int, entity: str) -> int:
    return base + zlib.crc32(entity.encode()) % ENTITY_STREAMS


def hashed_uniform(keys: np.ndarray, salt: int) -> np.ndarray:
    """A uniform in [0, 1) per key, the same for the same key in every block (splitmix64)."""
    x = keys.astype(np.uint64) + np.uint64((salt * 0x9E3779B97F4A7C15) % 2**64)
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(2**53)


# --- a plan: the sizes of a dataset's tables for one request ---

@dataclass
class Plan:
    """What one request makes: each table's size, and which parent row owns each child row."""

    schema: Schema
    seed: int
    locale: str
    sizes: dict[str, int]
    starts: dict[str, np.ndarray]          # per table -> first child row of each parent row, and the total
    makers: dict[str, TableMaker] = field(default_factory=dict)

    def maker(self, name: str) -> TableMaker:
        if name not in self.makers:
            self.makers[name] = TableMaker(self, self.schema.table(name))
        return self.makers[name]


def per_mean(table: Table) -> float:
    per = table.per
    assert per is not None
    return per.mean if per.mean is not None else (per.min + per.max) / 2


def plan(schema: Schema, rows: int, seed: int, locale: str | None = None) -> Plan:
    """Table sizes: the main table has `rows` (a per table about that many: its parents are
    scaled to fit); other tables keep their own `rows`, and per tables follow their parents."""
    seed %= 2**64
    main = schema.main_table()
    wanted: dict[str, int] = {main.name: rows}
    node = main
    while node.per is not None:  # scale the parents of a main per table so it has about `rows`
        parent = schema.table(node.per.table)
        if parent.kind == "data":
            break
        wanted[parent.name] = max(1, round(wanted[node.name] / max(per_mean(node), 1e-9)))
        node = parent
    sizes: dict[str, int] = {}
    starts: dict[str, np.ndarray] = {}
    positions = {t.name: i for i, t in enumerate(schema.tables or [])}
    for name in table_order(schema):
        table = schema.table(name)
        if table.kind == "data":
            sizes[name] = len(table.data or [])
        elif table.kind == "per":
            assert table.per is not None
            counts = child_counts(table, sizes[table.per.table], seed, positions[name])
            starts[name] = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])
            sizes[name] = int(starts[name][-1])
        else:
            sizes[name] = wanted.get(name) or table.rows or rows
    return Plan(schema, seed, locale or schema.locale, sizes, starts)


def child_counts(table: Table, parents: int, seed: int, position: int) -> np.ndarray:
    """How many rows of a per table each parent row gets, drawn per parent block: min + a
    binomial, so the mean is exact and no count leaves min..max."""
    per = table.per
    assert per is not None
    out = np.empty(parents, dtype=np.int64)
    spread = per.max - per.min
    share = (per_mean(table) - per.min) / spread if spread else 0.0
    for b in range(math.ceil(parents / BLOCK_ROWS)):
        rng = np.random.default_rng([seed, b, COUNT_STREAM, VALUES, position])
        n = min(BLOCK_ROWS, parents - b * BLOCK_ROWS)
        if per.mean is None:
            drawn = rng.integers(per.min, per.max + 1, n)
        else:
            drawn = per.min + rng.binomial(spread, min(max(share, 0.0), 1.0), n)
        out[b * BLOCK_ROWS:b * BLOCK_ROWS + n] = drawn
    return out


# --- tables: blocks on demand, and values of any rows ---

class TableMaker:
    """Makes the blocks of one table, keeps the last few, and reads any rows' values for the
    tables that refer to it."""

    def __init__(self, plan: Plan, table: Table):
        self.plan, self.table = plan, table
        self.position = (plan.schema.tables or []).index(table)
        self.size = plan.sizes[table.name]
        self.order = column_order(plan.schema, table)
        self.index = {c.name: i for i, c in enumerate(table.columns)}
        self.kept: OrderedDict[int, Block] = OrderedDict()
        # a table no other table reads keeps no block: it is made once, written, and let go
        self.keep = KEPT_BLOCKS if any(c.type == "ref" and c.table == table.name for t in plan.schema.tables or []
                                       for c in t.columns if t is not table) else 0
        self.unique_tags: dict[tuple[int, int], dict[int, str]] = {}   # (column, block) -> row -> value
        self.seen: dict[int, set[int]] = {}
        self.unique_through = -1    # blocks whose unique text values are settled
        self.data = data_arrays(table) if table.kind == "data" else None

    @property
    def blocks(self) -> int:
        return math.ceil(self.size / BLOCK_ROWS)

    def block(self, number: int) -> Block:
        if number in self.kept:
            self.kept.move_to_end(number)
            return self.kept[number]
        self.settle_unique(number)
        block = Block(self, number)
        if self.keep:
            self.kept[number] = block
            while len(self.kept) > self.keep:
                self.kept.popitem(last=False)
        return block

    def settle_unique(self, number: int) -> None:
        """Unique text values depend on every earlier block's: settle them in order, once."""
        uniques = [i for i, c in enumerate(self.table.columns) if c.unique and c.type == "faker"]
        while uniques and self.unique_through < number - 1:
            earlier = Block(self, self.unique_through + 1)
            for i in uniques:
                earlier.get(i)

    def table_block(self, number: int) -> pa.Table:
        """Block `number` as a table of the visible columns."""
        if self.data is not None:
            offset = number * BLOCK_ROWS
            rows = np.arange(offset, min(offset + BLOCK_ROWS, self.size))
            return pa.table({c.name: self.data[c.name].take(pa.array(rows)) for c in self.table.visible()})
        block = self.block(number)
        for i in self.order:
            block.get(i)
        check_budget(block)
        return pa.table({c.name: block.values[i] for i, c in enumerate(self.table.columns) if not c.hidden})

    def values_at(self, name: str, rows: np.ndarray) -> pa.Array:
        """The values of `name` (possibly read through refs: "customer_id.segment") at these rows."""
        if self.data is not None and "." not in name:
            return self.data[name].take(pa.array(rows))
        numbers = rows // BLOCK_ROWS
        first = int(numbers[0]) if len(numbers) else 0
        if not len(rows) or (numbers == first).all():
            return self.block(first).by_name(name).take(pa.array(rows - first * BLOCK_ROWS))
        pieces, order = [], []
        for number in np.unique(numbers):
            where = np.flatnonzero(numbers == number)
            pieces.append(self.block(int(number)).by_name(name).take(pa.array(rows[where] - number * BLOCK_ROWS)))
            order.append(where)
        inverse = np.empty(len(rows), dtype=np.int64)
        inverse[np.concatenate(order)] = np.arange(len(rows))
        return pa.concat_arrays(pieces).take(pa.array(inverse))

    def keys_at(self, rows: np.ndarray) -> pa.Array:
        """The key of these rows: computed from the row number when the key is a plain id."""
        key = self.table.key
        assert key is not None
        col = self.table.column(key)
        if self.data is None and col is not None and col.type == "id" and col.format != "uuid":
            return id_values(col, rows)
        return self.values_at(key, rows)


def data_arrays(table: Table) -> dict[str, pa.Array]:
    """A literal table's fields as Arrow arrays, each with the type its values share."""
    out = {}
    for name in (table.data or [{}])[0]:
        values = [r[name] for r in table.data or []]
        kinds = {type(v) for v in values if v is not None}
        if kinds <= {int}:
            out[name] = pa.array(values, pa.int64())
        elif kinds <= {int, float}:
            out[name] = pa.array([None if v is None else float(v) for v in values], pa.float64())
        elif kinds <= {bool}:
            out[name] = pa.array(values, pa.bool_())
        else:
            out[name] = pa.array(values, pa.string())
    return out


def check_budget(block: Block) -> None:
    size = sum(v.nbytes for v in block.values.values())
    if size > BLOCK_BYTE_BUDGET:
        raise SchemaError(f"table {block.table.name!r}: one block of {block.n:,} rows would take about "
                          f"{size >> 20:,} MB (at most {BLOCK_BYTE_BUDGET >> 20} MB): use fewer or shorter text columns")


# --- blocks ---

class Block:
    """One seeded block of one table: the columns made so far, and the people, places and
    correlated draws its columns share."""

    def __init__(self, maker: TableMaker, number: int):
        self.maker, self.table, self.plan = maker, maker.table, maker.plan
        self.number = number
        self.offset = number * BLOCK_ROWS
        self.n = max(0, min(BLOCK_ROWS, maker.size - self.offset))
        self.seed = maker.plan.seed
        self.locale = maker.plan.locale
        self.values: dict[int, pa.Array] = {}
        self.ref_rows: dict[str, np.ndarray] = {}
        self.people: dict[str, Person] = {}
        self.places: dict[str, dict[str, pa.Array] | None] = {}
        self.bytes = 0
        self._faker: FakerColumns | None = None
        self._uniforms: dict[str, np.ndarray] | None = None

    @property
    def index(self) -> dict[str, int]:
        return self.maker.index

    def key(self, *parts: int) -> list[int]:
        return [self.seed, *parts] + ([self.maker.position] if self.maker.position else [])

    def rng(self, stream: int, purpose: int = VALUES) -> np.random.Generator:
        return np.random.default_rng(self.key(self.number, stream % 2**32, purpose))

    def rows(self) -> np.ndarray:
        return np.arange(self.offset, self.offset + self.n, dtype=np.int64)

    @property
    def faker(self) -> FakerColumns:
        if self._faker is None:
            self._faker = FakerColumns(self.locale, self.n)
        return self._faker

    def get(self, i: int) -> pa.Array:
        if i not in self.values:
            col = self.table.columns[i]
            values = MAKERS[col.type](col, self, self.rng(i))
            if col.cases:
                values = self.by_case(i, col, values)
            if col.max_length and pa.types.is_string(values.type):
                values = pc.utf8_slice_codeunits(values, 0, col.max_length)
            if col.unique and col.type == "faker":  # other types are unique by construction
                values = self.make_unique(i, values)
            if col.null_rate > 0:
                mask = pa.array(self.rng(i, NULLS).random(self.n) < col.null_rate)
                values = pc.if_else(mask, pa.scalar(None, values.type), values)
            if col.null_if:
                values = pc.if_else(self.condition(col.null_if, col), pa.scalar(None, values.type), values)
            if col.type == "ref" and values.null_count:  # an empty key reads nothing through it
                self.ref_rows[col.name] = np.where(values.is_valid().to_numpy(zero_copy_only=False),
                                                   self.ref_rows[col.name], -1)
            self.bytes += values.nbytes
            if self.bytes > BLOCK_BYTE_BUDGET:
                check_budget(self)
            self.values[i] = values
        return self.values[i]

    def by_name(self, name: str) -> pa.Array:
        """A column of this table, or a parent's value read through a ref ("customer_id.segment")."""
        if name in self.index:
            return self.get(self.index[name])
        ref, rest = name.split(".", 1)
        self.get(self.index[ref])
        parent = self.plan.maker(self.table.column(ref).table)  # type: ignore[union-attr,arg-type]
        rows = self.ref_rows[ref]
        valid = rows >= 0
        if valid.all():
            return parent.values_at(rest, rows)
        values = parent.values_at(rest, np.where(valid, rows, 0))
        return pc.if_else(pa.array(valid), values, pa.scalar(None, values.type))

    def condition(self, expr: str, col: Column) -> pa.Array:
        formula = parse_formula(expr, col.name)
        env = {name: self.by_name(name) for name in formula.names}
        result = FormulaEval(env, self.n, self.rng(self.index[col.name], NULLS + 10), col.name,
                             dict(formula.quoted)).run(formula.tree)
        result = pa_array(result, self.n)
        truth = result if pa.types.is_boolean(result.type) else pc.not_equal(pc.cast(result, pa.float64(), safe=False), 0.0)
        return truth.fill_null(False)

    def by_case(self, i: int, col: Column, values: pa.Array) -> pa.Array:
        """Rows whose depends_on column has a case's value take the case's draw; each case draws
        from the column's own stream, so a case shifts the values rather than reshuffling them."""
        parent = self.by_name(col.depends_on or "")
        for case in col.cases or []:
            rows = case_rows(parent, case)
            if not pc.any(rows).as_py():
                continue
            variant = MAKERS[col.type](col.with_case(case), self, self.rng(i))
            if variant.type != values.type:
                variant = variant.cast(values.type) if not pa.types.is_string(values.type) else pc.cast(variant, pa.string())
            values = pc.if_else(rows, variant, values)
        return values

    def uniforms(self, col: Column) -> np.ndarray | None:
        """This column's share of the table's correlated draws (a Gaussian copula), if it has one."""
        corr = self.table.correlations
        if corr is None or col.name not in corr.columns:
            return None
        if self._uniforms is None:
            from scipy import special  # imported when a table first correlates: it costs half a second

            rng = self.rng(COPULA_STREAM, COPULA)
            matrix = np.array(corr.matrix, dtype=np.float64)
            scores = rng.multivariate_normal(np.zeros(len(corr.columns)), matrix, self.n, method="eigh")
            u = np.clip(special.ndtr(scores), 1e-12, 1 - 1e-12)
            self._uniforms = {name: u[:, j] for j, name in enumerate(corr.columns)}
        return self._uniforms[col.name]

    def person(self, entity: str) -> Person:
        if entity not in self.people:
            rng = self.rng(entity_stream(PERSON_STREAMS, entity), PERSON)
            self.people[entity] = Person.make(self.faker, rng, self.entity_gender(entity))
        return self.people[entity]

    def entity_gender(self, entity: str) -> np.ndarray | None:
        """Rows whose entity is female, from a gender column of that entity, so names agree with it."""
        for i, col in enumerate(self.table.columns):
            if col.type == "choice" and (col.entity or "") == entity and GENDER_NAME.search(col.name):
                codes = pc.utf8_lower(pc.utf8_slice_codeunits(pc.cast(self.get(i), pa.string()), 0, 1))
                female = pc.is_in(codes, pa.array(["f", "w"])).to_numpy(zero_copy_only=False)
                male = pc.equal(codes, "m").fill_null(False).to_numpy(zero_copy_only=False)
                other = ~(female | male)
                return np.where(other, self.rng(i, GENDER).random(self.n) < 0.5, female)
        return None

    def place(self, entity: str) -> dict[str, pa.Array] | None:
        """City, state, zip and country of one entity drawn together from a real table."""
        if entity not in self.places:
            methods = {c.method for c in self.table.columns
                       if c.type == "faker" and (c.entity or "") == entity and c.method in PLACE_METHODS}
            rng = self.rng(entity_stream(PLACE_STREAMS, entity), PLACE)
            self.places[entity] = real_places(methods, self.faker, rng)
        return self.places[entity]

    def make_unique(self, i: int, values: pa.Array) -> pa.Array:
        """Text that repeats an earlier value gets the row number. The tags a block got are kept,
        so a block made again (for a child table to read) gets the same values."""
        tags = self.maker.unique_tags.get((i, self.number))
        if tags is None:
            tags = self.tag_repeats(i, values)
            self.maker.unique_tags[(i, self.number)] = tags
            self.maker.unique_through = max(self.maker.unique_through, self.number)
        if not tags:
            return values
        out = values.to_pylist()
        for row, value in tags.items():
            out[row] = value
        return pa.array(out, values.type)

    def tag_repeats(self, i: int, values: pa.Array) -> dict[int, str]:
        seen = self.maker.seen.setdefault(i, set())
        tags: dict[int, str] = {}
        text = pa.types.is_string(values.type)
        limit = self.table.columns[i].max_length
        for row, value in enumerate(values.to_pylist()):
            if value is None:
                continue
            key, bump = hash(value), 0
            while key in seen and bump < MAX_UNIQUE_BUMPS:
                bump += 1
                if text:
                    tag = str(self.offset + row + 1) + ("" if bump == 1 else f"_{bump}")
                    local, at, domain = value.partition("@")
                    candidate = f"{local}{tag}@{domain}" if at else f"{value}-{tag}"
                    if limit and len(candidate) > limit:  # the tag must fit the column's length
                        kept = max(limit - len(tag) - (len(domain) + 1 if at else 1), 0)
                        candidate = (f"{local[:kept]}{tag}@{domain}" if at else f"{value[:kept]}-{tag}")[-limit:]
                else:
                    candidate = (not value) if isinstance(value, bool) else value + bump
                key = hash(candidate)
                tags[row] = candidate
            seen.add(key)
        return tags


def case_rows(parent: pa.Array, case: Case) -> pa.Array:
    """Rows whose parent value is one of the case's `when` values, compared in the parent's type."""
    wanted = case.values()
    t = parent.type
    if pa.types.is_boolean(t):
        found = pc.is_in(parent, value_set=pa.array([bool(w) for w in wanted if isinstance(w, bool)], pa.bool_()))
    elif pa.types.is_integer(t) or pa.types.is_floating(t):
        numbers = [float(w) for w in wanted if isinstance(w, (int, float)) and not isinstance(w, bool)]
        numbers += [float(w) for w in wanted if isinstance(w, str) and re.fullmatch(r"-?\d+(\.\d+)?", w)]
        found = pc.is_in(pc.cast(parent, pa.float64(), safe=False), value_set=pa.array(numbers, pa.float64()))
    else:
        text = [("true" if w else "false") if isinstance(w, bool) else str(w) for w in wanted]
        found = pc.is_in(pc.cast(parent, pa.string()), value_set=pa.array(text, pa.string()))
    return found.fill_null(False)


# --- makers, one per column type ---

def unique_offsets(col: Column, size: int, block: Block) -> np.ndarray:
    """Row k of the whole table -> (a*k + b) mod size: a permutation, so no value repeats."""
    rng = np.random.default_rng(block.key(UNIQUE_STREAMS + block.index[col.name]))
    a = int(rng.integers(1, min(size, 2**31))) if size > 2 else 1
    while math.gcd(a, size) != 1:
        a = a % (size - 1) + 1
    b = int(rng.integers(0, size))
    return (block.rows() * a + b) % size


def id_values(col: Column, rows: np.ndarray) -> pa.Array:
    """Sequential ids of these row numbers: 1, 2, 3 ... or R-0001."""
    start = col.start if isinstance(col.start, int) else 1
    numbers = pa.array(rows.astype(np.int64) + start)
    if not col.prefix and not col.width:
        return numbers
    text = pc.cast(numbers, pa.string())
    if col.width:
        text = pc.utf8_lpad(text, col.width, "0")
    return pc.binary_join_element_wise(col.prefix or "", text, "") if col.prefix else text


def make_id(col: Column, block: Block, rng: np.random.Generator) -> pa.Array:
    if col.format == "uuid":
        return uuid_strings(rng, block.n)
    if col.per:  # numbered within each parent row: line 1, 2, 3 of each order
        return id_values(col, series_position(col, block)[1])
    return id_values(col, block.rows())


def draw_numbers(col: Column, n: int, rng: np.random.Generator) -> np.ndarray:
    """Values of the column's distribution inside [min, max]; out-of-range draws are redrawn."""
    lo, hi = numeric_bounds(col)
    dist = col.distribution or "uniform"
    if dist == "empirical":
        return numbers_from_uniforms(col, rng.random(n))
    if dist == "uniform" or hi == lo:
        if col.type == "int":
            return rng.integers(math.ceil(lo), math.floor(hi) + 1, n).astype(np.float64)
        return rng.uniform(lo, hi, n)
    mean, std, shift = moments(col)

    def sample(k: int) -> np.ndarray:
        if dist == "normal":
            return rng.normal(mean, std, k)
        if dist == "lognormal":
            sigma2 = math.log1p((std / shift) ** 2)
            return lo + rng.lognormal(math.log(shift) - sigma2 / 2, math.sqrt(sigma2), k)
        if dist == "exponential":
            return lo + rng.exponential(shift, k)
        return lo + rng.poisson(shift, k)

    values = sample(n)
    for _ in range(MAX_REDRAWS):
        bad = np.flatnonzero((values < lo) | (values > hi))
        if not len(bad):
            break
        values[bad] = sample(len(bad))
    values = np.clip(values, lo, hi)
    if col.type == "int":
        values = np.clip(np.rint(values), math.ceil(lo), math.floor(hi))
    return values


def moments(col: Column) -> tuple[float, float, float]:
    """A distribution's mean and std inside min..max, and the mean's distance from min."""
    lo, hi = numeric_bounds(col)
    dist = col.distribution or "uniform"
    span = hi - lo
    default_mean = {"normal": lo + span / 2, "lognormal": lo + span / 4,
                    "exponential": lo + span / 5, "poisson": lo + span / 4}.get(dist, lo + span / 2)
    mean = min(max(col.mean if col.mean is not None else default_mean, lo), hi)
    shift = max(mean - lo, span * 1e-6)
    std = col.std if col.std is not None else (span / 6 if dist == "normal" else shift * 0.8)
    return mean, max(std, span * 1e-9), shift


def numbers_from_uniforms(col: Column, u: np.ndarray) -> np.ndarray:
    """The inverse of the column's distribution, truncated to min..max, at the uniforms u: how a
    correlated or empirical column draws, so ranks carry over from the copula."""
    lo, hi = numeric_bounds(col)
    dist = col.distribution or "uniform"
    if dist == "empirical":
        q = np.array(col.quantiles or [lo, hi], dtype=np.float64)
        values = np.interp(u, np.linspace(0, 1, len(q)), q)
    elif dist == "uniform" or hi == lo:
        values = np.floor(lo + u * (hi - lo + 1)) if col.type == "int" else lo + u * (hi - lo)
    else:
        from scipy import special  # imported on first use: it costs half a second to load

        mean, std, shift = moments(col)
        with np.errstate(all="ignore"):
            if dist == "normal":
                a, b = special.ndtr((lo - mean) / std), special.ndtr((hi - mean) / std)
                values = mean + std * special.ndtri(a + u * (b - a))
            elif dist == "lognormal":
                s = math.sqrt(math.log1p((std / shift) ** 2))
                m = math.log(shift) - s * s / 2
                b = special.ndtr((math.log(max(hi - lo, 1e-12)) - m) / s)
                values = lo + np.exp(m + s * special.ndtri(u * b))
            elif dist == "exponential":
                values = lo - shift * np.log1p(-u * -np.expm1(-(hi - lo) / shift))
            else:  # the Poisson quantile: the least k whose CDF reaches u, from the CDF's inverse in k
                top = special.pdtr(np.floor(hi - lo), shift)
                values = lo + np.ceil(special.pdtrik(np.clip(u * top, 1e-12, 1 - 1e-12), shift) - 1)
    values = np.clip(np.nan_to_num(values, nan=lo), lo, hi)
    if col.type == "int":
        values = np.clip(np.rint(values), math.ceil(lo), math.floor(hi))
    return values


def make_number(col: Column, block: Block, rng: np.random.Generator) -> pa.Array:
    lo, _ = numeric_bounds(col)
    decimals = col.decimals if col.decimals is not None else DEFAULT_DECIMALS
    u = block.uniforms(col)
    if col.unique:
        steps = unique_offsets(col, unique_size(col) or 1, block)
        values = steps.astype(np.float64) / (10 ** decimals if col.type == "float" else 1)
        values = values + (math.ceil(lo) if col.type == "int" else lo)
    elif u is not None:
        values = numbers_from_uniforms(col, u)
    else:
        values = draw_numbers(col, block.n, rng)
    if col.type == "int":
        return pa.array(values.astype(np.int64))
    if col.hidden and col.decimals is None:  # a helper keeps full precision unless it rounds itself
        return pa.array(values)
    return pa.array(np.round(values, decimals))


def make_bool(col: Column, block: Block, rng: np.random.Generator) -> pa.Array:
    if col.unique:
        return pa.array(unique_offsets(col, 2, block) == 1)
    return pa.array(rng.random(block.n) < (col.p if col.p is not None else 0.5))


def make_date(col: Column, block: Block, rng: np.random.Generator) -> pa.Array:
    if col.after:
        return dates_after(col, block, rng)
    if col.step:
        return dates_in_series(col, block)
    n, is_date = block.n, col.type == "date"
    start, end = date_bounds(col)
    first = (start - EPOCH_DAY).days
    span = (end - start).days + 1
    u = block.uniforms(col)
    if col.unique:
        offsets = unique_offsets(col, unique_size(col) or 1, block)
    elif col.distribution == "empirical" or u is not None:
        days = dates_from_uniforms(col, u if u is not None else rng.random(n), first, span)
        seconds = np.round(days * SECONDS_PER_DAY).astype(np.int64)
        if col.hours is not None and not is_date:  # the day from the draw, the time of day from the hours
            seconds = seconds // SECONDS_PER_DAY * SECONDS_PER_DAY + times_of_day(col, rng, n)
        offsets = (seconds // SECONDS_PER_DAY - first) if is_date else seconds - first * SECONDS_PER_DAY
    elif col.hours is None and col.weekdays is None:
        offsets = rng.integers(0, span * (1 if is_date else SECONDS_PER_DAY), n)
    else:
        offsets = timed_offsets(col, rng, n, first, span, is_date)
    if is_date:
        return pa.array((offsets + first).astype(np.int32), pa.date32())
    return pa.array((offsets + first * SECONDS_PER_DAY).astype(np.int64), pa.timestamp("s"))


def dates_from_uniforms(col: Column, u: np.ndarray, first: int, span: int) -> np.ndarray:
    """Days since 1970 (with the time as a fraction) at the uniforms u."""
    if col.distribution == "empirical":
        q = np.array([date_quantile(col, v) for v in col.quantiles or []], dtype=np.float64)
        return np.interp(u, np.linspace(0, 1, len(q)), q)
    return first + u * span


def timed_offsets(col: Column, rng: np.random.Generator, n: int, first: int, span: int, is_date: bool) -> np.ndarray:
    """Days weighted by weekday, times of day inside a window or weighted by hour."""
    if col.weekdays is not None:
        weekday_of = (np.arange(first, first + span) + 3) % 7   # 1970-01-01 was a Thursday (3)
        weights = np.asarray(col.weekdays, dtype=np.float64)[weekday_of]
        cum = np.cumsum(weights / weights.sum())
        days = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), span - 1)
    else:
        days = rng.integers(0, span, n)
    if is_date:
        return days
    return days * SECONDS_PER_DAY + times_of_day(col, rng, n)


def times_of_day(col: Column, rng: np.random.Generator, n: int) -> np.ndarray:
    if isinstance(col.hours, str):
        m = HOURS_WINDOW.match(col.hours.strip())
        assert m
        lo = int(m.group(1)) * 3600 + int(m.group(2)) * 60
        hi = int(m.group(3)) * 3600 + int(m.group(4)) * 60
        length = (hi - lo) % SECONDS_PER_DAY or SECONDS_PER_DAY
        return (lo + rng.integers(0, length, n)) % SECONDS_PER_DAY
    if col.hours is not None:
        weights = np.asarray(col.hours, dtype=np.float64)
        hours = np.minimum(np.searchsorted(np.cumsum(weights / weights.sum()), rng.random(n), side="right"), 23)
        return hours * 3600 + rng.integers(0, 3600, n)
    return rng.integers(0, SECONDS_PER_DAY, n)


def dates_after(col: Column, block: Block, rng: np.random.Generator) -> pa.Array:
    n, is_date = block.n, col.type == "date"
    base = block.by_name(col.after or "")
    lo, hi = after_days(col)
    if is_date:
        days = rng.integers(math.ceil(lo), math.floor(hi) + 1, n) if math.floor(hi) >= math.ceil(lo) else np.full(n, int(lo))
        base_days = pc.cast(pc.cast(base, pa.date32()) if not pa.types.is_date32(base.type) else base, pa.int32())
        moved = pc.add(pc.cast(base_days, pa.int64()), pa.array(days))
        return within_dates(moved, 1, pa.date32())
    seconds = pc.cast(pc.cast(base, pa.timestamp("s")), pa.int64())
    if pa.types.is_date32(base.type):  # a time of day for a datetime that follows a date
        seconds = pc.add(seconds, pa.array(rng.integers(0, SECONDS_PER_DAY, n)))
    moved = pc.add(seconds, pa.array(np.round(rng.uniform(lo, hi, n) * SECONDS_PER_DAY).astype(np.int64)))
    return within_dates(moved, SECONDS_PER_DAY, pa.timestamp("s"))


def within_dates(values: pa.Array, unit: int, kind: pa.DataType) -> pa.Array:
    """Days (unit 1) or seconds past 1900..2100, from a chain of long delays, are empty cells."""
    inside = pc.and_(pc.greater_equal(values, MIN_DAY * unit), pc.less(values, (MAX_DAY + 1) * unit))
    if not pc.all(inside.fill_null(True)).as_py():
        values = pc.if_else(inside, values, pa.scalar(None, values.type))
    return pc.cast(values, pa.int32() if unit == 1 else pa.int64()).cast(kind)


def series_position(col: Column, block: Block) -> tuple[np.ndarray, np.ndarray]:
    """For each row: which entity's series it belongs to, and its place in that series."""
    rows = block.rows()
    table = block.table
    if not col.per:
        return np.zeros(block.n, dtype=np.int64), rows
    block.get(block.index[col.per])
    entity = block.ref_rows[col.per]
    if col.per == table.owner:
        starts = block.plan.starts[table.name]
        return entity, rows - starts[entity]
    parents, size = block.plan.sizes[table.column(col.per).table], block.maker.size  # type: ignore[union-attr,index]
    first = -(-entity * size // parents)
    return entity, rows - first


def dates_in_series(col: Column, block: Block) -> pa.Array:
    """Consecutive rows of one entity are `step` apart, from a start drawn for that entity."""
    entity, k = series_position(col, block)
    start, end = date_bounds(col)
    first = (start - EPOCH_DAY).days
    span = (end - start).days + 1
    seconds, months = step_size(col)
    salt = SERIES_SALT + zlib.crc32(f"{block.table.name}.{col.name}".encode()) + block.seed
    exact = series_start(col)
    if exact is not None:  # start == end: every series starts at that moment
        begin = np.full(block.n, exact, dtype=np.int64)
    else:
        u = hashed_uniform(entity, salt)
        begin = first * SECONDS_PER_DAY + np.floor(u * span * SECONDS_PER_DAY).astype(np.int64)
        if seconds and seconds <= SECONDS_PER_DAY:
            begin -= begin % seconds  # a 15-minute series starts on a quarter hour
        elif seconds or months:
            begin -= begin % SECONDS_PER_DAY
    if months:
        day = (begin // SECONDS_PER_DAY).astype("datetime64[D]")
        month = day.astype("datetime64[M]")
        moved = (month + (k * months).astype("timedelta64[M]"))
        into = (day - month).astype(np.int64)
        next_month = (moved + np.timedelta64(1, "M")).astype("datetime64[D]")
        last = (next_month - moved.astype("datetime64[D]")).astype(np.int64) - 1
        values = (moved.astype("datetime64[D]").astype(np.int64) + np.minimum(into, last)) * SECONDS_PER_DAY \
            + begin % SECONDS_PER_DAY
    else:
        values = begin + k * seconds
    if col.type == "date":
        return within_dates(pa.array(values // SECONDS_PER_DAY), 1, pa.date32())
    return within_dates(pa.array(values.astype(np.int64)), SECONDS_PER_DAY, pa.timestamp("s"))


def series_start(col: Column) -> int | None:
    """The exact first moment of a series whose start and end are the same, in seconds since 1970."""
    if col.start is None or str(col.start) != str(col.end):
        return None
    seconds = round(date_quantile(col, str(col.start)) * SECONDS_PER_DAY) if isinstance(col.start, str) \
        and re.match(r"^\d{4}-\d\d-\d\d", col.start) else None
    return seconds


def make_pattern(col: Column, block: Block, rng: np.random.Generator) -> pa.Array:
    if not col.unique:
        return fill_templates([col.pattern or ""], np.zeros(block.n, dtype=np.int64), rng, faker_codes=False)
    # Unique: the row's place in a permutation, written in the pattern's own digits and letters.
    raw = (col.pattern or "").encode()
    grid = np.tile(np.frombuffer(raw, dtype=np.uint8), (block.n, 1))
    slots = [(i, 10 if ch == ord("#") else 26) for i, ch in enumerate(raw) if ch in (ord("#"), ord("?"))]
    size, permuted = 1, []
    for pos, radix in reversed(slots):  # the last slots count, as an odometer's do
        if size * radix > 2**62:
            break
        size *= radix
        permuted.append((pos, radix))
    rest = [s for s in slots if s not in permuted]
    for pos, radix in rest:
        grid[:, pos] = rng.integers(0, radix, block.n) + (48 if radix == 10 else 65)
    value = unique_offsets(col, size, block)
    for pos, radix in permuted:
        value, digit = np.divmod(value, radix)
        grid[:, pos] = digit + (48 if radix == 10 else 65)
    fixed = np.ascontiguousarray(grid).view(f"S{len(raw)}").ravel()
    return pc.cast(pa.array(fixed, pa.binary()), pa.string())


def choice_values(col: Column) -> pa.Array:
    values = col.values or []
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return pa.array(values, pa.int64() if all(isinstance(v, int) for v in values) else pa.float64())
    return pa.array([("true" if v else "false") if isinstance(v, bool) else str(v) for v in values], pa.string())


def cumulative(weights: list[float] | None, k: int) -> np.ndarray:
    w = np.ones(k) if weights is None else np.asarray(weights, dtype=np.float64)
    return np.cumsum(w / w.sum())


def make_choice(col: Column, block: Block, rng: np.random.Generator) -> pa.Array:
    values = choice_values(col)
    k, n = len(values), block.n
    if col.unique:
        return values.take(pa.array(unique_offsets(col, k, block)))
    idx = np.searchsorted(cumulative(col.weights, k), rng.random(n), side="right")
    return values.take(pa.array(np.minimum(idx, k - 1)))


def make_faker(col: Column, block: Block, rng: np.random.Generator) -> pa.Array:
    """People and places of an entity agree within a row; other methods come from fakes.py."""
    method, args = col.method or "", col.args or {}
    if method in PERSON_METHODS and not args:
        return block.person(col.entity or "").field(method, rng)
    if method in PLACE_METHODS and not args:
        place = block.place(col.entity or "")
        if place is not None and method in place:
            return place[method]
    return block.faker.plain(method, block.n, rng, args)


def formula_decimals(col: Column) -> int | None:
    """Decimals a formula's floats are rounded to when made: the column's own, else round()'s;
    None for a hidden helper that does not round (it keeps full precision)."""
    if col.decimals is not None:
        return col.decimals
    found = result_decimals(parse_formula(col.expr or "", col.name).tree)
    if found is not None:
        return found
    return None if col.hidden else DEFAULT_DECIMALS


def make_formula(col: Column, block: Block, rng: np.random.Generator) -> pa.Array:
    formula = parse_formula(col.expr or "", col.name)
    env = {name: block.by_name(name) for name in formula.names}
    result = pa_array(FormulaEval(env, block.n, rng, col.name, dict(formula.quoted)).run(formula.tree), block.n)
    if pa.types.is_null(result.type):
        result = result.cast(pa.string())
    if pa.types.is_floating(result.type):
        values = result.to_numpy(zero_copy_only=False)
        values = np.where(np.abs(values) <= MAX_ABS_NUMBER, values, np.nan)  # past the bound: an empty cell
        decimals = formula_decimals(col)
        result = float_array(values if decimals is None else np.round(values, decimals))
    return result


def make_ref(col: Column, block: Block, rng: np.random.Generator) -> pa.Array:
    """A key of the referenced table: the owning parent row in a per table, a series' entity in
    even runs when a time series steps per this column, else a pick (uniform or zipf)."""
    table = block.table
    parent = block.plan.maker(col.table or "")
    size = parent.size
    if col.name == table.owner:
        rows = np.searchsorted(block.plan.starts[table.name], block.rows(), side="right") - 1
    elif col.table == table.name:  # an earlier row of the same table (a manager, a parent category)
        own = block.rows()
        rows = np.where(own > 0, np.floor(rng.random(block.n) * own).astype(np.int64), -1)
    elif any(c.step and c.per == col.name for c in table.columns):
        rows = block.rows() * max(size, 1) // max(block.maker.size, 1)
    elif size == 0:
        rows = np.full(block.n, -1, dtype=np.int64)
    elif col.distinct:
        rows = distinct_rows(block, size)
    elif col.distribution == "zipf":
        rows = zipf_rows(size, rng, block)
    else:
        rows = rng.integers(0, size, block.n)
    block.ref_rows[col.name] = rows
    if size == 0:
        return pa.nulls(block.n, pa.string())
    keys = parent.keys_at(np.maximum(rows, 0))
    return keys if (rows >= 0).all() else pc.if_else(pa.array(rows >= 0), keys, pa.scalar(None, keys.type))


def distinct_rows(block: Block, size: int) -> np.ndarray:
    """Picks that differ within each owning parent row: the k-th child of a parent takes
    (start + k * stride) mod size, a walk that repeats no row before it has visited all."""
    starts = block.plan.starts[block.table.name]
    rows = block.rows()
    parent = np.searchsorted(starts, rows, side="right") - 1
    k = rows - starts[parent]
    salt = zlib.crc32(block.table.name.encode()) + block.seed
    start = np.floor(hashed_uniform(parent, salt) * size).astype(np.int64)
    stride = np.floor(hashed_uniform(parent, salt + 1) * size).astype(np.int64) | 1
    stride = np.where(np.gcd(stride, size) == 1, stride, 1)
    return (start + k * stride) % size


def zipf_rows(size: int, rng: np.random.Generator, block: Block) -> np.ndarray:
    """Ranks with P(rank k) ~ 1/k^s over 1..size (a continuous inverse), spread over the table by
    a fixed permutation so the popular rows are not simply the first ones."""
    s = ZIPF_EXPONENT
    u = rng.random(block.n)
    top = (size + 1.0) ** (1 - s)
    ranks = np.floor((1 + u * (top - 1)) ** (1 / (1 - s))).astype(np.int64) - 1
    ranks = np.clip(ranks, 0, size - 1)
    spread = np.random.default_rng([block.seed, size, UNIQUE_STREAMS])
    a = int(spread.integers(1, max(size, 2))) if size > 2 else 1
    while math.gcd(a, size) != 1:
        a = a % (size - 1) + 1
    return (ranks * a + int(spread.integers(0, size))) % size


MAKERS: dict[str, Callable[[Column, Block, np.random.Generator], pa.Array]] = {
    "id": make_id, "faker": make_faker, "choice": make_choice, "int": make_number,
    "float": make_number, "bool": make_bool, "date": make_date, "datetime": make_date,
    "pattern": make_pattern, "formula": make_formula, "ref": make_ref,
}


# --- blocks into tables ---

def make_block(schema: Schema, seed: int, number: int, rows: int, locale: str | None = None) -> pa.Table:
    """Block `number` of a `rows`-row output of the main table, as a table of its visible columns."""
    return plan(schema, rows, seed, locale).maker(schema.main_table().name).table_block(number)


def check_sizes(the_plan: Plan) -> None:
    for name, size in the_plan.sizes.items():
        table = the_plan.schema.table(name)
        check_capacity(the_plan.schema, table, size)
        for col in table.columns:
            if col.type == "ref" and col.distinct and table.per and table.per.max > the_plan.sizes[col.table or ""]:
                raise SchemaError(f"table {name!r}, column {col.name!r}: up to {table.per.max} distinct picks per "
                                  f"parent row, but {col.table!r} has only {the_plan.sizes[col.table or '']} rows")


def main_rows(schema: Schema, rows: int, seed: int, locale: str | None = None) -> pa.Table:
    """The main table's rows in one Arrow table (for a report on a sample, not for streaming)."""
    the_plan = plan(schema, rows, seed, locale)
    check_sizes(the_plan)
    return pa.concat_tables(table_batches(the_plan, schema.main_table().name))


def table_batches(the_plan: Plan, name: str, batch_blocks: int = 1) -> Iterator[pa.Table]:
    """One table's rows as tables of `batch_blocks` blocks each, in order."""
    maker = the_plan.maker(name)
    blocks = max(maker.blocks, 1)
    for first in range(0, blocks, batch_blocks):
        yield pa.concat_tables([maker.table_block(b) for b in range(first, min(first + batch_blocks, blocks))])


def prefetched(batches: Iterator[tuple[str, pa.Table]]) -> Iterator[tuple[str, pa.Table]]:
    """The next batch is made on a second thread while the caller writes this one (Arrow's
    kernels release the GIL). Batches are still made one at a time, in order."""
    with ThreadPoolExecutor(1, thread_name_prefix="blocks") as worker:
        pending = worker.submit(next, batches, None)
        while True:
            item = pending.result()
            if item is None:
                return
            pending = worker.submit(next, batches, None)
            yield item


def dataset_batches(the_plan: Plan, names: list[str], batch_blocks: int = 1) -> Iterator[tuple[str, pa.Table]]:
    """The batches of the named tables, each table whole before the next, parents first."""
    order = [n for n in table_order(the_plan.schema) if n in names]
    for name in order:
        for batch in table_batches(the_plan, name, batch_blocks):
            yield name, batch


def tables(schema: Schema, rows: int, seed: int, batch_blocks: int = 1,
           locale: str | None = None) -> Iterator[pa.Table]:
    """The main table's rows as batches (a one-table schema's output)."""
    the_plan = plan(schema, rows, seed, locale)
    check_sizes(the_plan)
    name = schema.main_table().name
    for _, batch in prefetched(dataset_batches(the_plan, [name], batch_blocks)):
        yield batch

