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


# How people type real Georgian names on a Latin keyboard (national romanisation, the older one
# with apostrophes and ph/th/kh, Russian, German and French habits, phone shortcuts).
LATIN_SPELLINGS = [
    ("sofo", "სოფო"),
    ("sopo", "სოფო"),
    ("kipiani", "ყიფიანი"),
    ("qipiani", "ყიფიანი"),
    ("k'ipiani", "ყიფიანი"),
    ("gviniashvili", "ღვინიაშვილი"),
    ("ghviniashvili", "ღვინიაშვილი"),
    ("chikovani", "ჩიქოვანი"),
    ("chiqovani", "ჩიქოვანი"),
    ("tschikowani", "ჩიქოვანი"),
    ("tsereteli", "წერეთელი"),
    ("cereteli", "წერეთელი"),
    ("tzereteli", "წერეთელი"),
    ("ts'ereteli", "წერეთელი"),
    ("javakhishvili", "ჯავახიშვილი"),
    ("djavakhishvili", "ჯავახიშვილი"),
    ("dzhavakhishvili", "ჯავახიშვილი"),
    ("javaxishvili", "ჯავახიშვილი"),
    ("zhvania", "ჟვანია"),
    ("jvania", "ჟვანია"),
    ("khachidze", "ხაჩიძე"),
    ("xachidze", "ხაჩიძე"),
    ("hachidze", "ხაჩიძე"),
    ("kapanadze", "კაპანაძე"),
    ("k'ap'anadze", "კაპანაძე"),
    ("pirtskhalava", "ფირცხალავა"),
    ("phirtskhalava", "ფირცხალავა"),
    ("firtskhalava", "ფირცხალავა"),
    ("schengelia", "შენგელია"),
    ("tkemaladze", "ტყემალაძე"),
    ("tqemaladze", "ტყემალაძე"),
    ("ketevan", "ქეთევან"),
    ("qetevan", "ქეთევან"),
    ("ketewan", "ქეთევან"),
    ("tsotne", "ცოტნე"),
    ("cotne", "ცოტნე"),
    ("chanturia", "ჭანტურია"),
    ("tchanturia", "ჭანტურია"),
    ("ch'anturia", "ჭანტურია"),
    ("tskhadadze", "ცხადაძე"),
    ("tsxadadze", "ცხადაძე"),
    ("khvicha", "ხვიჩა"),
    ("xvicha", "ხვიჩა"),
    ("hvicha", "ხვიჩა"),
    ("mikheil", "მიხეილ"),
    ("mixeil", "მიხეილ"),
    ("jorjoliani", "ჟორჟოლიანი"),
    ("zhorzholiani", "ჟორჟოლიანი"),
    ("kavtaradze", "ყავთარაძე"),
    ("qavtharadze", "ყავთარაძე"),
    ("tsitsishvili", "ციციშვილი"),
    ("cicishvili", "ციციშვილი"),
    ("chichinadze", "ჭიჭინაძე"),
    ("tchitchinadze", "ჭიჭინაძე"),
    ("bakhtadze", "ბახტაძე"),
    ("baxtadze", "ბახტაძე"),
    ("gogoberidze", "ღოღობერიძე"),
    ("tamar", "თამარ"),
    ("thamar", "თამარ"),
    ("chkheidze", "ჩხეიძე"),
    ("chxeidze", "ჩხეიძე"),
]


@pytest.mark.parametrize("latin,georgian_name", LATIN_SPELLINGS)
def test_a_latin_spelling_folds_onto_the_georgian_name(latin, georgian_name):
    assert georgian.fold(latin) == georgian.fold(georgian_name)
    assert georgian.fold(latin.capitalize()) == georgian.fold(georgian_name)


def test_folding_keeps_different_names_apart():
    """Coarser than the name, but not so coarse that everybody matches."""
    keys = {georgian.fold(name) for name in ("ბერიძე", "ბერაძე", "კაპანაძე", "ყიფიანი", "სოფო", "ნინო", "ხაჩიძე")}
    assert len(keys) == 7


def test_folding_unifies_spelling_variants():
    assert georgian.fold("Tchikovani") == georgian.fold("ჩიქოვანი")
    assert georgian.fold("Xutsishvili") == georgian.fold("ხუციშვილი")
    assert georgian.fold("Djavakhishvili") == georgian.fold("ჯავახიშვილი")
    assert georgian.query_terms("  Giorgi   BERIDZE ") == ["giorgi", "beridze"]
