"""Pure tests of claimtrack.matching: normalisation, tokens, index terms, query planning and ranking."""

import re
from collections import Counter

import pytest

from claimtrack.matching import (
    DEFAULT_THRESHOLDS,
    Candidate,
    CorpusStats,
    QueryPlan,
    index_terms,
    normalise,
    plan_query,
    rank,
    tokens,
)

TOKEN = re.compile(r"[a-z0-9]+")


# --- normalise ---------------------------------------------------------------------------------------------

def test_normalise_nfkc_and_casefold():
    assert normalise("ＦＵＬＬ width ﬁle") == "full width file"
    assert normalise("STRASSE Straße") == "strasse strasse"


def test_normalise_unifies_quotes_and_dashes():
    assert normalise("“Quoted” it’s ‘x’ a–b c—d") == "\"quoted\" it's 'x' a-b c-d"


def test_normalise_removes_urls_and_pic_links():
    out = normalise("Look https://t.co/AbC123 and www.example.com/x pic.twitter.com/9CgOACecb0 now")
    assert out == "look and now"


def test_normalise_keeps_handles_and_splits_camel_hashtags():
    out = normalise("Thanks @BurgerKing for #AustralianFires and #maga")
    assert "burgerking" in out.split() and "burger" in out.split() and "king" in out.split()
    assert "australianfires" in out.split() and "australian" in out.split() and "fires" in out.split()
    assert "maga" in out.split() and "#" not in out and "@" not in out


def test_normalise_tweet_signature_keeps_name_and_month_year_drops_day():
    out = normalise("Minecraft is NOT closing. — Helen Z (@HelenAngel) January 2, 2020")
    assert "helen" in out and "helenangel" in out
    assert out.endswith("january 2020")
    assert " 2, " not in out


def test_normalise_removes_control_characters():
    assert normalise("a\x00b\x07c\u200bd\ufeff") == "a b c d"


def test_normalise_empty():
    assert normalise("") == ""


# --- tokens ------------------------------------------------------------------------------------------------

def test_tokens_numbers():
    assert tokens("1,000 people") == ["1000", "peopl"]
    assert tokens("30% of 10,000,000") == ["30", "10000000"]
    assert tokens("a 3.5 rate") == ["3p5", "rate"]
    assert tokens("$4,300") == ["4300"]


def test_tokens_stem_drop_stopwords_keep_order_and_repeats():
    assert tokens("The wombats are inviting wombats") == ["wombat", "invit", "wombat"]


def test_tokens_apostrophes_and_accents():
    assert tokens("McDonald’s don't café") == ["mcdonald", "dont", "cafe"]


def test_tokens_non_latin_and_emoji_do_not_crash():
    assert tokens("Привет мир 你好 🔥🔥") == ["привет", "мир", "你好"]
    assert tokens("!!! ??? ...") == []


def test_index_terms_are_plain_ascii_runs():
    weird = "U.S. co-sponsor's “bill” 3.5% 1,000 #HashTag @user_name — Name (@h) May 1, 2020 ﬁ ñ \x07 e-mail"
    terms = index_terms(weird, title="Did it happen? 2.5.1", speaker="O'Rourke")
    assert terms
    for term in terms.split(" "):
        assert TOKEN.fullmatch(term), term


def test_index_terms_include_title_and_speaker():
    terms = index_terms("Wombats share burrows.", title="Australia fires", speaker="Barack Obama").split()
    assert {"wombat", "australia", "fire", "obama"} <= set(terms)


# --- plan_query --------------------------------------------------------------------------------------------

DF = {"wombat": 3, "fire": 900, "australia": 400, "burrow": 10, "anim": 5000}


def test_plan_query_rarest_first_and_skips_unknown():
    plan = plan_query("Wombats invite animals into burrows during Australia fires zzqx", DF, 20_000)
    assert isinstance(plan, QueryPlan)
    assert plan.terms == ["wombat", "burrow", "australia", "fire", "anim"]
    assert "zzqx" in plan.all_terms and "zzqx" not in plan.terms


def test_plan_query_max_terms_and_postings():
    assert plan_query("wombats burrows Australia fires", DF, 20_000, max_terms=2).terms == ["wombat", "burrow"]
    # 3 + 10 + 400 = 413 fits, adding 900 would not.
    assert plan_query("wombats burrows Australia fires", DF, 20_000, max_postings=500).terms == [
        "wombat", "burrow", "australia"]
    # The single rarest term is kept even when it alone exceeds the budget.
    assert plan_query("animals fires", DF, 20_000, max_postings=10).terms == ["fire"]


@pytest.mark.parametrize("text", ["", "   ", "!!! ...", "🔥🙂🎉", "Привет мир", "中文 文本", "\x00\x01\x02",
                                  "the and of"])
def test_plan_query_degenerate_text_gives_empty_plan(text):
    plan = plan_query(text, DF, 20_000)
    assert plan.terms == []


