"""`python -m guian_kg` runs the CLI."""

from .cli import main

main()
