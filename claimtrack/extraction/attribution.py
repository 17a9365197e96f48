"""Who said it: speaker attribution for quotes and reported speech, name resolution, fuzzy speaker match.

Heuristics only (no NLP model):

* speech verbs ("said", "told", "added", "wrote", "according to" ...) anchor the attribution;
* the subject is read backwards from the verb: a run of capitalised words (titles stripped:
  "Ukrainian President Volodymyr Zelensky" -> "Volodymyr Zelensky"), an organisation phrase
  ("Turkey's government", "the ministry", "U.S. officials"), or a pronoun; appositives
  ("BBC News, which reported on ..., wrote") are skipped;
* a quotation takes the attribution after it ('"...," he said' / '"...," said X'), else before it
  ('X added: "..."'), else one in the same paragraph, else a pending 'X said:' from the previous
  paragraph, else (a quote paragraph with no attribution) the previous speaker;
* pronouns take the last named person (he/she) or the last speaker (they/it);
* short names resolve to the fullest form seen in the article ("Zelensky" -> "Volodymyr Zelensky").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

__all__ = ["NameRegistry", "kind_of", "match_speaker", "normalise_name", "quote_speaker",
           "reported_speaker", "SPEECH_VERBS"]

SPEECH_VERBS = (
    "said says say told tells added adds wrote writes stated states noted notes argued argues claimed claims "
    "explained explains insisted insists warned warns tweeted tweets posted declared declares announced "
    "announces asserted asserts maintained maintains contended contends acknowledged acknowledges admitted "
    "admits replied replies responded responds countered counters suggested suggests stressed stresses "
    "emphasized emphasised emphasizes emphasises observed observes remarked remarks recalled recalls reported "
    "reports predicted predicts estimated estimates alleged alleges testified testifies vowed vows promised "
    "promises pledged pledges conceded concedes complained complains cautioned cautions concluded concludes "
    "confirmed confirms asked asks urged urges continued continues believes believed thinks insisted "
    "shouted yelled exclaimed whispered joked quipped mused"
).split()
_VERB_RE = re.compile(r"\b(?:" + "|".join(sorted(set(SPEECH_VERBS), key=len, reverse=True)) + r")\b")
_ACCORDING = re.compile(r"\b[Aa]ccording\s+to\s+")
_NO_OBJECT_VERBS = {"said", "says", "say", "added", "adds", "wrote", "writes", "stated", "states", "noted",
                    "notes", "continued", "continues", "tweeted", "posted", "explained", "explains"}

_PRONOUNS = {"he": "person", "she": "person", "they": "any", "it": "organisation", "we": "any", "i": "any"}

TITLES = frozenset("""
president vice prime minister secretary chancellor senator sen representative rep congressman congresswoman
governor gov mayor king queen prince princess pope ambassador general gen admiral adm colonel col lt lieutenant
captain capt sergeant sgt commander chief director chairman chairwoman chair ceo cfo coo founder cofounder
co-founder spokesman spokeswoman spokesperson host anchor correspondent reporter judge justice attorney lawyer
professor prof dr doctor mr mrs ms mx miss sir dame lord lady leader premier deputy foreign defense defence
interior health finance state economist analyst researcher author editor columnist official officer
commissioner president-elect rev reverend father sheikh ayatollah crown emir sultan speaker whip treasurer
superintendent inspector detective det sheriff marshal gen. coach manager executive head presidential
member councilman councilwoman councillor councilor alderman assemblyman assemblywoman lawmaker
""".replace(".", "").split())
_TITLE_MODIFIERS = frozenset("""
former then acting interim incoming outgoing top senior deputy vice assistant associate chief general
""".split())

ORG_WORDS = frozenset("""
government ministry ministries department office council commission committee party police army military
navy force forces agency agencies bureau authority authorities administration embassy parliament congress
senate court company corporation corp inc ltd llc group bank university institute foundation association
union federation organization organisation news times post journal press network broadcasting television
tv radio channel media kremlin pentagon house palace cabinet campaign team club fund service services
officials spokespeople regulator regulators board watch alliance coalition movement front center centre
council unit command guard statement report study survey data poll researchers scientists analysts experts
prosecutors investigators lawyers authorities police officers officials sources diplomats lawmakers
""".split())
_GROUP_NOUNS = frozenset("""
government ministry department office council commission committee party police army military agency
authorities administration embassy parliament court company spokesperson spokesman spokeswoman officials
official statement report study survey analysts experts researchers scientists prosecutors investigators
lawyers sources diplomats lawmakers critics residents witnesses observers kremlin campaign team regulator
regulators board network broadcaster newspaper outlet agency group
""".split())
_GROUP_MODIFIERS = frozenset("""
a an the for of senior top local state federal military government health defense defence foreign security
intelligence administration western european american russian ukrainian chinese british french german
turkish israeli palestinian iranian independent other some many several two three most its his her their
our public national regional city county white house press campaign company police
""".split())
COUNTRIES = frozenset("""
afghanistan albania algeria argentina armenia australia austria azerbaijan bahrain bangladesh belarus belgium
bolivia bosnia brazil britain bulgaria cambodia canada chile china colombia croatia cuba cyprus czechia denmark
ecuador egypt england estonia ethiopia europe finland france georgia germany ghana greece hungary iceland india
indonesia iran iraq ireland israel italy japan jordan kazakhstan kenya korea kosovo kuwait latvia lebanon libya
lithuania luxembourg malaysia mexico moldova mongolia montenegro morocco myanmar nepal netherlands nigeria
norway pakistan palestine panama peru philippines poland portugal qatar romania russia rwanda scotland serbia
singapore slovakia slovenia somalia spain sudan sweden switzerland syria taiwan thailand tunisia turkey
turkiye uganda ukraine uae venezuela vietnam wales yemen zimbabwe america washington moscow beijing kyiv
kiev london paris berlin brussels tehran pyongyang ankara jerusalem tokyo delhi kremlin pentagon whitehall
nato un eu who imf opec
""".split())
# places of more than one word, and the US states: a place is never a person ("the United States does not ...")
PLACES = frozenset(line.strip() for line in """
united states|united kingdom|north korea|south korea|saudi arabia|new zealand|south africa|united arab emirates
european union|united nations|soviet union|czech republic|dominican republic|el salvador|costa rica|puerto rico
sri lanka|hong kong|ivory coast|burkina faso|sierra leone|papua new guinea|north macedonia|new york city
alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|hawaii|idaho|illinois|indiana
iowa|kansas|kentucky|louisiana|maine|maryland|massachusetts|michigan|minnesota|mississippi|missouri|montana
nebraska|nevada|new hampshire|new jersey|new mexico|new york|north carolina|north dakota|ohio|oklahoma|oregon
pennsylvania|rhode island|south carolina|south dakota|tennessee|texas|utah|vermont|virginia|west virginia
wisconsin|wyoming|district of columbia|gaza|west bank|crimea|donbas|kashmir|tibet|xinjiang|catalonia|quebec
""".replace("\n", "|").split("|") if line.strip())
_FUNCTION_WORDS = frozenset("""
a an the and but or nor so yet both either neither notably however meanwhile also still then now later
earlier instead indeed moreover furthermore separately additionally in on at by for from with without to of
as after before during since until when while if although though because this that these those there here
it its his her their our my your we they he she i you one some many most all no not every each another
other such what which who whom whose where why how yesterday today tonight monday tuesday wednesday
thursday friday saturday sunday last next first finally ultimately previously recently speaking asked
""".split())
_CONNECTORS = frozenset({"of", "for", "the", "de", "da", "del", "della", "di", "van", "von", "der", "den", "bin",
                         "ibn", "al", "la", "le", "du", "dos", "das", "y", "&"})
_ADVERBS = re.compile(
    r"(?:\s+(?:has|have|had|also|then|later|previously|repeatedly|again|once|recently|further|reportedly|"
    r"would|will|did|does|do|is|was|were|are|has\s+been|had\s+been|earlier|publicly|privately|simply|"
    r"on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|[a-z]+ly))+\s*$", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W\d_][\w'\u2019.&-]*|\d[\w.-]*")
_SECOND_IN_COMMAND = frozenset("vice deputy assistant associate lieutenant".split())
_POSSESSIVE = re.compile(r"['\u2019]s?$")


def _is_cap(token: str) -> bool:
    return bool(token) and token[0].isupper()


def _strip_possessive(token: str) -> str:
    return _POSSESSIVE.sub("", token) if token.endswith(("'s", "\u2019s")) else token


def normalise_name(name: str) -> str:
    """Tidy a speaker phrase: straight apostrophes, single spaces, no surrounding punctuation."""
    name = name.replace("\u2019", "'").replace("\u2018", "'")
    name = re.sub(r"\s+", " ", name).strip(" ,.;:-\u2014\u2013\"'()")
    return name


def _strip_titles(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Split 'Ukrainian President Volodymyr Zelensky' into (['Ukrainian', 'President'], ['Volodymyr', 'Zelensky'])."""
    last_title = -1
    for i, tok in enumerate(tokens):
        low = tok.casefold().rstrip(".")
        if low in TITLES or (i + 1 < len(tokens) and low in _TITLE_MODIFIERS and
                             tokens[i + 1].casefold().rstrip(".") in TITLES):
            last_title = i
    if 0 <= last_title < len(tokens) - 1:
        rest = tokens[last_title + 1:]
        while rest and rest[0].casefold() in _CONNECTORS:
            rest = rest[1:]
        if rest and all(_is_cap(t) or t.casefold() in _CONNECTORS for t in rest):
            return tokens[:last_title + 1], rest
    return [], tokens


