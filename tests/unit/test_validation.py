"""Reading what people type (forum_core/validation.py): amounts in lari."""

from decimal import Decimal

import pytest

from forum_core import validation


@pytest.mark.parametrize(
    "written, amount",
    [
        ("12 500,50 ₾", "12500.50"),  # Georgian: a decimal comma, spaces between thousands
        ("12500,5", "12500.5"),
        ("12,500.50", "12500.50"),  # English
        ("12.500,50", "12500.50"),
        ("12,500", "12500"),  # three digits after a separator group thousands: never 12.5
        ("12.500", "12500"),
        ("1\u202f250\u00a0000 ლარი", "1250000"),  # the spaces office suites put, and the lari's name
        ("GEL 300", "300"),
        (4500.5, "4500.5"),
    ],
)
def test_an_amount_is_read_as_people_write_it(written, amount):
    assert validation.parse_amount(written) == Decimal(amount)


@pytest.mark.parametrize(
    "written",
    ["ათასი", "12,5555", "1,2,3", "12,345.678", "12 500 ლარი და 50 თეთრი", 0.001, "12500,000", "1,000.000,5", True],
)
def test_what_is_not_an_amount_is_not_guessed(written):
    assert validation.parse_amount(written) is None
