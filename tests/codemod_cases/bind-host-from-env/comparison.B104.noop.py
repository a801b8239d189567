def is_wildcard(address):
    return address == "0.0.0.0"