def kind_of(name: str | None, publisher: str | None = None) -> str:
    if not name:
        return "outlet" if publisher is None else "person"
    if publisher and name.casefold() == publisher.casefold():
        return "outlet"
    tokens = name.split()
    lows = [t.casefold().strip(".,") for t in tokens]
    if any(t in ORG_WORDS for t in lows):
        return "organisation"
    if any(t.endswith(("'s", "\u2019s")) for t in tokens) and not _is_cap(tokens[-1]):
        return "organisation"
    if any(len(t.replace(".", "")) >= 2 and t.replace(".", "").isupper() and t.replace(".", "").isalpha()
           for t in tokens):
        return "organisation"               # an acronym ("NATO", "U.N."), not an initial ("John F. Kerry")
    if len(tokens) == 1 and lows[0] in COUNTRIES:
        return "organisation"
    bare = " ".join(lows[1:] if lows[0] == "the" else lows)
    if bare in PLACES or bare in COUNTRIES:
        return "organisation"
    if lows and lows[0] in ("the", "a", "an"):
        return "organisation"
    if lows and lows[-1] in COUNTRIES:
        return "organisation"
    return "person"


# ---------------------------------------------------------------------------------------------------
# Subject phrases
# ---------------------------------------------------------------------------------------------------

def _strip_trailing_adverbs(text: str) -> str:
    prev = None
    while prev != text:
        prev = text
        text = _ADVERBS.sub("", " " + text).rstrip() if _ADVERBS.search(" " + text) else text
        text = text.strip()
    return text


