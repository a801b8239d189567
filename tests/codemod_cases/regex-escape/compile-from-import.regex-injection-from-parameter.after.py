from re import IGNORECASE, compile
from re import escape


class Filter:
    def matcher(self, *, word, flags=IGNORECASE):
        return compile(escape(word), flags)
