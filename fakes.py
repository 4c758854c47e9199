"""Faker's values at numpy speed: the same locale tables Faker draws from, sampled for a whole
block at once, and people and places whose columns agree within a row.

Faker rebuilds its weight lists on every call (84% of name()'s time), so the recipes below load a
method's table once and draw from it with numpy; a method without a recipe is called per value,
seeded, under the locale's lock. People (names, emails, user names) are made from one first and
last name per row; places (city, state, zip, country) from the real tables in places.json.

It does not know schemas or blocks: the row makers in rows.py give it a row count, a random
generator and, for a person, the gender of each row.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import math
import random
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import faker
import faker.config
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from errors import SchemaError, clip

PLACES_PATH = Path(__file__).resolve().parent / "places.json"


# --- the allowlist: which Faker methods a schema may name, and with which arguments ---

# Provider methods that build structures, call back into the generator, or exist to be the
# `choice`, `int` and `pattern` types: never callable by name from a schema.
FAKER_DENIED = set("""
binary zip tar image json json_bytes xml csv tsv psv dsv fixed_width profile simple_profile
pystruct pydict pylist pyiterable pytuple pyset pyobject enum pystr_format words sentences
paragraphs texts location_on_land local_latlng latlng random_element random_elements random_int
random_digit random_digit_not_null random_digit_or_empty random_digit_not_null_or_empty
random_number random_letter random_letters random_lowercase_letter random_uppercase_letter
random_choices random_sample randomize_nb_elements numerify lexify bothify hexify
seed seed_instance seed_locale format parse set_arguments get_arguments del_arguments
set_formatter get_formatter add_provider get_providers provider optional unique weights
""".split())
FAKER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
FAKER_SCALARS = (str, int, float, bool, date, datetime, timedelta)
# Numeric arguments a schema may pass, with the bound each must respect: sizes that grow the
# work or the value (a path's depth, a text's length) are capped so one cell stays cheap.
FAKER_ARG_LIMITS: dict[str, tuple[float, float]] = {
    "length": (0, 128), "max_chars": (5, 256), "max_nb_chars": (5, 500), "min_chars": (0, 256),
    "nb_sentences": (1, 10), "nb_words": (1, 50), "digits": (1, 18), "right_digits": (0, 10),
    "left_digits": (1, 15), "min_value": (-1e12, 1e12), "max_value": (-1e12, 1e12),
    "minimum_age": (0, 120), "maximum_age": (0, 120), "depth": (1, 10), "deep": (1, 10),
    "levels": (1, 5), "step": (1, 1e12), "chance_of_getting_true": (0, 100), "truth_probability": (0, 100),
    "radius": (0, 90), "width": (1, 10_000), "height": (1, 10_000),
}
FAKER_ARG_DEFAULT_LIMIT = (-1e6, 1e6)
# Arguments that take lists or objects, or reseed Python's global random: never from a schema.
FAKER_ARGS_DENIED = {"seed", "ext_word_list", "allowed_path_traversal_elements", "prefixes", "schemes",
                     "tzinfo", "cast_to", "elements", "value_types", "allowed_types"}
FAKER_ARG_DATE = re.compile(r"^((19|20)\d\d-\d\d-\d\d|[+-]\d{1,5}[dwmy]|today|now)$")
FAKER_STR_ARG = re.compile(r"^[A-Za-z0-9 _.,:/-]{0,64}$")
FAKER_LOCALES = frozenset(faker.config.AVAILABLE_LOCALES)
MAX_EXAMPLE_CHARS = 60
KINDS = [(bool, "bool"), (int, "int"), (float, "float"), (datetime, "datetime"), (date, "date")]


@dataclass(frozen=True)
class FakerMethod:
    args: frozenset[str]        # the arguments it declares
    kind: str                   # what a formula reads from it: int, float, bool, date, datetime or str
    example: str                # one value, for people choosing a method


@functools.cache
def faker_methods(locale: str = "en_US") -> dict[str, FakerMethod]:
    """Provider methods callable with no arguments that give one scalar. Probing calls each
    candidate once (a quarter of a second), so it runs on first use, not at import."""
    fake = faker.Faker(locale)
    fake.seed_instance(0)
    generator = fake[locale] if hasattr(fake, "__getitem__") else fake
    allowed: dict[str, FakerMethod] = {}
    for provider in generator.get_providers():
        for name in dir(provider):
            if not FAKER_NAME.match(name) or name in FAKER_DENIED or name in allowed:
                continue
            method = getattr(provider, name, None)
            if not inspect.ismethod(method) or name in vars(faker.providers.BaseProvider):
                continue
            params = inspect.signature(method).parameters.values()
            if any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                   for p in params):
                continue
            try:
                value = method()
            except Exception:  # a method that cannot run bare is not offered
                continue
            if isinstance(value, FAKER_SCALARS) or type(value).__name__ == "Decimal":
                declared = frozenset(p.name for p in params if p.kind is p.KEYWORD_ONLY
                                     or p.kind is p.POSITIONAL_OR_KEYWORD)
                kind = next((k for t, k in KINDS if isinstance(value, t)), "str")
                allowed[name] = FakerMethod(declared, kind, clip(value, MAX_EXAMPLE_CHARS))
    return allowed


@functools.cache
def faker_examples(locale: str) -> dict[str, str]:
    """One value of each allowed method in a locale, for people choosing a method."""
    fake = faker.Faker(locale)
    fake.seed_instance(0)
    out = {}
    for name in faker_methods():
        with contextlib.suppress(Exception):
            out[name] = clip(getattr(fake, name)(), MAX_EXAMPLE_CHARS)
    return out


def check_faker_args(method: str, args: dict[str, Any]) -> None:
    declared = faker_methods()[method].args
    for key, value in args.items():
        if key not in declared or key in FAKER_ARGS_DENIED:
            raise SchemaError(f"faker method {method!r} takes no argument {clip(key, 40)!r}")
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, (int, float)):
            lo, hi = FAKER_ARG_LIMITS.get(key, FAKER_ARG_DEFAULT_LIMIT)
            if not (math.isfinite(value) and lo <= value <= hi):
                raise SchemaError(f"faker argument {key!r}={clip(value, 40)} is outside {lo:g}..{hi:g}")
        elif isinstance(value, str):
            if key in FAKER_ARG_LIMITS or not (FAKER_ARG_DATE.match(value) or FAKER_STR_ARG.match(value)):
                raise SchemaError(f"faker argument {key!r}={clip(value, 40)!r} is not allowed")
        else:
            raise SchemaError(f"faker argument {key!r} must be a number, text or true/false")

# Faker rebuilds its weight lists on every call (84% of name()'s time): these recipes sample the
# same locale tables with numpy, keyed by the provider module that defines the method, so a
# locale that overrides a method with other logic falls back to calling Faker per value.
ELEMENTS, PARSE, NUMERIFY, CUSTOM = "elements", "parse", "numerify", "custom"
FAKER_RECIPES: dict[tuple[str, str], tuple[str, Any]] = {
    ("faker.providers.person", "first_name"): (ELEMENTS, "first_names"),
    ("faker.providers.person", "last_name"): (ELEMENTS, "last_names"),
    ("faker.providers.person", "first_name_male"): (ELEMENTS, "first_names_male"),
    ("faker.providers.person", "first_name_female"): (ELEMENTS, "first_names_female"),
    ("faker.providers.person", "first_name_nonbinary"): (ELEMENTS, "first_names_nonbinary"),
    ("faker.providers.person", "last_name_male"): (ELEMENTS, "last_names_male"),
    ("faker.providers.person", "last_name_female"): (ELEMENTS, "last_names_female"),
    ("faker.providers.person", "prefix"): (ELEMENTS, "prefixes"),
    ("faker.providers.person", "suffix"): (ELEMENTS, "suffixes"),
    ("faker.providers.person", "prefix_male"): (ELEMENTS, "prefixes_male"),
    ("faker.providers.person", "prefix_female"): (ELEMENTS, "prefixes_female"),
    ("faker.providers.person", "suffix_male"): (ELEMENTS, "suffixes_male"),
    ("faker.providers.person", "suffix_female"): (ELEMENTS, "suffixes_female"),
    ("faker.providers.address", "city"): (PARSE, "city_formats"),
    ("faker.providers.address", "street_name"): (PARSE, "street_name_formats"),
    ("faker.providers.address", "street_address"): (PARSE, "street_address_formats"),
    ("faker.providers.address", "address"): (PARSE, "address_formats"),
    ("faker.providers.address", "building_number"): (NUMERIFY, "building_number_formats"),
    ("faker.providers.address", "country"): (ELEMENTS, "countries"),
    ("faker.providers.address", "city_suffix"): (ELEMENTS, "city_suffixes"),
    ("faker.providers.address", "street_suffix"): (ELEMENTS, "street_suffixes"),
    ("faker.providers.address.en", "city_prefix"): (ELEMENTS, "city_prefixes"),
    ("faker.providers.address.en_US", "city_prefix"): (ELEMENTS, "city_prefixes"),
    ("faker.providers.address.en", "secondary_address"): (NUMERIFY, "secondary_address_formats"),
    ("faker.providers.address.en_US", "secondary_address"): (NUMERIFY, "secondary_address_formats"),
    ("faker.providers.address.en_US", "administrative_unit"): (ELEMENTS, "states"),
    ("faker.providers.address.en_US", "state_abbr"): (CUSTOM, "us_state_abbr"),
    ("faker.providers.address.en_US", "postcode"): (CUSTOM, "us_postcode"),
    ("faker.providers.address.en_US", "zipcode"): (CUSTOM, "us_postcode"),
    ("faker.providers.company", "company"): (PARSE, "formats"),
    ("faker.providers.company", "company_suffix"): (ELEMENTS, "company_suffixes"),
    ("faker.providers.company", "catch_phrase"): (CUSTOM, "word_lists:catch_phrase_words"),
    ("faker.providers.company", "bs"): (CUSTOM, "word_lists:bsWords"),
    ("faker.providers.job", "job"): (ELEMENTS, "jobs"),
    ("faker.providers.phone_number", "phone_number"): (NUMERIFY, "formats"),
    ("faker.providers.internet", "free_email_domain"): (ELEMENTS, "free_email_domains"),
    ("faker.providers.internet", "tld"): (ELEMENTS, "tlds"),
    ("faker.providers.internet", "domain_name"): (CUSTOM, "domain_name"),
    ("faker.providers.internet", "url"): (CUSTOM, "url"),
    ("faker.providers.internet", "ipv4"): (CUSTOM, "ipv4"),
    ("faker.providers.misc", "uuid4"): (CUSTOM, "uuid4"),
    ("faker.providers.lorem", "word"): (ELEMENTS, "word_list"),
    ("faker.providers.lorem", "sentence"): (CUSTOM, "sentence"),
    ("faker.providers.lorem", "text"): (CUSTOM, "text"),
    ("faker.providers.lorem", "paragraph"): (CUSTOM, "paragraph"),
}
PERSON_METHODS = {"name", "name_male", "name_female", "name_nonbinary", "first_name",
                  "first_name_male", "first_name_female", "last_name", "email", "free_email",
                  "safe_email", "company_email", "user_name", "prefix", "prefix_male",
                  "prefix_female"}
PLACE_METHODS = {"city", "state", "state_abbr", "zipcode", "postcode", "country", "administrative_unit", "region",
                 "prefecture", "province"}
REGION_METHODS = {"state", "administrative_unit", "region", "prefecture", "province"}
TOKEN = re.compile(r"\{\{\s*(\w+)\s*\}\}")
NAME_PARTS = re.compile(r"\{\{(first|last)_name\w*\}\}([^{]*)\{\{(?:first|last)_name\w*\}\}")
TEMPLATE_DIGITS = {ord("#"): (0, 10), ord("%"): (1, 10), ord("$"): (2, 10)}

WEIGHT_TABLE_SIZE = 2**20      # resolution of weighted draws from Faker's tables: 1e-6
SENTENCE_WORDS = 6
PARAGRAPH_SENTENCES = (2, 4)
TEXT_CHARS = 200
SENTENCE_CHARS = 45             # about a six-word sentence, to size a text of max_nb_chars
SIZED_TEXT = {"sentence": {"nb_words", "variable_nb_words"}, "paragraph": {"nb_sentences", "variable_nb_sentences"},
              "text": {"max_nb_chars"}}


@dataclass
class Pool:
    values: pa.Array
    cum: np.ndarray | None  # cumulative probabilities, None when uniform

    _lowered: pa.Array | None = None

    _table: np.ndarray | None = None
    _strings: list[str] | None = None

    @property
    def strings(self) -> list[str]:
        if self._strings is None:
            self._strings = self.values.to_pylist()
        return self._strings

    def indices(self, n: int, rng: np.random.Generator) -> pa.Array:
        if self.cum is None:
            return pa.array(rng.integers(0, len(self.values), n))
        if self._table is None:
            # An inverse-CDF lookup table: one gather per draw instead of a binary search.
            quantiles = (np.arange(WEIGHT_TABLE_SIZE) + 0.5) / WEIGHT_TABLE_SIZE
            self._table = np.minimum(np.searchsorted(self.cum, quantiles, side="right"),
                                     len(self.values) - 1).astype(np.int32)
        return pa.array(self._table[rng.integers(0, WEIGHT_TABLE_SIZE, n)])

    def sample(self, n: int, rng: np.random.Generator) -> pa.Array:
        return self.values.take(self.indices(n, rng))

    @property
    def all_latin(self) -> bool:
        return pc.min(pc.utf8_length(self.lowered)).as_py() > 0

    @property
    def lowered(self) -> pa.Array:
        """The values as lower-case ASCII, for emails and user names: made once per table."""
        if self._lowered is None:
            self._lowered = pc.utf8_lower(ascii_only(self.values))
        return self._lowered


def make_pool(elements: Any) -> Pool | None:
    if isinstance(elements, dict):
        values = [str(v) for v in elements]
        weights = np.array([float(w) for w in elements.values()])
        cum = np.cumsum(weights / weights.sum()) if weights.sum() > 0 else None
        return Pool(pa.array(values, pa.string()), cum) if values else None
    if isinstance(elements, (list, tuple)) and elements and all(isinstance(e, str) for e in elements):
        return Pool(pa.array(list(elements), pa.string()), None)
    return None


class FakerLocale:
    """One locale's Faker, its tables turned into numpy-ready pools once, and per-value calls."""

    def __init__(self, locale: str):
        self.locale = locale
        self.fake = faker.Faker(locale)
        self.gen = self.fake[locale]
        self.pools: dict[tuple[int, str], Pool | None] = {}
        self.local = threading.local()  # a Faker holds one random state: one per thread, no waiting

    def own_faker(self) -> Any:
        if getattr(self.local, "fake", None) is None:
            self.local.fake = faker.Faker(self.locale)
        return self.local.fake

    def provider(self, method: str) -> Any:
        bound = getattr(self.gen, method, None)
        return getattr(bound, "__self__", None)

    @functools.cached_property
    def name_order(self) -> tuple[bool, str]:
        """Whether the locale writes the family name first (ja_JP, zh_CN, ko_KR, hu_HU), and what
        stands between the names, read from the locale's own name formats."""
        formats = getattr(self.provider("name"), "formats", None) or ()
        for text in list(formats):
            m = NAME_PARTS.search(str(text))
            if m:
                return m.group(1) == "last", m.group(2)
        return False, " "

    def recipe(self, method: str) -> tuple[Any, tuple[str, Any]] | None:
        provider = self.provider(method)
        if provider is None:
            return None
        for cls in type(provider).__mro__:
            if method in vars(cls):
                found = FAKER_RECIPES.get((cls.__module__, method))
                return (provider, found) if found else None
        return None

    def pool(self, provider: Any, attr: str) -> Pool | None:
        key = (id(provider), attr)
        if key not in self.pools:
            self.pools[key] = make_pool(getattr(provider, attr, None))
        return self.pools[key]

    def call_each(self, method: str, args: dict[str, Any], n: int, seed: int) -> pa.Array:
        """Per-value Faker calls, seeded, for methods without a recipe. A method this locale
        lacks takes its local name (a German "zipcode" is a postcode), else en_US's."""
        if not hasattr(self.gen, method):
            local = next((m for m in LOCAL_METHOD_NAMES.get(method, ()) if hasattr(self.gen, m)), None)
            if local:
                return self.call_each(local, args, n, seed)
            if self.locale != "en_US":
                return faker_locale("en_US").call_each(method, args, n, seed)
        fake = self.own_faker()
        try:
            fake.seed_instance(seed)
            func = getattr(fake[self.locale], method)
            if uses_global_random(func):
                with GLOBAL_RANDOM_LOCK:  # a few providers draw from Python's shared `random`
                    state = random.getstate()
                    random.seed(seed)
                    try:
                        values = [func(**args) for _ in range(n)]
                    finally:
                        random.setstate(state)
            else:
                values = [func(**args) for _ in range(n)]
        except Exception as err:  # arguments Faker rejects at call time
            raise SchemaError(f"faker method {method!r} failed for locale {self.locale}: "
                              f"{type(err).__name__}: {clip(err, 80)}") from None
        return scalars_to_array(values)


