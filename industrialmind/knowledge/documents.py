"""Files -> documents -> chunks: Markdown, plain text and PDF (pypdf), chunked along headings, with metadata.

A chunk id is `<doc id>#<section slug>[-<part>]` (PDF: `<doc id>#p<page>[-<part>]`), stable as long as the
headings are, so evaluation sets and citations can name chunks. Each chunk carries the asset ids found in it and
in its document's front matter, the document type, the source path, the page and the file's content hash.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from industrialmind.errors import InvalidInputError, NotFoundError

SUFFIXES = (".md", ".markdown", ".txt", ".text", ".pdf")
MAX_CHARS = 1100
DOC_TYPES = ("manual", "troubleshooting", "sop", "maintenance_log", "fmea", "report", "document")
_TYPE_WORDS = (("troubleshoot", "troubleshooting"), ("sop", "sop"), ("procedure", "sop"), ("manual", "manual"),
               ("log", "maintenance_log"), ("report", "report"), ("fmea", "fmea"))


@dataclass
class Chunk:
    """A passage of a document: the unit that is embedded, searched and cited."""

    id: str
    doc_id: str
    text: str
    title: str
    section: str
    page: int | None
    doc_type: str
    source: str
    asset_ids: list[str] = field(default_factory=list)
    content_hash: str = ""


@dataclass
class Document:
    """A loaded file: its identity, type, linked assets and failure modes, and its chunks."""

    doc_id: str
    title: str
    doc_type: str
    source: str
    content_hash: str
    asset_ids: list[str]
    failure_modes: list[str]
    chunks: list[Chunk]


def slug(text: str) -> str:
    """Lower-case words joined by '-' (ids and anchors)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def find_asset_ids(text: str, known: Iterable[str]) -> list[str]:
    """Known asset ids mentioned in text (case-insensitive, whole tokens: 'P-101' not in 'P-1012'), sorted."""
    ids = sorted(set(known), key=len, reverse=True)
    if not ids:
        return []
    spelled = {i.upper(): i for i in ids}
    pattern = re.compile(r"(?<![A-Za-z0-9-])(" + "|".join(re.escape(i) for i in ids) + r")(?![A-Za-z0-9]|-[A-Za-z0-9])",
                         re.IGNORECASE)
    return sorted({spelled[m.group(1).upper()] for m in pattern.finditer(text)})


def _front_matter(text: str) -> tuple[dict, str]:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end > 0:
            import yaml

            try:
                meta = yaml.safe_load(text[4:end]) or {}
            except yaml.YAMLError as exc:
                raise InvalidInputError(f"bad front matter: {exc}") from exc
            return (meta if isinstance(meta, dict) else {}), text[end + 4:].lstrip("\n")
    return {}, text


def _split_long(body: str, max_chars: int) -> list[str]:
    """Split a section body at paragraph, then sentence, boundaries into parts of at most ~max_chars."""
    if len(body) <= max_chars:
        return [body]
    pieces: list[str] = []
    for para in re.split(r"\n\s*\n", body):
        if len(para) <= max_chars:
            pieces.append(para)
        else:
            pieces.extend(re.split(r"(?<=[.!?])\s+", para))
    parts, current = [], ""
    for piece in pieces:
        if current and len(current) + len(piece) + 2 > max_chars:
            parts.append(current)
            current = piece
        else:
            current = f"{current}\n\n{piece}" if current else piece
    if current:
        parts.append(current)
    return parts