def _skip_appositive(pre: str) -> str:
    """'BBC News, which reported on X,' -> 'BBC News'; 'John Smith, a spokesman for Y,' -> 'John Smith'."""
    pre = pre.rstrip()
    if not pre.endswith(","):
        return pre
    body = pre[:-1]
    comma = body.rfind(",")
    if comma < 0:
        return pre
    appositive = body[comma + 1:].strip()
    first = appositive.split(" ", 1)[0].casefold() if appositive else ""
    if first in ("which", "who", "whose", "a", "an", "the", "its", "his", "her", "their", "one", "whom") or (
            appositive and appositive[0].islower()) or (appositive and _possessive_title(appositive)):
        return body[:comma].rstrip()
    return pre


def _possessive_title(text: str) -> bool:
    toks = text.split()
    return len(toks) <= 5 and any(t.casefold().rstrip(".") in TITLES for t in toks)


def subject_before(pre: str) -> tuple[str | None, int]:
    """The speaker phrase ending ``pre`` (text right before a speech verb), and where it starts in ``pre``.

    Returns (None, -1) when the words before the verb are not a speaker ("the war, he said" is handled
    by the caller; "what Zelensky said" is not a subject).
    """
    pre = _strip_trailing_adverbs(pre.rstrip())
    pre = _skip_appositive(pre)
    pre = _strip_trailing_adverbs(pre)
    tokens = list(_TOKEN.finditer(pre))
    if not tokens:
        return None, -1
    last = tokens[-1]
    tail = pre[last.end():].strip()
    if tail and tail not in (".",):
        return None, -1
    low = last.group().casefold()
    if low in _PRONOUNS and len(last.group()) <= 4:
        return last.group(), last.start()
    chosen: list[re.Match[str]] = []
    if _is_cap(last.group()):
        i = len(tokens) - 1
        while i >= 0:
            tok = tokens[i].group()
            gap = pre[tokens[i].end():chosen[-1].start()] if chosen else ""
            if gap.strip() not in ("", "-"):
                break
            if _is_cap(tok) or (chosen and tok.casefold() in _CONNECTORS and i > 0 and _is_cap(tokens[i - 1].group())):
                chosen.append(tokens[i])
                i -= 1
                continue
            if chosen and tok.casefold() == "the":
                chosen.append(tokens[i])
            break
    elif low in TITLES and low not in _GROUP_NOUNS:
        i = len(tokens) - 1
        while i >= 0 and len(chosen) < 6:
            tok = tokens[i].group()
            tl = tok.casefold().rstrip(".")
            if tl in TITLES or tl in _TITLE_MODIFIERS or (chosen and tok.endswith(("'s", "\u2019s"))) or (
                    chosen and tl in ("the", "a", "an")) or (chosen and tl in COUNTRIES) or (
                    chosen and _is_cap(tok) and tl not in _FUNCTION_WORDS):
                chosen.append(tokens[i])
                i -= 1
                if tl in ("the", "a", "an"):
                    break
                continue
            break
    elif low in _GROUP_NOUNS:
        i = len(tokens) - 1
        while i >= 0 and len(chosen) < 7:
            tok = tokens[i].group()
            gap = pre[tokens[i].end():chosen[-1].start()] if chosen else ""
            if gap.strip() not in ("", "-"):
                break
            tl = tok.casefold()
            if not chosen or _is_cap(tok) or tl in _GROUP_MODIFIERS or tl in _GROUP_NOUNS or tok.endswith(("'s", "\u2019s")):
                chosen.append(tokens[i])
                i -= 1
                continue
            break
    if not chosen:
        return None, -1
    chosen.reverse()
    # drop sentence-initial function words ("Both Zelensky", "Notably Zelensky") and leading connectors
    while chosen and chosen[0].group().casefold() in _FUNCTION_WORDS - {"the", "a", "an"} and len(chosen) > 1:
        chosen.pop(0)
    while chosen and chosen[0].group().casefold() in _CONNECTORS - {"the"}:
        chosen.pop(0)
    if not chosen or chosen[-1].group().casefold() in _FUNCTION_WORDS:
        return None, -1
    if len(chosen) == 1 and chosen[0].group().casefold() in _FUNCTION_WORDS:
        return None, -1
    start = chosen[0].start()
    return pre[start:chosen[-1].end()], start


