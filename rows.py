"""Row makers: a schema's rows, made a block of 65,536 at a time, column by column, with numpy
and pyarrow, so any number of rows streams in constant memory.

Every random draw of a block comes from a stream seeded with (seed, block number, stream,
purpose) only (RANDOM STREAMS below), so the same seed gives the same rows whatever the batching,
the worker or the machine. One maker per column type (MAKERS); Faker's columns come from fakes.py.

It does not check schemas (schema.py does, before the first block) or print cells (writers.py).
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cells import DEFAULT_DECIMALS, EPOCH_DAY, SECONDS_PER_DAY
from fakes import PERSON_METHODS, PLACE_METHODS, FakerColumns, Person, fill_templates, real_places, uuid_strings
from formula import FormulaEval, float_array, pa_array, parse_formula
from schema import (Column, Schema, after_days, check_capacity, date_bounds, generation_order, numeric_bounds,
                    unique_size)

BLOCK_ROWS = 65_536             # rows per seeded block: the unit of determinism, fixed forever
MAX_REDRAWS = 8                 # out-of-range draws of a distribution are drawn again this often
GENDER_NAME = re.compile(r"(^|_)(gender|sex)($|_)", re.I)


# --- random streams ---

# A block's generator for (stream, purpose) is numpy's default_rng([seed, block, stream, purpose]).
# These numbers are part of the output: changing one changes the bytes of every seed.
VALUES, PERSON, NULLS, GENDER, PLACE = 0, 1, 2, 3, 4     # purposes; a column's stream is its index
PERSON_STREAMS = 100_000        # + crc32(entity) % 100_000: the people of one entity
PLACE_STREAMS = 200_000         # + crc32(entity) % 100_000: the places of one entity
ENTITY_STREAMS = 100_000        # streams per kind of entity
UNIQUE_STREAMS = 2**31          # + column index, seeded without the block: one permutation per column


def entity_stream(base: int, entity: str) -> int:
    return base + zlib.crc32(entity.encode()) % ENTITY_STREAMS


# --- blocks ---

@dataclass
class Block:
    """One seeded block of rows: the columns made so far, and the people and places they share."""

    schema: Schema
    seed: int
    number: int
    n: int
    offset: int
    locale: str
    uniques: dict[int, set[int]]
    index: dict[str, int] = field(default_factory=dict)
    values: dict[int, pa.Array] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    places: dict[str, dict[str, pa.Array] | None] = field(default_factory=dict)
    _faker: FakerColumns | None = None

    def __post_init__(self) -> None:
        self.index = {c.name: i for i, c in enumerate(self.schema.columns)}

    def rng(self, stream: int, purpose: int = VALUES) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.number, stream % 2**32, purpose])

    @property
    def faker(self) -> FakerColumns:
        if self._faker is None:
            self._faker = FakerColumns(self.locale, self.n)
        return self._faker

    def get(self, i: int) -> pa.Array:
        if i not in self.values:
            col = self.schema.columns[i]
            values = MAKERS[col.type](col, self, self.rng(i))
            if col.unique and col.type == "faker":  # other types are unique by construction
                values = self.make_unique(i, values)
            if col.null_rate > 0:
                mask = pa.array(self.rng(i, NULLS).random(self.n) < col.null_rate)
                values = pc.if_else(mask, pa.scalar(None, values.type), values)
            self.values[i] = values
        return self.values[i]

    def by_name(self, name: str) -> pa.Array:
        return self.get(self.index[name])

    def person(self, entity: str) -> Person:
        if entity not in self.people:
            rng = self.rng(entity_stream(PERSON_STREAMS, entity), PERSON)
            self.people[entity] = Person.make(self.faker, rng, self.entity_gender(entity))
        return self.people[entity]

    def entity_gender(self, entity: str) -> np.ndarray | None:
        """Rows whose entity is female, from a gender column of that entity, so names agree with it."""
        for i, col in enumerate(self.schema.columns):
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
            methods = {c.method for c in self.schema.columns
                       if c.type == "faker" and (c.entity or "") == entity and c.method in PLACE_METHODS}
            rng = self.rng(entity_stream(PLACE_STREAMS, entity), PLACE)
            self.places[entity] = real_places(methods, self.faker, rng)
        return self.places[entity]

    def make_unique(self, i: int, values: pa.Array) -> pa.Array:
        """Strings that repeat an earlier value get the row number; numbers never repeat by design."""
        if not (pa.types.is_string(values.type)):
            return values
        seen = self.uniques.setdefault(i, set())
        out = values.to_pylist()
        for row, value in enumerate(out):
            if value is None:
                continue
            key, bump = hash(value), 0
            while key in seen:
                bump += 1
                tag = str(self.offset + row + 1) + ("" if bump == 1 else f"_{bump}")
                local, at, domain = value.partition("@")
                candidate = f"{local}{tag}@{domain}" if at else f"{value}-{tag}"
                key = hash(candidate)
                out[row] = candidate
            seen.add(key)
        return pa.array(out, pa.string())


# --- makers, one per column type ---

def unique_offsets(col: Column, size: int, block: Block) -> np.ndarray:
    """Row k of the whole output -> (a*k + b) mod size: a permutation, so no value repeats."""
    rng = np.random.default_rng([block.seed, UNIQUE_STREAMS + block.index[col.name]])
    a = int(rng.integers(1, min(size, 2**31))) if size > 2 else 1
    while math.gcd(a, size) != 1:
        a = a % (size - 1) + 1
    b = int(rng.integers(0, size))
    rows = np.arange(block.offset, block.offset + block.n, dtype=np.int64)
    return (rows * a + b) % size


def make_id(col: Column, block: Block, rng: np.random.Generator) -> pa.Array:
    if col.format == "uuid":
        return uuid_strings(rng, block.n)
    start = col.start if isinstance(col.start, int) else 1
    numbers = pa.array(np.arange(block.offset, block.offset + block.n, dtype=np.int64) + start)
    if not col.prefix and not col.width:
        return numbers
    text = pc.cast(numbers, pa.string())
    if col.width:
        text = pc.utf8_lpad(text, col.width, "0")
    return pc.binary_join_element_wise(col.prefix or "", text, "") if col.prefix else text


def draw_numbers(col: Column, n: int, rng: np.random.Generator) -> np.ndarray:
    """Values of the column's distribution inside [min, max]; out-of-range draws are redrawn."""
    lo, hi = numeric_bounds(col)
    dist = col.distribution or "uniform"
    if dist == "uniform" or hi == lo:
        if col.type == "int":
            return rng.integers(math.ceil(lo), math.floor(hi) + 1, n).astype(np.float64)
        return rng.uniform(lo, hi, n)
    span = hi - lo
    default_mean = {"normal": lo + span / 2, "lognormal": lo + span / 4,
                    "exponential": lo + span / 5, "poisson": lo + span / 4}[dist]
    mean = min(max(col.mean if col.mean is not None else default_mean, lo), hi)
    shift = max(mean - lo, span * 1e-6)
    std = col.std if col.std is not None else (span / 6 if dist == "normal" else shift * 0.8)

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


