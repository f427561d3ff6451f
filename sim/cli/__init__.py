"""The command line: one settings grammar, and every command registered in one list."""
