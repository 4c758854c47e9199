"""The formula language: parse an expression once, check every node against a whitelist, and
evaluate it on whole blocks of rows with pyarrow.compute.

    quantity * unit_price            round(x, 2)          if(age >= 65, 'senior', 'adult')
    check_out - check_in (days)      ordered + 30         upper(city) + '-' + str(n)

It does not know columns or schemas: the caller gives the names' values as Arrow arrays and a
random generator for `normal`, `uniform` and `randint`. Nothing but the listed functions can be
called, and no attribute, subscript, import or lambda parses.
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

from cells import MAX_ABS_NUMBER, format_datetime, format_fixed, parse_day
from errors import SchemaError, clip

MAX_EXPR_CHARS = 500
MAX_EXPR_NODES = 200
MAX_EXPR_EXPONENT = 8
MAX_STRING_CONSTANT = 200
MAX_PARSED_KEPT = 10_000        # parsed formulas remembered by their text

FORMULA_FUNCS: dict[str, tuple[int, int]] = {  # name -> (fewest, most) arguments
    "if": (3, 3), "round": (1, 2), "min": (2, 8), "max": (2, 8), "abs": (1, 1), "floor": (1, 1),
    "ceil": (1, 1), "lower": (1, 1), "upper": (1, 1), "str": (1, 1), "year": (1, 1),
    "today": (0, 0), "normal": (2, 2), "uniform": (2, 2), "randint": (2, 2),
}
FORMULA_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Call,
                 ast.Name, ast.Constant, ast.IfExp, ast.Load, ast.Add, ast.Sub, ast.Mult, ast.Div,
                 ast.FloorDiv, ast.Mod, ast.Pow, ast.USub, ast.UAdd, ast.Not, ast.And, ast.Or,
                 ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)


@dataclass(frozen=True)
class Formula:
    tree: ast.expr
    names: tuple[str, ...]


_FORMULA_CACHE: dict[str, Formula] = {}


def parse_formula(expr: str, column: str) -> Formula:
    """Parse once and check every node against a whitelist: no attributes, no other calls."""
    cached = _FORMULA_CACHE.get(expr)
    if cached:
        return cached
    where = f"column {column!r}: formula"
    if len(expr) > MAX_EXPR_CHARS:
        raise SchemaError(f"{where} is longer than {MAX_EXPR_CHARS} characters")
    source = re.sub(r"\bif\s*\(", "if_(", expr)  # `if` is a keyword in Python's grammar
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        raise SchemaError(f"{where} {clip(expr, 80)!r} is not an expression: {err.msg}") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_EXPR_NODES:
        raise SchemaError(f"{where} has more than {MAX_EXPR_NODES} parts")
    names: list[str] = []
    for node in nodes:
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
        elif isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise SchemaError(f"{where} may not use the name {clip(node.id, 40)!r}")
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, (int, float, str, bool)) or (
                    isinstance(node.value, str) and len(node.value) > MAX_STRING_CONSTANT):
                raise SchemaError(f"{where} has an unsupported constant {clip(repr(node.value), 40)}")
            if isinstance(node.value, (int, float)) and not isinstance(node.value, bool) and (
                    not math.isfinite(node.value) or abs(node.value) > MAX_ABS_NUMBER):
                raise SchemaError(f"{where} has a number outside +-{MAX_ABS_NUMBER:g}")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exp = node.right
            if not (isinstance(exp, ast.Constant) and isinstance(exp.value, (int, float))
                    and abs(exp.value) <= MAX_EXPR_EXPONENT):
                raise SchemaError(f"{where}: exponents must be constants within +-{MAX_EXPR_EXPONENT}")
    called = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
    for node in nodes:
        if isinstance(node, ast.Name) and id(node) not in called and node.id not in ("True", "False"):
            names.append(node.id)
    formula = Formula(tree.body, tuple(dict.fromkeys(names)))
    if len(_FORMULA_CACHE) < MAX_PARSED_KEPT:
        _FORMULA_CACHE[expr] = formula
    return formula


def is_temporal(value: Any) -> bool:
    t = value.type if isinstance(value, (pa.Array, pa.Scalar)) else None
    return t is not None and (pa.types.is_date32(t) or pa.types.is_timestamp(t))


def is_text(value: Any) -> bool:
    if isinstance(value, str):
        return True
    t = value.type if isinstance(value, (pa.Array, pa.Scalar)) else None
    return t is not None and (pa.types.is_string(t) or pa.types.is_large_string(t))


def as_float_array(value: Any, n: int) -> np.ndarray:
    """Any numeric operand as float64 numpy values (nulls as NaN), broadcast to n rows."""
    if isinstance(value, pa.Array):
        return pc.cast(value, pa.float64()).to_numpy(zero_copy_only=False)
    if isinstance(value, pa.Scalar):
        value = value.as_py()
    return np.full(n, np.nan if value is None else float(value))


def to_days(value: Any) -> Any:
    """Dates as whole days since 1970, timestamps as fractional days: the unit of date arithmetic."""
    if pa.types.is_date32(value.type):
        return pc.cast(value, pa.int32())
    return pc.divide(pc.cast(pc.cast(value, pa.timestamp("s")), pa.int64()), 86400.0)


def from_days(days: Any, like: Any) -> Any:
    if pa.types.is_date32(like.type):
        return pc.cast(pc.cast(pc.round(days) if pa.types.is_floating(days.type) else days, pa.int32()), pa.date32())
    seconds = pc.cast(pc.round(pc.multiply(days, 86400.0)), pa.int64())
    return pc.cast(seconds, pa.timestamp("s"))


class FormulaEval:
    """Evaluate a parsed formula on whole blocks with pyarrow compute; nulls propagate."""

    def __init__(self, env: dict[str, pa.Array], n: int, rng: np.random.Generator, column: str):
        self.env, self.n, self.rng, self.column = env, n, rng, column

    def fail(self, message: str) -> SchemaError:
        return SchemaError(f"column {self.column!r}: formula {message}")

    def run(self, node: ast.expr) -> Any:
        handler = getattr(self, "do_" + type(node).__name__)
        return handler(node)

    def do_Constant(self, node: ast.Constant) -> Any:
        return node.value

    def do_Name(self, node: ast.Name) -> Any:
        if node.id in ("True", "False"):
            return node.id == "True"
        return self.env[node.id]

    def do_UnaryOp(self, node: ast.UnaryOp) -> Any:
        value = self.run(node.operand)
        if isinstance(node.op, ast.Not):
            return pc.invert(pc.cast(value, pa.bool_())) if isinstance(value, pa.Array) else not value
        if isinstance(node.op, ast.USub):
            return pc.negate(value) if isinstance(value, pa.Array) else -value
        return value

    def do_BoolOp(self, node: ast.BoolOp) -> Any:
        func = pc.and_kleene if isinstance(node.op, ast.And) else pc.or_kleene
        result = self.run(node.values[0])
        for other in node.values[1:]:
            result = func(pa_bool(result, self.n), pa_bool(self.run(other), self.n))
        return result

    def do_Compare(self, node: ast.Compare) -> Any:
        funcs = {ast.Eq: pc.equal, ast.NotEq: pc.not_equal, ast.Lt: pc.less, ast.LtE: pc.less_equal,
                 ast.Gt: pc.greater, ast.GtE: pc.greater_equal}
        left, result = self.run(node.left), None
        for op, right_node in zip(node.ops, node.comparators):
            right = self.run(right_node)
            a, b = comparable(left, right)
            part = funcs[type(op)](a, b)
            result = part if result is None else pc.and_kleene(result, part)
            left = right
        return result

    def do_IfExp(self, node: ast.IfExp) -> Any:
        return self.choose(self.run(node.test), self.run(node.body), self.run(node.orelse))

    def choose(self, cond: Any, a: Any, b: Any) -> Any:
        a, b = unify(a, b, self.n)
        return pc.if_else(pa_bool(cond, self.n), a, b)

    def do_BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.run(node.left), self.run(node.right)
        op = type(node.op)
        if op is ast.Add and (is_text(left) or is_text(right)):
            return pc.binary_join_element_wise(as_text(left, self.n), as_text(right, self.n), "")
        if is_temporal(left) or is_temporal(right):
            return self.date_math(op, left, right)
        if isinstance(left, (int, float)) and isinstance(right, (int, float)) and op is not ast.Pow:
            left = pa.scalar(left)
        if op is ast.Add:
            return pc.add(left, right)
        if op is ast.Sub:
            return pc.subtract(left, right)
        if op is ast.Mult:
            return pc.multiply(left, right)
        if op is ast.Pow:
            return pc.power(pc.cast(pa_array(left, self.n), pa.float64()), float(right))
        a, b = as_float_array(left, self.n), as_float_array(right, self.n)
        with np.errstate(divide="ignore", invalid="ignore"):
            result = {ast.Div: np.divide, ast.FloorDiv: np.floor_divide, ast.Mod: np.mod}[op](a, b)
        return float_array(result)

    def date_math(self, op: type, left: Any, right: Any) -> Any:
        if op is ast.Sub and is_temporal(left) and is_temporal(right):
            diff = pc.subtract(to_days(left), to_days(right))
            both_dates = pa.types.is_date32(left.type) and pa.types.is_date32(right.type)
            return pc.cast(diff, pa.int64()) if both_dates else diff
        if op in (ast.Add, ast.Sub) and is_temporal(left) and not is_temporal(right) and not is_text(right):
            days = right if isinstance(right, (pa.Array, pa.Scalar)) else pa.scalar(right)
            if pa.types.is_date32(left.type) and pa.types.is_floating(days.type):
                days = pc.round(days)
            days = pc.cast(days, pa.int64() if pa.types.is_date32(left.type) else pa.float64())
            moved = (pc.add if op is ast.Add else pc.subtract)(pc.cast(to_days(left), days.type), days)
            return from_days(moved, left)
        if op is ast.Add and is_temporal(right) and not is_temporal(left):
            return self.date_math(op, right, left)
        raise self.fail("can add or subtract days to a date, and subtract two dates; nothing else")

    def do_Call(self, node: ast.Call) -> Any:
        name = node.func.id.removesuffix("_")
        if name == "if":
            return self.choose(*(self.run(a) for a in node.args))
        args = [self.run(a) for a in node.args]
        return getattr(self, "fn_" + name)(*args)

    def fn_round(self, x: Any, digits: Any = 0) -> Any:
        digits = int(digits.as_py() if isinstance(digits, pa.Scalar) else digits)
        rounded = pc.round(pc.cast(pa_array(x, self.n), pa.float64()), ndigits=digits)
        return pc.cast(rounded, pa.int64()) if digits <= 0 else rounded

    def fn_min(self, *xs: Any) -> Any:
        return pc.min_element_wise(*unify_all(xs, self.n))

    def fn_max(self, *xs: Any) -> Any:
        return pc.max_element_wise(*unify_all(xs, self.n))

    def fn_abs(self, x: Any) -> Any:
        return pc.abs(pa_array(x, self.n))

    def fn_floor(self, x: Any) -> Any:
        return pc.cast(pc.floor(pc.cast(pa_array(x, self.n), pa.float64())), pa.int64())

    def fn_ceil(self, x: Any) -> Any:
        return pc.cast(pc.ceil(pc.cast(pa_array(x, self.n), pa.float64())), pa.int64())

    def fn_lower(self, x: Any) -> Any:
        return pc.utf8_lower(as_text(x, self.n))

    def fn_upper(self, x: Any) -> Any:
        return pc.utf8_upper(as_text(x, self.n))

    def fn_str(self, x: Any) -> Any:
        return as_text(x, self.n)

    def fn_year(self, x: Any) -> Any:
        if not is_temporal(x):
            raise self.fail("year() needs a date")
        return pc.cast(pc.year(x), pa.int64())

    def fn_today(self) -> Any:
        return pa.array(np.full(self.n, np.datetime64(date.today(), "D")), pa.date32())

    def fn_normal(self, mu: Any, sd: Any) -> Any:
        sd = np.maximum(as_float_array(sd, self.n), 0)
        return float_array(self.rng.normal(as_float_array(mu, self.n), np.nan_to_num(sd)))

    def fn_uniform(self, a: Any, b: Any) -> Any:
        return float_array(self.rng.uniform(as_float_array(a, self.n), as_float_array(b, self.n)))

    def fn_randint(self, a: Any, b: Any) -> Any:
        lo, hi = np.ceil(as_float_array(a, self.n)), np.floor(as_float_array(b, self.n))
        bad = ~(np.isfinite(lo) & np.isfinite(hi))
        lo, hi = np.where(bad, 0, lo), np.where(bad, 0, np.maximum(hi, lo))
        values = np.minimum(lo + np.floor(self.rng.random(self.n) * (hi - lo + 1)), hi)
        return pa.array(values.astype(np.int64), mask=bad)


def float_array(values: np.ndarray) -> pa.Array:
    values = np.asarray(values, dtype=np.float64)
    return pa.array(values, mask=~np.isfinite(values))


def pa_array(value: Any, n: int) -> pa.Array:
    if isinstance(value, pa.Array):
        return value
    if isinstance(value, pa.Scalar):
        return pa.repeat(value, n)
    return pa.repeat(pa.scalar(value), n)


def pa_bool(value: Any, n: int) -> pa.Array:
    arr = pa_array(value, n)
    return arr if pa.types.is_boolean(arr.type) else pc.not_equal(pc.cast(arr, pa.float64()), 0.0)


def as_text(value: Any, n: int) -> pa.Array:
    arr = pa_array(value, n)
    if pa.types.is_string(arr.type):
        return arr
    if pa.types.is_floating(arr.type):
        return format_fixed(arr, 2)
    if pa.types.is_timestamp(arr.type):
        return format_datetime(arr)
    return pc.cast(arr, pa.string())


def comparable(a: Any, b: Any) -> tuple[Any, Any]:
    """Let a date column compare with a 'YYYY-MM-DD' string constant."""
    if is_temporal(a) and isinstance(b, str):
        b = pa.scalar(parse_day(b, "compared date"), pa.date32())
    if is_temporal(b) and isinstance(a, str):
        a = pa.scalar(parse_day(a, "compared date"), pa.date32())
    return a, b


def unify(a: Any, b: Any, n: int) -> tuple[pa.Array, pa.Array]:
    a, b = pa_array(a, n), pa_array(b, n)
    if a.type == b.type:
        return a, b
    if is_text(a) or is_text(b):
        return as_text(a, n), as_text(b, n)
    if pa.types.is_null(a.type):
        return a.cast(b.type), b
    if pa.types.is_null(b.type):
        return a, b.cast(a.type)
    if is_temporal(a) or is_temporal(b):
        return a, b.cast(a.type)
    return pc.cast(a, pa.float64()), pc.cast(b, pa.float64())


def unify_all(xs: tuple[Any, ...], n: int) -> list[pa.Array]:
    arrays = [pa_array(x, n) for x in xs]
    if len({a.type for a in arrays}) > 1:
        arrays = [pc.cast(a, pa.float64()) for a in arrays]
    return arrays
