from tempfile import mktemp


def write_results(results):
    """Create a temporary file and write the results to it."""
    filename = mktemp()  # a fresh name
    with open(filename, "w+") as f:
        f.write(results)
    print("Results written to", filename)
