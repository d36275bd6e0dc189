import pytest

from forum_core import georgian


@pytest.mark.parametrize(
    "raw",
    [
        "599 12 34 56",
        "+995599123456",
        "599-123-456",
        "(599) 123 456",
        "00995 599 123 456",
        "995599123456",
        "0599123456",
        "599123456.0",
    ],
)
def test_the_same_mobile_number_written_many_ways(raw):
    assert georgian.normalize_phone(raw) == "+995599123456"


@pytest.mark.parametrize(
    "raw", ["12345", "+7 999 123 45 67", "599 12 34 5", "599 12 34 567", "abc", "", "199123456", "+995 199 123 456"]
)
def test_not_a_georgian_number(raw):
    assert georgian.normalize_phone(raw) is None


def test_landline_is_accepted_and_formatted():
    assert georgian.normalize_phone("32 2 12 34 56") == "+995322123456"
    assert georgian.format_phone("+995599123456") == "+995 599 12 34 56"
    assert georgian.phone_digits("+995599123456") == "599123456"


def test_transliteration_of_a_name():
    assert georgian.transliterate("გიორგი ბერიძე") == "giorgi beridze"
    assert georgian.transliterate("ჭავჭავაძე") == "chavchavadze"
    assert georgian.transliterate("ღლონტი ყიფიანი") == "ghlonti qipiani"


def test_folding_unifies_spelling_variants():
    assert georgian.fold("Tchikovani") == georgian.fold("ჩიქოვანი")
    assert georgian.fold("Xutsishvili") == georgian.fold("ხუციშვილი")
    assert georgian.fold("Djavakhishvili") == georgian.fold("ჯავახიშვილი")
    assert georgian.query_terms("  Giorgi   BERIDZE ") == ["giorgi", "beridze"]
