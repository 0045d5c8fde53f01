"""A number typed into a parameter is read one way (``ltc.core.numbers.whole_number``): ASCII
digits, at most a bigint's worth. "²" (a digit to ``str.isdigit``, not to ``int``), a number of
5,000 digits (more than ``int`` reads) and a page past PostgreSQL's bigint were 500s."""

import pytest
from django.urls import reverse

from ltc.core.numbers import whole_number

pytestmark = pytest.mark.django_db

ODD = ["²", "١٢", "9" * 5000, "99999999999999999999999", " 7 ", "-3", "1.5", ""]


def test_whole_number_reads_ascii_digits_only():
    assert [whole_number(text) for text in ODD] == [None, None, None, None, 7, None, None, None]
    assert whole_number(None) is None and whole_number("0") == 0


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize(
    "name, param",
    [
        ("opportunities:list", "page"),
        ("opportunities:list", "owner"),
        ("opportunities:board", "owner"),
        ("billing:receivables", "page"),
        ("leads:list", "owner"),
        ("billing:invoice_create", "contract"),
        ("billing:invoice_create", "order"),
        ("billing:payment_create", "customer"),
        ("search:results", "q"),
    ],
)
def test_odd_numbers_in_a_parameter_answer_without_a_server_error(
    browser_as, org, name, param, value
):
    response = browser_as("admin").get(reverse(name), {param: value})
    assert response.status_code < 500, (name, param, value, response.status_code)
