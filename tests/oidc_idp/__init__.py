"""A real OpenID Connect provider (django-oidc-provider) for the SSO tests.

It runs in its own process on the loopback interface with its own SQLite database
(``tests/oidc_idp/fixture.py`` starts it); nothing of the helpdesk is imported here. Its people:
Django users whose groups say what the provider asserts about them (``claims.py``).
"""