GLOBAL_RANDOM_LOCK = threading.Lock()


def uses_global_random(func: Any) -> bool:
    """Whether a provider method's module imports Python's `random` (and so ignores our seed)."""
    module = sys.modules.get(getattr(func, "__module__", "") or "")
    return getattr(module, "random", None) is random


LOCAL_METHOD_NAMES = {"zipcode": ("postcode",), "postcode": ("zipcode",),
                      "state": ("administrative_unit", "region", "prefecture", "province"),
                      "state_abbr": ("administrative_unit", "region", "prefecture")}


def scalars_to_array(values: list[Any]) -> pa.Array:
    first = next((v for v in values if v is not None), None)
    if isinstance(first, bool):
        return pa.array(values, pa.bool_())
    if isinstance(first, int) and all(isinstance(v, int) and abs(v) < 2**63 for v in values):
        return pa.array(values, pa.int64())
    if isinstance(first, float):
        return pa.array(values, pa.float64())
    return pa.array([v if isinstance(v, str) else (v.isoformat() if hasattr(v, "isoformat") else str(v))
                     for v in values], pa.string())


_LOCALES: dict[str, FakerLocale] = {}
_LOCALES_LOCK = threading.Lock()


def faker_locale(locale: str) -> FakerLocale:
    with _LOCALES_LOCK:
        if locale not in _LOCALES:
            _LOCALES[locale] = FakerLocale(locale)
        return _LOCALES[locale]


