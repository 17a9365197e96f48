"""Who said it, in Spanish, Portuguese, French, German and Italian: hand-written rules, one lexicon per language.

There is no training data for these languages, so the fitted English ranker (speakers.py) does not apply; the
rules follow the English ones (attribution.py), with each language's cue verbs in their common forms, its
"according to" ("según", "segundo", "selon", "laut", "secondo" ... and German "X zufolge", ", so X"), its
pronouns, titles and quotation marks:

* a cue verb finds its subject before it ("El ministro dijo que ...", "Merkel sagte, ...") or, when nothing
  but an introduction or a comma stands before it, after it ("..., dijo el ministro", "Am Montag sagte Merkel",
  "..., a affirmé Macron", "a-t-il déclaré");
* with no subject at all, in the languages that drop subject pronouns ("Además, afirmó que ..."), the speaker
  is the last person named, as for a pronoun;
* titles and honorifics are stripped ("el presidente Pedro Sánchez", "Frau Merkel", "M. Macron", "Bundeskanzler
  Olaf Scholz"), and "the minister" alone is the person the article introduced with that title;
* a sentence with no cue is the outlet's own statement.

Pure and fast: regular expressions over one sentence or paragraph at a time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from claimtrack.extraction.attribution import COUNTRIES, NameRegistry, normalise_name

__all__ = ["LANGUAGES", "Lexicon", "LanguageRules", "lexicon", "rules_for"]

PRO = "\x00"   # an attribution with no subject written ("Afirmó que ..."): the last person named


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True, eq=False)      # hashed by identity: one instance per language
class Lexicon:
    """The words one language attributes with."""

    code: str
    verbs: frozenset[str]             # cue verbs, finite forms and participles
    according: str                    # regex: "según", "de acuerdo con" ... (source after it)
    pronouns: dict[str, str]          # subject pronoun -> "person" | "any"
    articles: frozenset[str]
    titles: frozenset[str]
    auxiliaries: frozenset[str] = frozenset()     # "ha dicho", "a déclaré", "hat gesagt"
    intros: frozenset[str] = frozenset()          # words that open a clause without being its subject
    stops: frozenset[str] = frozenset()           # words that end a subject read after the verb
    org_words: frozenset[str] = frozenset()
    impersonal: frozenset[str] = frozenset()      # "se dice", "on dit", "man sagt": nobody in particular
    conjunctions: frozenset[str] = frozenset()
    title_suffixes: tuple[str, ...] = ()          # German compounds: "Bundesgesundheitsminister"
    pro_drop: bool = False
    according_before: str | None = None           # German "Dem Bericht zufolge"
    so_after: bool = False                        # German ", so der Minister"
    inverted_pronoun: str | None = None           # French "a-t-il déclaré", "affirme-t-elle"


_WEEKDAYS = {
    "es": "lunes martes miércoles jueves viernes sábado domingo",
    "pt": "segunda terça quarta quinta sexta sábado domingo segunda-feira terça-feira quarta-feira quinta-feira "
          "sexta-feira",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "de": "montag dienstag mittwoch donnerstag freitag samstag sonntag sonnabend",
    "it": "lunedì martedì mercoledì giovedì venerdì sabato domenica",
}
_MONTHS = {
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "januar februar märz april mai juni juli august september oktober november dezember",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
}

SPANISH = Lexicon(
    "es",
    verbs=_words("""dijo dice dicen dijeron decía afirmó afirma afirman afirmaron afirmaba aseguró asegura aseguran
        aseguraron declaró declara declaran declararon explicó explica explican explicaron señaló señala señalan
        señalaron indicó indica indican indicaron añadió añade agregó agrega sostuvo sostiene sostienen manifestó
        advirtió advierte advierten subrayó subraya destacó recalcó remarcó apuntó recordó insistió insiste admitió
        reconoció reconoce comentó precisó aclaró denunció criticó opinó considera consideró estimó sentenció
        expresó anunció anuncia informó informa confirmó confirma negó niega alertó respondió replicó contestó
        concluyó prometió escribió tuiteó detalló enfatizó reiteró reafirmó reafirma aseveró argumentó planteó puntualizó
        dicho afirmado asegurado declarado explicado señalado indicado añadido agregado advertido subrayado
        destacado reconocido insistido manifestado anunciado informado confirmado negado denunciado"""),
    according=r"(?:^\s*[Pp]ara\s+(?=el\b|la\b|los\b|las\b|[A-ZÁÉÍÓÚÑ])|\b(?:seg[uú]n|de\s+acuerdo\s+con|conforme\s+a|a\s+juicio\s+de|en\s+palabras\s+de|a\s+decir\s+de)\s+)",
    pronouns={"él": "person", "ella": "person", "ellos": "any", "ellas": "any", "usted": "person"},
    articles=_words("el la los las lo un una unos unas del al"),
    titles=_words("""presidente presidenta vicepresidente vicepresidenta expresidente expresidenta ministro ministra
        exministro exministra secretario secretaria portavoz vocero vocera director directora diputado diputada
        senador senadora alcalde alcaldesa gobernador gobernadora canciller jefe jefa líder rey reina papa general
        juez jueza fiscal sr sra srta señor señora don doña dr dra doctor doctora profesor profesora primer primera
        economista analista experto experta consejero consejera titular mandatario mandataria delegado delegada
        presidente del comisario comisaria coordinador coordinadora investigador investigadora abogado abogada
        candidato candidata dirigente responsable concejal concejala"""),
    auxiliaries=_words("ha han había habían habría hubiera"),
    intros=_words("""ayer hoy anoche además también luego después antes entonces mientras en durante tras
        pasado sin embargo asimismo por su parte al finalmente posteriormente previamente así no ya"""),
    stops=_words("que en a ante durante con sobre para tras desde este esta hoy ayer anoche por"),
    org_words=_words("""gobierno ministerio policía ejército partido agencia organización comisión consejo tribunal
        fiscalía empresa compañía banco universidad instituto asociación sindicato federación ayuntamiento
        congreso senado parlamento casa ejecutivo oposición unión naciones oms onu otan ue portavoces autoridades
        expertos analistas fuentes investigadores informe estudio encuesta datos comunicado"""),
    impersonal=_words("se"),
    conjunctions=_words("y e pero aunque pues sino o"),
    pro_drop=True,
)

PORTUGUESE = Lexicon(
    "pt",
    verbs=_words("""disse diz dizem disseram dizia afirmou afirma afirmam afirmaram declarou declara declararam
        explicou explica explicaram assegurou garantiu garante garantem ressaltou destacou destaca salientou
        sublinhou acrescentou completou observou argumentou defendeu alertou advertiu avaliou avalia ponderou
        comentou informou informa anunciou anuncia confirmou confirma negou nega admitiu reconheceu criticou
        escreveu respondeu insistiu prometeu lembrou apontou frisou reiterou reafirmou reafirma enfatizou considerou opinou afirmara
        declarara disseram relatou contou"""),
    according=r"(?:^\s*[Pp]ara\s+(?=o\b|a\b|os\b|as\b|[A-ZÁÉÍÓÚÂÊÔÃÕ])|\b(?:segundo|de\s+acordo\s+com|conforme|na\s+opini[aã]o\s+de|nas\s+palavras\s+de)\s+)",
    pronouns={"ele": "person", "ela": "person", "eles": "any", "elas": "any"},
    articles=_words("o a os as um uma uns umas do da dos das ao"),
    titles=_words("""presidente presidenta vice-presidente ex-presidente ministro ministra ex-ministro ex-ministra
        secretário secretária porta-voz diretor diretora deputado deputada senador senadora prefeito prefeita
        governador governadora chanceler chefe líder rei rainha papa general juiz juíza procurador procuradora
        sr sra senhor senhora dr dra doutor doutora professor professora primeiro-ministro primeira-ministra
        economista analista especialista conselheiro conselheira coordenador coordenadora pesquisador
        pesquisadora advogado advogada candidato candidata dirigente vereador vereadora comissário comissária"""),
    auxiliaries=_words("tem têm tinha havia teria"),
    intros=_words("""ontem hoje além também depois antes então enquanto em durante após neste nesta no na nos nas
        porém contudo assim já ainda por sua vez finalmente"""),
    stops=_words("que em a ao à durante com sobre para após desde neste nesta hoje ontem por no na"),
    org_words=_words("""governo ministério polícia exército partido agência organização comissão conselho tribunal
        empresa companhia banco universidade instituto associação sindicato federação prefeitura congresso senado
        parlamento câmara planalto executivo oposição união nações oms onu otan ue autoridades especialistas
        analistas fontes pesquisadores relatório estudo pesquisa dados nota"""),
    impersonal=_words("se"),
    conjunctions=_words("e mas porém embora pois ou"),
    pro_drop=True,
)

FRENCH = Lexicon(
    "fr",
    verbs=_words("""dit disent disait déclare déclaré déclarent déclarait déclara affirme affirmé affirment affirmait
        affirma assure assuré assurent ajoute ajouté explique expliqué expliquent souligne souligné soulignent
        estime estimé estiment indique indiqué précise précisé insiste insisté rappelle rappelé martèle martelé
        avertit averti prévient prévenu reconnaît reconnu admet admis annonce annoncé confie confié déplore
        déploré dénonce dénoncé juge jugé soutient soutenu lance lancé répond répondu réagi commente commenté
        écrit tweeté confirme confirmé promet promis observe observé note noté poursuit poursuivi conclut conclu
        répète répété réaffirme réaffirmé réitère réitéré insistait expliquait martelait prévenait assurait estimait"""),
    according=r"(?:\b[Ss]elon|\b[Dd]['\u2019]apr[eè]s|\b[Dd]e\s+l['\u2019]avis\s+(?:de|du|des)|\b[Aa]ux\s+yeux\s+(?:de|du|des)|"
              r"^\s*Pour)\s+",
    pronouns={"il": "person", "elle": "person", "ils": "any", "elles": "any", "lui": "person", "eux": "any"},
    articles=_words("le la les l' un une des du au aux l"),
    titles=_words("""président présidente vice-président ex-président ancien ancienne ministre secrétaire porte-parole
        directeur directrice député députée sénateur sénatrice maire gouverneur chancelier chancelière chef cheffe
        dirigeant dirigeante roi reine pape général juge procureur procureure m mme mlle me mgr dr pr docteur
        professeur premier première économiste analyste expert experte conseiller conseillère commissaire
        coordinateur avocat avocate candidat candidate responsable patron patronne délégué déléguée monsieur
        madame"""),
    auxiliaries=_words("a ont avait avaient aurait auraient"),
    intros=_words("""hier aujourd'hui aussi également ensuite puis avant après alors pendant lors dans en à au
        cependant toutefois ainsi enfin déjà lundi mardi mercredi jeudi vendredi samedi dimanche"""),
    stops=_words("que qu qu' à au aux en dans lors pendant sur pour avec devant après avant ce cette mardi lundi"),
    org_words=_words("""gouvernement ministère police armée parti agence organisation commission conseil tribunal
        parquet entreprise société banque université institut association syndicat fédération mairie assemblée
        sénat parlement élysée matignon kremlin exécutif opposition union nations oms onu otan ue autorités
        experts analystes sources chercheurs rapport étude sondage données communiqué"""),
    impersonal=_words("on"),
    conjunctions=_words("et mais or donc car ou"),
    inverted_pronoun=r"(?:\b(?:a|ont|avait|avaient)-t-|-t-|-)(il|elle|ils|elles)\b",
)

GERMAN = Lexicon(
    "de",
    verbs=_words("""sagte sagt sagten sagen erklärte erklärt erklärten betonte betont betonten meinte meint meinten
        fügte ergänzte ergänzt warnte warnt warnten kritisierte kritisiert forderte fordert forderten behauptete
        behauptet versicherte versichert unterstrich räumte bekräftigte bekräftigt hob teilte berichtete berichtet
        schrieb schreibt bestätigte bestätigt verkündete kündigte antwortete entgegnete argumentierte gab
        erläuterte erläutert sprach stellte machte zeigte mahnte mahnt appellierte bekannte
        gesagt betont gewarnt gefordert behauptet versichert unterstrichen angekündigt mitgeteilt geschrieben
        erläutert bekräftigt"""),
    according=r"\b(?:[Ll]aut|[Nn]ach\s+(?:Angaben|Aussage|Ansicht|Einschätzung|Worten)\s+(?:von|des|der))\s+"
              r"(?=[A-ZÄÖÜ]|der\b|dem\b|den\b|des\b|einem\b|einer\b|eines\b)",
    pronouns={"er": "person", "sie": "any", "ihr": "any"},
    articles=_words("der die das den dem des ein eine einer einem eines"),
    titles=_words("""präsident präsidentin bundespräsident bundespräsidentin kanzler kanzlerin bundeskanzler
        bundeskanzlerin minister ministerin ministerpräsident ministerpräsidentin sprecher sprecherin
        regierungssprecher regierungssprecherin direktor direktorin chef chefin vorsitzende vorsitzender
        abgeordnete abgeordneter bürgermeister bürgermeisterin oberbürgermeister oberbürgermeisterin
        staatssekretär staatssekretärin richter richterin staatsanwalt staatsanwältin herr frau dr prof professor
        professorin experte expertin ökonom ökonomin botschafter botschafterin senator senatorin generalsekretär
        generalsekretärin kandidat kandidatin leiter leiterin anwalt anwältin papst könig königin general
        landrat landrätin"""),
    auxiliaries=_words("hat haben hatte hatten habe"),
    intros=_words("""am im in an auf bei nach vor während gestern heute zudem außerdem auch dazu danach später zuvor
        dabei deshalb darum daher dann jedoch allerdings trotzdem so zum zur vom beim bereits nun"""),
    stops=_words("am im in an auf bei nach vor während gestern heute dass zum zur vom beim mit gegenüber über"),
    org_words=_words("""regierung bundesregierung ministerium polizei armee bundeswehr partei agentur organisation
        kommission rat gericht staatsanwaltschaft unternehmen firma konzern bank universität institut verband
        gewerkschaft stadt bundestag bundesrat parlament kreml weiße opposition union nationen who uno nato eu
        behörden behörde experten fachleute analysten quellen forscher bericht studie umfrage daten mitteilung"""),
    impersonal=_words("man es"),
    conjunctions=_words("und aber doch denn oder sondern"),
    title_suffixes=("präsidentin", "präsident", "kanzlerin", "kanzler", "ministerin", "minister", "sprecherin",
                    "sprecher", "chefin", "chef", "vorsitzende", "vorsitzender", "meisterin", "meister",
                    "direktorin", "direktor", "leiterin", "leiter", "sekretärin", "sekretär"),
    according_before=r"\bzufolge\b",
    so_after=True,
)

ITALIAN = Lexicon(
    "it",
    verbs=_words("""detto dichiarato affermato spiegato sottolineato aggiunto ribadito assicurato precisato commentato
        annunciato osservato evidenziato ammesso scritto avvertito denunciato confermato replicato risposto
        dice dicono disse afferma affermano dichiara dichiarano spiega sottolinea aggiunge ribadisce assicura
        precisa commenta annuncia osserva avverte sostiene conferma replica risponde"""),
    according=r"\b(?:[Ss]econdo|[Ss]tando\s+a|[Aa]\s+detta\s+di|[Ss]tando\s+alle\s+parole\s+di)\s+",
    pronouns={"lui": "person", "lei": "person", "egli": "person", "ella": "person", "loro": "any"},
    articles=_words("il lo la i gli le l' un uno una del della dei degli delle al alla"),
    titles=_words("""presidente premier ministro ministra sindaco sindaca portavoce segretario segretaria direttore
        direttrice deputato deputata senatore senatrice governatore governatrice capo leader re regina papa generale
        giudice procuratore sig sigra signor signora dott dottor dottoressa prof professore professoressa on
        onorevole economista analista esperto esperta consigliere avvocato avvocata candidato candidata"""),
    auxiliaries=_words("ha hanno aveva avevano avrebbe"),
    intros=_words("""ieri oggi inoltre anche poi dopo prima allora durante in nel nella a al alla tuttavia però
        infine già"""),
    stops=_words("che in a al alla durante con su per dopo prima oggi ieri nel nella davanti"),
    org_words=_words("""governo ministero polizia esercito partito agenzia organizzazione commissione consiglio
        tribunale procura azienda società banca università istituto associazione sindacato federazione comune
        camera senato parlamento palazzo opposizione unione nazioni oms onu nato ue autorità esperti analisti
        fonti ricercatori rapporto studio sondaggio dati nota"""),
    impersonal=_words("si"),
    conjunctions=_words("e ma però oppure o"),
    pro_drop=True,
)

LANGUAGES: dict[str, Lexicon] = {lex.code: lex for lex in (SPANISH, PORTUGUESE, FRENCH, GERMAN, ITALIAN)}


def lexicon(lang: str | None) -> Lexicon | None:
    """The attribution lexicon of a language (ISO 639-1), or None when there are no rules for it."""
    return LANGUAGES.get((lang or "").lower())


# ---------------------------------------------------------------------------------------------------
# Reading subjects
# ---------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W\d_][\w'\u2019.-]*|\d[\w.-]*")
_OPEN_MARKS = "\"\u201c\u201e\u00ab\u00bb"
_CLOSE_MARKS = "\"\u201d\u201c\u00bb\u00ab"
_ELIDED = re.compile(r"^(?:[lLdD]|dell|all|nell|dall)['\u2019](?=\w)")
_ORG_ENDINGS = ("amt", "ministerium", "institut", "behörde", "gericht", "verband", "partei", "regierung")
_HONORIFICS = frozenset("""m mme mlle me monsieur madame sr sra srta señor señora don doña dr dra senhor senhora
    herr frau dr prof sig sigra signor signora dott""".split())
_CONNECTORS = frozenset("de del da das do dos di della van von der den zu y e la le du des al bin ibn".split())
_ABBREV_STOP = re.compile(r"(?:\b(?:[A-Z]|M|Mme|Mlle|Me|Sr|Sra|Srta|Dr|Dra|Prof|Hr|Fr|Sig|Dott|St)\.)$")


def _is_cap(token: str) -> bool:
    return bool(token) and token[0].isupper()


def _low(token: str) -> str:
    return token.casefold().rstrip(".,;:").replace("\u2019", "'")


@dataclass(frozen=True)
class _Cues:
    lex: Lexicon
    verb: re.Pattern[str]
    according: re.Pattern[str]
    according_before: re.Pattern[str] | None
    inverted: re.Pattern[str] | None
    weekdays: frozenset[str]
    months: frozenset[str]
    calendar: frozenset[str]


def _compile(lex: Lexicon) -> _Cues:
    verbs = sorted(lex.verbs, key=len, reverse=True)
    verb = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(v) for v in verbs) + r")(?![\w-])", re.IGNORECASE)
    flags = 0 if lex.code == "de" else re.IGNORECASE      # German's lookahead wants a capital
    return _Cues(lex, verb, re.compile(lex.according, flags), re.compile(lex.according_before) if lex.according_before
                 else None, re.compile(lex.inverted_pronoun) if lex.inverted_pronoun else None,
                 _words(_WEEKDAYS.get(lex.code, "")), _words(_MONTHS.get(lex.code, "")),
                 _words(_WEEKDAYS.get(lex.code, "") + " " + _MONTHS.get(lex.code, "")))


@lru_cache(maxsize=8192)
def _is_title(word: str, lex: Lexicon) -> bool:
    low = _low(word)
    return low in lex.titles or any(low.endswith(s) for s in lex.title_suffixes)


def title_key(word: str, lex: Lexicon) -> str:
    """One key for a title's forms: "ministra" and "ministro", "Kanzlerin" and "Bundeskanzler", "présidente"."""
    low = _low(word)
    for suffix in lex.title_suffixes:
        if low.endswith(suffix):
            low = suffix
            break
    if lex.code in ("es", "pt", "it"):
        return low[:-1] if len(low) > 4 and low[-1] in "aoe" else low
    if lex.code == "fr":
        return low[:-1] if len(low) > 4 and low.endswith("e") and not low.endswith("re") else low.removesuffix("e")
    if lex.code == "de":
        return low[:-2] if low.endswith("in") and len(low) > 6 else low
    return low


