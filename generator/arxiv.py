"""arXiv: categories (the short codes of listings and their full names) and identifiers."""

from __future__ import annotations

import re

NAMES: dict[str, str] = {
    "cs.AI": "Artificial Intelligence",
    "cs.AR": "Hardware Architecture",
    "cs.CC": "Computational Complexity",
    "cs.CE": "Computational Engineering, Finance, and Science",
    "cs.CG": "Computational Geometry",
    "cs.CL": "Computation and Language",
    "cs.CR": "Cryptography and Security",
    "cs.CV": "Computer Vision and Pattern Recognition",
    "cs.CY": "Computers and Society",
    "cs.DB": "Databases",
    "cs.DC": "Distributed, Parallel, and Cluster Computing",
    "cs.DL": "Digital Libraries",
    "cs.DM": "Discrete Mathematics",
    "cs.DS": "Data Structures and Algorithms",
    "cs.ET": "Emerging Technologies",
    "cs.FL": "Formal Languages and Automata Theory",
    "cs.GL": "General Literature",
    "cs.GR": "Graphics",
    "cs.GT": "Computer Science and Game Theory",
    "cs.HC": "Human-Computer Interaction",
    "cs.IR": "Information Retrieval",
    "cs.IT": "Information Theory",
    "cs.LG": "Machine Learning",
    "cs.LO": "Logic in Computer Science",
    "cs.MA": "Multiagent Systems",
    "cs.MM": "Multimedia",
    "cs.MS": "Mathematical Software",
    "cs.NA": "Numerical Analysis",
    "cs.NE": "Neural and Evolutionary Computing",
    "cs.NI": "Networking and Internet Architecture",
    "cs.OH": "Other Computer Science",
    "cs.OS": "Operating Systems",
    "cs.PF": "Performance",
    "cs.PL": "Programming Languages",
    "cs.RO": "Robotics",
    "cs.SC": "Symbolic Computation",
    "cs.SD": "Sound",
    "cs.SE": "Software Engineering",
    "cs.SI": "Social and Information Networks",
    "cs.SY": "Systems and Control",
    "stat.ML": "Machine Learning (Statistics)",
    "stat.ME": "Methodology (Statistics)",
    "math.OC": "Optimization and Control",
    "eess.AS": "Audio and Speech Processing",
    "eess.IV": "Image and Video Processing",
    "eess.SP": "Signal Processing",
    "eess.SY": "Systems and Control (EESS)",
    "q-bio.NC": "Neurons and Cognition",
    "econ.GN": "General Economics",
    "physics.soc-ph": "Physics and Society",
}

_BY_SHORT_CODE = {code.split(".", 1)[1]: code for code in NAMES if code.startswith("cs.")}


def category_code(code: str) -> str:
    """The full arXiv code for a listing's category: `CL` -> `cs.CL`; unknown codes unchanged."""
    if code in NAMES:
        return code
    return _BY_SHORT_CODE.get(code.upper(), code)


def category_name(code: str | None) -> str | None:
    """`cs.CL` -> `Computation and Language`; None when the code is unknown."""
    return NAMES.get(code) if code else None


# ---------------------------------------------------------------- identifiers

_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
ARXIV_ID = re.compile(rf"(?:arxiv\.org/(?:abs|pdf|html)/|\barxiv:\s*|(?<![\w./-]))({_NEW_ID}|{_OLD_ID})(v\d+)?(?:\.pdf)?(?![\w/])", re.IGNORECASE)
"""An arXiv id in text: `2401.05566`, `arXiv:2401.05566v2`, `https://arxiv.org/abs/hep-th/9901001`."""
DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>{}]+[^\s\"<>{}.,;:)\]])", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)


def arxiv_id(text: str | None, *, anywhere: bool = False) -> tuple[str, int | None] | None:
    """The arXiv id in `text` and its version (`2401.05566v2` -> ("2401.05566", 2)), or
    None. Without `anywhere`, the text must be the id (or an arXiv URL) and nothing else."""
    if not text:
        return None
    text = text.strip()
    doi = _ARXIV_DOI.match(re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", text, flags=re.IGNORECASE))
    if doi:
        text = doi[1]
    elif anywhere:
        inner = re.search(r"10\.48550/arxiv\.(\S+)", text, re.IGNORECASE)
        text = inner[1] if inner else text
    match = ARXIV_ID.search(text) if anywhere else ARXIV_ID.fullmatch(re.sub(r"^https?://(?:www\.|export\.)?", "", text))
    if not match:
        return None
    identifier = match[1]
    if "/" in identifier:  # old style: the archive is lower case, the subject class upper case
        archive, number = identifier.split("/")
        name, _, subject = archive.partition(".")
        identifier = f"{name.lower()}{'.' + subject.upper() if subject else ''}/{number}"
    return identifier, int(match[2][1:]) if match[2] else None


def arxiv_date(identifier: str) -> dict[str, object]:
    """The year and month an arXiv id was given, as a record's `year` and `date` (`2024-01`):
    `2401.05566` is January 2024, `hep-th/9901001` January 1999 (old-style ids ran from 1991
    to March 2007)."""
    match = re.fullmatch(r"(\d{2})(\d{2})\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/(\d{2})(\d{2})\d{3}", identifier)
    if not match:
        return {}
    yy, mm = (match[1], match[2]) if match[1] else (match[3], match[4])
    year = (1900 if not match[1] and int(yy) >= 91 else 2000) + int(yy)
    if not 1 <= int(mm) <= 12:
        return {}
    return {"year": year, "date": f"{year}-{mm}"}


def doi(text: str | None) -> str | None:
    """A DOI as written (DOIs are compared without case: `Record.ids`), from `10.1000/xyz`,
    `doi:10.1000/xyz` or a doi.org URL; None for arXiv's own DOIs (10.48550/arXiv.*), which
    name an arXiv id."""
    if not text:
        return None
    match = DOI.search(text)
    if not match or _ARXIV_DOI.match(match[1]):
        return None
    return match[1]
