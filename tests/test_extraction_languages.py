"""Extraction beyond English: sentences split by the article's language, who said what in Spanish, Portuguese,
French, German and Italian (claimtrack/extraction/attribution_languages.py)."""

import json
from pathlib import Path

import pytest

from claimtrack.extraction import article_language, extract_candidates, split_sentences
from claimtrack.extraction.sentences import quote_spans

FIXTURES = Path(__file__).parent / "fixtures" / "attribution_languages"


def who(text: str, lang: str | None = None, publisher: str = "Diario") -> dict[str, tuple[str | None, str]]:
    return {c.text: (c.speaker, c.speaker_kind) for c in extract_candidates(text, publisher, lang=lang)}


# ---------------------------------------------------------------------------------------------------
# Sentences
# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "text", "expected"), [
    ("es", "El Sr. García llegó ayer a Madrid. La Dra. López habló con el Sr. Pérez en la sede. Fin de la reunión.",
     ["El Sr. García llegó ayer a Madrid.", "La Dra. López habló con el Sr. Pérez en la sede.", "Fin de la reunión."]),
    ("pt", "O Sr. Silva chegou ontem ao Brasil. A Dra. Costa falou com o Sr. Souza. Fim da reunião de hoje.",
     ["O Sr. Silva chegou ontem ao Brasil.", "A Dra. Costa falou com o Sr. Souza.", "Fim da reunião de hoje."]),
    ("fr", "M. Macron a parlé hier soir. Mme Dupont est partie très tôt. « Nous allons gagner. » Il a ajouté "
           ": « Rien ne change. »",
     ["M. Macron a parlé hier soir.", "Mme Dupont est partie très tôt.", "« Nous allons gagner. »",
      "Il a ajouté : « Rien ne change. »"]),
    ("de", "Das ist z. B. ein Test. Am 14. Oktober kam Herr Dr. Müller nach Berlin. Die Sitzung dauerte lange.",
     ["Das ist z. B. ein Test.", "Am 14. Oktober kam Herr Dr. Müller nach Berlin.", "Die Sitzung dauerte lange."]),
    ("it", "Il sig. Rossi parla con tutti. Il dott. Bianchi invece no. Fine della storia.",
     ["Il sig. Rossi parla con tutti.", "Il dott. Bianchi invece no.", "Fine della storia."]),
])
def test_sentences_split_by_the_languages_abbreviations(lang, text, expected):
    assert [s for _, s in split_sentences(text, lang)] == expected


def test_german_quotation_marks_close_with_the_left_mark():
    text = "Merkel sagte: „Wir schaffen das.“ Dann ging sie. »Nein«, sagte er. \u201cEnglish\u201d ok."
    assert [text[a:b] for a, b in quote_spans(text)] == ["„Wir schaffen das.“", "»Nein«", "\u201cEnglish\u201d"]
    # a quotation of two sentences stays one candidate with its frame
    assert [s for _, s in split_sentences("„Wir schaffen das. Ganz sicher“, sagte Merkel in Berlin.", "de")] == [
        "„Wir schaffen das. Ganz sicher“, sagte Merkel in Berlin."]


def test_furniture_of_other_languages_is_dropped():
    text = ("Por Juan Pérez\n\nMADRID (EFE).- El Gobierno aprobó ayer el nuevo presupuesto del Estado.\n\n"
            "Lea también: otra noticia del día\n\nFoto: Juan Pérez")
    assert [s for _, s in split_sentences(text, "es")] == ["El Gobierno aprobó ayer el nuevo presupuesto del Estado."]


def test_english_articles_keep_the_english_path():
    text = 'Mayor Ann Lee spoke on Monday. "Taxes will fall next year," she said.'
    assert article_language(text) == "en"
    assert extract_candidates(text, "Gazette") == extract_candidates(text, "Gazette", lang="en")


# ---------------------------------------------------------------------------------------------------
# Who said what
# ---------------------------------------------------------------------------------------------------