def _clause_end(text: str) -> int:
    """Where the clause at the start of ``text`` ends: the first . ! ? ; that is not an abbreviation's stop."""
    for m in re.finditer(r"[.!?;](?=\s|$)", text):
        if m.group() == "." and _ABBREV_STOP.search(text[:m.end()]):
            continue
        return m.start()
    return len(text)


class LanguageRules:
    """The attribution rules of one language, with the calls the extractor's rule loop makes."""

    def __init__(self, lex: Lexicon) -> None:
        self.lex = lex
        self.cues = _compile(lex)

    # -- subjects -----------------------------------------------------------------------------------------

    def _strip_tail(self, pre: str) -> str:
        """Auxiliaries, adverbs, time words and negation at the end of the words before a verb."""
        lex = self.lex
        extra = {"no", "não", "ne", "n'", "nicht", "non", "ya", "já", "déjà", "bereits", "auch", "also", "même",
                 "ainsi", "também", "también", "anche", "lui", "selbst"}
        while True:
            m = re.search(r"(\S+)\s*$", pre)
            if not m:
                return pre
            word = _low(m.group(1))
            if word in self.cues.weekdays and not _is_cap(m.group(1)) or word in self.cues.weekdays and lex.code == "de":
                pre = re.sub(r"(?:\s(?:am|an|este|esta|el|le|ce|neste|nesta|no|na|lo|il|on|pasado|dernier))*\s*$", "",
                             pre[:m.start()], flags=re.IGNORECASE)
                continue
            before = pre[:m.start()].split()[-1:]
            adverb = word.endswith("mente") or word.endswith("ment") and lex.code == "fr"
            if adverb and (word in lex.org_words or (before and _low(before[0]) in lex.articles)):
                adverb = False                  # "le gouvernement", "el parlamento"
            if (word in lex.auxiliaries or word in extra or adverb) and not _is_cap(
                    m.group(1)) or (word in ("gestern", "heute", "ayer", "hoy", "hier", "ontem", "hoje", "ieri", "oggi")):
                pre = pre[:m.start()]
                continue
            return pre

    def _name_like(self, phrase: str) -> bool:
        toks = phrase.split()
        return 1 <= len(toks) <= 6 and _is_cap(toks[0]) and all(
            _is_cap(t) or _low(t) in _CONNECTORS for t in toks) and _low(toks[0]) not in self.lex.articles \
            and not _is_title(toks[0], self.lex)

    def _subject_phrase(self, clause: str) -> str | None:
        """A whole clause-opening phrase as a subject ("El Gobierno español", "la ministra de Economía", "Merkel")."""
        lex = self.lex
        toks = clause.split()
        while toks and _low(toks[0]) in lex.conjunctions:
            toks = toks[1:]
        if not toks or len(toks) > 9:
            return None
        first = _low(toks[0])
        if len(toks) == 1 and first in lex.pronouns:
            return toks[0]
        if toks[-1].casefold() in lex.pronouns and len(toks) <= 2:
            return toks[-1]
        if first in lex.intros or first in lex.impersonal or first in ("que", "qu'", "was", "wie", "che", "como",
                                                                       "comme", "come", "ce") or (
                len(toks) > 1 and _low(toks[1]) in ("que", "qu'", "che")):
            return None                     # "lo que dijo", "o que disse", "ce que dit"
        if first in lex.articles or _is_cap(toks[0]) or _is_title(toks[0], lex):
            return " ".join(toks)
        return None

    def subject_before(self, pre: str) -> str | None:
        """The speaker phrase ending the words before a cue verb, None when there is none (the caller then reads
        after the verb)."""
        lex = self.lex
        pre = self._strip_tail(pre).rstrip()
        # only the current clause: after a sentence end, a colon, a dash, a quotation
        cut = max(pre.rfind(c) for c in ";:\u2014\u2013_" + _OPEN_MARKS + _CLOSE_MARKS)
        clause = pre[cut + 1:] if cut >= 0 else pre
        if clause.rstrip().endswith(","):
            parts = [p.strip() for p in clause.rstrip().rstrip(",").split(",")]
            if len(parts) >= 2:
                last, prev = parts[-1], parts[-2]
                ptoks = prev.split()
                while ptoks and _low(ptoks[0]) in lex.conjunctions:
                    ptoks = ptoks[1:]           # "..., et le ministre du Commerce, Renaud Dutreil, a estimé"
                if self._name_like(last) and ptoks and (_low(ptoks[0]) in lex.articles or
                                                        _is_title(ptoks[-1], lex) or _is_title(ptoks[0], lex)):
                    return last                   # "El ministro de Economía, Luis Caputo, dijo"
                words = last.split()
                if words and (not _is_cap(words[0]) or _low(words[0]) in lex.articles or _is_title(words[0], lex)) and (
                        _is_title(words[0], lex) or _low(words[0]) in lex.articles
                        or _low(words[0]) in ("que", "qui", "der", "die", "che", "quien", "quem", "who")):
                    subject = self._subject_phrase(prev)   # "Luis Caputo, ministro de Economía, dijo"
                    if subject:
                        return subject
            return None
        if "," in clause:
            clause = clause.rsplit(",", 1)[1]
        toks = clause.split()
        if toks and _low(toks[-1]) in lex.impersonal:
            return None
        return self._subject_phrase(clause)

    def subject_after(self, post: str) -> str | None:
        """The speaker phrase right after a cue verb ("dijo el ministro", "sagte Merkel", "a affirmé M. Macron")."""
        lex = self.lex
        text = post.lstrip(" ,")
        text = text[:_clause_end(text)]
        toks = text.split()
        i = 0
        # time words between verb and subject: "dijo este lunes el ministro", "sagte am Montag der Minister"
        while i < len(toks) and i < 4 and (_low(toks[i]) in self.cues.weekdays or _low(toks[i]) in (
                "este", "esta", "ce", "cette", "neste", "nesta", "hoy", "ayer", "hier", "ontem", "hoje", "ieri",
                "oggi", "heute", "gestern", "am", "el", "pasado", "dernier", "passado", "scorso")
                and i + 1 < len(toks) and (_low(toks[i + 1]) in self.cues.weekdays or _low(toks[i + 1]) in (
                    "pasado", "dernier", "passado", "scorso", "lunes", "martes") or _low(toks[i]) in (
                    "hoy", "ayer", "hier", "ontem", "hoje", "ieri", "oggi", "heute", "gestern"))):
            i += 1
            while i < len(toks) and (_low(toks[i]) in self.cues.weekdays or _low(toks[i]) in (
                    "pasado", "dernier", "passado", "scorso")):
                i += 1
        out: list[str] = []
        for tok in toks[i:i + 10]:
            word = tok.strip("\"\u201c\u201d\u201e\u00ab\u00bb()")
            low = _low(word)
            if not out and low in lex.pronouns:
                return word.rstrip(".,;:")
            if out and (low in lex.stops or low in lex.verbs) and not (low in _CONNECTORS):
                break
            if not out and not (low in lex.articles or _is_cap(word) or _is_title(word, lex)):
                return None
            out.append(word.rstrip(",;:") if not _ABBREV_STOP.search(word) else word)
            if tok.endswith((",", ";", ":")) or (tok.endswith(".") and not _ABBREV_STOP.search(tok)):
                break
        phrase = " ".join(out).strip(" .")
        if not phrase:
            return None
        content = [t for t in out if _low(t) not in lex.articles]
        if not any(_is_cap(t) for t in out) or (content and _is_title(content[0], lex) and not _is_cap(content[0])):
            # "dijo el ministro de Economía, Luis Caputo": the name after the comma (a title's own capitals, as in
            # "la ministra de Economía" or "le ministre de la Santé", name a ministry, not the speaker)
            # the tokens kept their comma ("Economía,"): the name follows the last one taken
            rest = text[len(" ".join(toks[:i + len(out)])):] if out and toks[i + len(out) - 1].endswith(",") else ""
            m = re.match(r"\s*((?:[A-ZÀ-ÞĀ-Ž][\w'\u2019.-]*\s*){1,4})(?:[,.]|$)", rest)
            if m and self._name_like(m.group(1).strip()):
                return m.group(1).strip()
        return phrase

    # -- one sentence ------------------------------------------------------------------------------------

    def _according(self, masked: str) -> str | None:
        m = self.cues.according.search(masked)
        if m:
            found = self._according_phrase(masked[m.end():])
            if found:
                return found
        if self.cues.according_before:
            m = self.cues.according_before.search(masked)
            if m:
                head = masked[:m.start()]
                cut = max(head.rfind(","), head.rfind(";"), head.rfind(". "))
                phrase = head[cut + 1:].strip()
                phrase = re.sub(r"^(?:[Nn]ach\s+)?(?:[Aa]ngaben|Informationen|Worten)\s+", "", phrase)
                toks = phrase.split()
                if 1 <= len(toks) <= 7:
                    return phrase
        if self.lex.so_after:
            m = re.search(r"(?:,|[\u201c\u201d\u00ab\u00bb\"_])\s*so\s+(?=[A-ZÄÖÜ]|der\b|die\b|das\b|ein)", masked)
            if m:
                return self._according_phrase(masked[m.end():])
        return None

    def _according_phrase(self, text: str) -> str | None:
        m = re.match(r"[^,;:!?\"\u201c\u201d\u201e\u00ab\u00bb()]{1,80}", text)
        if not m:
            return None
        phrase = m.group()
        end = _clause_end(phrase)
        phrase = _ELIDED.sub("", phrase[:end].strip())
        toks = phrase.split()
        if not toks:
            return None
        low = _low(toks[0])
        if low in self.lex.pronouns:
            return toks[0]
        if self.lex.code == "de":
            # "Laut dem Statistischen Bundesamt stieg ...": the source ends where the verb begins
            for k, t in enumerate(toks):
                if k and not _is_cap(t) and _low(t) not in self.lex.articles and _low(t) not in _CONNECTORS \
                        and any(_is_cap(x) for x in toks[:k]):
                    toks = toks[:k]
                    break
        if len(toks) > 8 or not (low in self.lex.articles or _is_cap(toks[0]) or _is_title(toks[0], self.lex)
                                 or low in ("los", "las", "os", "as", "les", "die")):
            return None
        # cut at a verb or "que": "según el ministro, que ..." / "selon le ministre qui"
        for k, t in enumerate(toks):
            if k and (_low(t) in ("que", "qui", "quien", "der", "die", "che", "dass") or _low(t) in self.lex.verbs):
                toks = toks[:k]
                break
        return " ".join(toks)

    def _french_inversion(self, masked: str) -> str | None:
        if not self.cues.inverted:
            return None
        for m in self.cues.inverted.finditer(masked):
            before = masked[:m.start()]
            word = re.search(r"([\w\u00c0-\u017f']+)$", before)
            after = re.match(r"\s+([\w\u00c0-\u017f']+)", masked[m.end():])
            if word and (_low(word.group(1)) in self.lex.verbs or (
                    _low(word.group(1)) in self.lex.auxiliaries and after and _low(after.group(1)) in self.lex.verbs)):
                return m.group(1)
        return None

    def _verb_subject(self, masked: str, v: re.Match[str]) -> str | None:
        lex = self.lex
        pre, post = masked[:v.start()], masked[v.end():]
        subject = self.subject_before(pre)
        if subject is not None:
            return subject
        stripped = self._strip_tail(pre).rstrip()
        cut = max(stripped.rfind(c) for c in ".;:!?\u2014\u2013_" + _OPEN_MARKS + _CLOSE_MARKS + ",")
        clause = stripped[cut + 1:].strip() if cut >= 0 else stripped.strip()
        toks = clause.split()
        if toks and _low(toks[-1]) in lex.impersonal:
            return None
        inverted = not toks or _low(toks[0]) in lex.intros or _low(toks[0]) in lex.conjunctions or (
            lex.code == "de" and not _is_cap(toks[0])) or _low(toks[-1]) in ("que", "qu'", "was", "wie", "che",
                                                                             "como", "comme", "come", "ce")
        if not inverted:
            return None
        after = self.subject_after(post)
        if after:
            return after
        if lex.pro_drop and (not toks or all(_low(t) in lex.intros or _low(t) in lex.conjunctions for t in toks)) \
                and re.match(r"\s*(?:que\b|:|,|$|\S+\s+que\b|a\s|ao\s|à\s)", post):
            return PRO
        return None

    def reported_speaker(self, sentence: str, quotes: Sequence[tuple[int, int]] = ()) -> str | None:
        """Speaker phrase of reported speech in one sentence (quotations masked), None for the outlet's own."""
        masked = _mask(sentence, quotes)
        found = self._according(masked) or self._french_inversion(masked)
        if found:
            return found
        for v in self.cues.verb.finditer(masked):
            found = self._verb_subject(masked, v)
            if found:
                return found
        return None

    # -- quotations -----------------------------------------------------------------------------------------

    def quote_speaker(self, paragraph: str, span: tuple[int, int]) -> str | None:
        """Speaker phrase of one quotation: the words after it ('», dijo X', '“, sagte er'), else before it."""
        s, e = span
        after = paragraph[e:e + 400]
        nxt = re.search("[\"\u201c\u201e\u00ab]", after) if paragraph[s:s + 1] != "\u00bb" else re.search(
            "[\u00bb]", after)
        clause = after[:nxt.start()] if nxt else after
        if re.match(r"[\s,.\u2014\u2013-]*\S", clause):
            found = self._attribution_after(clause)
            if found:
                return found
        before = paragraph[max(0, s - 400):s]
        prev_close = max(before.rfind(c) for c in "\"\u201d\u00bb\u201c\u00ab")
        before = before[prev_close + 1:] if prev_close >= 0 else before
        if before.strip():
            return self._attribution_before(before)
        return None

    def _attribution_after(self, text: str) -> str | None:
        m = re.match(r"[\s,.\u2014\u2013-]*", text)
        rest = text[m.end():] if m else text
        if rest[:1].isupper() and not self.cues.verb.match(rest) and not self.cues.according.match(rest):
            return None                 # a new sentence begins
        clause = rest[:_clause_end(rest)][:200]
        inv = self._french_inversion(clause[:40])
        if inv:
            return inv
        acc = self.cues.according.match(clause)
        if acc:
            return self._according_phrase(clause[acc.end():])
        if self.lex.so_after:
            so = re.match(r"so\s+", clause)
            if so:
                return self._according_phrase(clause[so.end():])
        v = self.cues.verb.search(clause)
        if not v:
            return None
        before = self._strip_tail(clause[:v.start()]).strip(" ,")
        if before:
            subject = self._subject_phrase(before) if len(before) <= 80 else None
            return subject
        found = self.subject_after(clause[v.end():])
        if found:
            return found
        return PRO if self.lex.pro_drop else None

    def _attribution_before(self, text: str) -> str | None:
        tail = text[-260:]
        end = max(tail.rfind(". "), tail.rfind("? "), tail.rfind("! "))
        if end >= 0 and not _ABBREV_STOP.search(tail[:end + 1]):
            tail = tail[end + 2:]
        verbs = list(self.cues.verb.finditer(tail))
        if verbs:
            v = verbs[-1]
            between = tail[v.end():]
            if len(between) <= 80:
                found = self._verb_subject(tail, v)
                if found:
                    return found
        acc = list(self.cues.according.finditer(tail))
        if acc:
            return self._according_phrase(tail[acc[-1].end():])
        return None

    def quote_spans(self, body: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Quotations of a paragraph, with a Spanish or Portuguese dialogue line ("—Vamos a ganar —dijo el ministro—.")
        counted as one up to the narrator's dash."""
        if self.lex.code in ("es", "pt", "it") and body[:1] in "\u2014\u2013" and not spans:
            m = re.search(r"\s[\u2014\u2013]", body[1:])
            return [(0, m.start() + 1 if m else len(body))]
        return spans

    # -- resolving ------------------------------------------------------------------------------------------

    def resolve(self, phrase: str | None, registry: LanguageRegistry, last_person: str | None,
                last_speaker: tuple[str, str] | None, publisher: str | None) -> tuple[str | None, str]:
        """A raw phrase -> (normalised speaker, kind)."""
        lex = self.lex
        if not phrase:
            return None, "person"
        low = phrase.casefold().strip()
        if phrase == PRO:
            low, kind = "\x00", "person"
        else:
            kind = lex.pronouns.get(low, "")
        if phrase == PRO or kind:
            if kind == "person" or last_speaker is None:
                return (last_person, "person") if last_person else (None, "person")
            return last_speaker
        shown = normalise_name(phrase).split()
        toks = [_ELIDED.sub("", t) for t in shown]   # read "de l’Économie" as "de Économie", shown as written
        while toks and _low(toks[0]) in lex.articles:
            toks, shown = toks[1:], shown[1:]
        if not toks:
            return None, "person"
        name, title = self._strip_titles(toks)
        if name:
            cleaned = " ".join(name)
            kind = self.kind_of(cleaned, publisher)
            if kind == "person":
                cleaned = registry.resolve(cleaned)
            return cleaned, kind
        if title is not None:
            # "la ministra de Economía" is the person introduced with that title and department, not any minister
            after = toks[next(i for i, t in enumerate(toks) if t == title) + 1:]
            complement = next((_low(t) for t in after if _is_cap(t)), None)
            named = registry.by_title(title_key(title, lex), complement)
            if named:
                return named, "person"
        head = next((_low(t) for t in toks if _low(t) not in ("ex", "ex-", "ancien", "ancienne", "former")), "")
        if not any(_is_cap(t) for t in toks) and (title is not None or head in _PERSON_NOUNS.get(lex.code, ())):
            # "el funcionario", "el ex diputado nacional", "la ministra" with nobody introduced by that title:
            # the person the article is about, named last
            return (last_person, "person") if last_person else (" ".join(shown), "person")
        cleaned = " ".join(shown)
        if title is not None:
            return cleaned, "person"            # "ministre de l'Économie": a title names a person, whatever follows
        kind = self.kind_of(cleaned, publisher)
        return cleaned, kind if kind != "person" or any(_is_cap(t) for t in toks) else "organisation"

    def _strip_titles(self, toks: list[str]) -> tuple[list[str], str | None]:
        """("el presidente", "Pedro Sánchez") out of "presidente Pedro Sánchez": the name (capitalised words after
        the last title) and that title; an empty name when no capitalised word follows a title."""
        lex = self.lex
        last_title, title = -1, None
        for i, tok in enumerate(toks):
            if title is not None and _low(title) in _HONORIFICS and i == last_title + 1 and _is_cap(tok) or (
                    i == last_title + 2 and title is not None and _low(title) in _HONORIFICS
                    and _low(toks[i - 1]) in _CONNECTORS):
                break                           # "M. Le Maire", "Herr Richter": a name after an honorific
            if _is_title(tok, lex) and not (i > 0 and _is_cap(tok) and _is_cap(toks[i - 1])
                                            and not _is_title(toks[i - 1], lex)):
                last_title, title = i, tok      # not "Maire" in "Bruno Le Maire": a name's own word
        rest = toks[last_title + 1:]
        if title is not None and _low(title) in _HONORIFICS and rest and all(
                _is_cap(t) or _low(t) in _CONNECTORS for t in rest):
            return rest, title
        # "la ministra de Economía Nadia Calviño": a complement of the title before the name
        complement = False
        while rest and (_low(rest[0]) in _CONNECTORS or _low(rest[0]) in lex.articles) and last_title >= 0:
            rest, complement = rest[1:], True
            if rest and _is_cap(rest[0]) and len(rest) > 2 and (_low(rest[0]) in lex.org_words
                                                                 or _low(rest[0]) in _DEPARTMENTS):
                rest = rest[1:]
        if complement and len(rest) == 1:
            return [], title                    # "la ministra de Economía", "le président de la République"
        if rest and all(_is_cap(t) or _low(t) in _CONNECTORS for t in rest):
            return rest, title
        if last_title < 0 and all(_is_cap(t) or _low(t) in _CONNECTORS for t in toks):
            return toks, None
        return [], title

    def kind_of(self, name: str, publisher: str | None) -> str:
        """person, organisation or outlet."""
        if publisher and name.casefold() == publisher.casefold():
            return "outlet"
        toks = name.split()
        lows = [_low(t) for t in toks]
        if any(t in self.lex.org_words for t in lows) or any(t.endswith(_ORG_ENDINGS) for t in lows) or any(
                len(t) >= 2 and t.replace(".", "").isupper() and t.replace(".", "").isalpha() for t in toks):
            return "organisation"
        if len(lows) == 1 and lows[0] in COUNTRIES:
            return "organisation"
        if not any(_is_cap(t) for t in toks):
            return "organisation"
        return "person"

    def leading_person(self, sentence: str, registry: LanguageRegistry) -> str | None:
        """The first registered person named in a sentence's opening words becomes the referent of a pronoun."""
        for m in _NAME_RUN.finditer(" ".join(sentence.split()[:10])):
            toks = [t.strip(".,;:") for t in m.group().split()]
            for size in (3, 2, 1):
                for i in range(0, max(0, len(toks) - size) + 1):
                    name = " ".join(toks[i:i + size])
                    if name:
                        full = registry.resolve(name)
                        if registry.is_person(full):
                            return full
        return None


def _mask(text: str, quotes: Sequence[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in quotes:
        for i in range(max(0, s), min(len(chars), e)):
            chars[i] = "_" if not chars[i].isspace() else " "
    return "".join(chars)


# What follows "minister of" / "ministra de": a department, never the first word of a name.
_DEPARTMENTS = frozenset("""economía hacienda interior exteriores justicia sanidad defensa salud trabajo educación
cultura igualdad educação fazenda economia justiça saúde trabalho cultura défense santé justice intérieur finances
travail culture éducation économie economie agriculture gobierno governo gouvernement salute giustizia difesa esteri lavoro istruzione""".split())

# Nouns that refer back to a person already named without being a title of their own.
_PERSON_NOUNS = {
    "es": frozenset("""funcionario funcionaria integrante político política legislador legisladora exdiputado
        exdiputada exsenador exsenadora exfuncionario exfuncionaria empresario empresaria activista""".split()),
    "pt": frozenset("""funcionário funcionária integrante político política parlamentar legislador empresário
        empresária ativista""".split()),
    "fr": frozenset("""fonctionnaire élu élue homme femme politique parlementaire militant militante
        entrepreneur""".split()),
    "de": frozenset("""politiker politikerin abgeordnete beamte beamtin unternehmer unternehmerin
        aktivist aktivistin""".split()),
    "it": frozenset("""funzionario funzionaria politico politica parlamentare esponente imprenditore
        imprenditrice attivista""".split()),
}

_NAME_RUN = re.compile(r"[A-ZÀ-ÞĀ-Ž][\w'\u2019.-]*(?:\s+(?:(?:de|del|da|do|dos|das|di|van|von|der|la|le|du)\s+)?"
                       r"[A-ZÀ-ÞĀ-Ž][\w'\u2019.-]*)*")


@dataclass
class LanguageRegistry(NameRegistry):
    """People named in one article (>= 2 words, titles stripped), with the title that introduced each
    ("la ministra de Economía, Nadia Calviño" -> ministr: Nadia Calviño)."""

    rules: LanguageRules | None = field(default=None)
    # the department each titled person was introduced with ("ministro de Economía, X" -> X: "economía")
    complements: dict[str, str] = field(default_factory=dict)

    def scan(self, text: str) -> None:
        assert self.rules is not None
        lex = self.rules.lex
        for m in _NAME_RUN.finditer(text):
            toks = m.group().split()
            toks = [t.rstrip(".,;:") if not _ABBREV_STOP.search(t) else t for t in toks]
            title = complement = None
            if toks and _low(toks[0]) in _DEPARTMENTS and len(toks) > 2:
                complement, toks = _low(toks[0]), toks[1:]   # "(ministro de) Sanidad Juan Pérez"
            while toks and (_low(toks[0]) in lex.articles or _is_title(toks[0], lex) or _low(toks[0]) in lex.intros
                            or _low(toks[0]) in self._skip or _low(toks[0]) in lex.conjunctions
                            or _low(toks[0]) in lex.org_words or _low(toks[0]) in _CONNECTORS):
                if _is_title(toks[0], lex):
                    title = toks[0]
                toks = toks[1:]
            while toks and _low(toks[-1]) in _CONNECTORS:
                toks = toks[:-1]
            if len(toks) < 2 or len(toks) > 5 or any(_low(t) in self._skip or _low(t) in lex.org_words
                                                     or _is_title(t, lex) for t in toks):
                continue
            full = normalise_name(" ".join(toks))
            if self.rules.kind_of(full, None) != "person":
                continue
            if title is None:
                title, complement = self._title_before(text[max(0, m.start() - 60):m.start()], complement)
            self.counter += 1
            self.people.append((self.counter, full))
            self._by_last.setdefault(full.split()[-1].casefold(), []).append((self.counter, full))
            if title:
                key = title_key(title, lex)
                self.titles.setdefault(key, []).append((self.counter, full))
                if complement:
                    self.titles.setdefault(f"{key} {complement}", []).append((self.counter, full))
                    self.complements[full] = complement

    @property
    def _skip(self) -> frozenset[str]:
        assert self.rules is not None
        return self.rules.cues.calendar

    def _title_before(self, text: str, complement: str | None = None) -> tuple[str | None, str | None]:
        """"el ministro de Economía, " before a name -> ("ministro", "economía"): the title and its department
        (the first capitalised word after it), or ``complement`` when the name's own run began with it."""
        assert self.rules is not None
        toks = text.replace(",", " ").split()[-5:]
        for i in range(len(toks) - 1, -1, -1):
            if _is_title(toks[i], self.rules.lex):
                after = [t for t in toks[i + 1:] if _is_cap(t)]
                return toks[i], complement or (_low(after[0]) if after else None)
        return None, complement

    def by_title(self, title: str, complement: str | None = None) -> str | None:
        """The person last introduced with this title: with a department, one introduced with that department or
        with none; without, anyone with the title."""
        if complement:
            entries = self.titles.get(f"{title} {complement}") or [
                e for e in self.titles.get(title, []) if e[1] not in self.complements]
        else:
            entries = self.titles.get(title)
        return entries[-1][1] if entries else None


def rules_for(lang: str | None) -> LanguageRules | None:
    """The attribution rules of a language, or None when there are none (English has its own, in attribution.py
    and speakers.py)."""
    lex = lexicon(lang)
    return LanguageRules(lex) if lex else None
