"""Built-in scenario packs (payments, auth, variants)."""
