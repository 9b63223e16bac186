"""Readers: each format, the tricky title/author splits, and text that fits no format."""

from __future__ import annotations

import codecs

import pytest

from generator.readers import read_seed, split_title_authors


def read(text: str | bytes, name: str = "seed.txt"):
    return read_seed(text.encode("utf-8") if isinstance(text, str) else text, name)


def test_abstract_lines_one_record_per_line_with_line_numbers():
    reading = read("Abstract:First abstract of the file, long enough.\n\nAbstract: Second abstract, also long enough.\n")
    assert reading.format == "abstract-lines"
    assert [(r.source.line, r.abstract) for r in reading.records] == [
        (1, "First abstract of the file, long enough."),
        (3, "Second abstract, also long enough."),
    ]
    assert all(r.source.file == "seed.txt" and r.source.format == "abstract-lines" for r in reading.records)


def test_abstract_lines_unprefixed_line_continues_the_abstract():
    reading = read("Abstract: An abstract that was wrapped\nonto a second line by the scraper.\n")
    assert [r.abstract for r in reading.records] == ["An abstract that was wrapped onto a second line by the scraper."]


LISTING = """CLApr 12, 2022
Training a Helpful and Harmless Assistant with Reinforcement Learning from Human FeedbackYuntao Bai, Andy Jones, Kamal Ndousse et al. · berkeley, openai
We apply preference modeling and reinforcement learning from human feedback (RLHF) to finetune language models.
LGMay 21, 2022
Scaling Laws and Interpretability of Learning from Repeated DataDanny Hernandez, Tom Brown · openai
Recent large language models have been trained on vast datasets, but also often on repeated data.
"""


def test_listing_reads_category_date_title_authors_affiliations():
    reading = read(LISTING)
    assert reading.format == "listing"
    first, second = reading.records
    assert first.title == "Training a Helpful and Harmless Assistant with Reinforcement Learning from Human Feedback"
    assert first.authors == ("Yuntao Bai", "Andy Jones", "Kamal Ndousse")
    assert first.affiliations == ("berkeley", "openai")
    assert (first.date, first.category, first.source.line) == ("2022-04-12", "cs.CL", 1)  # the record's first line
    assert (second.date, second.category, second.authors) == ("2022-05-21", "cs.LG", ("Danny Hernandez", "Tom Brown"))


@pytest.mark.parametrize(
    ("line", "title", "authors"),
    [
        ("Instruction Tuning with GPT-4Baolin Peng, Chunyuan Li, Pengcheng He", "Instruction Tuning with GPT-4", ("Baolin Peng", "Chunyuan Li", "Pengcheng He")),
        ("LLaMA: Open and Efficient Foundation Language ModelsHugo Touvron, Thibaut Lavril et al.", "LLaMA: Open and Efficient Foundation Language Models", ("Hugo Touvron", "Thibaut Lavril")),
        ("BERTScore: Evaluating Text Generation with BERTTianyi Zhang", "BERTScore: Evaluating Text Generation with BERT", ("Tianyi Zhang",)),
        ("Secrets of RLHF in Large Language Models Part I: PPORui Zheng, Shihan Dou", "Secrets of RLHF in Large Language Models Part I: PPO", ("Rui Zheng", "Shihan Dou")),
        ("RLHF: A Practical Guide to Preference LearningJean-Luc Picard", "RLHF: A Practical Guide to Preference Learning", ("Jean-Luc Picard",)),
        ("Fine-Tuning Models with BERTScoreIan McKenzie, Guido van Rossum", "Fine-Tuning Models with BERTScore", ("Ian McKenzie", "Guido van Rossum")),
        ("Red Teaming Language Models: Methods, Scaling Behaviors, and Lessons LearnedDeep Ganguli, Liane Lovitt", "Red Teaming Language Models: Methods, Scaling Behaviors, and Lessons Learned", ("Deep Ganguli", "Liane Lovitt")),
        ("Language Models (Mostly) Know What They KnowSaurav Kadavath · berkeley", "Language Models (Mostly) Know What They Know", ("Saurav Kadavath",)),
        ("Self-Play With AlphaZero Style SearchJ. Smith, Ann Lee", "Self-Play With AlphaZero Style Search", ("J. Smith", "Ann Lee")),
    ],
)
def test_title_author_split(line, title, authors):
    got_title, got_authors, _ = split_title_authors(line)
    assert (got_title, got_authors) == (title, authors)


