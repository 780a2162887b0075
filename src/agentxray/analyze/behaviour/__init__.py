"""One behaviour model: records the language front-ends emit, and the category policies over them."""