def test_spanish():
    found = who(
        "El presidente del Gobierno, Pedro Sánchez, aseguró este lunes que la economía crecerá un 2 %.\n\n"
        "\"No vamos a subir los impuestos a la clase media\", dijo Sánchez en Madrid.\n\n"
        "La ministra de Hacienda, María Jesús Montero, afirmó que el déficit bajará del 3 %. "
        "Además, explicó que el Gobierno aprobará un nuevo presupuesto.\n\n"
        "Según el Banco de España, la inflación se moderará en 2024. "
        "«Es una previsión prudente y realista», señaló la ministra.\n\n"
        "El paro bajó en marzo por tercer mes consecutivo. Ella añadió que los datos son los mejores.\n\n"
        "—Vamos a cumplir todos los objetivos del mandato —dijo el Sr. Sánchez—.")
    assert found == {
        "El presidente del Gobierno, Pedro Sánchez, aseguró este lunes que la economía crecerá un 2 %.":
            ("Pedro Sánchez", "person"),
        "\"No vamos a subir los impuestos a la clase media\", dijo Sánchez en Madrid.": ("Pedro Sánchez", "person"),
        "La ministra de Hacienda, María Jesús Montero, afirmó que el déficit bajará del 3 %.":
            ("María Jesús Montero", "person"),
        "Además, explicó que el Gobierno aprobará un nuevo presupuesto.": ("María Jesús Montero", "person"),
        "Según el Banco de España, la inflación se moderará en 2024.": ("Banco de España", "organisation"),
        "«Es una previsión prudente y realista», señaló la ministra.": ("María Jesús Montero", "person"),
        "El paro bajó en marzo por tercer mes consecutivo.": ("Diario", "outlet"),
        "Ella añadió que los datos son los mejores.": ("María Jesús Montero", "person"),
        "—Vamos a cumplir todos los objetivos del mandato —dijo el Sr. Sánchez—.": ("Pedro Sánchez", "person"),
    }
    dash = next(c for c in extract_candidates("—Vamos a cumplir todos los objetivos —dijo el ministro—.", "D")
                if c.text.startswith("—"))
    assert dash.is_quote


def test_portuguese():
    found = who(
        "O ministro da Fazenda, Fernando Haddad, afirmou que a meta fiscal será cumprida.\n\n"
        "Ele acrescentou que a reforma tributária será votada em breve.\n\n"
        "Segundo o IBGE, a taxa de desemprego caiu para 7,8 % no trimestre. De acordo com a Polícia Federal, "
        "a operação prendeu 14 suspeitos.\n\n"
        "\"Não vamos tolerar a violência nas escolas\", declarou a governadora Ana Costa.\n\n"
        "A Petrobras registrou lucro de 30 bilhões de reais no terceiro trimestre.")
    assert found["O ministro da Fazenda, Fernando Haddad, afirmou que a meta fiscal será cumprida."] == (
        "Fernando Haddad", "person")
    assert found["Ele acrescentou que a reforma tributária será votada em breve."] == ("Fernando Haddad", "person")
    assert found["Segundo o IBGE, a taxa de desemprego caiu para 7,8 % no trimestre."] == ("IBGE", "organisation")
    assert found["De acordo com a Polícia Federal, a operação prendeu 14 suspeitos."] == (
        "Polícia Federal", "organisation")
    assert found["\"Não vamos tolerar a violência nas escolas\", declarou a governadora Ana Costa."] == (
        "Ana Costa", "person")
    assert found["A Petrobras registrou lucro de 30 bilhões de reais no terceiro trimestre."] == ("Diario", "outlet")


def test_french():
    found = who(
        "Le président Emmanuel Macron a déclaré mardi que la France augmenterait son budget militaire. "
        "« Nous devons être prêts à tout », a-t-il ajouté lors d'un discours à Paris.\n\n"
        "Selon l'Insee, le chômage a reculé de 0,2 point. « C'est une très bonne nouvelle pour l'emploi », "
        "a affirmé M. Le Maire.\n\n"
        "La Première ministre Élisabeth Borne estime que la réforme est nécessaire. "
        "Elle a précisé que le texte serait présenté en mars.\n\n"
        "D'après la préfecture, 12 000 personnes ont manifesté samedi à Lyon. "
        "Les prix de l'énergie ont baissé de 10 % en un an.")
    assert found == {
        "Le président Emmanuel Macron a déclaré mardi que la France augmenterait son budget militaire.":
            ("Emmanuel Macron", "person"),
        "« Nous devons être prêts à tout », a-t-il ajouté lors d'un discours à Paris.": ("Emmanuel Macron", "person"),
        "Selon l'Insee, le chômage a reculé de 0,2 point.": ("Insee", "person"),
        "« C'est une très bonne nouvelle pour l'emploi », a affirmé M. Le Maire.": ("Le Maire", "person"),
        "La Première ministre Élisabeth Borne estime que la réforme est nécessaire.": ("Élisabeth Borne", "person"),
        "Elle a précisé que le texte serait présenté en mars.": ("Élisabeth Borne", "person"),
        "D'après la préfecture, 12 000 personnes ont manifesté samedi à Lyon.": ("préfecture", "organisation"),
        "Les prix de l'énergie ont baissé de 10 % en un an.": ("Diario", "outlet"),
    }