def test_title_without_authors_is_kept_whole_with_a_warning():
    reading = read("CLApr 12, 2022\nA title with no authors at all\nThe abstract of a paper whose listing lost its authors.\n")
    assert reading.records[0].title == "A title with no authors at all"
    assert reading.records[0].authors == ()
    assert any("title from the authors" in p.reason for p in reading.problems)


def test_translated_blocks_in_english_and_chinese():
    text = "An English abstract that is long enough.\ntranslated by 谷歌翻译\n我们研究语言模型是否可以评估自己主张的有效性。\ntranslated by 谷歌翻译\n"
    reading = read(text)
    assert reading.format == "translated"
    assert [(r.source.line, r.language) for r in reading.records] == [(1, "en"), (3, "zh")]


def test_unknown_format_is_read_by_paragraph_with_a_warning():
    reading = read("A paragraph of some newsletter that is an abstract.\n\nAnother paragraph, another abstract of a paper.\n")
    assert reading.format == "paragraphs"
    assert [r.source.line for r in reading.records] == [1, 3]
    assert any(p.severity == "warning" and "no known format" in p.reason for p in reading.problems)


def test_bom_crlf_stray_whitespace_and_unicode_normalisation():
    text = "\ufeffAbstract:  Cafe\u0301 au lait   is\tserved hot in the morning.\r\nAbstract: Second line with CRLF line ends here.\r\n"
    reading = read(text)
    assert [r.abstract for r in reading.records] == ["Café au lait is served hot in the morning.", "Second line with CRLF line ends here."]
    assert [r.source.line for r in reading.records] == [1, 2]


def test_utf16_with_bom_is_decoded():
    data = codecs.BOM_UTF16_LE + "Abstract: A file saved as UTF-16 by a text editor.\n".encode("utf-16-le")
    reading = read(data)
    assert [r.abstract for r in reading.records] == ["A file saved as UTF-16 by a text editor."]


def test_not_utf8_is_a_clear_error_naming_the_file_and_line():
    data = "Abstract: fine line\n".encode() + "Abstract: 语言模型的能力\n".encode("gb18030")
    reading = read(data, "legacy.txt")
    assert reading.records == ()
    (problem,) = reading.problems
    assert problem.file == "legacy.txt" and problem.severity == "error"
    assert "not UTF-8" in problem.reason and "line 2" in problem.reason and "GB18030" in problem.reason


def test_binary_file_is_rejected():
    reading = read(bytes(range(256)) * 20, "image.png")
    assert reading.records == () and "binary" in reading.problems[0].reason


def test_too_short_abstract_is_rejected_with_its_line():
    reading = read("Abstract:A\nAbstract: A real abstract of reasonable length.\n")
    assert len(reading.records) == 1
    (problem,) = reading.problems
    assert (problem.line, problem.severity) == (1, "error") and "too short" in problem.reason


# ---------------------------------------------------------------- pastes in unexpected shapes

WRAPPED = """Abstract: We study how language models answer questions
about their own training, and find that they
are often wrong.
Abstract: Reward models can be gamed by policies that
exploit their blind spots.
Abstract: A third abstract, this one on a single line of text.
"""


def test_wrapped_abstract_records_are_one_record_each():
    reading = read(WRAPPED)
    assert reading.format == "abstract-lines"
    assert [(r.source.line, r.abstract[:30]) for r in reading.records] == [
        (1, "We study how language models a"), (4, "Reward models can be gamed by "), (6, "A third abstract, this one on ")]
    assert reading.records[0].abstract.endswith("are often wrong.")
    assert not any("no 'Abstract:' lines" in p.reason for p in reading.problems)


