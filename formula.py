"""The formula language: parse an expression once, check every node against a whitelist and its
operand types, then evaluate it on whole blocks of rows with pyarrow.compute.

    quantity * unit_price            round(x, 4)               if(age >= 65, 'senior', 'adult')
    check_out - check_in  (days)     ordered + 30  (a date)    booked_at + delay_minutes / 1440
    month(day) in (6, 7, 8)          customer_id.segment       upper(city) + '-' + str(n // 10)

Every operator and function knows the kinds it takes (int, float, bool, str, date, datetime), so
`'ab' * 3` or `abs('x')` is a clear error when the schema is loaded, not in the middle of a
download. Evaluation never raises on values: a result with no meaning (a division by zero, an
integer past int64, a date past 2100, the log of a negative number) is an empty cell, so a later
block cannot fail after the first one was sent.

It does not know columns or schemas: the caller gives each name's kind for checking, and each
name's values as Arrow arrays and a random generator for `normal`, `uniform` and `randint` for
evaluating. Nothing but the listed functions can be called; no subscript, import or lambda
parses, and an attribute is only a reference through a `ref` column (`customer_id.segment`).
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cells import (
    DEFAULT_DECIMALS,
    EPOCH_DAY,
    MAX_ABS_NUMBER,
    MAX_DATE,
    MIN_DATE,
    SECONDS_PER_DAY,
    format_datetime,
    format_fixed,
    parse_day,
    text_ok,
)
from errors import SchemaError, clip

MAX_EXPR_CHARS = 2000
MAX_EXPR_NODES = 600
MAX_STRING_CONSTANT = 200
MAX_ROUND_DIGITS = 10           # round(x, n) takes n in -10..10
MAX_IN_VALUES = 100             # x in (a, b, ...) lists at most this many constants
MAX_TEXT_CELL_CHARS = 1000      # a text a formula builds is cut here: chained joins cannot grow without bound
MAX_PARSED_KEPT = 10_000        # parsed formulas remembered by their text
MAX_INT = 2**62                 # integer results past this are empty cells, not wrapped numbers
MIN_DAY = (MIN_DATE - EPOCH_DAY).days
MAX_DAY = (MAX_DATE - EPOCH_DAY).days

INT, FLOAT, BOOL, STR, DATE, DATETIME, ANY = "int", "float", "bool", "str", "date", "datetime", "any"
NUMBERS = {INT, FLOAT}
TEMPORAL = {DATE, DATETIME}
KIND_WORDS = {INT: "a whole number", FLOAT: "a number", BOOL: "true/false", STR: "text", DATE: "a date",
              DATETIME: "a date and time", ANY: "a value"}

# name -> (fewest, most) arguments
FORMULA_FUNCS: dict[str, tuple[int, int]] = {
    "if": (3, 3), "round": (1, 2), "min": (2, 8), "max": (2, 8), "abs": (1, 1), "floor": (1, 1),
    "ceil": (1, 1), "lower": (1, 1), "upper": (1, 1), "str": (1, 1), "year": (1, 1), "month": (1, 1),
    "day": (1, 1), "weekday": (1, 1), "hour": (1, 1), "today": (0, 0), "normal": (2, 2),
    "uniform": (2, 2), "randint": (2, 2), "sin": (1, 1), "cos": (1, 1), "exp": (1, 1), "log": (1, 1),
    "sqrt": (1, 1), "pi": (0, 0),
}
CONSTANTS = {"True": True, "False": False, "pi": math.pi}
FORMULA_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Call,
                 ast.Name, ast.Attribute, ast.Constant, ast.IfExp, ast.Tuple, ast.List, ast.Load, ast.Add,
                 ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.USub, ast.UAdd, ast.Not,
                 ast.And, ast.Or, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)
OPERATOR_WORDS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
                  ast.Pow: "**"}


@dataclass(frozen=True)
class Formula:
    tree: ast.expr
    names: tuple[str, ...]      # the columns it reads; "customer_id.segment" through a ref
    quoted: tuple[tuple[str, str], ...] = ()   # `Order Date` as the identifier that stands for it

    def original(self, name: str) -> str:
        return dict(self.quoted).get(name, name)


_FORMULA_CACHE: dict[str, Formula] = {}


def dotted(node: ast.expr) -> str | None:
    """`a.b.c` as one name when it is a chain of plain names, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def parse_formula(expr: str, column: str) -> Formula:
    """Parse once and check every node against the whitelist; the names it reads, in order."""
    cached = _FORMULA_CACHE.get(expr)
    if cached:
        return cached
    where = f"column {column!r}: formula"
    if len(expr) > MAX_EXPR_CHARS:
        raise SchemaError(f"{where} is longer than {MAX_EXPR_CHARS} characters")
    source, quoted = quote_names(re.sub(r"\bif\s*\(", "if_(", expr))  # `if` is a keyword in Python's grammar
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        raise SchemaError(f"{where} {clip(expr, 80)!r} is not an expression: {err.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise SchemaError(f"{where} is nested too deeply") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_EXPR_NODES:
        raise SchemaError(f"{where} has more than {MAX_EXPR_NODES} parts")
    names: list[str] = []
    skip: set[int] = set()
    for node in nodes:
        if id(node) in skip:
            continue
        if not isinstance(node, FORMULA_NODES):
            raise SchemaError(f"{where} may not use {type(node).__name__} (only arithmetic, "
                              f"comparisons and {', '.join(FORMULA_FUNCS)})")
        if isinstance(node, ast.Call):
            fname = node.func.id.removesuffix("_") if isinstance(node.func, ast.Name) else None
            if fname not in FORMULA_FUNCS or node.keywords:
                raise SchemaError(f"{where} calls {clip(ast.unparse(node.func), 40)!r}, which is not "
                                  f"one of {', '.join(FORMULA_FUNCS)}")
            lo, hi = FORMULA_FUNCS[fname]
            if not lo <= len(node.args) <= hi:
                raise SchemaError(f"{where}: {fname}() takes {lo}..{hi} arguments, got {len(node.args)}")
            skip.add(id(node.func))
        elif isinstance(node, ast.Attribute):
            name = dotted(node)
            if name is None or any(p.startswith("_") for p in name.split(".")):
                raise SchemaError(f"{where}: {clip(ast.unparse(node), 40)!r} is not a column read through "
                                  "a ref column (like customer_id.segment)")
            names.append(name)
            skip.update(id(n) for n in ast.walk(node) if n is not node)
        elif isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise SchemaError(f"{where} may not use the name {clip(node.id, 40)!r}")
            if node.id not in CONSTANTS:
                names.append(node.id)
        elif isinstance(node, ast.Constant):
            check_constant(node.value, where)
        elif isinstance(node, (ast.Tuple, ast.List)):
            if not all(isinstance(e, ast.Constant) for e in node.elts) or len(node.elts) > MAX_IN_VALUES:
                raise SchemaError(f"{where}: a list in a formula holds only constants, at most {MAX_IN_VALUES}, "
                                  "after `in`, as in month(day) in (6, 7, 8)")
        elif isinstance(node, ast.Compare):
            for i, (op, right) in enumerate(zip(node.ops, node.comparators)):
                if isinstance(op, (ast.In, ast.NotIn)) != isinstance(right, (ast.Tuple, ast.List)):
                    raise SchemaError(f"{where}: `in` takes a list of constants, as in x in (1, 2, 3)")
                if isinstance(op, (ast.In, ast.NotIn)) and i < len(node.ops) - 1:
                    raise SchemaError(f"{where}: `in` ends a comparison; join two with and/or")
    for node in nodes:  # lists stand only after `in`
        if isinstance(node, ast.Compare):
            skip.update(id(c) for c in node.comparators if isinstance(c, (ast.Tuple, ast.List)))
    if any(isinstance(n, (ast.Tuple, ast.List)) and id(n) not in skip for n in nodes):
        raise SchemaError(f"{where}: a list stands only after `in`, as in x in (1, 2, 3)")
    aliases = dict(quoted)
    formula = Formula(tree.body, tuple(dict.fromkeys(aliases.get(n, n) for n in names)), tuple(quoted))
    if len(_FORMULA_CACHE) < MAX_PARSED_KEPT:
        _FORMULA_CACHE[expr] = formula
    return formula


QUOTED_NAME = re.compile(r"`([^`\n]{1,64})`")


def quote_names(source: str) -> tuple[str, list[tuple[str, str]]]:
    """Column names that are not identifiers, written in backticks (`Order Date`), as identifiers
    no column can have (they hold a character names may not); the pairs map them back."""
    quoted: list[tuple[str, str]] = []

    def swap(m: re.Match[str]) -> str:
        stand_in = f"quoted\u00b7{len(quoted)}"
        quoted.append((stand_in, m.group(1)))
        return stand_in
    return QUOTED_NAME.sub(swap, source), quoted


def check_constant(value: Any, where: str) -> None:
    if not isinstance(value, (int, float, str, bool)):
        raise SchemaError(f"{where} has an unsupported constant {clip(repr(value), 40)}")
    if isinstance(value, str):
        text_ok(value, f"{where}: a text", MAX_STRING_CONSTANT)
    elif not isinstance(value, bool) and (not math.isfinite(value) or abs(value) > MAX_ABS_NUMBER):
        raise SchemaError(f"{where} has a number outside +-{MAX_ABS_NUMBER:g}")


# --- kinds: what each operator and function takes and gives ---

class Typer:
    """The kind of a formula's result from the kinds of the names it reads; a SchemaError that
    names the operator and the kinds when they do not fit."""

    def __init__(self, kinds: dict[str, str], column: str, aliases: dict[str, str] | None = None):
        self.kinds, self.column, self.aliases = kinds, column, aliases or {}

    def fail(self, message: str) -> SchemaError:
        return SchemaError(f"column {self.column!r}: formula {message}")

    def kind(self, node: ast.expr) -> str:
        handler = getattr(self, "k_" + type(node).__name__, None)
        if handler is None:  # a node the whitelist lets through only in one place (a list after `in`)
            raise self.fail(f"cannot use {clip(ast.unparse(node), 40)!r} there")
        return handler(node)

    def k_Constant(self, node: ast.Constant) -> str:
        v = node.value
        return BOOL if isinstance(v, bool) else INT if isinstance(v, int) else FLOAT if isinstance(v, float) else STR

    def k_Name(self, node: ast.Name) -> str:
        if node.id in CONSTANTS:
            return BOOL if isinstance(CONSTANTS[node.id], bool) else FLOAT
        return self.kinds.get(self.aliases.get(node.id, node.id), ANY)

    def k_Attribute(self, node: ast.Attribute) -> str:
        return self.kinds.get(dotted(node) or "", ANY)

    def k_UnaryOp(self, node: ast.UnaryOp) -> str:
        k = self.kind(node.operand)
        if isinstance(node.op, ast.Not):
            self.truthy(k, "not")
            return BOOL
        if k not in NUMBERS | {ANY}:
            raise self.fail(f"puts {'-' if isinstance(node.op, ast.USub) else '+'} before {KIND_WORDS[k]}")
        return k

    def truthy(self, k: str, what: str) -> None:
        if k not in {BOOL, INT, FLOAT, ANY}:
            raise self.fail(f"uses {KIND_WORDS[k]} as a condition ({what})")

    def k_BoolOp(self, node: ast.BoolOp) -> str:
        for v in node.values:
            self.truthy(self.kind(v), "and/or")
        return BOOL

    def k_Compare(self, node: ast.Compare) -> str:
        left = node.left
        for op, right in zip(node.ops, node.comparators):
            a = self.kind(left)
            if isinstance(op, (ast.In, ast.NotIn)):
                for element in right.elts:  # type: ignore[attr-defined]
                    self.comparable(a, self.kind(element), element, "in")
            else:
                self.comparable(a, self.kind(right), right, type(op).__name__)
            left = right
        return BOOL

    def comparable(self, a: str, b: str, right: ast.expr, op: str) -> None:
        if ANY in (a, b) or a == b or {a, b} <= NUMBERS or {a, b} <= TEMPORAL:
            return
        if a in TEMPORAL and b == STR and isinstance(right, ast.Constant):
            parse_day(right.value, f"column {self.column!r}: formula compares a date with")
            return
        raise self.fail(f"compares {KIND_WORDS[a]} with {KIND_WORDS[b]}")

    def k_IfExp(self, node: ast.IfExp) -> str:
        self.truthy(self.kind(node.test), "if")
        return self.either(self.kind(node.body), self.kind(node.orelse))

    def either(self, a: str, b: str) -> str:
        """The kind of a value that is one of two: if() branches, min() and max() arguments."""
        if a == b or b == ANY:
            return a
        if a == ANY:
            return b
        if {a, b} <= NUMBERS:
            return FLOAT
        if {a, b} <= TEMPORAL:
            return DATETIME
        if STR in (a, b):
            return STR
        raise self.fail(f"mixes {KIND_WORDS[a]} and {KIND_WORDS[b]} in one result")

    def k_BinOp(self, node: ast.BinOp) -> str:
        a, b, op = self.kind(node.left), self.kind(node.right), type(node.op)
        if ANY in (a, b):
            return STR if op is ast.Add and STR in (a, b) else ANY
        if op is ast.Add and STR in (a, b):
            return STR
        if a in TEMPORAL or b in TEMPORAL:
            return self.date_math(op, a, b)
        if a not in NUMBERS or b not in NUMBERS:
            raise self.fail(f"uses {OPERATOR_WORDS[op]} on {KIND_WORDS[a]} and {KIND_WORDS[b]}")
        if op in (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod):
            return INT if a == b == INT else FLOAT
        return FLOAT

    def date_math(self, op: type, a: str, b: str) -> str:
        if op is ast.Sub and a in TEMPORAL and b in TEMPORAL:
            return INT if a == b == DATE else FLOAT
        if op in (ast.Add, ast.Sub) and a in TEMPORAL and b in NUMBERS:
            return DATE if a == DATE and b == INT else DATETIME
        if op is ast.Add and b in TEMPORAL and a in NUMBERS:
            return DATE if b == DATE and a == INT else DATETIME
        raise self.fail("can add or subtract days to a date, and subtract two dates; "
                        f"not {KIND_WORDS[a]} {OPERATOR_WORDS[op]} {KIND_WORDS[b]}")

    def k_Call(self, node: ast.Call) -> str:
        name = node.func.id.removesuffix("_")  # type: ignore[attr-defined]
        args = [self.kind(a) for a in node.args]
        if name == "if":
            self.truthy(args[0], "if")
            return self.either(args[1], args[2])
        if name == "round":
            self.numbers(name, args[:1])
            digits = round_digits(node, self.column)
            return INT if digits <= 0 else FLOAT
        if name in ("min", "max"):
            kind = args[0]
            for k in args[1:]:
                kind = self.either(kind, k)
            if kind == STR and not all(k == STR for k in args):
                raise self.fail(f"{name}() mixes text with other kinds")
            return kind
        if name == "abs":
            self.numbers(name, args)
            return args[0]
        if name in ("floor", "ceil", "randint"):
            self.numbers(name, args)
            return INT
        if name in ("normal", "uniform", "sin", "cos", "exp", "log", "sqrt"):
            self.numbers(name, args)
            return FLOAT
        if name in ("lower", "upper"):
            if args[0] not in (STR, ANY):
                raise self.fail(f"{name}() takes text, not {KIND_WORDS[args[0]]}")
            return STR
        if name == "str":
            return STR
        if name in ("year", "month", "day", "weekday", "hour"):
            if args[0] not in TEMPORAL | {ANY}:
                raise self.fail(f"{name}() takes a date, not {KIND_WORDS[args[0]]}")
            return INT
        if name == "today":
            return DATE
        return FLOAT  # pi()

    def numbers(self, name: str, kinds: list[str]) -> None:
        bad = next((k for k in kinds if k not in NUMBERS | {ANY}), None)
        if bad:
            raise self.fail(f"{name}() takes numbers, not {KIND_WORDS[bad]}")


def round_digits(node: ast.Call, column: str) -> int:
    """round()'s second argument: a whole-number constant, so the printed decimals are known."""
    if len(node.args) < 2:
        return 0
    arg = node.args[1]
    if isinstance(arg, ast.UnaryOp) and isinstance(arg.op, ast.USub) and isinstance(arg.operand, ast.Constant):
        value = -arg.operand.value if isinstance(arg.operand.value, (int, float)) else None
    else:
        value = arg.value if isinstance(arg, ast.Constant) else None
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) > MAX_ROUND_DIGITS:
        raise SchemaError(f"column {column!r}: formula round(x, n) takes n as a whole number "
                          f"from -{MAX_ROUND_DIGITS} to {MAX_ROUND_DIGITS}")
    return value


