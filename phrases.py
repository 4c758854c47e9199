
"""The phrase grammar of the built-in designer: it separates the fields a description names from
what it says about them.

    "settlement date 10 to 120 days after the claim"   -> field "settlement date",
                                                          Rule("after", other="claim", lo=10, hi=120)
    "The fare is 3 plus 1.80 per km, rounded to cents"  -> Rule("formula", target="fare", ...)
    "about 15% of trips have a tip"                      -> Rule("share", target="tip", p=0.15)

Each rule is read from the words around an anchor (a number with "%", "after", "per", "=",
a comparative such as "higher" ...), and the words it used are taken out of the text, so a
constraint word never reaches a column name or a value. What the mentions ("the claim", "trips")
refer to is the designer's concern: rules name fields by the words of the description only.

The statements themselves are read in clauses.py. It knows nothing of the vocabulary or the
schema: text in, fields and rules out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

# --- numbers, units and small word lists ---

SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "millions": 1e6, "bn": 1e9,
         "billion": 1e9, "lakh": 1e5, "lakhs": 1e5, "lac": 1e5, "crore": 1e7, "crores": 1e7}
NUM = r"(?:[$€£¥₹]|r\$|rs\.?\s?)?\s*-?\d+(?:\.\d+)?(?:\s*(?:k|m|mn|bn|million|thousand|billion|lakhs?|lac|crores?)\b)?"
CURRENCY_SIGNS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "r$": "BRL", "rs": "INR"}
CURRENCY_WORDS = {
    "usd": "USD", "dollar": "USD", "dollars": "USD", "us dollars": "USD", "eur": "EUR", "euro": "EUR",
    "euros": "EUR", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "sterling": "GBP", "jpy": "JPY",
    "yen": "JPY", "inr": "INR", "rupee": "INR", "rupees": "INR", "brl": "BRL", "real": "BRL",
    "reais": "BRL", "mxn": "MXN", "peso": "MXN", "pesos": "MXN", "cad": "CAD", "aud": "AUD",
    "pln": "PLN", "zloty": "PLN", "zł": "PLN", "cny": "CNY", "rmb": "CNY", "yuan": "CNY", "krw": "KRW",
    "won": "KRW", "sek": "SEK", "kronor": "SEK", "chf": "CHF", "francs": "CHF",
}
DAYS_PER = {"second": 1 / 86400, "sec": 1 / 86400, "s": 1 / 86400, "minute": 1 / 1440, "min": 1 / 1440,
            "hour": 1 / 24, "hr": 1 / 24, "h": 1 / 24, "day": 1.0, "d": 1.0, "week": 7.0, "wk": 7.0,
            "month": 30.4, "mo": 30.4, "year": 365.0, "yr": 365.0}
TIME_UNIT = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|months?|years?|yrs?)"
STEP_CODES = {"second": "s", "sec": "s", "minute": "m", "min": "m", "hour": "h", "hr": "h", "day": "d",
              "week": "w", "month": "mo", "year": "y"}
ADVERB_STEPS = {"hourly": "1h", "daily": "1d", "nightly": "1d", "weekly": "1w", "monthly": "1mo",
                "quarterly": "3mo", "yearly": "1y", "annually": "1y", "annual": "1y"}
MONTHS = {m: i + 1 for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july",
                                            "august", "september", "october", "november", "december"])}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
MONTH_RX = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|" \
           r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
VAGUE_SHARES = {"almost all": 0.95, "nearly all": 0.95, "virtually all": 0.97, "the vast majority of": 0.9,
                "the vast majority": 0.9, "vast majority of": 0.9, "most": 0.75, "mostly": 0.75,
                "the majority of": 0.65, "majority of": 0.65, "a majority of": 0.65, "usually": 0.8,
                "typically": 0.75, "often": 0.6, "half": 0.5, "half of": 0.5, "a third of": 0.33, "a third": 0.33,
                "a quarter of": 0.25, "a quarter": 0.25, "sometimes": 0.25, "some": 0.25, "occasionally": 0.1,
                "a few": 0.08, "few": 0.08, "a small share of": 0.08, "a small number of": 0.06,
                "a handful of": 0.04, "rarely": 0.04, "rare": 0.04, "seldom": 0.04, "very few": 0.03,
                "almost never": 0.02, "hardly ever": 0.02, "very rarely": 0.02}
# Determiners and verbs trimmed from the edges of a mention ("the night shift has a" -> "night shift").
EDGE_WORDS = {"the", "a", "an", "its", "their", "his", "her", "each", "every", "all", "any", "of", "for", "per",
              "that", "those", "these", "this", "is", "are", "was", "were", "be", "been", "being", "has", "have",
              "had", "get", "gets", "got", "should", "must", "will", "would", "can", "could", "may", "might",
              "do", "does", "did", "and", "or", "but", "with", "to", "in", "on", "at", "by", "than", "as", "so",
              "also", "then", "only", "always", "usually", "typically", "generally", "normally", "often", "end",
              "ends", "up", "which", "who", "whose", "where", "when", "while", "it", "they", "them", "there",
              "on", "average", "much", "many", "far", "slightly", "significantly", "considerably", "somewhat",
              "about", "around", "roughly", "approximately", "some", "other", "others", "rest", "remaining",
              "flagged", "marked", "labelled", "labeled", "tagged", "considered", "recorded", "make", "makes",
              "file", "files", "tend", "tends", "seem", "seems", "see", "sees", "show", "shows", "like", "just"}
CLAUSE_BREAK = {"and", "but", "while", "whereas", "where", "which", "so", "because", "though", "although",
                "with", "than", "when", "if", "unless", "then"}
COMPARATIVES = {
    "higher": 1, "more": 1, "bigger": 1, "larger": 1, "greater": 1, "longer": 1, "heavier": 1, "older": 1,
    "pricier": 1, "costlier": 1, "further": 1, "farther": 1, "faster": 1, "later": 1, "busier": 1,
    "more expensive": 1, "more often": 1, "more likely": 1, "more frequently": 1, "more frequent": 1,
    "lower": -1, "less": -1, "fewer": -1, "smaller": -1, "shorter": -1, "lighter": -1, "younger": -1,
    "cheaper": -1, "slower": -1, "earlier": -1, "less expensive": -1, "less often": -1, "less likely": -1,
    "less frequently": -1, "quieter": -1,
}
SUPERLATIVES = {"most expensive": 1, "highest": 1, "biggest": 1, "largest": 1, "longest": 1, "priciest": 1,
                "most": 1, "best": 1, "busiest": 1, "oldest": 1, "heaviest": 1, "cheapest": -1,
                "least expensive": -1, "lowest": -1, "smallest": -1, "shortest": -1, "least": -1, "worst": -1,
                "quietest": -1, "youngest": -1, "lightest": -1}
TREND_VERBS = {"grows": 1, "grow": 1, "increases": 1, "increase": 1, "rises": 1, "rise": 1, "goes up": 1,
               "go up": 1, "scales": 1, "scale": 1, "climbs": 1, "correlates positively": 1,
               "is proportional": 1, "are proportional": 1, "correlates": 1, "correlate": 1,
               "tracks": 1, "track": 1, "follows": 1, "follow": 1,
               "decreases": -1, "decrease": -1, "falls": -1, "fall": -1, "drops": -1, "drop": -1,
               "declines": -1, "decline": -1, "goes down": -1, "go down": -1, "shrinks": -1, "shrink": -1,
               "correlates negatively": -1, "is inversely proportional": -1, "are inversely proportional": -1}
SEASONS = {"summer": [6, 7, 8], "winter": [12, 1, 2], "spring": [3, 4, 5], "autumn": [9, 10, 11], "fall": [9, 10, 11],
           "holiday season": [11, 12], "holidays": [12], "christmas": [12], "year end": [12],
           "year-end": [12]}
DAYPARTS = {"morning": (6, 12), "mornings": (6, 12), "afternoon": (12, 17), "afternoons": (12, 17),
            "evening": (17, 22), "evenings": (17, 22), "night": (0, 6), "nights": (0, 6), "overnight": (0, 6),
            "late night": (22, 24), "lunch": (11, 14), "lunchtime": (11, 14), "dinner": (17, 21),
            "rush hour": (7, 9), "rush hours": (7, 9), "peak hours": (17, 21), "business hours": (9, 17),
            "office hours": (9, 17), "working hours": (9, 17), "daytime": (8, 18), "daylight": (7, 19)}
WEEKPARTS = {"weekend": [5, 6], "weekends": [5, 6], "saturday": [5], "saturdays": [5], "sunday": [6],
             "sundays": [6], "weekday": [0, 1, 2, 3, 4], "weekdays": [0, 1, 2, 3, 4], "monday": [0],
             "mondays": [0], "friday": [4], "fridays": [4], "friday night": [4]}


def ascii_fold(text: str) -> str:
    """Accents dropped, ß as ss: 'Straße' -> 'Strasse', 'teléfono' -> 'telefono'."""
    text = text.replace("ß", "ss").replace("ẞ", "SS")
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def lower_same(text: str) -> str:
    """Lower case with the same length (offsets into it are offsets into the text)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower()[:1] or c for c in text)


