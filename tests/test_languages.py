"""Every language and script: terms, a language per claim, stemming and stop words in it, on both databases."""

import json

import pytest
from sqlalchemy import select

from claimtrack.db import db
from claimtrack.matching import tokens
from claimtrack.matching.language import detect_language, language_code
from claimtrack.matching.text import surface_words
from claimtrack.models import Claim
from claimtrack.search_index import check_index
from claimtrack.services.matching import match as match_text


@pytest.mark.parametrize("text, expected", [
    ("Вакцина содержит микрочип", ["вакцин", "содерж", "микрочип"]),
    ("Το εμβόλιο περιέχει μικροτσίπ", ["εμβολι", "περιεχ", "μικροτσιπ"]),
    ("वैक्सीन में माइक्रोचिप है", ["वैक्सीन", "माइक्रोचिप"]),
    ("தமிழ் செய்தி", ["தமிழ்", "செய்தி"]),
])
def test_every_script_gives_tokens(text, expected):
    assert tokens(text) == expected


def test_no_letter_is_dropped():
    assert surface_words("Søren Kierkegaard in Łódź", "en") == ["søren", "kierkegaard", "łodz"]
    # Devanagari vowel signs and virama are marks: the word stays whole.
    assert surface_words("हिन्दी", "hi") == ["हिन्दी"]
    # A Cyrillic short i is a letter of its own, not an accented и.
    assert surface_words("Мой край", "xx") == ["мой", "край"]


def test_arabic_is_normalised():
    # Diacritics and tatweel stripped; alef forms, taa marbuta and alef maqsura unified; Arabic-Indic digits read.
    plain = surface_words("الاولي كورونا الجرعه 2020", "xx")
    written = surface_words("الأُولى كـــورونا الجرعة ٢٠٢٠", "xx")
    assert written == plain


def test_arabic_prefixes_come_off_before_the_stemmer():
    # "li-" (to) on a word without the article: "لرسول" (to a messenger) meets "رسول" and "الرسول" (the messenger).
    assert tokens("لرسول", "ar") == tokens("رسول", "ar") == tokens("الرسول", "ar")
    # A four-letter word keeps its first lam: "لقاح" (vaccine) is no "li-" word, and meets "اللقاح".
    assert tokens("لقاح", "ar") == tokens("اللقاح", "ar")
    assert tokens("لقاح", "ar")[0].startswith("ل")


def test_arabic_dialect_particles_are_stop_words():
    # Egyptian "ده" (this), "مش" (not) and "عشان" (because) are function words like "في" (in); "مصر" is not.
    assert tokens("ده مش في مصر عشان", "ar") == tokens("مصر", "ar") != []


def test_unspaced_scripts_give_character_bigrams():
    assert tokens("疫苗含有芯片") == ["疫苗", "苗含", "含有", "有芯", "芯片"]
    assert "チッ" in tokens("ワクチンにはチップが含まれている")
    assert tokens("疫") == ["疫"]


def test_german_forms_meet_and_english_is_unchanged():
    assert tokens("Impfstoff enthält Mikrochip", "de")[1] == tokens("Impfstoffe enthalten Mikrochip", "de")[1]
    assert tokens("The vaccines contain microchips") == ["vaccin", "contain", "microchip"]


def test_spanish_stop_words_are_not_terms():
    assert tokens("por la salud de los", "es") == ["salud"]


def test_language_detection_and_codes():
    assert detect_language("Der Impfstoff enthält einen Mikrochip und das ist gefährlich") == "de"
    assert detect_language("العاهل المغربي يتلقى الجرعة الاولى من لقاح كورونا") == "ar"
    assert detect_language("Вакцина содержит микрочип") == "ru"
    assert detect_language("Obama was born in Kenya") == "en"
    assert detect_language("ok") == "en"
    assert language_code("pt-BR") == "pt" and language_code("de_DE") == "de" and language_code("12") is None