def result_kind(formula: Formula, kinds: dict[str, str], column: str) -> str:
    return Typer(kinds, column, dict(formula.quoted)).kind(formula.tree)


def result_decimals(node: ast.expr) -> int | None:
    """Decimals a formula's float result prints with, when its last step is round(x, n)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name = node.func.id.removesuffix("_")
        if name == "round" and len(node.args) == 2:
            try:
                return max(round_digits(node, ""), 0)
            except SchemaError:
                return None
        parts = node.args[1:] if name == "if" else node.args if name in ("min", "max", "abs") else []
        found = [d for d in (result_decimals(p) for p in parts) if d is not None]
        return max(found) if found and len(found) == len(parts) else None
    if isinstance(node, ast.IfExp):
        found = [result_decimals(node.body), result_decimals(node.orelse)]
        return max(found) if None not in found else None  # type: ignore[type-var]
    if isinstance(node, ast.UnaryOp):
        return result_decimals(node.operand)
    return None


# --- evaluation on whole blocks ---

def float_array(values: np.ndarray) -> pa.Array:
    """Floats as Arrow, with every NaN and infinity an empty cell."""
    values = np.asarray(values, dtype=np.float64)
    return pa.array(values, mask=~np.isfinite(values))


def pa_array(value: Any, n: int) -> pa.Array:
    if isinstance(value, pa.ChunkedArray):
        return value.combine_chunks()
    if isinstance(value, pa.Array):
        return value
    if isinstance(value, pa.Scalar):
        return pa.repeat(value, n)
    return pa.repeat(pa.scalar(value), n)


def kind_of(values: pa.Array) -> str:
    t = values.type
    if pa.types.is_boolean(t):
        return BOOL
    if pa.types.is_integer(t):
        return INT
    if pa.types.is_floating(t):
        return FLOAT
    if pa.types.is_date(t):
        return DATE
    if pa.types.is_timestamp(t):
        return DATETIME
    if pa.types.is_null(t):
        return ANY
    return STR


def as_floats(values: pa.Array) -> np.ndarray:
    """Any numeric array as float64 numpy values, nulls as NaN."""
    if pa.types.is_floating(values.type) and not values.null_count:
        return values.to_numpy(zero_copy_only=False)
    return pc.cast(values, pa.float64(), safe=False).to_numpy(zero_copy_only=False)


def as_bool(values: pa.Array) -> pa.Array:
    if pa.types.is_boolean(values.type):
        return values
    if pa.types.is_null(values.type):
        return values.cast(pa.bool_())
    return pc.not_equal(pc.cast(values, pa.float64(), safe=False), 0.0)


def as_text(values: pa.Array, decimals: int = DEFAULT_DECIMALS) -> pa.Array:
    t = values.type
    if pa.types.is_string(t):
        return values
    if pa.types.is_floating(t):
        return format_fixed(pc.if_else(pc.less_equal(pc.abs(values), MAX_ABS_NUMBER), values, None), decimals)
    if pa.types.is_timestamp(t):
        return format_datetime(values)
    if pa.types.is_boolean(t):
        return pc.if_else(values, "true", "false")
    return pc.cast(values, pa.string())


def ints_within(values: np.ndarray, valid: np.ndarray) -> pa.Array:
    """Float results that stand for integers, as int64; past +-2^62 or invalid: an empty cell."""
    ok = valid & np.isfinite(values) & (np.abs(values) <= MAX_INT)
    return pa.array(np.where(ok, values, 0).astype(np.int64), mask=~ok)


def days_of(values: pa.Array) -> pa.Array:
    """Dates as whole days since 1970, timestamps as fractional days: the unit of date arithmetic."""
    if pa.types.is_date32(values.type):
        return pc.cast(pc.cast(values, pa.int32()), pa.int64())
    return pc.divide(pc.cast(pc.cast(values, pa.timestamp("s")), pa.int64()), float(SECONDS_PER_DAY))


def date_from_days(days: np.ndarray, valid: np.ndarray) -> pa.Array:
    ok = valid & np.isfinite(days) & (days >= MIN_DAY) & (days <= MAX_DAY)
    return pa.array(np.where(ok, days, 0).astype(np.int32), pa.date32(), mask=~ok)


def datetime_from_days(days: np.ndarray, valid: np.ndarray) -> pa.Array:
    ok = valid & np.isfinite(days) & (days >= MIN_DAY) & (days < MAX_DAY + 1)
    seconds = np.round(np.where(ok, days, 0) * SECONDS_PER_DAY).astype(np.int64)
    return pa.array(seconds, pa.timestamp("s"), mask=~ok)


def valid_of(values: pa.Array) -> np.ndarray:
    if not values.null_count:
        return np.ones(len(values), dtype=bool)
    return values.is_valid().to_numpy(zero_copy_only=False)


def cut_text(values: pa.Array) -> pa.Array:
    if not len(values) or (pc.max(pc.utf8_length(values)).as_py() or 0) <= MAX_TEXT_CELL_CHARS:
        return values
    return pc.utf8_slice_codeunits(values, 0, MAX_TEXT_CELL_CHARS)


class FormulaEval:
    """Evaluate a checked formula on a block: every node gives an Arrow array of n values."""

    def __init__(self, env: dict[str, pa.Array], n: int, rng: np.random.Generator, column: str,
                 aliases: dict[str, str] | None = None):
        self.env, self.n, self.rng, self.column, self.aliases = env, n, rng, column, aliases or {}

    def run(self, node: ast.expr) -> pa.Array:
        return getattr(self, "do_" + type(node).__name__)(node)

    def const(self, value: Any) -> pa.Array:
        return pa_array(value, self.n)

    def do_Constant(self, node: ast.Constant) -> pa.Array:
        return self.const(node.value)

    def do_Name(self, node: ast.Name) -> pa.Array:
        if node.id in CONSTANTS:
            return self.const(CONSTANTS[node.id])
        return pa_array(self.env[self.aliases.get(node.id, node.id)], self.n)

    def do_Attribute(self, node: ast.Attribute) -> pa.Array:
        return pa_array(self.env[dotted(node) or ""], self.n)

    def do_UnaryOp(self, node: ast.UnaryOp) -> pa.Array:
        value = self.run(node.operand)
        if isinstance(node.op, ast.Not):
            return pc.invert(as_bool(value))
        if isinstance(node.op, ast.USub):
            if pa.types.is_integer(value.type):
                return ints_within(-as_floats(value), valid_of(value))
            return pc.negate(value)
        return value

    def do_BoolOp(self, node: ast.BoolOp) -> pa.Array:
        func = pc.and_kleene if isinstance(node.op, ast.And) else pc.or_kleene
        result = as_bool(self.run(node.values[0]))
        for other in node.values[1:]:
            result = func(result, as_bool(self.run(other)))
        return result

    def do_Compare(self, node: ast.Compare) -> pa.Array:
        funcs = {ast.Eq: pc.equal, ast.NotEq: pc.not_equal, ast.Lt: pc.less, ast.LtE: pc.less_equal,
                 ast.Gt: pc.greater, ast.GtE: pc.greater_equal}
        left, result = self.run(node.left), None
        for op, right_node in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                part = self.member(left, [e.value for e in right_node.elts])  # type: ignore[attr-defined]
                part = pc.invert(part) if isinstance(op, ast.NotIn) else part
                right = left
            else:
                right = self.run(right_node)
                a, b = comparable(left, right)
                part = funcs[type(op)](a, b)
            result = part if result is None else pc.and_kleene(result, part)
            left = right
        return result

    def member(self, values: pa.Array, options: list[Any]) -> pa.Array:
        kind = kind_of(values)
        if kind in NUMBERS:
            wanted = pa.array([float(o) for o in options if isinstance(o, (int, float)) and not isinstance(o, bool)],
                              pa.float64())
            found = pc.is_in(pc.cast(values, pa.float64(), safe=False), value_set=wanted)
        elif kind in TEMPORAL:
            days = pa.array([(parse_day(o, "a listed date") - EPOCH_DAY).days for o in options if isinstance(o, str)],
                            pa.int64())
            found = pc.is_in(pc.cast(pc.floor(days_of(values)), pa.int64()), value_set=days)
        elif kind == BOOL:
            found = pc.is_in(values, value_set=pa.array([o for o in options if isinstance(o, bool)], pa.bool_()))
        else:
            found = pc.is_in(as_text(values), value_set=pa.array([str(o) for o in options], pa.string()))
        return pc.if_else(values.is_valid(), found, None)

    def do_IfExp(self, node: ast.IfExp) -> pa.Array:
        return self.choose(self.run(node.test), self.run(node.body), self.run(node.orelse))

    def choose(self, cond: pa.Array, a: pa.Array, b: pa.Array) -> pa.Array:
        a, b = unify(a, b)
        return pc.if_else(as_bool(cond), a, b)

    def do_BinOp(self, node: ast.BinOp) -> pa.Array:
        left, right, op = self.run(node.left), self.run(node.right), type(node.op)
        lk, rk = kind_of(left), kind_of(right)
        if op is ast.Add and STR in (lk, rk):
            return cut_text(pc.binary_join_element_wise(as_text(left), as_text(right), ""))
        if lk in TEMPORAL or rk in TEMPORAL:
            return self.date_math(op, left, right)
        a, b = as_floats(left), as_floats(right)
        valid = valid_of(left) & valid_of(right)
        with np.errstate(all="ignore"):
            if lk == rk == INT and op in (ast.Add, ast.Sub, ast.Mult):
                return self.int_math(op, left, right, valid)
            if lk == rk == INT and op in (ast.FloorDiv, ast.Mod):
                ok = valid & (b != 0)
                result = (np.floor_divide if op is ast.FloorDiv else np.mod)(a, np.where(ok, b, 1))
                return ints_within(result, ok)
            funcs = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide,
                     ast.FloorDiv: np.floor_divide, ast.Mod: np.mod, ast.Pow: np.power}
            result = funcs[op](a, b)
        return float_array(np.where(valid, result, np.nan))

    def int_math(self, op: type, left: pa.Array, right: pa.Array, valid: np.ndarray) -> pa.Array:
        """Whole numbers stay whole; a result past +-2^62 is an empty cell, never a wrapped number."""
        checked = {ast.Add: pc.add_checked, ast.Sub: pc.subtract_checked, ast.Mult: pc.multiply_checked}[op]
        try:
            result = checked(left, right)
            if not len(result) or (pc.max(pc.abs(result)).as_py() or 0) <= MAX_INT:
                return result
        except pa.ArrowInvalid:
            pass
        exact = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply}[op](as_floats(left), as_floats(right))
        return ints_within(exact, valid)

    def date_math(self, op: type, left: pa.Array, right: pa.Array) -> pa.Array:
        lk, rk = kind_of(left), kind_of(right)
        if op is ast.Add and rk in TEMPORAL:
            left, right, lk, rk = right, left, rk, lk
        valid = valid_of(left) & valid_of(right)
        if op is ast.Sub and rk in TEMPORAL:
            diff = as_floats(days_of(left)) - as_floats(days_of(right))
            if lk == rk == DATE:
                return ints_within(diff, valid)
            return float_array(np.where(valid, diff, np.nan))
        days = as_floats(right) * (1 if op is ast.Add else -1)
        base = as_floats(days_of(left))
        with np.errstate(all="ignore"):
            moved = base + days
        if lk == DATE and rk == INT:
            return date_from_days(moved, valid)
        return datetime_from_days(moved, valid)

    def do_Call(self, node: ast.Call) -> pa.Array:
        name = node.func.id.removesuffix("_")  # type: ignore[attr-defined]
        if name == "round":
            return self.fn_round(self.run(node.args[0]), round_digits(node, self.column))
        if name == "str" and result_decimals(node.args[0]) is not None:
            return as_text(self.run(node.args[0]), result_decimals(node.args[0]) or 0)
        args = [self.run(a) for a in node.args]
        if name == "if":
            return self.choose(*args)
        return getattr(self, "fn_" + name)(*args)

    def fn_round(self, x: pa.Array, digits: int) -> pa.Array:
        if pa.types.is_integer(x.type) and digits >= 0:
            return x
        values = pc.round(pc.cast(x, pa.float64(), safe=False), ndigits=digits).to_numpy(zero_copy_only=False)
        return float_array(values) if digits > 0 else ints_within(values, valid_of(x))

    def fn_min(self, *xs: pa.Array) -> pa.Array:
        return pc.min_element_wise(*unify_all(xs))

    def fn_max(self, *xs: pa.Array) -> pa.Array:
        return pc.max_element_wise(*unify_all(xs))

    def fn_abs(self, x: pa.Array) -> pa.Array:
        if pa.types.is_integer(x.type):
            return ints_within(np.abs(as_floats(x)), valid_of(x))
        return pc.abs(x)

    def fn_floor(self, x: pa.Array) -> pa.Array:
        return ints_within(np.floor(as_floats(x)), valid_of(x))

    def fn_ceil(self, x: pa.Array) -> pa.Array:
        return ints_within(np.ceil(as_floats(x)), valid_of(x))

    def fn_lower(self, x: pa.Array) -> pa.Array:
        return pc.utf8_lower(as_text(x))

    def fn_upper(self, x: pa.Array) -> pa.Array:
        return pc.utf8_upper(as_text(x))

    def fn_str(self, x: pa.Array) -> pa.Array:
        return as_text(x)

    def calendar(self, x: pa.Array, part: Any) -> pa.Array:
        if pa.types.is_date32(x.type):
            x = pc.cast(x, pa.timestamp("s"))
        return pc.cast(part(x), pa.int64())

    def fn_year(self, x: pa.Array) -> pa.Array:
        return self.calendar(x, pc.year)

    def fn_month(self, x: pa.Array) -> pa.Array:
        return self.calendar(x, pc.month)

    def fn_day(self, x: pa.Array) -> pa.Array:
        return self.calendar(x, pc.day)

    def fn_weekday(self, x: pa.Array) -> pa.Array:
        """0 is Monday, 6 is Sunday."""
        return self.calendar(x, pc.day_of_week)

    def fn_hour(self, x: pa.Array) -> pa.Array:
        return self.calendar(x, pc.hour)

    def fn_today(self) -> pa.Array:
        return pa.array(np.full(self.n, np.datetime64(date.today(), "D")), pa.date32())

    def fn_pi(self) -> pa.Array:
        return self.const(math.pi)

    def unary_float(self, x: pa.Array, func: Any) -> pa.Array:
        with np.errstate(all="ignore"):
            return float_array(func(as_floats(x)))

    def fn_sin(self, x: pa.Array) -> pa.Array:
        return self.unary_float(x, np.sin)

    def fn_cos(self, x: pa.Array) -> pa.Array:
        return self.unary_float(x, np.cos)

    def fn_exp(self, x: pa.Array) -> pa.Array:
        return self.unary_float(x, np.exp)

    def fn_log(self, x: pa.Array) -> pa.Array:
        return self.unary_float(x, np.log)

    def fn_sqrt(self, x: pa.Array) -> pa.Array:
        return self.unary_float(x, np.sqrt)

    def fn_normal(self, mu: pa.Array, sd: pa.Array) -> pa.Array:
        sd_values = np.nan_to_num(np.maximum(as_floats(sd), 0))
        return float_array(self.rng.normal(np.nan_to_num(as_floats(mu)), sd_values)
                           + np.where(valid_of(mu) & valid_of(sd), 0, np.nan))

    def fn_uniform(self, a: pa.Array, b: pa.Array) -> pa.Array:
        lo, hi = as_floats(a), as_floats(b)
        ok = np.isfinite(lo) & np.isfinite(hi)
        lo, hi = np.where(ok, np.minimum(lo, hi), 0), np.where(ok, np.maximum(lo, hi), 0)
        return float_array(np.where(ok, self.rng.uniform(lo, hi), np.nan))

    def fn_randint(self, a: pa.Array, b: pa.Array) -> pa.Array:
        lo, hi = np.ceil(as_floats(a)), np.floor(as_floats(b))
        bad = ~(np.isfinite(lo) & np.isfinite(hi)) | (np.abs(lo) > MAX_INT) | (np.abs(hi) > MAX_INT)
        lo, hi = np.where(bad, 0, lo), np.where(bad, 0, np.maximum(hi, lo))
        values = np.minimum(lo + np.floor(self.rng.random(self.n) * (hi - lo + 1)), hi)
        return pa.array(values.astype(np.int64), mask=bad)


def comparable(a: pa.Array, b: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Let a date compare with a 'YYYY-MM-DD' text, a date with a datetime, an int with a float."""
    ak, bk = kind_of(a), kind_of(b)
    if ak in TEMPORAL and bk == STR:
        b = constant_date(b, len(a))
    elif bk in TEMPORAL and ak == STR:
        a = constant_date(a, len(b))
    ak, bk = kind_of(a), kind_of(b)
    if {ak, bk} == {DATE, DATETIME}:
        return pc.cast(a, pa.timestamp("s")), pc.cast(b, pa.timestamp("s"))
    if {ak, bk} == {INT, FLOAT}:
        return pc.cast(a, pa.float64(), safe=False), pc.cast(b, pa.float64(), safe=False)
    return a, b


