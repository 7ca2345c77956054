"""Loading and chunking documents: headings, stable chunk ids, asset ids, front matter, text and PDF files."""

from __future__ import annotations

from pathlib import Path

import pytest

from industrialmind.errors import InvalidInputError, NotFoundError
from industrialmind.knowledge.documents import expand_paths, find_asset_ids, load_document, markdown_sections

KNOWN = ["P-101", "P-102", "M-101", "HX-201", "C-201"]


def make_pdf(path: Path, pages: list[str]) -> Path:
    """Write a minimal valid PDF with one line of Helvetica text per page."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>",
               "<< /Type /Pages /Kids [" + " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
               + f"] /Count {len(pages)} >>"]
    font = 3 + 2 * len(pages)
    for i, text in enumerate(pages):
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET"
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
                       f"/Resources << /Font << /F1 {font} 0 R >> >> >>")
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out, offsets = "%PDF-1.4\n", []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n" + "".join(f"{o:010d} 00000 n \n" for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    path.write_bytes(out.encode("latin-1"))
    return path


def test_find_asset_ids_matches_whole_ids_in_any_case() -> None:
    """Asset ids are found case-insensitively as whole tokens, never inside longer ids."""
    text = "p-101 tripped; P-1012 is a different tag; M-101/HX-201 ok; XC-201 is not C-201"
    assert find_asset_ids(text, KNOWN) == ["C-201", "HX-201", "M-101", "P-101"]


def test_markdown_sections_follow_headings() -> None:
    """The first H1 is the title; H2/H3 headings build section paths; headings inside code are ignored."""
    title, sections = markdown_sections("# Manual\nintro\n## Seal\ntext\n### Flush\nmore\n```\n## not a heading\n```\n"
                                        "## Bearings\nb")
    assert title == "Manual"
    assert [s for s, _ in sections] == ["Introduction", "Seal", "Seal > Flush", "Bearings"]
    assert "## not a heading" in sections[2][1]


def test_load_markdown_chunks_with_stable_ids_and_metadata(tmp_path: Path) -> None:
    """Chunks get '<doc>#<section>' ids, the front matter's type and assets, and the ids found in their text."""
    doc = tmp_path / "P101 Seal Guide.md"
    doc.write_text('---\ntitle: "Seal guide: P-101"\ndoc_type: sop\nassets: [P-101]\nfailure_modes: [x.y]\n---\n'
                   "# Ignored title\n## Steps\nIsolate P-101 and M-101.\n## Steps\nAgain.\n")
    loaded = load_document(doc, KNOWN)
    assert loaded.doc_id == "p101-seal-guide" and loaded.title == "Seal guide: P-101"
    assert loaded.doc_type == "sop" and loaded.failure_modes == ["x.y"]
    assert [c.id for c in loaded.chunks] == ["p101-seal-guide#steps", "p101-seal-guide#steps-2"]
    assert loaded.chunks[0].asset_ids == ["M-101", "P-101"] and loaded.chunks[1].asset_ids == ["P-101"]
    assert loaded.chunks[0].text.startswith("Seal guide: P-101 | Steps\n")
    assert len(loaded.content_hash) == 64


def test_long_sections_split_into_parts(tmp_path: Path) -> None:
    """A section longer than the chunk size is split at paragraph boundaries into numbered parts."""
    doc = tmp_path / "long.md"
    doc.write_text("# T\n## Big\n" + "\n\n".join(f"Paragraph {i} " + "word " * 60 for i in range(8)))
    chunks = load_document(doc, max_chars=700).chunks
    assert len(chunks) > 2
    assert chunks[0].id == "long#big-1" and all(len(c.text) < 900 for c in chunks)


def test_load_text_and_pdf_files(tmp_path: Path) -> None:
    """Plain text is one section; a PDF gets one chunk per page with its page number and type from the name."""
    txt = tmp_path / "notes.txt"
    txt.write_text("C-201 tripped on high oil temperature.")
    assert load_document(txt, KNOWN).chunks[0].asset_ids == ["C-201"]
    pdf = make_pdf(tmp_path / "compressor-manual.pdf", ["C-201 oil change every 8000 hours", "Bearing checks"])
    loaded = load_document(pdf, KNOWN)
    assert loaded.doc_type == "manual"
    assert [(c.id, c.page) for c in loaded.chunks] == [("compressor-manual#p1", 1), ("compressor-manual#p2", 2)]
    assert loaded.chunks[0].asset_ids == ["C-201"] and "8000 hours" in loaded.chunks[0].text


def test_load_document_rejects_bad_input(tmp_path: Path) -> None:
    """Unsupported types, missing files and empty files fail with clear errors."""
    (tmp_path / "x.docx").write_text("x")
    with pytest.raises(InvalidInputError, match="unsupported"):
        load_document(tmp_path / "x.docx")
    with pytest.raises(NotFoundError):
        load_document(tmp_path / "missing.md")
    (tmp_path / "empty.md").write_text("")
    with pytest.raises(InvalidInputError, match="no text"):
        load_document(tmp_path / "empty.md")
    with pytest.raises(NotFoundError):
        expand_paths([tmp_path / "nope"])


def test_expand_paths_refuses_a_folder_without_documents(tmp_path: Path) -> None:
    """A folder holding no Markdown, text or PDF file is an error naming the folder and the valid types."""
    (tmp_path / "data.csv").write_text("a,b\n")
    with pytest.raises(NotFoundError, match=r"no documents in the folder .*\.md.*\.pdf"):
        expand_paths([tmp_path])


def test_load_document_refuses_binary_text_file(tmp_path: Path) -> None:
    """A binary file named .txt is refused instead of being indexed as garbage."""
    path = tmp_path / "photo.txt"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InvalidInputError, match="binary"):
        load_document(path)


def test_load_document_broken_pdf_is_one_line(tmp_path: Path, caplog) -> None:
    """A file named .pdf that is not one is an InvalidInputError, with no pypdf warning (the CLI showed it as a
    stray stderr line before the error)."""
    import logging

    path = tmp_path / "junk.pdf"
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4)
    with caplog.at_level(logging.WARNING), pytest.raises(InvalidInputError, match="cannot read PDF"):
        load_document(path)
    assert not [r for r in caplog.records if r.name.startswith("pypdf")], caplog.records
