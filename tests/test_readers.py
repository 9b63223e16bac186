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
    assert (first.date, first.category, first.source.line) == ("2022-04-12", "cs.CL", 3)
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