def subject_after(post: str) -> str | None:
    """'analyst Peter Grant of Barclays.' after 'said' -> 'Peter Grant' (for '"...," said X')."""
    words = post.split()[:12]
    i = 0
    while i < len(words) and i < 4 and not _is_cap(words[i]) and (
            words[i].casefold().rstrip(".,") in TITLES or words[i].casefold() in _TITLE_MODIFIERS
            or words[i].casefold() in ("the", "a", "an")):
        i += 1
    out: list[str] = []
    for w in words[i:]:
        tok = w.rstrip(".,;:!?\"\u201d")
        if tok and (_is_cap(tok) or (out and tok.casefold() in _CONNECTORS)):
            out.append(tok)
            if tok != w:
                break
        else:
            break
    out = _cut_affiliation(out)
    while out and out[-1].casefold() in _CONNECTORS:
        out.pop()
    if not out:
        m2 = re.match(r"\s*(he|she|they|it)\b", post)
        return m2.group(1) if m2 else None
    return " ".join(out)


def _cut_affiliation(tokens: list[str]) -> list[str]:
    """'Peter Grant of Barclays' -> 'Peter Grant'; 'Bureau of Labor Statistics' stays whole."""
    for i, tok in enumerate(tokens):
        if tok.casefold() in ("of", "for", "at", "from") and i >= 2:
            head = tokens[:i]
            _, name = _strip_titles(head)
            if len(name) >= 2 and kind_of(" ".join(name)) == "person":
                return head
    return tokens


