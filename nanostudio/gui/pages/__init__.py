"""One module per wizard page; each renders and binds part of ``WizardState``."""