def normalize(text: str) -> str:
    """One way to write what people write many ways: dashes, quotes, multiplication signs,
    thousands separators ('20,000' -> '20000'), non-breaking spaces."""
    text = text.replace("\u00a0", " ").replace("–", "-").replace("—", " - ").replace("−", "-")
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("×", "*")
    text = text.replace("≥", ">=").replace("≤", "<=").replace("…", "...")
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    text = re.sub(r"(?<=\d)\s+(?=(?:k|K)\b)", "", text)
    text = RANGE_IN_WORDS.sub(words_range, text)
    return " ".join(text.split())


SMALL_NUMBERS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                            "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())}
_SMALL = "|".join(SMALL_NUMBERS)
# "one to five items", "between two and eight", "three-to-six": a range written in words is a range
def words_range(m: re.Match) -> str:
    a, b = SMALL_NUMBERS[m.group("a").lower()], SMALL_NUMBERS[m.group("b").lower()]
    return f"{m.group('pre') or ''}{a}{m.group('mid')}{b}" if a < b else m.group(0)  # not "twenty-one", "one-to-one"


RANGE_IN_WORDS = re.compile(rf"(?P<pre>\bbetween\s+)?\b(?P<a>{_SMALL})(?P<mid>\s*(?:-|to|-to-)\s*|(?(pre)\s+and\s+|\s+to\s+))"
                            rf"(?P<b>{_SMALL})\b", re.I)


