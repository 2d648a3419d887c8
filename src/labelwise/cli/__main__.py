"""``python -m labelwise.cli``: the ``labelwise`` command, as the console script runs it."""

from labelwise.cli import main

if __name__ == "__main__":
    main()