def _clean_phrase(phrase: str) -> str:
    tokens = normalise_name(phrase).split()
    while tokens and tokens[0].casefold() in ("the", "a", "an") and len(tokens) > 1 and _is_cap(tokens[1]):
        tokens = tokens[1:]
    titles, name = _strip_titles(tokens)
    return " ".join(name)


# ---------------------------------------------------------------------------------------------------
# Names seen in the article
# ---------------------------------------------------------------------------------------------------

_CAP_RUN = re.compile(
    r"(?:[^\W\d_][\w'\u2019.-]*)(?:\s+(?:(?:of|de|da|del|van|von|der|bin|al|la|le|du)\s+)?[^\W\d_][\w'\u2019.-]*)*")


@dataclass
class NameRegistry:
    """Person names (>= 2 tokens, titles stripped) and title -> name links seen in one article."""

    people: list[tuple[int, str]] = field(default_factory=list)    # (order, full name)
    titles: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    counter: int = 0
    _by_last: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    def scan(self, text: str) -> None:
        for m in _CAP_RUN.finditer(text):
            words = m.group().split()
            # keep the leading capitalised run only
            run: list[str] = []
            for w in words:
                if _is_cap(w) or (run and w.casefold() in _CONNECTORS):
                    ends = w.endswith((".", ",", ";", ":")) and not re.fullmatch(r"(?:[A-Z]\.)+", w)
                    run.append(w.rstrip(".,;:") if ends else w)
                    if ends:
                        self._add(run)
                        run = []
                elif run:
                    self._add(run)
                    run = []
            if run:
                self._add(run)

    def _add(self, run: list[str]) -> None:
        while run and (run[0].casefold() in _FUNCTION_WORDS or run[0].casefold() in _CONNECTORS):
            run = run[1:]
        while run and run[-1].casefold() in _CONNECTORS:
            run = run[:-1]
        run = [w.rstrip(".,") if not re.fullmatch(r"[A-Z]\.", w) else w for w in run]
        if len(run) < 2:
            return
        titles, name = _strip_titles(_cut_affiliation(run))
        name = [w for w in name if w]
        if len(name) < 2 or any(_POSSESSIVE.search(w) and w.endswith("s") and "'" in w or "\u2019" in w for w in name[:-1]):
            return
        full = normalise_name(" ".join(name))
        if kind_of(full) != "person":
            return
        self.counter += 1
        self.people.append((self.counter, full))
        self._by_last.setdefault(full.split()[-1].casefold(), []).append((self.counter, full))
        if titles:
            key = titles[-1].casefold().rstrip(".")
            if len(titles) >= 2 and titles[-2].casefold() in _SECOND_IN_COMMAND:
                key = f"{titles[-2].casefold()} {key}"     # "Vice President Biden" is not "the president"
            self.titles.setdefault(key, []).append((self.counter, full))

    def resolve(self, name: str) -> str:
        """Fullest known form of a (possibly short) person name ("Zelensky" -> "Volodymyr Zelensky");
        with two different full names ending alike, the most recently registered one."""
        tokens = name.split()
        if not tokens:
            return name
        want = [t.casefold() for t in tokens]
        best = None
        for order, full in self._by_last.get(want[-1], ()):
            ft = full.casefold().split()
            if len(ft) > len(want) and ft[-len(want):] == want:
                if best is None or len(ft) > best[2] or (len(ft) == best[2] and order > best[0]):
                    best = (order, full, len(ft))
        return best[1] if best else name

    def is_person(self, name: str) -> bool:
        return any(full == name for _, full in self._by_last.get(name.split()[-1].casefold(), ())) if name else False

    def by_title(self, title: str) -> str | None:
        entries = self.titles.get(title.casefold().rstrip("."))
        return entries[-1][1] if entries else None


