from tempfile import mktemp
from tempfile import mkstemp
import os


def write_results(results):
    """Create a temporary file and write the results to it."""
    fd, filename = mkstemp()  # a fresh name
    os.close(fd)
    with open(filename, "w+") as f:
        f.write(results)
    print("Results written to", filename)
