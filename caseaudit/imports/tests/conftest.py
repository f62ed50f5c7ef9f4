from pathlib import Path

import pytest

from .helpers import SHARED_DATA


@pytest.fixture
def shared_data() -> Path:
    """The shared synthetic data (Annex A, SSDA903), or a skip where it is not checked out."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared sample data not found at {SHARED_DATA}")
    return SHARED_DATA