def test_plan_query_one_megabyte_text_is_bounded():
    big = ("wombats burrows fires " + "lorem%d " % 7) * 60_000
    assert len(big) > 1_000_000
    plan = plan_query(big, DF, 20_000)
    assert 0 < len(plan.terms) <= 8
    assert len(plan.all_terms) < 1000


# --- rank --------------------------------------------------------------------------------------------------

CLAIMS = [
    ("The", None),
    ("On abortion", None),
    ("Wombats are herding animals and inviting them into their burrows in order to escape the wildfires in "
     "Australia.", "Are Wombats Inviting Animals Into Their Burrows to Escape Australia Fires?"),
    ("A viral video shows a 10-meter-long anaconda swimming across a river in Brazil.",
     "Does Video Show a 10-Meter-Long Anaconda?"),
    ("McDonald's restaurants are offering $1 Any Size Fries between May 18 and 31.", "$1 McDonald's Any Size Fries"),
    ("Japan banned the development of 5G technology over health concerns.", "Did Japan Ban 5G Technology?"),
    ("The unemployment rate among veterans is lower than the general population.", None),
]


def _corpus():
    cands = [Candidate(claim_id=i + 1, external_id=f"c{i + 1}", text=t, title=ti, speaker=None,
                       terms=index_terms(t, ti)) for i, (t, ti) in enumerate(CLAIMS)]
    df = Counter(term for c in cands for term in set(c.terms.split()))
    # Pretend the corpus is large so common words are not treated as rare.
    n = 10_000
    df = {t: f * 3 for t, f in df.items()}
    avg = sum(len(c.terms.split()) for c in cands) / len(cands)
    return cands, CorpusStats(total_docs=n, avg_doc_len=avg, doc_freq=df)


def test_paraphrase_matches_first_with_high_score():
    cands, stats = _corpus()
    query = ("Wombats are inviting other animals into their burrows to escape the Australia wildfires! "
             "#AustralianFires — Bio Div (@CenterForBioDiv) January 14, 2020")
    res = rank(query, cands, stats)
    assert res[0].external_id == "c3"
    assert res[0].band == "same"
    assert "wombats" in res[0].shared and "burrows" in res[0].shared


def test_unrelated_text_is_band_none():
    cands, stats = _corpus()
    res = rank("My cat enjoys sleeping on the sofa every afternoon", cands, stats)
    assert all(m.band == "none" for m in res)


def test_junk_short_claim_is_never_same():
    cands, stats = _corpus()
    res = rank("The president said on abortion that the law is clear", cands, stats, limit=len(cands))
    for m in res:
        if m.external_id in ("c1", "c2"):
            assert m.band != "same"
            assert m.score < DEFAULT_THRESHOLDS.same_claim


def test_scores_in_range_sorted_and_limited():
    cands, stats = _corpus()
    res = rank("McDonald's any size fries for $1 in May", cands, stats, limit=3)
    assert len(res) == 3
    assert res[0].external_id == "c5"
    assert "1" in res[0].shared
    scores = [m.score for m in res]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 100.0 and round(s, 1) == s for s in scores)


@pytest.mark.parametrize("query", ["", "🔥🔥", "\x00\x01", "Привет", "x" * 1_000_000])
def test_rank_degenerate_queries_do_not_crash(query):
    cands, stats = _corpus()
    res = rank(query, cands, stats)
    assert all(0.0 <= m.score <= 100.0 for m in res)
    assert all(m.band == "none" for m in res)


def test_rank_no_candidates():
    _, stats = _corpus()
    assert rank("anything", [], stats) == []


def test_a_related_match_sharing_only_common_words_is_not_shown():
    from claimtrack.matching.ranker import _prepare_query, common_stems, to_matches
    text = "The country has the greatest use of solar panels in the world."
    cand = Candidate(claim_id=1, external_id="solar", text=text, title=None, speaker=None,
                     terms=index_terms(text, None))
    terms = set(cand.terms.split())
    # a big index where "country" and "use" are everywhere (5% of claims) and "solar" is rare
    stats = CorpusStats(total_docs=100_000, avg_doc_len=8.0,
                        doc_freq={t: (5_000 if t.startswith(("countri", "use")) else 20) for t in terms})
    q = _prepare_query("Our country makes great use of solar power and its rivers.", stats)
    common = common_stems(q.stems, stats)
    assert {"countri", "use"} <= common and "solar" not in common
    only_common = to_matches(q, [(35.0, 1.0, cand, {"countri", "use"})], 5, DEFAULT_THRESHOLDS, common)
    assert only_common[0].band == "none"                     # "related" by score, but nothing rare is shared
    with_rare = to_matches(q, [(35.0, 1.0, cand, {"countri", "solar"})], 5, DEFAULT_THRESHOLDS, common)
    assert with_rare[0].band == "related"
    same = to_matches(q, [(90.0, 1.0, cand, {"countri", "use"})], 5, DEFAULT_THRESHOLDS, common)
    assert same[0].band == "same"                            # the filter only ever touches the related band
    # in a small, young index no word is called common
    small = CorpusStats(total_docs=100, avg_doc_len=8.0, doc_freq={t: 50 for t in terms})
    assert common_stems(q.stems, small) == frozenset()
