"""Example stacks composed from buttress constructs; wired together in ``app.py``."""
