"""Shapes seen in real files whose licences keep them out of tests/data/real (see its
README): each written here after the real one, field for field."""

from __future__ import annotations

from generator.readers import read_seed

# cn-chat-arxiv's feeds (no licence published): the item's <title> is a one-line Chinese
# summary; the description holds the Chinese title, the English title, the URL and both abstracts.
CN_CHAT = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>cs.CL</title>
<item><title>这项研究训练了在安全训练后仍保持欺骗行为的大语言模型。</title>
<link>http://arxiv.org/abs/2401.05566</link>
<description><![CDATA[<p>沉睡特工：训练在安全训练中持续存在的欺骗性大语言模型</p><p>Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training</p><p><a href="http://arxiv.org/abs/2401.05566">http://arxiv.org/abs/2401.05566</a></p><p>人类能够进行策略性的欺骗行为：在大多数情况下表现得有帮助，但在有机会时为了追求其他目标而表现得截然不同。如果一个人工智能系统学会了这样的欺骗策略，我们能否使用当前最先进的安全训练技术来检测并消除它？</p><p>Humans are capable of strategically deceptive behavior: behaving helpfully in most situations, but then behaving very differently in order to pursue alternative objectives when given the opportunity. If an AI system learned such a deceptive strategy, could we detect it and remove it using current state-of-the-art safety training techniques?</p>]]></description>
</item></channel></rss>
"""


def test_a_machine_translated_feed_puts_each_part_where_it_belongs():
    reading = read_seed(CN_CHAT.encode(), "cs.CL.xml")
    english, chinese = reading.records
    assert english.title == "Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training"
    assert english.language == "en" and english.abstract.startswith("Humans are capable of strategically deceptive")
    assert chinese.language == "zh" and chinese.title == "沉睡特工：训练在安全训练中持续存在的欺骗性大语言模型"
    assert chinese.abstract.startswith("人类能够进行策略性的欺骗行为")
    assert english.arxiv == chinese.arxiv == "2401.05566" and english.year == 2024


# rss.arxiv.org's `replace-cross` item (the real feed in tests/data/real has `replace` ones).
REPLACE_CROSS = """<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>
<title>cs.LG updates on arXiv.org</title>
<item><title>Mastering the game of Go without human knowledge</title><link>https://arxiv.org/abs/1712.01815</link>
<description>arXiv:1712.01815v2 Announce Type: replace-cross
Abstract: A long-standing goal of artificial intelligence is an algorithm that learns, tabula rasa, superhuman proficiency in challenging domains.</description>
<guid isPermaLink="false">oai:arXiv.org:1712.01815v2</guid><category>cs.LG</category><pubDate>Mon, 09 Dec 2024 00:00:00 -0500</pubDate>
<arxiv:announce_type>replace-cross</arxiv:announce_type><dc:creator>David Silver, Thomas Hubert</dc:creator></item>
</channel></rss>
"""


def test_a_replaced_paper_is_dated_by_its_id_not_by_the_announcement():
    (record,) = read_seed(REPLACE_CROSS.encode(), "cs.LG.xml").records
    assert (record.arxiv, record.year, record.date) == ("1712.01815", 2017, "2017-12")
    assert record.authors == ("David Silver", "Thomas Hubert")


# A paper list kept as a spreadsheet marks the papers to read first with stars (as
# DefTruth/Awesome-LLM-Inference does in Markdown; GPL, so not copied).
STARS = """Title,Authors,URL,Year
⭐️ Efficient Memory Management for Large Language Model Serving with PagedAttention,Woosuk Kwon; Zhuohan Li,https://arxiv.org/abs/2309.06180,2023
"FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness ⭐⭐",Tri Dao,https://arxiv.org/abs/2205.14135,2022
🔥 Orca: A Distributed Serving System for Transformer-Based Generative Models,Gyeong-In Yu,https://www.usenix.org/conference/osdi22/presentation/yu,2022
"Schr\\""odinger Bridges Beat Diffusion Models on Text-to-Speech Synthesis",Zehua Chen,https://arxiv.org/abs/2312.03491,2023
"""


def test_decorations_and_tex_leave_table_titles():
    titles = [record.title for record in read_seed(STARS.encode(), "reading.csv").records]
    assert titles == ["Efficient Memory Management for Large Language Model Serving with PagedAttention",
                      "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness",
                      "Orca: A Distributed Serving System for Transformer-Based Generative Models",
                      "Schrödinger Bridges Beat Diffusion Models on Text-to-Speech Synthesis"]


# Mendeley Desktop's export of a library with groups (`mendeley-groups`), old-style arXiv ids
# written both ways, `$\\backslash$` escapes, and a book with editors only.
MENDELEY = r"""@article{Bell1964,
abstract = {The paradox of Einstein, Podolsky and Rosen was advanced as an argument that quantum mechanics could not be a complete theory.},
archivePrefix = {arXiv},
arxivId = {quant-ph/0607039},
author = {Bell, J. S.},
eprint = {0607039},
journal = {Physics},
mendeley-groups = {Thesis/Chapter 2,Reading group},
title = {{On the Einstein Podolsky Rosen paradox}},
year = {1964}
}
@book{Nielsen2010,
editor = {Nielsen, Michael A. and Chuang, Isaac L.},
mendeley-groups = {Thesis},
publisher = {Cambridge University Press},
title = {{Quantum Computation and Quantum Information: 10th Anniversary Edition $\backslash$ with notes}},
year = {2010}
}
"""


def test_a_mendeley_export_with_groups():
    bell, book = read_seed(MENDELEY.encode(), "library.bib").records
    assert (bell.arxiv, bell.authors, bell.venue, bell.year) == ("quant-ph/0607039", ("J. S. Bell",), "Physics", 1964)
    assert book.authors == ("Michael A. Nielsen", "Isaac L. Chuang")
    assert book.title == "Quantum Computation and Quantum Information: 10th Anniversary Edition \\ with notes"
