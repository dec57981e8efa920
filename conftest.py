"""Top-level pytest configuration: plugins shared by the whole suite.

Test fixtures for domain data live in `dudao/conftest.py`; this file only wires in machinery.
"""

# Browser tests (marker `browser`): Chromium, the demo server, page sizes, login and screenshots.
pytest_plugins = ["dudao.core.testing.browser"]
