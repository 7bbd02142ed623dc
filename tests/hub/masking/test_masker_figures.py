"""Hard negatives: figures that look like contact details and must come through untouched."""

from __future__ import annotations

import pytest

from hub.masking import ContactMasker

HARD_NEGATIVES = [
    # salaries and prices
    "The role pays $120,000 plus HMO.",
    "Offer is ₱45,000/month.",
    "Expected CTC 12 LPA, current 9.5 LPA.",
    "expected salary 80000-90000 per month",
    "₹18,00,000 per annum",
    "Budget is $110,000 - $130,000.",
    "The course costs $49.99.",
    # dates and times
    "Interview on 2024-05-01 at 10:30 am.",
    "Start date 05/01/2024, shift 9:00-9:45 AM.",
    "on 01.05.2024 at 14:00 BST",
    "deadline 2024-05-01 10:30:00",
    # experience
    "5 years of Java, 3-5 yrs preferred, 7+ years for lead.",
    # job ids, order numbers, versions
    "Please quote JOB-2024-00123 or REQ 88123.",
    "requisition #40921 closes soon",
    "Your laptop is order #4471 2290 11.",
    "invoice 2024 0501 7788 is paid",
    "ticket #88123456 is open",
    "We use Python 3.11.4 and v2.14.3 of the SDK.",
    "Node 18.19.0, Kubernetes 1.29, IP 192.168.100.200",
    # counts, percentages, addresses
    "We have 12 openings and 1,200 employees.",
    "15% hike, 30-40% bonus, 98.5% uptime",
    "Office: 5th floor, 6750 Ayala Ave, Makati 1226",
    "Austin, TX 78701-1234 or New York, NY 10001",
    "Bangalore 560103 / Whitefield, Bengaluru 560066",
    # ids asked at onboarding
    "SSS 34-5678901-2 and TIN 123-456-789-000 are on the form",
    "Aadhaar 4521 8874 2230, PAN ABCPK1234F",
    "between 2019 and 2023 I worked in Pasig",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_figure_is_not_masked(masker: ContactMasker, text: str) -> None:
    result = masker.mask(text)
    assert result.text == text
    assert not result.masked


def test_figures_next_to_a_phone_survive(masker: ContactMasker) -> None:
    result = masker.mask("Salary $120,000 from 2024-05-01; call 9876543210 re JOB-2024-00123")
    assert result.text == "Salary $120,000 from 2024-05-01; call +91-XXXXXX3210 re JOB-2024-00123"


def test_phone_number_after_phone_no_is_still_a_phone(masker: ContactMasker) -> None:
    """The "no." of "order no." marks a reference; the "no." of "phone no." does not."""
    assert masker.mask("phone no. 9876543210").text == "phone no. +91-XXXXXX3210"
