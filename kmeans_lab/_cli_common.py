"""What the ``kmeans-lab`` commands share (private): the program's name and
the error a command reports in one line."""

PROG = "kmeans-lab"


class CommandError(Exception):
    """A problem with what the user asked for; reported as one line."""
