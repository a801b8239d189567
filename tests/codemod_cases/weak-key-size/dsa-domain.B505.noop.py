from Crypto.PublicKey import DSA

# The domain's p fixes the size: bits must match it, so the size cannot change alone.
key = DSA.generate(1024, domain=(P, Q, G))
