import pytest


@pytest.fixture
def torch():
    """torch (float64) as an optional oracle: tests using it skip cleanly without it."""
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    return torch
