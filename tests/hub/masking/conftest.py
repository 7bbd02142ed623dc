"""One ContactMasker for the masking tests: building it loads presidio and the suffix list."""

from __future__ import annotations

import pytest

from hub.masking import ContactMasker


@pytest.fixture(scope="session")
def masker() -> ContactMasker:
    return ContactMasker()
