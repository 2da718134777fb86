from tests.desk.conftest import frozen, make_ticket, tech2  # noqa: F401  (shared fixtures)