def number(text: str) -> float:
    """'£22000' -> 22000, '50 lakh' -> 5000000, '20k' -> 20000."""
    t = text.strip().lower()
    t = re.sub(r"^(?:[$€£¥₹]|r\$|rs\.?)\s*", "", t)
    m = re.match(r"(-?\d+(?:\.\d+)?)\s*([a-z]+)?", t)
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * SCALE.get(m.group(2) or "", 1)


def currency_of(text: str) -> str | None:
    t = text.strip().lower()
    for sign, code in CURRENCY_SIGNS.items():
        if t.startswith(sign):
            return code
    return None


WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "twelve": 12, "twenty": 20, "hundred": 100, "a dozen": 12, "dozen": 12}


# --- sentences and items ---

ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|approx|vs|etc|incl|mr|mrs|ms|dr|avg|est|sq|ca|(?:no|nr)(?=\.\s*(?:\d|of\b))|"
                           r"(?:min|max|ft|st)(?=\.\s+[a-z0-9]))\.", re.I)


def sentences(text: str) -> list[str]:
    """A description's sentences: split at . ! ? ; or a new line, not inside numbers or e.g."""
    protected = ABBREVIATIONS.sub(lambda m: m.group(0)[:-1] + "\x03", text)
    protected = re.sub(r"\.(?=\w)", "\x03", protected)
    parts = re.split(r"(?<=[^\s])[.!?]+(?=\s|$)|;\s+|\n+", protected)
    return [p.replace("\x03", ".").strip(" .") for p in parts if p and p.strip(" .")]


PARENS = re.compile(r"\(([^()]*)\)")
BETWEEN_AND = re.compile(r"\b(?:between|from)\s+\S+(?:\s+[a-z]+)?\s+(?:and|to)\s+\S+", re.I)
SPLIT = re.compile(r"\s*(?:,|;|\band\b|&|\bplus\b(?!\s+(?:[$€£¥₹]?\d|tax|vat|gst))|\bas well as\b|\n)\s*", re.I)
LEAD_WORDS = re.compile(r"^(?:(?:and|also|plus|the|a|an|their|its|his|her|each|every|with|including|of|some|"
                        r"optional|optionally|e\.g\.|eg|then|record|records|capture|track|store|"
                        r"log|list)\s+)+", re.I)
SHARED_HEADS = {"dates", "times", "timestamps", "names", "prices", "numbers", "ids", "addresses", "amounts",
                "scores", "counts", "rates", "codes", "types", "levels", "statuses", "emails", "ratings", "fees"}
MIN_AND_MAX = [(re.compile(r"^(.*?)\s*(?:range\s+)?\bmin(?:imum)?\s+and\s+max(?:imum)?$", re.I), "{0} min,{0} max"),
               (re.compile(r"^min(?:imum)?\s+and\s+max(?:imum)?\s+(.+)$", re.I), "min {0},max {0}")]


def split_items(text: str, is_field: Any = lambda words: False) -> list[str]:
    """The items of a list, keeping commas inside parentheses, 'between 1 and 5' and 'min and max'."""
    protected = PARENS.sub(lambda m: "(" + m.group(1).replace(",", "\x00").replace(" and ", " \x04 ")
                           .replace(";", "\x05") + ")", text)
    protected = BETWEEN_AND.sub(lambda m: m.group(0).replace(" and ", " \x02 "), protected)
    # "8 departments, each with 10-40 employees", "12 greenhouses, 5 sensors each": one statement, not two fields
    protected = re.sub(r",\s*(each\s+(?:with|having|has|of|containing|holding|employing)\s+\d)", r" \1", protected, flags=re.I)
    protected = re.sub(r"([a-z]s),\s*(\d+\s+[a-z][\w-]*s\s+each\b)", r"\1 \2", protected, flags=re.I)
    protected = re.sub(r"\b(\d+(?:\.\d+)?%?\s+(?:of\s+\w+\s+)?)and(\s+\d)", "\\1\x02\\2", protected)
    protected = re.sub(r"\b(higher|lower|more|less|bigger|smaller|larger)\s+and\s+(higher|lower|more|less)",
                       "\\1 \x02 \\2", protected, flags=re.I)
    protected = re.sub(r"\b(the more|the higher|the bigger|the longer)\b(.*?),\s*(the\s)", "\\1\\2 \x06 \\3",
                       protected, flags=re.I)
    pieces: list[str] = []
    for chunk in re.split(r"\s*[,;\n]\s*", protected):
        for pattern, form in MIN_AND_MAX:
            m = pattern.match(chunk.strip())
            if m:
                chunk = form.format(m.group(1).strip()).replace(",", "\x01")
                break
        parts = [p for p in SPLIT.split(chunk.replace("\x01", ",")) if p]
        pieces += share_head(parts, is_field)
    out = []
    for p in pieces:
        p = p.replace("\x00", ",").replace("\x02", "and").replace("\x04", "and").replace("\x05", ";").replace("\x06", ",")
        p = LEAD_WORDS.sub("", p).strip(" .")
        if p and len(p) <= 200:
            out.append(p)
    return out


IE_PLURALS = {"movies", "cookies", "pies", "ties", "lies", "zombies", "rookies", "selfies", "calories", "brownies",
              "goalies", "hoodies", "smoothies", "freebies", "newbies", "sorties", "aunties", "budgies", "veggies",
              "boogies", "collies", "coolies", "eyries", "prairies", "reveries", "stymies", "birdies", "bogies"}


