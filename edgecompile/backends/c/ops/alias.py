"""Views (free reshapes and transposes): they share their source's buffer, so there is nothing to run."""


def emit(e, op, i) -> str:
    return ""