def test_german():
    found = who(
        "Bundeskanzler Olaf Scholz sagte am Montag, die Regierung werde die Hilfen verlängern.\n\n"
        "„Wir lassen niemanden mit den Kosten allein“, sagte Scholz in Berlin.\n\n"
        "Laut dem Statistischen Bundesamt stieg die Inflation im Oktober auf 3,8 Prozent. "
        "Die Zahl der Arbeitslosen sank dagegen leicht.\n\n"
        "Am Dienstag erklärte Finanzminister Christian Lindner, der Haushalt sei solide. "
        "Er betonte, dass die Schuldenbremse eingehalten werde.\n\n"
        "„Das ist ein wichtiger Schritt für das ganze Land“, so Lindner. "
        "Frau Merkel hat am Montag gesagt, dass sie nicht zurückkehren werde.")
    assert found == {
        "Bundeskanzler Olaf Scholz sagte am Montag, die Regierung werde die Hilfen verlängern.": ("Olaf Scholz", "person"),
        "„Wir lassen niemanden mit den Kosten allein“, sagte Scholz in Berlin.": ("Olaf Scholz", "person"),
        "Laut dem Statistischen Bundesamt stieg die Inflation im Oktober auf 3,8 Prozent.":
            ("Statistischen Bundesamt", "organisation"),
        "Die Zahl der Arbeitslosen sank dagegen leicht.": ("Diario", "outlet"),
        "Am Dienstag erklärte Finanzminister Christian Lindner, der Haushalt sei solide.": ("Christian Lindner", "person"),
        "Er betonte, dass die Schuldenbremse eingehalten werde.": ("Christian Lindner", "person"),
        "„Das ist ein wichtiger Schritt für das ganze Land“, so Lindner.": ("Christian Lindner", "person"),
        "Frau Merkel hat am Montag gesagt, dass sie nicht zurückkehren werde.": ("Merkel", "person"),
    }


def test_italian():
    found = who("Il ministro dell'Economia, Giancarlo Giorgetti, ha spiegato che i conti sono in ordine. "
                "Lui ha sottolineato che la crescita continuerà. Secondo l'Istat, la disoccupazione è scesa.")
    assert set(found.values()) == {("Giancarlo Giorgetti", "person"), ("Istat", "person")}


def test_the_outlets_own_statements_stay_the_outlets():
    for lang, text in [("es", "La inflación subió un 3 % en octubre y los precios de la vivienda siguen al alza."),
                       ("fr", "L'inflation a atteint 3 % en octobre et les loyers continuent de grimper."),
                       ("de", "Die Inflation stieg im Oktober auf drei Prozent, die Mieten steigen weiter."),
                       ("pt", "A inflação subiu 3 % em outubro e os aluguéis continuam em alta.")]:
        assert set(who(text, lang, "Diario").values()) == {("Diario", "outlet")}, lang


def test_a_language_without_rules_credits_the_outlet_and_names_no_quoted_speaker():
    cands = extract_candidates('De regering heeft het plan goedgekeurd. "Dit is een goede dag voor het land," '
                               "zei de minister.", "Krant", lang="nl")
    assert [(c.speaker, c.speaker_kind) for c in cands] == [("Krant", "outlet"), (None, "person")]