def fill_templates(templates: list[str], groups: np.ndarray, rng: np.random.Generator,
                   faker_codes: bool = True) -> pa.Array:
    """Row i gets templates[groups[i]] filled in: one byte grid for every template at once,
    turned into an Arrow string array from its own buffers."""
    raws = [t.encode() for t in templates]
    if faker_codes and any(b"!" in r or b"@" in r for r in raws):
        return by_group(len(groups), groups, len(templates),
                        lambda g, size: fill_optional_digits(templates[g], size, rng))
    lengths = np.array([len(r) for r in raws], dtype=np.int64)
    table = np.zeros((len(raws), max(int(lengths.max()), 1)), dtype=np.uint8)
    for i, raw in enumerate(raws):
        table[i, :len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    grid = table[groups]
    codes = TEMPLATE_DIGITS if faker_codes else {ord("#"): TEMPLATE_DIGITS[ord("#")]}
    for code, (lo, hi) in [*codes.items(), (ord("?"), (17, 43))]:  # "?" is A..Z: 48 + 17 = "A"
        if not (table == code).any():
            continue
        mask = grid == code
        grid[mask] = rng.integers(48 + lo, 48 + hi, int(mask.sum()), dtype=np.uint8)
    row_lengths = lengths[groups]
    data = grid[np.arange(grid.shape[1]) < row_lengths[:, None]]
    offsets = np.concatenate([[0], np.cumsum(row_lengths)]).astype(np.int32)
    return pa.StringArray.from_buffers(len(groups), pa.py_buffer(offsets), pa.py_buffer(data.tobytes()))


def fill_optional_digits(template: str, n: int, rng: np.random.Generator) -> pa.Array:
    """Faker's numerify for a template with optional digits (! 0-9 or nothing, @ 1-9 or nothing),
    character by character: such templates are rare, so this path need not be fast."""
    lows = {"#": 0, "%": 1, "$": 2, "!": 0, "@": 1}
    parts = []
    for ch in template:
        if ch not in lows:
            parts.append(ch)
            continue
        digits = rng.integers(lows[ch], 10, n).astype(str)
        if ch in "!@":
            digits = np.where(rng.random(n) < 0.5, "", digits)
        parts.append(pa.array(digits))
    arrays = [p if isinstance(p, pa.Array) else pa.repeat(pa.scalar(p), n) for p in parts]
    return pc.binary_join_element_wise(*arrays, "") if arrays else pa.repeat(pa.scalar(""), n)


def by_group(n: int, groups: np.ndarray, count: int, make: Callable[[int, int], pa.Array]) -> pa.Array:
    """Make each group's rows with make(group, size) and put them back in row order."""
    if count == 1:
        return make(0, n)
    # small integer keys sort stably by radix in numpy: linear time
    order = np.argsort(groups.astype(np.uint8 if count < 256 else np.int64), kind="stable")
    sizes = np.bincount(groups, minlength=count)
    pieces = [make(g, int(s)) for g, s in enumerate(sizes) if s]
    merged = pa.concat_arrays([p.cast(pa.string()) for p in pieces])
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    return merged.take(pa.array(inverse))


def pick_templates(pool: Pool | None, n: int, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    if pool is None:
        raise KeyError("no templates")
    return pool.strings, pool.indices(n, rng).to_numpy()


class FakerColumns:
    """Faker methods for n rows at once in one locale: recipes over Faker's own tables, and
    per-value calls for the rest."""

    def __init__(self, locale: str, n: int):
        self.n = n
        self.loc = faker_locale(locale)

    def plain(self, method: str, n: int, rng: np.random.Generator, args: dict | None = None) -> pa.Array:
        sized = bool(args) and set(args) <= SIZED_TEXT.get(method, set())  # text of a given length stays fast
        found = self.loc.recipe(method) if not args or sized else None
        if found:
            provider, (kind, attr) = found
            try:
                if sized:
                    return self.recipe_custom(provider, attr, n, rng, **(args or {}))
                return getattr(self, "recipe_" + kind)(provider, attr, n, rng)
            except KeyError:
                pass
        return self.loc.call_each(method, args or {}, n, int(rng.integers(0, 2**63)))

    def pool_for(self, method: str) -> Pool | None:
        """The weighted table a method samples from, when the method is one draw from a table."""
        found = self.loc.recipe(method)
        if not found or found[1][0] != ELEMENTS:
            return None
        provider, (_, attr) = found
        return self.loc.pool(provider, attr) or (self.loc.pool(provider, "first_names")
                                                 if attr.startswith("first_names") else None)

    def recipe_elements(self, provider: Any, attr: str, n: int, rng: np.random.Generator) -> pa.Array:
        pool = self.loc.pool(provider, attr)
        if pool is None:
            raise KeyError(attr)
        return pool.sample(n, rng)

    def recipe_parse(self, provider: Any, attr: str, n: int, rng: np.random.Generator) -> pa.Array:
        templates, groups = pick_templates(self.loc.pool(provider, attr), n, rng)

        def expand(g: int, size: int) -> pa.Array:
            pieces: list[Any] = []
            for i, part in enumerate(TOKEN.split(templates[g])):
                if i % 2:
                    pieces.append(self.plain(part, size, rng))
                elif part:
                    pieces.append(pa.repeat(pa.scalar(part.replace("\n", ", ")), size))
            return pc.binary_join_element_wise(*[p.cast(pa.string()) for p in pieces], "")
        return by_group(n, groups, len(templates), expand)

    def recipe_numerify(self, provider: Any, attr: str, n: int, rng: np.random.Generator) -> pa.Array:
        templates, groups = pick_templates(self.loc.pool(provider, attr), n, rng)
        return fill_templates(templates, groups, rng)

    def recipe_custom(self, provider: Any, attr: str, n: int, rng: np.random.Generator, **options: Any) -> pa.Array:
        name, _, extra = attr.partition(":")
        return getattr(self, "custom_" + name)(provider, extra, n, rng, **options)

    def custom_us_state_abbr(self, provider: Any, _: str, n: int, rng: np.random.Generator) -> pa.Array:
        abbrs = [*provider.states_abbr, *getattr(provider, "territories_abbr", ()),
                 *getattr(provider, "freely_associated_states_abbr", ())]
        return Pool(pa.array(abbrs), None).sample(n, rng)

    def custom_us_postcode(self, provider: Any, _: str, n: int, rng: np.random.Generator) -> pa.Array:
        return pc.utf8_lpad(pc.cast(pa.array(rng.integers(501, 99951, n)), pa.string()), 5, "0")

    def custom_word_lists(self, provider: Any, attr: str, n: int, rng: np.random.Generator) -> pa.Array:
        parts = [make_pool(words).sample(n, rng) for words in getattr(provider, attr)]
        return pc.binary_join_element_wise(*parts, " ")

    def custom_domain_name(self, provider: Any, _: str, n: int, rng: np.random.Generator) -> pa.Array:
        pool = self.pool_for("last_name")
        words = pool.lowered.take(pool.indices(n, rng)) if pool else pc.utf8_lower(ascii_only(self.plain("last_name", n, rng)))
        words = pc.if_else(pc.equal(words, ""), pa.scalar("example"), words)
        return pc.binary_join_element_wise(words, self.plain("tld", n, rng), ".")

    def custom_url(self, provider: Any, _: str, n: int, rng: np.random.Generator) -> pa.Array:
        scheme = pa.array(np.where(rng.random(n) < 0.8, "https://www.", "http://www."))
        return pc.binary_join_element_wise(scheme, self.custom_domain_name(provider, "", n, rng), "/", "")

    def custom_ipv4(self, provider: Any, _: str, n: int, rng: np.random.Generator) -> pa.Array:
        octets = [rng.integers(1, 224, n), rng.integers(0, 256, n), rng.integers(0, 256, n), rng.integers(1, 255, n)]
        return pc.binary_join_element_wise(*[pc.cast(pa.array(o), pa.string()) for o in octets], ".")

    def custom_uuid4(self, provider: Any, _: str, n: int, rng: np.random.Generator) -> pa.Array:
        return uuid_strings(rng, n)

    def custom_sentence(self, provider: Any, _: str, n: int, rng: np.random.Generator,
                        nb_words: int = SENTENCE_WORDS, variable_nb_words: bool = True) -> pa.Array:
        pool = self.loc.pool(provider, "word_list")
        if pool is None:
            raise KeyError("word_list")
        # Faker varies the word count by up to 40% either way
        spread = rng.uniform(0.6, 1.4, n) if variable_nb_words else np.ones(n)
        counts = np.clip(np.round(nb_words * spread).astype(np.int32), 1, None)
        return pc.binary_join_element_wise(pc.utf8_capitalize(join_lists(pool.sample(int(counts.sum()), rng), counts, " ")), ".", "")

    def custom_paragraph(self, provider: Any, _: str, n: int, rng: np.random.Generator,
                         nb_sentences: int | None = None, variable_nb_sentences: bool = True) -> pa.Array:
        if nb_sentences is None:
            counts = rng.integers(PARAGRAPH_SENTENCES[0], PARAGRAPH_SENTENCES[1] + 1, n).astype(np.int32)
        else:
            spread = rng.uniform(0.6, 1.4, n) if variable_nb_sentences else np.ones(n)
            counts = np.clip(np.round(nb_sentences * spread).astype(np.int32), 1, None)
        sentences = self.custom_sentence(provider, "", int(counts.sum()), rng)
        return join_lists(sentences, counts, " ")

    def custom_text(self, provider: Any, _: str, n: int, rng: np.random.Generator,
                    max_nb_chars: int = TEXT_CHARS) -> pa.Array:
        if max_nb_chars == TEXT_CHARS:
            text = self.custom_paragraph(provider, "", n, rng)
            return pc.utf8_rtrim(pc.utf8_slice_codeunits(text, 0, max_nb_chars), characters=" ")
        # as Faker does: whole sentences up to the length, cut inside one only when it alone is longer
        sentences = math.ceil(max_nb_chars / SENTENCE_CHARS) + 1
        text = self.custom_paragraph(provider, "", n, rng, nb_sentences=sentences, variable_nb_sentences=False)
        whole = pc.struct_field(pc.extract_regex(text, f"^(?P<t>.{{1,{max_nb_chars - 1}}}\\.)"), [0])
        cut = pc.utf8_rtrim(pc.utf8_slice_codeunits(text, 0, max_nb_chars), characters=" ")
        return pc.if_else(whole.is_valid(), whole, cut)


ACADEMIC_TITLE = re.compile(r"^(dr|prof|ing|dipl|univ|dott)", re.I)
ACADEMIC_SHARE = 0.08


def salutations(pool: Pool, n: int, rng: np.random.Generator) -> pa.Array:
    titles = pool.strings
    academic = np.array([bool(ACADEMIC_TITLE.match(t)) for t in titles])
    if academic.all() or not academic.any():
        return pool.sample(n, rng)
    weights = np.where(academic, ACADEMIC_SHARE / academic.sum(), (1 - ACADEMIC_SHARE) / (~academic).sum())
    return pa.array(titles).take(pa.array(np.searchsorted(np.cumsum(weights), rng.random(n) * weights.sum())))


def join_lists(flat: pa.Array, counts: np.ndarray, sep: str) -> pa.Array:
    """Join consecutive runs of `flat` (run i has counts[i] items) into one string each."""
    offsets = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int32)
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), flat), sep)


