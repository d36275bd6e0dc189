import random

from forum_core import tokens

SECRET = "s" * 64


def test_tokens_use_the_safe_alphabet_and_check_themselves():
    seen = set()
    for _ in range(500):
        code = tokens.new_token(SECRET)
        assert len(code) == tokens.LENGTH == 9
        assert not set(code) & set("O0I1YZ")
        assert tokens.has_valid_tag(SECRET, code)
        seen.add(code)
    assert len(seen) == 500


def test_normalise_accepts_lower_case_spaces_and_dashes():
    code = tokens.new_token(SECRET)
    typed = "  " + tokens.printable(code).lower().replace("-", " - ") + " \n"
    assert tokens.normalize(typed) == code


def test_a_single_typo_is_caught_almost_always():
    rng = random.Random(1)
    caught = 0
    trials = 400
    for _ in range(trials):
        code = tokens.new_token(SECRET)
        pos = rng.randrange(tokens.LENGTH)
        wrong = rng.choice([c for c in tokens.ALPHABET if c != code[pos]])
        typo = code[:pos] + wrong + code[pos + 1 :]
        caught += not tokens.has_valid_tag(SECRET, typo)
    assert caught >= trials - 2  # the 3-char tag lets through about 1 typo in 27,000


def test_a_forged_code_with_another_secret_is_invalid():
    forged = tokens.new_token("another forum's secret")
    assert not tokens.has_valid_tag(SECRET, forged) or tokens.has_valid_tag("another forum's secret", forged)
    assert sum(tokens.has_valid_tag(SECRET, tokens.new_token("x" * 64)) for _ in range(300)) <= 2


def test_malformed_codes():
    for bad in ("", "ABC", "O0O0O0O0O", "ABCDEFGHJK", "abc-def-ghz"):
        assert not tokens.has_valid_tag(SECRET, tokens.normalize(bad))


def test_codes_typed_into_a_box_that_was_not_emptied():
    a, b = tokens.new_token("s"), tokens.new_token("s")
    assert tokens.newest(a + b) == b and tokens.newest((a + b) * 6 + a) == a
    assert tokens.newest(a) == a and tokens.newest(a + "X") == a + "X"  # not whole codes: left as typed