# ---------------------------------------------------------------------------------------------------
# Attribution in text
# ---------------------------------------------------------------------------------------------------

_CLAUSE_END = re.compile(r"[.!?;](?=\s|$)")


def _mask_quotes(text: str, quotes: Sequence[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in quotes:
        for i in range(max(0, s), min(len(chars), e)):
            chars[i] = "_" if not chars[i].isspace() else " "
    return "".join(chars)


def attribution_after(text: str) -> str | None:
    """Speaker phrase in the words right after a closing quote: ', he said', ' Zelensky said,', ', said X'."""
    m = re.match(r"[\s,\u2014\u2013-]*", text)
    rest = text[m.end():] if m else text
    end = _CLAUSE_END.search(rest)
    clause = rest[:end.start()] if end else rest
    clause = clause[:200]
    v = _VERB_RE.search(clause)
    if not v:
        return None
    before = clause[:v.start()]
    if before.strip():
        if len(before) > 120 or any(c in before for c in "\"\u201c\u201d"):
            return None
        subj, start = subject_before(before)
        if subj is None or before[:start].strip(" ,"):
            return None
        return subj
    return subject_after(clause[v.end():])


def attribution_before(text: str) -> str | None:
    """Speaker phrase in the words right before an opening quote: 'X added: ', 'X, which ..., wrote, ',
    'he told CNN host Fareed Zakaria: ', 'according to X, '."""
    tail = text[-260:]
    acc = list(_ACCORDING.finditer(tail))
    verbs = list(_VERB_RE.finditer(tail))
    if not verbs and not acc:
        return None
    if verbs:
        v = verbs[-1]
        between = tail[v.end():]
        if not re.search(r"[.!?;]\s", between) and len(between) <= 80:
            if v.group() in _NO_OBJECT_VERBS and not re.fullmatch(
                    r"[\s,:]*(?:(?:in|on|at|during|to)\s+[^,:]{0,40})?[\s,:]*(?:that\s*)?", between):
                # 'X said the war was "..."': a partial quote inside reported speech, still X's words
                if len(between) > 60:
                    return None
            clause_start = max(tail.rfind(". ", 0, v.start()), tail.rfind("? ", 0, v.start()),
                               tail.rfind("! ", 0, v.start()), tail.rfind('" ', 0, v.start()),
                               tail.rfind("\u201d ", 0, v.start()))
            pre = tail[clause_start + 1 if clause_start >= 0 else 0:v.start()]
            subj, start = subject_before(pre)
            if subj is not None:
                lead = pre[:start].strip()
                if not lead or lead.endswith(",") or lead.casefold() in _FUNCTION_WORDS:
                    return subj
    if acc:
        a = acc[-1]
        return _according_subject(tail[a.end():])
    return None


def _according_subject(text: str) -> str | None:
    """'Turkey's government, which has ..., Russian President ...' -> "Turkey's government"."""
    m = re.match(r"[^,;:.!?\"\u201c\u201d()]{1,80}", text)
    if not m:
        return None
    phrase = m.group().strip()
    words = phrase.split()
    if not words or len(words) > 8:
        return None
    return phrase


def reported_speaker(sentence: str, quotes: Sequence[tuple[int, int]] = ()) -> str | None:
    """Speaker of reported speech in one sentence ("X said that...", "..., officials said.",
    "According to X, ..."); quotations are masked first. Returns the raw phrase or None."""
    masked = _mask_quotes(sentence, quotes)
    acc = _ACCORDING.search(masked)
    if acc:
        subj = _according_subject(masked[acc.end():])
        if subj:
            return subj
    for v in _VERB_RE.finditer(masked):
        pre = masked[:v.start()]
        if "_" in pre[-3:]:
            continue
        subj, start = subject_before(pre)
        if subj is None:
            continue
        lead = pre[:start].strip()
        if lead and _title_lead(lead):
            subj, lead = pre[pre.find(lead):v.start()].strip(), ""
        if not lead or (lead.endswith(",") and len(lead) <= 80 and "_" not in lead):
            # main clause: "X said (that) ..." / "On Sunday, X said ..."
            return subj
        if lead.endswith(","):
            # trailing attribution: "..., the minister said." / "..., officials said on Monday."
            rest = masked[v.end():].strip()
            if len(rest.split()) <= 10 and not re.search(r"\bthat\b", rest):
                return subj
        break
    m = re.search(r",\s*(?:said|says|added|wrote)\s+(.{1,120})$", masked)
    if m:
        subj = subject_after(m.group(1))
        if subj:
            return subj
    return None


def _title_lead(lead: str) -> bool:
    """'Acme Corp chief executive' / 'Council member' / 'On Sunday, Ukraine's foreign minister': words that
    only introduce the name after them."""
    if "," in lead:
        lead = lead.rsplit(",", 1)[1]
    toks = lead.split()
    if not toks or len(toks) > 6:
        return False
    low = [t.casefold().rstrip(".") for t in toks]
    if low[-1] not in TITLES:
        return False
    return all(_is_cap(t) or lw in TITLES or lw in _TITLE_MODIFIERS or lw in ("the", "a", "an") or
               t.endswith(("'s", "\u2019s")) for t, lw in zip(toks, low, strict=True))


def quote_speaker(paragraph: str, span: tuple[int, int]) -> str | None:
    """Raw speaker phrase for one quotation of a paragraph, from the words after it, then before it."""
    s, e = span
    after = paragraph[e:e + 400]
    nxt = re.search(r"[\"\u201c\u201e\u00ab]", after)
    after_clause = after[:nxt.start()] if nxt else after
    if re.match(r"[\s,\u2014\u2013-]*\S", after_clause):
        found = attribution_after(after_clause)
        if found:
            return found
    before = paragraph[max(0, s - 400):s]
    prev_close = max(before.rfind(c) for c in "\"\u201d\u00bb")
    before = before[prev_close + 1:] if prev_close >= 0 else before
    if before.strip():
        return attribution_before(before)
    return None


def resolve_phrase(phrase: str | None, registry: NameRegistry, last_person: str | None,
                   last_speaker: tuple[str, str] | None, publisher: str | None) -> tuple[str | None, str]:
    """A raw phrase -> (normalised speaker, kind)."""
    if not phrase:
        return None, "person"
    low = phrase.casefold().strip()
    if low in _PRONOUNS:
        kind = _PRONOUNS[low]
        if kind == "person" or (kind == "any" and last_speaker is None):
            return (last_person, "person") if last_person else (None, "person")
        if last_speaker is not None:
            if kind == "organisation" and last_speaker[1] == "person":
                return None, "organisation"
            return last_speaker
        return None, "organisation" if kind == "organisation" else "person"
    cleaned = _clean_phrase(phrase)
    if not cleaned:
        return None, "person"
    tokens = cleaned.split()
    lows = [t.casefold().rstrip(".") for t in tokens]
    # "the president said" -> the person last introduced with that title
    if all(t in TITLES or t in _TITLE_MODIFIERS or t in ("the", "a", "an") or t.endswith(("'s", "\u2019s"))
           or t in COUNTRIES for t in lows) and lows[-1] in TITLES:
        named = registry.by_title(lows[-1])
        if named:
            return named, "person"
        return cleaned, "person"
    kind = kind_of(cleaned, publisher)
    if kind == "person":
        cleaned = registry.resolve(cleaned)
    return cleaned, kind


# ---------------------------------------------------------------------------------------------------
# Fuzzy speaker match against known speakers
# ---------------------------------------------------------------------------------------------------

_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"}


def _fold(name: str) -> list[str]:
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c)).casefold()
    name = name.replace("\u2019", "'")
    name = re.sub(r"'s\b", "", name)
    tokens = re.findall(r"[^\W_]+", name)
    tokens = [t for t in tokens if t not in _SUFFIXES]
    while len(tokens) > 1 and (tokens[0] in TITLES or tokens[0] in _TITLE_MODIFIERS or tokens[0] in ("the",)):
        tokens = tokens[1:]
    return tokens


