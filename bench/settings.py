"""Benchmark-only settings: the product's settings, plus a URLconf with the trivial floor view.

Selected with ``DJANGO_SETTINGS_MODULE=bench.settings`` by the bench scripts only; the product never
serves ``/__bench__/``.
"""

from helpdesk.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# The write throttle protects production from floods; the benchmark posts hundreds of tickets a minute.
_rates = dict(REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}))  # noqa: F405
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        **{k: "1000000/min" for k in _rates},
        "writes": "1000000/min",
        "token": "1000000/min",
    },
}
