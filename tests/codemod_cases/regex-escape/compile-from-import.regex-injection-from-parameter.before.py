from re import IGNORECASE, compile


class Filter:
    def matcher(self, *, word, flags=IGNORECASE):
        return compile(word, flags)
