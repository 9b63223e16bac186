"""Languages: identification, translations from every language, and pages and search in them.

The per-language precision and recall on the full labelled set are in the README
(`tests/language_eval.py`); here a slice of it must meet the same targets.
"""

from __future__ import annotations

import json
from collections import Counter
import subprocess
import sys
from pathlib import Path

import frontmatter
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from generator.build import read_seeds
from generator.cognates import _LATIN_WORD, _english_word, cognates, english_sound, hangul_sound, katakana_sound
from generator.language import identify
from generator.search import fold
from support import ROOT, SEEDS, make_project, mkdocs_build
from test_browser import CHROMIUM, Visit, browser, serve  # noqa: F401 (fixtures)

LANGUAGES = ("zh", "ja", "ko", "es", "fr", "de")
CORPUS = ROOT.parent / "shared" / "corpora" / "arxiv-listings-2025.jsonl.gz"


def test_every_labelled_translation_gets_its_language():
    for lang in LANGUAGES:
        for line in (ROOT / f"tests/data/translations_{lang}.jsonl").read_text("utf-8").splitlines():
            found = identify(json.loads(line)[lang])
            assert found.language == lang, (lang, line[:80], found)


def test_the_seeds_are_english_and_chinese():
    records, _, _ = read_seeds(SEEDS)
    languages = {record.source.file: set() for record in records}
    for record in records:
        if record.abstract:
            languages[record.source.file].add(record.language)
    assert languages.pop("004_f35cfd3433627dd0.txt") == {"en", "zh"}  # the translated feed has some originals
    assert set().union(*languages.values()) == {"en"}


def test_short_and_mixed_texts_get_a_reasoned_fallback():
    short = identify("Reward hacking, revisited.")
    assert short.language == "en" and "too short" in short.reason
    assert identify("12345 67890").reason  # no letters at all
    german = identify("Große Sprachmodelle (LLMs) zeigen beim In-Context Learning und Chain-of-Thought Prompting "
                      "bemerkenswerte Fähigkeiten, die wir mit Benchmarks für Reasoning und Alignment messen.")
    assert german.language == "de"
    assert identify("Los modelos de lenguaje grandes muestran adulación hacia sus usuarios.").language == "es"


def test_an_english_abstract_followed_by_its_translation_is_english_marked_mixed():
    english = f"{ENGLISH} We release the code and the data, and we discuss what this means for the training of assistants."
    mixed = identify(f"{english} {SPANISH} {SPANISH}")
    assert mixed.language == "en" and mixed.reason.startswith("mixed"), mixed
    assert identify(f"{SPANISH} {ENGLISH}").language == "es"


def test_loanwords_keep_their_consonants():
    assert katakana_sound("アシスタント") == hangul_sound("어시스턴트") == english_sound("assistant") == "STNT"
    assert katakana_sound("トランスフォーマー") == hangul_sound("트랜스포머") == english_sound("transformer")
    assert katakana_sound("プロンプト") == hangul_sound("프롬프트") == english_sound("prompt")
    assert english_sound("benchmark") != english_sound("network")


@given(st.text(alphabet="abcdefgKLMN 09_-'.\n", max_size=200) | st.text(alphabet=st.characters(max_codepoint=127), max_size=200))
@example("Words12digits_underscores-hyphens's and CAPITALS")
def test_english_spellings_are_the_same_by_the_ascii_shortcut(text: str):
    """`cognates` reads ASCII English with one regex; it must give what word by word gives."""
    by_word = Counter(_english_word(word, "spelling") for word in _LATIN_WORD.findall(fold(text.casefold())) if word.isascii())
    del by_word[""]
    assert cognates(text, "en", "spelling") == by_word


def test_sino_korean_words_are_glossed_through_their_chinese_characters():
    """언어 is 言語 (language), 안전성 is 安全性 (safety), 평가 is 評價 (evaluate) and its
    homophone 平價 (parity); particles (을, 의) and the ending 한다 are single syllables,
    left out; 모델 is a loanword, left to the cognates."""
    from generator.crosslingual import english_terms, korean_terms, term_id

    korean = korean_terms("언어 모델의 안전성을 평가한다 (LLM)")
    english = english_terms("We evaluate the safety of language models (LLM).")
    shared = set(korean.words.ids) & set(english.words.ids)
    assert {term_id(stem) for stem in ("languag", "safeti", "evalu")} <= shared
    assert term_id("model") not in set(korean.words.ids)
    assert term_id("llm") in set(korean.anchors.ids)


@pytest.mark.skipif(not CORPUS.exists(), reason="needs ../shared/corpora")
def test_translations_from_each_language_merge_with_their_originals():
    """A slice (300 pool papers instead of 1,500) of the evaluation in the README."""
    result = subprocess.run([sys.executable, str(ROOT / "tests/language_eval.py"), "--pool", "300"],
                            capture_output=True, text=True, check=True)
    report = json.loads(result.stdout)
    assert report["language misread"] == []
    for lang in LANGUAGES:
        assert report[lang]["precision"] >= 0.99, (lang, report[lang])
        assert report[lang]["recall"] >= 0.95, (lang, report[lang])


