"""The import kit (academy.imports): every importer reads files the same way."""
import codecs

import pytest

from academy import imports as kit


def test_rows_carry_the_line_they_start_on_past_blank_lines_and_multi_line_fields():
    text = 'a,b\n1,"two\nlines"\n\n3,x\n'
    assert list(kit.rows(text, delimiter=",")) == [(1, ["a", "b"]), (2, ["1", "two\nlines"]), (5, ["3", "x"])]


def test_the_delimiter_is_sniffed_from_the_known_columns():
    assert kit.sniff_delimiter("a\tb;c\n", known=["a", "b"]) == "\t"
    assert kit.sniff_delimiter("a;b\n", known=["a", "b"]) == ";"
    assert kit.sniff_delimiter("x\n", known=["a"]) == ","


def test_an_exported_formula_guard_is_read_back():
    assert list(kit.rows("a\n'=SUM(1)\n", delimiter=","))[1] == (2, ["=SUM(1)"])


@pytest.mark.parametrize("content,line,text", [
    ("a\nb\nStratégies\n".encode("latin-1"), 3, "encodage invalide (octet 0xe9)"),
    (codecs.BOM_UTF16_LE + "a".encode("utf-16-le"), 1, "UTF-16"),
    (b"a\nb\x00\n", 2, "caractère nul"),
    (b"  \n", 1, "vide"),
])
def test_an_unreadable_file_names_its_line(content, line, text):
    with pytest.raises(kit.ImportFileError) as caught:
        kit.decode(content, columns=["a"])
    assert caught.value.line == line and text in str(caught.value)
    assert str(caught.value).startswith(f"ligne {line} : ")


def test_a_bom_is_dropped():
    assert kit.decode(codecs.BOM_UTF8 + b"a,b\n") == "a,b\n"
