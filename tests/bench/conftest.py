import pytest


@pytest.fixture(autouse=True)
def _own_var_dir(settings, tmp_path):
    """The generator keeps its resume state under VAR_DIR/bench/: each test gets its own, so
    parallel test processes (and the developer's own `make bench` figures) never share it."""
    settings.VAR_DIR = tmp_path
