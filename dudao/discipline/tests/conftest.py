import pytest


@pytest.fixture
def utility_world(db):
    """The test world made from the utility plant pack, whose policy fines lateness and absence."""
    from dudao.org.testing import build_world

    return build_world("utility_plant")