def _given_compatible(a: str, b: str) -> bool:
    """'joe' ~ 'joseph', 'volodymyr' ~ 'volodimir', initials 'j' ~ 'joe'."""
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    return a.startswith(b[:3]) or b.startswith(a[:3]) or fuzz.ratio(a, b) >= 75


def _pair_score(q: list[str], a: list[str]) -> float:
    if not q or not a:
        return 0.0
    full = fuzz.token_sort_ratio(" ".join(q), " ".join(a))
    if len(q) == 1 and len(a) == 1:
        return fuzz.ratio(q[0], a[0])
    if len(q) == 1:
        # a surname alone: against the surname; an acronym: against the initials
        best = fuzz.ratio(q[0], a[-1])
        if len(q[0]) >= 2 and q[0] == "".join(t[0] for t in a if t not in ("of", "the", "and", "for")):
            best = 100.0
        return max(full, best)
    if len(a) == 1:
        # a full name against a surname-only alias: the caller checks the given name against the id's full forms
        return min(fuzz.ratio(q[-1], a[0]), 100.0) - 4.0
    # both multi-token: compare surnames strictly and given names loosely ("Joseph R. Biden" ~ "Joe Biden")
    surname = fuzz.ratio(q[-1], a[-1])
    if surname >= 85 and _given_compatible(q[0], a[0]):
        return max(full, min(surname, 100.0) - 2.0)
    if surname >= 85 and not _given_compatible(q[0], a[0]):
        return min(full, 60.0)
    return full


