"""What the commands may write, and how: ownership of destinations, atomic writes."""
