"""Runtime code shipped as Lambda assets; each sub-folder is one asset (see buttress.parts.assets)."""
