"""The verdict's own evaluation: the whole combination (server/verdict.py) on held-out media of every content
type, scored the way the server scores them; `fakescope evaluate verdict` writes models/cards/verdict.md."""