def make_number(col: Column, block: Block, rng: np.random.Generator) -> pa.Array:
    lo, _ = numeric_bounds(col)
    decimals = col.decimals if col.decimals is not None else DEFAULT_DECIMALS
    if col.unique:
        steps = unique_offsets(col, unique_size(col) or 1, block)
        values = steps.astype(np.float64) / (10 ** decimals if col.type == "float" else 1)
        values = values + (math.ceil(lo) if col.type == "int" else lo)
    else:
        values = draw_numbers(col, block.n, rng)
    if col.type == "int":
        return pa.array(values.astype(np.int64))
    return pa.array(np.round(values, decimals))


def make_bool(col: Column, block: Block, rng: np.random.Generator) -> pa.Array:
    return pa.array(rng.random(block.n) < (col.p if col.p is not None else 0.5))


def make_date(col: Column, block: Block, rng: np.random.Generator) -> pa.Array:
    n, is_date = block.n, col.type == "date"
    if col.after:
        base = block.by_name(col.after)
        lo, hi = after_days(col)
        if is_date:
            days = rng.integers(math.ceil(lo), math.floor(hi) + 1, n) if math.floor(hi) >= math.ceil(lo) else np.full(n, int(lo))
            base_days = pc.cast(pc.cast(base, pa.date32()) if not pa.types.is_date32(base.type) else base, pa.int32())
            return pc.cast(pc.add(pc.cast(base_days, pa.int64()), pa.array(days)).cast(pa.int32()), pa.date32())
        seconds = pc.cast(pc.cast(base, pa.timestamp("s")), pa.int64())
        if pa.types.is_date32(base.type):  # a time of day for a datetime that follows a date
            seconds = pc.add(seconds, pa.array(rng.integers(0, SECONDS_PER_DAY, n)))
        moved = pc.add(seconds, pa.array(np.round(rng.uniform(lo, hi, n) * SECONDS_PER_DAY).astype(np.int64)))
        return pc.cast(moved, pa.timestamp("s"))
    start, end = date_bounds(col)
    first = (start - EPOCH_DAY).days
    span = (end - start).days + 1
    if col.unique:
        offsets = unique_offsets(col, unique_size(col) or 1, block)
    else:
        offsets = rng.integers(0, span * (1 if is_date else SECONDS_PER_DAY), n)
    if is_date:
        return pa.array((offsets + first).astype(np.int32), pa.date32())
    return pa.array((offsets + first * SECONDS_PER_DAY).astype(np.int64), pa.timestamp("s"))


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
    draws = rng.random(n)
    idx = np.searchsorted(cumulative(col.weights, k), draws, side="right")
    if col.depends_on and col.cases:
        parent = pc.cast(block.by_name(col.depends_on), pa.string())
        for case in col.cases:
            when = ("true" if case.when else "false") if isinstance(case.when, bool) else str(case.when)
            rows = pc.equal(parent, when).fill_null(False).to_numpy(zero_copy_only=False)
            idx[rows] = np.searchsorted(cumulative(case.weights, k), draws[rows], side="right")
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