ENGLISH = ("We study sycophancy in assistants trained with human feedback: models flatter their users and "
           "agree with stated opinions even when those opinions are wrong. Across five state-of-the-art "
           "assistants and four free-form generation tasks, sycophancy is consistent, and preference "
           "models sometimes prefer convincingly written sycophantic responses over correct ones.")
SPANISH = ("Estudiamos la adulación en asistentes entrenados con retroalimentación humana: los modelos halagan "
           "a sus usuarios y coinciden con las opiniones expresadas incluso cuando son erróneas. En cinco "
           "asistentes de vanguardia y cuatro tareas de generación libre, la adulación es constante.")
FRENCH = ("Nous étudions comment les têtes d'attention des grands modèles de langage réalisent la copie "
          "en contexte, et nous montrons que quelques têtes suffisent à expliquer ce comportement.")
JAPANESE = ("本研究では、人間のフィードバックで訓練されたAIアシスタントが利用者に迎合する傾向を分析し、"
            "その原因が選好モデルにあることを示す。")
KOREAN = ("본 연구는 인간 피드백으로 훈련된 AI 어시스턴트가 사용자에게 아첨하는 경향을 분석하고, "
          "그 원인이 선호 모델에 있음을 보인다.")


@pytest.fixture(scope="module")
def languages_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A list in five languages: an English abstract and its Spanish translation forced
    together by duplicates.yml, and French, Japanese and Korean abstracts of their own."""
    folder = tmp_path_factory.mktemp("languages")
    seeds = folder / "seeds"
    seeds.mkdir()
    lines = [ENGLISH, SPANISH, FRENCH, JAPANESE, KOREAN]
    (seeds / "mixed.txt").write_text("".join(f"Abstract: {text}\n" for text in lines), "utf-8")
    (folder / "duplicates.yml").write_text(
        'same:\n  - ["models flatter their users and agree", "los modelos halagan a sus usuarios"]\n', "utf-8")
    project = make_project(folder, seeds, "--overrides", str(folder / "duplicates.yml"))
    result = mkdocs_build(project)
    assert result.returncode == 0, result.stderr
    result = mkdocs_build(project, "--site-dir", str(project / "site-offline"), env={"OFFLINE": "true"})
    assert result.returncode == 0, result.stderr
    return project


def page_of(project: Path, language: str) -> frontmatter.Post:
    pages = [frontmatter.load(p) for p in sorted((project / "docs" / "papers").glob("*.md"))]
    found = [page for page in pages if page.get("language") == language]
    assert len(found) == 1, [(p.get("title"), p.get("language")) for p in pages]
    return found[0]


def test_pages_front_matter_and_papers_json_carry_the_language(languages_site: Path):
    papers = json.loads((languages_site / "docs" / "papers.json").read_text("utf-8"))
    assert sorted(p["language"] for p in papers["papers"]) == ["en", "fr", "ja", "ko"]
    for language, name in (("fr", "French"), ("ja", "Japanese"), ("ko", "Korean")):
        page = page_of(languages_site, language)
        assert "Not in English" in page.content and f"is in {name}" in page.content


def test_a_forced_merge_across_languages_shows_the_translation_not_a_word_diff(languages_site: Path):
    page = page_of(languages_site, "en")
    assert "Translation (es)" in page.content and "adulación" in page.content
    assert 'class="diff"' not in page.content
    sources = {s["language"]: s["kind"] for s in page["sources"]}
    assert sources == {"en": "canonical", "es": "forced"}


QUERIES = {  # query -> the language of the only page it must find
    "アシスタント": "ja",  # katakana inside an unspaced Japanese abstract
    "어시스턴트": "ko",  # a Korean word with a particle written onto it (어시스턴트가)
    "adulacion": "en",  # adulación, in the Spanish translation, without its accent
    "tetes": "fr",  # têtes
}


def expected_paths(project: Path) -> dict[str, str]:
    pages = {frontmatter.load(p)["language"]: p.stem for p in (project / "docs" / "papers").glob("*.md")}
    assert sorted(pages) == ["en", "fr", "ja", "ko"]
    return {query: pages[lang] for query, lang in QUERIES.items()}


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
def test_hosted_search_finds_words_in_every_language(browser, serve, languages_site: Path):
    base = serve(languages_site / "site")
    visit = Visit(browser, base)
    for query, slug in expected_paths(languages_site).items():
        visit.goto(base)
        assert visit.search(query) == [f"/papers/{slug}/"], query
    visit.check_clean()
    visit.close()


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
def test_offline_search_finds_words_in_every_language(browser, languages_site: Path):
    base = (languages_site / "site-offline").as_uri() + "/"
    visit = Visit(browser, "file://")
    for query, slug in expected_paths(languages_site).items():
        visit.goto(base + "index.html")
        results = visit.search(query)
        assert len(results) == 1 and results[0].endswith(f"papers/{slug}.html"), (query, results)
    visit.check_clean()
    visit.close()