CLAIMS = [
    {"id": "ru-1", "text": "Вакцина от коронавируса содержит микрочип для слежки"},
    {"id": "ar-1", "text": "العاهل المغربي يتلقى الجرعة الأولى من لقاح كورونا"},
    {"id": "el-1", "text": "Το εμβόλιο περιέχει μικροτσίπ παρακολούθησης"},
    {"id": "hi-1", "text": "कोरोना वैक्सीन में माइक्रोचिप लगाया गया है"},
    {"id": "zh-1", "text": "新冠疫苗含有追踪芯片"},
    {"id": "de-1", "text": "Der Impfstoff enthält einen Mikrochip zur Überwachung", "lang": "de"},
    {"id": "es-1", "text": "El gobierno subió los impuestos a la gasolina en enero", "inLanguage": "es"},
    {"id": "en-1", "text": "The vaccine contains a microchip to track people"},
]


@pytest.fixture
def multilingual(app, runner, tmp_path):
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in CLAIMS), encoding="utf-8")
    result = runner.invoke(args=["claims", "import", str(path)])
    assert result.exit_code == 0, result.output
    return app


def top(app, text):
    with app.app_context():
        return [m.external_id for m in match_text(db.session, text, limit=3).matches]


@pytest.mark.parametrize("query, expected", [
    ("Вакцина содержит микрочип", "ru-1"),
    ("الملك المغربي تلقى جرعة لقاح كورونا", "ar-1"),
    ("μικροτσίπ στο εμβόλιο", "el-1"),
    ("वैक्सीन में माइक्रोचिप", "hi-1"),
    ("疫苗芯片", "zh-1"),
    ("Impfstoffe enthalten Mikrochips zur Überwachung", "de-1"),
])
def test_claims_in_every_script_are_found_on_both_databases(multilingual, query, expected):
    assert top(multilingual, query)[:1] == [expected]


def test_claims_store_their_language_and_the_index_checks(multilingual):
    with multilingual.app_context():
        langs = dict(db.session.execute(select(Claim.external_id, Claim.lang)).all())
        assert langs["ru-1"] == "ru" and langs["ar-1"] == "ar" and langs["de-1"] == "de" and langs["es-1"] == "es"
        assert langs["en-1"] == "en"
        assert check_index(db.session, recompute=True).ok


def test_spanish_stop_words_make_no_match(multilingual):
    with multilingual.app_context():
        result = match_text(db.session, "Por la salud de los niños y de las familias", include_unrelated=False)
    assert [m.external_id for m in result.matches] == []


def test_a_bad_language_tag_is_refused_with_a_message(app, runner, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": "x-1", "text": "Some claim here", "lang": "not a language!"}), encoding="utf-8")
    result = runner.invoke(args=["claims", "import", str(path)])
    assert "'lang' must be a language code" in result.output


@pytest.mark.parametrize("written, expected", [
    ("4 de octubre de 2020", "2020-10-04"),
    ("5 de março de 2019", "2019-03-05"),
    ("1er février 2021", "2021-02-01"),
    ("4. Oktober 2020", "2020-10-04"),
    ("4. November 2020", "2020-11-04"),
    ("octubre de 2020", "2020-10-01"),
    ("Mars 2020 rover landed", None),
    ("stated on October 7, 2016 in a debate:", "2016-10-07"),
])
def test_dates_are_read_in_spanish_portuguese_french_and_german(written, expected):
    from claimtrack.interchange import parse_date

    found = parse_date(written)
    assert (found.isoformat() if found else None) == expected


from .test_public import canonical, jsonld, newsroom, text_of  # noqa: E402,F401,F811  (the published-claims fixture)


def test_public_pages_declare_the_claim_language(client, newsroom):
    html = text_of(client.get(canonical(client, newsroom["w1"])))
    assert '<span lang="en" dir="auto">“Electric cars produce' in html
    review = jsonld(html)
    assert review["inLanguage"] == "en" and review["itemReviewed"]["inLanguage"] == "en"
    home = text_of(client.get("/"))
    assert '"><span lang="en" dir="auto">Electric cars produce' in home