def singular(word: str) -> str:
    w = word.lower()
    if w in ("species", "series", "news", "means", "analytics", "sales", "status", "gas", "bus", "lens", "address",
             "business", "class", "mass", "plus", "bonus", "campus", "census", "virus", "process", "access"):
        return w
    if w in IE_PLURALS:
        return w[:-1]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("sses", "shes", "ches", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


# Words that name the two ends of one thing: "check-in and check-out dates" are two dates even though
# "check-in" alone is a field, where "name and email addresses" are a name and an email address.
PAIRED_ENDS = {frozenset(p) for p in (("check-in", "check-out"), ("checkin", "checkout"), ("start", "end"),
                                      ("pickup", "dropoff"), ("pick-up", "drop-off"),
                                      ("opening", "closing"), ("open", "close"), ("admission", "discharge"),
                                      ("birth", "death"), ("login", "logout"), ("entry", "exit"), ("issue", "expiry"),
                                      ("order", "delivery"), ("order", "ship"), ("hire", "termination"))}


def paired_ends(parts: list[str]) -> bool:
    last = parts[-1].split()
    return len(parts) == 2 and len(last) == 2 and last[-1].lower() in SHARED_HEADS and \
        frozenset((parts[0].lower().strip(), last[0].lower())) in PAIRED_ENDS


def share_head(parts: list[str], is_field: Any) -> list[str]:
    """'check-in and check-out dates' names two dates: the last part's plural head is shared."""
    for i in range(len(parts) - 2, -1, -1):  # "check-in and check-out dates and price"
        if len(parts) > 2 and paired_ends(parts[i:i + 2]):
            parts = parts[:i] + share_head(parts[i:i + 2], is_field) + parts[i + 2:]
    if len(parts) < 2 or (any(is_field(p) for p in parts[:-1]) and not paired_ends(parts)):
        return parts
    last = parts[-1].split()
    if len(last) < 2:
        return parts
    if last[-1].lower() in SHARED_HEADS:
        head = singular(last[-1].lower())
    elif all(len(p.split()) == 1 and len(p) <= 10 and not p.lower().endswith("s") for p in parts[:-1]) and \
            len(last) == 2 and last[0].lower() not in ("their", "the", "a", "an", "its", "our", "his", "her", "each", "all"):
        head = last[-1]  # "x and y position", "pickup and dropoff time"
    else:
        return parts
    fronts = [p for p in parts[:-1] if len(p.split()) == 1]
    if len(fronts) != len(parts) - 1:
        return parts
    return [f"{p} {head}" for p in parts[:-1]] + [" ".join(last[:-1]) + " " + head]


# --- rules ---

@dataclass
class Rule:
    """A constraint read from the words: `target` and `other` are mentions (words of the
    description naming a field, a value or an entity); "" is the field of the item it came from."""

    kind: str
    target: str = ""
    other: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    text: str = ""


@dataclass
class Item:
    """One field a list names, with what its words say beyond the field's name."""

    text: str                        # the words that name the field
    source: str                      # the words as written
    low: float | None = None
    high: float | None = None
    values: list[str] | None = None
    boolean: bool = False
    count_of: bool = False
    currency: str | None = None
    rules: list[Rule] = field(default_factory=list)

    def rule(self, kind: str) -> Rule | None:
        return next((r for r in self.rules if r.kind == kind), None)


WORD = r"[a-z0-9][\w'\-/&+.]*"
BOOL_SETS = [{"yes", "no"}, {"true", "false"}, {"y", "n"}, {"t", "f"}, {"1", "0"}, {"si", "no"}, {"ja", "nein"},
             {"oui", "non"}, {"sim", "nao"}]
NOT_LISTS = {"m/s", "km/h", "kb/s", "mb/s", "w/m2", "n/a", "i/o", "s/n", "p/e", "b/w", "mg/dl", "mmol/l", "g/dl", "g/l",
             "ug/l", "mg/kg", "l/min", "bpm/min", "km/l", "per/day", "kwh/day",
             "ml/min", "l/100km", "kg/m2", "mg/l", "ug/m3", "kwh/m2", "km/l", "mi/h", "24/7", "a/c"}


class Text:
    """A clause being read: the text and its lower-case twin, with the spans rules have taken."""

    def __init__(self, text: str):
        self.text = text
        self.low = lower_same(text)
        self.taken = [False] * len(text)

    def take(self, start: int, end: int) -> None:
        for i in range(max(start, 0), min(end, len(self.text))):
            self.taken[i] = True

    def rest(self) -> str:
        out = "".join(" " if t else c for c, t in zip(self.text, self.taken))
        return " ".join(out.split())

    def free(self, start: int, end: int) -> bool:
        return not any(self.taken[start:end])

    def words_before(self, pos: int, n: int = 4, stop: set[str] = CLAUSE_BREAK) -> tuple[str, int]:
        """Up to n words ending at pos, stopping at punctuation, a taken span or a clause word."""
        words: list[tuple[int, int]] = []
        i = pos
        while len(words) < n:
            j = i
            while j > 0 and self.low[j - 1] == " ":
                j -= 1
            if j > 0 and self.low[j - 1] == ")" and not self.taken[j - 1]:
                k = self.low.rfind("(", 0, j - 1)
                if k < 0 or any(self.taken[k:j]):
                    break
                words.insert(0, (k, j))
                i = k
                continue
            if j == 0 or self.low[j - 1] in ",;:()[]\"" or self.taken[j - 1]:
                break
            k = j
            while k > 0 and self.low[k - 1] not in " ,;:()[]\"" and not self.taken[k - 1]:
                k -= 1
            w = self.low[k:j]
            if w in stop and words:
                break
            if w in stop:
                break
            words.insert(0, (k, j))
            i = k
        if not words:
            return "", pos
        return self.text[words[0][0]:words[-1][1]], words[0][0]

    def words_after(self, pos: int, n: int = 4, stop: set[str] = CLAUSE_BREAK) -> tuple[str, int]:
        words: list[tuple[int, int]] = []
        i = pos
        size = len(self.low)
        while len(words) < n:
            j = i
            while j < size and self.low[j] == " ":
                j += 1
            if j >= size or self.low[j] in ",;:()[]\"" or self.taken[j]:
                break
            k = j
            while k < size and self.low[k] not in " ,;:()[]\"" and not self.taken[k]:
                k += 1
            w = self.low[j:k].strip(".")
            if w in stop or w in ("for", "in", "on", "at", "during", "among", "per", "from", "to", "within", "by", "or"):
                break
            words.append((j, k))
            i = k
        if not words:
            return "", pos
        return self.text[words[0][0]:words[-1][1]], words[-1][1]


def clean_mention(text: str) -> str:
    """A mention without determiners, verbs and hedges at its edges: 'the night shift has a' -> 'night shift'."""
    words = [w for w in re.split(r"\s+", text.strip(" .,;:'\"")) if w]
    while words and words[0].lower().strip("'\"") in EDGE_WORDS:
        words.pop(0)
    while words and words[-1].lower().strip("'\"") in EDGE_WORDS:
        words.pop()
    out = " ".join(words).strip(" .,;:'\"")
    return re.sub(r"'s\b", "", out)


def days_of(amount: float, unit: str) -> float:
    unit = unit.lower().rstrip("s") if unit.lower() not in ("s", "hrs", "mins", "secs", "yrs") else unit.lower()[:-1] or "s"
    return amount * DAYS_PER.get(unit, DAYS_PER.get(unit[:3], 1.0))


def hour_of(text: str) -> float | None:
    m = re.match(r"^\s*(\d{1,2})(?::(\d\d))?\s*(am|pm|a\.m\.|p\.m\.)?\s*$", text.strip().lower())
    if not m:
        return None
    h = int(m.group(1)) + int(m.group(2) or 0) / 60
    ampm = (m.group(3) or "").replace(".", "")
    if ampm == "pm" and h < 12:
        h += 12
    if ampm == "am" and h >= 12:
        h -= 12
    return h if 0 <= h <= 24 else None


RANGE_RXS = [re.compile(p, re.I) for p in (
    rf"\b(?:between|from|ranging from|range of|ranges from|in the range)\s+(?P<a>{NUM})\s*%?\s*(?:and|to|-)\s*"
    rf"(?P<b>{NUM})",
    rf"(?<![\w.:/]){'(?P<a>' + NUM + ')'}\s*%?\s*(?:-|to|\.\.)\s*(?P<b>{NUM})(?![\w.:/])(?!\s*%\s*of)",
)]
OUT_OF = re.compile(rf"\b(?:out of|on a scale of(?:\s+\d+\s+to)?)\s+(?P<a>{NUM})|(?<![\w/])/\s*(?P<b>\d+)\b", re.I)
BOUND_MAX = re.compile(rf"\b(?:up to|at most|under|below|less than|no more than|max(?:imum)?(?: of)?|capped at|"
                       rf"not above|<=?)\s*(?P<a>{NUM})", re.I)
BOUND_MIN = re.compile(rf"\b(?:at least|over|above|more than|min(?:imum)?(?: of)?|starting at|from|>=?)\s*"
                       rf"(?P<a>{NUM})(?!\s*(?:{TIME_UNIT}|%))", re.I)


def read_range(t: Text, item: Item) -> None:
    """'between 18 and 65', '0-10', 'from 1,000 to 50 lakh', 'up to 500', 'at least 1', 'out of 100'."""
    for rx in RANGE_RXS:
        for m in rx.finditer(t.low):
            if not t.free(m.start(), m.end()):
                continue
            after = t.low[m.end():m.end() + 12]
            if re.match(rf"\s*{TIME_UNIT}\s+(?:after|before|later|of|earlier|following)", after):
                continue
            try:
                a, b = number(t.low[m.start("a"):m.end("a")]), number(t.low[m.start("b"):m.end("b")])
            except ValueError:
                continue
            if re.search(r"[a-z]", t.low[m.start("b"):m.end("b")]) and not re.search(r"[a-z]", t.low[m.start("a"):m.end("a")]):
                unit = re.search(r"[a-z]+", t.low[m.start("b"):m.end("b")]).group(0)  # "1-5 million"
                if b >= 1000 and a < 1000 and unit in SCALE:
                    a *= SCALE[unit]
            item.low, item.high = sorted((a, b))
            item.currency = item.currency or currency_of(t.low[m.start("a"):m.end("a")]) or currency_of(
                t.low[m.start("b"):m.end("b")])
            pct = t.low[m.end():m.end() + 2].strip().startswith("%")
            if pct:
                item.rules.append(Rule("percent", args={}))
            t.take(m.start(), m.end() + (1 if pct else 0))
            return
    m = OUT_OF.search(t.low)
    if m and t.free(m.start(), m.end()):
        item.high = number(m.group("a") or m.group("b"))
        item.low = 0 if m.group("a") and item.high >= 10 else (1 if item.high in (5, 7, 10) and m.group("b") else 0)
        if m.group("a"):
            item.low = 0 if item.high > 10 else 1
        t.take(m.start(), m.end())
    m = BOUND_MAX.search(t.low)
    if m and t.free(m.start(), m.end()):
        item.high = number(m.group("a"))
        item.currency = item.currency or currency_of(m.group("a"))
        t.take(m.start(), m.end())
    m = BOUND_MIN.search(t.low)
    if m and t.free(m.start(), m.end()):
        item.low = number(m.group("a"))
        item.currency = item.currency or currency_of(m.group("a"))
        t.take(m.start(), m.end())


DIST_RXS = [
    (re.compile(r"\bnormally distributed|\bnormal distribution|\bbell[- ]shaped|\bgaussian", re.I), "normal"),
    (re.compile(r"\b(?:with\s+a\s+)?long(?:\s+right)?\s+tail|\bheavy[- ]tailed|\bheavy\s+tail|\bright[- ]skewed|"
                r"\bskewed(?:\s+right)?|\blog-?normal(?:ly distributed)?|\bfat[- ]tailed", re.I), "lognormal"),
    (re.compile(r"\buniformly(?:\s+distributed)?|\bevenly spread|\buniform distribution", re.I), "uniform"),
    (re.compile(r"\bexponentially(?:\s+distributed)?|\bexponential distribution", re.I), "exponential"),
]
MEAN_RX = re.compile(rf"\b(?:target(?:ing)?|around|about|approximately|roughly|averag(?:e|ing)|mean(?: of)?|"
                     rf"median(?: of)?|typically|centered (?:on|at)|nominal|~)\s*(?:of|at|is|=)?\s*(?P<a>{NUM})"
                     rf"(?!\s*(?:%|{TIME_UNIT}\s+(?:after|before|of|later)))", re.I)
STD_RX = re.compile(rf"\b(?:sd|s\.d\.|std|stdev|std dev|standard deviation|spread|sigma|give or take|plus or minus|"
                    rf"\+/-|±)\s*(?:of|about|around|approximately|roughly|is|=)?\s*(?:of\s+)?(?P<a>{NUM})", re.I)
MOSTLY_RX = re.compile(r"\b(?:mostly|mainly|usually|typically|generally|normally|most(?:ly)? often)\b(?=\s*"
                       r"(?:between|from|\d|in|under|around|below|above|over|[$€£¥₹]))", re.I)


def read_distribution(t: Text, item: Item) -> None:
    for rx, dist in DIST_RXS:
        m = rx.search(t.low)
        if m and t.free(m.start(), m.end()):
            item.rules.append(Rule("dist", args={"distribution": dist}, text=m.group(0)))
            t.take(m.start(), m.end())
    m = STD_RX.search(t.low)
    if m and t.free(m.start(), m.end()):
        item.rules.append(Rule("dist", args={"std": number(m.group("a"))}, text=m.group(0)))
        t.take(m.start(), m.end())
    m = MEAN_RX.search(t.low)
    if m and t.free(m.start(), m.end()):
        item.rules.append(Rule("dist", args={"mean": number(m.group("a"))}, text=m.group(0)))
        item.currency = item.currency or currency_of(m.group("a"))
        t.take(m.start(), m.end())
    m = MOSTLY_RX.search(t.low)
    if m and t.free(m.start(), m.end()):
        item.rules.append(Rule("dist", args={"mostly": True}, text=m.group(0)))
        t.take(m.start(), m.end())


YEAR = r"(?:19[5-9]\d|20\d\d)"
WINDOW_RXS = [
    ("between_years", re.compile(rf"\b(?:between|from)\s+(?P<y1>{YEAR})\s+(?:and|to|-)\s+(?P<y2>{YEAR})\b", re.I)),
    ("span_years", re.compile(rf"(?<![\w-])(?P<y1>{YEAR})\s*-\s*(?P<y2>{YEAR})(?![\w-])", re.I)),
    ("week_in", re.compile(rf"\b(?:during|over|for|in)\s+(?:a|one|the first|the)\s+(?P<u>week|day|fortnight)\s+(?:in|of)\s+"
                           rf"(?P<m>{MONTH_RX})\s*(?P<y>{YEAR})?", re.I)),
    ("months_of", re.compile(rf"\b(?:from|between)\s+(?P<m1>{MONTH_RX})\s*(?P<y1>{YEAR})?\s+(?:to|and|through|until|-)\s+"
                             rf"(?P<m2>{MONTH_RX})\s*(?P<y2>{YEAR})?", re.I)),
    ("month_in", re.compile(rf"\b(?:in|during|for|of|over)\s+(?P<m>{MONTH_RX})\s+(?P<y>{YEAR})\b", re.I)),
    ("quarter", re.compile(rf"\b(?:in|during|for)\s+q(?P<q>[1-4])\s*(?P<y>{YEAR})\b", re.I)),
    ("year_in", re.compile(rf"\b(?:in|during|for|of|throughout|within|over)\s+(?:the\s+year\s+)?(?P<y>{YEAR})\b", re.I)),
    ("since", re.compile(rf"\b(?:since|after|from)\s+(?P<y>{YEAR})\b(?!\s*(?:to|and|-))", re.I)),
    ("last", re.compile(r"\b(?:in|over|during|for|from|covering|within)\s+the\s+(?:last|past|previous)\s+"
                        r"(?P<n>\d+|one|two|three|four|five|six|twelve)?\s*(?P<u>days?|weeks?|months?|years?|quarters?)", re.I)),
    ("over", re.compile(r"\b(?:over|across|spanning|covering|during|for)\s+(?:a\s+period\s+of\s+)?(?P<n>\d+|one|two|three|"
                        r"four|five|six|twelve|a)\s+(?P<u>days?|weeks?|months?|years?|quarters?)\b", re.I)),
    ("this", re.compile(r"\b(?:this|last|next)\s+(?P<u>year|month|week|quarter)\b", re.I)),
]


def read_window(t: Text, rules: list[Rule]) -> None:
    """When dates fall: 'in 2024', 'during a week in January 2025', 'over 3 months', 'in the last
    2 years', 'between 2020 and 2024', 'from March to May 2024'."""
    for kind, rx in WINDOW_RXS:
        for m in list(rx.finditer(t.low)):
            if not t.free(m.start(), m.end()):
                continue
            g = m.groupdict()
            args: dict[str, Any] = {}
            if kind in ("between_years", "span_years"):
                y1, y2 = sorted((int(g["y1"]), int(g["y2"])))
                args = {"start": f"{y1}-01-01", "end": f"{y2}-12-31", "years": (y1, y2)}
            elif kind == "week_in":
                y = int(g["y"] or 2025)
                mo = MONTHS[g["m"][:3] if g["m"][:4] != "sept" else "sep"]
                length = {"week": 6, "day": 0, "fortnight": 13}[g["u"]]
                args = {"start": f"{y}-{mo:02d}-06" if length < 20 else f"{y}-{mo:02d}-01",
                        "end": f"{y}-{mo:02d}-{6 + length:02d}"}
            elif kind == "months_of":
                y2 = int(g["y2"] or g["y1"] or 2025)
                y1 = int(g["y1"] or y2)
                m1, m2 = MONTHS[g["m1"][:3]], MONTHS[g["m2"][:3]]
                if m2 < m1 and y1 == y2:
                    y1 -= 1
                args = {"start": f"{y1}-{m1:02d}-01", "end": f"{y2}-{m2:02d}-{month_days(y2, m2)}"}
            elif kind == "month_in":
                y, mo = int(g["y"]), MONTHS[g["m"][:3]]
                args = {"start": f"{y}-{mo:02d}-01", "end": f"{y}-{mo:02d}-{month_days(y, mo)}"}
            elif kind == "quarter":
                y, q = int(g["y"]), int(g["q"])
                args = {"start": f"{y}-{3 * q - 2:02d}-01", "end": f"{y}-{3 * q:02d}-{month_days(y, 3 * q)}"}
            elif kind == "year_in":
                y = int(g["y"])
                args = {"start": f"{y}-01-01", "end": f"{y}-12-31", "years": (y, y)}
            elif kind == "since":
                args = {"start": f"{g['y']}-01-01", "end": "today"}
            elif kind in ("last", "over", "this"):
                n = WORD_NUMBERS.get((g.get("n") or "one").lower(), None) if not (g.get("n") or "").isdigit() else int(g["n"])
                n = n or 1
                unit = g["u"].rstrip("s")
                code = {"day": "d", "week": "d", "month": "d", "year": "y", "quarter": "d"}[unit]
                amount = {"day": n, "week": 7 * n, "month": round(30.4 * n), "year": n, "quarter": round(91.3 * n)}[unit]
                args = {"start": f"-{amount}{code}", "end": "today", "span_days": days_of(n, unit) if unit != "quarter" else 91.3 * n}
            rules.append(Rule("window", args=args, text=t.text[m.start():m.end()]))
            t.take(m.start(), m.end())


def month_days(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


NULL_RX = re.compile(r"\b(?:or\s+(?:blank|empty|null|none|missing)(?:\s+(?:if|when|for|while)\s+(?P<c>[\w' -]+))?|(?:blank|empty|"
                     r"null|missing)\s+(?:if|when|for|unless|while)\s+(?P<c2>[\w' -]+)|(?:if\s+any|where\s+applicable|"
                     r"when\s+applicable|if\s+applicable|optional|nullable|may\s+be\s+(?:blank|empty|missing|null)|"
                     r"can\s+be\s+(?:blank|empty|missing|null)|sometimes\s+(?:blank|empty|missing)))\b(?=[,.;)]|$|\s)", re.I)
UNIQUE_RX = re.compile(r"\b(?:unique|distinct|no duplicates|never repeats?)\b", re.I)
EXAMPLE_RX = re.compile(r"\b(?:like|e\.g\.?|eg|such as|for example|format|as in|looks like|in the form)\s*:?\s*"
                        r"['\"]?(?P<x>[A-Za-z0-9][A-Za-z0-9 \-./]{1,20}?[A-Za-z0-9])['\"]?(?:\s+format)?(?=\s*$|[,;)])", re.I)
FORMAT_RX = re.compile(r"^['\"]?(?P<x>[A-Za-z0-9][A-Za-z0-9 \-./]{1,20}?[A-Za-z0-9])['\"]?\s+format$", re.I)
CODE_LEN_RX = re.compile(r"\b(?P<n>\d|two|three)[- ]letter(?:\s+(?:code|abbreviation|iso code))?\b", re.I)


CONDITION_RX = re.compile(rf"^\s*(?:if|when|i\.e\.|meaning|=)?\s*(?P<f>[a-z][\w\s-]*?)\s+(?P<op>at least|at most|above|below|"
                          rf"over|under|more than|less than|greater than|>=|<=|>|<|of at least|is at least|is above|is below|"
                          rf"equal to or above|or more|or above)\s+(?P<n>{NUM})\s*$", re.I)
CONDITION_OPS = {"at least": ">=", "of at least": ">=", "is at least": ">=", "equal to or above": ">=", "at most": "<=",
                 "above": ">", "over": ">", "more than": ">", "greater than": ">", "is above": ">", "below": "<",
                 "under": "<", "less than": "<", "is below": "<", ">=": ">=", "<=": "<=", ">": ">", "<": "<"}


def read_condition(inner: str) -> Rule | None:
    """'(final score at least 50)' beside a yes/no: the flag is that comparison."""
    m = CONDITION_RX.match(inner.lower())
    if not m or len(m.group("f").split()) > 4:
        return None
    return Rule("condition", other=clean_mention(m.group("f")), args={"op": CONDITION_OPS[m.group("op").lower()],
                                                                     "n": number(m.group("n"))}, text=inner)


CURRENCY_RX = re.compile(r"\b(?:in\s+)?(?P<w>" + "|".join(re.escape(w) for w in sorted(CURRENCY_WORDS, key=len, reverse=True))
                         + r")\b")


def read_misc(t: Text, item: Item) -> None:
    m = NULL_RX.search(t.low)
    if m and t.free(m.start(), m.end()):
        cond = m.group("c") or m.group("c2") or ""
        item.rules.append(Rule("null", other=clean_mention(cond), text=m.group(0)))
        t.take(m.start(), m.end())
    m = EXAMPLE_RX.search(t.low) or FORMAT_RX.search(t.low)
    if m and t.free(m.start(), m.end()) and re.search(r"\d", m.group("x")) and re.search(r"[A-Za-z]", m.group("x")) \
            or m and t.free(m.start(), m.end()) and re.fullmatch(r"[\d\- ./]{3,}", m.group("x").strip()) and \
            not re.fullmatch(r"\d+", m.group("x").strip()):
        x = t.text[m.start("x"):m.end("x")]
        item.rules.append(Rule("example", args={"example": x}, text=m.group(0)))
        t.take(m.start(), m.end())
    m = CODE_LEN_RX.search(t.low)
    if m and t.free(m.start(), m.end()):
        n = WORD_NUMBERS.get(m.group("n").lower()) or int(m.group("n"))
        item.rules.append(Rule("code", args={"letters": n}, text=m.group(0)))
        t.take(m.start(), m.end())
    m = UNIQUE_RX.search(t.low)
    if m and t.free(m.start(), m.end()):
        item.rules.append(Rule("unique", text=m.group(0)))
        t.take(m.start(), m.end())
    for m in CURRENCY_RX.finditer(t.low):
        word = m.group("w")
        if t.free(m.start(), m.end()) and (m.group(0).startswith("in ") or len(t.low.split()) > 1):
            if word in ("real", "won", "pound", "pounds", "francs") and not m.group(0).startswith("in "):
                continue
            item.currency = item.currency or CURRENCY_WORDS[word]
            t.take(m.start(), m.end())
            break


def example_pattern(example: str) -> str:
    """'1257L' -> '####L' keeps letters that look fixed; 'A1A 1A1' -> '?#? #?#'."""
    letters = re.findall(r"[A-Za-z]", example)
    digits = re.findall(r"\d", example)
    out = []
    for ch in example:
        if ch.isdigit():
            out.append("#")
        elif ch.isalpha():
            out.append("?" if len(letters) > 1 or not digits else ch.upper())
        else:
            out.append(ch)
    return "".join(out)[:64]


ENGLISH_WORDS = {"with", "and", "the", "of", "for", "each", "every", "per", "by", "in", "a", "an", "is", "are", "has",
                 "have", "from", "to", "their", "where", "between"}


def foreign_language(text: str, languages: dict[str, Any]) -> tuple[str, str]:
    """The language a description is written in when it is not English (its code, '' for English),
    and the text with that language's list words read as English ('Kunden mit Name und Alter' ->
    'Kunden with Name and Alter'); field words are left to the vocabulary."""
    words = set(re.findall(r"[a-z]+", ascii_fold(text).lower()))
    english = len(words & ENGLISH_WORDS)
    best, best_score = "", 0
    for code, lang in languages.items():
        score = len(words & {ascii_fold(w).lower() for w in lang.get("words", [])})
        if score > best_score:
            best, best_score = code, score
    if best_score < 2 or best_score <= english:
        return "", text
    lang = languages[best]
    for key in ("with", "and"):
        joiners = sorted(lang.get(key, []), key=len, reverse=True)
        if joiners:
            text = re.sub(r"\b(?:" + "|".join(re.escape(w) for w in joiners) + r")\b", key, text, flags=re.I)
    return best, text