def constant_date(values: pa.Array, n: int) -> pa.Array:
    first = values[0].as_py() if len(values) else None
    day = parse_day(first, "compared date") if first is not None else MIN_DATE
    return pa.repeat(pa.scalar(day, pa.date32()), n)


def unify(a: pa.Array, b: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Two branches as one type: numbers as floats, dates as datetimes, else text."""
    if a.type == b.type:
        return a, b
    if pa.types.is_null(a.type):
        return a.cast(b.type), b
    if pa.types.is_null(b.type):
        return a, b.cast(a.type)
    kinds = {kind_of(a), kind_of(b)}
    if kinds <= NUMBERS:
        return pc.cast(a, pa.float64(), safe=False), pc.cast(b, pa.float64(), safe=False)
    if kinds <= TEMPORAL:
        return pc.cast(a, pa.timestamp("s")), pc.cast(b, pa.timestamp("s"))
    return as_text(a), as_text(b)


def unify_all(xs: tuple[pa.Array, ...]) -> list[pa.Array]:
    arrays = list(xs)
    for i in range(1, len(arrays)):
        arrays[0], arrays[i] = unify(arrays[0], arrays[i])
    for i in range(1, len(arrays)):
        arrays[0], arrays[i] = unify(arrays[0], arrays[i])
    return arrays