def make_formula(col: Column, block: Block, rng: np.random.Generator) -> pa.Array:
    formula = parse_formula(col.expr or "", col.name)
    env = {name: block.by_name(name) for name in formula.names}
    result = pa_array(FormulaEval(env, block.n, rng, col.name).run(formula.tree), block.n)
    if pa.types.is_null(result.type):
        result = result.cast(pa.string())
    if pa.types.is_floating(result.type):
        values = result.to_numpy(zero_copy_only=False)
        result = float_array(np.round(values, col.decimals if col.decimals is not None else DEFAULT_DECIMALS))
    return result


MAKERS: dict[str, Callable[[Column, Block, np.random.Generator], pa.Array]] = {
    "id": make_id, "faker": make_faker, "choice": make_choice, "int": make_number,
    "float": make_number, "bool": make_bool, "date": make_date, "datetime": make_date,
    "pattern": make_pattern, "formula": make_formula,
}


# --- blocks into tables ---

def make_block(schema: Schema, seed: int, number: int, rows: int, locale: str | None = None,
               uniques: dict[int, set[int]] | None = None) -> pa.Table:
    """Block `number` of a `rows`-row output as a table of the visible columns."""
    offset = number * BLOCK_ROWS
    n = min(BLOCK_ROWS, rows - offset)
    block = Block(schema, seed % 2**64, number, n, offset, locale or schema.locale,
                  uniques if uniques is not None else {})
    for i in generation_order(schema):
        block.get(i)
    return pa.table({c.name: block.values[i] for i, c in enumerate(schema.columns) if not c.hidden})


def tables(schema: Schema, rows: int, seed: int, batch_blocks: int = 1,
           locale: str | None = None) -> Iterator[pa.Table]:
    """The rows as tables of `batch_blocks` blocks each, in order; batching never changes a row.
    Arrow's kernels release the GIL: the next batch is made on a second thread while the caller
    writes this one. Batches are still made one at a time, in order."""
    check_capacity(schema, rows)
    uniques: dict[int, set[int]] = {}
    blocks = math.ceil(rows / BLOCK_ROWS)

    def make_batch(first: int) -> pa.Table:
        return pa.concat_tables([make_block(schema, seed, b, rows, locale, uniques)
                                 for b in range(first, min(first + batch_blocks, blocks))])

    starts = list(range(0, blocks, batch_blocks))
    if len(starts) == 1:
        yield make_batch(0)
        return
    with ThreadPoolExecutor(1, thread_name_prefix="blocks") as maker:
        pending = maker.submit(make_batch, starts[0])
        for index in range(len(starts)):
            table = pending.result()
            if index + 1 < len(starts):
                pending = maker.submit(make_batch, starts[index + 1])
            yield table