def markdown_sections(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The title (first '# ' heading) and (section path, body) pairs split at '##'/'###' headings."""
    title = ""
    sections: list[tuple[str, str]] = []
    path: list[str] = []
    body: list[str] = []
    in_code = False

    def flush() -> None:
        content = "\n".join(body).strip()
        if content:
            sections.append((" > ".join(path) or "Introduction", content))
        body.clear()

    for line in text.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
        match = None if in_code else re.match(r"^(#{1,4})\s+(.*?)\s*#*\s*$", line)
        if match:
            level, heading = len(match.group(1)), match.group(2).strip()
            if level == 1 and not title:
                flush()
                title = heading
                continue
            flush()
            depth = max(level - 2, 0)
            path = path[:depth] + [heading]
            continue
        body.append(line)
    flush()
    return title, sections


def infer_doc_type(name: str, meta: dict) -> str:
    """The document type from front matter, else from words in the file name, else 'document'."""
    declared = str(meta.get("doc_type", "")).strip().lower()
    if declared:
        return declared
    lowered = name.lower()
    for word, kind in _TYPE_WORDS:
        if word in lowered:
            return kind
    return "document"


def _chunks_from_sections(doc_id: str, title: str, sections: list[tuple[str, str, int | None]], doc_type: str,
                          source: str, doc_assets: list[str], known: list[str], digest: str,
                          max_chars: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    used: dict[str, int] = {}
    for section, body, page in sections:
        anchor = f"p{page}" if page is not None and section.startswith("page ") else slug(section)
        used[anchor] = used.get(anchor, 0) + 1
        if used[anchor] > 1:
            anchor = f"{anchor}-{used[anchor]}"
        parts = _split_long(body, max_chars)
        for i, part in enumerate(parts, start=1):
            chunk_id = f"{doc_id}#{anchor}" + (f"-{i}" if len(parts) > 1 else "")
            text = f"{title} | {section}\n{part}" if title else f"{section}\n{part}"
            assets = sorted(set(find_asset_ids(part, known)) | set(doc_assets))
            chunks.append(Chunk(id=chunk_id, doc_id=doc_id, text=text, title=title, section=section, page=page,
                                doc_type=doc_type, source=source, asset_ids=assets, content_hash=digest))
    return chunks


def load_document(path: Path | str, known_assets: Iterable[str] = (), max_chars: int = MAX_CHARS) -> Document:
    """Read one Markdown, text or PDF file into a Document with heading-aware chunks."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"document {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInputError(f"cannot read {path.name!r}: unsupported type {suffix!r}; valid: {', '.join(SUFFIXES)}")
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    known = sorted(set(known_assets))
    doc_id = slug(path.stem)
    source = str(path.resolve())
    if suffix == ".pdf":
        pages = _pdf_pages(path)
        title = pages[0].strip().splitlines()[0][:120] if pages and pages[0].strip() else path.stem
        meta: dict = {}
        sections = [(f"page {n}", text.strip(), n) for n, text in enumerate(pages, start=1) if text.strip()]
        full_text = "\n".join(pages)
    else:
        text = raw.decode("utf-8", errors="replace")
        head = text[:8192]
        if "\x00" in head or head.count("\ufffd") > len(head) // 10:  # an image or archive renamed .txt
            raise InvalidInputError(f"cannot read {path.name!r}: it is binary, not {suffix} text; pass Markdown, "
                                    "plain text (UTF-8) or PDF files")
        meta, text = _front_matter(text)
        if suffix in (".md", ".markdown"):
            title, pairs = markdown_sections(text)
        else:
            title, pairs = "", [("Text", p) for p in [text.strip()] if p]
        title = str(meta.get("title") or title or path.stem.replace("_", " ").replace("-", " "))
        sections = [(s, b, None) for s, b in pairs]
        full_text = text
    doc_type = infer_doc_type(path.stem, meta)
    declared = [str(a) for a in meta.get("assets", []) or []]
    doc_assets = sorted(set(declared) | set(find_asset_ids(full_text, known)))
    chunks = _chunks_from_sections(doc_id, title, sections, doc_type, source, declared, known, digest, max_chars)
    if not chunks:
        raise InvalidInputError(f"{path.name!r} has no text to index")
    return Document(doc_id=doc_id, title=title, doc_type=doc_type, source=source, content_hash=digest,
                    asset_ids=doc_assets, failure_modes=[str(f) for f in meta.get("failure_modes", []) or []],
                    chunks=chunks)


def _pdf_pages(path: Path) -> list[str]:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a broken file is reported below, in one line
    try:
        return [page.extract_text() or "" for page in PdfReader(str(path)).pages]
    except (PdfReadError, ValueError) as exc:
        raise InvalidInputError(f"cannot read PDF {path.name!r}: {exc}") from exc


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files named, plus every supported file under named folders (sorted); missing paths raise NotFoundError."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
            if not found:  # a wrong folder would otherwise "succeed" with nothing indexed
                raise NotFoundError(f"no documents in the folder {str(p)!r}: expected files ending "
                                    f"{', '.join(SUFFIXES)}")
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            raise NotFoundError(f"no such file or folder {str(p)!r}")
    return files


def demo_docs_dir() -> Path:
    """The folder of the demo plant's document set shipped in the package."""
    return Path(__file__).resolve().parent / "docs"
