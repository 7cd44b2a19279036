"""Server test fixtures live in server_fixtures.py (a unique module name, so helpers can be imported
from test files without clashing with other folders' conftest modules)."""
from server_fixtures import media_dir, media_server, server, strict_server  # noqa: F401
