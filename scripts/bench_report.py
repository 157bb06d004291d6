"""A benchmark's reStructuredText report: printed, and written to docs/."""


def write_report(out, title, lines):
    """@title as the document's heading over @lines, to stdout and @out."""
    text = "\n".join(["=" * len(title), title, "=" * len(title), ""] + lines)
    print(text)
    with open(out, "w") as f:
        f.write(text)