def match_speaker(name: str, known: Mapping[int, Sequence[str]], threshold: float = 88.0) -> int | None:
    """Id of the known speaker ``name`` refers to, or None when nothing is close enough or the best two
    candidates are too close to call ("Biden" with both Joe and Hunter Biden known)."""
    try:
        q = _fold(str(name or ""))
    except Exception:
        return None
    if not q or len("".join(q)) < 3 or not known:
        return None
    scores: list[tuple[float, int]] = []
    for speaker_id, aliases in known.items():
        if isinstance(aliases, str):
            aliases = [aliases]
        folded = [_fold(str(a)) for a in (aliases or ()) if a]
        folded = [a for a in folded if a]
        if not folded:
            continue
        best = 0.0
        multi = [a for a in folded if len(a) > 1]
        for a in folded:
            s = _pair_score(q, a)
            if len(q) > 1 and len(a) == 1 and multi and not any(_given_compatible(q[0], m[0]) for m in multi):
                s = min(s, 60.0)   # "Hunter Biden" is not Joe Biden's "Biden" alias
            best = max(best, s)
        scores.append((best, speaker_id))
    if not scores:
        return None
    scores.sort(key=lambda x: -x[0])
    top_score, top_id = scores[0]
    if top_score < threshold:
        return None
    if len(scores) > 1 and scores[1][0] >= threshold and top_score - scores[1][0] < 5.0:
        return None
    return top_id
