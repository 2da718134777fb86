#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    if "SECRET_KEY" not in os.environ:
        # No production configuration in sight: this is a developer's checkout, so development
        # defaults apply. Production always sets SECRET_KEY (required there), and DEBUG stays off.
        os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