def ascii_only(values: pa.Array) -> pa.Array:
    folded = pc.utf8_normalize(values, form="NFKD")
    return pc.replace_substring_regex(folded, pattern=r"[^A-Za-z0-9]", replacement="")


def uuid_strings(rng: np.random.Generator, n: int) -> pa.Array:
    raw = rng.integers(0, 256, (n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40   # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80   # RFC 4122 variant
    hexed = np.frombuffer(raw.tobytes().hex().encode(), dtype=np.uint8).reshape(n, 32)
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    for src, dst in ((0, 0), (8, 9), (12, 14), (16, 19), (20, 24)):
        width = {0: 8, 8: 4, 12: 4, 16: 4, 20: 12}[src]
        out[:, dst:dst + width] = hexed[:, src:src + width]
    return pc.cast(pa.array(np.ascontiguousarray(out).view("S36").ravel(), pa.binary()), pa.string())


HANDLE_SEPARATORS = [".", "", "_"]
HANDLE_DIGITS = [""] + [str(i) for i in range(1, 100)]
HANDLE_INITIAL_SHARE = 0.2      # jdoe
HANDLE_DIGITS_SHARE = 0.35      # jane.doe42
HANDLE_SWAPPED_SHARE = 0.1      # doe.jane


@dataclass
class Person:
    """First and last names of one entity in a block, and their lower-case ASCII forms, from
    which every person column of that entity derives: names, emails and user names agree."""

    first: pa.Array
    last: pa.Array
    first_low: pa.Array
    last_low: pa.Array
    female: np.ndarray
    cols: FakerColumns
    latin: bool = False  # every name has Latin letters, so every handle is long enough

    @classmethod
    def make(cls, cols: FakerColumns, rng: np.random.Generator, gender: np.ndarray | None) -> Person:
        """A person per row; `gender` (True = female) comes from a gender column when there is one."""
        n = cols.n
        female = gender if gender is not None else rng.random(n) < 0.5
        mask = pa.array(female)
        pools = [cols.pool_for(m) for m in ("first_name_female", "first_name_male", "last_name")]
        if all(pools):
            fem, male, last = pools
            fi, mi, li = fem.indices(n, rng), male.indices(n, rng), last.indices(n, rng)
            return cls(pc.if_else(mask, fem.values.take(fi), male.values.take(mi)), last.values.take(li),
                       pc.if_else(mask, fem.lowered.take(fi), male.lowered.take(mi)), last.lowered.take(li),
                       female, cols, all(p.all_latin for p in pools))
        first = pc.if_else(mask, cols.plain("first_name_female", n, rng), cols.plain("first_name_male", n, rng))
        last_names = cols.plain("last_name", n, rng)
        return cls(first, last_names, pc.utf8_lower(ascii_only(first)), pc.utf8_lower(ascii_only(last_names)),
                   female, cols)

    def field(self, method: str, rng: np.random.Generator) -> pa.Array:
        n = len(self.first)
        if method.startswith("first_name"):
            return self.first
        if method == "last_name":
            return self.last
        if method.startswith("name"):
            family_first, separator = self.cols.loc.name_order
            parts = (self.last, self.first) if family_first else (self.first, self.last)
            return pc.binary_join_element_wise(*parts, separator)
        if method.startswith("prefix"):
            female, male = self.cols.pool_for("prefix_female"), self.cols.pool_for("prefix_male")
            if female is None or male is None or self.cols.loc.locale.startswith("en_"):
                return pa.array(np.where(self.female, np.where(rng.random(n) < 0.5, "Ms.", "Mrs."), "Mr."))
            # the locale's own titles (Frau, Herr, Sig.ra), with academic ones as rare as they are
            return pc.if_else(pa.array(self.female), salutations(female, n, rng), salutations(male, n, rng))
        if method == "user_name":
            return self.handle(rng)
        if method == "company_email":
            domain = self.cols.custom_domain_name(None, "", n, rng)
        else:
            domain = self.cols.plain("free_email_domain", n, rng)
        return pc.binary_join_element_wise(self.handle(rng), domain, "@")

    def handle(self, rng: np.random.Generator) -> pa.Array:
        """A login made from this row's own name: jane.doe, janedoe, jdoe, jane_doe42, doe.jane..."""
        n = len(self.first)
        head = pc.if_else(pa.array(rng.random(n) < HANDLE_INITIAL_SHARE),
                          pc.utf8_slice_codeunits(self.first_low, 0, 1), self.first_low)
        swap = pa.array(rng.random(n) < HANDLE_SWAPPED_SHARE)
        a, b = pc.if_else(swap, self.last_low, head), pc.if_else(swap, head, self.last_low)
        sep = pa.array(HANDLE_SEPARATORS).take(pa.array(rng.integers(0, len(HANDLE_SEPARATORS), n)))
        with_digits = rng.random(n) < HANDLE_DIGITS_SHARE
        digits = pa.array(HANDLE_DIGITS).take(pa.array(np.where(with_digits, rng.integers(1, 100, n), 0)))
        local = pc.binary_join_element_wise(a, sep, b, digits, "")
        if self.latin:
            return local
        short = pc.less(pc.utf8_length(local), 3)  # names with no Latin letters
        if not pc.any(short).as_py():
            return local
        fallback = pc.binary_join_element_wise("user", pc.cast(pa.array(rng.integers(1000, 99999, n)), pa.string()), "")
        return pc.if_else(short, fallback, local)


# --- real places ---

@functools.cache
def place_tables() -> dict[str, tuple[Pool, list[list[Any]]]]:
    """Real cities with their state, zip prefix or country, weighted by population."""
    try:
        data = json.loads(PLACES_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    tables = {}
    named = [(key, data.get(key) or []) for key in ("us_places", "world_cities")]
    named += [(f"country:{locale}", rows) for locale, rows in (data.get("countries") or {}).items()]
    for key, rows in named:
        width = 4 if key.startswith("country:") else 2   # a country's rows: city, region, postcode prefix, people
        rows = [r for r in rows if isinstance(r, list) and len(r) >= width and isinstance(r[-1], (int, float))
                and r[-1] > 0]
        if rows:
            weights = np.array([float(r[-1]) for r in rows])
            tables[key] = (Pool(pa.array(range(len(rows)), pa.int64()), np.cumsum(weights / weights.sum())), rows)
    return tables


def locale_country(cols: FakerColumns) -> str | None:
    """The country of a locale's places, in its own language when Faker knows it."""
    with contextlib.suppress(Exception):
        return cols.loc.gen.current_country() or None
    return None


def country_places(table: tuple[Pool, list[list[Any]]], methods: set[str], cols: FakerColumns,
                   rng: np.random.Generator) -> dict[str, pa.Array]:
    """Places of one country drawn from its real table (city, region, postcode prefix): the
    postcode keeps the locale's own shape, its leading characters the city's."""
    pool, rows = table
    n = cols.n
    picked = [rows[i] for i in pool.sample(n, rng).to_pylist()]
    regions = pa.array([str(r[1]) for r in picked])
    out = {"city": pa.array([str(r[0]) for r in picked])} | {m: regions for m in REGION_METHODS}
    if methods & {"zipcode", "postcode"}:
        method = "postcode" if hasattr(cols.loc.gen, "postcode") else "zipcode"
        shapes = cols.plain(method, n, rng).to_pylist()
        codes = pa.array([str(r[2]) + str(shape)[len(str(r[2])):] for r, shape in zip(picked, shapes)])
        out |= {"postcode": codes, "zipcode": codes}
    country = locale_country(cols)
    if country:
        out["country"] = pa.repeat(pa.scalar(country), n)
    return out


def real_places(methods: set[str], cols: FakerColumns, rng: np.random.Generator) -> dict[str, pa.Array] | None:
    """City, state, zip and country of one place per row, drawn together from a real table, for
    the place methods an entity's columns name; None when no table fits them."""
    n, locale, places = cols.n, cols.loc.locale, place_tables()
    us = methods & {"state", "state_abbr", "zipcode", "postcode"}
    if "city" in methods and us and locale == "en_US" and "us_places" in places:
        pool, rows = places["us_places"]
        picked = [rows[i] for i in pool.sample(n, rng).to_pylist()]
        zip5 = [f"{r[3]}{d:02d}" for r, d in zip(picked, rng.integers(1, 100, n))]
        return {"city": pa.array([r[0] for r in picked]), "state": pa.array([r[1] for r in picked]),
                "state_abbr": pa.array([r[2] for r in picked]), "zipcode": pa.array(zip5),
                "postcode": pa.array(zip5), "country": pa.repeat(pa.scalar("United States"), n)}
    local = places.get(f"country:{locale}")
    if local and "city" in methods and methods & (REGION_METHODS | {"zipcode", "postcode"}):
        return country_places(local, methods, cols, rng)
    if "country" in methods and methods & ({"city", "zipcode", "postcode"} | REGION_METHODS) and locale != "en_US":
        return {"country": pa.repeat(pa.scalar(locale_country(cols)), n)} if locale_country(cols) else None
    if {"city", "country"} <= methods and "world_cities" in places:
        pool, rows = places["world_cities"]
        picked = [rows[i] for i in pool.sample(n, rng).to_pylist()]
        return {"city": pa.array([r[0] for r in picked]), "country": pa.array([r[1] for r in picked])}
    return None