@pytest.mark.parametrize("lang", ["es", "pt", "fr", "de", "it"])
def test_hand_labelled_sets(lang):
    """The sets bench/attribution_languages.py measures: every sentence found, language detected, speakers mostly
    right (the figures in docs/ingesting.md)."""
    rows = [json.loads(line) for line in (FIXTURES / f"{lang}.jsonl").read_text(encoding="utf-8").splitlines()]
    right = total = 0
    for article in sorted({r["article"] for r in rows}):
        part = [r for r in rows if r["article"] == article]
        text = "\n\n".join(r["text"] for r in part)
        assert article_language(text) == lang
        got = {c.text: c for c in extract_candidates(text, "Diario")}
        for r in part:
            cand = got[r["text"]]
            assert cand.is_quote == r["quote"], r["text"]
            total += 1
            if r["speaker"] is None:
                right += cand.speaker_kind == "outlet"
            else:
                right += bool(cand.speaker) and cand.speaker.split()[-1] == r["speaker"].split()[-1]
    assert right / total >= 0.85


@pytest.mark.parametrize(("lang", "text", "speaker"), [
    # a title with its department, then the name after the comma: the name speaks, not the ministry
    ("es", "\"Los precios han bajado\", afirmó la ministra de Economía, Lucía Herrera, en Madrid.", "Lucía Herrera"),
    ("es", "\"Los precios han bajado\", dijo el presidente del Gobierno, Pedro Sánchez.", "Pedro Sánchez"),
    ("fr", "« C'est faux », a déclaré la ministre de la Santé, Marie Dupont, lundi à Paris.", "Marie Dupont"),
    ("pt", "\"É falso\", disse o ministro da Saúde, João Silva, nesta segunda-feira.", "João Silva"),
    ("it", "\"È falso\", ha detto il ministro della Salute, Orazio Schillaci.", "Orazio Schillaci"),
    # a title with its department and no name: the title, never the department as a person
    ("es", "\"Es falso\", dijo la ministra de Economía en Madrid.", "ministra de Economía"),
    ("fr", "« C'est faux », a déclaré le président de la République.", "président de la République"),
])
def test_a_titles_department_is_not_the_speaker(lang, text, speaker):
    assert list(who(text, lang).values()) == [(speaker, "person")]


def test_a_title_resolves_to_the_person_of_that_department_only():
    text = ("\"Es falso\", dijo la ministra de Economía en Madrid.\n\n"
            "\"Es falso\", declaró ayer el ministro de Sanidad Juan Pérez.\n\n"
            "\"Mentira\", añadió el ministro de Sanidad.")
    assert [speaker for speaker, _ in who(text, "es").values()] == ["ministra de Economía", "Juan Pérez", "Juan Pérez"]


def test_a_generic_reference_is_the_person_named_before():
    text = ("El secretario de Comercio, Ramón Ibarra, aseguró que las exportaciones crecieron un 12 por ciento.\n\n"
            "\"No habrá devaluación este año\", sostuvo el funcionario.\n\n"
            "El ex diputado nacional señaló que el déficit se redujo a la mitad.")
    assert [s for s, _ in who(text, "es").values()] == ["Ramón Ibarra"] * 3
    assert {kind for _, kind in who(text, "es").values()} == {"person"}


def test_a_title_with_its_department_finds_the_person_introduced_with_it():
    text = ("La ministra de Salud, Carla Ruiz, dijo que faltan 300 médicos rurales.\n\n"
            "El ministro de Economía, Tomás Vidal, aseguró que el presupuesto crecerá un 4 por ciento.\n\n"
            "La ministra de Salud expresó: \"Vamos a contratar a 300 médicos antes de marzo\".")
    speakers = [s for s, _ in who(text, "es").values()]
    assert speakers == ["Carla Ruiz", "Tomás Vidal", "Carla Ruiz"]


@pytest.mark.parametrize(("text", "speaker"), [
    # an elided article before the department, and a surname holding a title's word ("Le Maire")
    ("« Les prix vont baisser », a assuré jeudi le ministre de l’Économie Paul Le Maire, à Lyon.", "Paul Le Maire"),
    # the appositive name after a conjunction
    ("Les syndicats ont protesté, et la ministre du Travail, Anne Morel, a estimé qu’il fallait « tout revoir ».",
     "Anne Morel"),
    # a title with nobody named: the title as written, a person
    ("Le ministre de l'Économie a rappelé que la dette atteint 110 % du PIB.", "ministre de l'Économie"),
])
def test_french_titles_departments_and_names(text, speaker):
    assert list(who(text, "fr").values()) == [(speaker, "person")]