def test_nine_wrapped_records_over_25_lines():
    lines = []
    for i in range(9):
        lines += [f"Abstract: Record {i} begins with a first line that the paste", "kept as it was wrapped in the original", "source."][: 3 if i < 7 else 2]
    reading = read("\n".join(lines))
    assert len(lines) == 25 and len(reading.records) == 9
    assert all(not r.abstract.lower().startswith("abstract") for r in reading.records)


def test_records_separated_by_blank_lines_lose_their_prefix():
    reading = read("Abstract: First record, separated from the next\nby a blank line.\n\nAbstract: Second record of the paste, also wrapped\nover two lines.\n")
    assert reading.format == "abstract-lines"
    assert [r.abstract for r in reading.records] == [
        "First record, separated from the next by a blank line.", "Second record of the paste, also wrapped over two lines."]


@pytest.mark.parametrize("text", [
    "Abstract: One paragraph in a newsletter about calibration of models.\n\nSome prose without any prefix at all here.\n\nMore prose in a third paragraph of the text.\n",
    "translated by 谷歌翻译\nAbstract: An abstract in a translated block, with the prefix kept.\ntranslated by 谷歌翻译\n",
])
def test_the_prefix_never_reaches_the_text(text):
    reading = read(text)
    assert reading.records and all(not r.abstract.lower().startswith("abstract") for r in reading.records)


def test_a_record_appended_without_a_newline_starts_a_new_record():
    text = "Abstract: The first abstract ends with a full stop.\nAbstract: The last abstract had no final newline.Abstract: Appended by echo >> seeds/x.txt later on."
    reading = read(text)
    assert [r.abstract for r in reading.records] == [
        "The first abstract ends with a full stop.", "The last abstract had no final newline.", "Appended by echo >> seeds/x.txt later on."]
    (warning,) = [p for p in reading.problems if p.severity == "warning"]
    assert warning.line == 2 and "inside this line" in warning.reason


def test_glued_translated_separator_and_listing_header_are_split():
    reading = read("An English abstract that is long enough to keep.translated by 谷歌翻译\n我们研究语言模型是否可以评估自己主张的有效性。\n")
    assert [r.abstract for r in reading.records] == ["An English abstract that is long enough to keep.", "我们研究语言模型是否可以评估自己主张的有效性。"]
    listing = read(LISTING.rstrip("\n") + "CLJun 1, 2023\nA Glued Paper TitleAnn Lee, Bo Chen\nThe abstract of the appended listing record is here.\n")
    assert [r.title for r in listing.records][-1] == "A Glued Paper Title"
    assert len(listing.records) == 3 and any("inside this line" in p.reason for p in listing.problems)


@pytest.mark.parametrize(("name", "text", "label"), [
    ("page.txt", "<!DOCTYPE html>\n<html><body><p>An abstract of a paper in a web page.</p></body></html>\n", "HTML"),
    ("data.xml", '<?xml version="1.0"?>\n<records><record><abstract>An abstract.</abstract></record></records>\n', "XML"),
    ("data.txt", '{"results": [{"name": "A Title", "text": "An abstract of the paper that is long."}]}\n', "JSON"),
])
def test_markup_and_unknown_data_files_are_rejected_whole_with_the_format_named(name, text, label):
    """Formats with readers (BibTeX, CSL-JSON, feeds, tables, link lists) are in
    test_formats.py; these have none, and must not become pages of markup."""
    reading = read(text, name)
    assert reading.records == ()
    (problem,) = reading.problems
    assert (problem.line, problem.severity) == (0, "error") and label in problem.reason


def test_prose_with_a_link_is_still_prose():
    text = "We release a benchmark of deceptive behaviour at https://example.org/bench and evaluate ten models on it.\n\nA second paragraph abstract about reward hacking in agents.\n"
    assert read(text).format == "paragraphs"
