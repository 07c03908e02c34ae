"""Commands beyond the checking ones, one module each, imported only when run.

Each module defines a click command named `command`; `odyssey_dsl.cli` maps names to modules.
"""
